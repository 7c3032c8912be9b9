/* SPDX-License-Identifier: MIT */
/*
 * Rows (DESIGN §4 steps 3-4, §5): what a scheduler records of each request (an invocation,
 * a cold start, a teardown, a start that failed) and how one metered window becomes one
 * results row per record. How the window's energy is divided is data, a struct
 * rows_policy: the name written to the energy_method column and the quantity the shares
 * follow (the whole window, the round-trip times, the CPU times). Under a CPU-time split a
 * record without a CPU time has no share, and the window is flagged: the other rows'
 * shares would otherwise silently take its energy. A CPU-time split is a model, so its
 * rows' uncertainty adds the model's (rows_attribution_uncertainty()).
 */
#ifndef JB_PROTOCOL_ROWS_H
#define JB_PROTOCOL_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "jb_err.h"
#include "jb_proto.h"
#include "results.h"
#include "window.h"
#include "workload.h"

enum rows_split_by {
	ROWS_SPLIT_WHOLE,      /* one record: all of the window */
	ROWS_SPLIT_ROUND_TRIP, /* by each request's round trip seen by the runner */
	ROWS_SPLIT_CPU,        /* by each request's CPU time */
};

struct rows_policy {
	const char *method;    /* the energy_method column */
	enum rows_split_by by;
};

/* The policies of the protocol, one place (results/README.md documents the names). */
extern const struct rows_policy rows_split_round_trip;   /* single instance, warm */
extern const struct rows_policy rows_split_cgroup_cpu;   /* co-located containers */
extern const struct rows_policy rows_split_process_cpu;  /* co-located processes */
extern const struct rows_policy rows_split_runner_cpu;   /* no driver CPU time: the runner's */
extern const struct rows_policy rows_cold_start;         /* start plus first invocation */
extern const struct rows_policy rows_teardown;           /* stopping an instance */

enum rows_kind { ROWS_INVOKE, ROWS_COLD, ROWS_TEARDOWN, ROWS_START_FAILED };

/* One request as a scheduler saw it. */
struct rows_record {
	enum rows_kind kind;
	const struct workload_desc *wl;
	unsigned instance;
	int core;
	struct jb_fn_result res;   /* the reply (invocations and cold starts) */
	uint64_t start_unix_ns;
	uint64_t rt_ns;            /* round trip seen by the runner */
	uint64_t wall_ns;          /* the wall_ns column */
	uint64_t cpu_ns;           /* the cpu_ns column and the CPU-time share */
	int cpu_ok;                /* cpu_ns was measured */
	int rc;                    /* the driver's return: 0, -ETIMEDOUT, -EPIPE, ... */
	char err[256];             /* the driver's message, or the teardown's note */
};

/* What every row of a run shares. */
struct rows_base {
	const char *run_id, *host, *arch, *driver, *isolation, *meter, *meter_kind, *domain;
	const char *scope; /* the selected domains' scope (struct meter's) */
	const char *size;
	uint64_t seed;
	unsigned concurrency;
	double idle_w;
};

/* A run of records (one instance's, in co-location). */
struct rows_batch {
	const struct rows_record *rec;
	size_t n;
};

typedef int (*rows_emit_fn)(void *arg, const struct results_row *row, struct jb_err *err);

/**
 * rows_shares_check() - under a CPU-time @policy, flag @w when a request (not a teardown)
 * of the window has no CPU time, saying how many. Called by rows_window_write(); public
 * for the tests.
 */
void rows_shares_check(struct window *w, const struct rows_policy *policy,
		       const struct rows_batch *b, size_t n_batch);

/**
 * rows_share() - the fraction of the window's energy that @v takes under @policy, given
 * the window's records: 1 (whole), its round trip over their sum, or its CPU time over
 * their sum (NaN without a CPU time, and for a teardown).
 */
double rows_share(const struct rows_policy *policy, const struct rows_record *v,
		  const struct rows_batch *b, size_t n_batch);

/**
 * rows_attribution_uncertainty() - the attribution model's own uncertainty of @v's energy
 * under @policy, in joules, for a window of @window_energy_j: 0 unless the policy splits by
 * CPU time; then |CPU-time share - equal share| x the window's energy, the equal share
 * being 1 / the records that take a share (results/README.md derives this bound: any
 * split between "energy follows CPU time" and "every request costs alike" lies between
 * the two). NaN where @v has no share.
 */
double rows_attribution_uncertainty(const struct rows_policy *policy,
				    const struct rows_record *v, const struct rows_batch *b,
				    size_t n_batch, double window_energy_j);

/**
 * rows_window_write() - one row per record of @b for the checked window @w, in order,
 * numbered from *@invocation (advanced), window index @rep, @phase for invocations ("cold"
 * and "teardown" for the others). A record that is ok takes the window's status and
 * reasons. Each row goes to @emit.
 * Return: 0 or the first error of @emit.
 */
int rows_window_write(const struct rows_base *base, struct window *w,
		      const struct rows_policy *policy, const char *phase,
		      const struct rows_batch *b, size_t n_batch, uint64_t rep,
		      uint64_t *invocation, rows_emit_fn emit, void *arg, struct jb_err *err);

/** rows_row_init() - a row of @base with no energy (NaN), status ok, for @wl. */
void rows_row_init(const struct rows_base *base, const struct workload_desc *wl,
		   struct results_row *row, const char *phase);

#endif
