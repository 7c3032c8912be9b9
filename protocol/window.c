/* SPDX-License-Identifier: MIT */
/*
 * The window engine (window.h). A window is a list of spans, each between two meter
 * reads; nothing is allocated and nothing is written while one is open.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jb_clock.h"
#include "jb_err.h"
#include "window.h"

double
window_uncertainty_j(const struct meter_info *info, double energy_j, uint64_t window_ns,
		     unsigned spans)
{
	double power_w = window_ns ? energy_j / ((double)window_ns / 1e9) : 0;

	if (!isfinite(power_w) || power_w < 0)
		power_w = 0;
	return 2.0 * (double)spans *
	       (info->resolution_j + power_w * (double)info->update_interval_ns / 1e9);
}

static void
window_read(struct window *w, struct meter_sample *s)
{
	int rc = meter_sample(w->meter, s);

	/* meter_sample() stamps t_ns and sets the energy to NaN on a failure: the time stays
	 * usable (deadlines), the energy is never taken from a failed read. */
	if (rc && !w->read_rc)
		w->read_rc = rc;
	w->last_read_ns = s->t_ns;
}

void
window_poll(struct window *w)
{
	struct meter_sample s;

	if (!w->open || !w->meter->poll_ns ||
	    jb_clock_mono_ns() - w->last_read_ns < w->meter->poll_ns)
		return;
	/* Only the counters move on: the span's energy is still its two ends' difference. */
	window_read(w, &s);
}

void
window_begin(struct window *w, struct meter *m, uint64_t min_window_ns)
{
	memset(w, 0, sizeof(*w));
	w->meter = m;
	w->min_window_ns = min_window_ns;
	w->energy_j = 0;
	window_read(w, &w->first);
	w->span0 = w->first;
	w->rejected0 = w->first.rejected;
	w->open = 1;
}

void
window_span_begin(struct window *w)
{
	if (w->open)
		return;
	window_read(w, &w->span0);
	w->open = 1;
}

void
window_span_end(struct window *w)
{
	struct meter_sample s;

	if (!w->open)
		return;
	window_read(w, &s);
	w->open = 0;
	w->spans++;
	w->window_ns += s.t_ns > w->span0.t_ns ? s.t_ns - w->span0.t_ns : 0;
	w->energy_j += s.energy_j - w->span0.energy_j; /* NaN after a failed read stays NaN */
	w->rejected1 = s.rejected;
	w->gaps += s.gaps - w->span0.gaps;
}

void
window_flag(struct window *w, const char *fmt, ...)
{
	char buf[WINDOW_WHY_MAX];
	size_t n = strlen(w->why);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!buf[0] || strstr(w->why, buf))
		return;
	snprintf(w->why + n, sizeof(w->why) - n, "%s%s", n ? "; " : "", buf);
}

void
window_check(struct window *w, const char *what)
{
	char why[256];

	if (w->open)
		window_span_end(w);
	if (w->read_rc || !isfinite(w->energy_j)) {
		w->energy_j = NAN;
		w->meter_error = 1;
		window_flag(w, "meter read failed during the %s: %s", what,
			    jb_strerror(w->read_rc ? w->read_rc : -EIO));
		return;
	}
	if (w->rejected1 != w->rejected0)
		window_flag(w, "meter counter jumped implausibly in this %s", what);
	if (w->gaps)
		window_flag(w, "meter reads in this %s lay more than %.3g s apart, in which a "
			       "counter could pass half its range: whole wraps may be missing",
			    what, 2.0 * (double)w->meter->poll_ns / 1e9);
	if (w->window_ns < w->min_window_ns)
		window_flag(w, "%s %.4f s is shorter than the meter's minimum %.4f s", what,
			    (double)w->window_ns / 1e9, (double)w->min_window_ns / 1e9);
	if (meter_window_check(w->meter, w->energy_j, w->window_ns, why, sizeof(why)))
		window_flag(w, "%s", why);
}

const char *
window_status(const struct window *w)
{
	return w->meter_error ? "meter-error" : w->why[0] ? "untrustworthy" : "ok";
}

double
window_uncertainty(const struct window *w)
{
	if (!isfinite(w->energy_j))
		return NAN;
	return window_uncertainty_j(&w->meter->info, w->energy_j, w->window_ns, w->spans);
}
