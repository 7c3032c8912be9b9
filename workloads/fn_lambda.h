/* SPDX-License-Identifier: MIT */
/*
 * The AWS Lambda Runtime API, served by joulebench-fn on loopback inside the sandbox
 * (docs/functions.md, protocol 3): the function's runtime interface client reads
 * AWS_LAMBDA_RUNTIME_API and loops on GET /2018-06-01/runtime/invocation/next, answering
 * each event with POST .../invocation/ID/response or .../error (AWS Lambda developer guide,
 * "Using the Lambda runtime API for custom runtimes"). One client, one event at a time:
 * what a Lambda execution environment gives a function.
 */
#ifndef JB_FN_LAMBDA_H
#define JB_FN_LAMBDA_H

#include <stddef.h>
#include <stdint.h>

#include "fn_child.h"
#include "jb_err.h"

struct fn_lambda {
	int listen_fd, conn_fd;     /* -1 when none */
	char *buf;                  /* bytes read from conn_fd, not yet used */
	size_t len, cap;
	size_t used;                /* the request handed out last, dropped by the next call */
	char held;                  /* the byte at buf[used], where its body's NUL went */
	int ack_pending;            /* the last POST's 202 is not sent yet */
	uint64_t request_id;        /* of the event given out last */
	uint64_t next_ns;           /* CLOCK_MONOTONIC when that event's GET .../next came */
	char env[64];               /* "AWS_LAMBDA_RUNTIME_API=127.0.0.1:PORT" */
};

/** fn_lambda_listen() - listen on 127.0.0.1, an ephemeral port (l->env names it).
 * Return: 0 or -errno. */
int fn_lambda_listen(struct fn_lambda *l, struct jb_err *err);

/**
 * fn_lambda_call() - give @event (JSON, @len bytes) to the next GET .../next of the child
 * @c's runtime and wait for its POST: *@result (NUL-terminated, *@result_len bytes, in
 * l->buf until the next call) is the response body, or for .../error the error body
 * (Lambda's {"errorMessage", "errorType"}) with *@is_error set. Return: 0, -ETIMEDOUT past @timeout_ns (0: none), -EPIPE (the child
 * died, or reported an init error), -EPROTO (a request outside the API).
 */
int fn_lambda_call(struct fn_lambda *l, struct fn_child *c, const char *event, size_t len,
		   uint64_t timeout_ns, char **result, size_t *result_len, int *is_error,
		   struct jb_err *err);

/**
 * fn_lambda_ack() - send the 202 that answers the runtime's last POST, if not sent yet.
 * fn_lambda_call() holds it back so that the runtime's receipt of it, and its next GET,
 * run after our result has left, as Lambda returns a response to its caller while the
 * runtime asks for the next event; the next call sends it first if no one did.
 */
void fn_lambda_ack(struct fn_lambda *l);

/** fn_lambda_close() - close the sockets and free the buffer. */
void fn_lambda_close(struct fn_lambda *l);

#endif
