/* SPDX-License-Identifier: MIT */
/*
 * analysis/ trace readers and generator: the Azure 2019 reader on one day and on two days
 * (both memory file layouts, tests/fixtures/README.md), malformed files named by file,
 * line and column, the 2021 reader on the published file's shape, and the seeded
 * generator.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "overhead.h"
#include "params.h"
#include "trace.h"

#define FIX JB_SOURCE_ROOT "/tests/fixtures/"

static void
set(struct params *p, const char *key, double v)
{
	char s[64];

	snprintf(s, sizeof(s), "%.17g", v);
	cr_assert_eq(params_set(p, key, s, "test", NULL), 0, "%s = %s", key, s);
}

/* total = the sum of the parts, on both platforms: the parts partition the total (a guard
 * against a part dropped or counted twice, not an independent check; see test_overhead.c). */
static void
check_partition(const struct overhead_result *r)
{
	unsigned k, j;

	for (k = 0; k < OVERHEAD_N_PLATFORMS; k++) {
		double sum = 0;

		for (j = 0; j < OVERHEAD_N_PARTS; j++)
			sum += r->p[k].part_j[j];
		cr_assert_float_eq(sum, r->p[k].total_j, 1e-9 * r->p[k].total_j + 1e-12);
	}
}

Test(trace, azure2019_fixture_reads_and_joins)
{
	struct trace t = { 0 };
	struct jb_err err = { 0 };
	int rc = trace_azure2019_read(&t, FIX "azure2019_invocations.csv",
				      FIX "azure2019_durations.csv", FIX "azure2019_memory.csv", &err);

	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_eq(t.n, 2);
	cr_assert_eq(t.n_dropped, 1); /* o1/a1/f2 has no durations */
	cr_assert_eq(t.n_invocations, 10);
	cr_assert_float_eq(t.horizon_s, 86400, 1e-9);
	cr_assert_str_eq(t.fn[0].name, "o1/a1/f1");
	cr_assert_eq(t.fn[0].n_minutes, 3);
	cr_assert_eq(t.fn[0].minute[2], 1439);
	cr_assert_eq(t.fn[0].count[2], 3);
	cr_assert_float_eq(t.fn[0].pct_ms[3], 120, 1e-12);
	cr_assert_float_eq(t.fn[0].memory_mb, 170, 1e-12);
	cr_assert(isnan(t.fn[1].memory_mb));
	/* Expansion: sorted, inside the counted minutes, durations within [p0, p100]. */
	{
		gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
		struct trace_buf b = { 0 };
		size_t i;

		cr_assert_eq(trace_function_expand(&t.fn[0], rng, &b, NULL), 0);
		cr_assert_eq(b.n, 6);
		for (i = 0; i < b.n; i++) {
			cr_assert(i == 0 || b.inv[i].start_s >= b.inv[i - 1].start_s);
			cr_assert(b.inv[i].duration_s >= 0.1 && b.inv[i].duration_s <= 0.15);
		}
		cr_assert(b.inv[0].start_s < 60 && b.inv[2].start_s >= 59 * 60 &&
			  b.inv[3].start_s >= 1439 * 60);
		trace_buf_fini(&b);
		gsl_rng_free(rng);
	}
	cr_assert_eq(trace_limit(&t, 1, 0, 1, NULL), 0);
	cr_assert_eq(t.n_invocations, 3); /* minutes 100 and 1439 are past the first hour */
	trace_fini(&t);
}

/* Two days as one trace, from a directory: minutes continue across midnight, each day's
 * durations, a borrowed table, and both memory layouts (tests/fixtures/README.md). */
