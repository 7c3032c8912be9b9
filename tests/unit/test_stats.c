/* SPDX-License-Identifier: MIT */
/*
 * analysis/stats.c and summary.c against values computed by hand, small-n edge cases
 * included.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include <criterion/criterion.h>

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

	cr_assert_eq(stats_median_ci(one, 0, 100, 1, 0.95, &ci), 0);
	cr_assert(isnan(ci.lo) && isnan(ci.hi));
	cr_assert_eq(stats_median_ci(one, 1, 100, 1, 0.95, &ci), 0);
	cr_assert(ci.lo == 7.5 && ci.hi == 7.5);
	cr_assert_eq(stats_median_ci(flat, 5, 500, 1, 0.95, &ci), 0);
	cr_assert(ci.lo == 3 && ci.hi == 3);
}

Test(stats, median_ci_is_seeded_and_brackets_the_median)
{
	double x[101];
	struct stats_ci a, b, c;
	int i;

	for (i = 0; i < 101; i++)
		x[i] = (double)((i * 37) % 101); /* a permutation of 0..100, median 50 */
	cr_assert_eq(stats_median_ci(x, 101, 2000, 42, 0.95, &a), 0);
	cr_assert_eq(stats_median_ci(x, 101, 2000, 42, 0.95, &b), 0);
	cr_assert(a.lo == b.lo && a.hi == b.hi, "same seed, same interval");
	cr_assert(a.lo <= 50 && 50 <= a.hi);
	/* The median of a uniform sample of 101 has a standard error near 14.4 here: the
	 * 95% interval is roughly 50 +- 28, never the whole range. */
	cr_assert(a.lo > 15 && a.hi < 85, "[%g, %g]", a.lo, a.hi);
	cr_assert_eq(stats_median_ci(x, 101, 2000, 43, 0.95, &c), 0);
	cr_assert(c.lo <= 50 && 50 <= c.hi);
}

Test(stats, ratio_ci)
{
	const double x[] = { 1, 1, 1 }, y[] = { 3, 3, 3 }, z[] = { 0, 0 };
	struct stats_ci ci;

	cr_assert_eq(stats_ratio_ci(x, 3, y, 3, 200, 1, 0.95, &ci), 0);
	cr_assert(ci.lo == 3 && ci.hi == 3);
	cr_assert_eq(stats_ratio_ci(z, 2, y, 3, 200, 1, 0.95, &ci), -EDOM);
	cr_assert_eq(stats_ratio_ci(x, 0, y, 3, 200, 1, 0.95, &ci), -EDOM);
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
