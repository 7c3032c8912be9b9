/* SPDX-License-Identifier: MIT */
/*
 * analysis/stats.c and summary.c against values computed by hand, small-n edge cases
 * included, and the coverage of the window interval on synthetic runs with a known truth.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_statistics_double.h>

#include "stats.h"
#include "summary.h"

Test(stats, quantiles_type7)
{
	const double x[] = { 4, 1, 3, 2 };

	/* (n-1)p = 0.75 -> 1 + 0.75 * (2 - 1). */
	cr_assert_float_eq(stats_quantile(x, 4, 0.25), 1.75, 1e-12);
	cr_assert_float_eq(stats_quantile(x, 4, 0.5), 2.5, 1e-12);
	cr_assert_float_eq(stats_quantile(x, 4, 1.0), 4.0, 1e-12);
	cr_assert_float_eq(stats_quantile(x, 1, 0.5), 4.0, 1e-12);
	cr_assert(isnan(stats_quantile(x, 0, 0.5)));
	cr_assert_float_eq(x[0], 4, 1e-12, "input must not be sorted in place");
}

Test(stats, median_ci_edge_cases)
{
	const double one[] = { 7.5 }, flat[] = { 3, 3, 3, 3, 3 };
	struct stats_ci ci;

	cr_assert_eq(stats_median_ci(one, 0, 0.95, &ci), 0);
	cr_assert(isnan(ci.lo) && isnan(ci.hi));
	cr_assert_eq(stats_median_ci(one, 1, 0.95, &ci), 0);
	cr_assert(ci.lo == 7.5 && ci.hi == 7.5);
	cr_assert_eq(stats_median_ci(flat, 5, 0.95, &ci), 0);
	cr_assert(ci.lo == 3 && ci.hi == 3);
}

Test(stats, median_ci_is_deterministic_and_brackets_the_median)
{
	double x[101];
	struct stats_ci a, b;
	int i;

	for (i = 0; i < 101; i++)
		x[i] = (double)((i * 37) % 101); /* a permutation of 0..100, median 50 */
	cr_assert_eq(stats_median_ci(x, 101, 0.95, &a), 0);
	cr_assert_eq(stats_median_ci(x, 101, 0.95, &b), 0);
	cr_assert(a.lo == b.lo && a.hi == b.hi, "same windows, same interval");
	cr_assert(a.lo <= 50 && 50 <= a.hi);
	/* The median of a uniform sample of 101 has a standard error near 14.4 here: the
	 * 95% interval is roughly 50 +- 28, never the whole range. */
	cr_assert(a.lo > 15 && a.hi < 85, "[%g, %g]", a.lo, a.hi);
}

Test(stats, ratio_ci)
{
	const double x[] = { 1, 1, 1 }, y[] = { 3, 3, 3 }, z[] = { 0, 0 };
	struct stats_ci ci;

	cr_assert_eq(stats_ratio_ci(x, 3, y, 3, 0.95, &ci), 0);
	cr_assert(ci.lo == 3 && ci.hi == 3);
	cr_assert_eq(stats_ratio_ci(z, 2, y, 3, 0.95, &ci), -EDOM);
	cr_assert_eq(stats_ratio_ci(x, 0, y, 3, 0.95, &ci), -EDOM);
}

Test(stats, mad_outliers)
{
	const double x[] = { 1, 2, 3, 4, 100 }, flat[] = { 1, 1, 1, 1, 100 };

	/* median 3, |deviations| {2,1,0,1,97}, MAD 1: only 100 has 0.6745*97 > 3.5. */
	cr_assert_eq(stats_outliers_mad(x, 5), 1);
	/* MAD 0: the rule cannot say, so nothing is flagged. */
	cr_assert_eq(stats_outliers_mad(flat, 5), 0);
	cr_assert_eq(stats_outliers_mad(x, 2), 0);
}

