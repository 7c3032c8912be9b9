/* SPDX-License-Identifier: MIT */
/*
 * The overhead model's files (overhead_out.h). Numbers are written with %.9g, text
 * through libcsv's csv_fwrite (RFC 4180 quoting), because parameter sources hold commas.
 * Figures are gnuplot scripts piped to gnuplot, as analysis/plot.c does, once per
 * terminal (pngcairo, svg).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include <csv.h>

#include "overhead_out.h"
#include "plot.h"

static FILE *
out_open(const char *prefix, const char *suffix, char *path, size_t len, struct jb_err *err)
{
	FILE *f;

	snprintf(path, len, "%s%s", prefix, suffix);
	f = fopen(path, "we");
	if (!f)
		jb_err_set(err, -errno, "cannot create %s: %s", path, strerror(errno));
	return f;
}

static int
out_close(FILE *f, const char *path, struct jb_err *err)
{
	int bad = ferror(f);

	if (fclose(f) != 0 || bad)
		return jb_err_set(err, -EIO, "writing %s failed", path);
	return 0;
}

static void
text(FILE *f, const char *s)
{
	csv_fwrite(f, s, strlen(s));
}

int
overhead_out_csv(const struct overhead_result *r, const struct params *p, const char *prefix,
		 struct jb_err *err)
{
	char path[4096];
	unsigned k, j;
	size_t i;
	FILE *f = out_open(prefix, ".breakdown.csv", path, sizeof(path), err);
	int rc;

	if (!f)
		return err ? err->code : -EIO;
	fprintf(f, "platform,part,energy_j,mean_power_w,horizon_s\n");
	for (k = 0; k < OVERHEAD_N_PLATFORMS; k++) {
		const struct overhead_platform_result *pr = &r->p[k];

		for (j = 0; j < OVERHEAD_N_PARTS; j++)
			fprintf(f, "%s,%s,%.9g,%.9g,%.9g\n", overhead_platform_name(k),
				overhead_part_name(j), pr->part_j[j], pr->part_j[j] / r->horizon_s,
				r->horizon_s);
		fprintf(f, "%s,overhead,%.9g,%.9g,%.9g\n", overhead_platform_name(k), pr->overhead_j,
			pr->overhead_power_w, r->horizon_s);
		fprintf(f, "%s,total,%.9g,%.9g,%.9g\n", overhead_platform_name(k), pr->total_j,
			pr->total_j / r->horizon_s, r->horizon_s);
		for (j = 0; j < OVERHEAD_N_ACC; j++) /* both accountings, whichever is selected */
			fprintf(f, "%s,useful_%s,%.9g,%.9g,%.9g\n%s,overhead_%s,%.9g,%.9g,%.9g\n",
				overhead_platform_name(k), overhead_accounting_name(j),
				pr->useful_acc_j[j], pr->useful_acc_j[j] / r->horizon_s, r->horizon_s,
				overhead_platform_name(k), overhead_accounting_name(j),
				pr->overhead_acc_j[j], pr->overhead_acc_j[j] / r->horizon_s,
				r->horizon_s);
	}
	if ((rc = out_close(f, path, err)))
		return rc;

	if (!(f = out_open(prefix, ".timeseries.csv", path, sizeof(path), err)))
		return err ? err->code : -EIO;
	fprintf(f, "time_s,platform,units_on,total_w,overhead_w");
	for (j = 0; j < OVERHEAD_N_PARTS; j++)
		fprintf(f, ",%s_w", overhead_part_name(j));
	fprintf(f, "\n");
	for (i = 0; i < r->n_steps; i++)
		for (k = 0; k < OVERHEAD_N_PLATFORMS; k++) {
			const double *row = r->series + ((size_t)k * r->n_steps + i) *
								OVERHEAD_SERIES_WIDTH;
			double len = fmin(r->step_s, r->horizon_s - i * r->step_s), tot = 0;

			for (j = 0; j < OVERHEAD_N_PARTS; j++)
				tot += row[j];
			fprintf(f, "%.9g,%s,%.9g,%.9g,%.9g", i * r->step_s, overhead_platform_name(k),
				row[OVERHEAD_N_PARTS], tot / len, (tot - row[OVERHEAD_USEFUL]) / len);
			for (j = 0; j < OVERHEAD_N_PARTS; j++)
				fprintf(f, ",%.9g", row[j] / len);
			fprintf(f, "\n");
		}
	if ((rc = out_close(f, path, err)))
		return rc;

	if (!(f = out_open(prefix, ".params.csv", path, sizeof(path), err)))
		return err ? err->code : -EIO;
	fprintf(f, "key,value,source\n");
	for (k = 0; k < PARAMS_N; k++) {
		fprintf(f, "%s,%.9g,", params_name(k), p->v[k]);
		text(f, p->src[k]);
		fprintf(f, "\n");
	}
	return out_close(f, path, err);
}

