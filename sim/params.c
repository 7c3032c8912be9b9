/* SPDX-License-Identifier: MIT */
/*
 * The overhead model's parameters (params.h): the table of keys, ranges and default
 * sources, and the `key = value | source` parameter files (the format of
 * meters/profiles/ *.profile). A value without a source is an error, so that every number
 * the model uses can be traced back to where it came from.
 */
#include "jb_text.h"
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "params.h"

static const struct params_desc {
	const char *key;
	double def, lo, hi;
	const char *src;
} params_table[PARAMS_N] = {
#define X(key, def, lo, hi, src) { #key, def, lo, hi, src },
	PARAMS_TABLE(X)
#undef X
};

void
params_init(struct params *p)
{
	unsigned i;

	for (i = 0; i < PARAMS_N; i++) {
		p->v[i] = params_table[i].def;
		snprintf(p->src[i], sizeof(p->src[i]), "%s", params_table[i].src);
	}
}

const char *
params_name(unsigned i)
{
	return i < PARAMS_N ? params_table[i].key : NULL;
}

int
params_find(const char *key)
{
	unsigned i;

	for (i = 0; i < PARAMS_N; i++)
		if (!strcmp(key, params_table[i].key))
			return (int)i;
	return -ENOENT;
}

int
params_set(struct params *p, const char *key, const char *value, const char *source,
	   struct jb_err *err)
{
	int i = params_find(key);
	char *end;
	double v;

	if (i < 0)
		return jb_err_set(err, -ENOENT, "unknown parameter '%s'", key);
	if (!source || !*source)
		return jb_err_set(err, -EINVAL, "parameter '%s' has no source (write "
				  "`%s = value | source`)", key, key);
	errno = 0;
	v = strtod(value, &end);
	if (errno || end == value || *end || !isfinite(v))
		return jb_err_set(err, -EINVAL, "parameter '%s': '%s' is not a number", key, value);
	if (v < params_table[i].lo || v > params_table[i].hi)
		return jb_err_set(err, -EINVAL, "parameter '%s' = %g is outside [%g, %g]", key, v,
				  params_table[i].lo, params_table[i].hi);
	p->v[i] = v;
	snprintf(p->src[i], sizeof(p->src[i]), "%s", source);
	return 0;
}

int
params_set_arg(struct params *p, const char *arg, struct jb_err *err)
{
	const char *eq = strchr(arg, '=');
	char key[64];

	if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(key))
		return jb_err_set(err, -EINVAL, "--set wants key=value, not '%s'", arg);
	snprintf(key, sizeof(key), "%.*s", (int)(eq - arg), arg);
	return params_set(p, key, eq + 1, "command line --set", err);
}


/* A bare NAME (no '/') that is no file here names a preset: NAME or NAME.params in the
 * source tree's sim/presets, then where they are installed (/usr/share/joulebench/
 * presets from the Debian package), as power profiles are found (meters/profile.c). */
static FILE *
params_open(const char *path)
{
	static const char *const dirs[] = { JB_PRESET_SRC_DIR, JB_PRESET_INSTALL_DIR };
	char found[4096];
	FILE *f = fopen(path, "re");
	size_t d;

	if (f || errno != ENOENT || strchr(path, '/'))
		return f;
	for (d = 0; d < 4 && !f; d++) {
		snprintf(found, sizeof(found), "%s/%s%s", dirs[d / 2], path, d % 2 ? ".params" : "");
		f = fopen(found, "re");
	}
	if (!f)
		errno = ENOENT;
	return f;
}

int
params_load_file(struct params *p, const char *path, struct jb_err *err)
{
	FILE *f = params_open(path);
	char *line = NULL, *key, *val, *src, *eq, *bar, *hash;
	size_t cap = 0;
	unsigned long lineno = 0;
	struct jb_err e = { 0 };
	struct stat st;
	int rc = 0;

	if (!f)
		return jb_err_set(err, -errno, "cannot open %s: %s", path, strerror(errno));
	/* fopen() opens a directory for reading; only its first read fails (EISDIR). */
	if (fstat(fileno(f), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) &&
	    !S_ISCHR(st.st_mode)) {
		fclose(f);
		return jb_err_set(err, -EINVAL, "%s is not a parameter file (a directory?)", path);
	}
	while (!rc && getline(&line, &cap, f) >= 0) {
		lineno++;
		hash = line;
		while (isspace((unsigned char)*hash))
			hash++;
		if (*hash == '#' || *jb_text_trim(hash) == '\0')
			continue;
		eq = strchr(line, '=');
		if (!eq) {
			rc = jb_err_set(err, -EINVAL, "%s: line %lu: expected `key = value | source`",
					path, lineno);
			break;
		}
		*eq = '\0';
		bar = strchr(eq + 1, '|');
		if (bar)
			*bar = '\0';
		key = jb_text_trim(line);
		val = jb_text_trim(eq + 1);
		src = bar ? jb_text_trim(bar + 1) : "";
		if (!*src) {
			rc = jb_err_set(err, -EINVAL, "%s: line %lu: '%s' has no source after '|'",
					path, lineno, key);
			break;
		}
		rc = params_set(p, key, val, src, &e);
		if (rc)
			rc = jb_err_set(err, rc, "%s: line %lu: %s", path, lineno, e.msg);
	}
	if (!rc && ferror(f))
		rc = jb_err_set(err, -EIO, "%s: read error", path);
	free(line);
	fclose(f);
	return rc;
}
