/* SPDX-License-Identifier: MIT */
/*
 * The function file (function_file.h, docs/functions.md): a JSON object read with json-c.
 * Every field is checked here, once, for both joulebench and joulebench-fn; the first bad
 * field ends the load with a message that names it.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "function_file.h"

static const char *const proto_names[] = {
	[FUNCTION_PROTO_LINES] = "lines",
	[FUNCTION_PROTO_SEBS_PYTHON] = "sebs-python",
	[FUNCTION_PROTO_SEBS_NODE] = "sebs-node",
	[FUNCTION_PROTO_LAMBDA] = "lambda",
};

static const char *const known_fields[] = {
	"name", "protocol", "dir", "command", "handler", "interpreter", "events",
	"event_command", "check", "work_unit", "work_units", "timeout_s", "memory_mb", "env",
	"image", NULL,
};

const char *
function_protocol_name(enum function_protocol p)
{
	return (size_t)p < sizeof(proto_names) / sizeof(proto_names[0]) ? proto_names[p] : "?";
}

static int
bad_field(struct jb_err *err, const struct function_def *fn, const char *field,
	  const char *why)
{
	return jb_err_set(err, -EINVAL, "%s: field '%s': %s", fn->file, field, why);
}

/* A JSON array of 1..FUNCTION_ARGV_MAX non-empty strings into @argv (NULL-terminated). */
static int
argv_take(struct json_object *a, const char **argv, const struct function_def *fn,
	  const char *field, struct jb_err *err)
{
	size_t i, n;

	if (!json_object_is_type(a, json_type_array))
		return bad_field(err, fn, field, "must be an array of strings");
	n = json_object_array_length(a);
	if (n == 0 || n > FUNCTION_ARGV_MAX)
		return bad_field(err, fn, field, "must hold 1 to 32 strings");
	for (i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(a, i);

		if (!json_object_is_type(s, json_type_string) || !json_object_get_string_len(s))
			return bad_field(err, fn, field, "must be an array of non-empty strings");
		argv[i] = json_object_get_string(s);
	}
	argv[n] = NULL;
	return 0;
}

/* @rel made absolute against @base into @out (lexically; the file need not exist yet). */
static int
path_join(char *out, size_t len, const char *base, const char *rel)
{
	int n = rel[0] == '/' ? snprintf(out, len, "%s", rel)
			      : snprintf(out, len, "%s/%s", base, rel);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int
string_field(struct json_object *root, const char *key, const char **out,
	     const struct function_def *fn, struct jb_err *err)
{
	struct json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(root, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_string) || !json_object_get_string_len(v))
		return bad_field(err, fn, key, "must be a non-empty string");
	*out = json_object_get_string(v);
	return 0;
}

static int
sizes_take(struct json_object *obj, const struct function_def *fn, const char *field,
	   struct json_object *out[WORKLOAD_SIZE_COUNT], struct jb_err *err)
{
	if (!json_object_is_type(obj, json_type_object))
		return bad_field(err, fn, field, "must be an object keyed by size (test, small, "
						 "large)");
	json_object_object_foreach(obj, key, val) {
		enum workload_size s;

		if (workload_size_parse(key, &s))
			return bad_field(err, fn, field, "keys must be test, small or large");
		out[s] = val;
	}
	return 0;
}