int
overhead_out_sweep_csv(const char *key, const struct overhead_sweep_point *pt, size_t n,
		       const char *prefix, struct jb_err *err)
{
	char path[4096];
	FILE *f = out_open(prefix, ".sweep.csv", path, sizeof(path), err);
	size_t i;

	if (!f)
		return err ? err->code : -EIO;
	fprintf(f, "parameter,value,reduction,overhead_software_j,overhead_hardware_j,"
		   "overhead_software_w,overhead_hardware_w,fleet_saving_w,reduction_paper,"
		   "reduction_strict,total_software_j,total_hardware_j,total_ratio\n");
	for (i = 0; i < n; i++) {
		const struct overhead_result *r = &pt[i].r;

		text(f, key);
		fprintf(f, ",%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g\n",
			pt[i].value, r->reduction, r->p[OVERHEAD_SW].overhead_j,
			r->p[OVERHEAD_HW].overhead_j, r->p[OVERHEAD_SW].overhead_power_w,
			r->p[OVERHEAD_HW].overhead_power_w, r->fleet_saving_w,
			r->reduction_acc[OVERHEAD_ACC_PAPER], r->reduction_acc[OVERHEAD_ACC_STRICT],
			r->p[OVERHEAD_SW].total_j, r->p[OVERHEAD_HW].total_j, r->total_ratio);
	}
	return out_close(f, path, err);
}

/* Close the data file @f (@path), then draw figure @name from it, @prefix.@name.png and
 * .svg, with the script that @fmt and its arguments make. The data files' paths are
 * embedded in the script as '%s' strings, so a prefix with a quote or a line break is
 * refused with one clear line (a backslash is literal in gnuplot's single quotes and
 * works). gnuplot runs without a shell, its messages captured (plot.h). */
static int __attribute__((format(printf, 6, 7)))
out_figure(FILE *f, const char *path, const char *prefix, const char *name, struct jb_err *err,
	   const char *fmt, ...)
{
	char script[8192], base[4200];
	va_list ap;
	int rc, n;

	if ((rc = out_close(f, path, err)))
		return rc;
	if (strpbrk(prefix, "'\n\r"))
		return jb_err_set(err, -EINVAL,
				  "the figures' prefix '%s' holds a quote or a line break, which "
				  "gnuplot's script cannot take; choose another -o (or --no-plot)",
				  prefix);
	va_start(ap, fmt);
	n = vsnprintf(script, sizeof(script), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(script))
		return jb_err_set(err, -ENAMETOOLONG, "the %s figure's script is too long", name);
	n = snprintf(base, sizeof(base), "%s.%s", prefix, name);
	if (n < 0 || (size_t)n >= sizeof(base))
		return jb_err_set(err, -ENAMETOOLONG, "path too long for gnuplot");
	return plot_gnuplot_figures(base, "size 1000,600 font ',11'", script, err);
}

