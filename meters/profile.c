/* SPDX-License-Identifier: MIT */
/*
 * Loading and parsing of the model meter's platform power profiles (profile.h). The format
 * is deliberately tiny: `key = value | source` per line, '#' comments. Unknown keys and
 * values without a source are errors, so a typo cannot silently fall back to a default.
 */
#include "jb_text.h"
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meter-private.h"
#include "profile.h"


static int
parse_positive(const char *val, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(val, &end);
	return (errno || *end || end == val || !isfinite(*out) || *out <= 0) ? -EINVAL : 0;
}

static int
profile_set(struct meter_profile *p, const char *key, const char *val, const char *src)
{
	double v;

	if (strcmp(key, "name") == 0)
		return snprintf(p->name, sizeof(p->name), "%s", val) < (int)sizeof(p->name) ? 0 : -EINVAL;
	if (strcmp(key, "description") == 0) {
		snprintf(p->description, sizeof(p->description), "%s", val);
		return 0;
	}
	if (strcmp(key, "arch") == 0)
		return snprintf(p->arch, sizeof(p->arch), "%s", val) < (int)sizeof(p->arch) ? 0 : -EINVAL;
	if (strcmp(key, "cores") && strcmp(key, "idle_w") && strcmp(key, "loaded_w"))
		return -ENOENT;
	if (parse_positive(val, &v))
		return -EINVAL;
	if (strcmp(key, "cores") == 0) {
		if (v != floor(v) || v > 65536)
			return -EINVAL;
		p->cores = (unsigned)v;
		snprintf(p->cores_source, sizeof(p->cores_source), "%s", src);
	} else if (strcmp(key, "idle_w") == 0) {
		p->idle_w = v;
		snprintf(p->idle_source, sizeof(p->idle_source), "%s", src);
	} else if (strcmp(key, "loaded_w") == 0) {
		p->loaded_w = v;
		snprintf(p->loaded_source, sizeof(p->loaded_source), "%s", src);
	}
	return 0;
}

int
meter_profile_parse(const char *text, const char *origin, struct meter_profile *p,
		    struct jb_err *err)
{
	char line[1024];
	unsigned lineno = 0;
	const char *cur = text;

	memset(p, 0, sizeof(*p));
	while (*cur) {
		size_t len = strcspn(cur, "\n");
		char *key, *val, *src, *eq, *bar;
		int rc;

		lineno++;
		if (len >= sizeof(line))
			return jb_err_set(err, -EINVAL, "%s:%u: line too long", origin, lineno);
		memcpy(line, cur, len);
		line[len] = '\0';
		cur += len + (cur[len] == '\n');
		key = jb_text_trim(line);
		if (!*key || *key == '#')
			continue;
		eq = strchr(key, '=');
		bar = eq ? strchr(eq, '|') : NULL;
		if (!eq || !bar)
			return jb_err_set(err, -EINVAL, "%s:%u: expected 'key = value | source'",
					  origin, lineno);
		*eq = '\0';
		*bar = '\0';
		key = jb_text_trim(key);
		val = jb_text_trim(eq + 1);
		src = jb_text_trim(bar + 1);
		if (!*src)
			return jb_err_set(err, -EINVAL, "%s:%u: '%s' names no source", origin, lineno,
					  key);
		rc = profile_set(p, key, val, src);
		if (rc == -ENOENT)
			return jb_err_set(err, -EINVAL, "%s:%u: unknown key '%s'", origin, lineno,
					  key);
		if (rc)
			return jb_err_set(err, -EINVAL, "%s:%u: bad value '%s' for '%s'", origin,
					  lineno, val, key);
	}
	if (!p->name[0] || !p->cores || p->idle_w <= 0 || p->loaded_w <= 0)
		return jb_err_set(err, -EINVAL, "%s: needs name, cores, idle_w and loaded_w", origin);
	if (p->loaded_w < p->idle_w)
		return jb_err_set(err, -EINVAL, "%s: loaded_w %.3g W is below idle_w %.3g W", origin,
				  p->loaded_w, p->idle_w);
	return 0;
}

static int
profile_read_file(const char *path, struct meter_profile *p, struct jb_err *err)
{
	char text[16384];
	size_t n;
	FILE *f = fopen(path, "re");
	int rc;

	if (!f)
		return -errno;
	n = fread(text, 1, sizeof(text) - 1, f);
	rc = ferror(f) ? -EIO : 0;
	fclose(f);
	if (rc)
		return jb_err_set(err, rc, "%s: read error", path);
	if (n == sizeof(text) - 1)
		return jb_err_set(err, -EINVAL, "%s: larger than 16 KiB", path);
	text[n] = '\0';
	rc = meter_profile_parse(text, path, p, err);
	if (rc == 0)
		snprintf(p->path, sizeof(p->path), "%s", path);
	return rc;
}

static const char *
profile_default_name(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return "generic-x86-server";
#else
	return "raspberry-pi-4b";
#endif
}

int
meter_profile_load(const struct jb_ctx *ctx, struct meter_profile *p, struct jb_err *err)
{
	const char *name = ctx && ctx->profile ? ctx->profile : profile_default_name();
	const char *user = ctx && ctx->profile_path ? ctx->profile_path : "";
	char dirs[2048], path[2400], opt[256];
	char *dir, *save = NULL;
	int rc;

	/* --meter-opts profile=FILE (a profile written by `joulebench calibrate`) is the same
	 * choice as --profile; given both, they must agree, so neither is silently ignored. */
	rc = meter__opt(ctx ? ctx->meter_opts : NULL, "profile", opt, sizeof(opt));
	if (rc < 0)
		return jb_err_set(err, -EINVAL, "meter option profile: too long");
	if (rc == 1) {
		if (!opt[0])
			return jb_err_set(err, -EINVAL, "meter option profile= names no profile");
		if (ctx->profile && strcmp(ctx->profile, opt) != 0)
			return jb_err_set(err, -EINVAL,
					  "--profile %s and --meter-opts profile=%s disagree",
					  ctx->profile, opt);
		name = opt;
	}

	if (strchr(name, '/')) {
		rc = profile_read_file(name, p, err);
		if (rc == -ENOENT || rc == -EACCES)
			return jb_err_set(err, rc, "profile %s: %s", name, jb_strerror(rc));
		return rc;
	}
	snprintf(dirs, sizeof(dirs), "%s%s%s:%s", user, *user ? ":" : "", JB_PROFILE_SRC_DIR,
		 JB_PROFILE_INSTALL_DIR);
	for (dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		snprintf(path, sizeof(path), "%s/%s.profile", dir, name);
		rc = profile_read_file(path, p, err);
		if (rc != -ENOENT)
			return rc;
	}
	return jb_err_set(err, -ENOENT, "no power profile '%s' (looked in %s:%s)", name,
			  JB_PROFILE_SRC_DIR, JB_PROFILE_INSTALL_DIR);
}
