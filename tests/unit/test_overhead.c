/* SPDX-License-Identifier: MIT */
/*
 * analysis/ overhead model: tiny scenarios whose energies are computed by hand below (one
 * function and one invocation, the keep-alive boundary, one server against one board),
 * that the parts partition the total on generated traces (a guard against a part dropped
 * or counted twice: both come from the same bins, so this is not an independent check of
 * the total; the hand-computed scenarios are), bit-identical results for 1, 2 and 3 threads, and
 * parameter files (the trace readers: test_trace.c).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "overhead.h"
#include "params.h"
#include "results.h"
#include "trace.h"

#define FIX JB_SOURCE_ROOT "/tests/fixtures/"
#define PRESETS JB_SOURCE_ROOT "/sim/presets/"

static void
set(struct params *p, const char *key, double v)
{
	char s[64];
	int rc;

	snprintf(s, sizeof(s), "%.17g", v);
	rc = params_set(p, key, s, "test", NULL);
	cr_assert_eq(rc, 0, "%s = %s", key, s);
}

/* A trace of one function with the given invocations, over @horizon_s. */
static void
trace_one(struct trace *t, double horizon_s, const struct trace_inv *inv, size_t n)
{
	struct trace_function *f;

	memset(t, 0, sizeof(*t));
	t->kind = "test";
	t->horizon_s = horizon_s;
	f = trace_add(t, "fn");
	cr_assert_not_null(f);
	f->inv = malloc(n * sizeof(*inv));
	memcpy(f->inv, inv, n * sizeof(*inv));
	f->n_inv = f->n_total = n;
	t->n_invocations = n;
}

static void check_partition(const struct overhead_result *r);

/* Round numbers, so the expected energies below can be checked by hand. */
static void
params_hand(struct params *p)
{
	params_init(p);
	set(p, "bin_s", 1);
	set(p, "server_cores", 4);
	set(p, "server_memory_mb", 1024);
	set(p, "instance_memory_mb", 256);
	set(p, "server_idle_w", 100);
	set(p, "server_loaded_w", 140);          /* 10 W per busy core */
	set(p, "headroom_frac", 0);
	set(p, "server_scale_interval_s", 0);
	set(p, "keep_alive_s", 60);
	set(p, "container_create_j", 5);
	set(p, "isolation_frac", 0.1);
	set(p, "instance_idle_w", 0.5);
	set(p, "board_idle_w", 2);
	set(p, "board_active_w", 3);
	set(p, "board_off_w", 0.1);
	set(p, "board_boot_s", 2);
	set(p, "board_boot_j", 6);
	set(p, "board_keep_alive_s", 0);
	set(p, "board_slowdown", 3);
	set(p, "board_isolation_frac", 0);
	set(p, "fleet_scale", 1000);
	set(p, "static_is_useful", 0); /* the strict parts; both accountings are checked */
}

