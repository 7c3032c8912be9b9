/* SPDX-License-Identifier: MIT */
/*
 * Reading back what --resume needs from a run's `.meta.json` sidecar: how the run ended,
 * its id, start and resume times, the command line it was started with, and what it
 * measured with (host, meter, domains, driver, runtime, binaries) so a resume can refuse
 * anything else. A sidecar is
 * our own file, but an editor, a full disk or a crash mid-write can damage it, so every
 * field used is checked for presence, type and range before it is used: a damaged sidecar
 * is one message naming the file and the field (-EINVAL), never a NULL dereference.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "results.h"

static int
field_string(json_object *o, const char *name, const char *key, int required,
	     const char **out, struct jb_err *err)
{
	json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null)) {
		if (!required)
			return 0;
		return jb_err_set(err, -EINVAL, "%s: field \"%s\" is missing or null", name, key);
	}
	if (!json_object_is_type(v, json_type_string))
		return jb_err_set(err, -EINVAL, "%s: field \"%s\" is not a string", name, key);
	*out = json_object_get_string(v);
	return 0;
}

static int
field_time_ns(json_object *v, const char *name, const char *key, uint64_t *out,
	      struct jb_err *err)
{
	int64_t t;

	if (!json_object_is_type(v, json_type_int))
		return jb_err_set(err, -EINVAL, "%s: field \"%s\" is not an integer", name, key);
	errno = 0;
	t = json_object_get_int64(v);
	if (t < 0 || errno)
		return jb_err_set(err, -EINVAL, "%s: field \"%s\" is out of range", name, key);
	*out = (uint64_t)t;
	return 0;
}

static int
parse_times(json_object *o, const char *name, struct results_meta_resume *out,
	    struct jb_err *err)
{
	json_object *v;
	size_t i, n;
	int rc;

	if (json_object_object_get_ex(o, "started_unix_ns", &v) &&
	    (rc = field_time_ns(v, name, "started_unix_ns", &out->started_unix_ns, err)))
		return rc;
	if (!json_object_object_get_ex(o, "resumed_unix_ns", &v) ||
	    json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return jb_err_set(err, -EINVAL, "%s: field \"resumed_unix_ns\" is not an array",
				  name);
	n = json_object_array_length(v);
	/* One slot stays free for the resume now starting. */
	if (n >= RESULTS_META_RESUMES_MAX)
		return jb_err_set(err, -E2BIG, "%s: field \"resumed_unix_ns\": over %d resumes",
				  name, RESULTS_META_RESUMES_MAX - 1);
	for (i = 0; i < n; i++) {
		rc = field_time_ns(json_object_array_get_idx(v, i), name, "resumed_unix_ns",
				   &out->resumed_unix_ns[i], err);
		if (rc)
			return rc;
		out->n_resumed = i + 1;
	}
	return 0;
}

static int
parse_argv(json_object *o, const char *name, struct results_meta_resume *out,
	   struct jb_err *err)
{
	json_object *v, *a;
	size_t i, n;

	if (!json_object_object_get_ex(o, "argv", &v) || !json_object_is_type(v, json_type_array))
		return jb_err_set(err, -EINVAL, "%s: field \"argv\" (the command line to resume "
						"from) is missing or not an array",
				  name);
	n = json_object_array_length(v);
	if (n == 0)
		return jb_err_set(err, -EINVAL, "%s: field \"argv\" is empty", name);
	if (n >= RESULTS_META_ARGV_MAX)
		return jb_err_set(err, -E2BIG, "%s: field \"argv\": over %d arguments", name,
				  RESULTS_META_ARGV_MAX - 1);
	for (i = 0; i < n; i++) {
		a = json_object_array_get_idx(v, i);
		if (!a || !json_object_is_type(a, json_type_string))
			return jb_err_set(err, -EINVAL, "%s: field \"argv\": element %zu is not a "
							"string",
					  name, i);
		out->argv[i] = strdup(json_object_get_string(a));
		if (!out->argv[i])
			return jb_err_set(err, -ENOMEM, "out of memory");
		out->argc = (int)i + 1;
	}
	return 0;
}

/* String @key of object @sect ("" for the top level) into @buf; absent is "" unless
 * @required. */
static int
field_copy(json_object *o, const char *name, const char *sect, const char *key, int required,
	   char *buf, size_t len, struct jb_err *err)
{
	char what[64];
	const char *s;
	json_object *sub = o;
	int rc;

	buf[0] = '\0';
	if (*sect && (!json_object_object_get_ex(o, sect, &sub) ||
		      !json_object_is_type(sub, json_type_object)))
		return jb_err_set(err, -EINVAL, "%s: field \"%s\" is missing or not an object", name,
				  sect);
	snprintf(what, sizeof(what), "%s%s%s", sect, *sect ? "." : "", key);
	rc = field_string(sub, name, key, required, &s, err);
	if (rc)
		return jb_err_set(err, rc, "%s: field \"%s\" is missing, null or not a string", name,
				  what);
	if (s && strlen(s) >= len)
		return jb_err_set(err, -EINVAL, "%s: field \"%s\" is too long", name, what);
	if (s)
		snprintf(buf, len, "%s", s);
	return 0;
}

static int
parse_identity(json_object *o, const char *name, struct results_meta_resume *out,
	       struct jb_err *err)
{
	struct results_meta_identity *id = &out->id;
	char ver[64], git[64];
	json_object *v;
	size_t i, n;
	int rc;

