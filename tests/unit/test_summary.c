/* SPDX-License-Identifier: MIT */
/*
 * analysis/windows.c and the grouping of summary.c: rows fold into window observations
 * (a co-located window gives each workload its share), windows are counted out by why,
 * groups split on every factor that changes the measurement and name it, runs of one
 * configuration pool, and a negative dynamic energy is explained.
 */
#include <math.h>
#include <string.h>

#include <criterion/criterion.h>

#include "summary.h"
#include "windows.h"

static struct results_row
row_make(const char *run, uint64_t rep, const char *wl, double energy_j, uint64_t window_inv)
{
	struct results_row r;

	memset(&r, 0, sizeof(r));
	r.run_id = run;
	r.host = "h";
	r.arch = "x86_64";
	r.driver = "pinned";
	r.isolation = "dedicated-core";
	r.meter = "model";
	r.meter_kind = "modeled";
	r.domain = "package";
	r.workload = wl;
	r.size = "test";
	r.work_unit = "op";
	r.phase = "warm";
	r.status = "ok";
	r.message = "";
	r.energy_method = "window-split-by-round-trip";
	r.concurrency = 1;
	r.rep = rep;
	r.window_invocations = window_inv;
	r.energy_j = energy_j;
	r.dynamic_energy_j = energy_j / 2;
	r.window_energy_j = 1.0;
	r.window_wall_ns = 1000000000;
	r.wall_ns = 1000;
	r.work_units = 1;
	r.idle_power_w = 0.5;
	return r;
}

Test(windows, a_window_is_one_observation_and_colocated_shares_are_attributed)
{
	struct windows_set s = { 0 };
	struct windows_counts c;
	struct windows_sample w;
	struct results_row r;

	/* One window of 4 rows in unequal shares: one observation, 1 J / 4. */
	r = row_make("run1", 0, "a", 0.1, 4);
	cr_assert_eq(windows_add(&s, &r), 0);
	r.energy_j = 0.2;
	cr_assert_eq(windows_add(&s, &r), 0);
	r.energy_j = 0.3;
	cr_assert_eq(windows_add(&s, &r), 0);
	r.energy_j = 0.4;
	cr_assert_eq(windows_add(&s, &r), 0);
	cr_assert_eq(s.n, 1);
	cr_assert_float_eq(windows_per_inv(&s.obs[0], WINDOWS_ENERGY), 0.25, 1e-12);
	cr_assert(!windows_attributed(&s.obs[0]));
	/* A co-located window (CPU split) of 4 requests, 3 of this workload: its share. */
	r = row_make("run1", 1, "a", 0.2, 4);
	r.energy_method = "window-split-by-cgroup-cpu-share";
	cr_assert_eq(windows_add(&s, &r), 0);
	cr_assert_eq(windows_add(&s, &r), 0);
	r.energy_j = 0.5;
	cr_assert_eq(windows_add(&s, &r), 0);
	cr_assert_eq(s.n, 2);
	cr_assert_float_eq(windows_per_inv(&s.obs[1], WINDOWS_ENERGY), 0.3, 1e-12);
	cr_assert(windows_attributed(&s.obs[1]));
	windows_count(&s, &c);
	cr_assert(c.n_windows == 2 && c.n_runs == 1 && c.n_invocations == 7);
	cr_assert_eq(c.n_attributed, 1);
	cr_assert_eq(windows_sample(&s, WINDOWS_ENERGY, &w), 0);
	cr_assert(w.n == 2 && w.n_runs == 1 && w.run_n[0] == 2);
	windows_sample_fini(&w);
	windows_fini(&s);
}

Test(windows, flagged_windows_are_counted_out_by_why)
{
	struct windows_set s = { 0 };
	struct windows_counts c;
	struct results_row r;

	r = row_make("run1", 0, "a", 0.5, 2);
	cr_assert_eq(windows_add(&s, &r), 0);
	r.status = "untrustworthy"; /* one row flags the window: all of it is out */
	cr_assert_eq(windows_add(&s, &r), 0);
	r = row_make("run1", 1, "a", NAN, 1);
	r.status = "meter-error";
	cr_assert_eq(windows_add(&s, &r), 0);
	r = row_make("run1", 2, "a", 0.5, 1);
	r.status = "timeout";
	cr_assert_eq(windows_add(&s, &r), 0);
	r = row_make("run1", 3, "a", 0.5, 1);
	r.phase = "warmup";
	cr_assert_eq(windows_add(&s, &r), 0);
	r = row_make("run1", 4, "a", 0.5, 1);
	cr_assert_eq(windows_add(&s, &r), 0);
	windows_count(&s, &c);
	cr_assert_eq(c.n_windows, 1);
	cr_assert_eq(c.excluded[WINDOWS_UNTRUSTWORTHY], 1);
	cr_assert_eq(c.excluded[WINDOWS_METER_ERROR], 1);
	cr_assert_eq(c.excluded[WINDOWS_FAILED], 1);
	cr_assert_eq(c.excluded[WINDOWS_NOT_WARM], 1);
	cr_assert_eq(c.n_excluded, 4);
	cr_assert_str_eq(windows_fate_name(WINDOWS_NOT_WARM), "cold/warmup");
	windows_fini(&s);
}