Test(trace, azure2019_two_days)
{
	struct trace t = { 0 };
	struct jb_err err = { 0 };
	const struct trace_function *f1, *f3;
	struct trace_buf b = { 0 };
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_taus2);
	struct overhead_result r;
	struct params p;

	cr_assert_eq(trace_azure2019_dir(&t, FIX "azure2019-2days", &err), 0, "%s", err.msg);
	cr_assert_eq(t.n, 3);
	cr_assert_eq(t.n_dropped, 0);
	cr_assert_eq(t.n_invocations, 6);
	cr_assert_float_eq(t.horizon_s, 2 * 86400, 1e-9);
	f1 = &t.fn[0];
	f3 = &t.fn[2];
	cr_assert_str_eq(f1->name, "o1/a1/f1");
	cr_assert_str_eq(f3->name, "o3/a3/f3");
	cr_assert_eq(f1->n_minutes, 2);
	cr_assert_eq(f1->minute[0], 1439);
	cr_assert_eq(f1->minute[1], 1440);
	cr_assert_float_eq(f1->memory_mb, 200, 1e-12);     /* (100 + 300) / 2 */
	cr_assert_float_eq(t.fn[1].memory_mb, 200, 1e-12); /* o2/a2: 12 columns, per app */
	cr_assert(isnan(f3->memory_mb));
	cr_assert_eq(f3->minute[1], 1445);
	cr_assert_float_eq(f3->pct_day[1][3], 2000, 1e-12); /* borrowed from day 1 */
	cr_assert_eq(trace_function_expand(f1, rng, &b, NULL), 0);
	cr_assert_eq(b.n, 2);
	cr_assert_float_eq(b.inv[0].duration_s, 1.0, 1e-12);
	cr_assert_float_eq(b.inv[1].duration_s, 3.0, 1e-12);
	/* The same files listed one by one read the same. */
	{
		static const char *const inv[] = { FIX "azure2019-2days/invocations_per_function_md.anon.d01.csv",
						   FIX "azure2019-2days/invocations_per_function_md.anon.d02.csv" };
		static const char *const dur[] = { FIX "azure2019-2days/function_durations_percentiles.anon.d01.csv",
						   FIX "azure2019-2days/function_durations_percentiles.anon.d02.csv" };
		static const char *const mem[] = { FIX "azure2019-2days/app_memory_percentiles.anon.d01.csv",
						   FIX "azure2019-2days/app_memory_percentiles.anon.d02.csv" };
		struct trace u = { 0 };

		cr_assert_eq(trace_azure2019_read_days(&u, inv, dur, mem, 2, &err), 0, "%s", err.msg);
		cr_assert_eq(u.n, 3);
		cr_assert_eq(u.n_invocations, 6);
		cr_assert_float_eq(u.fn[0].memory_mb, 200, 1e-12);
		trace_fini(&u);
	}
	/* f1's one instance is warm across midnight (keep-alive 600 s covers minute 1439 to
	 * 1440): 1 cold start on the server, 2 on boards. o2's two 0.5 s runs in one minute
	 * overlap with probability < 2 x 0.5/60 (seed 1: they do not); o3's are a day apart. */
	params_init(&p);
	cr_assert_eq(overhead_simulate(&t, &p, 1, 0, 2, &r, NULL), 0);
	cr_assert_eq(r.invocations, 6);
	cr_assert_eq(r.p[OVERHEAD_SW].cold_starts, 1 + 1 + 2);
	cr_assert_eq(r.p[OVERHEAD_HW].cold_starts, 2 + 2 + 2);
	overhead_result_fini(&r);
	trace_buf_fini(&b);
	gsl_rng_free(rng);
	trace_fini(&t);
}

Test(trace, azure2019_malformed_named_by_file_line_column)
{
	struct trace t = { 0 };
	struct jb_err err = { 0 };

	cr_assert_eq(trace_azure2019_read(&t, FIX "azure2019_invocations_bad.csv",
					  FIX "azure2019_durations.csv", NULL, &err), -EINVAL);
	cr_assert(strstr(err.msg, "azure2019_invocations_bad.csv: line 3, column 15"), "%s",
		  err.msg);
	trace_fini(&t);
	cr_assert_eq(trace_azure2019_read(&t, FIX "azure2019_invocations.csv",
					  FIX "azure2019_durations_bad.csv", NULL, &err), -EINVAL);
	cr_assert(strstr(err.msg, "azure2019_durations_bad.csv: line 2, column 10 "
				  "(percentile_Average_25)"), "%s", err.msg);
	trace_fini(&t);
	cr_assert_eq(trace_azure2019_read(&t, FIX "azure2019_durations.csv",
					  FIX "azure2019_durations.csv", NULL, &err), -EINVAL);
	cr_assert(strstr(err.msg, "line 1, column 4"), "%s", err.msg);
	trace_fini(&t);
}

