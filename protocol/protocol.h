/* SPDX-License-Identifier: MIT */
/*
 * The measurement protocol (DESIGN §4), the one entry point: proto_run() takes a
 * configuration (no command line: bench/ parses that) and runs the session: meter, driver,
 * results file, idle baseline before and after, and for every workload either the
 * single-instance scheduler (cold starts, warmup, windows sized to the meter) or the
 * co-located one (instances at once, arrivals, keep-alive), both on the window engine.
 * It never prints: context lines, progress and rows reach the caller through struct
 * proto_events.
 */
#ifndef JB_PROTOCOL_H
#define JB_PROTOCOL_H

#include <signal.h>
#include <stdint.h>

#include "driver.h"
#include "jb_ctx.h"
#include "meter.h"
#include "results.h"
#include "workload.h"

#define PROTO_WORKLOADS_MAX 64
#define PROTO_RESUMES_MAX 32

/* What an interrupted run's CSV already holds for one workload (resume.h fills it). */
struct proto_resume {
	char workload[64];
	int has_cold;            /* its cold start(s) were measured */
	unsigned warm_windows;   /* complete warm windows in the file */
	uint64_t next_rep;       /* the first unused window index */
	uint64_t next_invocation;
};

/* Progress after each warm window. */
struct proto_progress {
	size_t workload_index, n_workloads;
	const char *workload;
	unsigned window, windows;           /* this workload's */
	unsigned windows_done, windows_total; /* the whole run's */
	uint64_t elapsed_ns;                /* since the measured part began */
};

/* How the protocol talks to its caller; every member may be NULL. */
struct proto_events {
	void *arg;
	/* A context line ("idle power 3.2 W"); warnings start with "warning: ". */
	void (*notice)(void *arg, const char *line);
	void (*progress)(void *arg, const struct proto_progress *p);
	/* Each row, after it was written; an error stops the run (e.g. -ENOMEM). */
	int (*row)(void *arg, const struct results_row *row, struct jb_err *err);
};

/*
 * Adaptive stopping (`run --ci-target`): with @enough set, a workload (co-located: the
 * whole run) runs its cfg->runs windows, then keeps adding warm windows until @enough
 * says its interval is narrow enough, @max_windows were run, or @max_time_s passed since
 * its first warm window. The protocol does no statistics (it does not depend on
 * analysis/): the caller judges, from the rows it is handed (proto_events.row).
 */
struct proto_until {
	/* After each warm window: @workload (NULL: every workload of a co-located window),
	 * @windows its warm windows so far in this run. 1: enough; 0: go on. */
	int (*enough)(void *arg, const char *workload, unsigned windows);
	void *arg;
	unsigned max_windows;             /* at least cfg->runs */
	double max_time_s;                /* 0: no limit by time */
	double target_pct;                /* the caller's target, recorded in the sidecar */
};

/* How an adaptive workload (or the co-located run) ended. */
enum proto_until_end {
	PROTO_UNTIL_TARGET,               /* @enough said so */
	PROTO_UNTIL_MAX_WINDOWS,
	PROTO_UNTIL_MAX_TIME,
	PROTO_UNTIL_STOPPED,              /* interrupted, or the workload could not go on */
};

struct proto_until_outcome {
	char workload[64];                /* "" for a co-located run */
	unsigned windows;                 /* warm windows run */
	enum proto_until_end end;
};

struct proto_config {
	struct jb_ctx ctx;
	const struct meter_ops *meter;
	const char *domains;              /* NULL = the meter's default */
	const struct driver_ops *driver;
	struct driver_config driver_cfg;
	const struct workload_desc *workload[PROTO_WORKLOADS_MAX];
	size_t n_workloads;
	enum workload_size size;
	uint64_t seed;
	unsigned runs;                    /* metered windows per workload */
	unsigned warmup;                  /* warm invocations before the windows */
	unsigned cold;                    /* cold starts measured per workload (per instance) */
	unsigned batch;                   /* invocations per window; 0 = sized to the meter */
	unsigned concurrency;             /* instances at once (co-location); 0 or 1 = one */
	double rate_per_s;                /* Poisson arrivals over all instances; 0 = closed loop */
	double keep_alive_s;              /* retire an instance idle this long; 0 = never */
	double min_window_s;              /* 0 = the meter's default */
	double idle_s;                    /* idle baseline length, before and after */
	const char *out_path;
	int overwrite;
	double drift_threshold_pct;       /* idle drift above this is flagged (0 = 5%) */
	volatile sig_atomic_t *stop;      /* set by a signal handler: finish the window, stop */
	/* Recorded verbatim in the sidecar's "argv" (the caller's command, for --resume). */
	char *const *command;
	size_t n_command;
	/* Resuming an interrupted run: append to out_path under its run id. */
	int resume_mode;
	const char *resume_run_id;
	uint64_t resume_started_unix_ns;
	uint64_t resumed_unix_ns[PROTO_RESUMES_MAX]; /* earlier resumes, from the sidecar */
	size_t n_resumed;
	const struct proto_resume *resume;
	size_t n_resume;
	/* The same over the whole file, for co-located runs, whose windows and invocation
	 * indices are numbered across workloads. */
	struct proto_resume resume_all;
	struct proto_events events;
	struct proto_until until;         /* enough NULL: a fixed cfg->runs windows */
};

/* Where a run that could not proceed stopped, so the CLI can pick the exit code. */
enum proto_stage {
	PROTO_STAGE_METER,        /* opening the meter: absent or unreadable here */
	PROTO_STAGE_DOMAINS,      /* --domain names no domain, or overlapping ones */
	PROTO_STAGE_DRIVER,       /* preparing the driver */
	PROTO_STAGE_OUTPUT,       /* creating the results file */
	PROTO_STAGE_RUN,          /* during the run: rows so far are kept */
};

struct proto_report {
	enum proto_stage stage;
	char run_id[128];
	char meta_path[4200];
	double idle_before_w, idle_after_w;
	int drift_flagged;
	double idle_noise_w;   /* of the baseline before the run: its reads' spread */
	double loaded_w;       /* mean power of the warm windows; NaN when none */
	int load_flagged;      /* loaded_w is not above idle_before_w by more than the noise */
	char load_why[256];
	unsigned long rows, rows_not_ok;
	int interrupted;
	const char *meter_kind;
	char meter_detail[256];
	char domains[128];
	/* Under cfg->until: one outcome per workload (co-located: one for the run). */
	struct proto_until_outcome until[PROTO_WORKLOADS_MAX];
	size_t n_until;
};

/** proto_until_end_name() - "target", "max-windows", "max-time" or "stopped". */
const char *proto_until_end_name(enum proto_until_end end);

/**
 * proto_run() - run the protocol for every workload in @cfg, writing rows to cfg->out_path
 * and the sidecar next to it; fill @rep.
 * Return: 0 (even if some invocations failed: they are rows), or -errno for a run that
 * could not proceed (meter, driver or output unusable, a write error, an idle baseline a
 * measured meter cannot have), with a message in @err and rep->stage saying where.
 */
int proto_run(const struct proto_config *cfg, struct proto_report *rep, struct jb_err *err);

#endif
