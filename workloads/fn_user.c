/* SPDX-License-Identifier: MIT */
/*
 * A user's function served by joulebench-fn (fn_user.h). The function's result is checked
 * as a kernel's is: the first result of an input gets the function file's full check
 * (expected value, value at a path, or the validator command); a result whose bytes have
 * the same 64-bit digest as a verified one is verified by that equality, which keeps a
 * validator process out of every warm invocation.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <json-c/json.h>

#include "fn_user.h"
#include "jb_clock.h"

/* Helper commands (event generator, validator) are short: a bound keeps a hung one from
 * hanging the runner. */
#define FN_HELPER_TIMEOUT_NS (120ull * 1000000000ull)

/* Stop the function and, for the Runtime API, close its sockets. */
static void
user_stop(struct fn_user *u)
{
	/* A runtime waits on the API, not on stdin: it is told to stop at once. */
	if (u->child.pid && u->lambda.listen_fd >= 0 && u->child.status < 0)
		kill(u->child.pid, SIGTERM);
	if (u->child.pid)
		fn_child_stop(&u->child);
	fn_lambda_close(&u->lambda);
}

void
fn_user_init(struct fn_user *u)
{
	memset(u, 0, sizeof(*u));
	u->size = -1;
	u->lambda.listen_fd = u->lambda.conn_fd = -1;
	/* A function that dies while we write its event is an -EPIPE, not our death. */
	signal(SIGPIPE, SIG_IGN);
}

void
fn_user_fini(struct fn_user *u)
{
	user_stop(u);
	free(u->event_line);
	function_def_free(&u->def);
	fn_user_init(u);
}

/* The function file's env, then @a and @b (either may be NULL), NULL-terminated in @out,
 * which holds FUNCTION_ENV_MAX + 3. */
static char **
env_with(char **out, const struct function_def *d, char *a, char *b)
{
	size_t n = 0, i;

	for (i = 0; d->env[i]; i++)
		out[n++] = (char *)d->env[i];
	if (a)
		out[n++] = a;
	if (b)
		out[n++] = b;
	out[n] = NULL;
	return out;
}

/* @rc after writing the reason into res->msg (cut to fit: a message, not data). */
static int __attribute__((format(printf, 3, 4)))
fail(struct jb_fn_result *res, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->msg, sizeof(res->msg), fmt, ap);
	va_end(ap);
	return rc;
}

/* The event of @size as one line, from the file or its generator command. */
static int
event_build(struct fn_user *u, enum workload_size size, uint64_t seed,
	    struct jb_fn_result *res)
{
	struct json_object *ev = u->def.event[size], *owned = NULL;
	const char *text;
	struct jb_err err = { 0 };

	if (!ev && u->def.event_argv[0]) {
		char env_size[32], env_seed[48], *envp[FUNCTION_ENV_MAX + 3], *out;
		enum json_tokener_error jerr;
		int code, rc;

		snprintf(env_size, sizeof(env_size), "JB_SIZE=%s", workload_size_name(size));
		snprintf(env_seed, sizeof(env_seed), "JB_SEED=%llu", (unsigned long long)seed);
		rc = fn_command_run(u->def.event_argv, u->def.dir,
				    env_with(envp, &u->def, env_size, env_seed), NULL, 0,
				    FN_HELPER_TIMEOUT_NS, &out, &code, &err);
		if (rc)
			return fail(res, rc, "event_command: %s", err.msg);
		if (code) {
			free(out);
			return fail(res, -EINVAL, "event_command exited with code %d", code);
		}
		owned = ev = json_tokener_parse_verbose(out, &jerr);
		free(out);
		if (jerr != json_tokener_success)
			return fail(res, -EINVAL, "event_command: its output is not JSON: %s",
				    json_tokener_error_desc(jerr));
	}
	if (!ev && !u->def.event_argv[0] && !u->def.event[0] && !u->def.event[1] &&
	    !u->def.event[2])
		ev = owned = json_object_new_object(); /* no events at all: {} */
	if (!ev)
		return fail(res, -ENOENT, "%s: field 'events' has no event for size %s",
			    u->def.file, workload_size_name(size));
	text = json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN);
	free(u->event_line);
	u->event_len = strlen(text) + 1;
	u->event_line = malloc(u->event_len + 1);
	if (u->event_line)
		snprintf(u->event_line, u->event_len + 1, "%s\n", text);
	json_object_put(owned);
	return u->event_line ? 0 : fail(res, -ENOMEM, "out of memory");
}

