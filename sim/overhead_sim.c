/* SPDX-License-Identifier: MIT */
/*
 * The overhead simulation's event core (overhead_sim.h). Functions are independent, so
 * each function's invocations are processed by its own pool, in start order (fed in
 * chunks of time by overhead.c), and their effect is folded into shared time bins;
 * nothing is allocated per event (pool storage grows by doubling and is reused). An arrival
 * takes the most recently freed warm instance (LIFO, so the oldest expire first), else
 * it is a cold start. An instance stays warm for keep_alive_s after it frees, and an
 * arrival exactly keep_alive_s after is still warm.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "overhead_sim.h"

/* Cell of quantity @q in bin @i: its part (k = 0) and its diff (k = 1) entry. Quantities
 * of one bin are adjacent, so the several quantities of one interval share cache lines;
 * with separate arrays, cache misses dominated a 100-million-invocation day.
 *
 * Cells are fixed-point integers: a part entry holds weight x (fraction of the bin
 * covered) x scale, a diff entry weight x scale, a count (SIM_*_COLD) count x scale. Each
 * add rounds once to 1/scale; the sums are then exact and associative, which is what
 * makes shards merged in any grouping bit-identical. Scales keep a day of a large fleet
 * far from INT64_MAX (9.2e18): MB weights at 2^16 allow 1e6 concurrent instances of
 * 1e4 MB (6.6e14), the others at 2^32 allow 1e6 instances (4.3e15). */
#define SIM_HUGE_PAGE (2u << 20)
#define CELL(b, i, q, k) ((b)->cell[((size_t)(i) * SIM_NQ + (size_t)(q)) * 2 + (k)])

static const double sim_scale[SIM_NQ] = {
	[SIM_SW_BUSY] = 4294967296.0, [SIM_SW_BUSY_MB] = 65536.0,
	[SIM_SW_BUSY_DOM] = 4294967296.0, [SIM_SW_WARM] = 4294967296.0,
	[SIM_SW_WARM_MB] = 65536.0, [SIM_SW_COLD] = 4294967296.0,
	[SIM_HW_BUSY] = 4294967296.0, [SIM_HW_WARM] = 4294967296.0,
	[SIM_HW_LIVE] = 4294967296.0, [SIM_HW_COLD] = 4294967296.0,
};

/* Round to the nearest integer (away from zero at .5): the one rounding of each add. */
static inline int64_t
fx(double v)
{
	return (int64_t)(v >= 0 ? v + 0.5 : v - 0.5);
}

int
sim_bins_init(struct sim_bins *b, double horizon_s, double width_s, int parts)
{
	size_t bytes;
	int q;

	memset(b, 0, sizeof(*b));
	b->width_s = width_s;
	b->inv_width = 1 / width_s;
	b->horizon_s = horizon_s;
	b->n = (size_t)ceil(horizon_s / width_s);
	if (!b->n)
		b->n = 1;
	bytes = (b->n + 1) * SIM_NQ * 2 * sizeof(int64_t);
	/* Huge pages where the kernel offers them on request: a day of 1 s bins spans
	 * 14 MB, and with 4 KiB pages the TLB misses cost half the simulation's time. */
	if (posix_memalign((void **)&b->cell, SIM_HUGE_PAGE, bytes))
		return -ENOMEM;
	(void)madvise(b->cell, bytes, MADV_HUGEPAGE);
	memset(b->cell, 0, bytes);
	for (q = 0; parts && q < SIM_NQ; q++)
		if (!(b->part[q] = calloc(b->n, sizeof(double)))) {
			sim_bins_fini(b);
			return -ENOMEM;
		}
	return 0;
}

void
sim_bins_fini(struct sim_bins *b)
{
	int q;

	for (q = 0; q < SIM_NQ; q++)
		free(b->part[q]);
	free(b->cell);
	memset(b, 0, sizeof(*b));
}

void
sim_bins_merge(struct sim_bins *dst, const struct sim_bins *src)
{
	size_t i, n = (dst->n + 1) * SIM_NQ * 2;

	for (i = 0; i < n; i++)
		dst->cell[i] += src->cell[i];
}

void
sim_bins_add(struct sim_bins *b, const int *q, const double *w, int nq, double a, double end)
{
	double x, y, fa, fb;
	size_t ia, ib;
	int k;

	a = a < 0 ? 0 : a;
	end = end > b->horizon_s ? b->horizon_s : end;
	if (end <= a)
		return;
	x = a * b->inv_width;
	y = end * b->inv_width;
	ia = (size_t)x;
	ib = (size_t)y;
	if (ia >= b->n)
		return;
	if (ia == ib) {
		for (k = 0; k < nq; k++)
			if (q[k] >= 0)
				CELL(b, ia, q[k], 0) += fx(w[k] * (y - x) * sim_scale[q[k]]);
		return;
	}
	fa = ia + 1 - x;
	fb = y - ib;
	for (k = 0; k < nq; k++) {
		double s;
		int64_t d;

		if (q[k] < 0)
			continue;
		s = w[k] * sim_scale[q[k]];
		d = fx(s);
		CELL(b, ia, q[k], 0) += fx(s * fa);
		if (ib < b->n)
			CELL(b, ib, q[k], 0) += fx(s * fb);
		CELL(b, ia + 1, q[k], 1) += d;
		CELL(b, ib < b->n ? ib : b->n, q[k], 1) -= d;
	}
}

