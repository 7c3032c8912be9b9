/* SPDX-License-Identifier: MIT */
/*
 * Function invocation traces for the overhead simulation. A trace is a list of functions;
 * each holds either per-minute invocation counts with a duration percentile table (the
 * Azure Functions 2019 format, which the seeded generator also produces) or explicit
 * invocations (the Azure 2021 per-invocation format). trace_function_expand() turns one
 * function into invocations sorted by start time, into a buffer reused across functions,
 * so that simulating 100 million invocations allocates nothing per event.
 */
#ifndef JB_SIM_TRACE_H
#define JB_SIM_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "jb_err.h"
#include "params.h"

/* The percentiles of the 2019 duration files: 0, 1, 25, 50, 75, 99, 100. */
#define TRACE_N_PCT 7

struct trace_inv {
	double start_s, duration_s;
};

struct trace_function {
	char *name;              /* owned; "owner/app/function" or "app/func" */
	double memory_mb;        /* committed memory of an instance; NAN = not in the trace */
	uint32_t n_minutes;      /* minutes with invocations (sparse per-minute counts) */
	uint32_t *minute, *count;
	double pct_ms[TRACE_N_PCT]; /* duration percentiles, ms (per-minute counts only) */
	uint32_t n_days;         /* > 1: a multi-day trace with a table per day of 1440 min */
	double (*pct_day)[TRACE_N_PCT]; /* owned; n_days tables (NULL: pct_ms for all) */
	size_t n_inv;            /* explicit invocations, sorted by start (2021 format) */
	struct trace_inv *inv;
	uint64_t n_total;        /* invocations of this function */
};

struct trace {
	const char *kind;        /* "generated", "azure2019" or "azure2021" */
	double horizon_s;        /* the trace covers [0, horizon_s) */
	size_t n, cap;
	struct trace_function *fn;
	uint64_t n_invocations;
	size_t n_dropped;        /* functions left out by the reader (e.g. no durations) */
};

/* A growing buffer of invocations, reused from one function to the next. */
struct trace_buf {
	struct trace_inv *inv;
	size_t n, cap;
};

/** trace_pct_levels - the quantile levels of pct_ms[] (0 .. 1). */
extern const double trace_pct_levels[TRACE_N_PCT];

/** trace_add() - append an empty function named @name to @t. Return: it, or NULL (ENOMEM). */
struct trace_function *trace_add(struct trace *t, const char *name);

/** trace_fini() - free everything @t holds; @t may be zeroed or partly built. */
void trace_fini(struct trace *t);

/**
 * trace_limit() - keep only invocations that start within the first @hours (0 = all), then
 * a seeded random sample of @functions functions (0 = all; order kept, gsl_ran_choose).
 * Return: 0 or -ENOMEM.
 */
int trace_limit(struct trace *t, double hours, size_t functions, unsigned long seed,
		struct jb_err *err);

/**
 * trace_function_expand() - invocations of function @f into @buf (replacing its contents),
 * sorted by start. Per-minute counts become arrivals uniform within their minute (sorted
 * via exponential spacings) and durations drawn from the percentile table by linear
 * interpolation, at least 1 ms (the rules of dslab-faas, research/workloads.md 2.5).
 * Return: 0 or -ENOMEM.
 */
int trace_function_expand(const struct trace_function *f, gsl_rng *rng, struct trace_buf *buf,
			  struct jb_err *err);

/* Where the expansion of one function has got to, for trace_function_expand_until(). */
struct trace_cursor {
	uint32_t minute;   /* next index into minute[] */
	size_t inv;        /* next index into inv[] */
};

/**
 * trace_function_expand_until() - as trace_function_expand(), but only the minutes (or
 * explicit invocations) that start before @until_s, from where @cur points; advances
 * @cur. Successive calls with growing @until_s yield the whole function in start order.
 * Return: 0 or -ENOMEM.
 */
int trace_function_expand_until(const struct trace_function *f, gsl_rng *rng,
				struct trace_cursor *cur, double until_s, struct trace_buf *buf,
				struct jb_err *err);

/** trace_buf_fini() - free @buf's storage. */
void trace_buf_fini(struct trace_buf *buf);

/**
 * trace_gen_create() - the default trace: p->v[PARAMS_gen_functions] functions over
 * @hours (<= 24; 0 = 24) with rates lognormal over orders of magnitude, a daily sine
 * pattern, Poisson counts per minute and lognormal (heavy-tailed) durations, all from the
 * gen_* parameters and GSL's generators seeded with @seed. Return: 0 or -ENOMEM.
 */
int trace_gen_create(struct trace *t, const struct params *p, double hours,
		     unsigned long seed, struct jb_err *err);

/**
 * trace_azure2019_read() - read an Azure Functions 2019 day: @invocations
 * (invocations_per_function_md.anon.dNN.csv), @durations
 * (function_durations_percentiles.anon.dNN.csv) and optionally @memory
 * (app_memory_percentiles.anon.dNN.csv, may be NULL). Functions without a duration row are
 * dropped (counted in n_dropped). Return: 0, -EINVAL for a malformed file (@err names the
 * file, line and column), -errno when a file cannot be read, -ENOMEM.
 */
int trace_azure2019_read(struct trace *t, const char *invocations, const char *durations,
			 const char *memory, struct jb_err *err);

/**
 * trace_azure2019_read_days() - read @n days of the 2019 trace as one trace: day d's files
 * are @invocations[d], @durations[d] and @memory[d] (@memory or an entry may be NULL: the
 * published memory files cover days 1..12 only). Day d starts after the minutes of the
 * days before it. A function keeps its instances across midnight; each day's invocations
 * draw durations from that day's percentiles (a day without a durations row borrows the
 * nearest day's); a function with no durations row on any day is dropped. The memory is
 * the mean over the days that have a row; the 12-column file (per app) and a 13-column
 * variant with a HashFunction column (per function) are both read. Return: as
 * trace_azure2019_read().
 */
int trace_azure2019_read_days(struct trace *t, const char *const *invocations,
			      const char *const *durations, const char *const *memory, size_t n,
			      struct jb_err *err);

/**
 * trace_azure2019_dir() - every day found in directory @dir, in day order:
 * invocations_per_function_md.anon.dNN.csv with function_durations_percentiles.anon.dNN.csv
 * (required) and app_memory_percentiles.anon.dNN.csv (optional), NN = 01..99. Return: as
 * trace_azure2019_read_days(), -ENOENT when no day is found or a durations file is missing.
 */
int trace_azure2019_dir(struct trace *t, const char *dir, struct jb_err *err);

/**
 * trace_azure2021_read() - read the Azure Functions 2021 per-invocation file (header
 * app,func,end_timestamp,duration; seconds). Start = end - duration; time 0 is the
 * earliest start. Return: as trace_azure2019_read().
 */
int trace_azure2021_read(struct trace *t, const char *path, struct jb_err *err);

#endif
