/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the subcommands (cli.h): strict number parsing, meter selection with
 * its explanation, and finding the function runner.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int
cli_parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return (errno || *end || *out > max) ? -1 : 0;
}

int
cli_parse_double(const char *s, double min, double max, double *out)
{
	char *end;

	if (!s || !*s)
		return -1;
	errno = 0;
	*out = strtod(s, &end);
	return (errno || *end || !isfinite(*out) || *out < min || *out > max) ? -1 : 0;
}

const struct meter_ops *
cli_meter_pick(const char *name, const struct jb_ctx *ctx, int quiet, int *exit_code)
{
	char why[1024];
	size_t i;

	if (name && strcmp(name, "auto") != 0) {
		const struct meter_ops *m = meter_find(name);

		if (!m) {
			fprintf(stderr, "joulebench: unknown meter '%s' (see joulebench list meters)\n",
				name);
			*exit_code = CLI_EXIT_USAGE;
			return NULL;
		}
		int rc = m->probe(ctx, why, sizeof(why));

		if (rc == -EINVAL) {
			fprintf(stderr, "joulebench: meter %s: %s\n", name, why);
			*exit_code = CLI_EXIT_USAGE;
			return NULL;
		}
		if (rc) {
			fprintf(stderr, "joulebench: meter %s is not usable here: %s\n", name, why);
			*exit_code = CLI_EXIT_UNAVAILABLE;
			return NULL;
		}
		return m;
	}
	for (i = 0; i < meter_count(); i++) {
		const struct meter_ops *m = meter_at(i);

		if (m->probe(ctx, why, sizeof(why)) == 0) {
			if (m->kind == METER_KIND_MODELED && !quiet)
				fprintf(stderr, "joulebench: no energy meter on this machine; using the "
						"'%s' meter: every energy figure is MODELED, not measured "
						"(joulebench list meters says why each meter is unusable)\n",
					m->name);
			return m;
		}
		if (!quiet)
			fprintf(stderr, "joulebench: meter %s unusable: %s\n", m->name, why);
	}
	fprintf(stderr, "joulebench: no usable meter, not even the model\n");
	*exit_code = CLI_EXIT_UNAVAILABLE;
	return NULL;
}

const char *
cli_fn_path(const char *given)
{
	static char path[PATH_MAX + 64];
	char self[PATH_MAX];
	const char *env = getenv("JOULEBENCH_FN");
	ssize_t n;
	char *slash;

	if (given)
		return access(given, X_OK) == 0 ? given : NULL;
	if (env && *env)
		return access(env, X_OK) == 0 ? env : NULL;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			/* Installed side by side, or bench/ and workloads/ of a build tree. */
			snprintf(path, sizeof(path), "%s/joulebench-fn", self);
			if (access(path, X_OK) == 0)
				return path;
			snprintf(path, sizeof(path), "%s/../workloads/joulebench-fn", self);
			if (access(path, X_OK) == 0)
				return path;
		}
	}
	if (access(JB_FN_BUILD_PATH, X_OK) == 0)
		return JB_FN_BUILD_PATH;
	if (access(JB_FN_INSTALL_PATH, X_OK) == 0)
		return JB_FN_INSTALL_PATH;
	return NULL;
}
