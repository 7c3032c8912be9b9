/* SPDX-License-Identifier: MIT */
/*
 * The overhead model (overhead.h). Pass 1 serves every tenant's invocations on both
 * platforms (overhead_sim.c) into time bins, one hour of all tenants at a time, sharded
 * by tenant over threads with private bins merged exactly. Pass 2 sizes the fleet (servers for the peak
 * memory or core demand plus headroom, per interval or for the whole trace; boards for
 * the peak of boards on plus headroom) and turns the bins into energy. Each part of the
 * breakdown is computed on its own and the total independently from the hardware's power
 * draw, so that conservation (total = useful + overhead parts) is a real check.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>
#include <stdatomic.h>

#include <gsl/gsl_rng.h>

#include "overhead.h"
#include "overhead_sim.h"

static const char *const part_names[OVERHEAD_N_PARTS] = {
	"useful", "idle", "overprovisioned", "keepalive", "coldstart", "isolation",
};

const char *
overhead_part_name(unsigned part)
{
	return part < OVERHEAD_N_PARTS ? part_names[part] : NULL;
}

const char *
overhead_accounting_name(unsigned acc)
{
	return acc == OVERHEAD_ACC_PAPER ? "paper" : acc == OVERHEAD_ACC_STRICT ? "strict" : NULL;
}

const char *
overhead_platform_name(unsigned platform)
{
	return platform == OVERHEAD_SW ? "software" : platform == OVERHEAD_HW ? "hardware" : NULL;
}

static int
check_params(const struct params *p, struct jb_err *err)
{
	if (p->v[PARAMS_server_loaded_w] < p->v[PARAMS_server_idle_w])
		return jb_err_set(err, -EINVAL, "server_loaded_w (%g) is below server_idle_w (%g)",
				  p->v[PARAMS_server_loaded_w], p->v[PARAMS_server_idle_w]);
	if (p->v[PARAMS_board_active_w] < p->v[PARAMS_board_idle_w])
		return jb_err_set(err, -EINVAL, "board_active_w (%g) is below board_idle_w (%g)",
				  p->v[PARAMS_board_active_w], p->v[PARAMS_board_idle_w]);
	return 0;
}

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

/* Pass 1: every tenant on both platforms, sharded by tenant over @threads threads, each
 * into its own bins; the shards are then merged into @b in shard order. */
