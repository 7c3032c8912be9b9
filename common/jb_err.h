/* SPDX-License-Identifier: MIT */
/*
 * Error reporting for every joulebench library folder. Fallible functions return 0 or a
 * negative errno; when the caller passes a struct jb_err, the failing site also leaves a
 * one-line human message there. Libraries never print: bench/ decides what the user sees.
 */
#ifndef JB_ERR_H
#define JB_ERR_H

#include <stddef.h>

#define JB_MUST_CHECK __attribute__((warn_unused_result))

/* A caller-owned error: code is 0 or a negative errno, msg a NUL-terminated line. */
struct jb_err {
	int code;
	char msg[512];
};

/**
 * jb_err_set() - record an error with a printf-style message.
 * @err: may be NULL, then only @code is returned.
 * @code: a negative errno (a positive one is negated).
 * Return: the negative code, so callers can write `return jb_err_set(err, -EINVAL, ...)`.
 */
int jb_err_set(struct jb_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** jb_err_clear() - reset @err (may be NULL) to "no error". */
void jb_err_clear(struct jb_err *err);

/** jb_strerror() - a message for a negative errno, never NULL. */
const char *jb_strerror(int code);

#endif
