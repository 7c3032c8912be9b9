/* SPDX-License-Identifier: MIT */
/*
 * The session of one run (protocol-private): the open meter, the prepared driver, the
 * results writer, the run id, the idle baseline and the sidecar, and what the schedulers
 * share: writing rows, notices, the stop flag.
 */
#ifndef JB_PROTOCOL_SESSION_H
#define JB_PROTOCOL_SESSION_H

#include "protocol.h"
#include "rows.h"
#include "sysinfo.h"

/* How far a run got: the sidecar of a stopped run says where the stop found it. */
enum session_stage {
	SESSION_STAGE_START,          /* opening the meter, driver and files */
	SESSION_STAGE_BASELINE,       /* the idle baseline before the run */
	SESSION_STAGE_WINDOWS,        /* cold starts, warmup and the metered windows */
	SESSION_STAGE_BASELINE_AFTER, /* the idle baseline after the last window */
};

struct session {
	const struct proto_config *cfg;
	struct proto_report *rep;
	struct sysinfo_host host;
	struct meter meter;
	void *drv;
	struct results_writer *w;
	double idle_w;
	uint64_t min_window_ns;
	double drift_threshold_pct;
	int fatal;                 /* the results file could not be written: stop the run */
	struct rows_base base;
	struct driver_info drv_info; /* the rung as run, which base.isolation points into */
	uint64_t t0_ns;            /* start of the measured part, for progress */
	unsigned windows_total, windows_done;
	enum session_stage stage;
	char host_change[RESULTS_META_HOST_CHANGE_LEN]; /* this resume's "from -> to", or "" */
	double idle_noise_w;       /* of the latest idle baseline (session_idle_power()) */
	double idle_mean_noise_w;  /* ...and of its mean: what the baseline itself may be off */
	/* The warm windows' energy and time, for the load check (session_load_judge()); one
	 * window's rows share rep, window_wall_ns and window_energy_j. */
	double loaded_j;
	uint64_t loaded_ns, last_rep, last_wall_ns;
	double last_energy_j;
};

/** session_notice() - a context line to the caller. */
void session_notice(const struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** session_stopping() - did a stop signal come? (the calling thread only) */
int session_stopping(const struct session *s);

/** session_emit() - write one row, count it, pass it to the caller. 0 or -errno. */
int session_emit(void *session, const struct results_row *row, struct jb_err *err);

/** session_flush() - make the rows so far durable (per window). 0 or -errno. */
int session_flush(struct session *s, struct jb_err *err);

/** session_progress() - one warm window of workload @wl_index done. */
void session_progress(struct session *s, size_t wl_index, unsigned window, unsigned windows);

/**
 * session_until_more() - whether workload @workload (NULL: co-located) runs another warm
 * window after @done of them, @runs being the fixed count (the minimum under cfg->until)
 * and @t0_ns the start of its first warm window. Under cfg->until, the decision to stop
 * is recorded in rep->until; the caller records an interrupted one with
 * session_until_stopped().
 */
int session_until_more(struct session *s, const char *workload, unsigned done, unsigned runs,
		       uint64_t t0_ns);

/** session_until_stopped() - under cfg->until, record that @workload stopped after @done
 * windows for another reason (a signal, an instance that could not go on). */
void session_until_stopped(struct session *s, const char *workload, unsigned done);

/** session_resume_find() - what the file holds of workload @name when resuming, or NULL. */
const struct proto_resume *session_resume_find(const struct session *s, const char *name);

/** session_idle_power() - mean power over cfg->idle_s with nothing of ours running, read
 * at least every 100 ms (and as often as the counters' range needs); s->idle_noise_w
 * gets the standard deviation of those reads' powers, at least their quantisation.
 * Return: 0, or -errno for a failed read or, on a measured meter, an implausible idle
 * power (0 W is a dead counter, not an idle machine, unless a power-gated plane's). */
int session_idle_power(struct session *s, double *power_w, struct jb_err *err);

/** session_load_judge() - after the run, on a measured meter: does the warm windows'
 * mean power exceed the idle baseline by more than its noise? Fills rep->loaded_w and,
 * when it does not, rep->load_flagged and rep->load_why. */
void session_load_judge(struct session *s);

/** session_make_run_id() - rep->run_id: the resumed one, or UTC time, host and pid. */
void session_make_run_id(struct session *s);

/** session_drift_flagged() - the drift from @before_w to @after_w in % (to @drift_pct):
 * 1 when it is above @threshold_pct or not a number (a baseline of 0 W that rose), else
 * 0; two baselines of exactly 0 W (a power-gated plane) are no drift. */
int session_drift_flagged(double before_w, double after_w, double threshold_pct,
			  double *drift_pct);

/** session_stop_describe() - why a stopped run ended, for the sidecar's ended_reason: where
 * the stop found it (before the start, in the idle baseline, after N windows). Returns @buf. */
const char *session_stop_describe(const struct session *s, char *buf, size_t len);

/** session_meta_write() - the sidecar: "running", "completed", "interrupted" or "error". */
int session_meta_write(const struct session *s, uint64_t started_ns, const char *ended,
		       const char *why, struct jb_err *err);

/* The schedulers (single.c, colocate.c). */

/** sched_single_run() - the single-instance protocol for workload @i. 0 or -errno
 * (a write error; failed instances are rows). */
int sched_single_run(struct session *s, size_t i, struct jb_err *err);

/** sched_colocate_wanted() - more than one instance, arrivals or keep-alive? */
int sched_colocate_wanted(const struct proto_config *cfg);

/** sched_colocate_check() - can the prepared driver run cfg->concurrency instances at
 * once? 0 or -EINVAL with the reason. */
int sched_colocate_check(const struct session *s, struct jb_err *err);

/** sched_colocate_run() - the co-located protocol over all workloads. 0 or -errno. */
int sched_colocate_run(struct session *s, struct jb_err *err);

#endif
