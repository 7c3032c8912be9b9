/* SPDX-License-Identifier: MIT */
/*
 * The one implementation of struct jb_err (see jb_err.h): formatting the message at the
 * failing site keeps the context (path, zone, pid) that a bare errno would lose.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jb_err.h"

int
jb_err_set(struct jb_err *err, int code, const char *fmt, ...)
{
	if (code > 0)
		code = -code;
	if (err) {
		va_list ap;

		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

void
jb_err_clear(struct jb_err *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}

const char *
jb_strerror(int code)
{
	return strerror(code < 0 ? -code : code);
}
