/* SPDX-License-Identifier: MIT */
/*
 * Module-private to sim/: the event-processing core of the overhead simulation.
 * Time bins accumulate piecewise-constant quantities exactly (the integral over each bin)
 * in O(1) per interval, with a difference array for whole bins; the instance pool serves
 * one function's invocations with a min-heap of busy instances and a deque of warm ones.
 */
#ifndef JB_SIM_OVERHEAD_SIM_H
#define JB_SIM_OVERHEAD_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "jb_err.h"
#include "params.h"
#include "trace.h"

struct overhead_result;

/* The quantities accumulated per bin: instance-seconds (or MB-seconds, or server-seconds
 * of an instance's dominant share) and counts (SIM_*_COLD). */
enum sim_q {
	SIM_SW_BUSY, SIM_SW_BUSY_MB, SIM_SW_BUSY_DOM, SIM_SW_WARM, SIM_SW_WARM_MB, SIM_SW_COLD,
	SIM_HW_BUSY, SIM_HW_WARM, SIM_HW_LIVE, SIM_HW_COLD,
	SIM_NQ
};

/* Time bins. The cells are fixed-point integers (see overhead_sim.c): integer sums do not
 * depend on their order, so shards of tenants filled by different threads and merged
 * give bit-identical totals for any thread count. */
struct sim_bins {
	size_t n;                /* bins */
	double width_s, horizon_s, inv_width;
	int64_t *cell;           /* (n + 1) x SIM_NQ x {part, diff}: see overhead_sim.c */
	double *part[SIM_NQ];    /* per-bin integrals, filled by sim_bins_finish() */
};

/* One platform's instance rules, and which quantities it feeds (-1 = none). dom_share is
 * a busy instance's share of a server: the larger of 1/cores and memory/server memory. */
struct sim_platform {
	double keep_alive_s, boot_s, slowdown, memory_mb, dom_share;
	int q_busy, q_busy_mb, q_busy_dom, q_warm, q_warm_mb, q_live, q_cold;
};

/* Reused storage of the instance pool; grows, never shrinks, freed by sim_pool_fini(). */
struct sim_pool {
	double *heap;            /* free_at of busy instances, min-heap */
	size_t nheap, capheap;
	double *dq;              /* free_at of warm instances, ring buffer sorted ascending;
				  * its capacity is a power of two, so indices wrap with a mask */
	size_t head, ndq, capdq;
	uint64_t cold;
};

/* @parts: also allocate part[] (the merged bins); a shard needs only the cells. */
int sim_bins_init(struct sim_bins *b, double horizon_s, double width_s, int parts);
void sim_bins_fini(struct sim_bins *b);
/* Add @src's cells to @dst's (same geometry). Exact: the cells are integers. */
void sim_bins_merge(struct sim_bins *dst, const struct sim_bins *src);
/* Add w[k] on [a, end) (clipped to the horizon) to quantity q[k] (skipped when < 0), for
 * k < nq: one interval feeds several quantities at the cost of one. */
void sim_bins_add(struct sim_bins *b, const int *q, const double *w, int nq, double a,
		  double end);
/* Add @w to quantity @q in the bin holding time @t (if inside the horizon). */
void sim_bins_count(struct sim_bins *b, int q, double t, double w);
/* Fill part[q] with every quantity's per-bin integral (call once, after all adds). */
void sim_bins_finish(struct sim_bins *b);

/* Serve @n invocations (sorted by start, after any fed before) with platform @pl's
 * rules, keeping the pool's instances for the next call. 0 or -ENOMEM. */
int sim_pool_feed(struct sim_pool *pool, const struct sim_platform *pl, struct sim_bins *b,
		  const struct trace_inv *inv, size_t n);
/* End of the trace: every instance frees, then stays warm for its keep-alive. 0 or -ENOMEM. */
int sim_pool_flush(struct sim_pool *pool, const struct sim_platform *pl, struct sim_bins *b);
void sim_pool_fini(struct sim_pool *pool);

/* Pass 1 of the model: every tenant of @t under @p on both platforms into @b (whose
 * part[] is filled later by sim_bins_finish()), on @threads threads (overhead_serve.c);
 * adds the invocations and cold starts to @out. 0, -ENOMEM or -errno (@err says). */
int overhead_serve(const struct trace *t, const struct params *p, unsigned long seed,
		   unsigned threads, struct sim_bins *b, struct overhead_result *out,
		   struct jb_err *err);

#endif
