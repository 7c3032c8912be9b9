/* SPDX-License-Identifier: MIT */
/*
 * Implementation of stats.h on GSL. The bootstrap is the plain percentile method (Efron
 * and Tibshirani, "An Introduction to the Bootstrap", 1993, ch. 13): resample with
 * replacement, take the median, and read the interval off the resampled medians' quantiles.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "stats.h"

double
stats_quantile(const double *x, size_t n, double p)
{
	double *c, q;

	if (!n || !(c = malloc(n * sizeof(double))))
		return NAN;
	memcpy(c, x, n * sizeof(double));
	gsl_sort(c, 1, n);
	q = gsl_stats_quantile_from_sorted_data(c, 1, n, p);
	free(c);
	return q;
}

/* The median of a resample of @x (n values) drawn into @buf. */
static double
resample_median(gsl_rng *rng, const double *x, size_t n, double *buf)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = x[gsl_rng_uniform_int(rng, n)];
	/* Quickselect (O(n)), not a sort: a bootstrap draws thousands of these. */
	return gsl_stats_median(buf, 1, n);
}

static gsl_rng *
rng_new(uint64_t seed)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

	if (rng)
		gsl_rng_set(rng, (unsigned long)seed);
	return rng;
}

static void
ci_from(double *stat, size_t m, double level, struct stats_ci *ci)
{
	gsl_sort(stat, 1, m);
	ci->lo = gsl_stats_quantile_from_sorted_data(stat, 1, m, (1 - level) / 2);
	ci->hi = gsl_stats_quantile_from_sorted_data(stat, 1, m, 1 - (1 - level) / 2);
}

int
stats_median_ci(const double *x, size_t n, unsigned resamples, uint64_t seed, double level,
		struct stats_ci *ci)
{
	double *buf, *stat;
	gsl_rng *rng;
	unsigned b;

	ci->lo = ci->hi = NAN;
	if (!n)
		return 0;
	if (n == 1) {
		ci->lo = ci->hi = x[0];
		return 0;
	}
	buf = malloc(n * sizeof(double));
	stat = malloc(resamples * sizeof(double));
	rng = rng_new(seed);
	if (!buf || !stat || !rng || !resamples) {
		free(buf);
		free(stat);
		if (rng)
			gsl_rng_free(rng);
		return resamples ? -ENOMEM : -EINVAL;
	}
	for (b = 0; b < resamples; b++)
		stat[b] = resample_median(rng, x, n, buf);
	ci_from(stat, resamples, level, ci);
	free(buf);
	free(stat);
	gsl_rng_free(rng);
	return 0;
}

int
stats_ratio_ci(const double *x, size_t nx, const double *y, size_t ny, unsigned resamples,
	       uint64_t seed, double level, struct stats_ci *ci)
{
	double *bx, *by, *stat;
	gsl_rng *rng;
	size_t m = 0;
	unsigned b;
	int rc = 0;

	ci->lo = ci->hi = NAN;
	if (!nx || !ny || !resamples)
		return -EDOM;
	bx = malloc(nx * sizeof(double));
	by = malloc(ny * sizeof(double));
	stat = malloc(resamples * sizeof(double));
	rng = rng_new(seed);
	if (!bx || !by || !stat || !rng) {
		rc = -ENOMEM;
		goto out;
	}
	for (b = 0; b < resamples; b++) {
		double mx = resample_median(rng, x, nx, bx);
		double my = resample_median(rng, y, ny, by);

		if (mx != 0)
			stat[m++] = my / mx;
	}
	if (!m)
		rc = -EDOM;
	else
		ci_from(stat, m, level, ci);
out:
	free(bx);
	free(by);
	free(stat);
	if (rng)
		gsl_rng_free(rng);
	return rc;
}

size_t
stats_outliers_mad(const double *x, size_t n)
{
	double *work, *c, med, mad;
	size_t i, count = 0;

	if (n < 3)
		return 0;
	work = malloc(n * sizeof(double));
	c = malloc(n * sizeof(double));
	if (!work || !c) {
		free(work);
		free(c);
		return 0;
	}
	memcpy(c, x, n * sizeof(double));
	gsl_sort(c, 1, n);
	med = gsl_stats_median_from_sorted_data(c, 1, n);
	/* gsl_stats_mad0 is the raw MAD (no 1.4826 scaling): the modified z-score wants it. */
	mad = gsl_stats_mad0(x, 1, n, work);
	for (i = 0; mad > 0 && i < n; i++)
		count += 0.6745 * fabs(x[i] - med) / mad > 3.5;
	free(work);
	free(c);
	return count;
}