static int
serve_all(const struct trace *t, const struct params *p, unsigned long seed, unsigned threads,
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

/* Servers on in each bin: the window's peak demand x (1 + headroom), at least one. */
static void
servers_size(const struct sim_bins *b, const struct params *p, double *on)
{
	double mem = p->v[PARAMS_server_memory_mb], cores = p->v[PARAMS_server_cores];
	double h = p->v[PARAMS_headroom_frac], iv = p->v[PARAMS_server_scale_interval_s];
	size_t w = iv > 0 ? (size_t)ceil(iv / b->width_s) : b->n, i, j;

	for (i = 0; i < b->n; i++) {
		double len = fmin(b->width_s, b->horizon_s - i * b->width_s);
		double live_mb = b->part[SIM_SW_BUSY_MB][i] + b->part[SIM_SW_WARM_MB][i];

		on[i] = fmax(live_mb / (mem * len), b->part[SIM_SW_BUSY][i] / (cores * len));
	}
	for (i = 0; i < b->n; i += w) {
		double peak = 0;
		size_t end = i + w < b->n ? i + w : b->n;

		for (j = i; j < end; j++)
			peak = fmax(peak, on[j]);
		/* 1e-9 keeps an exact fit (e.g. 2.0 x 1.0) from rounding up to 3. */
		peak = fmax(1, ceil(peak * (1 + h) - 1e-9));
		for (j = i; j < end; j++)
			on[j] = peak;
	}
}

static double *
series_at(struct overhead_result *r, unsigned plat, size_t i)
{
	return r->series + ((size_t)plat * r->n_steps + i) * OVERHEAD_SERIES_WIDTH;
}

/* Pass 2: energy of every bin, into totals and the time series. The parts are computed
 * under the strict accounting (IDLE = the static power under running invocations); the
 * paper's accounting moves IDLE into USEFUL. */
static void
account(struct sim_bins *b, const struct params *p, const double *on,
	struct overhead_result *r)
{
	const double *const *q = (const double *const *)b->part;
	double dyn_w = (p->v[PARAMS_server_loaded_w] - p->v[PARAMS_server_idle_w]) /
		       p->v[PARAMS_server_cores];
	double iso = p->v[PARAMS_isolation_frac], biso = p->v[PARAMS_board_isolation_frac];
	double bidle = p->v[PARAMS_board_idle_w], boff = p->v[PARAMS_board_off_w];
	double bdyn = p->v[PARAMS_board_active_w] - bidle, boards = 0;
	int paper = p->v[PARAMS_static_is_useful] != 0;
	int mem_only = p->v[PARAMS_static_share_memory_only] != 0;
	struct overhead_platform_result *sw = &r->p[OVERHEAD_SW], *hw = &r->p[OVERHEAD_HW];
	size_t i;
	unsigned k;

	for (i = 0; i < b->n; i++) {
		double len = fmin(b->width_s, b->horizon_s - i * b->width_s);

		boards = fmax(boards, q[SIM_HW_LIVE][i] / len);
		sw->units_peak = fmax(sw->units_peak, on[i]);
	}
	boards = fmax(1, ceil(boards * (1 + p->v[PARAMS_headroom_frac]) - 1e-9));
	hw->units_peak = boards;
	for (i = 0; i < b->n; i++) {
		double len = fmin(b->width_s, b->horizon_s - i * b->width_s);
		double st = on[i] * p->v[PARAMS_server_idle_w] * len;
		double cap = on[i] * p->v[PARAMS_server_memory_mb] * len;
		/* The running instances' share of the servers: of the scarcer resource per
		 * instance (dominant share), or of memory only; warm ones hold memory only. */
		double fb = mem_only ? q[SIM_SW_BUSY_MB][i] / cap
				     : q[SIM_SW_BUSY_DOM][i] / (on[i] * len);
		double fw, e[OVERHEAD_N_PLATFORMS][OVERHEAD_N_PARTS], tot[OVERHEAD_N_PLATFORMS];
		double u = q[SIM_SW_BUSY][i] * dyn_w, bu = q[SIM_HW_BUSY][i] * bdyn;
		double kw = q[SIM_SW_WARM][i] * p->v[PARAMS_instance_idle_w];
		double cs = q[SIM_SW_COLD][i] * p->v[PARAMS_container_create_j];
		double boots = q[SIM_HW_COLD][i] * p->v[PARAMS_board_boot_j];
		double off = boards * len - q[SIM_HW_LIVE][i];

		/* A server sized by cores can be full of running instances while its memory
		 * holds warm ones too: shares are capped so the parts stay >= 0. */
		fb = fmin(fb, 1);
		fw = fmin(q[SIM_SW_WARM_MB][i] / cap, 1 - fb);
		e[OVERHEAD_SW][OVERHEAD_USEFUL] = u;
		e[OVERHEAD_SW][OVERHEAD_IDLE] = st * fb;
		e[OVERHEAD_SW][OVERHEAD_OVERPROV] = st * (1 - fb - fw);
		e[OVERHEAD_SW][OVERHEAD_KEEPALIVE] = st * fw + kw;
		e[OVERHEAD_SW][OVERHEAD_COLD] = cs;
		e[OVERHEAD_SW][OVERHEAD_ISOLATION] = u * iso;
		tot[OVERHEAD_SW] = st + u * (1 + iso) + kw + cs;
		e[OVERHEAD_HW][OVERHEAD_USEFUL] = bu;
		e[OVERHEAD_HW][OVERHEAD_IDLE] = q[SIM_HW_BUSY][i] * bidle;
		e[OVERHEAD_HW][OVERHEAD_OVERPROV] = off * boff;
		e[OVERHEAD_HW][OVERHEAD_KEEPALIVE] = q[SIM_HW_WARM][i] * bidle;
		e[OVERHEAD_HW][OVERHEAD_COLD] = boots;
		e[OVERHEAD_HW][OVERHEAD_ISOLATION] = bu * biso;
		tot[OVERHEAD_HW] = off * boff + boots + q[SIM_HW_BUSY][i] * p->v[PARAMS_board_active_w] +
				   bu * biso + q[SIM_HW_WARM][i] * bidle;
		for (k = 0; k < OVERHEAD_N_PLATFORMS; k++) {
			unsigned j;

			r->p[k].useful_acc_j[OVERHEAD_ACC_STRICT] += e[k][OVERHEAD_USEFUL];
			r->p[k].useful_acc_j[OVERHEAD_ACC_PAPER] +=
				e[k][OVERHEAD_USEFUL] + e[k][OVERHEAD_IDLE];
			if (paper) {
				e[k][OVERHEAD_USEFUL] += e[k][OVERHEAD_IDLE];
				e[k][OVERHEAD_IDLE] = 0;
			}
			r->p[k].total_j += tot[k];
			for (j = 0; j < OVERHEAD_N_PARTS; j++)
				r->p[k].part_j[j] += e[k][j];
			if (r->n_steps) {
				size_t s = (size_t)(i * b->width_s / r->step_s);
				double *row = series_at(r, k, s < r->n_steps ? s : r->n_steps - 1);

				for (j = 0; j < OVERHEAD_N_PARTS; j++)
					row[j] += e[k][j];
				row[OVERHEAD_N_PARTS] += (k == OVERHEAD_SW ? on[i] * len
									   : q[SIM_HW_LIVE][i]);
			}
		}
	}
}

/* The reductions, savings and fleet scale of both accountings, from the totals. */
static void
summarize(const struct trace *t, const struct params *p, struct overhead_result *out)
{
	double fipd = p->v[PARAMS_fleet_invocations_per_day], days = out->horizon_s / 86400;
	unsigned k, a;

	/* fleet_scale from a stated fleet: its invocations per day over the trace's. */
	out->fleet_scale = p->v[PARAMS_fleet_scale];
	if (fipd > 0 && out->invocations > 0)
		out->fleet_scale = fipd / (out->invocations / days);
	(void)t;
	for (k = 0; k < OVERHEAD_N_PLATFORMS; k++) {
		struct overhead_platform_result *r = &out->p[k];

		r->overhead_j = r->total_j - r->part_j[OVERHEAD_USEFUL];
		r->overhead_power_w = r->overhead_j / out->horizon_s;
		for (a = 0; a < OVERHEAD_N_ACC; a++)
			r->overhead_acc_j[a] = r->total_j - r->useful_acc_j[a];
	}
	for (a = 0; a < OVERHEAD_N_ACC; a++) {
		double osw = out->p[OVERHEAD_SW].overhead_acc_j[a];
		double ohw = out->p[OVERHEAD_HW].overhead_acc_j[a];

		out->reduction_acc[a] = osw > 0 ? 1 - ohw / osw : NAN;
		out->fleet_saving_acc_w[a] = (osw - ohw) / out->horizon_s * out->fleet_scale;
	}
	out->reduction = out->p[OVERHEAD_SW].overhead_j > 0 ?
				 1 - out->p[OVERHEAD_HW].overhead_j / out->p[OVERHEAD_SW].overhead_j : NAN;
	out->saving_power_w = (out->p[OVERHEAD_SW].overhead_j - out->p[OVERHEAD_HW].overhead_j) /
			      out->horizon_s;
	out->fleet_saving_w = out->saving_power_w * out->fleet_scale;
	out->total_ratio = out->p[OVERHEAD_SW].total_j > 0 ?
				   out->p[OVERHEAD_HW].total_j / out->p[OVERHEAD_SW].total_j : NAN;
}

int
overhead_simulate(const struct trace *t, const struct params *p, unsigned long seed,
		  double step_s, unsigned threads, struct overhead_result *out,
		  struct jb_err *err)
{
	struct sim_bins b;
	double *on = NULL;
	size_t i;
	int rc;
	unsigned k;

	memset(out, 0, sizeof(*out));
	if ((rc = check_params(p, err)))
		return rc;
	out->horizon_s = t->horizon_s > 0 ? t->horizon_s : 60;
	if (sim_bins_init(&b, out->horizon_s, p->v[PARAMS_bin_s], 1))
		return jb_err_set(err, -ENOMEM, "out of memory for %g s in bins of %g s",
				  out->horizon_s, p->v[PARAMS_bin_s]);
	if (step_s > 0) {
		out->step_s = step_s;
		out->n_steps = (size_t)ceil(out->horizon_s / step_s);
		out->series = calloc(OVERHEAD_N_PLATFORMS * out->n_steps * OVERHEAD_SERIES_WIDTH,
				     sizeof(double));
	}
	on = malloc(b.n * sizeof(*on));
	if (!on || (step_s > 0 && !out->series)) {
		rc = jb_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = serve_all(t, p, seed, threads, &b, out, err)))
		goto out;
	sim_bins_finish(&b);
	servers_size(&b, p, on);
	account(&b, p, on, out);
	summarize(t, p, out);
	if (out->n_steps) /* mean units on per step */
		for (k = 0; k < OVERHEAD_N_PLATFORMS; k++)
			for (i = 0; i < out->n_steps; i++)
				series_at(out, k, i)[OVERHEAD_N_PARTS] /=
					fmin(step_s, out->horizon_s - i * step_s);
out:
	free(on);
	sim_bins_fini(&b);
	if (rc)
		overhead_result_fini(out);
	return rc;
}

void
overhead_result_fini(struct overhead_result *r)
{
	free(r->series);
	r->series = NULL;
	r->n_steps = 0;
}