void
fn_user_settle(struct fn_user *u)
{
	fn_lambda_ack(&u->lambda);
}

int
fn_user_prepare(struct fn_user *u, const struct jb_fn_request *req, struct jb_fn_result *res)
{
	enum workload_size size;
	struct jb_err err = { 0 };
	uint64_t t0 = jb_clock_mono_ns();
	int rc;

	if (workload_size_parse(req->size, &size))
		return fail(res, -EINVAL, "unknown size '%s'", req->size);
	if (strcmp(u->spec, req->spec) != 0) {
		fn_user_fini(u);
		rc = function_file_load(req->spec, &u->def, &err);
		if (rc)
			return fail(res, rc, "%s", err.msg);
		if (strcmp(u->def.name, req->workload) != 0)
			return fail(res, -EINVAL, "%s names function '%s'", req->spec, u->def.name);
		snprintf(u->spec, sizeof(u->spec), "%s", req->spec);
	}
	if (u->size == (int)size && u->seed == req->seed && u->event_line)
		return 0;
	rc = event_build(u, size, req->seed, res);
	res->setup_ns = jb_clock_mono_ns() - t0;
	if (rc)
		return rc;
	u->size = (int)size;
	u->seed = req->seed;
	u->have_verified = 0;
	return 0;
}

/* The value at a dotted path ("result.items.0") of @root, or NULL. */
static struct json_object *
path_get(struct json_object *root, const char *path)
{
	char key[256];

	while (root && *path) {
		size_t n = strcspn(path, ".");

		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		if (json_object_is_type(root, json_type_array)) {
			char *end;
			unsigned long i = strtoul(key, &end, 10);

			root = *end || !n ? NULL : json_object_array_get_idx(root, i);
		} else if (!json_object_object_get_ex(root, key, &root)) {
			return NULL;
		}
		path += n + (path[n] == '.');
	}
	return root;
}

/* The function file's full check of @out (the result line @line). 1 verified, 0 not, with
 * the reason in res->msg. */
static int
check_full(struct fn_user *u, struct json_object *out, const char *line,
	   struct jb_fn_result *res)
{
	const struct function_def *d = &u->def;
	struct json_object *got;

	switch (d->check) {
	case FUNCTION_CHECK_EXPECTED:
		if (json_object_equal(out, d->check_value))
			return 1;
		snprintf(res->msg, sizeof(res->msg), "the result is not the expected value");
		return 0;
	case FUNCTION_CHECK_PATH:
		got = path_get(out, d->check_path);
		if (got && json_object_equal(got, d->check_value))
			return 1;
		snprintf(res->msg, sizeof(res->msg), "%s of the result is %.80s, not %.80s",
			 d->check_path, got ? json_object_to_json_string(got) : "missing",
			 json_object_to_json_string(d->check_value));
		return 0;
	case FUNCTION_CHECK_COMMAND: {
		char env_size[32], *env_event = NULL, *envp[FUNCTION_ENV_MAX + 3], *why;
		struct jb_err err = { 0 };
		int code = 1, rc;

		snprintf(env_size, sizeof(env_size), "JB_SIZE=%s", workload_size_name(u->size));
		if (asprintf(&env_event, "JB_EVENT=%.*s", (int)u->event_len - 1, u->event_line) < 0)
			env_event = NULL;
		rc = fn_command_run(d->check_argv, d->dir, env_with(envp, d, env_size, env_event),
				    line, strlen(line), FN_HELPER_TIMEOUT_NS,
				    &why, &code, &err);
		free(env_event);
		if (rc) {
			return fail(res, 0, "validator: %s", err.msg);
		}
		why[strcspn(why, "\n")] = '\0';
		if (code)
			snprintf(res->msg, sizeof(res->msg), "validator: %.200s",
				 why[0] ? why : "exited non-zero");
		free(why);
		return code == 0;
	}
	case FUNCTION_CHECK_NONE:
	default:
		snprintf(res->msg, sizeof(res->msg), "not verified: the function file has no check");
		return 0;
	}
}

/*
 * The result line @line of @len bytes: its digest, then its verdict. A line with the digest
 * of the last verified result is those bytes, so it is valid JSON, no error shape, and
 * verified, with nothing parsed (a warm call's result is most often that line). Any other
 * line is parsed once: not JSON is junk on the protocol channel (-EPROTO in @err: nothing
 * after it can be trusted to answer the right event); else the error shape, or the full
 * check. @is_error: the Runtime API's POST .../error.
 */
