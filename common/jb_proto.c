/* SPDX-License-Identifier: MIT */
/*
 * Formatter and parser of the joulebench-fn line protocol (see jb_proto.h). The parser is
 * strict: unknown keys, duplicate-free but malformed numbers, and over-long values are
 * errors, because a silently misread reply would become a wrong row in the results.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jb_proto.h"

static int
copy_word(char *dst, size_t dst_len, const char *val, size_t val_len)
{
	if (val_len == 0 || val_len >= dst_len)
		return -EINVAL;
	memcpy(dst, val, val_len);
	dst[val_len] = '\0';
	return 0;
}

static int
parse_u64(const char *val, size_t len, uint64_t *out)
{
	char tmp[32];
	char *end;

	if (len == 0 || len >= sizeof(tmp) || val[0] == '-' || val[0] == '+')
		return -EINVAL;
	memcpy(tmp, val, len);
	tmp[len] = '\0';
	errno = 0;
	/* Base 0 so that checksums can travel as 0x... and counts as decimal. */
	*out = strtoull(tmp, &end, 0);
	if (errno || *end)
		return -EINVAL;
	return 0;
}

static int
parse_double(const char *val, size_t len, double *out)
{
	char tmp[48];
	char *end;

	if (len == 0 || len >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, val, len);
	tmp[len] = '\0';
	errno = 0;
	*out = strtod(tmp, &end);
	if (errno || *end)
		return -EINVAL;
	return 0;
}

/*
 * Walk the key=value words after the first word. For each word, @cb gets the key and value
 * spans; `msg=` swallows the rest of the line. Returns the first error of @cb.
 */
typedef int (*kv_fn)(void *obj, const char *key, size_t key_len, const char *val,
		     size_t val_len);

static int
kv_walk(const char *p, void *obj, kv_fn cb, struct jb_err *err, const char *line)
{
	while (*p) {
		const char *eq, *end;
		size_t key_len;
		int rc;

		while (*p == ' ')
			p++;
		if (!*p || *p == '\n')
			break;
		eq = strchr(p, '=');
		if (!eq)
			return jb_err_set(err, -EINVAL, "protocol: word without '=' in \"%.80s\"",
					  line);
		key_len = (size_t)(eq - p);
		if (key_len == 3 && strncmp(p, "msg", 3) == 0) {
			end = eq + 1 + strcspn(eq + 1, "\n");
		} else {
			end = eq + 1 + strcspn(eq + 1, " \n");
		}
		rc = cb(obj, p, key_len, eq + 1, (size_t)(end - eq - 1));
		if (rc)
			return jb_err_set(err, rc, "protocol: bad value for '%.*s' in \"%.80s\"",
					  (int)key_len, p, line);
		p = end;
		if (*p == '\n')
			break;
	}
	return 0;
}

static int
key_is(const char *key, size_t len, const char *want)
{
	return strlen(want) == len && strncmp(key, want, len) == 0;
}

static int
request_kv(void *obj, const char *key, size_t klen, const char *val, size_t vlen)
{
	struct jb_fn_request *req = obj;

	if (key_is(key, klen, "workload"))
		return copy_word(req->workload, sizeof(req->workload), val, vlen);
	if (key_is(key, klen, "size"))
		return copy_word(req->size, sizeof(req->size), val, vlen);
	if (key_is(key, klen, "seed"))
		return parse_u64(val, vlen, &req->seed);
	if (key_is(key, klen, "spec"))
		return copy_word(req->spec, sizeof(req->spec), val, vlen);
	return -EINVAL;
}

static const char *const verb_words[] = {
	[JB_PROTO_PREPARE] = "prepare",
	[JB_PROTO_INVOKE] = "invoke",
	[JB_PROTO_QUIT] = "quit",
};

int
jb_proto_request_format(const struct jb_fn_request *req, char *buf, size_t len)
{
	int n;

	if (req->verb == JB_PROTO_QUIT)
		n = snprintf(buf, len, "quit\n");
	else
		n = snprintf(buf, len, "%s workload=%s size=%s seed=%" PRIu64 "%s%s\n",
			     verb_words[req->verb], req->workload, req->size, req->seed,
			     req->spec[0] ? " spec=" : "", req->spec);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return n;
}

int
jb_proto_request_parse(const char *line, struct jb_fn_request *req, struct jb_err *err)
{
	size_t w = strcspn(line, " \n");
	unsigned i;
	int rc;

	memset(req, 0, sizeof(*req));
	for (i = 0; i < sizeof(verb_words) / sizeof(verb_words[0]); i++)
		if (strlen(verb_words[i]) == w && strncmp(line, verb_words[i], w) == 0)
			break;
	if (i == sizeof(verb_words) / sizeof(verb_words[0]))
		return jb_err_set(err, -EINVAL, "protocol: unknown request \"%.*s\"",
				  (int)(w > 40 ? 40 : w), line);
	req->verb = (enum jb_proto_verb)i;
	if (req->verb == JB_PROTO_QUIT) {
		/* `quit` takes no arguments: anything after it is a malformed line (found by
		 * fuzz_proto: it parsed, but did not survive a round trip). */
		if (line[w] && line[w] != '\n' && line[w + strspn(line + w, " ")] != '\n' &&
		    line[w + strspn(line + w, " ")])
			return jb_err_set(err, -EINVAL, "protocol: quit takes no arguments");
		return 0;
	}
	rc = kv_walk(line + w, req, request_kv, err, line);
	if (rc)
		return rc;
	if (req->verb != JB_PROTO_QUIT && (!req->workload[0] || !req->size[0]))
		return jb_err_set(err, -EINVAL, "protocol: request needs workload= and size=");
	return 0;
}

