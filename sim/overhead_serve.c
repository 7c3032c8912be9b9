/* SPDX-License-Identifier: MIT */
/*
 * Pass 1 of the overhead model (overhead_sim.h, overhead_serve()): every tenant (a
 * function, or a load_scale copy of it) served on both platforms, in parallel. Each tenant
 * draws from its own random stream seeded from (seed, tenant); threads claim tenants per
 * hour of trace and write into private fixed-point bins, merged exactly in thread order,
 * so the result is bit-identical for any thread count.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "overhead.h"
#include "overhead_sim.h"

/* One tenant: a function, or one load_scale copy of it, with its own random stream (a
 * small taus2 state, saved between chunks), its place in the expansion and its instance
 * pools on both platforms, kept from one chunk of time to the next. */
struct tenant {
	size_t fn;
	struct trace_cursor cur;
	struct sim_pool sw, hw;
};

/* Chunks of time: a thread advances all its tenants through one hour before any goes
 * further, so the bins being written (3600 one-second bins of SIM_NQ quantities) stay in a
 * core's cache. Serving a whole function at a time sweeps all bins (14 MB for a day of
 * 1 s bins) once per function, and that memory traffic dominated. The chunk is fixed, not
 * derived from bin_s; the draws do not depend on it anyway (each tenant has its stream). */
#define OVERHEAD_CHUNK_S 3600.0

/* splitmix64 (Steele, Lea, Flood, OOPSLA 2014): a well-mixed 64-bit seed per tenant from
 * (seed, tenant), so that neighbouring tenants' streams are unrelated. */
static uint64_t
mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static int
tenants_make(const struct trace *t, const struct params *p, unsigned long seed,
	     struct tenant **out, size_t *n_out)
{
	double ls = p->v[PARAMS_load_scale];
	size_t i, n = 0, cap = t->n + 1;
	struct tenant *v = calloc(cap, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (i = 0; i < t->n; i++) {
		unsigned long c, copies = (unsigned long)ls;
		/* 53 random bits of (seed, function): a uniform on [0, 1). */
		double u = (mix64(mix64(seed) ^ (i + 1) * 0xd1b54a32d192ed03ULL) >> 11) * 0x1p-53;

		/* load_scale: independent copies of the function; the fractional part is one
		 * more copy with that probability. Each copy is expanded afresh. */
		if (ls > copies && u < ls - copies)
			copies++;
		for (c = 0; c < copies; c++) {
			if (n == cap) {
				struct tenant *w = realloc(v, 2 * cap * sizeof(*v));

				if (!w) {
					free(v);
					return -ENOMEM;
				}
				memset(w + cap, 0, cap * sizeof(*v));
				v = w, cap *= 2;
			}
			v[n++].fn = i;
		}
	}
	*out = v;
	*n_out = n;
	return 0;
}

/* A barrier whose count can shrink: when a thread cannot be started, the others must not
 * wait for it (pthread_barrier_t's count is fixed). */
struct gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned n, waiting;
	unsigned long gen;
};

static void
gate_wait(struct gate *g)
{
	unsigned long gen;

	pthread_mutex_lock(&g->mu);
	gen = g->gen;
	if (++g->waiting >= g->n) {
		g->waiting = 0;
		g->gen++;
		pthread_cond_broadcast(&g->cv);
	} else {
		while (gen == g->gen)
			pthread_cond_wait(&g->cv, &g->mu);
	}
	pthread_mutex_unlock(&g->mu);
}

static void
gate_shrink(struct gate *g, unsigned n)
{
	pthread_mutex_lock(&g->mu);
	g->n = n;
	if (g->waiting && g->waiting >= n) {
		g->waiting = 0;
		g->gen++;
		pthread_cond_broadcast(&g->cv);
	}
	pthread_mutex_unlock(&g->mu);
}

/* What all threads share, read-only but for their own tenants. */
struct serve_ctx {
	const struct trace *t;
	const struct params *p;
	unsigned long seed;
	struct tenant *ten;
	unsigned char *rng_state;  /* n x rng_size: each tenant's saved stream */
	size_t n, rng_size;
	size_t *order;             /* tenants, most invocations first */
	atomic_size_t *next;       /* per chunk of time (and the flush): next in order[] */
	size_t n_chunks;
	struct gate chunk_done;
	atomic_int failed;
	unsigned threads;
	double horizon_s;
};

/* One thread: whichever tenants it claims, chunk by chunk of time, into its own bins. */
struct serve_shard {
	struct serve_ctx *ctx;
	unsigned id;
	struct sim_bins bins;
	uint64_t invocations;
	int rc;
	struct jb_err err;
};

