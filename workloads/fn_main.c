/* SPDX-License-Identifier: MIT */
/*
 * joulebench-fn, the function runner (DESIGN §3). A driver starts it (as a process pinned
 * to a core, or inside a container), reads its `ready` line, then sends request lines on
 * stdin and reads one reply line per request on stdout (common/jb_proto.h). One process
 * serves many warm invocations; the input of the last prepared (workload, size, seed) is
 * kept, so a warm invocation times the kernel alone. It also lists the workloads and dumps
 * a generated input, or the output of one invocation, so that anyone can check them with
 * other tools (docs/workloads.md gives each workload's formats).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fn_user.h"
#include "jb_clock.h"
#include "jb_proto.h"
#include "workload.h"

struct fn_cache {
	const struct workload_desc *w;
	enum workload_size size;
	uint64_t seed;
	void *state;
	/* The digest of the last output that passed the workload's full verify(). */
	uint64_t verified_checksum;
	int have_verified;
};

static void
fn_usage(FILE *f)
{
	fprintf(f, "usage: joulebench-fn                      serve requests on stdin/stdout\n"
		   "       joulebench-fn --list               list workloads\n"
		   "       joulebench-fn --dump-input WORKLOAD SIZE SEED\n"
		   "                                          write the generated input to stdout\n"
		   "       joulebench-fn --dump-output WORKLOAD SIZE SEED\n"
		   "                                          run one invocation, write its output\n"
		   "       joulebench-fn --version\n");
}

static void
fn_cpus_allowed(char *buf, size_t len)
{
	cpu_set_t set;
	size_t used = 0;
	int cpu, first = -1;

	buf[0] = '\0';
	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return;
	/* Print as a list of ranges ("0-3,6"), the format of /sys/.../cpulist. */
	for (cpu = 0; cpu <= CPU_SETSIZE; cpu++) {
		int in = cpu < CPU_SETSIZE && CPU_ISSET(cpu, &set);

		if (in && first < 0)
			first = cpu;
		if (!in && first >= 0) {
			int n = cpu - 1 == first
					? snprintf(buf + used, len - used, "%s%d", used ? "," : "", first)
					: snprintf(buf + used, len - used, "%s%d-%d", used ? "," : "",
						   first, cpu - 1);
			if (n < 0 || (size_t)n >= len - used)
				return;
			used += (size_t)n;
			first = -1;
		}
	}
}

static int
fn_prepare(struct fn_cache *c, const struct jb_fn_request *req, struct jb_fn_result *res)
{
	const struct workload_desc *w = workload_find(req->workload);
	enum workload_size size;
	struct jb_err err = { 0 };
	uint64_t t0;
	int rc;

	if (!w) {
		snprintf(res->msg, sizeof(res->msg), "unknown workload '%s'", req->workload);
		return -ENOENT;
	}
	if (workload_size_parse(req->size, &size)) {
		snprintf(res->msg, sizeof(res->msg), "unknown size '%s' (test, small, large)",
			 req->size);
		return -EINVAL;
	}
	if (c->w == w && c->size == size && c->seed == req->seed && c->state)
		return 0;
	if (c->w && c->state)
		c->w->teardown(c->state);
	c->w = NULL;
	c->state = NULL;
	t0 = jb_clock_mono_ns();
	rc = w->setup(w->size_param[size], req->seed, &c->state, &err);
	res->setup_ns = jb_clock_mono_ns() - t0;
	if (rc) {
		snprintf(res->msg, sizeof(res->msg), "%.*s", (int)sizeof(res->msg) - 1, err.msg);
		return rc;
	}
	c->w = w;
	c->size = size;
	c->seed = req->seed;
	c->have_verified = 0;
	return 0;
}

static void
fn_invoke(struct fn_cache *c, struct jb_fn_result *res)
{
	struct workload_result out = { 0 };
	uint64_t t0, c0;
	int rc;

	c0 = jb_clock_process_cpu_ns();
	t0 = jb_clock_mono_ns();
	rc = c->w->run(c->state, &out);
	res->wall_ns = jb_clock_mono_ns() - t0;
	res->cpu_ns = jb_clock_process_cpu_ns() - c0;
	res->checksum = out.checksum;
	res->work_units = out.work_units;
	if (rc) {
		snprintf(res->status, sizeof(res->status), JB_STATUS_ERROR);
		snprintf(res->msg, sizeof(res->msg), "run failed: %s", jb_strerror(rc));
		return;
	}
	/*
	 * Verification runs after the timed span, but inside the runner's metered window, so
	 * its cost is kept small: the first output of an input gets the workload's full,
	 * independent verify(); an output whose 64-bit digest equals that verified output's
	 * is the same bytes (a digest of the whole output, not a cryptographic hash: it guards
	 * against wrong results, not adversaries) and is verified by that equality. Any other
	 * output gets the full check again. Measured by the `harness` benchmark: a full
	 * inflate per invocation cost compress 5% of its wall time.
	 */
	if (c->have_verified && out.checksum == c->verified_checksum) {
		res->verified = 1;
	} else {
		res->verified = c->w->verify(c->state, &out) == 0;
		if (res->verified) {
			c->verified_checksum = out.checksum;
			c->have_verified = 1;
		}
	}
	snprintf(res->status, sizeof(res->status), "%s",
		 res->verified ? JB_STATUS_OK : JB_STATUS_FAILED);
	if (!res->verified)
		snprintf(res->msg, sizeof(res->msg), "checksum did not verify");
}

