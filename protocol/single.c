/* SPDX-License-Identifier: MIT */
/*
 * The single-instance scheduler (session.h, DESIGN §4 step 3). For a workload: cold starts,
 * each a row of its own (the start of the instance, then its first invocation: two spans
 * of one window, the input setup left out); warmup invocations in one window; then `runs`
 * windows of `batch` back-to-back warm invocations, the batch sized so a window lasts at
 * least the meter's minimum, and a window that is still shorter when its batch is done
 * goes on (up to four times the batch, reserved before it opens) until it is not. A
 * window's energy is split over its invocations by their round-trip time
 * (rows_split_round_trip). Every instance is stopped in a metered
 * teardown window. Records live in one array, grown between windows only: nothing is
 * allocated or written inside a window.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "instance.h"
#include "jb_clock.h"
#include "session.h"

#define SINGLE_BATCH_MAX 1000000u

struct single {
	struct session *s;
	struct instance in;
	struct rows_record *rec;
	size_t cap;
	size_t n_seen;   /* rec[0..n_seen) hold invocations of this process, to size by */
	uint64_t invocation, rep;
	unsigned warm_done;        /* warm windows run (for an adaptive run's outcome) */
};

static int
single_reserve(struct single *g, size_t n, struct jb_err *err)
{
	struct rows_record *p;

	if (n <= g->cap)
		return 0;
	p = realloc(g->rec, n * sizeof(*p));
	if (!p) {
		g->s->fatal = 1;
		return jb_err_set(err, -ENOMEM, "cannot hold %zu invocations", n);
	}
	/* Zeroed, so that nothing reads a record no invocation filled. */
	memset(p + g->cap, 0, (n - g->cap) * sizeof(*p));
	g->rec = p;
	g->cap = n;
	return 0;
}

/* Write the rows of the checked window @w and make them durable. */
static int
single_write(struct single *g, struct window *w, const struct rows_policy *policy,
	     const char *phase, const struct rows_record *rec, size_t n, struct jb_err *err)
{
	struct rows_batch b = { rec, n };
	int rc = rows_window_write(&g->s->base, w, policy, phase, &b, 1, g->rep++, &g->invocation,
				   session_emit, g->s, err);

	return rc ? rc : session_flush(g->s, err);
}

/*
 * Run @n invocations in one window, and more (up to @n_max, which g->rec holds) while the
 * window is shorter than the meter's minimum, and write their rows. Return 0 (with
 * *@failed when the instance failed: the caller replaces it) or a writer error.
 *
 * Why go on: a batch is sized from the round trips before it, and a function's first
 * invocations are often its slowest (caches, the interpreter's own warmup), so a first
 * window sized by three warmup invocations came out at 0.89 s of a 1 s minimum, flagged,
 * and a compare of two windows had no ok window to rest on. Going on costs one clock read
 * an invocation past the batch, nothing inside it.
 */
static int
single_window(struct single *g, const char *phase, size_t n, size_t n_max, int *failed,
	      struct jb_err *err)
{
	struct window w;
	size_t i, done = 0;
	uint64_t t0_ns, long_ns;

	*failed = 0;
	window_begin(&w, &g->s->meter, g->s->min_window_ns);
	t0_ns = jb_clock_mono_ns();
	/* The window's length is its meter readings' span, and a reading is stamped with the
	 * sensor's own time (a BMC's latest value, meters/bmc.c), up to one update interval
	 * before the read: going on by the clock alone left Redfish windows at 9.92 s of a
	 * 10 s minimum under load. One update interval more covers that. */
	long_ns = g->s->min_window_ns + g->s->meter.info.update_interval_ns;
	for (i = 0; i < n_max; i++) {
		if (i >= n && jb_clock_mono_ns() - t0_ns >= long_ns)
			break;
		instance_invoke(&g->in, &g->rec[i], 0);
		window_poll(&w); /* a long window follows a wrapping counter */
		done++;
		if (g->rec[i].rc) {
			*failed = 1;
			break;
		}
	}
	window_span_end(&w);
	g->n_seen = done;
	window_check(&w, "window");
	if (*failed)
		window_flag(&w, "window cut short by an instance failure");
	return single_write(g, &w, &rows_split_round_trip, phase, g->rec, done, err);
}

/* A start that failed: its row, metered over the attempt. */
static int
single_start_failed(struct single *g, struct window *w, uint64_t unix0, int start_rc,
		    const char *msg, struct jb_err *err)
{
	struct rows_record *v = &g->rec[0];
	int rc;

	window_check(w, "cold start");
	memset(v, 0, sizeof(*v));
	v->kind = ROWS_START_FAILED;
	v->wl = g->in.wl;
	v->instance = g->in.id;
	v->core = -1;
	v->start_unix_ns = unix0;
	v->wall_ns = v->rt_ns = w->window_ns;
	/* A start can time out, crash or be OOM-killed like an invocation. */
	v->rc = start_rc ? start_rc : -EIO;
	snprintf(v->err, sizeof(v->err), "%s", msg);
	rc = single_write(g, w, &rows_cold_start, "cold", v, 1, err);
	return rc ? rc : start_rc;
}

