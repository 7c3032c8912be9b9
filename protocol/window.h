/* SPDX-License-Identifier: MIT */
/*
 * The window engine (DESIGN §4 steps 3 and 5): one metered span of time, or several (a
 * cold start leaves the input setup out), its energy and its uncertainty, and the checks a
 * window passes before its rows are written. Every scheduler (single, co-located, cold
 * starts, teardowns) meters through this file, so a window is judged the same way
 * everywhere: a failed read is a `meter-error`; a counter jump, reads so far apart that a
 * counter could have wrapped unseen, a window shorter than the meter's minimum, an
 * implausible energy (meter_window_check()) or a reason the scheduler adds (an instance
 * failure, invocations without CPU time) make it `untrustworthy`. Long windows read the
 * meter in between (window_poll()), so that a wrapping counter is followed. A
 * flagged number is kept, never passed off as `ok`. A window and its meter belong to the
 * thread that opened them (the schedulers' calling thread).
 */
#ifndef JB_PROTOCOL_WINDOW_H
#define JB_PROTOCOL_WINDOW_H

#include <stdint.h>

#include "meter.h"

#define WINDOW_WHY_MAX 512

struct window {
	struct meter *meter;
	uint64_t min_window_ns;
	struct meter_sample first;  /* the first read; t_ns is stamped even if it failed */
	struct meter_sample span0;  /* the start of the open span */
	unsigned spans;
	int open;
	int read_rc;                /* the first failed meter_sample(), or 0 */
	unsigned rejected0, rejected1;
	unsigned gaps;              /* reads inside the spans too far apart (meter.h gaps) */
	uint64_t last_read_ns;      /* the latest meter read, for window_poll() */
	uint64_t window_ns;         /* the spans' summed length */
	double energy_j;            /* the spans' summed energy; NaN after a failed read */
	int meter_error;            /* flagged by a failed read: status meter-error */
	char why[WINDOW_WHY_MAX];   /* the reasons it is flagged, "; "-separated; "" = none */
};

/** window_uncertainty_j() - the energy uncertainty of @spans metered spans that counted
 * @energy_j over @window_ns in all, on a meter described by @info: each span's two
 * endpoints can be off by one counter step (resolution_j) and by one update interval's
 * energy at the mean power. 0 spans or 0 ns: the counter steps only. */
double window_uncertainty_j(const struct meter_info *info, double energy_j, uint64_t window_ns,
			    unsigned spans);

/** window_begin() - start a window on @m (its first span): one meter read. */
void window_begin(struct window *w, struct meter *m, uint64_t min_window_ns);

/** window_span_end() - end the open span: one meter read; its energy and time are added. */
void window_span_end(struct window *w);

/** window_span_begin() - open another span of the same window: one meter read. */
void window_span_begin(struct window *w);

/**
 * window_poll() - read the meter inside an open span when its counters could otherwise
 * pass half their range before the next read (meter_poll_interval_ns()): call it between
 * invocations and while waiting. Reads nothing when the meter declares no range or the
 * last read is recent enough, so a short window costs one clock read per call. Reads
 * further apart than the range allows (one invocation that runs too long) flag the
 * window in window_check().
 */
void window_poll(struct window *w);

/** window_flag() - add a reason why the window cannot be trusted (kept once, in order). */
void window_flag(struct window *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * window_check() - after the last span: flag a failed read (as a meter error, "meter read
 * failed during the @what: ..."), a counter jump, reads too far apart for the counter's
 * range, a window shorter than the minimum ("@what
 * S s is shorter than the meter's minimum M s") and, for the meter's kind, an implausible
 * energy or power (meter_window_check()).
 */
void window_check(struct window *w, const char *what);

/** window_status() - "ok", "untrustworthy" or "meter-error" for the window's rows. */
const char *window_status(const struct window *w);

/** window_uncertainty() - window_uncertainty_j() of this window (NaN without energy). */
double window_uncertainty(const struct window *w);

#endif