Test(overhead, one_function_one_invocation_by_hand)
{
	const struct trace_inv inv[] = { { 100, 10 } };
	struct overhead_result r;
	struct params p;
	struct trace t;
	const struct overhead_platform_result *sw, *hw;

	params_hand(&p);
	trace_one(&t, 3600, inv, 1);
	cr_assert_eq(overhead_simulate(&t, &p, 1, 600, 1, &r, NULL), 0);
	sw = &r.p[OVERHEAD_SW];
	hw = &r.p[OVERHEAD_HW];
	/* Server: one server on for the hour, 100 W x 3600 s = 360000 J of static power. The
	 * 10 s run: 10 x 10 W useful, 10% of it isolation, 5 J container creation. Its
	 * instance holds 256 of 1024 MB: the run's static share is 10 x 100 x 1/4 = 250 J;
	 * the 60 s keep-alive's 60 x 100 x 1/4 = 1500 J plus 60 x 0.5 W = 30 J. */
	cr_assert_float_eq(sw->units_peak, 1, 1e-12);
	cr_assert_float_eq(sw->part_j[OVERHEAD_USEFUL], 100, 1e-9);
	cr_assert_float_eq(sw->part_j[OVERHEAD_ISOLATION], 10, 1e-9);
	cr_assert_float_eq(sw->part_j[OVERHEAD_COLD], 5, 1e-9);
	cr_assert_float_eq(sw->part_j[OVERHEAD_IDLE], 250, 1e-9);
	cr_assert_float_eq(sw->part_j[OVERHEAD_KEEPALIVE], 1530, 1e-9);
	cr_assert_float_eq(sw->part_j[OVERHEAD_OVERPROV], 360000 - 250 - 1500, 1e-6);
	cr_assert_float_eq(sw->total_j, 360000 + 110 + 30 + 5, 1e-6);
	cr_assert_float_eq(sw->overhead_j, 360145 - 100, 1e-6);
	cr_assert_eq(sw->cold_starts, 1);
	/* Board: boots on [100, 102) for 6 J, runs 10 x 3 = 30 s at 3 W (1 W useful, 2 W
	 * static), then is off at 0.1 W for the rest of the hour: 3600 - 32 s. */
	cr_assert_float_eq(hw->units_peak, 1, 1e-12);
	cr_assert_float_eq(hw->part_j[OVERHEAD_USEFUL], 30, 1e-9);
	cr_assert_float_eq(hw->part_j[OVERHEAD_IDLE], 60, 1e-9);
	cr_assert_float_eq(hw->part_j[OVERHEAD_COLD], 6, 1e-9);
	cr_assert_float_eq(hw->part_j[OVERHEAD_KEEPALIVE], 0, 1e-9);
	cr_assert_float_eq(hw->part_j[OVERHEAD_OVERPROV], 3568 * 0.1, 1e-9);
	cr_assert_float_eq(hw->total_j, 356.8 + 6 + 90, 1e-9);
	cr_assert_float_eq(r.reduction, 1 - 422.8 / 360045.0, 1e-12);
	cr_assert_float_eq(r.saving_power_w, (360045 - 422.8) / 3600, 1e-9);
	cr_assert_float_eq(r.fleet_saving_w, 1000 * (360045 - 422.8) / 3600, 1e-6);
	/* Both accountings, whichever is selected: the paper's adds the static share under
	 * the run (250 J server, 60 J board) to useful. */
	cr_assert_float_eq(sw->useful_acc_j[OVERHEAD_ACC_STRICT], 100, 1e-9);
	cr_assert_float_eq(sw->useful_acc_j[OVERHEAD_ACC_PAPER], 350, 1e-9);
	cr_assert_float_eq(hw->useful_acc_j[OVERHEAD_ACC_PAPER], 90, 1e-9);
	cr_assert_float_eq(r.reduction_acc[OVERHEAD_ACC_STRICT], 1 - 422.8 / 360045.0, 1e-12);
	cr_assert_float_eq(r.reduction_acc[OVERHEAD_ACC_PAPER], 1 - 362.8 / 359795.0, 1e-12);
	cr_assert_float_eq(r.total_ratio, 452.8 / 360145.0, 1e-12);
	/* The time series adds up to the totals. */
	{
		double sum = 0;
		size_t i;
		unsigned k;

		cr_assert_eq(r.n_steps, 6);
		for (i = 0; i < r.n_steps; i++)
			for (k = 0; k < OVERHEAD_N_PARTS; k++)
				sum += r.series[i * OVERHEAD_SERIES_WIDTH + k];
		cr_assert_float_eq(sum, sw->total_j, 1e-6);
	}
	overhead_result_fini(&r);
	trace_fini(&t);
}

/* The default, the paper's accounting, on a server where cores are the scarcer resource:
 * 2 cores (20 W per busy core) and 1024 MB; the instance holds 256 MB, so its share of the
 * server is max(1/2, 256/1024) = 1/2, or 1/4 by memory only. One run [100, 110).
 * Server: total 360000 static + 10 x 20 x 1.1 + 60 x 0.5 keep-alive + 5 cold = 360255 J;
 * useful 200 dynamic + 10 x 100 x 1/2 = 700 J (450 J by memory only; 200 J strict).
 * Board (as in the first test): total 452.8 J; useful 30 x 3 W = 90 J (30 J strict). */