int
overhead_out_plot(const struct overhead_result *r, const char *prefix, struct jb_err *err)
{
	char path[4096];
	double scale = 3.6e6; /* kWh: a day of a fleet is far beyond joules */
	unsigned k, j, a;
	size_t i;
	FILE *f = out_open(prefix, ".energy.dat", path, sizeof(path), err);
	int rc;

	if (!f)
		return err ? err->code : -EIO;
	fprintf(f, "platform");
	for (j = 0; j < OVERHEAD_N_PARTS; j++)
		fprintf(f, " %s", overhead_part_name(j));
	fprintf(f, "\n");
	/* Both accountings side by side: the bars' heights (totals) are the same, only the
	 * split between useful and the static power under running invocations differs. */
	for (a = 0; a < OVERHEAD_N_ACC; a++)
		for (k = 0; k < OVERHEAD_N_PLATFORMS; k++) {
			const struct overhead_platform_result *pr = &r->p[k];
			double under = pr->useful_acc_j[OVERHEAD_ACC_PAPER] -
				       pr->useful_acc_j[OVERHEAD_ACC_STRICT];

			fprintf(f, "%s(%s)", overhead_platform_name(k), overhead_accounting_name(a));
			for (j = 0; j < OVERHEAD_N_PARTS; j++) {
				double e = j == OVERHEAD_USEFUL ? pr->useful_acc_j[a] :
					   j == OVERHEAD_IDLE  ? (a == OVERHEAD_ACC_STRICT ? under : 0) :
								pr->part_j[j];

				fprintf(f, " %.9g", e / scale);
			}
			fprintf(f, "\n");
		}
	rc = out_figure(f, path, prefix, "energy", err,
			"set title 'joulebench overhead: energy over %.3g h; reduction of overhead "
			"%.2f%% (paper accounting), %.2f%% (strict)' noenhanced\n"
			"set ylabel 'energy (kWh)'\nset style data histograms\n"
			"set style histogram rowstacked\nset style fill solid 0.8 border -1\n"
			"set boxwidth 0.5\nset key outside right noenhanced\nset grid ytics\n"
			"set label 1 'total energy hardware/software: %.3g' "
			"at graph 0.5, graph 0.95 center\n"
			"plot for [c=2:%d] '%s' using c:xtic(1) title columnheader(c)\n",
			r->horizon_s / 3600, 100 * r->reduction_acc[OVERHEAD_ACC_PAPER],
			100 * r->reduction_acc[OVERHEAD_ACC_STRICT], r->total_ratio,
			OVERHEAD_N_PARTS + 1, path);
	if (rc || !r->n_steps)
		return rc;

	if (!(f = out_open(prefix, ".power.dat", path, sizeof(path), err)))
		return err ? err->code : -EIO;
	fprintf(f, "# time_h software_overhead_w hardware_overhead_w\n");
	for (i = 0; i < r->n_steps; i++) {
		double len = fmin(r->step_s, r->horizon_s - i * r->step_s), o[2];

		for (k = 0; k < OVERHEAD_N_PLATFORMS; k++) {
			const double *row = r->series + ((size_t)k * r->n_steps + i) *
								OVERHEAD_SERIES_WIDTH;

			o[k] = 0;
			for (j = 1; j < OVERHEAD_N_PARTS; j++)
				o[k] += row[j];
		}
		fprintf(f, "%.9g %.9g %.9g\n", i * r->step_s / 3600, o[0] / len, o[1] / len);
	}
	return out_figure(f, path, prefix, "power", err,
			  "set title 'joulebench overhead: overhead power over time' noenhanced\n"
			  "set xlabel 'time (h)'\nset ylabel 'overhead power (W)'\nset grid\n"
			  "set key top left\n"
			  "plot '%s' using 1:2 with steps lw 2 "
			  "title 'software isolation (servers)', "
			  "'' using 1:3 with steps lw 2 title 'hardware isolation (boards)'\n",
			  path);
}

