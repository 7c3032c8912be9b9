/* SPDX-License-Identifier: MIT */
/*
 * Robust statistics for energy samples: quantiles, a seeded percentile-bootstrap
 * confidence interval of the median (and of a ratio of two medians), and outliers by the
 * modified z-score on the median absolute deviation. GSL does the sorting, quantiles, MAD
 * and random numbers; nothing here is hand-rolled numerics.
 *
 * The sampling unit is the metered window (DESIGN section 7): a result row is one
 * window's energy split over its invocations, never an independent sample. The intervals
 * that joulebench reports are therefore taken over window observations (analysis/windows.h
 * turns rows into them) grouped by run, with a two-level bootstrap: resample the runs,
 * then the windows within each drawn run (Kalibera and Jones, "Rigorous benchmarking in
 * reasonable time", ISMM 2013). Everything here works on plain arrays, so a run in progress
 * (bench/) can call it as well as `analyze`; no file is read here.
 */
#ifndef JB_ANALYSIS_STATS_H
#define JB_ANALYSIS_STATS_H

#include <stddef.h>
#include <stdint.h>

struct stats_ci {
	double lo, hi;
};

/* Window observations of one group, run by run: the first run_n[0] values of @x are run
 * 0's windows, the next run_n[1] run 1's, and so on. No run has 0 windows. */
struct stats_runs {
	const double *x;
	const size_t *run_n;
	size_t n_runs;
};

/* How to bootstrap: resamples (2000 is plenty for a 95% percentile interval, Efron and
 * Tibshirani 1993 ch. 19), the seed of GSL's MT19937 (same seed, same interval), and the
 * confidence level (0.95). */
struct stats_boot {
	unsigned resamples;
	uint64_t seed;
	double level;
};

/* Below this many windows an interval is printed but flagged (stats_interval.flag). */
#define STATS_WINDOWS_MIN 5

/* An estimate with its interval and what it rests on. */
struct stats_interval {
	double est;       /* median of every window pooled (for a ratio: median b / median a) */
	double lo, hi;    /* percentile bootstrap interval at the level asked; NAN if none */
	size_t n_windows; /* windows behind it (for a ratio: the smaller side's) */
	size_t n_runs;    /* runs behind it (for a ratio: the smaller side's) */
	const char *flag; /* NULL, or why the interval cannot be trusted (static text) */
};

/** stats_quantile() - the @p quantile (0..1) of @x (n > 0), R type 7 / numpy default.
 * Sorts a copy; @x is unchanged. NAN when n is 0 or memory runs out. */
double stats_quantile(const double *x, size_t n, double p);

/**
 * stats_median_ci() - stats_runs_median_ci() for one run of @n independent values, such as
 * the cold starts of a run (each metered on its own): percentile bootstrap CI of the
 * median at @level (e.g. 0.95), from @resamples resamples drawn with GSL's MT19937 seeded
 * with @seed: the same inputs and seed give the same interval. n = 1 gives [x, x]; n = 0
 * gives NANs.
 * Return: 0 or -ENOMEM.
 */
int stats_median_ci(const double *x, size_t n, unsigned resamples, uint64_t seed, double level,
		    struct stats_ci *ci);

/**
 * stats_ratio_ci() - stats_runs_ratio_ci() for two single runs of independent values:
 * percentile bootstrap CI of median(y) / median(x), resampling both samples independently.
 * Resamples whose median(x) is 0 are skipped.
 * Return: 0, -ENOMEM, or -EDOM when no resample had a non-zero denominator.
 */
int stats_ratio_ci(const double *x, size_t nx, const double *y, size_t ny, unsigned resamples,
		   uint64_t seed, double level, struct stats_ci *ci);

/**
 * stats_runs_median_ci() - the median of every window of @s pooled, and its percentile
 * bootstrap interval from a two-level resample: each resample draws n_runs runs with
 * replacement, then, within each drawn run, as many windows as it has, with replacement,
 * and takes the median of all drawn windows. With one run this is the plain window
 * bootstrap (the run draw is skipped, so stats_median_ci() gives the same interval).
 * Fewer than STATS_WINDOWS_MIN windows set @out->flag: the interval is still computed.
 * No windows give NANs and 0 counts.
 * Return: 0, -EINVAL for a run of 0 windows or 0 resamples, or -ENOMEM.
 */
int stats_runs_median_ci(const struct stats_runs *s, const struct stats_boot *b,
			 struct stats_interval *out);

/**
 * stats_runs_ratio_ci() - median(@y) / median(@x) and its percentile bootstrap interval,
 * each side resampled on its own by the two levels of stats_runs_median_ci() (the sides
 * are independent measurements). Resamples whose median(@x) is 0 are skipped. A side with
 * fewer than STATS_WINDOWS_MIN windows sets @out->flag.
 * Return: 0, -ENOMEM, -EINVAL as above, or -EDOM when a side is empty or no resample had a
 * non-zero denominator (@out then holds NANs).
 */
int stats_runs_ratio_ci(const struct stats_runs *x, const struct stats_runs *y,
			const struct stats_boot *b, struct stats_interval *out);

/**
 * stats_outliers_mad() - how many of @x have a modified z-score 0.6745 |x - median| / MAD
 * above 3.5 (Iglewicz and Hoaglin, "How to Detect and Handle Outliers", ASQC 1993). With a
 * MAD of 0, no point is an outlier. Return the count (0 for n < 3).
 */
size_t stats_outliers_mad(const double *x, size_t n);

#endif
