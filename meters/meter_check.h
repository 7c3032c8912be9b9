/* SPDX-License-Identifier: MIT */
/*
 * A meter checked as a lab checks an instrument (DESIGN §1, §4 step 1): a bounded CPU load
 * on chosen cores (meter_load.c), the liveness probe every measured meter passes before it
 * is used (meter_liveness.c), and the measurements of `joulebench check` and `calibrate`
 * (meter_ladder.c): the counter's real update interval and step, idle power and its noise,
 * the power at 0..N busy cores, and the agreement of two meters reading the same domain.
 * Nothing here prints; the reasons are one line in a caller's buffer.
 */
#ifndef JB_METER_CHECK_H
#define JB_METER_CHECK_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "jb_err.h"
#include "meter.h"

#define METER_CORES_MAX 1024

/* ---- load (meter_load.c) ---- */

struct meter_load;

/**
 * meter_cores_allowed() - the CPUs this process may run on (sched_getaffinity), in order.
 * Return: how many were written to @cores (at most @max, at least 1), or -errno.
 */
int meter_cores_allowed(int *cores, size_t max);

/**
 * meter_load_start() - one thread per CPU of @cores, each pinned to its CPU (when the
 * kernel allows) and spinning until meter_load_stop(). @n_cores 0 starts nothing.
 * Return: 0 or -errno (message in @err); on error no thread is left running.
 */
int meter_load_start(struct meter_load **out, const int *cores, size_t n_cores,
		     struct jb_err *err);

/**
 * meter_load_stop() - stop and join the threads, free @l (NULL allowed).
 * Return: the CPU time the load threads got, in ns (CLOCK_THREAD_CPUTIME_ID): on a shared
 * machine a busy thread is not always on its core, so callers use this, not the wall time.
 */
uint64_t meter_load_stop(struct meter_load *l);

/* ---- liveness (meter_liveness.c) ---- */

/**
 * meter_liveness_probe_ns() - how long each of the two phases (idle, loaded) of the liveness
 * probe of @m runs: 40 update intervals,
 * at least 200 ms and at most 500 ms, unless 3 update intervals need longer (a slow
 * sensor cannot show an advance sooner; then 3 intervals, at most 5 s).
 */
uint64_t meter_liveness_probe_ns(const struct meter *m);

/* meter_liveness_check(): alive, but its power does not rise under the probe's load. */
#define METER_LIVE_NO_LOAD 1

/**
 * meter_liveness_check() - does open meter @m count? Samples the meter through an idle
 * phase of meter_liveness_probe_ns(), then through as long a phase with @n_cores CPUs of
 * @cores busy. Judged are the selected domains, except that one whose kind may draw 0 W
 * (core, uncore) is judged by the enclosing domain whose kind may not (its package),
 * and may itself stand still: "uncore-0 0 W (power-gated?)" is added to @why. Each judged
 * domain must advance by more than 4 x info.resolution_j in the loaded phase, with no
 * rejected sample (a counter that went backwards or jumped), at a power inside
 * meter_domain_power_range_w(); a power_sampled one must also have read a changing
 * power. On a meter with info.measures_host, the judged domains' power with the load
 * must exceed their idle power by more than 2 idle standard deviations (and the slices'
 * quantisation). A modeled meter passes without a probe.
 * Return: 0 alive; METER_LIVE_NO_LOAD alive but not following load (the reason in @why,
 * starting "alive, but does not follow load"); -ENODATA dead, with the reason in @why
 * (one line, no meter name: "domain psys did not advance in 0.40 s with 2 cores busy (a
 * virtualized PMU or a frozen counter?)", "... a stuck sensor"); another -errno when a
 * read or the load failed (reason in @why).
 */
int meter_liveness_check(struct meter *m, const int *cores, size_t n_cores, char *why,
			 size_t why_len);

/* ---- measurements for check and calibrate (meter_ladder.c) ---- */

struct meter_updates {
	double interval_s; /* median time between changes of the first selected domain */
	double step_min_j; /* the smallest change seen: the resolution is at most this */
	unsigned changes;  /* changes seen while polling */
	double polled_s;
};

/**
 * meter_updates_measure() - poll the backend of @m as fast as it reads for @poll_ns and
 * time the changes of its first selected domain's raw counter.
 * Return: 0; -ENODATA when it changed fewer than 3 times; or the read's -errno.
 */
int meter_updates_measure(struct meter *m, uint64_t poll_ns, struct meter_updates *out);

/**
 * meter_power_series() - @n consecutive windows of @window_ns with nothing started:
 * @power_w[i] is the mean power of the selected domains in window i.
 * Return: 0 or a read's -errno.
 */
int meter_power_series(struct meter *m, uint64_t window_ns, size_t n, double *power_w);

struct meter_ladder_step {
	unsigned cores_busy;     /* load threads started */
	double busy_cores;       /* CPU time of this process in the window / its wall time:
				  * the x of the fit */
	double power_w;          /* mean power of the selected domains */
	double wall_s;
};

/**
 * meter_ladder_run() - n_cores + 1 steps of @step_ns: step k keeps the first k CPUs of
 * @cores busy. @steps has room for n_cores + 1 entries. @stop (may be NULL) ends early.
 * Return: the number of steps done, or -errno (message in @err).
 */
int meter_ladder_run(struct meter *m, const int *cores, size_t n_cores, uint64_t step_ns,
		     const volatile sig_atomic_t *stop, struct meter_ladder_step *steps,
		     struct jb_err *err);

struct meter_agreement {
	char domain[METER_NAME_MAX];
	double a_j, b_j;  /* energy each meter counted in the same window */
	double diff_rel;  /* |a - b| / mean(a, b) */
	double window_s;
	/* The two sides' scopes; when they differ the pair is not an agreement test but a
	 * ratio a_j / b_j (how much of a wall or board a package counter sees, say). */
	char scope_a[JB_SCOPE_TEXT_MAX], scope_b[JB_SCOPE_TEXT_MAX];
	int scopes_differ;
};

/**
 * meter_agree() - for every domain name both @a and @b have (package-0 in rapl-perf and in
 * rapl-powercap), the energy each counts over one window of @window_ns, read back to back.
 * Where the two meters share no domain name and their selections' scopes differ (RAPL's
 * package against a wall meter), one entry holds their selections' energies instead
 * (domain "<a's selection>/<b's selection>"), with scopes_differ set: a ratio to report,
 * not a disagreement. @out has room for METER_DOMAINS_MAX entries.
 * Return: the number of shared domains (0: nothing to compare), or a read's -errno.
 */
int meter_agree(struct meter *a, struct meter *b, uint64_t window_ns,
		struct meter_agreement *out);

#endif