/*
 * One cold start in two spans that leave the input setup out: the start of the instance,
 * then its first invocation. Return 0 with a running instance, or the start's error after
 * writing its row.
 */
static int
single_cold(struct single *g, struct jb_err *err)
{
	struct rows_record *v = &g->rec[0];
	uint64_t unix0 = jb_clock_unix_ns();
	struct jb_err e = { 0 };
	struct window w;
	uint64_t start_ns;
	int rc;

	window_begin(&w, &g->s->meter, g->s->min_window_ns);
	rc = instance_start(&g->in, &e);
	window_span_end(&w);
	start_ns = w.window_ns;
	if (rc)
		return single_start_failed(g, &w, unix0, rc, e.msg, err);
	rc = instance_prepare(&g->in, &e);
	if (rc) {
		instance_stop(&g->in);
		return single_start_failed(g, &w, unix0, rc, e.msg, err);
	}
	window_span_begin(&w);
	instance_invoke(&g->in, v, 0);
	window_span_end(&w);
	window_check(&w, "cold start");
	g->n_seen = 1;
	v->kind = ROWS_COLD;
	instance_cold_note(v, start_ns);
	rc = single_write(g, &w, &rows_cold_start, "cold", v, 1, err);
	if (rc)
		return rc;
	if (v->rc) {
		instance_stop(&g->in);
		return v->rc;
	}
	return 0;
}

/* Stop the instance, metered: a `teardown` row (for a container: `delete`, cgroup and
 * bundle removal). */
static int
single_stop_metered(struct single *g, struct jb_err *err)
{
	struct rows_record v = { .kind = ROWS_TEARDOWN, .wl = g->in.wl, .instance = g->in.id,
				 .core = g->in.inst.core };
	struct window w;

	if (!g->in.have)
		return 0;
	v.start_unix_ns = jb_clock_unix_ns();
	window_begin(&w, &g->s->meter, g->s->min_window_ns);
	instance_stop(&g->in);
	window_span_end(&w);
	window_check(&w, "teardown");
	v.wall_ns = v.rt_ns = w.window_ns;
	return single_write(g, &w, &rows_teardown, "teardown", &v, 1, err);
}

/* Replace a failed instance, unmetered, so the run can go on. A start that fails is a
 * row (not metered). */
