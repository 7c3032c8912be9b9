/* SPDX-License-Identifier: MIT */
/*
 * The session (session.h): rows out, notices and progress to the caller's callbacks, the
 * idle baseline. Nothing here prints.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jb_clock.h"
#include "session.h"

void
session_notice(const struct session *s, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!s->cfg->events.notice)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s->cfg->events.notice(s->cfg->events.arg, line);
}

int
session_stopping(const struct session *s)
{
	return s->cfg->stop && *s->cfg->stop;
}

int
session_emit(void *arg, const struct results_row *row, struct jb_err *err)
{
	struct session *s = arg;
	int rc = results_writer_write(s->w, row, err);

	if (rc) {
		s->fatal = 1;
		return rc;
	}
	s->rep->rows++;
	if (strcmp(row->status, "ok") != 0)
		s->rep->rows_not_ok++;
	if (s->cfg->events.row && (rc = s->cfg->events.row(s->cfg->events.arg, row, err)))
		s->fatal = 1;
	return rc;
}

int
session_flush(struct session *s, struct jb_err *err)
{
	int rc = results_writer_flush(s->w, err);

	if (rc)
		s->fatal = 1;
	return rc;
}

void
session_progress(struct session *s, size_t wl_index, unsigned window, unsigned windows)
{
	struct proto_progress p = {
		.workload_index = wl_index, .n_workloads = s->cfg->n_workloads,
		.workload = s->cfg->workload[wl_index]->name, .window = window,
		.windows = windows,
	};

	s->windows_done++;
	if (!s->cfg->events.progress)
		return;
	p.windows_done = s->windows_done;
	p.windows_total = s->windows_total;
	p.elapsed_ns = jb_clock_mono_ns() - s->t0_ns;
	s->cfg->events.progress(s->cfg->events.arg, &p);
}

const char *
proto_until_end_name(enum proto_until_end end)
{
	switch (end) {
	case PROTO_UNTIL_TARGET: return "target";
	case PROTO_UNTIL_MAX_WINDOWS: return "max-windows";
	case PROTO_UNTIL_MAX_TIME: return "max-time";
	case PROTO_UNTIL_STOPPED:
	default: return "stopped";
	}
}

/* Record how @workload's windows ended, once (the first decision stands). */
static void
until_record(struct session *s, const char *workload, unsigned done, enum proto_until_end end)
{
	struct proto_report *rep = s->rep;
	size_t i;

	for (i = 0; i < rep->n_until; i++)
		if (!strcmp(rep->until[i].workload, workload ? workload : ""))
			return;
	if (rep->n_until == PROTO_WORKLOADS_MAX)
		return;
	snprintf(rep->until[rep->n_until].workload, sizeof(rep->until[0].workload), "%s",
		 workload ? workload : "");
	rep->until[rep->n_until].windows = done;
	rep->until[rep->n_until++].end = end;
}

int
session_until_more(struct session *s, const char *workload, unsigned done, unsigned runs,
		   uint64_t t0_ns)
{
	const struct proto_until *u = &s->cfg->until;

	if (!u->enough)
		return done < runs;
	if (done < runs)
		return 1;
	if (u->enough(u->arg, workload, done)) {
		until_record(s, workload, done, PROTO_UNTIL_TARGET);
		return 0;
	}
	if (done >= u->max_windows) {
		until_record(s, workload, done, PROTO_UNTIL_MAX_WINDOWS);
		return 0;
	}
	if (u->max_time_s > 0 && (double)(jb_clock_mono_ns() - t0_ns) / 1e9 >= u->max_time_s) {
		until_record(s, workload, done, PROTO_UNTIL_MAX_TIME);
		return 0;
	}
	return 1;
}

void
session_until_stopped(struct session *s, const char *workload, unsigned done)
{
	if (s->cfg->until.enough)
		until_record(s, workload, done, PROTO_UNTIL_STOPPED);
}

const struct proto_resume *
session_resume_find(const struct session *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->cfg->n_resume; i++)
		if (!strcmp(s->cfg->resume[i].workload, name))
			return &s->cfg->resume[i];
	return NULL;
}

int
session_idle_power(struct session *s, double *power_w, struct jb_err *err)
{
	struct meter_sample s0, s1;
	char why[256];
	uint64_t end;
	int rc = meter_sample(&s->meter, &s0);

	if (rc)
		return jb_err_set(err, rc, "meter %s: read failed: %s", s->cfg->meter->name,
				  jb_strerror(rc));
	end = s0.t_ns + (uint64_t)(s->cfg->idle_s * 1e9);
	while (jb_clock_mono_ns() < end && !session_stopping(s)) {
		uint64_t left = end - jb_clock_mono_ns();

		/* Wake at least every 100 ms, for the stop flag and to keep ≤ 1 wrap per read. */
		jb_clock_sleep_ns(left < 100000000u ? left : 100000000u);
		if (end > jb_clock_mono_ns() && (rc = meter_sample(&s->meter, &s1)))
			return jb_err_set(err, rc, "meter read failed: %s", jb_strerror(rc));
	}
	rc = meter_sample(&s->meter, &s1);
	if (rc)
		return jb_err_set(err, rc, "meter read failed: %s", jb_strerror(rc));
	*power_w = s1.t_ns > s0.t_ns ? (s1.energy_j - s0.energy_j) / ((double)(s1.t_ns - s0.t_ns) / 1e9)
				    : NAN;
	/* An idle baseline is subtracted from every dynamic energy: one a measured meter
	 * cannot give (0 W, NaN, an impossible power) would make all of them wrong, and the
	 * drift against it meaningless. A baseline cut short by a stop is not judged: the
	 * run ends there anyway, and a few milliseconds can hold no counter step. */
	if (session_stopping(s))
		return 0;
	if (s->cfg->meter->kind == METER_KIND_MEASURED &&
	    (rc = meter_window_check(&s->meter, s1.energy_j - s0.energy_j,
				     s1.t_ns > s0.t_ns ? s1.t_ns - s0.t_ns : 0, why, sizeof(why))))
		return jb_err_set(err, -EIO, "idle baseline of meter %s is not plausible: %s",
				  s->cfg->meter->name, why);
	return 0;
}

int
session_drift_flagged(double before_w, double after_w, double threshold_pct, double *drift_pct)
{
	*drift_pct = 100.0 * (after_w - before_w) / before_w;
	/* NaN compares false with everything: without the isfinite() a baseline of 0 W
	 * (drift inf or NaN) would pass as "no drift". */
	return !isfinite(*drift_pct) || fabs(*drift_pct) > threshold_pct;
}