static void
platforms_make(const struct params *p, struct sim_platform *sw, struct sim_platform *hw)
{
	*sw = (struct sim_platform){
		.keep_alive_s = p->v[PARAMS_keep_alive_s], .slowdown = 1,
		.q_busy = SIM_SW_BUSY, .q_busy_mb = SIM_SW_BUSY_MB, .q_busy_dom = SIM_SW_BUSY_DOM,
		.q_warm = SIM_SW_WARM, .q_warm_mb = SIM_SW_WARM_MB, .q_live = -1,
		.q_cold = SIM_SW_COLD,
	};
	*hw = (struct sim_platform){
		.keep_alive_s = p->v[PARAMS_board_keep_alive_s], .boot_s = p->v[PARAMS_board_boot_s],
		.slowdown = p->v[PARAMS_board_slowdown], .q_busy = SIM_HW_BUSY, .q_busy_mb = -1,
		.q_busy_dom = -1, .q_warm = SIM_HW_WARM, .q_warm_mb = -1, .q_live = SIM_HW_LIVE,
		.q_cold = SIM_HW_COLD,
	};
}

/* The software platform's weights for function @f: its memory and its dominant share of a
 * server (the larger of one core and its memory; DESIGN 6, docs/overhead.md). */
static void
sw_weights(const struct params *p, const struct trace_function *f, struct sim_platform *sw)
{
	sw->memory_mb = isfinite(f->memory_mb) && f->memory_mb > 0 ? f->memory_mb
								     : p->v[PARAMS_instance_memory_mb];
	sw->dom_share = fmax(1 / p->v[PARAMS_server_cores],
			     sw->memory_mb / p->v[PARAMS_server_memory_mb]);
}

/* Serve tenant @i's invocations before @until, on thread @sh. */
static void
tenant_serve(struct serve_shard *sh, size_t i, double until, gsl_rng *rng,
	     struct trace_buf *buf, struct sim_platform *sw, const struct sim_platform *hw)
{
	struct serve_ctx *c = sh->ctx;
	struct tenant *tn = &c->ten[i];
	const struct trace_function *f = &c->t->fn[tn->fn];
	unsigned char *st = c->rng_state + i * c->rng_size;

	memcpy(gsl_rng_state(rng), st, c->rng_size);
	sh->rc = trace_function_expand_until(f, rng, &tn->cur, until, buf, &sh->err);
	memcpy(st, gsl_rng_state(rng), c->rng_size);
	if (sh->rc || !buf->n)
		return;
	sw_weights(c->p, f, sw);
	sh->invocations += buf->n;
	if (sim_pool_feed(&tn->sw, sw, &sh->bins, buf->inv, buf->n) ||
	    sim_pool_feed(&tn->hw, hw, &sh->bins, buf->inv, buf->n))
		sh->rc = jb_err_set(&sh->err, -ENOMEM, "out of memory simulating %s", f->name);
}

/* Tenants are claimed from a shared counter per chunk of time, heaviest first, so that
 * a few busy functions (rates span 8 orders of magnitude) do not leave threads idle; a
 * barrier ends each chunk, because a tenant's next chunk must follow its last. Which
 * thread serves a tenant changes nothing: its stream is its own and the bins' sums are
 * exact. Every thread passes every barrier, also after an error. */
static void *
serve_shard_run(void *arg)
{
	struct serve_shard *sh = arg;
	struct serve_ctx *c = sh->ctx;
	struct sim_platform sw, hw;
	struct trace_buf buf = { 0 };
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_taus2);
	double until;
	size_t k, i;

	platforms_make(c->p, &sw, &hw);
	if (!rng) {
		sh->rc = jb_err_set(&sh->err, -ENOMEM, "out of memory");
		atomic_store(&c->failed, 1);
	}
	for (k = 0; k < c->n_chunks; k++) {
		/* The last chunk takes everything left, also starts at or past the horizon. */
		until = k + 1 == c->n_chunks ? INFINITY : (k + 1) * OVERHEAD_CHUNK_S;
		while (!atomic_load(&c->failed) && (i = atomic_fetch_add(&c->next[k], 1)) < c->n) {
			tenant_serve(sh, c->order[i], until, rng, &buf, &sw, &hw);
			if (sh->rc)
				atomic_store(&c->failed, 1);
		}
		if (c->threads > 1)
			gate_wait(&c->chunk_done);
	}
	while (!atomic_load(&c->failed) && (i = atomic_fetch_add(&c->next[k], 1)) < c->n) {
		struct tenant *tn = &c->ten[c->order[i]];

		sw_weights(c->p, &c->t->fn[tn->fn], &sw);
		if (sim_pool_flush(&tn->sw, &sw, &sh->bins) || sim_pool_flush(&tn->hw, &hw, &sh->bins)) {
			sh->rc = jb_err_set(&sh->err, -ENOMEM, "out of memory");
			atomic_store(&c->failed, 1);
		}
	}
	trace_buf_fini(&buf);
	if (rng)
		gsl_rng_free(rng);
	return NULL;
}

/* Heaviest first: more invocations before fewer; ties by index, so the order is fixed.
 * (Keys are copied out: qsort has no context argument, and sweeps run concurrently.) */
struct order_key {
	uint64_t n;
	size_t i;
};

static int
order_cmp(const void *a, const void *b)
{
	const struct order_key *x = a, *y = b;

	return x->n != y->n ? (x->n < y->n) - (x->n > y->n) : (x->i > y->i) - (x->i < y->i);
}