static int
result_check(struct fn_user *u, const char *line, size_t len, int is_error,
	     struct jb_fn_result *res, struct jb_err *err)
{
	enum json_tokener_error jerr;
	struct json_object *out, *t, *m;

	res->checksum = workload_checksum_bytes(WORKLOAD_FNV_OFFSET, line, len);
	if (!is_error && u->have_verified && res->checksum == u->verified_checksum) {
		res->verified = 1;
		snprintf(res->status, sizeof(res->status), JB_STATUS_OK);
		return 0;
	}
	out = json_tokener_parse_verbose(line, &jerr);
	if (jerr != json_tokener_success)
		return jb_err_set(err, -EPROTO, "protocol: the function wrote a line that is not "
						"JSON (%s): \"%.60s\"",
				  json_tokener_error_desc(jerr), line);
	if (json_object_is_type(out, json_type_object) &&
	    json_object_object_get_ex(out, "errorType", &t) &&
	    json_object_object_get_ex(out, "errorMessage", &m)) {
		/* The adapters' (and Lambda's) shape of an exception in the handler. */
		snprintf(res->status, sizeof(res->status), JB_STATUS_ERROR);
		fail(res, 0, "handler raised %s: %s", json_object_get_string(t),
		     json_object_get_string(m));
	} else if (is_error) {
		/* POST .../error: Lambda's body is {"errorMessage", "errorType"}. */
		snprintf(res->status, sizeof(res->status), JB_STATUS_ERROR);
		fail(res, 0, "handler error: %s", line);
	} else {
		res->verified = check_full(u, out, line, res);
		if (res->verified) {
			u->verified_checksum = res->checksum;
			u->have_verified = 1;
		}
		snprintf(res->status, sizeof(res->status), "%s",
			 res->verified || u->def.check == FUNCTION_CHECK_NONE ? JB_STATUS_OK
									    : JB_STATUS_FAILED);
	}
	json_object_put(out);
	return 0;
}

/* A duration for a message: "4.72 s", "412 ms", "41.2 ms", "2.10 ms". */
static void
dur_format(char *out, size_t len, uint64_t ns)
{
	double ms = (double)ns / 1e6;

	if (ms >= 1000)
		snprintf(out, len, "%.2f s", ms / 1000);
	else
		snprintf(out, len, ms >= 100 ? "%.0f ms" : ms >= 10 ? "%.1f ms" : "%.2f ms", ms);
}

/*
 * What a cold invocation's time was spent on, where the runner can tell: an adapter says
 * when its file began to run and when the handler was loaded (jb-adapter-ready); a Lambda
 * runtime asks for its first event once it has initialized (Lambda's "Init Duration"); a
 * lines program gives no sign, so its start and first call stay one. In the row's
 * message: "cold: runtime 612 ms, import 41.2 ms, first call 2.10 ms".
 */
static void
cold_note(const struct fn_user *u, struct jb_fn_result *res, uint64_t spawn_ns,
	  uint64_t end_ns, const uint64_t ready[2])
{
	char a[24], b[24], c[24], note[128];
	size_t n = strlen(res->msg);

	if (ready[0] >= spawn_ns && ready[1] >= ready[0] && end_ns >= ready[1]) {
		dur_format(a, sizeof(a), ready[0] - spawn_ns);
		dur_format(b, sizeof(b), ready[1] - ready[0]);
		dur_format(c, sizeof(c), end_ns - ready[1]);
		snprintf(note, sizeof(note), "cold: runtime %s, import %s, first call %s", a, b, c);
	} else if (u->def.protocol == FUNCTION_PROTO_LAMBDA && u->lambda.next_ns >= spawn_ns &&
		   end_ns >= u->lambda.next_ns) {
		dur_format(a, sizeof(a), u->lambda.next_ns - spawn_ns);
		dur_format(b, sizeof(b), end_ns - u->lambda.next_ns);
		snprintf(note, sizeof(note), "cold: runtime init %s (to its first GET .../next), "
					     "first call %s", a, b);
	} else {
		dur_format(a, sizeof(a), end_ns - spawn_ns);
		snprintf(note, sizeof(note), "cold: start and first call %s", a);
	}
	/* An ok row's message is this note (then any remark); a failure's reason comes first. */
	if (!strcmp(res->status, JB_STATUS_OK)) {
		char rest[sizeof(res->msg)];

		memcpy(rest, res->msg, sizeof(rest));
		snprintf(res->msg, sizeof(res->msg), "%s%s%.*s", note, n ? "; " : "",
			 (int)(sizeof(res->msg) - strlen(note) - 3), rest);
	} else {
		snprintf(res->msg + n, sizeof(res->msg) - n, "%s%s", n ? "; " : "", note);
	}
}

