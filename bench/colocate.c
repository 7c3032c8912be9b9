/* SPDX-License-Identifier: MIT */
/*
 * Co-location (colocate.h). Each instance has a thread that, within a metered window,
 * invokes back-to-back (closed loop) or at the arrivals of a Poisson process of rate
 * --rate / N per instance (the superposition of N such processes is one Poisson process of
 * rate --rate; seeded, so a run can be repeated). The calling thread samples the meter
 * before the threads start and after they have all finished their last request, so every
 * invocation of the window lies inside it. Each invocation's CPU time is read from its
 * instance's cgroup (or process) before and after the request; the window's energy, and
 * its dynamic energy, are split by those CPU times (DESIGN §4: "with co-location, the
 * window's dynamic energy is split by CPU-time share"). An instance idle for longer than
 * --keep-alive-s is retired (a teardown row) and the next arrival starts a new one (a
 * cold row), as a platform's keep-alive does (workloads.md §3.1). A failed invocation is a
 * row; its instance is replaced and the run goes on. Rows are written between windows,
 * by the calling thread only.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "colocate.h"
#include "jb_clock.h"

#define REC_CAP_INITIAL 256
#define FAILS_MAX 3            /* consecutive failed starts before a slot sits out a window */

enum rec_kind { REC_INVOKE, REC_COLD, REC_TEARDOWN, REC_START_FAILED };

struct rec {
	enum rec_kind kind;
	struct jb_fn_result res;
	uint64_t start_unix_ns;
	uint64_t rt_ns;
	uint64_t cpu_ns;       /* the instance's CPU time over the request */
	int cpu_ok;
	int rc;
	int core;
	char err[256];
};

struct slot {
	const struct colocate_env *env;
	unsigned id;
	const struct workload_desc *wl;
	struct driver_instance inst;
	int have;
	uint64_t last_done_ns;  /* CLOCK_MONOTONIC end of its last request */
	uint64_t rng;           /* xorshift64* state */
	double next_arrival_ns;
	struct rec *rec;
	size_t n, cap;
	int oom;                /* records could not grow: the rest of the window is lost */
	/* per window */
	uint64_t deadline_ns;   /* 0 = none */
	unsigned max_invocations; /* 0 = no limit */
	pthread_t th;
};

static const struct runner_config *
cfg_of(const struct slot *s)
{
	return s->env->cfg;
}

static int
stopping(const struct colocate_env *env)
{
	return env->cfg->stop && *env->cfg->stop;
}

/* xorshift64* (Vigna, "An experimental exploration of Marsaglia's xorshift generators"),
 * seeded through splitmix64 so that nearby seeds give unrelated streams. */
static uint64_t
rng_next(uint64_t *x)
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * 0x2545F4914F6CDD1Dull;
}

static uint64_t
rng_seed(uint64_t seed, unsigned id)
{
	uint64_t z = seed + 0x9E3779B97F4A7C15ull * (id + 1);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	z ^= z >> 31;
	return z ? z : 1;
}

/* An exponential inter-arrival time in ns for rate @per_s. */
static double
rng_exp_ns(uint64_t *x, double per_s)
{
	double u = ((double)(rng_next(x) >> 11) + 1.0) / 9007199254740993.0; /* (0, 1] */

	return -log(u) / per_s * 1e9;
}

static struct rec *
rec_new(struct slot *s, enum rec_kind kind)
{
	struct rec *r;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : REC_CAP_INITIAL;
		struct rec *p = realloc(s->rec, cap * sizeof(*p));

		if (!p) {
			s->oom = 1;
			return NULL;
		}
		s->rec = p;
		s->cap = cap;
	}
	r = &s->rec[s->n++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->core = s->have ? s->inst.core : -1;
	return r;
}

static struct jb_fn_request
request_for(const struct slot *s, enum jb_proto_verb verb)
{
	struct jb_fn_request req = { .verb = verb, .seed = cfg_of(s)->seed };

	snprintf(req.workload, sizeof(req.workload), "%s", s->wl->name);
	snprintf(req.size, sizeof(req.size), "%s", workload_size_name(cfg_of(s)->size));
	return req;
}