int
overhead_out_sweep_plot(const char *key, const struct overhead_sweep_point *pt, size_t n,
			const char *prefix, struct jb_err *err)
{
	char path[4096];
	FILE *f = out_open(prefix, ".sweep.dat", path, sizeof(path), err);
	size_t i;

	if (!f)
		return err ? err->code : -EIO;
	fprintf(f, "# %s reduction_percent\n", key);
	for (i = 0; i < n; i++)
		fprintf(f, "%.9g %.9g\n", pt[i].value, 100 * pt[i].r.reduction);
	return out_figure(f, path, prefix, "sweep", err,
			  "set title 'joulebench overhead: reduction of overhead against %s' "
			  "noenhanced\n"
			  "set xlabel '%s' noenhanced\nset ylabel 'reduction of overhead (%%)'\n"
			  "set grid\nunset key\n"
			  "plot '%s' using 1:2 with linespoints lw 2 pt 7, "
			  "'' using 1:2:(sprintf('%%.1f%%%%', $2)) with labels offset 0,1\n",
			  key, key, path);
}

int
overhead_out_map_csv(const char *key1, const char *key2, const struct overhead_sweep_point *pt,
		     size_t n1, size_t n2, const char *prefix, struct jb_err *err)
{
	char path[4096];
	FILE *f = out_open(prefix, ".map.csv", path, sizeof(path), err);
	size_t i;

	if (!f)
		return err ? err->code : -EIO;
	fprintf(f, "x_parameter,x,y_parameter,y,reduction,reduction_paper,reduction_strict,"
		   "total_software_j,total_hardware_j,total_ratio,fleet_saving_w\n");
	for (i = 0; i < n1 * n2; i++) {
		const struct overhead_result *r = &pt[i].r;

		text(f, key1);
		fprintf(f, ",%.9g,", pt[i].value);
		text(f, key2);
		fprintf(f, ",%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g\n", pt[i].value2, r->reduction,
			r->reduction_acc[OVERHEAD_ACC_PAPER], r->reduction_acc[OVERHEAD_ACC_STRICT],
			r->p[OVERHEAD_SW].total_j, r->p[OVERHEAD_HW].total_j, r->total_ratio,
			r->fleet_saving_w);
	}
	return out_close(f, path, err);
}

/* The paper's reported reduction (Carl et al. 2025 abstract, research/paper.md). */
#define OVERHEAD_PAPER_REDUCTION_PCT 90.63

int
overhead_out_map_plot(const char *key1, const char *key2, const struct overhead_sweep_point *pt,
		      size_t n1, size_t n2, const char *prefix, struct jb_err *err)
{
	char path[4096];
	FILE *f = out_open(prefix, ".map.dat", path, sizeof(path), err);
	size_t i, j;

	if (!f)
		return err ? err->code : -EIO;
	/* gnuplot's grid format: one block per x value, blank lines between blocks. */
	fprintf(f, "# %s %s reduction_percent\n", key1, key2);
	for (i = 0; i < n1; i++) {
		for (j = 0; j < n2; j++)
			fprintf(f, "%.9g %.9g %.9g\n", pt[i * n2 + j].value, pt[i * n2 + j].value2,
				100 * pt[i * n2 + j].r.reduction);
		fprintf(f, "\n");
	}
	return out_figure(f, path, prefix, "map", err,
			  "set title 'joulebench overhead: reduction of overhead (%%) over "
			  "%s x %s' noenhanced\n"
			  "set xlabel '%s' noenhanced\nset ylabel '%s' noenhanced\n"
			  "set view map\nset pm3d at b interpolate 4,4\n"
			  "set autoscale xfix\nset autoscale yfix\n"
			  "set palette defined (-100 'red', 0 'white', 100 'blue')\n"
			  "set cbrange [-100:100]\nset cblabel 'reduction (%%)'\n"
			  "set contour base\nset cntrparam levels discrete 0, %g\nunset clabel\n"
			  "set key bottom right opaque box\n"
			  "splot '%s' using 1:2:3 with pm3d notitle, "
			  "'' using 1:2:3 nosurface with lines lw 2 lc 'black' "
			  "title 'contours 0%% and %g%% (paper)'\n",
			  key1, key2, key1, key2, OVERHEAD_PAPER_REDUCTION_PCT, path,
			  OVERHEAD_PAPER_REDUCTION_PCT);
}