/* An adapter's first line, `jb-adapter-ready START_NS LOADED_NS` (adapters/), read before
 * its first event: the two times in @ready. */
static int
adapter_ready(struct fn_user *u, uint64_t timeout_ns, uint64_t ready[2], struct jb_err *err)
{
	unsigned long long t0, t1;
	char *line = NULL;
	size_t len;
	int rc = fn_child_call(&u->child, "", 0, &line, &len, timeout_ns, err);

	if (rc)
		return rc;
	if (sscanf(line, "jb-adapter-ready %llu %llu", &t0, &t1) != 2)
		return jb_err_set(err, -EPROTO, "protocol: the adapter's first line is not "
						"jb-adapter-ready: \"%.60s\"", line);
	ready[0] = t0;
	ready[1] = t1;
	return 0;
}

int
fn_user_invoke(struct fn_user *u, struct jb_fn_result *res)
{
	uint64_t t0, c0, cc0 = 0, cc1, timeout_ns = (uint64_t)(u->def.timeout_s * 1e9);
	uint64_t ready[2] = { 0, 0 };
	struct jb_err err = { 0 };
	char *line = NULL;
	size_t len = 0;
	int rc, gone = 0, is_error = 0, lambda = u->def.protocol == FUNCTION_PROTO_LAMBDA;
	int cold = !u->child.pid, adapter = u->def.protocol == FUNCTION_PROTO_SEBS_PYTHON ||
					    u->def.protocol == FUNCTION_PROTO_SEBS_NODE;

	/* The child's CPU time is read outside the wall span: it is our cost, not the call's. */
	if (u->child.pid)
		cc0 = fn_child_cpu_ns(&u->child, 0);
	c0 = jb_clock_process_cpu_ns();
	t0 = jb_clock_mono_ns();
	if (!u->child.pid) {
		char *env[FUNCTION_ENV_MAX + 3];

		rc = lambda ? fn_lambda_listen(&u->lambda, &err) : 0;
		if (!rc)
			rc = fn_child_start(&u->child, u->def.argv, u->def.dir, u->def.memory_mb,
					    env_with(env, &u->def, lambda ? u->lambda.env : NULL, NULL),
					    lambda, &err);
		if (rc) {
			user_stop(u);
			u->child.pid = 0;
			snprintf(res->status, sizeof(res->status), JB_STATUS_ERROR);
			snprintf(res->msg, sizeof(res->msg), "%.250s", err.msg);
			return 1;
		}
	}
	rc = cold && adapter ? adapter_ready(u, timeout_ns, ready, &err) : 0;
	if (!rc && lambda)
		rc = fn_lambda_call(&u->lambda, &u->child, u->event_line, u->event_len - 1, timeout_ns,
				    &line, &len, &is_error, &err);
	else if (!rc)
		rc = fn_child_call(&u->child, u->event_line, u->event_len, &line, &len, timeout_ns,
				   &err);
	res->wall_ns = jb_clock_mono_ns() - t0;
	cc1 = fn_child_cpu_ns(&u->child, 1);
	res->cpu_ns = jb_clock_process_cpu_ns() - c0 + (cc1 > cc0 ? cc1 - cc0 : 0);
	res->work_units = u->def.work_units[u->size];
	if (!rc)
		rc = result_check(u, line, len, is_error, res, &err);
	if (!rc && cold)
		cold_note(u, res, t0, t0 + res->wall_ns, ready);
	if (!rc)
		return 0;
	gone = 1;
	snprintf(res->status, sizeof(res->status), rc == -ETIMEDOUT ? "timeout" : "crashed");
	/* A SIGKILL none of ours: a memory limit's OOM killer, most often (a cgroup's). */
	snprintf(res->msg, sizeof(res->msg), "%.200s%s", err.msg,
		 rc == -EPIPE && u->child.status >= 0 && WIFSIGNALED(u->child.status) &&
				 WTERMSIG(u->child.status) == SIGKILL
			 ? " (out of memory?)" : "");
	user_stop(u);
	return gone;
}
