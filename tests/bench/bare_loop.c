/* SPDX-License-Identifier: MIT */
/*
 * The bare baseline of the `harness` benchmark: one workload run in a plain loop in this
 * process, pinned to one core, with nothing of joulebench around it (no function runner,
 * no protocol, no meter). Prints one line: the median and mean wall time per invocation,
 * and the mean CPU time of the process per invocation (what preemption by other load
 * does not inflate).
 * usage: bare-loop WORKLOAD SIZE INVOCATIONS CORE
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include "jb_clock.h"
#include "workload.h"

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	const struct workload_desc *w;
	struct workload_result res;
	enum workload_size size;
	uint64_t *t, sum = 0, cpu = 0;
	void *state;
	cpu_set_t set;
	int i, n;

	if (argc != 5 || !(w = workload_find(argv[1])) || workload_size_parse(argv[2], &size) ||
	    (n = atoi(argv[3])) <= 0) {
		fprintf(stderr, "usage: bare-loop WORKLOAD SIZE INVOCATIONS CORE\n");
		return 2;
	}
	CPU_ZERO(&set);
	CPU_SET(atoi(argv[4]), &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0 || !(t = calloc((size_t)n, sizeof(*t)))) {
		perror("bare-loop");
		return 1;
	}
	if (w->setup(w->size_param[size], 42, &state, NULL) != 0)
		return 1;
	w->run(state, &res); /* one warmup, as joulebench's runs have warmup invocations */
	for (i = 0; i < n; i++) {
		uint64_t c0 = jb_clock_process_cpu_ns(), t0 = jb_clock_mono_ns();

		w->run(state, &res);
		t[i] = jb_clock_mono_ns() - t0;
		cpu += jb_clock_process_cpu_ns() - c0;
		sum += t[i];
		if (w->verify(state, &res) != 0)
			return 1;
	}
	qsort(t, (size_t)n, sizeof(*t), cmp_u64);
	printf("median_ns=%" PRIu64 " mean_ns=%" PRIu64 " cpu_mean_ns=%" PRIu64 "\n", t[n / 2],
	       sum / (uint64_t)n, cpu / (uint64_t)n);
	w->teardown(state);
	free(t);
	return 0;
}
