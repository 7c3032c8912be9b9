/* SPDX-License-Identifier: MIT */
/*
 * The CLI's side of a measurement run: `run` and `compare` fill a struct runner_config,
 * and runner_run() hands it to the protocol library (protocol/protocol.h) with the
 * callbacks that talk to the user: context lines on stderr (unless quiet), a progress line
 * with an ETA when stderr is a terminal, and the summary of the rows for the table.
 */
#ifndef JB_BENCH_RUNNER_H
#define JB_BENCH_RUNNER_H

#include <signal.h>
#include <stdint.h>

#include "driver.h"
#include "jb_ctx.h"
#include "meter.h"
#include "protocol.h"
#include "summary.h"
#include "workload.h"

#define RUNNER_WORKLOADS_MAX PROTO_WORKLOADS_MAX
#define RUNNER_RESUMES_MAX PROTO_RESUMES_MAX

/* The protocol's configuration (struct proto_config) as the command line gives it. */
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
	const struct proto_resume *resume;
	size_t n_resume;
	struct proto_resume resume_all;
};

/* Where a run that could not proceed stopped, so the CLI can pick the exit code. */
enum runner_stage {
	RUNNER_STAGE_METER = PROTO_STAGE_METER,
	RUNNER_STAGE_DOMAINS = PROTO_STAGE_DOMAINS,
	RUNNER_STAGE_DRIVER = PROTO_STAGE_DRIVER,
	RUNNER_STAGE_OUTPUT = PROTO_STAGE_OUTPUT,
	RUNNER_STAGE_RUN = PROTO_STAGE_RUN,
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
 * runner_run() - run the protocol (proto_run()) for @cfg; fill @rep, with the summary of
 * the rows written (free with runner_report_fini()). Context lines go to stderr unless
 * cfg->quiet. Return: as proto_run().
 */
int runner_run(const struct runner_config *cfg, struct runner_report *rep, struct jb_err *err);

void runner_report_fini(struct runner_report *rep);

#endif