static int
order_make(const struct trace *t, const struct tenant *ten, size_t n, size_t *order)
{
	struct order_key *k = malloc((n + 1) * sizeof(*k));
	size_t i;

	if (!k)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		k[i] = (struct order_key){ t->fn[ten[i].fn].n_total, i };
	if (n)
		qsort(k, n, sizeof(*k), order_cmp);
	for (i = 0; i < n; i++)
		order[i] = k[i].i;
	free(k);
	return 0;
}

int
overhead_serve(const struct trace *t, const struct params *p, unsigned long seed, unsigned threads,
	  struct sim_bins *b, struct overhead_result *out, struct jb_err *err)
{
	struct serve_ctx c = { .t = t, .p = p, .seed = seed, .horizon_s = b->horizon_s,
			       .chunk_done = { .mu = PTHREAD_MUTEX_INITIALIZER,
					       .cv = PTHREAD_COND_INITIALIZER } };
	struct serve_shard *sh = NULL;
	pthread_t *tid = NULL;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_taus2);
	unsigned k, started = 0;
	size_t i;
	int rc = 0;

	if (!rng || tenants_make(t, p, seed, &c.ten, &c.n)) {
		rc = jb_err_set(err, -ENOMEM, "out of memory for %zu functions", t->n);
		goto out;
	}
	c.threads = threads ? threads : 1;
	if (c.threads > c.n)
		c.threads = c.n ? (unsigned)c.n : 1;
	c.rng_size = gsl_rng_size(rng);
	c.rng_state = malloc(c.n * c.rng_size + 1);
	c.n_chunks = (size_t)ceil(b->horizon_s / OVERHEAD_CHUNK_S);
	c.n_chunks = c.n_chunks ? c.n_chunks : 1;
	c.next = calloc(c.n_chunks + 1, sizeof(*c.next));
	c.order = malloc((c.n + 1) * sizeof(*c.order));
	c.chunk_done.n = c.threads;
	sh = calloc(c.threads, sizeof(*sh));
	tid = calloc(c.threads, sizeof(*tid));
	if (!c.rng_state || !c.next || !c.order || !sh || !tid) {
		rc = jb_err_set(err, -ENOMEM, "out of memory for %zu tenants", c.n);
		goto out;
	}
	for (i = 0; i <= c.n_chunks; i++)
		atomic_init(&c.next[i], 0);
	atomic_init(&c.failed, 0);
	if (order_make(t, c.ten, c.n, c.order)) {
		rc = jb_err_set(err, -ENOMEM, "out of memory for %zu tenants", c.n);
		goto out;
	}
	for (i = 0; i < c.n; i++) { /* each tenant's stream, seeded from (seed, tenant) */
		gsl_rng_set(rng, (unsigned long)mix64(mix64(seed) + i));
		memcpy(c.rng_state + i * c.rng_size, gsl_rng_state(rng), c.rng_size);
	}
	for (k = 0; k < c.threads; k++) {
		sh[k].ctx = &c;
		sh[k].id = k;
		/* Shard 0 writes straight into @b; the others into their own cells. */
		if (k && sim_bins_init(&sh[k].bins, b->horizon_s, b->width_s, 0)) {
			rc = jb_err_set(err, -ENOMEM, "out of memory for the bins of %u threads",
					c.threads);
			goto join;
		}
		if (!k)
			sh[0].bins = *b;
	}
	for (k = 1; k < c.threads; k++) {
		if ((rc = pthread_create(&tid[k], NULL, serve_shard_run, &sh[k]))) {
			rc = jb_err_set(err, -rc, "cannot start thread %u: %s", k, strerror(rc));
			/* The started ones stop claiming work and pass the chunks' gates. */
			atomic_store(&c.failed, 1);
			gate_shrink(&c.chunk_done, k);
			break;
		}
		started = k;
	}
	serve_shard_run(&sh[0]);
join:
	for (k = 1; k <= started; k++)
		pthread_join(tid[k], NULL);
	for (k = 0; k < c.threads && sh; k++) {
		if (!rc && sh[k].rc)
			rc = jb_err_set(err, sh[k].rc, "%s", sh[k].err.msg);
		out->invocations += sh[k].invocations;
		if (k && sh[k].bins.cell) {
			sim_bins_merge(b, &sh[k].bins);
			sim_bins_fini(&sh[k].bins);
		}
	}
	for (i = 0; i < c.n; i++) {
		out->p[OVERHEAD_SW].cold_starts += c.ten[i].sw.cold;
		out->p[OVERHEAD_HW].cold_starts += c.ten[i].hw.cold;
		sim_pool_fini(&c.ten[i].sw);
		sim_pool_fini(&c.ten[i].hw);
	}
out:
	free(sh);
	free(tid);
	free(c.next);
	free(c.order);
	free(c.ten);
	free(c.rng_state);
	if (rng)
		gsl_rng_free(rng);
	return rc;
}