static int
check_parse(struct function_def *fn, struct json_object *c, struct jb_err *err)
{
	struct json_object *v;
	int n = 0;

	if (!json_object_is_type(c, json_type_object))
		return bad_field(err, fn, "check", "must be an object with expected, path+value "
						   "or command");
	json_object_object_foreach(c, key, val) {
		(void)val;
		if (strcmp(key, "expected") && strcmp(key, "path") && strcmp(key, "value") &&
		    strcmp(key, "command"))
			return bad_field(err, fn, "check", "keys are expected, path, value, command");
	}
	if (json_object_object_get_ex(c, "expected", &v)) {
		fn->check = FUNCTION_CHECK_EXPECTED;
		fn->check_value = v;
		n++;
	}
	if (json_object_object_get_ex(c, "path", &v)) {
		if (!json_object_is_type(v, json_type_string))
			return bad_field(err, fn, "check.path", "must be a string such as "
								"\"result.count\"");
		fn->check = FUNCTION_CHECK_PATH;
		fn->check_path = json_object_get_string(v);
		if (!json_object_object_get_ex(c, "value", &fn->check_value))
			return bad_field(err, fn, "check.value", "missing (check.path needs it)");
		n++;
	} else if (json_object_object_get_ex(c, "value", &v)) {
		return bad_field(err, fn, "check.path", "missing (check.value needs it)");
	}
	if (json_object_object_get_ex(c, "command", &v)) {
		int rc = argv_take(v, fn->check_argv, fn, "check.command", err);

		if (rc)
			return rc;
		fn->check = FUNCTION_CHECK_COMMAND;
		n++;
	}
	if (n != 1)
		return bad_field(err, fn, "check", "give exactly one of expected, path+value, "
						   "command");
	return 0;
}

