/* SPDX-License-Identifier: MIT */
/*
 * The session (session.h): rows out, notices and progress to the caller's callbacks, the
 * idle baseline and its noise, and whether the run's load showed in the meter at all.
 * Nothing here prints.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jb_clock.h"
#include "session.h"
#include "window.h"

/* Slices of an idle baseline kept for its noise: 10 minutes of 100 ms steps. */
#define IDLE_SLICES_MAX 6000

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
	/* Each warm window once (its rows share these three), for session_load_judge(). */
	if (!strcmp(row->phase, "warm") && isfinite(row->window_energy_j) &&
	    (row->rep != s->last_rep || row->window_wall_ns != s->last_wall_ns ||
	     row->window_energy_j != s->last_energy_j)) {
		s->last_rep = row->rep;
		s->last_wall_ns = row->window_wall_ns;
		s->last_energy_j = row->window_energy_j;
		s->loaded_j += row->window_energy_j;
		s->loaded_ns += row->window_wall_ns;
	}
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

/* The spread of an idle baseline's slice powers; @p_w holds @n slices of about @slice_s. */
static double
idle_noise_w(const struct session *s, const double *p_w, size_t n, double slice_s)
{
	double sum = 0, ss = 0, mean, floor_w;
	size_t i;

	if (!n || !(slice_s > 0))
		return NAN;
	for (i = 0; i < n; i++)
		sum += p_w[i];
	mean = sum / (double)n;
	for (i = 0; i < n; i++)
		ss += (p_w[i] - mean) * (p_w[i] - mean);
	/* At least what one slice's two endpoints can be off by (window.c), so that a
	 * counter quantised to a steady value does not claim zero noise. A slice of about one
	 * update of a sampled sensor (a BMC's 1 s) would take its whole reading for that:
	 * there only the resolution is a floor, and the spread is the slices' own. */
	if ((double)s->meter.info.update_interval_ns * 4 <= slice_s * 1e9)
		floor_w = window_uncertainty_j(&s->meter.info, mean * slice_s,
					       (uint64_t)(slice_s * 1e9), 1) / slice_s;
	else
		floor_w = 2 * s->meter.info.resolution_j / slice_s;
	return fmax(n > 1 ? sqrt(ss / (double)(n - 1)) : 0, floor_w);
}

/* Wait, in steps that see a stop, until a sensor that refreshes every update interval
 * shows only what came after the last load: a BMC's or a board sensor's value covers its
 * last period (a BMC's is often an average over it), so for up to one period after a load
 * ends it still shows that load. Two periods: the value, and the read that sees it. A
 * counter that advances every millisecond (RAPL) waits two milliseconds. */
static void
idle_settle(const struct session *s)
{
	uint64_t settle_ns = 2 * s->meter.info.update_interval_ns, end;

	if (settle_ns > 5000000000u)
		settle_ns = 5000000000u;
	end = jb_clock_mono_ns() + settle_ns;
	while (!session_stopping(s)) {
		uint64_t now = jb_clock_mono_ns();

		if (now >= end)
			break;
		jb_clock_sleep_ns(end - now < 100000000u ? end - now : 100000000u);
	}
}