static int
single_restart(struct single *g, struct jb_err *err)
{
	struct jb_err e = { 0 };
	uint64_t unix0 = jb_clock_unix_ns();
	struct window w;
	int rc;

	instance_stop(&g->in);
	window_begin(&w, &g->s->meter, g->s->min_window_ns);
	rc = instance_start(&g->in, &e);
	if (!rc)
		rc = instance_prepare(&g->in, &e);
	window_span_end(&w);
	if (rc) {
		instance_stop(&g->in);
		return single_start_failed(g, &w, unix0, rc, e.msg, err);
	}
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Invocations per window: enough that the window lasts min_window_ns, with a 25% margin,
 * at the typical round trip of the invocations just run: the median of a few (warmup: one
 * slow outlier must not size a window), the mean of a whole window (its length is their
 * sum; the median of its first 256 alone, slower than the rest, sized a window 0.85 s of
 * 1 s). Re-sized after every window, so a kernel that speeds up after its first runs
 * (caches, page faults) still fills it. */
static size_t
single_batch_size(const struct single *g, size_t n_seen)
{
	uint64_t rts[256], med;
	size_t i, n = n_seen < 256 ? n_seen : 256;

	if (g->s->cfg->batch)
		return g->s->cfg->batch;
	for (i = 0; i < n; i++)
		rts[i] = g->rec[i].rt_ns ? g->rec[i].rt_ns : 1;
	if (!n)
		return 1;
	qsort(rts, n, sizeof(rts[0]), cmp_u64);
	med = rts[n / 2];
	if (n_seen > 256) {
		double sum_ns = 0;

		for (i = 0; i < n_seen; i++)
			sum_ns += (double)(g->rec[i].rt_ns ? g->rec[i].rt_ns : 1);
		med = (uint64_t)fmax(1.0, sum_ns / (double)n_seen);
	}
	return (size_t)fmin(SINGLE_BATCH_MAX,
			    fmax(1.0, ceil(1.25 * (double)g->s->min_window_ns / (double)med)));
}

/* How far a warm window of @batch may go on while it is shorter than the minimum: four
 * times its batch, or the batch itself when the user fixed it (--batch means that many). */
static size_t
single_batch_max(const struct single *g, size_t batch)
{
	if (g->s->cfg->batch)
		return batch;
	return batch > SINGLE_BATCH_MAX / 4 ? SINGLE_BATCH_MAX : 4 * batch;
}

/* Cold starts (or an unmetered start when none is measured). 1: the workload cannot go
 * on (its row says why); 0: an instance runs; -errno: a write error. */
static int
single_starts(struct single *g, unsigned cold, struct jb_err *err)
{
	unsigned c;
	int rc;

	for (c = 0; c < cold || !g->in.have; c++) {
		if (g->in.have && (rc = single_stop_metered(g, err)))
			return rc;
		rc = c >= cold ? single_restart(g, err) : single_cold(g, err);
		if (g->s->fatal)
			return rc;
		if (rc)
			return 1;
		if (session_stopping(g->s))
			return 0;
	}
	return 0;
}

static int
single_windows(struct single *g, size_t wl_index, unsigned runs, struct jb_err *err)
{
	const struct proto_config *cfg = g->s->cfg;
	/* Without warmup, the windows are sized by the cold invocation in rec[0]. A resumed
	 * run measures no cold start (the file has it): with neither, one warmup invocation
	 * gives the round trip to size by (the CLI's guard against --warmup 0 --cold 0 does
	 * not see a resume's cold = 0). */
	unsigned warmup = cfg->warmup || cfg->batch || g->n_seen ? cfg->warmup : 1;
	size_t batch;
	unsigned k, total = cfg->until.enough ? cfg->until.max_windows : runs;
	uint64_t t0_ns;
	int failed, rc;

	if (warmup > cfg->warmup)
		session_notice(g->s, "%s: no invocation yet to size the windows by: one warmup "
			       "invocation first", g->in.wl->name);
	if (warmup) {
		rc = single_reserve(g, warmup, err);
		if (!rc)
			rc = single_window(g, "warmup", warmup, warmup, &failed, err);
		if (rc)
			return rc;
		if (failed && (rc = single_restart(g, err)))
			return g->s->fatal ? rc : 1;
	}
	batch = single_batch_size(g, g->n_seen);
	if ((rc = single_reserve(g, single_batch_max(g, batch), err)))
		return rc;
	session_notice(g->s, "%s: %zu invocation(s) per window (minimum window %.3f s)",
		       g->in.wl->name, batch, (double)g->s->min_window_ns / 1e9);
	t0_ns = jb_clock_mono_ns();
	for (k = 0; !session_stopping(g->s) &&
		    session_until_more(g->s, g->in.wl->name, k, runs, t0_ns); k++) {
		if ((rc = single_window(g, "warm", batch, single_batch_max(g, batch), &failed, err)))
			return rc;
		g->warm_done = k + 1;
		session_progress(g->s, wl_index, k + 1, total);
		if (failed && (rc = single_restart(g, err)))
			return g->s->fatal ? rc : 1;
		if (!failed && !cfg->batch) {
			batch = single_batch_size(g, g->n_seen);
			if ((rc = single_reserve(g, single_batch_max(g, batch), err)))
				return rc;
		}
	}
	return 0;
}

int
sched_single_run(struct session *s, size_t i, struct jb_err *err)
{
	const struct proto_config *cfg = s->cfg;
	const struct workload_desc *wl = cfg->workload[i];
	const struct proto_resume *done = session_resume_find(s, wl->name);
	struct single g = { .s = s };
	unsigned cold = cfg->cold, runs = cfg->runs;
	int rc;

	g.invocation = done ? done->next_invocation : 0;
	g.rep = done ? done->next_rep : 0;
	if (done) {
		/* Resuming: the cold starts were measured before; count only missing windows. */
		cold = done->has_cold ? 0 : cold;
		runs = done->warm_windows >= runs ? 0 : runs - done->warm_windows;
		if (!runs) {
			session_notice(s, "%s: complete in the file, skipped", wl->name);
			return 0;
		}
	}
	instance_init(&g.in, cfg->driver, s->drv, wl, cfg->size, cfg->seed, 0);
	session_notice(s, "%s (%s): %u cold, %u warmup, %u window(s)", wl->name,
		       workload_size_name(cfg->size), cold, cfg->warmup, runs);
	rc = single_reserve(&g, 1, err);
	if (!rc)
		rc = single_starts(&g, cold, err);
	if (!rc && !session_stopping(s))
		rc = single_windows(&g, i, runs, err);
	/* An adaptive workload that ended before its rule decided: interrupted or failed. */
	session_until_stopped(s, wl->name, g.warm_done);
	if (!rc)
		rc = single_stop_metered(&g, err);
	instance_stop(&g.in);
	free(g.rec);
	/* 1: this workload's instance could not go on (its row says why): the next one. */
	return rc == 1 ? 0 : rc;
}
