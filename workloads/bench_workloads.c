/* SPDX-License-Identifier: MIT */
/*
 * bench-workloads: the calibration benchmark of the workload catalogue (meson suite
 * `workloads`). For each workload it builds the input of one size class (default small,
 * seed 42), runs one warmup invocation, then REPS timed invocations in this process, and
 * prints the median wall time, the median CPU time (which other processes on a shared
 * machine inflate less than wall time) and the throughput in the workload's unit of work
 * per median wall second: what docs/workloads.md records. Every invocation is verified;
 * a failure makes the exit status 1. Being a benchmark program, it may print.
 *
 *   bench-workloads [--size test|small|large] [--reps N] [--param P] [WORKLOAD...]
 *
 * --param overrides the size parameter of the class, to try sizes while calibrating.
 * JB_BENCH_SHORT=1 (CI's short form of every benchmark suite) makes the defaults size test
 * and 3 repetitions: the suite runs and every invocation verifies, nothing more.
 * Goal (docs/workloads.md): at size small about 100-300 ms per invocation on one server
 * core; each line says whether its median CPU time is inside (wall time on a shared
 * machine counts other processes' turns too). A calibration target, not a ratio:
 * a machine slower or faster than a server core is outside without a bug, so it is
 * reported, not failed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jb_clock.h"
#include "workload.h"

#define BENCH_REPS_DEFAULT 5
#define BENCH_REPS_MAX 101

static int
bench_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Bench one workload; 0, or 1 when it fails to set up, run or verify. */
static int
bench_one(const struct workload_desc *w, enum workload_size size, uint64_t param, int reps)
{
	uint64_t wall_ns[BENCH_REPS_MAX], cpu_ns[BENCH_REPS_MAX], t0, c0, setup_ns, median_ns;
	struct workload_result res = { 0 };
	struct jb_err err = { 0 };
	void *state = NULL;
	double rate;
	int i, rc;

	t0 = jb_clock_mono_ns();
	if (!param)
		param = w->size_param[size];
	rc = w->setup(param, 42, &state, &err);
	setup_ns = jb_clock_mono_ns() - t0;
	if (rc) {
		printf("%-10s setup failed: %s\n", w->name, err.msg);
		return 1;
	}
	/* One warmup: first-touch page faults and cold caches are not the kernel's cost. */
	rc = w->run(state, &res);
	for (i = 0; !rc && i < reps; i++) {
		c0 = jb_clock_process_cpu_ns();
		t0 = jb_clock_mono_ns();
		rc = w->run(state, &res);
		wall_ns[i] = jb_clock_mono_ns() - t0;
		cpu_ns[i] = jb_clock_process_cpu_ns() - c0;
		if (!rc)
			rc = w->verify(state, &res);
	}
	if (rc) {
		printf("%-10s FAILED: %s\n", w->name,
		       rc == -EBADMSG ? "result did not verify" : jb_strerror(rc));
		w->teardown(state);
		return 1;
	}
	qsort(wall_ns, (size_t)reps, sizeof(wall_ns[0]), bench_cmp_u64);
	qsort(cpu_ns, (size_t)reps, sizeof(cpu_ns[0]), bench_cmp_u64);
	median_ns = wall_ns[reps / 2];
	rate = res.work_units / ((double)median_ns * 1e-9);
	printf("%-10s %-10s %12llu %10.1f %10.1f %10.1f %10.1f %12.4g %-7s %8.1f %s\n", w->name,
	       w->size_param_name, (unsigned long long)param,
	       (double)median_ns * 1e-6, (double)wall_ns[0] * 1e-6,
	       (double)wall_ns[reps - 1] * 1e-6, (double)cpu_ns[reps / 2] * 1e-6, rate * 1e-6,
	       w->work_unit, (double)setup_ns * 1e-6,
	       size != WORKLOAD_SIZE_SMALL ? "-"
	       : cpu_ns[reps / 2] >= 100000000 && cpu_ns[reps / 2] <= 300000000 ? "in"
									       : "outside");
	w->teardown(state);
	return 0;
}

int
main(int argc, char **argv)
{
	enum workload_size size = WORKLOAD_SIZE_SMALL;
	int reps = BENCH_REPS_DEFAULT, failed = 0, named = 0, i;
	const char *short_form = getenv("JB_BENCH_SHORT");
	uint64_t param = 0;
	size_t k;

	if (short_form && strcmp(short_form, "1") == 0) {
		size = WORKLOAD_SIZE_TEST;
		reps = 3;
	}

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--size") == 0 && i + 1 < argc) {
			if (workload_size_parse(argv[++i], &size)) {
				fprintf(stderr, "bench-workloads: bad size '%s'\n", argv[i]);
				return 2;
			}
		} else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
			reps = atoi(argv[++i]);
			if (reps < 1 || reps > BENCH_REPS_MAX) {
				fprintf(stderr, "bench-workloads: --reps 1..%d\n", BENCH_REPS_MAX);
				return 2;
			}
		} else if (strcmp(argv[i], "--param") == 0 && i + 1 < argc) {
			param = strtoull(argv[++i], NULL, 0);
			if (!param) {
				fprintf(stderr, "bench-workloads: bad --param '%s'\n", argv[i]);
				return 2;
			}
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "usage: bench-workloads [--size test|small|large] "
					"[--reps N] [--param P] [WORKLOAD...]\n");
			return 2;
		} else if (!workload_find(argv[i])) {
			fprintf(stderr, "bench-workloads: unknown workload '%s'\n", argv[i]);
			return 2;
		}
	}
	printf("size %s, seed 42, 1 warmup + %d timed invocations each; "
	       "throughput = work units / median\n", workload_size_name(size), reps);
	printf("goal (size small): 100-300 ms of CPU per invocation on one server core "
	       "(docs/workloads.md); reported, not failed\n");
	printf("%-10s %-10s %12s %10s %10s %10s %10s %12s %-7s %8s %s\n", "workload", "param",
	       "value", "median_ms", "min_ms", "max_ms", "cpu_ms", "M_units/s", "unit",
	       "setup_ms", "goal");
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--size") == 0 || strcmp(argv[i], "--reps") == 0 ||
		    strcmp(argv[i], "--param") == 0) {
			i++;
			continue;
		}
		named = 1;
		failed |= bench_one(workload_find(argv[i]), size, param, reps);
	}
	for (k = 0; !named && k < workload_count(); k++)
		failed |= bench_one(workload_at(k), size, param, reps);
	return failed;
}