static int
slot_cpu(struct slot *s, uint64_t *cpu_ns)
{
	const struct driver_ops *d = cfg_of(s)->driver;

	return d->cpu_ns ? d->cpu_ns(s->env->drv, &s->inst, cpu_ns, NULL) : -ENOTSUP;
}

/* One request; fills @r. Returns the driver's code. */
static int
slot_invoke(struct slot *s, struct rec *r)
{
	const struct driver_ops *d = cfg_of(s)->driver;
	struct jb_fn_request req = request_for(s, JB_PROTO_INVOKE);
	struct jb_err e = { 0 };
	uint64_t c0 = 0, c1 = 0, t0;
	int have_c0;

	have_c0 = slot_cpu(s, &c0) == 0;
	r->start_unix_ns = jb_clock_unix_ns();
	t0 = jb_clock_mono_ns();
	r->rc = d->invoke(s->env->drv, &s->inst, &req, &r->res, &e);
	r->rt_ns = jb_clock_mono_ns() - t0;
	s->last_done_ns = t0 + r->rt_ns;
	if (have_c0 && slot_cpu(s, &c1) == 0 && c1 >= c0) {
		r->cpu_ns = c1 - c0;
		r->cpu_ok = 1;
	} else if (!r->rc && !d->cpu_ns) {
		r->cpu_ns = r->res.cpu_ns; /* no cgroup: the runner's own CPU time */
		r->cpu_ok = 1;
	}
	if (r->rc)
		snprintf(r->err, sizeof(r->err), "%.*s", (int)sizeof(r->err) - 1, e.msg);
	return r->rc;
}

static void
slot_stop(struct slot *s)
{
	if (s->have)
		cfg_of(s)->driver->stop_instance(s->env->drv, &s->inst);
	s->have = 0;
}

/* Start the slot's instance and prepare its input. 0, or -errno with @msg filled. */
static int
slot_start(struct slot *s, char *msg, size_t len)
{
	const struct driver_ops *d = cfg_of(s)->driver;
	struct jb_fn_request req = request_for(s, JB_PROTO_PREPARE);
	struct jb_fn_result res;
	struct jb_err e = { 0 };
	int rc = d->start_instance(s->env->drv, s->id, &s->inst, &e);

	if (!rc) {
		s->have = 1;
		rc = d->invoke(s->env->drv, &s->inst, &req, &res, &e);
		if (!rc && strcmp(res.status, JB_STATUS_OK) != 0)
			rc = jb_err_set(&e, -EINVAL, "prepare: %.200s", res.msg);
		if (rc)
			slot_stop(s);
	}
	if (rc)
		snprintf(msg, len, "%.*s", (int)len - 1, e.msg);
	return rc;
}

/* Retire an idle instance: a teardown row (in a window: time only). */
static void
slot_retire(struct slot *s)
{
	struct rec *r = rec_new(s, REC_TEARDOWN);
	uint64_t t0 = jb_clock_mono_ns();

	if (r)
		r->start_unix_ns = jb_clock_unix_ns();
	slot_stop(s);
	if (r) {
		r->rt_ns = jb_clock_mono_ns() - t0;
		snprintf(r->err, sizeof(r->err), "retired after %.3f s idle (keep-alive)",
			 cfg_of(s)->keep_alive_s);
	}
}