	if ((rc = field_copy(o, name, "host", "host", 1, id->host, sizeof(id->host), err)) ||
	    (rc = field_copy(o, name, "meter", "name", 1, id->meter, sizeof(id->meter), err)) ||
	    (rc = field_copy(o, name, "meter", "domains_summed", 1, id->domains,
			     sizeof(id->domains), err)) ||
	    (rc = field_copy(o, name, "driver", "name", 1, id->driver, sizeof(id->driver), err)) ||
	    (rc = field_copy(o, name, "driver", "runtime", 0, id->runtime, sizeof(id->runtime),
			     err)) ||
	    (rc = field_copy(o, name, "driver", "runtime_path", 0, id->runtime_path,
			     sizeof(id->runtime_path), err)) ||
	    (rc = field_copy(o, name, "driver", "fn_path", 1, id->fn_path, sizeof(id->fn_path),
			     err)) ||
	    (rc = field_copy(o, name, "", "joulebench_version", 1, ver, sizeof(ver), err)) ||
	    (rc = field_copy(o, name, "", "git_revision", 0, git, sizeof(git), err)))
		return rc;
	snprintf(id->version, sizeof(id->version), "%s (git %s)", ver, git);
	/* Optional: sidecars before issue 23 have none. */
	if (!json_object_object_get_ex(o, "host_changes", &v))
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return jb_err_set(err, -EINVAL, "%s: field \"host_changes\" is not an array", name);
	n = json_object_array_length(v);
	if (n >= RESULTS_META_RESUMES_MAX)
		return jb_err_set(err, -E2BIG, "%s: field \"host_changes\": over %d", name,
				  RESULTS_META_RESUMES_MAX - 1);
	for (i = 0; i < n; i++) {
		json_object *a = json_object_array_get_idx(v, i);

		if (!json_object_is_type(a, json_type_string) ||
		    strlen(json_object_get_string(a)) >= RESULTS_META_HOST_CHANGE_LEN)
			return jb_err_set(err, -EINVAL, "%s: field \"host_changes\": element %zu is "
					  "not a string of under %d bytes", name, i,
					  RESULTS_META_HOST_CHANGE_LEN);
		snprintf(out->host_changes[i], RESULTS_META_HOST_CHANGE_LEN, "%s",
			 json_object_get_string(a));
	}
	out->n_host_changes = n;
	return 0;
}

int
results_meta_parse_resume(const char *json, size_t len, const char *name,
			  struct results_meta_resume *out, struct jb_err *err)
{
	struct json_tokener *tok;
	json_object *o;
	const char *s;
	int rc;

	memset(out, 0, sizeof(*out));
	tok = json_tokener_new();
	if (!tok)
		return jb_err_set(err, -ENOMEM, "out of memory");
	o = json_tokener_parse_ex(tok, json, (int)(len > INT32_MAX ? INT32_MAX : len));
	if (!o || json_tokener_get_error(tok) != json_tokener_success) {
		rc = jb_err_set(err, -EINVAL, "%s: not a JSON document (%s)", name,
				json_tokener_error_desc(json_tokener_get_error(tok)));
		json_tokener_free(tok);
		json_object_put(o);
		return rc;
	}
	json_tokener_free(tok);
	if (!json_object_is_type(o, json_type_object)) {
		rc = jb_err_set(err, -EINVAL, "%s: not a JSON object", name);
		goto out;
	}
	if ((rc = field_string(o, name, "ended", 1, &s, err)))
		goto out;
	if (strcmp(s, "completed") && strcmp(s, "interrupted") && strcmp(s, "error") &&
	    strcmp(s, "running")) {
		rc = jb_err_set(err, -EINVAL, "%s: field \"ended\" is \"%.40s\", not one of "
					      "running, interrupted, error, completed",
				name, s);
		goto out;
	}
	out->completed = !strcmp(s, "completed");
	if ((rc = field_string(o, name, "run_id", 1, &s, err)))
		goto out;
	if (!*s || strlen(s) >= sizeof(out->run_id) || strpbrk(s, "\n\r\"")) {
		rc = jb_err_set(err, -EINVAL, "%s: field \"run_id\" is empty, too long or holds a "
					      "quote or line break",
				name);
		goto out;
	}
	snprintf(out->run_id, sizeof(out->run_id), "%s", s);
	if ((rc = parse_times(o, name, out, err)))
		goto out;
	if ((rc = parse_identity(o, name, out, err)))
		goto out;
	rc = parse_argv(o, name, out, err);
out:
	json_object_put(o);
	if (rc)
		results_meta_resume_fini(out);
	return rc;
}

int
results_meta_read_resume(const char *csv_path, struct results_meta_resume *out,
			 struct jb_err *err)
{
	char meta[4200];
	char *buf = NULL;
	size_t len = 0, cap = 0;
	FILE *f;
	int rc;

	memset(out, 0, sizeof(*out));
	if (results_meta_path(csv_path, meta, sizeof(meta)))
		return jb_err_set(err, -ENAMETOOLONG, "path too long: %s", csv_path);
	f = fopen(meta, "r");
	if (!f)
		return jb_err_set(err, -errno, "%s: cannot read the run's sidecar: %s", meta,
				  strerror(errno));
	for (;;) {
		size_t got;

		if (len + 4096 + 1 > cap) {
			char *nb;

			/* A sidecar is a few KiB; 16 MiB is no sidecar of ours. */
			if (cap > (16u << 20)) {
				free(buf);
				fclose(f);
				return jb_err_set(err, -EFBIG, "%s: too large for a sidecar", meta);
			}
			cap = cap ? cap * 2 : 8192;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return jb_err_set(err, -ENOMEM, "out of memory");
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len - 1, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return jb_err_set(err, -EIO, "%s: read error", meta);
	}
	fclose(f);
	buf[len] = '\0';
	rc = results_meta_parse_resume(buf, len, meta, out, err);
	free(buf);
	return rc;
}

void
results_meta_resume_fini(struct results_meta_resume *m)
{
	int i;

	for (i = 0; i < m->argc; i++)
		free(m->argv[i]);
	m->argc = 0;
}
