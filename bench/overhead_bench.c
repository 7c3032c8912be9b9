/* SPDX-License-Identifier: MIT */
/*
 * The `overhead` meson benchmark: generates a day of trace at two sizes (by default 5,000
 * functions with 10 million invocations and 50,000 with 100 million, the size the
 * simulation is designed for) and prints how many invocations per second
 * overhead_simulate() serves on one core, so the scaling shows. Arguments replace the
 * sizes: `overhead-bench FUNCTIONS INVOCATIONS [FUNCTIONS INVOCATIONS]...`.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "overhead.h"
#include "params.h"
#include "trace.h"

/* Wall time, and the process's CPU time: on a shared machine the CPU time is the fairer
 * measure of the simulation itself. */
static double
now_s(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
bench_one(const char *functions, const char *invocations)
{
	struct params p;
	struct trace t = { 0 };
	struct overhead_result r;
	struct jb_err err = { 0 };
	double t0, t1, t2, c1, c2;

	params_init(&p);
	if (params_set(&p, "gen_functions", functions, "benchmark", &err) ||
	    params_set(&p, "gen_invocations", invocations, "benchmark", &err)) {
		fprintf(stderr, "overhead-bench: %s\n", err.msg);
		return 2;
	}
	t0 = now_s(CLOCK_MONOTONIC);
	if (trace_gen_create(&t, &p, 24, 1, &err)) {
		fprintf(stderr, "overhead-bench: %s\n", err.msg);
		trace_fini(&t);
		return 1;
	}
	t1 = now_s(CLOCK_MONOTONIC);
	c1 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	if (overhead_simulate(&t, &p, 1, 300, 1, &r, &err)) {
		fprintf(stderr, "overhead-bench: %s\n", err.msg);
		trace_fini(&t);
		return 1;
	}
	t2 = now_s(CLOCK_MONOTONIC);
	c2 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	printf("%6zu functions %10llu invocations: generate %5.2f s; simulate %6.2f s wall, "
	       "%6.2f s CPU = %5.2f M invocations/s of CPU (both platforms, bin_s %g s)\n",
	       t.n, (unsigned long long)t.n_invocations, t1 - t0, t2 - t1, c2 - c1,
	       t.n_invocations / (c2 - c1) / 1e6, p.v[PARAMS_bin_s]);
	fflush(stdout);
	overhead_result_fini(&r);
	trace_fini(&t);
	return 0;
}

int
main(int argc, char **argv)
{
	static const char *const def[] = { "5000", "1e7", "50000", "1e8" };
	int i, rc = 0;

	if (argc > 1 && argc % 2 == 1) {
		for (i = 1; i + 1 < argc && !rc; i += 2)
			rc = bench_one(argv[i], argv[i + 1]);
		return rc;
	}
	if (argc > 1) {
		fprintf(stderr, "usage: overhead-bench [FUNCTIONS INVOCATIONS]...\n");
		return 2;
	}
	for (i = 0; i < 4 && !rc; i += 2)
		rc = bench_one(def[i], def[i + 1]);
	return rc;
}