/* A cold start inside a window: start, then the first invocation, one row. */
static int
slot_cold(struct slot *s)
{
	struct rec *r = rec_new(s, REC_COLD);
	uint64_t t0 = jb_clock_mono_ns(), unix0 = jb_clock_unix_ns(), c1;
	char msg[256];
	int rc;

	if (!r)
		return -ENOMEM;
	rc = slot_start(s, msg, sizeof(msg));
	if (rc) {
		r->kind = REC_START_FAILED;
		r->rc = rc;
		r->start_unix_ns = unix0;
		r->rt_ns = jb_clock_mono_ns() - t0;
		snprintf(r->err, sizeof(r->err), "%s", msg);
		return rc;
	}
	rc = slot_invoke(s, r);
	r->kind = REC_COLD;
	r->start_unix_ns = unix0;
	r->rt_ns = jb_clock_mono_ns() - t0;
	r->core = s->inst.core;
	/* The container's whole CPU time since it was created: its start-up is its cost. */
	if (slot_cpu(s, &c1) == 0) {
		r->cpu_ns = c1;
		r->cpu_ok = 1;
	}
	return rc;
}

/* Sleep until @t_ns, waking every 100 ms for the stop flag (a low --rate can leave
 * seconds between arrivals). */
static void
sleep_until(const struct slot *s, double t_ns)
{
	uint64_t now;

	while (!stopping(s->env) && t_ns > (double)(now = jb_clock_mono_ns())) {
		double left = t_ns - (double)now;

		jb_clock_sleep_ns(left < 1e8 ? (uint64_t)left : 100000000u);
	}
}

static void *
slot_main(void *arg)
{
	struct slot *s = arg;
	const struct runner_config *cfg = cfg_of(s);
	double rate_i = cfg->rate_per_s > 0 ? cfg->rate_per_s / cfg->concurrency : 0;
	unsigned count = 0, fails = 0;

	if (rate_i > 0 && s->next_arrival_ns < (double)jb_clock_mono_ns())
		s->next_arrival_ns = (double)jb_clock_mono_ns() + rng_exp_ns(&s->rng, rate_i);
	while (!stopping(s->env) && !s->oom && fails < FAILS_MAX) {
		struct rec *r;
		int rc;

		if (s->max_invocations && count >= s->max_invocations)
			break;
		if (rate_i > 0) {
			if (s->deadline_ns && s->next_arrival_ns >= (double)s->deadline_ns)
				break;
			/* Keep-alive: retire when idle past it before this arrival. */
			if (s->have && cfg->keep_alive_s > 0 &&
			    s->next_arrival_ns - (double)s->last_done_ns > cfg->keep_alive_s * 1e9) {
				sleep_until(s, (double)s->last_done_ns + cfg->keep_alive_s * 1e9);
				slot_retire(s);
			}
			sleep_until(s, s->next_arrival_ns);
			if (stopping(s->env))
				break;
			s->next_arrival_ns += rng_exp_ns(&s->rng, rate_i);
		} else if (s->deadline_ns && jb_clock_mono_ns() >= s->deadline_ns) {
			break;
		}
		if (!s->have) {
			rc = slot_cold(s);
			count++;
			fails = rc ? fails + 1 : 0;
			if (rc && s->have)
				slot_stop(s);
			continue;
		}
		r = rec_new(s, REC_INVOKE);
		if (!r)
			break;
		count++;
		if (slot_invoke(s, r)) {
			/* Replace the instance: the next loop starts a new one (a cold row). */
			slot_stop(s);
			fails++;
		} else {
			fails = 0;
		}
	}
	return NULL;
}

static double
uncertainty_j(const struct meter *m, double energy_j, uint64_t window_ns)
{
	double power_w = window_ns ? energy_j / ((double)window_ns / 1e9) : 0;

	return 2.0 * (m->info.resolution_j + power_w * (double)m->info.update_interval_ns / 1e9);
}

struct counters {
	uint64_t rep, invocation;
};