static int
number_field(struct json_object *root, const char *key, double *out,
	     const struct function_def *fn, struct jb_err *err)
{
	struct json_object *v;

	if (!json_object_object_get_ex(root, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
		return bad_field(err, fn, key, "must be a number");
	*out = json_object_get_double(v);
	if (!isfinite(*out) || *out <= 0)
		return bad_field(err, fn, key, "must be positive");
	return 0;
}

/* "env": an object of NAME: "VALUE" strings into fn->env (NAME=VALUE, one block). */
static int
env_parse(struct function_def *fn, struct json_object *obj, struct jb_err *err)
{
	size_t n = 0, len = 0, off = 0;

	if (!json_object_is_type(obj, json_type_object))
		return bad_field(err, fn, "env", "must be an object of NAME: \"value\" strings");
	json_object_object_foreach(obj, key, val) {
		if (!key[0] || strchr(key, '=') || !json_object_is_type(val, json_type_string))
			return bad_field(err, fn, "env", "names must be non-empty without '=', "
							 "values strings");
		if (++n > FUNCTION_ENV_MAX)
			return bad_field(err, fn, "env", "at most 64 variables");
		len += strlen(key) + json_object_get_string_len(val) + 2;
	}
	fn->env_block = malloc(len + 1);
	if (!fn->env_block)
		return jb_err_set(err, -ENOMEM, "out of memory");
	n = 0;
	json_object_object_foreach(obj, k, v) {
		fn->env[n++] = fn->env_block + off;
		off += (size_t)snprintf(fn->env_block + off, len + 1 - off, "%s=%s", k,
					json_object_get_string(v)) + 1;
	}
	fn->env[n] = NULL;
	return 0;
}

/* "image": "LAYOUT:TAG", the layout taken from @base when relative. The tag is what
 * follows the last ':' of the last path component. */
static int
image_parse(struct function_def *fn, const char *ref, const char *base, struct jb_err *err)
{
	const char *slash = strrchr(ref, '/'), *colon = strrchr(slash ? slash : ref, ':');
	char layout[FUNCTION_PATH_MAX];

	if (!colon || colon == ref || !colon[1])
		return bad_field(err, fn, "image", "give the OCI image layout and a tag, "
						   "\"DIR:TAG\"");
	if (strlen(colon + 1) >= sizeof(fn->image_tag) ||
	    (size_t)(colon - ref) >= sizeof(layout))
		return bad_field(err, fn, "image", "too long");
	snprintf(fn->image_tag, sizeof(fn->image_tag), "%s", colon + 1);
	snprintf(layout, sizeof(layout), "%.*s", (int)(colon - ref), ref);
	if (path_join(fn->image_layout, sizeof(fn->image_layout), base, layout))
		return bad_field(err, fn, "image", "path too long");
	if (fn->protocol != FUNCTION_PROTO_LINES && fn->protocol != FUNCTION_PROTO_LAMBDA)
		return bad_field(err, fn, "image", "an image runs a lines or lambda command; the "
						   "sebs-* adapters run a host interpreter");
	return 0;
}

static int
def_fill(struct function_def *fn, const char *base, struct jb_err *err)
{
	struct json_object *root = fn->root, *v;
	const char *s;
	double d;
	size_t i;
	int rc;

	if (!json_object_is_type(root, json_type_object))
		return jb_err_set(err, -EINVAL, "%s: not a JSON object", fn->file);
	json_object_object_foreach(root, key, val) {
		int known = 0;

		(void)val;
		for (i = 0; known_fields[i]; i++)
			known |= !strcmp(key, known_fields[i]);
		if (!known)
			return bad_field(err, fn, key, "unknown field (docs/functions.md lists them)");
	}
	if ((rc = string_field(root, "name", &s, fn, err)))
		return rc;
	if (!s)
		return bad_field(err, fn, "name", "missing");
	if (strlen(s) >= sizeof(fn->name) || strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
						       "OPQRSTUVWXYZ0123456789._-") != strlen(s))
		return bad_field(err, fn, "name", "1 to 47 of A-Z a-z 0-9 . _ -");
	snprintf(fn->name, sizeof(fn->name), "%s", s);
	if ((rc = string_field(root, "protocol", &s, fn, err)))
		return rc;
	fn->protocol = FUNCTION_PROTO_LINES;
	if (s) {
		for (i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++)
			if (!strcmp(s, proto_names[i]))
				break;
		if (i == sizeof(proto_names) / sizeof(proto_names[0]))
			return bad_field(err, fn, "protocol", "lines, sebs-python, sebs-node or "
							      "lambda");
		fn->protocol = (enum function_protocol)i;
	}
	if ((rc = string_field(root, "image", &s, fn, err)) ||
	    (s && (rc = image_parse(fn, s, base, err))))
		return rc;
	if ((rc = string_field(root, "dir", &s, fn, err)))
		return rc;
	/* With an image, dir is a directory inside it (its WorkingDir when not given). */
	if (fn->image_tag[0] && s && s[0] != '/')
		return bad_field(err, fn, "dir", "with an image: an absolute path inside it");
	if (fn->image_tag[0] ? snprintf(fn->dir, sizeof(fn->dir), "%s", s ? s : "/") >=
				       (int)sizeof(fn->dir)
			     : path_join(fn->dir, sizeof(fn->dir), base, s ? s : "."))
		return bad_field(err, fn, "dir", "path too long");
	if (json_object_object_get_ex(root, "env", &v) && (rc = env_parse(fn, v, err)))
		return rc;
	if (json_object_object_get_ex(root, "command", &v)) {
		if ((rc = argv_take(v, fn->argv, fn, "command", err)))
			return rc;
	} else if (fn->image_tag[0]) {
		/* The image's Entrypoint and Cmd (function_image_resolve()). */
	} else if (fn->protocol == FUNCTION_PROTO_LINES || fn->protocol == FUNCTION_PROTO_LAMBDA) {
		return bad_field(err, fn, "command", "missing (the lines and lambda protocols "
						     "need it)");
	}
	if ((rc = string_field(root, "handler", &fn->handler, fn, err)) ||
	    (rc = string_field(root, "interpreter", &fn->interpreter, fn, err)))
		return rc;
	if ((fn->protocol == FUNCTION_PROTO_LINES || fn->protocol == FUNCTION_PROTO_LAMBDA) &&
	    (fn->handler || fn->interpreter))
		return bad_field(err, fn, fn->handler ? "handler" : "interpreter",
				 "only for the sebs-python and sebs-node protocols");
	if ((fn->protocol == FUNCTION_PROTO_SEBS_PYTHON || fn->protocol == FUNCTION_PROTO_SEBS_NODE) &&
	    !fn->handler)
		return bad_field(err, fn, "handler", "missing (the file that defines handler)");
	if (json_object_object_get_ex(root, "events", &v) &&
	    (rc = sizes_take(v, fn, "events", fn->event, err)))
		return rc;
	if (json_object_object_get_ex(root, "event_command", &v)) {
		if (fn->event[0] || fn->event[1] || fn->event[2])
			return bad_field(err, fn, "event_command", "give events or event_command, "
								 "not both");
		if ((rc = argv_take(v, fn->event_argv, fn, "event_command", err)))
			return rc;
	}
	if (json_object_object_get_ex(root, "check", &v) && (rc = check_parse(fn, v, err)))
		return rc;
	if ((rc = string_field(root, "work_unit", &fn->work_unit, fn, err)))
		return rc;
	if (!fn->work_unit)
		fn->work_unit = "invocation";
	for (i = 0; i < WORKLOAD_SIZE_COUNT; i++)
		fn->work_units[i] = 1;
	if (json_object_object_get_ex(root, "work_units", &v)) {
		struct json_object *u[WORKLOAD_SIZE_COUNT] = { 0 };

		if ((rc = sizes_take(v, fn, "work_units", u, err)))
			return rc;
		for (i = 0; i < WORKLOAD_SIZE_COUNT; i++) {
			if (!u[i])
				continue;
			fn->work_units[i] = json_object_get_double(u[i]);
			if (!(json_object_is_type(u[i], json_type_int) ||
			      json_object_is_type(u[i], json_type_double)) ||
			    !(fn->work_units[i] > 0) || !isfinite(fn->work_units[i]))
				return bad_field(err, fn, "work_units", "values must be positive "
									"numbers");
		}
	}
	if ((rc = number_field(root, "timeout_s", &fn->timeout_s, fn, err)))
		return rc;
	d = 0;
	if ((rc = number_field(root, "memory_mb", &d, fn, err)))
		return rc;
	if (d != floor(d) || d > 1e7)
		return bad_field(err, fn, "memory_mb", "must be a whole number of MB");
	fn->memory_mb = (uint64_t)d;
	return 0;
}

int
function_def_parse(struct json_object *root, const char *file, const char *base,
		   struct function_def *fn, struct jb_err *err)
{
	int rc;

	memset(fn, 0, sizeof(*fn));
	fn->root = root;
	snprintf(fn->file, sizeof(fn->file), "%s", file);
	rc = def_fill(fn, base, err);
	if (rc) {
		function_def_free(fn);
		snprintf(fn->file, sizeof(fn->file), "%s", file);
	}
	return rc;
}

int
function_file_load(const char *path, struct function_def *fn, struct jb_err *err)
{
	char base[FUNCTION_PATH_MAX], abs[PATH_MAX];
	struct json_object *root;
	char *slash;

	memset(fn, 0, sizeof(*fn));
	if (!realpath(path, abs))
		return jb_err_set(err, -errno, "%s: %s", path, strerror(errno));
	root = json_object_from_file(abs);
	if (!root)
		return jb_err_set(err, -EINVAL, "%s: not valid JSON: %s", path,
				  json_util_get_last_err() ? json_util_get_last_err() : "?");
	snprintf(base, sizeof(base), "%s", abs);
	slash = strrchr(base, '/');
	if (slash)
		slash[slash == base] = '\0'; /* "/f.json" keeps its "/" */
	return function_def_parse(root, path, base, fn, err);
}

void
function_def_free(struct function_def *fn)
{
	if (fn->root)
		json_object_put(fn->root);
	free(fn->env_block);
	memset(fn, 0, sizeof(*fn));
}

/* @prog found: a path with a slash is taken relative to @dir, a name is looked up on PATH.
 * Writes the absolute path into @out. */
static int
program_find(const char *prog, const char *dir, char *out, size_t len)
{
	const char *path = getenv("PATH");
	char cand[PATH_MAX], abs[PATH_MAX];

	if (strchr(prog, '/')) {
		if (path_join(cand, sizeof(cand), dir, prog))
			return -ENAMETOOLONG;
		if (access(cand, X_OK) != 0)
			return -errno;
		return realpath(cand, out) && strlen(out) < len ? 0 : -ENOENT;
	}
	while (path && *path) {
		size_t n = strcspn(path, ":");
		int w = snprintf(cand, sizeof(cand), "%.*s/%s", (int)n, n ? path : ".", prog);

		if (w > 0 && (size_t)w < sizeof(cand) && access(cand, X_OK) == 0) {
			/* Keep the name the user found (a pyenv shim stays a shim), not its
			 * symlink target: the same interpreter runs either way. */
			if (cand[0] != '/' && !realpath(cand, abs))
				return -ENOENT;
			snprintf(out, len, "%s", cand[0] == '/' ? cand : abs);
			return 0;
		}
		path += n + (path[n] == ':');
	}
	return -ENOENT;
}

/* Resolve the program of @argv, the array @key of @obj, in place. */
static int
argv_resolve(struct function_def *fn, struct json_object *obj, const char *key,
	     const char **argv, struct jb_err *err)
{
	struct json_object *a;
	char abs[PATH_MAX];
	int rc;

	if (!argv[0] || !json_object_object_get_ex(obj, key, &a))
		return 0;
	rc = program_find(argv[0], fn->dir, abs, sizeof(abs));
	if (rc)
		return jb_err_set(err, rc, "%s: field '%s': cannot run '%s': %s", fn->file, key,
				  argv[0], jb_strerror(rc));
	json_object_array_put_idx(a, 0, json_object_new_string(abs));
	argv[0] = json_object_get_string(json_object_array_get_idx(a, 0));
	return 0;
}

int
function_def_resolve(struct function_def *fn, const char *adapter_dir, struct jb_err *err)
{
	struct json_object *root = fn->root, *cmd;
	char dir[PATH_MAX], interp[PATH_MAX], adapter[PATH_MAX], handler[PATH_MAX];
	int rc;

	/* An image's command and helpers are found inside it when they start. */
	if (fn->image_tag[0])
		return function_image_resolve(fn, err);
	if (!realpath(fn->dir, dir))
		return bad_field(err, fn, "dir", strerror(errno));
	json_object_object_add(root, "dir", json_object_new_string(dir));
	snprintf(fn->dir, sizeof(fn->dir), "%s", dir);
	if ((fn->protocol == FUNCTION_PROTO_SEBS_PYTHON || fn->protocol == FUNCTION_PROTO_SEBS_NODE) &&
	    !fn->argv[0]) {
		int py = fn->protocol == FUNCTION_PROTO_SEBS_PYTHON;
		const char *want = fn->interpreter ? fn->interpreter : py ? "python3" : "node";

		rc = program_find(want, dir, interp, sizeof(interp));
		if (rc)
			return jb_err_set(err, rc, "%s: field 'interpreter': '%s' %s", fn->file, want,
					  rc == -ENOENT ? "is not on PATH (install it or name "
							  "one)" : jb_strerror(rc));
		if (path_join(handler, sizeof(handler), dir, fn->handler) ||
		    access(handler, R_OK) != 0)
			return bad_field(err, fn, "handler", "cannot read the handler file");
		snprintf(adapter, sizeof(adapter), "%s/%s", adapter_dir,
			 py ? "sebs_python.py" : "sebs_node.js");
		if (access(adapter, R_OK) != 0)
			return jb_err_set(err, -ENOENT, "adapter %s: %s", adapter, strerror(errno));
		cmd = json_object_new_array();
		json_object_array_add(cmd, json_object_new_string(interp));
		json_object_array_add(cmd, json_object_new_string(adapter));
		json_object_array_add(cmd, json_object_new_string(handler));
		json_object_object_add(root, "command", cmd);
		json_object_object_add(root, "interpreter", json_object_new_string(interp));
		json_object_object_add(root, "handler", json_object_new_string(handler));
		fn->interpreter = json_object_get_string(json_object_array_get_idx(cmd, 0));
		fn->handler = json_object_get_string(json_object_array_get_idx(cmd, 2));
		if ((rc = argv_take(cmd, fn->argv, fn, "command", err)))
			return rc;
	} else if ((rc = argv_resolve(fn, root, "command", fn->argv, err))) {
		return rc;
	}
	if ((rc = argv_resolve(fn, root, "event_command", fn->event_argv, err)))
		return rc;
	if (fn->check == FUNCTION_CHECK_COMMAND &&
	    json_object_object_get_ex(root, "check", &cmd))
		return argv_resolve(fn, cmd, "command", fn->check_argv, err);
	return 0;
}

int
function_def_write(const struct function_def *fn, const char *path, struct jb_err *err)
{
	if (json_object_to_file_ext(path, fn->root, JSON_C_TO_STRING_PLAIN) != 0)
		return jb_err_set(err, -EIO, "%s: %s", path, json_util_get_last_err());
	return 0;
}