int
session_idle_power(struct session *s, double *power_w, struct jb_err *err)
{
	double slice_w[IDLE_SLICES_MAX];
	size_t n_slices = 0;
	struct meter_sample s0, s1, prev;
	char why[256];
	uint64_t end, step_ns = 100000000u, slice_ns;
	int rc;

	idle_settle(s);
	rc = meter_sample(&s->meter, &s0);
	if (rc)
		return jb_err_set(err, rc, "meter %s: read failed: %s", s->cfg->meter->name,
				  jb_strerror(rc));
	/* Wake at least every 100 ms, for the stop flag and the noise, and often enough that
	 * no counter passes half its range between two reads. */
	if (s->meter.poll_ns && s->meter.poll_ns < step_ns)
		step_ns = s->meter.poll_ns;
	/* A noise slice spans at least one update of the source: slices shorter than that
	 * hold either no new reading or a whole one, and their spread is the sensor's
	 * sampling, not the machine's noise (a 1 s BMC read in 100 ms slices claimed
	 * kilowatts of idle noise). */
	/* (Three quarters of it: a source's updates come with jitter, and a slice that waits
	 * for a whole interval to the nanosecond would take two.) */
	slice_ns = s->meter.info.update_interval_ns / 4 * 3 > step_ns
			   ? s->meter.info.update_interval_ns / 4 * 3 : step_ns;
	end = s0.t_ns + (uint64_t)(s->cfg->idle_s * 1e9);
	prev = s0;
	while (jb_clock_mono_ns() < end && !session_stopping(s)) {
		uint64_t left = end - jb_clock_mono_ns();

		jb_clock_sleep_ns(left < step_ns ? left : step_ns);
		if (end <= jb_clock_mono_ns())
			break;
		if ((rc = meter_sample(&s->meter, &s1)))
			return jb_err_set(err, rc, "meter read failed: %s", jb_strerror(rc));
		/* Whole slices only: a short last one says more about quantisation than noise. */
		if (s1.t_ns >= prev.t_ns + slice_ns) {
			if (n_slices < IDLE_SLICES_MAX)
				slice_w[n_slices++] = (s1.energy_j - prev.energy_j) /
						      ((double)(s1.t_ns - prev.t_ns) / 1e9);
			prev = s1;
		}
	}
	rc = meter_sample(&s->meter, &s1);
	if (rc)
		return jb_err_set(err, rc, "meter read failed: %s", jb_strerror(rc));
	*power_w = s1.t_ns > s0.t_ns ? (s1.energy_j - s0.energy_j) / ((double)(s1.t_ns - s0.t_ns) / 1e9)
				    : NAN;
	s->idle_noise_w = idle_noise_w(s, slice_w, n_slices, (double)slice_ns / 1e9);
	/* What the baseline's mean may be off, for session_load_judge(). For a sampled sensor
	 * with about one reading a slice (a BMC's 1 s): the slices' spread over the square
	 * root of their number (their spread itself, not the endpoint floor of one slice,
	 * which would claim its whole reading as noise), and never less than the source's
	 * resolution over the baseline. */
	if ((double)s->meter.info.update_interval_ns * 4 <= (double)slice_ns) {
		/* A counter that moves many times a slice (RAPL): its slice noise, with the
		 * floor of what a slice's two ends can be off, is the bar, as it always was. */
		s->idle_mean_noise_w = s->idle_noise_w;
	} else if (s1.t_ns > s0.t_ns && n_slices > 1) {
		double base_s = (double)(s1.t_ns - s0.t_ns) / 1e9, mean = 0, ss = 0;
		size_t i;

		for (i = 0; i < n_slices; i++)
			mean += slice_w[i] / (double)n_slices;
		for (i = 0; i < n_slices; i++)
			ss += (slice_w[i] - mean) * (slice_w[i] - mean);
		s->idle_mean_noise_w = fmax(sqrt(ss / (double)(n_slices - 1) / (double)n_slices),
					    s->meter.info.resolution_j / base_s);
	} else {
		/* One slice has no spread to judge by: only the resolution is known. */
		s->idle_mean_noise_w = s1.t_ns > s0.t_ns ? s->meter.info.resolution_j /
							    ((double)(s1.t_ns - s0.t_ns) / 1e9)
						 : NAN;
	}
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

void
session_load_judge(struct session *s)
{
	struct proto_report *rep = s->rep;

	double bar_w;

	rep->loaded_w = s->loaded_ns ? s->loaded_j / ((double)s->loaded_ns / 1e9) : NAN;
	if (s->cfg->meter->kind != METER_KIND_MEASURED || !isfinite(rep->loaded_w) ||
	    !isfinite(s->idle_w) || !isfinite(rep->idle_noise_w))
		return;
	/* The bar is the idle noise of one slice, or three times what the baseline's mean may
	 * be off, whichever is lower: the loaded power is a mean over many windows, and a
	 * sensor read once a second has a slice noise of its whole reading (its endpoints),
	 * which no real load would clear. A stuck sensor clears neither. */
	bar_w = isfinite(s->idle_mean_noise_w) ? fmin(rep->idle_noise_w, 3 * s->idle_mean_noise_w)
					       : rep->idle_noise_w;
	if (rep->loaded_w - s->idle_w > bar_w)
		return;
	rep->load_flagged = 1;
	snprintf(rep->load_why, sizeof(rep->load_why),
		 "the warm windows drew %.4g W against %.4g W idle, not above it by more than "
		 "the idle noise %.3g W: the meter does not follow this load (a stuck or flat "
		 "sensor, one on another supply%s?)",
		 rep->loaded_w, s->idle_w, bar_w,
		 meter_selection_may_gate(&s->meter) ? ", a power-gated plane" : "");
}

int
session_drift_flagged(double before_w, double after_w, double threshold_pct, double *drift_pct)
{
	if (before_w == 0 && after_w == 0) {
		/* A power-gated plane before and after (meter_window_check() refuses 0 W for
		 * any other domain): no drift, not an unknown one. */
		*drift_pct = 0;
		return 0;
	}
	*drift_pct = 100.0 * (after_w - before_w) / before_w;
	/* NaN compares false with everything: without the isfinite() a baseline of 0 W
	 * (drift inf or NaN) would pass as "no drift". */
	return !isfinite(*drift_pct) || fabs(*drift_pct) > threshold_pct;
}
