/* SPDX-License-Identifier: MIT */
/*
 * What `joulebench run --resume FILE` needs from an interrupted run: its command line, run
 * id and start time from the sidecar, and from the CSV which windows each workload
 * already completed, so the resumed run appends exactly the missing ones.
 */
#ifndef JB_BENCH_RESUME_H
#define JB_BENCH_RESUME_H

#include "jb_err.h"
#include "runner.h"

struct resume_info {
	char run_id[128];
	uint64_t started_unix_ns;
	uint64_t resumed_unix_ns[RUNNER_RESUMES_MAX];
	size_t n_resumed;
	int argc;
	char *argv[256];   /* owned; freed by resume_info_fini() */
	struct runner_resume wl[RUNNER_WORKLOADS_MAX];
	size_t n_wl;
	struct runner_resume all; /* over every workload: windows, next rep and invocation */
	unsigned long rows;
};

/**
 * resume_load() - read CSV @path and its sidecar. Refuses a run that completed (-EALREADY),
 * a sidecar without the command line, or rows of another run id (-EINVAL).
 * Return: 0 or -errno, with a message in @err.
 */
int resume_load(const char *path, struct resume_info *ri, struct jb_err *err);

void resume_info_fini(struct resume_info *ri);

#endif