void
sim_bins_count(struct sim_bins *b, int q, double t, double w)
{
	size_t i;

	if (q < 0 || t < 0 || t >= b->horizon_s)
		return;
	i = (size_t)(t * b->inv_width);
	CELL(b, i < b->n ? i : b->n - 1, q, 0) += fx(w * sim_scale[q]);
}

void
sim_bins_finish(struct sim_bins *b)
{
	int64_t run[SIM_NQ] = { 0 };
	size_t i;
	int q;

	for (i = 0; i < b->n; i++) {
		/* A wholly covered last bin may be shorter than width_s. */
		double len = fmin(b->width_s, b->horizon_s - i * b->width_s);

		for (q = 0; q < SIM_NQ; q++) {
			double c = (double)CELL(b, i, q, 0);

			run[q] += CELL(b, i, q, 1);
			if (q == SIM_SW_COLD || q == SIM_HW_COLD) /* counts, not integrals */
				b->part[q][i] = c / sim_scale[q];
			else
				b->part[q][i] = (c * b->width_s + (double)run[q] * len) / sim_scale[q];
		}
	}
}

static int
heap_push(struct sim_pool *p, double v)
{
	size_t i, up;

	if (p->nheap == p->capheap) {
		size_t cap = p->capheap ? 2 * p->capheap : 4;
		double *h = realloc(p->heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		p->heap = h, p->capheap = cap;
	}
	for (i = p->nheap++; i > 0 && p->heap[up = (i - 1) / 2] > v; i = up)
		p->heap[i] = p->heap[up];
	p->heap[i] = v;
	return 0;
}

static double
heap_pop(struct sim_pool *p)
{
	double top = p->heap[0], v = p->heap[--p->nheap];
	size_t i = 0, c;

	while ((c = 2 * i + 1) < p->nheap) {
		if (c + 1 < p->nheap && p->heap[c + 1] < p->heap[c])
			c++;
		if (p->heap[c] >= v)
			break;
		p->heap[i] = p->heap[c];
		i = c;
	}
	if (p->nheap)
		p->heap[i] = v;
	return top;
}

static int
dq_push_back(struct sim_pool *p, double v)
{
	if (p->ndq == p->capdq) {
		size_t cap = p->capdq ? 2 * p->capdq : 4, i;
		double *d = malloc(cap * sizeof(*d));

		if (!d)
			return -ENOMEM;
		for (i = 0; i < p->ndq; i++)
			d[i] = p->dq[(p->head + i) & (p->capdq - 1)];
		free(p->dq);
		p->dq = d, p->capdq = cap, p->head = 0;
	}
	p->dq[(p->head + p->ndq++) & (p->capdq - 1)] = v;
	return 0;
}

static void
warm(const struct sim_platform *pl, struct sim_bins *b, double a, double end)
{
	const int q[3] = { pl->q_warm, pl->q_warm_mb, pl->q_live };
	const double w[3] = { 1, pl->memory_mb, 1 };

	sim_bins_add(b, q, w, 3, a, end);
}

int
sim_pool_feed(struct sim_pool *p, const struct sim_platform *pl, struct sim_bins *b,
	      const struct trace_inv *inv, size_t n)
{
	const int qb[4] = { pl->q_busy, pl->q_busy_mb, pl->q_live, pl->q_busy_dom };
	const double wb[4] = { 1, pl->memory_mb, 1, pl->dom_share };
	double ka = pl->keep_alive_s;
	size_t i;

	for (i = 0; i < n; i++) {
		double t = inv[i].start_s, start = t, end, f;

		while (p->nheap && p->heap[0] <= t)
			if (dq_push_back(p, heap_pop(p)))
				return -ENOMEM;
		while (p->ndq && p->dq[p->head] + ka < t) { /* expired */
			f = p->dq[p->head];
			warm(pl, b, f, f + ka);
			p->head = (p->head + 1) & (p->capdq - 1);
			p->ndq--;
		}
		if (p->ndq) { /* warm start on the most recently freed instance */
			f = p->dq[(p->head + --p->ndq) & (p->capdq - 1)];
			warm(pl, b, f, t);
		} else {
			p->cold++;
			sim_bins_count(b, pl->q_cold, t, 1);
			sim_bins_add(b, &pl->q_live, wb + 2, 1, t, t + pl->boot_s);
			start = t + pl->boot_s;
		}
		end = start + inv[i].duration_s * pl->slowdown;
		sim_bins_add(b, qb, wb, 4, start, end);
		if (heap_push(p, end))
			return -ENOMEM;
	}
	return 0;
}

int
sim_pool_flush(struct sim_pool *p, const struct sim_platform *pl, struct sim_bins *b)
{
	double ka = pl->keep_alive_s;

	while (p->nheap)
		if (dq_push_back(p, heap_pop(p)))
			return -ENOMEM;
	for (; p->ndq; p->ndq--, p->head = (p->head + 1) & (p->capdq - 1))
		warm(pl, b, p->dq[p->head], p->dq[p->head] + ka);
	p->head = 0;
	return 0;
}

void
sim_pool_fini(struct sim_pool *p)
{
	free(p->heap);
	free(p->dq);
	memset(p, 0, sizeof(*p));
}
