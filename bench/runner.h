/* SPDX-License-Identifier: MIT */
/*
 * The CLI's side of a measurement run: `run` and `compare` fill the protocol's own
 * configuration (struct proto_config, protocol/protocol.h), and runner_run() hands it to
 * the protocol library with the callbacks that talk to the user: context lines on stderr
 * (unless quiet), a progress line with an ETA when stderr is a terminal, and the summary
 * of the rows for the table.
 */
#ifndef JB_BENCH_RUNNER_H
#define JB_BENCH_RUNNER_H

#include "jb_err.h"
#include "protocol.h"
#include "summary.h"

/* A run's outcome: the protocol's report, and the summary of the rows for the table. */
struct runner_report {
	struct proto_report proto;
	struct summary summary;
};

/**
 * runner_run() - run the protocol (proto_run()) for @cfg, whose events this replaces with
 * the user's; fill @rep, with the summary of the rows written (free with
 * runner_report_fini()). Context lines and progress go to stderr unless @quiet.
 * Return: as proto_run().
 */
int runner_run(const struct proto_config *cfg, int quiet, struct runner_report *rep,
	       struct jb_err *err);

void runner_report_fini(struct runner_report *rep);

/** runner_exit_code() - DESIGN §7's exit code for runner_run()'s error @rc, by the stage
 * where the run stopped (rep->proto.stage): 77 meter, 2 domains or output, 2 or 77 driver,
 * else 1. */
int runner_exit_code(const struct runner_report *rep, int rc);

#endif