static int
result_kv(void *obj, const char *key, size_t klen, const char *val, size_t vlen)
{
	struct jb_fn_result *res = obj;
	uint64_t v;
	int rc;

	if (key_is(key, klen, "status"))
		return copy_word(res->status, sizeof(res->status), val, vlen);
	if (key_is(key, klen, "checksum"))
		return parse_u64(val, vlen, &res->checksum);
	if (key_is(key, klen, "verified")) {
		rc = parse_u64(val, vlen, &v);
		if (rc || v > 1)
			return -EINVAL;
		res->verified = (int)v;
		return 0;
	}
	if (key_is(key, klen, "wall_ns"))
		return parse_u64(val, vlen, &res->wall_ns);
	if (key_is(key, klen, "cpu_ns"))
		return parse_u64(val, vlen, &res->cpu_ns);
	if (key_is(key, klen, "setup_ns"))
		return parse_u64(val, vlen, &res->setup_ns);
	if (key_is(key, klen, "work_units"))
		return parse_double(val, vlen, &res->work_units);
	if (key_is(key, klen, "msg")) {
		size_t n = vlen < sizeof(res->msg) - 1 ? vlen : sizeof(res->msg) - 1;

		memcpy(res->msg, val, n);
		res->msg[n] = '\0';
		return 0;
	}
	return -EINVAL;
}

int
jb_proto_result_format(const struct jb_fn_result *res, int prepared, char *buf, size_t len)
{
	char msg[sizeof(res->msg)];
	size_t i;
	int n;

	/* A message must stay on one line: a newline would end the reply early. */
	for (i = 0; res->msg[i] && i < sizeof(msg) - 1; i++)
		msg[i] = (res->msg[i] == '\n' || res->msg[i] == '\r') ? ' ' : res->msg[i];
	msg[i] = '\0';
	if (prepared)
		n = snprintf(buf, len, "prepared status=%s setup_ns=%" PRIu64 "%s%s\n",
			     res->status, res->setup_ns, msg[0] ? " msg=" : "", msg);
	else
		n = snprintf(buf, len,
			     "result status=%s checksum=0x%016" PRIx64 " verified=%d wall_ns=%" PRIu64
			     " cpu_ns=%" PRIu64 " work_units=%.17g%s%s\n",
			     res->status, res->checksum, res->verified, res->wall_ns, res->cpu_ns,
			     res->work_units, msg[0] ? " msg=" : "", msg);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return n;
}

int
jb_proto_result_parse(const char *line, struct jb_fn_result *res, struct jb_err *err)
{
	size_t w = strcspn(line, " \n");
	int rc;

	memset(res, 0, sizeof(*res));
	if (!((w == 6 && strncmp(line, "result", 6) == 0) ||
	      (w == 8 && strncmp(line, "prepared", 8) == 0)))
		return jb_err_set(err, -EPROTO, "protocol: expected a result, got \"%.80s\"",
				  line);
	rc = kv_walk(line + w, res, result_kv, err, line);
	if (rc)
		return rc;
	if (!res->status[0])
		return jb_err_set(err, -EINVAL, "protocol: reply without status: \"%.80s\"", line);
	return 0;
}

static int
ready_kv(void *obj, const char *key, size_t klen, const char *val, size_t vlen)
{
	struct jb_fn_ready *r = obj;
	uint64_t v;
	int rc;

	if (key_is(key, klen, "pid") || key_is(key, klen, "cpu")) {
		rc = parse_u64(val, vlen, &v);
		if (rc || v > INT32_MAX)
			return -EINVAL;
		if (key[0] == 'p')
			r->pid = (int)v;
		else
			r->cpu = (int)v;
		return 0;
	}
	if (key_is(key, klen, "cpus_allowed"))
		return copy_word(r->cpus_allowed, sizeof(r->cpus_allowed), val, vlen);
	return -EINVAL;
}

int
jb_proto_ready_format(const struct jb_fn_ready *ready, char *buf, size_t len)
{
	int n = snprintf(buf, len, "ready pid=%d cpu=%d cpus_allowed=%s\n", ready->pid,
			 ready->cpu, ready->cpus_allowed);

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return n;
}

int
jb_proto_ready_parse(const char *line, struct jb_fn_ready *ready, struct jb_err *err)
{
	memset(ready, 0, sizeof(*ready));
	ready->cpu = -1;
	if (strncmp(line, "ready", 5) != 0 || (line[5] != ' ' && line[5] != '\n' && line[5]))
		return jb_err_set(err, -EPROTO, "protocol: expected ready, got \"%.80s\"", line);
	return kv_walk(line + 5, ready, ready_kv, err, line);
}
