/* SPDX-License-Identifier: MIT */
/*
 * Co-location (bench-private): N instances running at once, driven in a closed loop or by
 * a seeded Poisson arrival process, each on its own thread; a metered window's energy is
 * split over its invocations by their share of the instances' CPU time (the container's
 * cgroup, or the pinned process's schedstat). runner.c calls colocate_run() when
 * --concurrency, --rate or --keep-alive-s ask for it, and hands it what it opened.
 */
#ifndef JB_BENCH_COLOCATE_H
#define JB_BENCH_COLOCATE_H

#include "meter.h"
#include "results.h"
#include "runner.h"

struct colocate_env {
	const struct runner_config *cfg;
	const char *run_id;
	const char *host, *arch;
	const char *meter_kind;
	struct meter *meter;           /* open; sampled by the calling thread only */
	void *drv;                     /* the prepared driver */
	double idle_w;
	uint64_t min_window_ns;
	/* Writes one row (and counts it); called by the calling thread only. */
	int (*emit)(void *arg, const struct results_row *row, struct jb_err *err);
	int (*flush)(void *arg, struct jb_err *err);
	void *arg;
};

/**
 * colocate_check() - before a run: can the prepared driver @drv run cfg->concurrency
 * instances at once? (pinned: one core each.) Return: 0 or -EINVAL with the reason.
 */
int colocate_check(const struct runner_config *cfg, void *drv, struct jb_err *err);

/**
 * colocate_run() - run cfg->concurrency instances of cfg's workloads (assigned
 * round-robin) through cold starts, a warmup window, cfg->runs metered windows and a
 * metered teardown, writing every invocation, cold start and teardown as a row.
 * Return: 0 (failed invocations are rows; failed instances are replaced), or -errno for a
 * write error or out of memory, with a message in @err.
 */
int colocate_run(const struct colocate_env *env, struct jb_err *err);

#endif
