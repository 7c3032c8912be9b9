/* SPDX-License-Identifier: MIT */
/*
 * The measurement protocol (DESIGN §4): idle baseline, cold starts, warmup, metered windows
 * of back-to-back warm invocations, one CSV row per invocation, idle baseline again. The
 * runner is the only place that combines a meter, a driver and a workload.
 */
#ifndef JB_BENCH_RUNNER_H
#define JB_BENCH_RUNNER_H

#include <signal.h>
#include <stdint.h>

#include "driver.h"
#include "jb_ctx.h"
#include "meter.h"
#include "summary.h"
#include "workload.h"

#define RUNNER_WORKLOADS_MAX 64
#define RUNNER_RESUMES_MAX 32

/* What an interrupted run's CSV already holds for one workload (for --resume). */
struct runner_resume {
	char workload[64];
	int has_cold;            /* its cold start(s) were measured */
	unsigned warm_windows;   /* complete warm windows in the file */
	uint64_t next_rep;       /* the first unused window index */
	uint64_t next_invocation;
};

struct runner_config {
	struct jb_ctx ctx;
	const struct meter_ops *meter;
	const char *domains;              /* NULL = the meter's default */
	const struct driver_ops *driver;
	struct driver_config driver_cfg;
	const struct workload_desc *workload[RUNNER_WORKLOADS_MAX];
	size_t n_workloads;
	enum workload_size size;
	uint64_t seed;
	unsigned runs;                    /* metered windows per workload */
	unsigned warmup;                  /* warm invocations before the windows */
	unsigned cold;                    /* cold starts measured per workload */
	unsigned batch;                   /* invocations per window; 0 = sized to the meter */
	unsigned concurrency;             /* instances at once (co-location); 0 or 1 = one */
	double rate_per_s;                /* Poisson arrivals over all instances; 0 = closed loop */
	double keep_alive_s;              /* retire an instance idle this long; 0 = never */
	double min_window_s;              /* 0 = the meter's default */
	double idle_s;                    /* idle baseline length, before and after */
	const char *out_path;
	int overwrite;
	int quiet;
	double drift_threshold_pct;       /* idle drift above this is flagged (0 = 5%) */
	volatile sig_atomic_t *stop;      /* set by a signal handler: finish the window, stop */
	/* The command line, kept in the sidecar so that --resume can rebuild the run. */
	int argc;
	char **argv;
	/* Resuming an interrupted run: append to out_path under its run id. */
	int resume_mode;
	const char *resume_run_id;
	uint64_t resume_started_unix_ns;
	uint64_t resumed_unix_ns[RUNNER_RESUMES_MAX]; /* earlier resumes, from the sidecar */
	size_t n_resumed;
	const struct runner_resume *resume;
	size_t n_resume;
	/* The same over the whole file, for co-located runs, whose windows and invocation
	 * indices are numbered across workloads. */
	struct runner_resume resume_all;
};

/* Where a run that could not proceed stopped, so the CLI can pick the exit code. */
enum runner_stage {
	RUNNER_STAGE_METER,        /* opening the meter: absent or unreadable here */
	RUNNER_STAGE_DOMAINS,      /* --domain names no domain, or overlapping ones */
	RUNNER_STAGE_DRIVER,       /* preparing the driver */
	RUNNER_STAGE_OUTPUT,       /* creating the results file */
	RUNNER_STAGE_RUN,          /* during the run: rows so far are kept */
};

struct runner_report {
	enum runner_stage stage;
	char run_id[128];
	char meta_path[4200];
	double idle_before_w, idle_after_w;
	int drift_flagged;
	unsigned long rows, rows_not_ok;
	int interrupted;
	struct summary summary;
	const char *meter_kind;
	char meter_detail[256];
	char domains[128];
};

/**
 * runner_run() - run the protocol for every workload in @cfg, writing rows to
 * cfg->out_path and the sidecar next to it; fill @rep (free with runner_report_fini()).
 * Context lines go to stderr unless cfg->quiet.
 * Return: 0 (even if some invocations failed: they are rows), or -errno for a run that
 * could not proceed (meter, driver or output unusable), with a message in @err.
 */
int runner_run(const struct runner_config *cfg, struct runner_report *rep, struct jb_err *err);

void runner_report_fini(struct runner_report *rep);

#endif
