/* SPDX-License-Identifier: MIT */
/*
 * The co-located scheduler (session.h). N instances run at once, each driven by a worker
 * thread of its own that is started once, before the first window, and lives until the
 * last one: no thread starts or ends inside a metered window. Within a window a worker
 * invokes back-to-back (closed loop) or at the arrivals of a Poisson process of rate
 * --rate / N per instance (the superposition of N such processes is one Poisson process of
 * rate --rate; seeded, so a run can be repeated). The calling thread reads the meter,
 * releases the workers, waits until they have all finished their last request, and reads
 * the meter again, so every request of the window lies inside it. Each request's CPU time
 * is read from its instance's cgroup (or process) before and after it; the window's
 * energy, and its dynamic energy, are split by those CPU times (DESIGN §4), and a request
 * without one flags the window (rows.c). An instance idle for longer than --keep-alive-s
 * is retired (a teardown row) and the next arrival starts a new one (a cold row), as a
 * platform's keep-alive does (workloads.md §3.1). A failed invocation is a row; its
 * instance is replaced and the run goes on. Rows are written between windows, by the
 * calling thread only. The workers read one stop flag, a C11 atomic the calling thread
 * sets when the session's signal flag is raised; they run with SIGINT and SIGTERM
 * blocked, so the handler runs on the calling thread.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "instance.h"
#include "jb_clock.h"
#include "session.h"

#define REC_CAP_INITIAL 256
#define FAILS_MAX 3            /* consecutive failed starts before a slot sits out a window */

struct colo;

struct slot {
	struct colo *c;
	struct instance in;
	uint64_t last_done_ns;  /* CLOCK_MONOTONIC end of its last request */
	uint64_t rng;           /* xorshift64* state */
	double next_arrival_ns;
	struct rows_record *rec;
	size_t n, cap;
	int oom;                /* records could not grow: the rest of the window is lost */
	/* per window, set by the calling thread under the mutex before the release */
	uint64_t deadline_ns;   /* 0 = none */
	unsigned max_invocations; /* 0 = no limit */
	pthread_t th;
	int have_th;
};

struct colo {
	struct session *s;
	const struct proto_config *cfg;
	struct slot *slot;
	unsigned n;
	const struct rows_policy *policy;
	pthread_mutex_t mu;
	pthread_cond_t go, done;
	uint64_t gen;           /* windows released so far */
	unsigned running;       /* workers still in the window */
	int quit;
	atomic_int stop;        /* the only flag the workers read */
	uint64_t rep, invocation;
};

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

static int
colo_stopping(struct colo *c)
{
	return atomic_load(&c->stop);
}