Test(overhead, paper_accounting_by_hand_cores_scarcer)
{
	const struct trace_inv inv[] = { { 100, 10 } };
	struct overhead_result r;
	struct params p;
	struct trace t;
	const struct overhead_platform_result *sw = &r.p[OVERHEAD_SW], *hw = &r.p[OVERHEAD_HW];

	params_hand(&p);
	params_init(&p); /* the defaults' accounting */
	cr_assert_eq(p.v[PARAMS_static_is_useful], 1);
	cr_assert_eq(p.v[PARAMS_static_share_memory_only], 0);
	params_hand(&p);
	set(&p, "static_is_useful", 1);
	set(&p, "server_cores", 2);
	set(&p, "fleet_invocations_per_day", 2400); /* the trace: 1 per hour = 24 per day */
	trace_one(&t, 3600, inv, 1);
	cr_assert_eq(overhead_simulate(&t, &p, 1, 0, 1, &r, NULL), 0);
	cr_assert_float_eq(sw->total_j, 360255, 1e-6);
	cr_assert_float_eq(sw->part_j[OVERHEAD_USEFUL], 700, 1e-9);
	cr_assert_float_eq(sw->part_j[OVERHEAD_IDLE], 0, 1e-12);
	cr_assert_float_eq(sw->part_j[OVERHEAD_KEEPALIVE], 1530, 1e-9);
	cr_assert_float_eq(sw->part_j[OVERHEAD_OVERPROV], 360000 - 500 - 1500, 1e-6);
	cr_assert_float_eq(sw->part_j[OVERHEAD_ISOLATION], 20, 1e-9);
	cr_assert_float_eq(sw->useful_acc_j[OVERHEAD_ACC_STRICT], 200, 1e-9);
	cr_assert_float_eq(hw->part_j[OVERHEAD_USEFUL], 90, 1e-9);
	cr_assert_float_eq(hw->total_j, 452.8, 1e-9);
	cr_assert_float_eq(r.reduction, 1 - 362.8 / 359555.0, 1e-12);
	cr_assert_float_eq(r.reduction_acc[OVERHEAD_ACC_PAPER], 1 - 362.8 / 359555.0, 1e-12);
	cr_assert_float_eq(r.reduction_acc[OVERHEAD_ACC_STRICT], 1 - 422.8 / 360055.0, 1e-12);
	cr_assert_float_eq(r.fleet_scale, 100, 1e-9);
	cr_assert_float_eq(r.fleet_saving_w, 100 * (359555 - 362.8) / 3600, 1e-6);
	cr_assert_float_eq(r.fleet_saving_acc_w[OVERHEAD_ACC_STRICT],
			   100 * (360055 - 422.8) / 3600, 1e-6);
	check_partition(&r);
	/* Memory only: the share is 1/4. */
	set(&p, "static_share_memory_only", 1);
	cr_assert_eq(overhead_simulate(&t, &p, 1, 0, 1, &r, NULL), 0);
	cr_assert_float_eq(sw->part_j[OVERHEAD_USEFUL], 450, 1e-9);
	cr_assert_float_eq(r.reduction, 1 - 362.8 / 359805.0, 1e-12);
	trace_fini(&t);
}

/* First run frees at 10 s; keep-alive 60 s. An arrival at exactly 70 s is warm, at 70.5 s
 * cold; the warm interval is [10, 70) either way, plus 60 s after the second run. */
Test(overhead, keep_alive_boundary)
{
	const struct trace_inv at[] = { { 0, 10 }, { 70, 1 } }, after[] = { { 0, 10 }, { 70.5, 1 } };
	struct overhead_result r;
	struct params p;
	struct trace t;

	params_hand(&p);
	trace_one(&t, 3600, at, 2);
	cr_assert_eq(overhead_simulate(&t, &p, 1, 0, 1, &r, NULL), 0);
	cr_assert_eq(r.p[OVERHEAD_SW].cold_starts, 1);
	cr_assert_float_eq(r.p[OVERHEAD_SW].part_j[OVERHEAD_KEEPALIVE], 120 * (25 + 0.5), 1e-6);
	cr_assert_float_eq(r.p[OVERHEAD_SW].part_j[OVERHEAD_COLD], 5, 1e-12);
	cr_assert_eq(r.p[OVERHEAD_HW].cold_starts, 2); /* boards never keep alive here */
	trace_fini(&t);
	trace_one(&t, 3600, after, 2);
	cr_assert_eq(overhead_simulate(&t, &p, 1, 0, 1, &r, NULL), 0);
	cr_assert_eq(r.p[OVERHEAD_SW].cold_starts, 2);
	cr_assert_float_eq(r.p[OVERHEAD_SW].part_j[OVERHEAD_KEEPALIVE], 120 * (25 + 0.5), 1e-6);
	cr_assert_float_eq(r.p[OVERHEAD_SW].part_j[OVERHEAD_COLD], 10, 1e-12);
	trace_fini(&t);
}

