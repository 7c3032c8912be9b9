/* SPDX-License-Identifier: MIT */
/*
 * Robust statistics for energy samples: quantiles, a confidence interval of the median
 * (and of a ratio of two medians), and outliers by the modified z-score on the median
 * absolute deviation. GSL does the sorting, quantiles, MAD, Qn and t quantiles; nothing
 * here is hand-rolled numerics.
 *
 * The sampling unit is the metered window (DESIGN section 7): a result row is one
 * window's energy split over its invocations, never an independent sample. The intervals
 * that joulebench reports are therefore taken over window observations (analysis/windows.h
 * turns rows into them) grouped by run: with several runs, from the spread of the runs'
 * medians and Student's t with runs - 1 degrees of freedom (Kalibera and Jones, "Rigorous
 * benchmarking in reasonable time", ISMM 2013); with one run, from the windows' robust
 * spread, widened for their dependence (stats.c says how and why). Everything here works
 * on plain arrays, so a run in progress (bench/) can call it as well as `analyze`; no file
 * is read here.
 */
#ifndef JB_ANALYSIS_STATS_H
#define JB_ANALYSIS_STATS_H

#include <stddef.h>

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

/* Below this many windows an interval is printed but flagged (stats_interval.flag). */
#define STATS_WINDOWS_MIN 5

/* An estimate with its interval and what it rests on. */
struct stats_interval {
	double est;       /* median of every window pooled (for a ratio: median b / median a) */
	double lo, hi;    /* the interval at the level asked (it holds est); NAN if none */
	size_t n_windows; /* windows behind it (for a ratio: the smaller side's) */
	size_t n_runs;    /* runs behind it (for a ratio: the smaller side's) */
	const char *flag; /* NULL, or why the interval cannot be trusted (static text) */
};

/*
 * What an interval from one run leaves out, said wherever one is printed: the windows of
 * one run share its idle baseline and the machine's state, so what moves a whole run is a
 * constant offset inside it that no interval built from its windows can see (the `stats`
 * suite, docs/reliability.md: 84-93% coverage for one run of drifting windows, medians
 * and ratios, 95-97% for three runs).
 */
extern const char stats_one_run_note[];

/** stats_quantile() - the @p quantile (0..1) of @x (n > 0), R type 7 / numpy default.
 * Sorts a copy; @x is unchanged. NAN when n is 0 or memory runs out. */
double stats_quantile(const double *x, size_t n, double p);

/**
 * stats_median_ci() - stats_runs_median_ci() for one run of @n values, such as the cold
 * starts of a run (each metered on its own). n = 1 gives [x, x]; n = 0 gives NANs.
 * Return: 0 or -ENOMEM.
 */
int stats_median_ci(const double *x, size_t n, double level, struct stats_ci *ci);

/**
 * stats_ratio_ci() - stats_runs_ratio_ci() for two single runs of values.
 * Return: 0, -ENOMEM, or -EDOM when a side is empty or median(x) is 0.
 */
int stats_ratio_ci(const double *x, size_t nx, const double *y, size_t ny, double level,
		   struct stats_ci *ci);

/**
 * stats_runs_median_ci() - the median of every window of @s pooled, and its interval at
 * @level (e.g. 0.95; two-sided): est +- t * se, where
 *   - several runs: se^2 is the variance of the runs' medians over the number of runs, and
 *     t is Student's with runs - 1 degrees of freedom (2 runs: 12.7 at 95%);
 *   - one run: se^2 is the variance of a median of normal windows whose spread is the
 *     windows' Qn, times the windows' dependence factor (an AR(1) drift plus noise fitted
 *     to their autocovariances) and N/(N-1); t has 0.82 (N - 1) / factor degrees of
 *     freedom.
 * Windows with a modified z-score above 3.5 within a run of 5 or more (stats_outliers_mad())
 * are left out of the run medians and of Qn, and the interval spans both the median of
 * every window and that of the windows left: an outlier's shift of the median is a bias the
 * interval must hold, not noise.
 * Fewer than STATS_WINDOWS_MIN windows set @out->flag: the interval is still computed.
 * No windows give NANs and 0 counts. Nothing is drawn at random: the same windows always
 * give the same interval.
 * Return: 0, -EINVAL for a run of 0 windows, or -ENOMEM.
 */
int stats_runs_median_ci(const struct stats_runs *s, double level, struct stats_interval *out);

/**
 * stats_runs_ratio_ci() - median(@y) / median(@x) and its interval: on the log scale, the
 * two sides' relative variances (as in stats_runs_median_ci()) add (the sides are
 * independent measurements; delta method), and t has Welch and Satterthwaite's degrees of
 * freedom. The interval spans the ratio of every window's medians and that of the medians
 * without outlier windows. Where a median is at or below 0, the same standard error is
 * taken on the ratio itself. A side with fewer than STATS_WINDOWS_MIN windows sets
 * @out->flag.
 * Return: 0, -ENOMEM, -EINVAL as above, or -EDOM when a side is empty or median(@x) is 0
 * (@out then holds NANs).
 */
int stats_runs_ratio_ci(const struct stats_runs *x, const struct stats_runs *y, double level,
			struct stats_interval *out);

/** stats_median_var_factor() - n times the variance of the median of @n independent
 * standard normal values (pi/2 in the limit): the factor that turns a spread of windows
 * into a median's standard error. */
double stats_median_var_factor(size_t n);

/** stats_qn_moments() - for @n independent standard normal windows, E[Qn^2] (*@mean_sq) and
 * the degrees of freedom *@df that Qn^2 is worth as a variance estimate, 2 E[Qn^2]^2 /
 * Var(Qn^2): from a table for n <= 30 (`bench-stats --qn-table` measures both), a fit
 * beyond. n < 2 gives 1 and 1. */
void stats_qn_moments(size_t n, double *mean_sq, double *df);

/**
 * stats_outliers_mad() - how many of @x have a modified z-score 0.6745 |x - median| / MAD
 * above 3.5 (Iglewicz and Hoaglin, "How to Detect and Handle Outliers", ASQC 1993). With a
 * MAD of 0, no point is an outlier. Return the count (0 for n < 3).
 */
size_t stats_outliers_mad(const double *x, size_t n);

#endif