Test(summary, concurrency_splits_groups_and_is_named)
{
	struct summary s = { 0 };
	struct results_row r;
	char why[256];
	int i;

	for (i = 0; i < 6; i++) {
		r = row_make("c1", (uint64_t)i, "a", 0.02, 1);
		cr_assert_eq(summary_add(&s, &r), 0);
		r = row_make("c2", (uint64_t)i, "a", 0.01, 1);
		r.concurrency = 2;
		cr_assert_eq(summary_add(&s, &r), 0);
	}
	cr_assert_eq(s.n, 2);
	cr_assert_eq(summary_key_diff(&s.group[0].key, &s.group[1].key, why, sizeof(why)), 1);
	cr_assert_str_eq(why, "concurrency 1 vs 2");
	cr_assert(!summary_key_driver_pair(&s.group[0].key, &s.group[1].key));
	summary_fini(&s);
}

Test(summary, two_runs_of_one_configuration_pool_as_two_runs)
{
	struct summary s = { 0 };
	struct summary_stats st;
	struct stats_interval ci;
	struct results_row r;
	int i;

	for (i = 0; i < 5; i++) {
		r = row_make("runA", (uint64_t)i, "a", 0.02 + 0.001 * i, 1);
		cr_assert_eq(summary_add(&s, &r), 0);
	}
	for (i = 0; i < 5; i++) {
		r = row_make("runB", (uint64_t)i, "a", 0.03 + 0.001 * i, 1);
		cr_assert_eq(summary_add(&s, &r), 0);
	}
	cr_assert_eq(s.n, 1);
	summary_group_stats(&s.group[0], &st);
	cr_assert(st.n_windows == 10 && st.n_runs == 2);
	cr_assert_eq(summary_group_ci(&s.group[0], WINDOWS_ENERGY, 0.95, &ci), 0);
	cr_assert(ci.n_runs == 2 && ci.n_windows == 10 && !ci.flag);
	summary_fini(&s);
}

Test(summary, driver_pairs_and_the_memory_of_pinned)
{
	struct summary_key a, b;

	memset(&a, 0, sizeof(a));
	strcpy(a.workload, "w");
	strcpy(a.driver, "pinned");
	strcpy(a.isolation, "dedicated-core");
	a.concurrency = 1;
	b = a;
	strcpy(b.driver, "container");
	strcpy(b.isolation, "container");
	strcpy(b.runtime, "runc");
	b.memory_mb = 1769; /* pinned has no limit: still a driver pair */
	cr_assert(summary_key_driver_pair(&a, &b));
	b.rate_per_s = 5;
	cr_assert(!summary_key_driver_pair(&a, &b));
	cr_assert(!summary_key_driver_pair(&a, &a));
}

Test(summary, negative_dynamic_energy_names_the_idle_drift)
{
	struct summary s = { 0 };
	struct summary_meta m;
	struct summary_stats st;
	struct results_row r;
	char note[512];
	int i;

	memset(&m, 0, sizeof(m));
	strcpy(m.run_id, "drift");
	m.idle_before_w = 10.0;
	m.idle_after_w = 12.0; /* 2 W over 1 s windows of 10 invocations: 0.2 J each */
	cr_assert_eq(summary_meta_add(&s, &m), 0);
	for (i = 0; i < 5; i++) {
		r = row_make("drift", (uint64_t)i, "a", 1.0, 10);
		r.window_energy_j = 10.0;
		r.dynamic_energy_j = -0.05;
		r.idle_power_w = 10.0;
		cr_assert_eq(summary_add(&s, &r), 0);
	}
	summary_group_stats(&s.group[0], &st);
	cr_assert_float_eq(st.dynamic_median_j, -0.05, 1e-12);
	summary_dynamic_note(&s.group[0], st.dynamic_median_j, note, sizeof(note));
	cr_assert(strstr(note, "drifted by 2 W"), "%s", note);
	summary_dynamic_note(&s.group[0], 0.01, note, sizeof(note));
	cr_assert_str_eq(note, "");
	summary_fini(&s);
}