Test(summary, groups_and_hand_computed_stats)
{
	struct summary s = { 0 };
	struct summary_stats st;
	struct results_row r;
	const double e[] = { 4, 1, 3, 2 };
	int i;

	memset(&r, 0, sizeof(r));
	r.workload = "w";
	r.size = "test";
	r.driver = "pinned";
	r.meter = "model";
	r.meter_kind = "modeled";
	r.work_unit = "op";
	r.phase = "warm";
	r.status = "ok";
	for (i = 0; i < 4; i++) {
		r.energy_j = e[i];
		r.dynamic_energy_j = e[i] / 2;
		r.wall_ns = 1000000000;
		r.work_units = 10;
		r.rep = (uint64_t)i;
		r.window_invocations = 1;
		r.window_energy_j = e[i];
		r.window_wall_ns = 1000000000;
		cr_assert_eq(summary_add(&s, &r), 0);
	}
	/* A failed window and a cold start: counted out, each by its reason. */
	r.rep = 4;
	r.status = "failed";
	cr_assert_eq(summary_add(&s, &r), 0);
	r.rep = 5;
	r.status = "ok";
	r.phase = "cold";
	cr_assert_eq(summary_add(&s, &r), 0);
	cr_assert_eq(s.n, 1);
	summary_group_stats(&s.group[0], &st);
	cr_assert_eq(st.n, 4);
	cr_assert_eq(st.n_windows, 4);
	cr_assert_eq(st.n_runs, 1);
	cr_assert_eq(st.excluded[WINDOWS_FAILED], 1);
	cr_assert_eq(st.excluded[WINDOWS_NOT_WARM], 1);
	cr_assert_eq(st.windows_excluded, 2);
	cr_assert_eq(s.group[0].n_failed, 1);
	cr_assert_float_eq(st.energy_median_j, 2.5, 1e-12);
	cr_assert_float_eq(st.energy_q1_j, 1.75, 1e-12);
	cr_assert_float_eq(st.energy_q3_j, 3.25, 1e-12);
	cr_assert_float_eq(st.dynamic_median_j, 1.25, 1e-12);
	/* 10 J over 4 windows of 1 s. */
	cr_assert_float_eq(st.mean_power_w, 2.5, 1e-12);
	/* 2.5 J per invocation of 10 ops. */
	cr_assert_float_eq(st.energy_per_unit_j, 0.25, 1e-12);
	summary_fini(&s);
}

Test(stats, runs_one_run_is_the_single_run_interval)
{
	const double x[] = { 5, 1, 4, 2, 3, 9, 7 };
	size_t n = 7;
	struct stats_runs r = { x, &n, 1 };
	struct stats_interval out;
	struct stats_ci ci;

	cr_assert_eq(stats_runs_median_ci(&r, 0.95, &out), 0);
	cr_assert_eq(stats_median_ci(x, n, 0.95, &ci), 0);
	cr_assert(out.lo == ci.lo && out.hi == ci.hi);
	cr_assert_float_eq(out.est, 4, 1e-12);
	cr_assert(out.n_windows == 7 && out.n_runs == 1 && !out.flag);
}

Test(stats, runs_few_windows_are_flagged_and_bad_runs_refused)
{
	const double x[] = { 1, 2, 3, 4 };
	size_t n2[] = { 2, 2 }, bad[] = { 4, 0 };
	struct stats_runs r = { x, n2, 2 }, z = { x, bad, 2 };
	struct stats_interval out;

	cr_assert_eq(stats_runs_median_ci(&r, 0.95, &out), 0);
	cr_assert(out.flag && strstr(out.flag, "fewer than 5 windows"));
	cr_assert(out.n_windows == 4 && out.n_runs == 2);
	cr_assert(out.lo <= out.est && out.est <= out.hi);
	cr_assert_eq(stats_runs_median_ci(&z, 0.95, &out), -EINVAL);
	cr_assert_eq(stats_runs_ratio_ci(&r, &z, 0.95, &out), -EINVAL);
}

/* Runs that differ far more than their windows: the interval of the pooled median must
 * show the run-to-run spread, not the (tiny) spread of the windows within a run. */