/* Functions are fed hour by hour; an instance freed before an hour's end stays warm into
 * the next hour, and work that crosses the boundary is counted once. */
Test(overhead, warm_across_the_hour_boundary)
{
	const struct trace_inv inv[] = { { 3590, 5 }, { 3650, 20 } };
	struct overhead_result r;
	struct params p;
	struct trace t;

	params_hand(&p);
	trace_one(&t, 7200, inv, 2);
	cr_assert_eq(overhead_simulate(&t, &p, 1, 0, 1, &r, NULL), 0);
	cr_assert_eq(r.p[OVERHEAD_SW].cold_starts, 1);
	cr_assert_float_eq(r.p[OVERHEAD_SW].part_j[OVERHEAD_USEFUL], 25 * 10, 1e-9);
	/* Warm [3595, 3650) and [3670, 3730): 115 s at 25 W + 0.5 W. */
	cr_assert_float_eq(r.p[OVERHEAD_SW].part_j[OVERHEAD_KEEPALIVE], 115 * 25.5, 1e-6);
	trace_fini(&t);
}

/* Two overlapping invocations need two instances: two servers' worth of cores? No: one
 * server of 4 cores holds both; but two boards, and headroom 0.5 makes ceil(2 x 1.5) = 3. */
Test(overhead, one_server_against_boards_with_headroom)
{
	const struct trace_inv inv[] = { { 0, 100 }, { 50, 100 } };
	struct overhead_result r;
	struct params p;
	struct trace t;

	params_hand(&p);
	set(&p, "headroom_frac", 0.5);
	set(&p, "keep_alive_s", 0);
	trace_one(&t, 1000, inv, 2);
	cr_assert_eq(overhead_simulate(&t, &p, 1, 0, 1, &r, NULL), 0);
	cr_assert_eq(r.p[OVERHEAD_SW].cold_starts, 2);
	cr_assert_float_eq(r.p[OVERHEAD_SW].units_peak, 1, 1e-12); /* ceil(0.5 x 1.5) */
	cr_assert_float_eq(r.p[OVERHEAD_HW].units_peak, 3, 1e-12);
	/* Boards: boot 2 x 2 s, run 2 x 300 s, and 3 x 1000 - 604 board-seconds off. */
	cr_assert_float_eq(r.p[OVERHEAD_HW].total_j, 2 * 6 + 600 * 3 + 2396 * 0.1, 1e-9);
	cr_assert_float_eq(r.p[OVERHEAD_SW].total_j, 1000 * 100 + 200 * 10 * 1.1 + 10, 1e-6);
	trace_fini(&t);
}

/* load_scale 2 serves each function twice, as two tenants with their own instances. */
Test(overhead, load_scale_adds_tenants)
{
	const struct trace_inv inv[] = { { 100, 10 } };
	struct overhead_result r;
	struct params p;
	struct trace t;

	params_hand(&p);
	set(&p, "load_scale", 2);
	trace_one(&t, 3600, inv, 1);
	cr_assert_eq(overhead_simulate(&t, &p, 1, 0, 1, &r, NULL), 0);
	cr_assert_eq(r.invocations, 2);
	cr_assert_eq(r.p[OVERHEAD_SW].cold_starts, 2);
	cr_assert_float_eq(r.p[OVERHEAD_SW].part_j[OVERHEAD_USEFUL], 200, 1e-9);
	cr_assert_float_eq(r.p[OVERHEAD_HW].units_peak, 2, 1e-12);
	set(&p, "load_scale", 0);
	cr_assert_eq(overhead_simulate(&t, &p, 1, 0, 1, &r, NULL), 0);
	cr_assert_eq(r.invocations, 0);
	trace_fini(&t);
}

