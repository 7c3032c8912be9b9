/* SPDX-License-Identifier: MIT */
/*
 * Sweeps of the overhead model: the simulation repeated over the values of one parameter
 * (a curve) or of two (a sensitivity map, DESIGN 6), the points run in parallel. Each
 * point's result is the one a single run with those values would give (overhead_simulate()
 * is bit-identical for any thread count), so the order of completion does not matter.
 */
#ifndef JB_SIM_OVERHEAD_SWEEP_H
#define JB_SIM_OVERHEAD_SWEEP_H

#include <stddef.h>

#include "jb_err.h"
#include "overhead.h"
#include "overhead_out.h"
#include "params.h"
#include "trace.h"

#define OVERHEAD_SWEEP_MAX 64

/* One swept parameter and its values. */
struct overhead_sweep_axis {
	char key[64];
	int idx;
	double val[OVERHEAD_SWEEP_MAX];
	size_t n;
};

/**
 * overhead_sweep_parse() - "KEY=V1,V2,..." into @ax, each value checked against the key's
 * range in @base, so a bad sweep fails before any simulation. Return: 0 or -EINVAL.
 */
int overhead_sweep_parse(const char *spec, const struct params *base,
			 struct overhead_sweep_axis *ax, struct jb_err *err);

/* What the points share. A gen_* key re-generates the trace for each point (the key
 * shapes the generated trace itself) when @gen is set: over @gen_hours. */
struct overhead_sweep_job {
	const struct trace *t;
	const struct params *base;
	const struct overhead_sweep_axis *ax[2]; /* ax[1] NULL: a curve */
	unsigned long seed;
	unsigned threads;       /* in all, shared by the points running at once */
	int gen;
	double gen_hours;
};

/**
 * overhead_sweep_run() - simulate every point: @pt[i * n2 + j] for value i of ax[0] and j
 * of ax[1] (n2 = 1 for a curve), with value and value2 set. Points run on up to
 * @job->threads threads. On error, the results already made are freed. Return: 0 or
 * overhead_simulate()'s errors (@err names the point).
 */
int overhead_sweep_run(const struct overhead_sweep_job *job, struct overhead_sweep_point *pt,
		       struct jb_err *err);

/** overhead_sweep_points() - the number of points of @job. */
size_t overhead_sweep_points(const struct overhead_sweep_job *job);

#endif