Test(stats, runs_variation_widens_the_interval)
{
	double x[30], y[30];
	size_t n[3] = { 10, 10, 10 }, one = 30;
	struct stats_runs three = { x, n, 3 }, pooled = { y, &one, 1 };
	struct stats_interval a, p;
	int r, i;

	for (r = 0; r < 3; r++)
		for (i = 0; i < 10; i++)
			x[r * 10 + i] = 10.0 + 2.0 * r + 0.01 * i; /* runs at 10, 12, 14 */
	/* Pooled as one run in an interleaved order, so that no within-run dependence shows
	 * either (in run order, the steps between runs read as a drift and widen it too). */
	for (i = 0; i < 30; i++)
		y[i] = x[(i % 3) * 10 + i / 3];
	cr_assert_eq(stats_runs_median_ci(&three, 0.95, &a), 0);
	cr_assert_eq(stats_runs_median_ci(&pooled, 0.95, &p), 0);
	cr_assert(a.hi - a.lo > 2.0, "two-level [%g, %g] ignores the runs", a.lo, a.hi);
	cr_assert(a.hi - a.lo > p.hi - p.lo);
}

/*
 * The coverage of the 95% interval on synthetic runs with a known truth (issue 22): each
 * run has 10 windows whose energy per invocation is the truth with 8% normal noise; each
 * window is then split over 20 to 60 rows in nearly equal shares, as round-trip splits
 * are. Over 200 runs (fixed seed) the interval over windows must cover the truth 92-98% of
 * the time (94% at this seed); the same interval over rows, which treats the shares as
 * samples, covered it about a third of the time (29%), and must stay far below. The rows are given in a random order: in their
 * own order the rows of a window sit together, and the within-run dependence correction
 * of stats.c would see them move together and widen the interval, which rescues the
 * coverage partly but does not make a row a measurement.
 */
Test(stats, window_interval_covers_the_truth_rows_do_not)
{
	enum { RUNS = 200, WIN = 10, ROWS_MAX = 60 };
	const double truth = 0.0215; /* J per invocation */
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	double win[WIN], rows[WIN * ROWS_MAX], share[ROWS_MAX];
	size_t nw = WIN;
	int run, cover_w = 0, cover_r = 0;

	gsl_rng_set(rng, 22);
	for (run = 0; run < RUNS; run++) {
		struct stats_runs r = { win, &nw, 1 };
		struct stats_interval out;
		struct stats_ci ci;
		size_t nr = 0;
		int w, k;

		for (w = 0; w < WIN; w++) {
			int m = 20 + (int)gsl_rng_uniform_int(rng, ROWS_MAX - 20 + 1);
			double sum = 0;

			win[w] = truth * (1 + 0.08 * gsl_ran_gaussian(rng, 1));
			for (k = 0; k < m; k++)
				sum += share[k] = 1 + 0.05 * gsl_ran_gaussian(rng, 1);
			/* The rows of a window add up to its energy, win[w] * m. */
			for (k = 0; k < m; k++)
				rows[nr++] = win[w] * m * share[k] / sum;
		}
		cr_assert_eq(stats_runs_median_ci(&r, 0.95, &out), 0);
		cover_w += out.lo <= truth && truth <= out.hi;
		gsl_ran_shuffle(rng, rows, nr, sizeof(double));
		cr_assert_eq(stats_median_ci(rows, nr, 0.95, &ci), 0);
		cover_r += ci.lo <= truth && truth <= ci.hi;
	}
	gsl_rng_free(rng);
	cr_log_info("coverage of 95%% intervals over %d runs: windows %d%%, rows %d%%", RUNS,
		    cover_w * 100 / RUNS, cover_r * 100 / RUNS);
	cr_assert(cover_w >= RUNS * 92 / 100 && cover_w <= RUNS * 98 / 100,
		  "window interval covered the truth in %d of %d runs", cover_w, RUNS);
	cr_assert(cover_r < RUNS * 80 / 100, "per-row interval covered %d of %d", cover_r, RUNS);
}

/*
 * Autocorrelated windows (issue 22): one run of 50 windows whose energy per invocation is
 * the truth with 8% independent noise plus a drifting idle (AR(1), coefficient 0.9, 4% of
 * the truth, stationary from the first window), as in the `stats` suite. The same windows
 * shuffled (no dependence left to see) covered the truth in 74% of such runs; the interval
 * widened by the estimated within-run dependence must cover clearly more (84% at this
 * seed), and be wider than the shuffled windows' interval. Fixed seed, 150 runs.
 */
