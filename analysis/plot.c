/* SPDX-License-Identifier: MIT */
/*
 * The energy figure (plot.h). The data and the script are plain files handed to gnuplot,
 * the tool our users already have, rather than a plotting library linked in. The y axis is
 * logarithmic because kernels differ by orders of magnitude in joules per invocation.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "plot.h"
#include "stats.h"

static int
plot_write_data(struct summary *s, const char *path, int *modeled, struct jb_err *err)
{
	FILE *f = fopen(path, "we");
	size_t i, rows = 0;

	if (!f)
		return jb_err_set(err, -errno, "cannot create %s: %s", path, strerror(errno));
	fprintf(f, "# label median_j ci95_lo_j ci95_hi_j q1_j q3_j (energy per invocation; the\n"
		   "# CI is a seeded bootstrap of the median, 2000 resamples, seed 1)\n");
	for (i = 0; i < s->n; i++) {
		struct summary_group *g = &s->group[i];
		struct summary_stats st;
		struct stats_ci ci;

		summary_group_stats(g, &st);
		if (!st.n)
			continue;
		if (stats_median_ci(g->energy_j, g->n, 2000, 1, 0.95, &ci))
			ci.lo = ci.hi = st.energy_median_j;
		*modeled |= strcmp(g->meter_kind, "modeled") == 0;
		fprintf(f, "\"%s %s\\n%s\" %.9g %.9g %.9g %.9g %.9g\n", g->workload, g->size,
			g->driver, st.energy_median_j, ci.lo, ci.hi, st.energy_q1_j, st.energy_q3_j);
		rows++;
	}
	if (fclose(f) != 0)
		return jb_err_set(err, -EIO, "writing %s failed", path);
	if (!rows)
		return jb_err_set(err, -ENODATA, "no successful warm invocations to plot");
	return 0;
}

static int
plot_run_gnuplot(const char *dat, const char *out, const char *term, const char *title,
		 struct jb_err *err)
{
	FILE *p = popen("gnuplot 2>&1", "w");
	int st;

	if (!p)
		return jb_err_set(err, -errno, "cannot run gnuplot: %s", strerror(errno));
	fprintf(p,
		"set terminal %s size 1000,600 font ',11'\n"
		"set output '%s'\n"
		"set title '%s' noenhanced\n"
		"set ylabel 'energy per invocation (J)'\n"
		"set logscale y\n"
		"set style fill solid 0.5\n"
		"set boxwidth 0.6\n"
		"set xtics rotate by -30 noenhanced\n"
		"set grid ytics\n"
		"unset key\n"
		"plot '%s' using 0:2:xtic(1) with boxes lc rgb '#4477aa', "
		"'' using 0:2:3:4 with yerrorbars lc rgb '#222222' pt 0\n",
		term, out, title, dat);
	st = pclose(p);
	if (st == -1)
		return jb_err_set(err, -errno, "gnuplot: %s", strerror(errno));
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return jb_err_set(err, -ENOENT, "gnuplot is not installed (apt-get install gnuplot-nox)");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return jb_err_set(err, -EIO, "gnuplot failed writing %s", out);
	return 0;
}

int
plot_energy(struct summary *s, const char *prefix, struct jb_err *err)
{
	char dat[4096], out[4096], title[256];
	int modeled = 0, rc;

	snprintf(dat, sizeof(dat), "%s.dat", prefix);
	rc = plot_write_data(s, dat, &modeled, err);
	if (rc)
		return rc;
	snprintf(title, sizeof(title), "joulebench: energy per invocation, median with its 95%% CI%s",
		 modeled ? " (MODELED, not measured)" : "");
	snprintf(out, sizeof(out), "%s.png", prefix);
	rc = plot_run_gnuplot(dat, out, "pngcairo", title, err);
	if (rc)
		return rc;
	snprintf(out, sizeof(out), "%s.svg", prefix);
	return plot_run_gnuplot(dat, out, "svg", title, err);
}
