/* SPDX-License-Identifier: MIT */
/*
 * Robust statistics for energy samples: quantiles, a seeded percentile-bootstrap
 * confidence interval of the median (and of a ratio of two medians), and outliers by the
 * modified z-score on the median absolute deviation. GSL does the sorting, quantiles, MAD
 * and random numbers; nothing here is hand-rolled numerics.
 */
#ifndef JB_ANALYSIS_STATS_H
#define JB_ANALYSIS_STATS_H

#include <stddef.h>
#include <stdint.h>

struct stats_ci {
	double lo, hi;
};

/** stats_quantile() - the @p quantile (0..1) of @x (n > 0), R type 7 / numpy default.
 * Sorts a copy; @x is unchanged. NAN when n is 0 or memory runs out. */
double stats_quantile(const double *x, size_t n, double p);

/**
 * stats_median_ci() - percentile bootstrap CI of the median at @level (e.g. 0.95), from
 * @resamples resamples drawn with GSL's MT19937 seeded with @seed: the same inputs and seed
 * give the same interval. n = 1 gives [x, x]; n = 0 gives NANs.
 * Return: 0 or -ENOMEM.
 */
int stats_median_ci(const double *x, size_t n, unsigned resamples, uint64_t seed, double level,
		    struct stats_ci *ci);

/**
 * stats_ratio_ci() - percentile bootstrap CI of median(y) / median(x), resampling both
 * samples independently. Resamples whose median(x) is 0 are skipped.
 * Return: 0, -ENOMEM, or -EDOM when no resample had a non-zero denominator.
 */
int stats_ratio_ci(const double *x, size_t nx, const double *y, size_t ny, unsigned resamples,
		   uint64_t seed, double level, struct stats_ci *ci);

/**
 * stats_outliers_mad() - how many of @x have a modified z-score 0.6745 |x - median| / MAD
 * above 3.5 (Iglewicz and Hoaglin, "How to Detect and Handle Outliers", ASQC 1993). With a
 * MAD of 0, no point is an outlier. Return the count (0 for n < 3).
 */
size_t stats_outliers_mad(const double *x, size_t n);

#endif