static void
row_base(const struct colocate_env *env, const struct slot *s, struct results_row *row,
	 const char *phase, uint64_t rep)
{
	const struct runner_config *cfg = env->cfg;

	memset(row, 0, sizeof(*row));
	row->schema_version = RESULTS_SCHEMA_VERSION;
	row->run_id = env->run_id;
	row->host = env->host;
	row->arch = env->arch;
	row->driver = cfg->driver->name;
	row->isolation = cfg->driver->isolation;
	row->meter = cfg->meter->name;
	row->meter_kind = env->meter_kind;
	row->domain = env->meter->selection;
	row->workload = s->wl->name;
	row->size = workload_size_name(cfg->size);
	row->seed = cfg->seed;
	row->concurrency = cfg->concurrency;
	row->instance = s->id;
	row->core = -1;
	row->phase = phase;
	row->rep = rep;
	row->work_unit = s->wl->work_unit;
	row->idle_power_w = env->idle_w;
	row->energy_j = row->window_energy_j = row->dynamic_energy_j = NAN;
	row->energy_uncertainty_j = row->work_units = NAN;
	row->status = "ok";
	row->message = "";
	row->checksum = "";
}

static const char *
split_method(const struct runner_config *cfg)
{
	return cfg->driver->cpu_ns == NULL ? "window-split-by-runner-cpu-share"
	     : !strcmp(cfg->driver->isolation, "container") ? "window-split-by-cgroup-cpu-share"
							   : "window-split-by-process-cpu-share";
}

/* Write the rows of one window of all slots. */
static int
write_window(const struct colocate_env *env, struct slot *slots, size_t n_slots,
	     const char *phase, const char *method, struct counters *k, double energy_j,
	     uint64_t window_ns, const char *why, struct jb_err *err)
{
	const struct runner_config *cfg = env->cfg;
	double cpu_sum = 0, unc_j = uncertainty_j(env->meter, energy_j, window_ns);
	size_t total = 0, i, j;
	int rc = 0;

	for (i = 0; i < n_slots; i++) {
		total += slots[i].n;
		for (j = 0; j < slots[i].n; j++)
			if (slots[i].rec[j].cpu_ok)
				cpu_sum += (double)slots[i].rec[j].cpu_ns;
	}
	for (i = 0; i < n_slots && !rc; i++) {
		for (j = 0; j < slots[i].n && !rc; j++) {
			const struct rec *v = &slots[i].rec[j];
			struct results_row row;
			char checksum[24];
			double share = (v->cpu_ok && cpu_sum > 0) ? (double)v->cpu_ns / cpu_sum : NAN;

			row_base(env, &slots[i], &row,
				 v->kind == REC_INVOKE ? phase
				 : v->kind == REC_TEARDOWN ? "teardown" : "cold", k->rep);
			row.core = v->core;
			row.invocation = k->invocation++;
			row.window_invocations = total;
			row.start_unix_ns = v->start_unix_ns;
			row.wall_ns = (v->rc || v->kind != REC_INVOKE) ? v->rt_ns : v->res.wall_ns;
			row.cpu_ns = v->cpu_ns;
			row.work_units = (v->rc || v->kind == REC_TEARDOWN) ? NAN : v->res.work_units;
			row.window_wall_ns = window_ns;
			row.window_energy_j = energy_j;
			row.energy_j = energy_j * share;
			row.dynamic_energy_j = (energy_j - env->idle_w * (double)window_ns / 1e9) * share;
			row.energy_uncertainty_j = unc_j * share;
			row.energy_method = method ? method : split_method(cfg);
			row.status = v->kind == REC_TEARDOWN ? "ok"
				   : v->rc ? driver_status_for(v->rc) : v->res.status;
			row.message = (v->rc || v->kind == REC_TEARDOWN) ? v->err : v->res.msg;
			if (!strcmp(row.status, "ok") && v->kind != REC_TEARDOWN && !v->cpu_ok) {
				row.status = "untrustworthy";
				row.message = "no CPU time for this invocation: its energy share is unknown";
			} else if (!strcmp(row.status, "ok") && why && why[0]) {
				row.status = isnan(energy_j) ? "meter-error" : "untrustworthy";
				row.message = why;
			}
			snprintf(checksum, sizeof(checksum), "0x%016" PRIx64, v->res.checksum);
			row.checksum = (v->rc || v->kind == REC_TEARDOWN) ? "" : checksum;
			row.verified = v->res.verified;
			rc = env->emit(env->arg, &row, err);
		}
	}
	k->rep++;
	return rc ? rc : env->flush(env->arg, err);
}

