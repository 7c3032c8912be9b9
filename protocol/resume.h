/* SPDX-License-Identifier: MIT */
/*
 * What resuming an interrupted run (`joulebench run --resume FILE`) needs: from the
 * sidecar, the command it was started with (kept verbatim; bench/ parses it again), its
 * run id and start time; from the CSV, which windows each workload already completed, so
 * the resumed run appends exactly the missing ones.
 */
#ifndef JB_PROTOCOL_RESUME_H
#define JB_PROTOCOL_RESUME_H

#include "jb_err.h"
#include "protocol.h"

struct resume_info {
	char run_id[128];
	uint64_t started_unix_ns;
	uint64_t resumed_unix_ns[PROTO_RESUMES_MAX];
	size_t n_resumed;
	/* The command recorded in the sidecar ("argv"), for the caller to parse again;
	 * owned, freed by resume_info_fini(). */
	int n_command;
	char *command[256];
	struct proto_resume wl[PROTO_WORKLOADS_MAX];
	size_t n_wl;
	struct proto_resume all; /* over every workload: windows, next rep and invocation */
	unsigned long rows;
	/* What the run measured with, and its deliberate changes of host so far. */
	struct results_meta_identity id;
	char host_changes[PROTO_RESUMES_MAX][RESULTS_META_HOST_CHANGE_LEN];
	size_t n_host_changes;
};

/**
 * resume_load() - read CSV @path and its sidecar. Refuses a run that completed (-EALREADY),
 * a sidecar without the command line, or rows of another run id (-EINVAL).
 * Return: 0 or -errno, with a message in @err.
 */
int resume_load(const char *path, struct resume_info *ri, struct jb_err *err);

void resume_info_fini(struct resume_info *ri);

/**
 * resume_identity_check() - compare what a resumed run would measure with (@now) to what
 * the run measured with so far (@was): host, meter, domains, driver, runtime and
 * binaries. A different host is allowed when @allow_host (a fleet's deliberate move).
 * Return: 0 the same; 1 only the host differs and @allow_host; -EINVAL with one line
 * naming the first difference in @err.
 */
int resume_identity_check(const struct results_meta_identity *was,
			  const struct results_meta_identity *now, int allow_host,
			  struct jb_err *err);

#endif
