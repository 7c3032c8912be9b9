/* SPDX-License-Identifier: MIT */
/*
 * The joulebench-fn line protocol (DESIGN §3). A driver writes one request line to a
 * function runner's stdin and reads one reply line from its stdout. Lines are words of
 * key=value separated by single spaces; a `msg=` pair, when present, is last and runs to the
 * end of the line. Both sides use this one parser and formatter, so they cannot drift.
 *
 *   runner start:  ready pid=123 cpu=2 cpus_allowed=2
 *   prepare:       prepare workload=matmul size=small seed=42   -> prepared setup_ns=...
 *   invoke:        invoke workload=matmul size=small seed=42    -> result status=ok ...
 *   quit:          quit                                          (runner exits 0)
 *   user function: invoke workload=NAME size=small seed=42 spec=/run/dir/NAME.json
 *
 * A prepare builds the seeded input outside any metered window; an invoke of the same
 * (workload, size, seed) reuses it, so a warm invocation measures the kernel alone.
 */
#ifndef JB_PROTO_H
#define JB_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "jb_err.h"

#define JB_PROTO_LINE_MAX 1024
#define JB_PROTO_NAME_MAX 64

enum jb_proto_verb {
	JB_PROTO_PREPARE,
	JB_PROTO_INVOKE,
	JB_PROTO_QUIT,
};

struct jb_fn_request {
	enum jb_proto_verb verb;
	char workload[JB_PROTO_NAME_MAX];
	char size[16];
	uint64_t seed;
	/* A user's function (issue 24): its resolved function file, a path without spaces
	 * that the runner can read; "" for a built-in kernel. Sent as `spec=PATH`. */
	char spec[640];
};

/* Status words of a result; the runner copies them into the CSV's status column. */
#define JB_STATUS_OK "ok"
#define JB_STATUS_FAILED "failed"   /* the kernel ran but its checksum did not verify */
#define JB_STATUS_ERROR "error"     /* the request could not be served (unknown name, ENOMEM) */

struct jb_fn_result {
	char status[16];
	uint64_t checksum;
	int verified;        /* 1 when the checksum matched the workload's reference */
	uint64_t wall_ns;    /* CLOCK_MONOTONIC around the kernel alone */
	uint64_t cpu_ns;     /* CPU time of the runner process over the same span */
	uint64_t setup_ns;   /* for `prepared`: time spent building the input */
	double work_units;   /* units of work done (the workload's work_unit) */
	char msg[256];
};

struct jb_fn_ready {
	int pid;
	int cpu;             /* sched_getcpu() at start-up */
	char cpus_allowed[128]; /* the affinity mask as a list, e.g. "2" or "0-3" */
};

/**
 * jb_proto_request_format() - write @req as one line ending in '\n' into @buf.
 * Return: the line's length, or -ENAMETOOLONG when it does not fit in @len.
 */
int jb_proto_request_format(const struct jb_fn_request *req, char *buf, size_t len);

/**
 * jb_proto_request_parse() - parse one request line (with or without its '\n').
 * Return: 0, or -EINVAL with a message in @err naming the bad word.
 */
int jb_proto_request_parse(const char *line, struct jb_fn_request *req, struct jb_err *err);

/** jb_proto_result_format() - as request_format, for a `result` line (@prepared: a
 * `prepared` reply carrying setup_ns only). */
int jb_proto_result_format(const struct jb_fn_result *res, int prepared, char *buf, size_t len);

/**
 * jb_proto_result_parse() - parse a `result` or `prepared` line into @res.
 * Return: 0, or -EINVAL (or -EPROTO for an unexpected first word) with a message in @err.
 */
int jb_proto_result_parse(const char *line, struct jb_fn_result *res, struct jb_err *err);

/** jb_proto_ready_format() / jb_proto_ready_parse() - the runner's greeting line. */
int jb_proto_ready_format(const struct jb_fn_ready *ready, char *buf, size_t len);
int jb_proto_ready_parse(const char *line, struct jb_fn_ready *ready, struct jb_err *err);

#endif