static void
check_partition(const struct overhead_result *r)
{
	unsigned k, j;

	for (k = 0; k < OVERHEAD_N_PLATFORMS; k++) {
		double sum = 0;

		for (j = 0; j < OVERHEAD_N_PARTS; j++) {
			cr_assert_geq(r->p[k].part_j[j], -1e-6 * r->p[k].total_j, "%s %s",
				      overhead_platform_name(k), overhead_part_name(j));
			sum += r->p[k].part_j[j];
		}
		cr_assert_float_eq(sum, r->p[k].total_j, 1e-9 * r->p[k].total_j, "%s: %.17g != %.17g",
				   overhead_platform_name(k), sum, r->p[k].total_j);
	}
}

Test(overhead, parts_partition_total_on_generated_traces)
{
	static const char *const vary[][2] = {
		{ "keep_alive_s", "0" }, { "keep_alive_s", "1200" }, { "board_keep_alive_s", "30" },
		{ "server_scale_interval_s", "900" }, { "static_is_useful", "1" },
		{ "bin_s", "7" }, { "headroom_frac", "0" },
	};
	unsigned long seed;
	size_t v;

	for (seed = 1; seed <= 2; seed++) {
		struct params p;
		struct trace t = { 0 };

		params_init(&p);
		set(&p, "gen_functions", 200);
		cr_assert_eq(trace_gen_create(&t, &p, 3, seed, NULL), 0);
		cr_assert_gt(t.n_invocations, 0);
		for (v = 0; v < sizeof(vary) / sizeof(vary[0]); v++) {
			struct params q = p;
			struct overhead_result r;

			cr_assert_eq(params_set(&q, vary[v][0], vary[v][1], "test", NULL), 0);
			cr_assert_eq(overhead_simulate(&t, &q, seed, 300, 1, &r, NULL), 0);
			cr_assert_eq(r.invocations, t.n_invocations);
			check_partition(&r);
			overhead_result_fini(&r);
		}
		trace_fini(&t);
	}
}

/* Any thread count gives bit-identical results: each tenant has its own stream, and the
 * shards' fixed-point bins merge exactly. load_scale 1.5 mixes copies in. */
Test(overhead, bit_identical_for_1_2_3_threads)
{
	struct params p;
	struct trace t = { 0 };
	struct overhead_result r[3];
	unsigned k, j;

	params_init(&p);
	set(&p, "gen_functions", 300);
	set(&p, "load_scale", 1.5);
	cr_assert_eq(trace_gen_create(&t, &p, 4, 7, NULL), 0);
	for (k = 0; k < 3; k++)
		cr_assert_eq(overhead_simulate(&t, &p, 7, 300, k + 1, &r[k], NULL), 0);
	cr_assert_gt(r[0].invocations, t.n_invocations); /* the copies ran */
	for (k = 1; k < 3; k++) {
		cr_assert_eq(r[k].invocations, r[0].invocations);
		cr_assert_eq(memcmp(r[k].p, r[0].p, sizeof(r[0].p)), 0, "threads %u", k + 1);
		cr_assert_eq(memcmp(&r[k].reduction, &r[0].reduction, sizeof(double)), 0);
		cr_assert_eq(r[k].n_steps, r[0].n_steps);
		for (j = 0; j < OVERHEAD_N_PLATFORMS * r[0].n_steps * OVERHEAD_SERIES_WIDTH; j++)
			cr_assert_eq(memcmp(&r[k].series[j], &r[0].series[j], sizeof(double)), 0);
	}
	for (k = 0; k < 3; k++)
		overhead_result_fini(&r[k]);
	trace_fini(&t);
}

/* A longer keep-alive never adds cold starts (LIFO reuse keeps a superset warm). */
Test(overhead, cold_starts_fall_with_keep_alive)
{
	struct params p;
	struct trace t = { 0 };
	uint64_t last = UINT64_MAX;
	int ka;

	params_init(&p);
	set(&p, "gen_functions", 100);
	cr_assert_eq(trace_gen_create(&t, &p, 2, 3, NULL), 0);
	for (ka = 0; ka <= 1200; ka += 300) {
		struct overhead_result r;

		set(&p, "keep_alive_s", ka);
		cr_assert_eq(overhead_simulate(&t, &p, 3, 0, 1, &r, NULL), 0);
		cr_assert_leq(r.p[OVERHEAD_SW].cold_starts, last);
		last = r.p[OVERHEAD_SW].cold_starts;
	}
	trace_fini(&t);
}

