/* SPDX-License-Identifier: MIT */
/*
 * Platform power profiles of the model meter: small text files of `key = value | source`
 * lines (meters/profiles/). A profile without a source for a value is rejected, so every
 * modeled joule can be traced to where its watts came from.
 */
#ifndef JB_METER_PROFILE_H
#define JB_METER_PROFILE_H

#include <stddef.h>

#include "jb_ctx.h"
#include "jb_err.h"

struct meter_profile {
	char name[64];
	char description[200];
	char arch[32];
	char path[512];        /* where it was loaded from */
	unsigned cores;        /* hardware threads that share loaded_w - idle_w */
	double idle_w;         /* whole platform, nothing running */
	double loaded_w;       /* whole platform, every core busy */
	char idle_source[200];
	char loaded_source[200];
	char cores_source[200];
};

/**
 * meter_profile_parse() - parse a profile held in @text (NUL-terminated).
 * @origin: the file name, for messages.
 * Return: 0, or -EINVAL with "FILE:LINE: reason" in @err.
 */
int meter_profile_parse(const char *text, const char *origin, struct meter_profile *p,
			struct jb_err *err);

/**
 * meter_profile_load() - find and parse the profile named by ctx->profile: a path when
 * it contains '/', else NAME.profile in ctx->profile_path, then the source tree, then the
 * installed data directory. A NULL name picks the profile for the build's architecture.
 * Return: 0, -ENOENT (not found), -EINVAL (malformed), with a message in @err.
 */
int meter_profile_load(const struct jb_ctx *ctx, struct meter_profile *p, struct jb_err *err);

#endif
