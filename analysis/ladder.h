/* SPDX-License-Identifier: MIT */
/*
 * The load ladder of `joulebench check` and `calibrate`, as numbers: a straight line
 * power = idle_w + w_per_core x busy cores fitted by least squares (GSL), its R², and the
 * figure of power against busy cores (gnuplot, as plot.c draws the energy figure).
 */
#ifndef JB_ANALYSIS_LADDER_H
#define JB_ANALYSIS_LADDER_H

#include <stddef.h>

#include "jb_err.h"

struct ladder_fit {
	double idle_w;     /* intercept: the power at 0 busy cores */
	double w_per_core; /* slope */
	double r2;         /* coefficient of determination; 1 for two points */
	size_t n;
};

/**
 * ladder_fit_line() - least-squares line through (@busy_cores[i], @power_w[i]).
 * Return: 0; -EINVAL for fewer than 2 points, non-finite values, or x all equal.
 */
int ladder_fit_line(const double *busy_cores, const double *power_w, size_t n,
		    struct ladder_fit *out);

struct ladder_series {
	const char *label;       /* the meter and its domain */
	size_t n;
	const double *busy_cores;
	const double *power_w;
	struct ladder_fit fit;
};

/**
 * ladder_plot() - points and fitted line of each series into @prefix.png and @prefix.svg;
 * the data stays in @prefix.dat (one gnuplot index per series).
 * Return: 0; -ENOENT when gnuplot is not installed; -EIO when it failed; -errno on write.
 */
int ladder_plot(const char *prefix, const struct ladder_series *s, size_t n_series,
		struct jb_err *err);

#endif