Test(stats, drifting_windows_widen_the_interval)
{
	enum { RUNS = 150, WIN = 50 };
	const double truth = 0.020;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	double x[WIN], y[WIN];
	size_t nw = WIN;
	int run, cover = 0, cover_shuffled = 0, wider = 0, narrower = 0;

	gsl_rng_set(rng, 2022);
	for (run = 0; run < RUNS; run++) {
		struct stats_runs r = { x, &nw, 1 }, s = { y, &nw, 1 };
		struct stats_interval out, shuffled;
		double a = gsl_ran_gaussian(rng, 1);
		int w;

		for (w = 0; w < WIN; w++) {
			x[w] = truth * (1 + 0.08 * gsl_ran_gaussian(rng, 1) + 0.04 * a);
			a = 0.9 * a + sqrt(1 - 0.81) * gsl_ran_gaussian(rng, 1);
		}
		/* The same windows in a random order: no dependence left to see. */
		memcpy(y, x, sizeof(x));
		gsl_ran_shuffle(rng, y, WIN, sizeof(double));
		cr_assert_eq(stats_runs_median_ci(&r, 0.95, &out), 0);
		cr_assert_eq(stats_runs_median_ci(&s, 0.95, &shuffled), 0);
		cover += out.lo <= truth && truth <= out.hi;
		cover_shuffled += shuffled.lo <= truth && truth <= shuffled.hi;
		wider += out.hi - out.lo > shuffled.hi - shuffled.lo;
		narrower += out.hi - out.lo < shuffled.hi - shuffled.lo;
	}
	gsl_rng_free(rng);
	cr_log_info("drifting windows: coverage %d%% (shuffled %d%%), wider in %d of %d, "
		    "narrower in %d", cover * 100 / RUNS, cover_shuffled * 100 / RUNS, wider, RUNS,
		    narrower);
	cr_assert(cover >= cover_shuffled + RUNS / 20, "dependence ignored: %d vs %d of %d", cover,
		  cover_shuffled, RUNS);
	/* Qn does not depend on the windows' order, so the two intervals differ only by the
	 * dependence factor: equal where neither order shows dependence (62 of 150 here), and
	 * the windows in their order must be the wider one far more often than the narrower
	 * (74 against 14 at this seed). */
	cr_assert(wider >= RUNS / 3 && wider >= 4 * narrower, "wider in %d, narrower in %d of %d",
		  wider, narrower, RUNS);
}

/* The normal median's variance factor (stats.c's table and fit) against medians of
 * simulated normal windows: 40000 medians give n var within about 1.5% (2 sigma). */
Test(stats, median_var_factor_matches_simulation)
{
	static const size_t ns[] = { 2, 5, 10, 31, 50 };
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	double x[50], m[40000];
	size_t k, i, t;

	gsl_rng_set(rng, 7);
	for (k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
		double v, f = stats_median_var_factor(ns[k]);

		for (t = 0; t < 40000; t++) {
			for (i = 0; i < ns[k]; i++)
				x[i] = gsl_ran_gaussian(rng, 1);
			m[t] = stats_quantile(x, ns[k], 0.5);
		}
		v = (double)ns[k] * gsl_stats_variance(m, 1, 40000);
		cr_assert(fabs(v / f - 1) < 0.03, "n = %zu: simulated %g, table %g", ns[k], v, f);
	}
	cr_assert_float_eq(stats_median_var_factor(5), 1.43417, 1e-5);
	gsl_rng_free(rng);
}

/* One outlier window (3 times the others) in a run of 10: the interval holds both the
 * median of every window and the median without the outlier, with room on both sides. */
Test(stats, outlier_window_interval_holds_both_medians)
{
	const double x[] = { 20.1, 19.6, 20.4, 19.9, 60.0, 20.2, 19.8, 20.0, 20.3, 19.7 };
	const double clean = 20.0; /* median of the nine others */
	size_t n = 10;
	struct stats_runs r = { x, &n, 1 };
	struct stats_interval out;

	cr_assert_eq(stats_runs_median_ci(&r, 0.95, &out), 0);
	cr_assert_float_eq(out.est, 20.05, 1e-9);
	cr_assert(out.lo < clean && out.hi > out.est, "[%g, %g]", out.lo, out.hi);
	cr_assert(out.hi - out.lo < 2.0, "[%g, %g] let the outlier in", out.lo, out.hi);
}
