/* SPDX-License-Identifier: MIT */
/*
 * Window observations: the sampling unit of every interval joulebench reports (DESIGN
 * section 7). A result row is one invocation's share of a metered window (protocol/rows.c):
 * the meter read the window once, so its rows are allocations, never independent samples.
 * This folds rows back into windows, keyed by run (run_id and host: a fleet run's hosts
 * share a run_id) and `rep` (rows of one window share it; it counts per workload, so a
 * window is also keyed by the workload of the set the caller keeps per group). A
 * window's observation is its energy per invocation: the summed `energy_j` of the
 * workload's warm rows over their number, which is the window's energy over its
 * invocations for a single run and, in a co-located window, the workload's share over its
 * invocations. Only `ok` warm windows enter headline figures; the others are counted by
 * why they were left out (enum windows_fate). The results are plain arrays, run by run,
 * for the intervals of stats.h.
 */
#ifndef JB_ANALYSIS_WINDOWS_H
#define JB_ANALYSIS_WINDOWS_H

#include <stddef.h>
#include <stdint.h>

#include "jb_err.h"
#include "results.h"

/* What became of a window. A window takes the first that applies, in this order. */
enum windows_fate {
	WINDOWS_OK,            /* warm, every row ok, an energy: it counts */
	WINDOWS_NOT_WARM,      /* no warm row of this workload: cold start, warmup, teardown */
	WINDOWS_METER_ERROR,   /* a row says meter-error, or the window has no energy */
	WINDOWS_UNTRUSTWORTHY, /* a row is untrustworthy (counter jump, too short a window...) */
	WINDOWS_FAILED,        /* a request failed (failed, error, timeout, crashed, oom) */
	WINDOWS_FATES
};

/** windows_fate_name() - "ok", "cold/warmup", "meter-error", "untrustworthy", "failed". */
const char *windows_fate_name(enum windows_fate f);

/* The values a window observation gives, per invocation. */
enum windows_value {
	WINDOWS_ENERGY,  /* energy_j per invocation */
	WINDOWS_DYNAMIC, /* dynamic_energy_j per invocation (minus idle) */
	WINDOWS_WALL,    /* wall_ns per invocation, in s (the kernel's mean time) */
	WINDOWS_VALUES
};

/* A run of the set: what analysis needs from its sidecar, where there was one. */
struct windows_run {
	char id[128], host[64];
	double idle_before_w, idle_after_w; /* NAN when unknown */
};

/* One window of one workload. Sums run over the workload's warm rows of the window. */
struct windows_obs {
	size_t run;            /* index into windows_set.run */
	uint64_t rep;
	size_t invocations;    /* warm rows of this workload in the window */
	size_t rows;           /* all its rows seen, any phase */
	uint64_t window_invocations; /* rows of the whole window (every workload), as written */
	double sum[WINDOWS_VALUES];
	double work_units;     /* summed over the warm rows */
	double window_energy_j, window_s; /* the whole window, for mean power */
	double idle_w;         /* the idle baseline its rows were computed with */
	unsigned warm : 1, meter_error : 1, untrustworthy : 1, failed : 1, no_energy : 1;
	unsigned cpu_split : 1; /* split by CPU share: a co-located window */
};

struct windows_set {
	struct windows_run *run;
	size_t n_runs, cap_runs;
	struct windows_obs *obs;
	size_t n, cap;
};

/** windows_add() - fold one row into its window of @s (a new one when its run_id, host
 * and rep were not seen last). Return: 0 or -ENOMEM. */
int windows_add(struct windows_set *s, const struct results_row *row);

/**
 * windows_run_idle() - record the idle baseline before and after run @id on @host (from
 * its sidecar), used to explain a negative dynamic energy. Return: 0 or -ENOMEM.
 */
int windows_run_idle(struct windows_set *s, const char *id, const char *host, double before_w,
		     double after_w);

/** windows_fate() - what became of window @w. */
enum windows_fate windows_fate(const struct windows_obs *w);

/** windows_per_inv() - value @v of window @w per invocation (NAN without invocations). */
double windows_per_inv(const struct windows_obs *w, enum windows_value v);

/**
 * windows_attributed() - 1 when @w's figure rests on attribution: its rows were split by
 * CPU share and the workload's warm rows are not the whole window (other workloads, a
 * cold start or a teardown shared it), so the figure is a model's share, not a meter's
 * reading alone.
 */
int windows_attributed(const struct windows_obs *w);

/* Counts of a set: the ok windows and runs, and the windows left out by why. */
struct windows_counts {
	size_t n_windows, n_runs, n_invocations;
	size_t excluded[WINDOWS_FATES]; /* excluded[WINDOWS_OK] is 0 */
	size_t n_excluded;              /* their sum */
	size_t n_attributed;            /* ok windows whose figure rests on attribution */
};

/** windows_count() - fill @c for @s. */
void windows_count(const struct windows_set *s, struct windows_counts *c);

/* The ok windows' values, run by run, as stats.h wants them. */
struct windows_sample {
	double *x;
	size_t *run_n;
	size_t n, n_runs;
};

/**
 * windows_sample() - value @v per invocation of every ok warm window of @s, grouped by run
 * (runs without an ok window left out); free with windows_sample_fini().
 * Return: 0 or -ENOMEM.
 */
int windows_sample(const struct windows_set *s, enum windows_value v, struct windows_sample *out);

void windows_sample_fini(struct windows_sample *w);

/**
 * windows_row_parse() - a row of strings as results_read() gives them into @row (strings
 * borrowed from @f; an empty F64 is NAN). Return: 0, -EINVAL for a number that does not
 * parse (@err names the column and value).
 */
int windows_row_parse(const char *const *f, struct results_row *row, struct jb_err *err);

/** windows_fini() - free what @s holds. */
void windows_fini(struct windows_set *s);

#endif