Test(overhead, rejects_loaded_below_idle)
{
	const struct trace_inv inv[] = { { 1, 1 } };
	struct overhead_result r;
	struct jb_err err = { 0 };
	struct params p;
	struct trace t;

	params_hand(&p);
	set(&p, "server_loaded_w", 50);
	trace_one(&t, 60, inv, 1);
	cr_assert_eq(overhead_simulate(&t, &p, 1, 0, 1, &r, &err), -EINVAL);
	cr_assert(strstr(err.msg, "server_loaded_w"), "%s", err.msg);
	trace_fini(&t);
}

/* The fleet preset loads, names its source and is marked as a placeholder. */
Test(params, fleet_preset_is_sourced_placeholder)
{
	struct params p;
	struct jb_err err = { 0 };

	params_init(&p);
	cr_assert_eq(params_load_file(&p, PRESETS "fleet-aws-lambda.params", &err), 0, "%s",
		     err.msg);
	cr_assert_float_eq(p.v[PARAMS_fleet_invocations_per_day], 1e13 / 30.44, 1e8);
	cr_assert(strstr(p.src[PARAMS_fleet_invocations_per_day], "placeholder"));
	cr_assert(strstr(p.src[PARAMS_fleet_invocations_per_day], "AWS"));
}

Test(params, file_needs_sources_and_known_keys)
{
	char path[] = "/tmp/jb-params-XXXXXX";
	struct jb_err err = { 0 };
	struct params p;
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	params_init(&p);
	fprintf(f, "# comment\n\nkeep_alive_s = 300 | my measurement\nboard_boot_j = 2\n");
	fclose(f);
	cr_assert_eq(params_load_file(&p, path, &err), -EINVAL);
	cr_assert(strstr(err.msg, "line 4") && strstr(err.msg, "no source"), "%s", err.msg);
	cr_assert_float_eq(p.v[PARAMS_keep_alive_s], 300, 1e-12);
	cr_assert_str_eq(p.src[PARAMS_keep_alive_s], "my measurement");
	f = fopen(path, "w");
	fprintf(f, "keep_alive = 300 | x\n");
	fclose(f);
	cr_assert_eq(params_load_file(&p, path, &err), -ENOENT);
	cr_assert(strstr(err.msg, "line 1") && strstr(err.msg, "keep_alive"), "%s", err.msg);
	cr_assert_eq(params_set_arg(&p, "board_slowdown=abc", &err), -EINVAL);
	cr_assert_eq(params_set_arg(&p, "headroom_frac=-1", &err), -EINVAL);
	cr_assert_eq(params_set_arg(&p, "headroom_frac", &err), -EINVAL);
	cr_assert_eq(params_set_arg(&p, "headroom_frac=0.5", &err), 0);
	cr_assert_str_eq(p.src[PARAMS_headroom_frac], "command line --set");
	unlink(path);
}

/* The presets are the built-in defaults written out, with the same sources' meaning. */
Test(params, presets_equal_defaults)
{
	struct params def, p;
	unsigned i;

	params_init(&def);
	params_init(&p);
	cr_assert_eq(params_load_file(&p, PRESETS "xeon-2s.params", NULL), 0);
	cr_assert_eq(params_load_file(&p, PRESETS "arm-board.params", NULL), 0);
	for (i = 0; i < PARAMS_N; i++)
		cr_assert_float_eq(p.v[i], def.v[i], 1e-12, "%s", params_name(i));
}

static void
meas_row(struct results_writer *w, const char *driver, const char *phase, const char *status,
	 double idle_w, double wall_s, double energy_j, double dyn_j)
{
	static uint64_t rep; /* each row a window of its own, as a metered window of one */
	struct results_row r;

	memset(&r, 0, sizeof(r));
	r.schema_version = RESULTS_SCHEMA_VERSION;
	r.rep = rep++;
	r.window_invocations = 1;
	r.window_wall_ns = (uint64_t)(wall_s * 1e9);
	r.run_id = r.host = r.arch = r.meter = r.meter_kind = r.domain = r.size = "x";
	r.isolation = r.work_unit = r.energy_method = r.checksum = r.message = "x";
	r.driver = driver;
	r.workload = "matmul";
	r.phase = phase;
	r.status = status;
	r.core = -1;
	r.idle_power_w = idle_w;
	r.wall_ns = (uint64_t)(wall_s * 1e9);
	r.energy_j = energy_j;
	r.dynamic_energy_j = dyn_j;
	r.window_energy_j = energy_j;
	r.energy_uncertainty_j = r.work_units = NAN;
	cr_assert_eq(results_writer_write(w, &r, NULL), 0);
}