/* The 2021 file as published: unsorted, zero durations, no trailing newline. */
Test(trace, azure2021_unsorted_zero_durations_no_final_newline)
{
	static const char text[] = "app,func,end_timestamp,duration\n"
				   "a,f,50.0,0.0\na,f,20.0,0\nb,g,30.5,0.5";
	char path[] = "/tmp/jb-test-az21-XXXXXX";
	int fd = mkstemp(path);
	struct trace t = { 0 };
	struct jb_err err = { 0 };
	struct overhead_result r;
	struct params p;

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);
	cr_assert_eq(trace_azure2021_read(&t, path, &err), 0, "%s", err.msg);
	unlink(path);
	cr_assert_eq(t.n, 2);
	cr_assert_eq(t.n_invocations, 3);
	cr_assert_float_eq(t.fn[0].inv[0].start_s, 0, 1e-12);  /* 20 - 0, the earliest */
	cr_assert_float_eq(t.fn[0].inv[1].start_s, 30, 1e-12); /* 50 - 0 */
	cr_assert_float_eq(t.fn[0].inv[1].duration_s, 0, 0);
	params_init(&p);
	cr_assert_eq(overhead_simulate(&t, &p, 1, 0, 2, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(r.invocations, 3);
	check_partition(&r);
	overhead_result_fini(&r);
	trace_fini(&t);
}

Test(trace, azure2021_fixture_groups_and_sorts)
{
	struct trace t = { 0 };
	struct jb_err err = { 0 };

	cr_assert_eq(trace_azure2021_read(&t, FIX "azure2021_invocations.csv", &err), 0, "%s",
		     err.msg);
	cr_assert_eq(t.n, 3);
	cr_assert_eq(t.n_invocations, 5);
	cr_assert_str_eq(t.fn[0].name, "appA/f1");
	cr_assert_eq(t.fn[0].n_inv, 3);
	/* Starts 10, 4, 6.5 shifted by the earliest (4) and sorted: 0, 2.5, 6. */
	cr_assert_float_eq(t.fn[0].inv[0].start_s, 0, 1e-12);
	cr_assert_float_eq(t.fn[0].inv[1].start_s, 2.5, 1e-12);
	cr_assert_float_eq(t.fn[0].inv[2].start_s, 6, 1e-12);
	cr_assert_float_eq(t.fn[0].inv[0].duration_s, 1.0, 1e-12);
	cr_assert_float_eq(t.horizon_s, 120, 1e-12); /* last start 95.75 s: two minutes */
	trace_fini(&t);
	cr_assert_eq(trace_azure2021_read(&t, FIX "azure2021_bad.csv", &err), -EINVAL);
	cr_assert(strstr(err.msg, "azure2021_bad.csv: line 4, column 4 (duration)"), "%s", err.msg);
	trace_fini(&t);
	cr_assert_eq(trace_azure2021_read(&t, FIX "no-such-file.csv", &err), -ENOENT);
	trace_fini(&t);
}

Test(trace, generator_is_seeded_and_spread)
{
	struct params p;
	struct trace a = { 0 }, b = { 0 };
	uint64_t lo = UINT64_MAX, hi = 0;
	size_t i;

	params_init(&p);
	set(&p, "gen_functions", 500);
	cr_assert_eq(trace_gen_create(&a, &p, 0, 7, NULL), 0);
	cr_assert_eq(trace_gen_create(&b, &p, 0, 7, NULL), 0);
	cr_assert_eq(a.n_invocations, b.n_invocations);
	cr_assert_float_eq(a.horizon_s, 86400, 1e-9);
	for (i = 0; i < a.n; i++) {
		lo = a.fn[i].n_total && a.fn[i].n_total < lo ? a.fn[i].n_total : lo;
		hi = a.fn[i].n_total > hi ? a.fn[i].n_total : hi;
		cr_assert(a.fn[i].pct_ms[0] <= a.fn[i].pct_ms[3] && a.fn[i].pct_ms[3] <= a.fn[i].pct_ms[6]);
	}
	cr_assert_gt((double)hi / (double)lo, 1e4, "rates span %llu..%llu", (unsigned long long)lo,
		     (unsigned long long)hi);
	set(&p, "gen_invocations", 1e5);
	trace_fini(&b);
	cr_assert_eq(trace_gen_create(&b, &p, 0, 7, NULL), 0);
	cr_assert(fabs((double)b.n_invocations - 1e5) < 5e3, "%llu",
		  (unsigned long long)b.n_invocations);
	trace_fini(&a);
	trace_fini(&b);
}
