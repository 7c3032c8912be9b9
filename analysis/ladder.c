/* SPDX-License-Identifier: MIT */
/*
 * The load ladder's line and figure (ladder.h). The fit is GSL's gsl_fit_linear, the
 * library the rest of analysis/ already uses; the figure is a gnuplot script fed through a
 * pipe, like plot.c's, with the data left beside it so that it can be redrawn elsewhere.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include <gsl/gsl_fit.h>

#include "ladder.h"

int
ladder_fit_line(const double *busy_cores, const double *power_w, size_t n,
		struct ladder_fit *out)
{
	double c0, c1, cov00, cov01, cov11, sumsq, mean = 0, sst = 0;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (n < 2)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!isfinite(busy_cores[i]) || !isfinite(power_w[i]))
			return -EINVAL;
		mean += power_w[i] / (double)n;
	}
	for (i = 1; i < n && busy_cores[i] == busy_cores[0]; i++)
		;
	if (i == n)
		return -EINVAL;
	if (gsl_fit_linear(busy_cores, 1, power_w, 1, n, &c0, &c1, &cov00, &cov01, &cov11, &sumsq))
		return -EINVAL;
	for (i = 0; i < n; i++)
		sst += (power_w[i] - mean) * (power_w[i] - mean);
	out->idle_w = c0;
	out->w_per_core = c1;
	out->r2 = sst > 0 ? 1.0 - sumsq / sst : 1.0;
	out->n = n;
	return 0;
}

static int
ladder_gnuplot(const char *prefix, const char *dat, const struct ladder_series *s,
	       size_t n_series, const char *term, const char *ext, struct jb_err *err)
{
	FILE *p = popen("gnuplot 2>&1", "w");
	size_t i;
	int st;

	if (!p)
		return jb_err_set(err, -errno, "cannot run gnuplot: %s", strerror(errno));
	fprintf(p, "set terminal %s size 900,600 font ',11'\n"
		   "set output '%s.%s'\n"
		   "set title 'joulebench check: power against busy cores (points: measured; "
		   "lines: least-squares fit)' noenhanced\n"
		   "set xlabel 'busy cores (CPU time of joulebench in the window / wall time)'\n"
		   "set ylabel 'power (W)'\n"
		   "set grid\nset key left top noenhanced\nset xrange [0:*]\nset yrange [0:*]\n"
		   "plot ",
		term, prefix, ext);
	for (i = 0; i < n_series; i++)
		fprintf(p, "%s'%s' index %zu using 1:2 with points pt 7 lc %zu title '%s', "
			   "%.9g + %.9g * x with lines lc %zu title 'fit: %.4g W + %.4g W/core, "
			   "R^2 %.4f'",
			i ? ", " : "", dat, i, i + 1, s[i].label, s[i].fit.idle_w, s[i].fit.w_per_core,
			i + 1, s[i].fit.idle_w, s[i].fit.w_per_core, s[i].fit.r2);
	fprintf(p, "\n");
	st = pclose(p);
	if (st == -1)
		return jb_err_set(err, -errno, "gnuplot: %s", strerror(errno));
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return jb_err_set(err, -ENOENT, "gnuplot is not installed (apt-get install gnuplot-nox)");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return jb_err_set(err, -EIO, "gnuplot failed writing %s.%s", prefix, ext);
	return 0;
}

int
ladder_plot(const char *prefix, const struct ladder_series *s, size_t n_series,
	    struct jb_err *err)
{
	char dat[4096];
	size_t i, j;
	FILE *f;
	int rc;

	snprintf(dat, sizeof(dat), "%s.dat", prefix);
	f = fopen(dat, "we");
	if (!f)
		return jb_err_set(err, -errno, "cannot create %s: %s", dat, strerror(errno));
	fprintf(f, "# busy_cores power_w (joulebench check load ladder; one index per meter)\n");
	for (i = 0; i < n_series; i++) {
		fprintf(f, "%s# %s\n", i ? "\n\n" : "", s[i].label);
		for (j = 0; j < s[i].n; j++)
			fprintf(f, "%.6g %.9g\n", s[i].busy_cores[j], s[i].power_w[j]);
	}
	if (fclose(f) != 0)
		return jb_err_set(err, -EIO, "writing %s failed", dat);
	rc = ladder_gnuplot(prefix, dat, s, n_series, "pngcairo", "png", err);
	return rc ? rc : ladder_gnuplot(prefix, dat, s, n_series, "svg", "svg", err);
}