static int
fn_serve(void)
{
	struct fn_cache cache = { 0 };
	struct fn_user user;
	struct jb_fn_ready ready = { 0 };
	int gone = 0;
	char out[JB_PROTO_LINE_MAX];
	char *line = NULL;
	size_t cap = 0;

	ready.pid = (int)getpid();
	ready.cpu = sched_getcpu();
	fn_cpus_allowed(ready.cpus_allowed, sizeof(ready.cpus_allowed));
	if (!ready.cpus_allowed[0])
		snprintf(ready.cpus_allowed, sizeof(ready.cpus_allowed), "?");
	if (jb_proto_ready_format(&ready, out, sizeof(out)) > 0)
		fputs(out, stdout);
	fflush(stdout);
	fn_user_init(&user);

	while (!gone && getline(&line, &cap, stdin) > 0) {
		struct jb_fn_request req;
		struct jb_fn_result res = { 0 };
		struct jb_err err = { 0 };
		int prepared_reply = 0;

		if (jb_proto_request_parse(line, &req, &err)) {
			snprintf(res.status, sizeof(res.status), JB_STATUS_ERROR);
			snprintf(res.msg, sizeof(res.msg), "%.*s", (int)sizeof(res.msg) - 1, err.msg);
		} else if (req.verb == JB_PROTO_QUIT) {
			break;
		} else if (req.spec[0]) {
			/* A user's function (fn_user.h); one that is gone ends this runner. */
			prepared_reply = req.verb == JB_PROTO_PREPARE;
			if (fn_user_prepare(&user, &req, &res))
				snprintf(res.status, sizeof(res.status), JB_STATUS_ERROR);
			else if (prepared_reply)
				snprintf(res.status, sizeof(res.status), JB_STATUS_OK);
			else
				gone = fn_user_invoke(&user, &res);
		} else {
			int rc = fn_prepare(&cache, &req, &res);

			prepared_reply = req.verb == JB_PROTO_PREPARE;
			if (rc)
				snprintf(res.status, sizeof(res.status), JB_STATUS_ERROR);
			else if (prepared_reply)
				snprintf(res.status, sizeof(res.status), JB_STATUS_OK);
			else
				fn_invoke(&cache, &res);
		}
		if (jb_proto_result_format(&res, prepared_reply, out, sizeof(out)) > 0)
			fputs(out, stdout);
		if (fflush(stdout) != 0)
			break;
		fn_user_settle(&user);
	}
	free(line);
	fn_user_fini(&user);
	if (cache.w && cache.state)
		cache.w->teardown(cache.state);
	return 0;
}

static int
fn_list(void)
{
	size_t i;

	for (i = 0; i < workload_count(); i++) {
		const struct workload_desc *w = workload_at(i);

		printf("%-12s %-8s %s=%" PRIu64 "/%" PRIu64 "/%" PRIu64 "  %s (modeled on %s)\n",
		       w->name, w->work_unit, w->size_param_name, w->size_param[0], w->size_param[1],
		       w->size_param[2], w->summary, w->modeled_on);
	}
	return 0;
}

/* --dump-input (@output 0) or --dump-output (@output 1): exit status 0, 1 or 2. */
static int
fn_dump(const char *name, const char *size_s, const char *seed_s, int output)
{
	const struct workload_desc *w = workload_find(name);
	int (*dump)(void *, FILE *);
	struct workload_result res = { 0 };
	enum workload_size size;
	struct jb_err err = { 0 };
	void *state = NULL;
	char *end;
	uint64_t seed;
	int rc;

	if (!w) {
		fprintf(stderr, "joulebench-fn: unknown workload '%s' (see --list)\n", name);
		return 2;
	}
	if (workload_size_parse(size_s, &size)) {
		fprintf(stderr, "joulebench-fn: unknown size '%s' (test, small, large)\n", size_s);
		return 2;
	}
	errno = 0;
	seed = strtoull(seed_s, &end, 0);
	if (errno || *end || !*seed_s || *seed_s == '-') {
		fprintf(stderr, "joulebench-fn: bad seed '%s'\n", seed_s);
		return 2;
	}
	dump = output ? w->dump_output : w->dump_input;
	if (!dump) {
		fprintf(stderr, "joulebench-fn: %s has no %s dump\n", w->name,
			output ? "output" : "input");
		return 2;
	}
	rc = w->setup(w->size_param[size], seed, &state, &err);
	if (rc) {
		fprintf(stderr, "joulebench-fn: %s\n", err.msg);
		return 1;
	}
	if (output) {
		/* One invocation; an output that does not verify is not worth checking. */
		rc = w->run(state, &res);
		if (!rc)
			rc = w->verify(state, &res);
		if (rc) {
			fprintf(stderr, "joulebench-fn: %s: %s\n", w->name,
				rc == -EBADMSG ? "the output did not verify" : jb_strerror(rc));
			w->teardown(state);
			return 1;
		}
	}
	rc = dump(state, stdout);
	w->teardown(state);
	if (rc || fflush(stdout) != 0) {
		fprintf(stderr, "joulebench-fn: writing the %s failed\n", output ? "output" : "input");
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 1)
		return fn_serve();
	if (strcmp(argv[1], "--list") == 0 && argc == 2)
		return fn_list();
	if (strcmp(argv[1], "--dump-input") == 0 && argc == 5)
		return fn_dump(argv[2], argv[3], argv[4], 0);
	if (strcmp(argv[1], "--dump-output") == 0 && argc == 5)
		return fn_dump(argv[2], argv[3], argv[4], 1);
	if (strcmp(argv[1], "--version") == 0 && argc == 2) {
		printf("joulebench-fn %s\n", JB_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fn_usage(stdout);
		return 0;
	}
	fn_usage(stderr);
	return 2;
}