/* Run one window over all slots at once and write its rows. */
static int
run_window(const struct colocate_env *env, struct slot *slots, const char *phase,
	   uint64_t length_ns, unsigned max_inv, struct counters *k, struct jb_err *err)
{
	const struct runner_config *cfg = env->cfg;
	struct meter_sample s0, s1;
	uint64_t window_ns;
	double energy_j = NAN;
	char why[256] = "";
	size_t i, started = 0;
	int m0, m1, lost = 0;

	m0 = meter_sample(env->meter, &s0);
	for (i = 0; i < cfg->concurrency; i++) {
		slots[i].n = 0;
		slots[i].oom = 0;
		slots[i].deadline_ns = length_ns ? s0.t_ns + length_ns : 0;
		slots[i].max_invocations = max_inv;
		if (pthread_create(&slots[i].th, NULL, slot_main, &slots[i]) != 0)
			break;
		started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(slots[i].th, NULL);
	m1 = meter_sample(env->meter, &s1);
	if (started < cfg->concurrency)
		return jb_err_set(err, -EAGAIN, "cannot start the threads of %u instances",
				  cfg->concurrency);
	window_ns = s1.t_ns - s0.t_ns;
	for (i = 0; i < cfg->concurrency; i++)
		lost |= slots[i].oom;
	if (m0 || m1) {
		snprintf(why, sizeof(why), "meter read failed: %s", jb_strerror(m0 ? m0 : m1));
	} else {
		energy_j = s1.energy_j - s0.energy_j;
		if (s1.rejected != s0.rejected)
			snprintf(why, sizeof(why), "meter counter jumped implausibly in this window");
		else if (lost)
			snprintf(why, sizeof(why), "out of memory: invocations of this window are missing");
		else if (window_ns < env->min_window_ns)
			snprintf(why, sizeof(why),
				 "window %.4f s is shorter than the meter's minimum %.4f s",
				 (double)window_ns / 1e9, (double)env->min_window_ns / 1e9);
	}
	return write_window(env, slots, cfg->concurrency, phase, NULL, k, energy_j, window_ns, why,
			    err);
}

/* A metered cold start of one slot, alone: a cold row like the single-instance runner's. */
static int
cold_alone(const struct colocate_env *env, struct slot *s, struct counters *k,
	   struct jb_err *err)
{
	struct meter_sample s0, s1;
	uint64_t window_ns;
	char why[160] = "";
	int m0, m1;

	s->n = 0;
	m0 = meter_sample(env->meter, &s0);
	if (slot_cold(s))
		slot_stop(s); /* a failed first invocation: the next window starts a new one */
	m1 = meter_sample(env->meter, &s1);
	window_ns = s1.t_ns - s0.t_ns;
	if (!m0 && !m1 && window_ns < env->min_window_ns)
		snprintf(why, sizeof(why), "cold start %.4f s is shorter than the meter's minimum "
					   "%.4f s", (double)window_ns / 1e9,
			 (double)env->min_window_ns / 1e9);
	return write_window(env, s, 1, "cold", "cold-start+first-invocation", k,
			    (m0 || m1) ? NAN : s1.energy_j - s0.energy_j, window_ns,
			    (m0 || m1) ? "meter read failed" : why, err);
}

/* Stop every slot, each a metered teardown row. */
static int
teardown_all(const struct colocate_env *env, struct slot *slots, struct counters *k,
	     struct jb_err *err)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < env->cfg->concurrency; i++) {
		struct slot *s = &slots[i];
		struct meter_sample s0, s1;
		struct results_row row;
		uint64_t unix0;
		int m0, m1;

		if (!s->have)
			continue;
		row_base(env, s, &row, "teardown", k->rep++);
		row.core = s->inst.core;
		unix0 = jb_clock_unix_ns();
		m0 = meter_sample(env->meter, &s0);
		slot_stop(s);
		m1 = meter_sample(env->meter, &s1);
		if (rc)
			continue; /* still stop the rest */
		row.invocation = k->invocation++;
		row.window_invocations = 1;
		row.start_unix_ns = unix0;
		row.wall_ns = row.window_wall_ns = s1.t_ns - s0.t_ns;
		row.energy_method = "teardown";
		if (m0 || m1) {
			row.status = "meter-error";
			row.message = "meter read failed during the teardown";
		} else {
			row.window_energy_j = row.energy_j = s1.energy_j - s0.energy_j;
			row.dynamic_energy_j = row.energy_j - env->idle_w * (double)row.wall_ns / 1e9;
			row.energy_uncertainty_j = uncertainty_j(env->meter, row.energy_j, row.wall_ns);
			if (row.wall_ns < env->min_window_ns) {
				row.status = "untrustworthy";
				row.message = "teardown is shorter than the meter's minimum window";
			}
		}
		rc = env->emit(env->arg, &row, err);
	}
	return rc ? rc : env->flush(env->arg, err);
}