/* Room for @cap records. 0 or -ENOMEM (the records so far stay). */
static int
slot_reserve(struct slot *sl, size_t cap)
{
	struct rows_record *p;

	if (cap <= sl->cap)
		return 0;
	p = realloc(sl->rec, cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	sl->rec = p;
	sl->cap = cap;
	return 0;
}

static struct rows_record *
rec_new(struct slot *sl, enum rows_kind kind)
{
	struct rows_record *r;

	if (sl->n == sl->cap &&
	    slot_reserve(sl, sl->cap ? 2 * sl->cap : REC_CAP_INITIAL)) {
		sl->oom = 1;
		return NULL;
	}
	r = &sl->rec[sl->n++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->wl = sl->in.wl;
	r->instance = sl->in.id;
	r->core = sl->in.have ? sl->in.inst.core : -1;
	return r;
}

/* Retire an idle instance: a teardown row (in a window: time only). */
static void
slot_retire(struct slot *sl)
{
	struct rows_record *r = rec_new(sl, ROWS_TEARDOWN);
	uint64_t t0 = jb_clock_mono_ns();

	if (r)
		r->start_unix_ns = jb_clock_unix_ns();
	instance_stop(&sl->in);
	if (r) {
		r->rt_ns = r->wall_ns = jb_clock_mono_ns() - t0;
		snprintf(r->err, sizeof(r->err), "retired after %.3f s idle (keep-alive)",
			 sl->c->cfg->keep_alive_s);
	}
}

/* A cold start: start, prepare, then the first invocation, one record. */
static int
slot_cold(struct slot *sl)
{
	struct rows_record *r = rec_new(sl, ROWS_COLD);
	uint64_t t0 = jb_clock_mono_ns(), unix0 = jb_clock_unix_ns(), c1, started;
	struct jb_err e = { 0 };
	int rc;

	if (!r)
		return -ENOMEM;
	rc = instance_start(&sl->in, &e);
	started = jb_clock_mono_ns();
	if (!rc && (rc = instance_prepare(&sl->in, &e)))
		instance_stop(&sl->in);
	if (rc) {
		r->kind = ROWS_START_FAILED;
		r->rc = rc;
		r->start_unix_ns = unix0;
		r->rt_ns = r->wall_ns = jb_clock_mono_ns() - t0;
		snprintf(r->err, sizeof(r->err), "%.*s", (int)sizeof(r->err) - 1, e.msg);
		return rc;
	}
	rc = instance_invoke(&sl->in, r, 1);
	sl->last_done_ns = jb_clock_mono_ns();
	r->kind = ROWS_COLD;
	instance_cold_note(r, started - t0);
	r->core = sl->in.inst.core;
	r->start_unix_ns = unix0;
	r->rt_ns = r->wall_ns = jb_clock_mono_ns() - t0;
	/* The container's whole CPU time since it was created: its start-up is its cost. */
	if (instance_cpu_ns(&sl->in, &c1) == 0) {
		r->cpu_ns = c1;
		r->cpu_ok = 1;
	}
	return rc;
}

/* Sleep until @t_ns, waking every 100 ms for the stop flag (a low --rate can leave
 * seconds between arrivals). */
static void
sleep_until(struct colo *c, double t_ns)
{
	uint64_t now;

	while (!colo_stopping(c) && t_ns > (double)(now = jb_clock_mono_ns())) {
		double left = t_ns - (double)now;

		jb_clock_sleep_ns(left < 1e8 ? (uint64_t)left : 100000000u);
	}
}

/* One window of one instance, on its worker thread. */
static void
slot_window(struct slot *sl)
{
	struct colo *c = sl->c;
	const struct proto_config *cfg = c->cfg;
	double rate_i = cfg->rate_per_s > 0 ? cfg->rate_per_s / c->n : 0;
	unsigned count = 0, fails = 0;

	if (rate_i > 0 && sl->next_arrival_ns < (double)jb_clock_mono_ns())
		sl->next_arrival_ns = (double)jb_clock_mono_ns() + rng_exp_ns(&sl->rng, rate_i);
	while (!colo_stopping(c) && !sl->oom && fails < FAILS_MAX) {
		struct rows_record *r;

		if (sl->max_invocations && count >= sl->max_invocations)
			break;
		if (rate_i > 0) {
			if (sl->deadline_ns && sl->next_arrival_ns >= (double)sl->deadline_ns)
				break;
			/* Keep-alive: retire when idle past it before this arrival. */
			if (sl->in.have && cfg->keep_alive_s > 0 &&
			    sl->next_arrival_ns - (double)sl->last_done_ns > cfg->keep_alive_s * 1e9) {
				sleep_until(c, (double)sl->last_done_ns + cfg->keep_alive_s * 1e9);
				slot_retire(sl);
			}
			sleep_until(c, sl->next_arrival_ns);
			if (colo_stopping(c))
				break;
			sl->next_arrival_ns += rng_exp_ns(&sl->rng, rate_i);
		} else if (sl->deadline_ns && jb_clock_mono_ns() >= sl->deadline_ns) {
			break;
		}
		if (!sl->in.have) {
			int rc = slot_cold(sl);

			count++;
			fails = rc ? fails + 1 : 0;
			if (rc)
				instance_stop(&sl->in);
			continue;
		}
		r = rec_new(sl, ROWS_INVOKE);
		if (!r)
			break;
		count++;
		if (instance_invoke(&sl->in, r, 1)) {
			/* Replace the instance: the next loop starts a new one (a cold row). */
			instance_stop(&sl->in);
			fails++;
		} else {
			fails = 0;
		}
		sl->last_done_ns = jb_clock_mono_ns();
	}
}

/* The worker: wait for a window to be released, run it, report, until told to quit. */
static void *
slot_thread(void *arg)
{
	struct slot *sl = arg;
	struct colo *c = sl->c;
	uint64_t seen = 0;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (c->gen == seen && !c->quit)
			pthread_cond_wait(&c->go, &c->mu);
		if (c->quit)
			break;
		seen = c->gen;
		pthread_mutex_unlock(&c->mu);
		slot_window(sl);
		pthread_mutex_lock(&c->mu);
		if (--c->running == 0)
			pthread_cond_signal(&c->done);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* Start every worker, with the stop signals blocked so that they inherit the mask. */
static int
colo_threads_start(struct colo *c, struct jb_err *err)
{
	sigset_t block, old;
	unsigned i;
	int rc = 0;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (i = 0; i < c->n && !rc; i++) {
		if (pthread_create(&c->slot[i].th, NULL, slot_thread, &c->slot[i]) != 0)
			rc = jb_err_set(err, -EAGAIN, "cannot start the threads of %u instances",
					c->n);
		else
			c->slot[i].have_th = 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

static void
colo_threads_stop(struct colo *c)
{
	unsigned i;

	pthread_mutex_lock(&c->mu);
	c->quit = 1;
	pthread_cond_broadcast(&c->go);
	pthread_mutex_unlock(&c->mu);
	for (i = 0; i < c->n; i++)
		if (c->slot[i].have_th)
			pthread_join(c->slot[i].th, NULL);
}

/* Release window @w to every worker and wait for all of them; meanwhile, pass a stop
 * signal on to the workers' atomic flag, and read the meter as often as its counters'
 * range needs (window_poll()). */
static void
colo_release(struct colo *c, struct window *w, uint64_t deadline_ns, unsigned max_inv)
{
	unsigned i;

	pthread_mutex_lock(&c->mu);
	for (i = 0; i < c->n; i++) {
		c->slot[i].n = 0;
		c->slot[i].oom = 0;
		c->slot[i].deadline_ns = deadline_ns;
		c->slot[i].max_invocations = max_inv;
	}
	c->running = c->n;
	c->gen++;
	pthread_cond_broadcast(&c->go);
	while (c->running) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 50 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&c->done, &c->mu, &ts);
		if (session_stopping(c->s))
			atomic_store(&c->stop, 1);
		window_poll(w);
	}
	pthread_mutex_unlock(&c->mu);
}

/* Write the rows of a checked window of @n slots from @first. */
static int
colo_write(struct colo *c, struct window *w, const struct rows_policy *policy,
	   const char *phase, struct slot *first, unsigned n, struct jb_err *err)
{
	struct rows_batch b[256];
	unsigned i;
	int rc;

	for (i = 0; i < n; i++) {
		b[i].rec = first[i].rec;
		b[i].n = first[i].n;
	}
	rc = rows_window_write(&c->s->base, w, policy, phase, b, n, c->rep++, &c->invocation,
			       session_emit, c->s, err);
	return rc ? rc : session_flush(c->s, err);
}

/* One window over all instances at once, and its rows. */
static int
colo_window(struct colo *c, const char *phase, uint64_t length_ns, unsigned max_inv,
	    struct jb_err *err)
{
	struct window w;
	unsigned i;
	int lost = 0;

	/* Room for twice the last window's records, before the window opens, so that a
	 * worker does not allocate inside it (it still can, when a window runs far longer).
	 * The workers wait for the release: the calling thread owns the records now. */
	for (i = 0; i < c->n; i++)
		(void)slot_reserve(&c->slot[i], 2 * c->slot[i].n > REC_CAP_INITIAL
							? 2 * c->slot[i].n : REC_CAP_INITIAL);
	window_begin(&w, &c->s->meter, c->s->min_window_ns);
	/* t_ns is stamped even when the read failed (meter_sample()), so the deadline is
	 * never taken from an uninitialised time. */
	colo_release(c, &w, length_ns ? w.first.t_ns + length_ns : 0, max_inv);
	window_span_end(&w);
	window_check(&w, "window");
	for (i = 0; i < c->n; i++)
		lost |= c->slot[i].oom;
	if (lost)
		window_flag(&w, "out of memory: invocations of this window are missing");
	return colo_write(c, &w, c->policy, phase, c->slot, c->n, err);
}

/* A metered cold start of one instance, alone: a cold row like the single scheduler's.
 * The calling thread runs it while the workers wait. */
static int
colo_cold_alone(struct colo *c, struct slot *sl, struct jb_err *err)
{
	struct window w;

	sl->n = 0;
	window_begin(&w, &c->s->meter, c->s->min_window_ns);
	if (slot_cold(sl))
		instance_stop(&sl->in); /* a failed start: the next window starts a new one */
	window_span_end(&w);
	window_check(&w, "cold start");
	return colo_write(c, &w, &rows_cold_start, "cold", sl, 1, err);
}

/* Stop one instance, alone and metered: a teardown row. */
static int
colo_teardown(struct colo *c, struct slot *sl, struct jb_err *err)
{
	struct window w;
	struct rows_record *r;

	if (!sl->in.have)
		return 0;
	sl->n = 0;
	r = rec_new(sl, ROWS_TEARDOWN);
	if (!r)
		return jb_err_set(err, -ENOMEM, "out of memory");
	r->start_unix_ns = jb_clock_unix_ns();
	window_begin(&w, &c->s->meter, c->s->min_window_ns);
	instance_stop(&sl->in);
	window_span_end(&w);
	window_check(&w, "teardown");
	r->rt_ns = r->wall_ns = w.window_ns;
	return colo_write(c, &w, &rows_teardown, "teardown", sl, 1, err);
}

/* --cold N: N cold starts of each instance, one at a time, each metered alone (a platform
 * creates sandboxes one by one too), the instance stopped (metered) between them; the
 * last one stays up for the windows. With --cold 0 they start inside the first window. */
static int
colo_colds(struct colo *c, struct jb_err *err)
{
	unsigned i, k;
	int rc = 0;

	for (i = 0; i < c->n && !rc; i++)
		for (k = 0; k < c->cfg->cold && !rc && !session_stopping(c->s); k++) {
			if (k && (rc = colo_teardown(c, &c->slot[i], err)))
				break;
			rc = colo_cold_alone(c, &c->slot[i], err);
		}
	return rc;
}

static const struct rows_policy *
colo_policy(const struct proto_config *cfg)
{
	return cfg->driver->cpu_ns == NULL ? &rows_split_runner_cpu
	     : !strcmp(cfg->driver->isolation, "container") ? &rows_split_cgroup_cpu
							   : &rows_split_process_cpu;
}

int
sched_colocate_wanted(const struct proto_config *cfg)
{
	return cfg->concurrency > 1 || cfg->rate_per_s > 0 || cfg->keep_alive_s > 0;
}

int
sched_colocate_check(const struct session *s, struct jb_err *err)
{
	const struct proto_config *cfg = s->cfg;
	struct driver_info info;

	if (!cfg->driver->describe || cfg->concurrency <= 1)
		return 0;
	cfg->driver->describe(s->drv, &info);
	if (info.max_instances && cfg->concurrency > info.max_instances)
		return jb_err_set(err, -EINVAL,
				  "%s: --concurrency %u needs %u cores of its own; %u usable%s",
				  cfg->driver->name, cfg->concurrency, cfg->concurrency,
				  info.max_instances,
				  info.smt_idle[0] ? " (SMT siblings stay idle)" : "");
	return 0;
}

static int
colo_run(struct colo *c, unsigned runs, struct jb_err *err)
{
	const struct proto_config *cfg = c->cfg;
	uint64_t length_ns = (uint64_t)(1.25 * (double)c->s->min_window_ns), t0_ns;
	unsigned i, w;
	int rc = colo_colds(c, err);

	if (!rc)
		rc = colo_threads_start(c, err);
	if (!rc && cfg->warmup && !session_stopping(c->s))
		rc = colo_window(c, "warmup", 0, cfg->warmup, err);
	t0_ns = jb_clock_mono_ns();
	/* Under cfg->until, the rule judges every workload of the window at once (NULL). */
	for (w = 0; !rc && !session_stopping(c->s) && session_until_more(c->s, NULL, w, runs, t0_ns);
	     w++) {
		rc = colo_window(c, "warm", cfg->batch ? 0 : length_ns, cfg->batch, err);
		c->s->windows_done += !rc; /* for the sidecar of a stopped run */
	}
	session_until_stopped(c->s, NULL, w);
	colo_threads_stop(c);
	for (i = 0; i < c->n; i++)
		if (!rc)
			rc = colo_teardown(c, &c->slot[i], err);
		else
			instance_stop(&c->slot[i].in); /* still stop the rest */
	return rc;
}

int
sched_colocate_run(struct session *s, struct jb_err *err)
{
	const struct proto_config *cfg = s->cfg;
	struct colo c = { .s = s, .cfg = cfg, .n = cfg->concurrency ? cfg->concurrency : 1 };
	pthread_condattr_t ca;
	unsigned i, runs = cfg->runs;
	int rc;

	if (cfg->resume_mode) {
		/* Resuming: number on after the largest window and invocation in the file, and
		 * run only the missing windows. The instances of the interrupted run are gone,
		 * so new ones start: real cold starts, and rows of their own. */
		c.rep = cfg->resume_all.next_rep;
		c.invocation = cfg->resume_all.next_invocation;
		runs = cfg->resume_all.warm_windows >= runs ? 0 : runs - cfg->resume_all.warm_windows;
		session_notice(s, "co-location: %u of %u warm windows are in the file; the "
				  "instances start again (new cold starts, metered as such)",
			       cfg->resume_all.warm_windows, cfg->runs);
		if (!runs)
			return 0;
	}
	session_notice(s, "co-location: %u instance(s) of %zu workload(s), %s", c.n,
		       cfg->n_workloads, cfg->rate_per_s > 0 ? "Poisson arrivals" : "closed loop");
	if (c.n > 256)
		return jb_err_set(err, -EINVAL, "at most 256 instances");
	c.slot = calloc(c.n, sizeof(*c.slot));
	if (!c.slot)
		return jb_err_set(err, -ENOMEM, "out of memory");
	s->base.concurrency = c.n;
	c.policy = colo_policy(cfg);
	atomic_init(&c.stop, 0);
	pthread_mutex_init(&c.mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c.done, &ca);
	pthread_cond_init(&c.go, NULL);
	pthread_condattr_destroy(&ca);
	for (i = 0; i < c.n; i++) {
		c.slot[i].c = &c;
		c.slot[i].rng = rng_seed(cfg->seed, i);
		instance_init(&c.slot[i].in, cfg->driver, s->drv,
			      cfg->workload[i % cfg->n_workloads], cfg->size, cfg->seed, i);
	}
	rc = colo_run(&c, runs, err);
	for (i = 0; i < c.n; i++)
		free(c.slot[i].rec);
	pthread_cond_destroy(&c.go);
	pthread_cond_destroy(&c.done);
	pthread_mutex_destroy(&c.mu);
	free(c.slot);
	s->base.concurrency = 1;
	return rc;
}
