/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the subcommands (cli.h): strict number parsing, meter selection with
 * its explanation (a measured meter must also pass its liveness probe, meter_liveness.c),
 * and finding the function runner.
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
#include "jb_text.h"
#include "meter_check.h"

int
cli_parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	return jb_text_parse_uint(s, max, out) ? -1 : 0;
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

int
cli_meter_alive(const struct meter_ops *ops, const struct jb_ctx *ctx, const char *domains,
		const int *cores, size_t n_cores, char *why, size_t why_len)
{
	int allowed[METER_CORES_MAX];
	struct meter m;
	struct jb_err err;
	int rc;

	if (ops->kind == METER_KIND_MODELED)
		return 0;
	if (!cores || !n_cores) {
		rc = meter_cores_allowed(allowed, METER_CORES_MAX);
		if (rc < 0) {
			snprintf(why, why_len, "cannot read this process's CPUs: %s", jb_strerror(rc));
			return rc;
		}
		cores = allowed;
		n_cores = (size_t)rc;
	}
	rc = meter_open(&m, ops, ctx, &err);
	if (rc) {
		snprintf(why, why_len, "%s", err.msg);
		return rc;
	}
	if (domains && *domains) {
		rc = meter_select(&m, domains, &err);
		if (rc) {
			meter_close(&m);
			/* A meter without the domain cannot measure it: the auto pick moves on.
			 * An overlapping list is the user's: the run reports it. */
			snprintf(why, why_len, "--domain: %s", err.msg);
			return rc == -ENOENT ? -EDOM : 0;
		}
	}
	rc = meter_liveness_check(&m, cores, n_cores, why, why_len);
	meter_close(&m);
	return rc;
}

/* A picked meter @m and what its probe said (@rc of cli_meter_alive): a meter that does
 * not follow load is used, but said even with -q, as a dead one is: the user may think it
 * measures the function; a power-gated plane is a note. */
static const struct meter_ops *
meter_pick_say(const struct meter_ops *m, int rc, const char *why, int quiet)
{
	if (rc == METER_LIVE_NO_LOAD)
		fprintf(stderr, "joulebench: warning: meter %s is %s\n", m->name, why);
	else if (rc == 0 && !quiet && strstr(why, "power-gated"))
		fprintf(stderr, "joulebench: meter %s is %s\n", m->name, why);
	return m;
}

/* The pick; @live 0 skips the liveness probe (cli_meter_pick_external). */
static const struct meter_ops *
meter_pick(const char *name, const struct jb_ctx *ctx, const char *domains, const int *cores,
	   size_t n_cores, int live, int quiet, int *exit_code)
{
	char why[1024];
	int dead = 0;
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
		if (rc == 0 && live)
			rc = cli_meter_alive(m, ctx, domains, cores, n_cores, why, sizeof(why));
		/* The run refuses the missing --domain itself, with exit 2. */
		if (rc == 0 || rc == -EDOM || rc == METER_LIVE_NO_LOAD)
			return meter_pick_say(m, rc, why, quiet);
		if (rc == -ENODATA) {
			fprintf(stderr, "joulebench: meter %s is dead here: %s\n", name, why);
			*exit_code = CLI_EXIT_UNAVAILABLE;
			return NULL;
		}
		fprintf(stderr, "joulebench: meter %s is not usable here: %s\n", name, why);
		*exit_code = CLI_EXIT_UNAVAILABLE;
		return NULL;
	}
	for (i = 0; i < meter_count(); i++) {
		const struct meter_ops *m = meter_at(i);
		int rc = m->probe(ctx, why, sizeof(why));

		if (rc == 0 && live)
			rc = cli_meter_alive(m, ctx, domains, cores, n_cores, why, sizeof(why));
		if (rc == METER_LIVE_NO_LOAD)
			return meter_pick_say(m, rc, why, quiet);
		if (rc == 0) {
			if (m->kind == METER_KIND_MEASURED)
				return meter_pick_say(m, rc, why, quiet);
			if (m->kind == METER_KIND_MODELED && !quiet)
				fprintf(stderr, "joulebench: no %senergy meter on this machine; using the "
						"'%s' meter: every energy figure is MODELED, not measured "
						"(joulebench list meters says why each meter is unusable)\n",
					dead ? "live " : "", m->name);
			return m;
		}
		if (rc == -ENODATA) {
			/* A dead meter is said even with -q: the user may think it measures. */
			fprintf(stderr, "joulebench: %s: %s; skipped\n", m->name, why);
			dead = 1;
		} else if (!quiet) {
			fprintf(stderr, "joulebench: meter %s unusable: %s\n", m->name, why);
		}
	}
	fprintf(stderr, "joulebench: no usable meter, not even the model\n");
	*exit_code = CLI_EXIT_UNAVAILABLE;
	return NULL;
}

const struct meter_ops *
cli_meter_pick_live(const char *name, const struct jb_ctx *ctx, const char *domains,
		    const int *cores, size_t n_cores, int quiet, int *exit_code)
{
	return meter_pick(name, ctx, domains, cores, n_cores, 1, quiet, exit_code);
}

const struct meter_ops *
cli_meter_pick(const char *name, const struct jb_ctx *ctx, int quiet, int *exit_code)
{
	return meter_pick(name, ctx, NULL, NULL, 0, 1, quiet, exit_code);
}

const struct meter_ops *
cli_meter_pick_external(const char *name, const struct jb_ctx *ctx, int quiet, int *exit_code)
{
	return meter_pick(name, ctx, NULL, NULL, 0, 0, quiet, exit_code);
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