int
colocate_check(const struct runner_config *cfg, void *drv, struct jb_err *err)
{
	struct driver_info info;

	if (!cfg->driver->describe || cfg->concurrency <= 1)
		return 0;
	cfg->driver->describe(drv, &info);
	if (info.max_instances && cfg->concurrency > info.max_instances)
		return jb_err_set(err, -EINVAL,
				  "%s: --concurrency %u needs %u cores of its own; %u usable%s",
				  cfg->driver->name, cfg->concurrency, cfg->concurrency,
				  info.max_instances,
				  info.smt_idle[0] ? " (SMT siblings stay idle)" : "");
	return 0;
}

int
colocate_run(const struct colocate_env *env, struct jb_err *err)
{
	const struct runner_config *cfg = env->cfg;
	struct counters k = { 0, 0 };
	struct slot *slots;
	uint64_t length_ns = (uint64_t)(1.25 * (double)env->min_window_ns);
	unsigned i, w, runs = cfg->runs;
	int rc = 0;

	if (cfg->resume_mode) {
		/* Resuming: number on after the largest window and invocation in the file, and
		 * run only the missing windows. The instances of the interrupted run are gone,
		 * so new ones start: real cold starts, and rows of their own. */
		k.rep = cfg->resume_all.next_rep;
		k.invocation = cfg->resume_all.next_invocation;
		runs = cfg->resume_all.warm_windows >= runs ? 0 : runs - cfg->resume_all.warm_windows;
		if (!runs)
			return 0;
	}
	slots = calloc(cfg->concurrency, sizeof(*slots));
	if (!slots)
		return jb_err_set(err, -ENOMEM, "out of memory");
	for (i = 0; i < cfg->concurrency; i++) {
		slots[i].env = env;
		slots[i].id = i;
		slots[i].wl = cfg->workload[i % cfg->n_workloads];
		slots[i].rng = rng_seed(cfg->seed, i);
		slots[i].inst.core = -1;
	}
	/* Cold starts one at a time, each metered alone (a platform creates sandboxes one by
	 * one too); with --cold 0 they start inside the first window instead. */
	for (i = 0; i < cfg->concurrency && cfg->cold && !stopping(env) && !rc; i++)
		rc = cold_alone(env, &slots[i], &k, err);
	if (!rc && cfg->warmup && !stopping(env))
		rc = run_window(env, slots, "warmup", 0, cfg->warmup, &k, err);
	for (w = 0; w < runs && !rc && !stopping(env); w++)
		rc = run_window(env, slots, "warm", cfg->batch ? 0 : length_ns, cfg->batch, &k, err);
	if (!rc)
		rc = teardown_all(env, slots, &k, err);
	else
		for (i = 0; i < cfg->concurrency; i++)
			slot_stop(&slots[i]);
	for (i = 0; i < cfg->concurrency; i++)
		free(slots[i].rec);
	free(slots);
	return rc;
}