/* Medians of measured windows become parameters; failed windows do not count. */
Test(params, measured_csvs_set_parameters)
{
	char dir[] = "/tmp/jb-meas-XXXXXX", srv[64], brd[64];
	struct results_writer *w;
	struct jb_err err = { 0 };
	struct params p;
	int i;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(srv, sizeof(srv), "%s/server.csv", dir);
	snprintf(brd, sizeof(brd), "%s/board.csv", dir);
	cr_assert_eq(results_writer_open(srv, 0, &w, NULL), 0);
	for (i = 0; i < 3; i++) {
		meas_row(w, "container", "warm", "ok", 100, 1, 102, 2);   /* 2 W dynamic */
		meas_row(w, "pinned", "warm", "ok", 100, 1, 101.6, 1.6);  /* 1.6 W */
		meas_row(w, "container", "cold", "ok", 100, 1, 107, 7);   /* 7 J = 5 J + a run */
	}
	meas_row(w, "container", "warm", "failed", 1e6, 1, 1e6, 1e6);
	cr_assert_eq(results_writer_close(w, NULL), 0);
	cr_assert_eq(results_writer_open(brd, 0, &w, NULL), 0);
	for (i = 0; i < 3; i++) {
		meas_row(w, "pinned", "warm", "ok", 1.5, 4, 8, 2);        /* 0.5 W over 4 s */
		meas_row(w, "pinned", "boot", "ok", 1.5, 2.5, 3.3, 0);
	}
	cr_assert_eq(results_writer_close(w, NULL), 0);

	params_init(&p);
	cr_assert_eq(params_measured_apply(&p, srv, brd, &err), 0, "%s", err.msg);
	cr_assert_float_eq(p.v[PARAMS_server_idle_w], 100, 1e-9);
	cr_assert_float_eq(p.v[PARAMS_server_loaded_w], 100 + 48 * 2, 1e-9);
	cr_assert_float_eq(p.v[PARAMS_container_create_j], 5, 1e-9);
	cr_assert_float_eq(p.v[PARAMS_isolation_frac], 0.25, 1e-9);
	cr_assert_float_eq(p.v[PARAMS_board_idle_w], 1.5, 1e-9);
	cr_assert_float_eq(p.v[PARAMS_board_active_w], 2.0, 1e-9);
	cr_assert_float_eq(p.v[PARAMS_board_boot_j], 3.3, 1e-9);
	cr_assert_float_eq(p.v[PARAMS_board_boot_s], 2.5, 1e-9);
	cr_assert_float_eq(p.v[PARAMS_board_slowdown], 4, 1e-9);
	cr_assert(strstr(p.src[PARAMS_server_idle_w], "measured: ") &&
		  strstr(p.src[PARAMS_server_idle_w], "server.csv"), "%s", p.src[PARAMS_server_idle_w]);
	cr_assert_str_eq(p.src[PARAMS_keep_alive_s], "AWS Lambda fixed keep-alive of 10 min "
			 "(Shahrad et al. ATC'20, research/workloads.md 2.4); OpenWhisk "
			 "idle-container 10 min");
	/* A meter that cannot tell work from idle gives no loaded power: say so. */
	cr_assert_eq(results_writer_open(srv, 1, &w, NULL), 0);
	meas_row(w, "container", "warm", "ok", 100, 1, 99, -1);
	cr_assert_eq(results_writer_close(w, NULL), 0);
	cr_assert_eq(params_measured_apply(&p, srv, NULL, &err), -EINVAL);
	cr_assert(strstr(err.msg, "server.csv: the median dynamic power"), "%s", err.msg);
	unlink(srv);
	unlink(brd);
	rmdir(dir);
}
