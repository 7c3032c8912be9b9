/* SPDX-License-Identifier: MIT */
/*
 * joulebench-fn serving a user's function (issue 24, docs/functions.md): a request that
 * names a resolved function file (`spec=`) is relayed to the function as one JSON event
 * line; its one JSON result line is timed, checked and reported as a jb protocol result,
 * so every driver runs a user's function as it runs a built-in kernel.
 */
#ifndef JB_FN_USER_H
#define JB_FN_USER_H

#include <stdint.h>

#include "fn_child.h"
#include "fn_lambda.h"
#include "function_file.h"
#include "jb_proto.h"

struct fn_user {
	struct function_def def;
	char spec[sizeof(((struct jb_fn_request *)0)->spec)];
	int size;                  /* the size of the prepared event, -1 when none */
	uint64_t seed;
	char *event_line;          /* the event as one JSON line, '\n' included */
	size_t event_len;
	struct fn_child child;     /* child.pid 0: not started (the next invoke is cold) */
	struct fn_lambda lambda;   /* the Runtime API's sockets (protocol lambda) */
	uint64_t verified_checksum;
	int have_verified;
};

/** fn_user_init() - an empty server; fn_user_fini() releases it and stops the child. */
void fn_user_init(struct fn_user *u);
void fn_user_fini(struct fn_user *u);

/**
 * fn_user_prepare() - load @req's function file (once) and build the event for its size
 * (from the file, or by its event command), outside any timed span. Return: 0, or -errno
 * with the reason in res->msg.
 */
int fn_user_prepare(struct fn_user *u, const struct jb_fn_request *req,
		    struct jb_fn_result *res);

/**
 * fn_user_invoke() - one invocation of the prepared event: the function is started first
 * when it is not running (a cold invocation then covers its start, its imports and the
 * first call). Fills @res; statuses as for kernels, plus `timeout` and `crashed` when the
 * function hung, died or broke the protocol.
 * Return: 1 when the function is gone and the runner must exit after replying (so that
 * the driver replaces the instance, as for a runner that died), else 0.
 */
int fn_user_invoke(struct fn_user *u, struct jb_fn_result *res);

/**
 * fn_user_settle() - after the reply to an invocation has left: what the function is
 * owed once its result is delivered (the Runtime API's 202 to its POST, fn_lambda_ack()).
 */
void fn_user_settle(struct fn_user *u);

#endif
