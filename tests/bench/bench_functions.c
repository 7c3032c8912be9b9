/* SPDX-License-Identifier: MIT */
/*
 * Users' functions in the `drivers` benchmark suite (docs/functions.md): what each
 * protocol adds to a warm invocation, and what joulebench adds to a Python function's cold
 * start. Warm dispatch: the round trip of an empty event `{}` through the pinned driver to
 * a function of each protocol (lines: /bin/cat; sebs-python and sebs-node: a handler
 * returning {} through the shipped adapters; lambda: a Python runtime on one kept-alive
 * http.client connection), against the bare socket-pair round trip to a forked echo loop;
 * goals: 2x for lines and the adapters, 5x for the Runtime API over HTTP. Cold start: the
 * pinned driver's start plus the first invocation of the Python handler (joulebench-fn,
 * python3, the adapter, the import, the call), against `python3 -c` importing the same
 * handler and calling it once; goal 1.2x. Everything interleaved in rounds; the ratio of
 * medians with a seeded bootstrap 95% CI (analysis/stats.h); a goal is met when the CI is
 * under it, MISSED when it is above (exit 1). JB_BENCH_SHORT=1: a few rounds, plausible
 * ratios (0.1x-1000x), no verdict.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_scaffold.h"
#include "function_workload.h"
#include "jb_clock.h"
#include "stats.h"

#define ROUND 50
#define ROUNDS 20
#define COLD_N 12
#define N_PROTO 4
#define RESAMPLES 2000

static const char *const proto_name[N_PROTO] = { "lines", "sebs-python", "sebs-node",
						 "lambda" };
static const double proto_goal[N_PROTO] = { 2.0, 2.0, 2.0, 5.0 };

static int
file_put(const char *dir, const char *name, const char *text)
{
	char p[PATH_MAX];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* The four functions, written into @dir. */
static int
functions_write(const char *dir)
{
	char spec[1024];

	if (file_put(dir, "handler.py", "def handler(event):\n    return {}\n") ||
	    file_put(dir, "handler.js", "exports.handler = async (event) => ({});\n") ||
	    file_put(dir, "runtime.py",
		     "import http.client, os\n"
		     "host, port = os.environ['AWS_LAMBDA_RUNTIME_API'].split(':')\n"
		     "c = http.client.HTTPConnection(host, int(port))\n"
		     "while True:\n"
		     "    c.request('GET', '/2018-06-01/runtime/invocation/next')\n"
		     "    r = c.getresponse()\n"
		     "    r.read()\n"
		     "    rid = r.getheader('Lambda-Runtime-Aws-Request-Id')\n"
		     "    c.request('POST', f'/2018-06-01/runtime/invocation/{rid}/response',"
		     " body=b'{}')\n"
		     "    c.getresponse().read()\n"))
		return -1;
	snprintf(spec, sizeof(spec), "{\"name\": \"b-lines\", \"command\": [\"/bin/cat\"], "
				     "\"check\": {\"expected\": {}}}");
	if (file_put(dir, "lines.json", spec) ||
	    file_put(dir, "py.json", "{\"name\": \"b-py\", \"protocol\": \"sebs-python\", "
				     "\"handler\": \"handler.py\", \"check\": {\"expected\": {}}}") ||
	    file_put(dir, "node.json", "{\"name\": \"b-node\", \"protocol\": \"sebs-node\", "
				       "\"handler\": \"handler.js\", \"check\": {\"expected\": {}}}") ||
	    file_put(dir, "lambda.json", "{\"name\": \"b-lambda\", \"protocol\": \"lambda\", "
					 "\"command\": [\"python3\", \"runtime.py\"], "
					 "\"check\": {\"expected\": {}}}"))
		return -1;
	return 0;
}

struct fn_bench {
	struct function_workload *fw;
	struct drv d;
	struct jb_fn_request req;
};

static int
fn_open(struct fn_bench *b, const char *dir, const char *file, int core)
{
	struct driver_config cfg = { .fn_path = JB_FN_BUILD_PATH, .cores = &core, .n_cores = 1,
				     .timeout_ns = 30000000000ull };
	struct jb_err err = { 0 };
	char path[PATH_MAX], why[512] = "";

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (function_workload_load(path, JB_ADAPTER_SRC_DIR, dir, NULL, &b->fw, &err)) {
		fprintf(stderr, "%s: %s\n", file, err.msg);
		return -1;
	}
	if (drv_prepare(&b->d, "pinned", &cfg, why, sizeof(why), &err)) {
		fprintf(stderr, "pinned: %s%s\n", why, err.msg);
		return -1;
	}
	memset(&b->req, 0, sizeof(b->req));
	snprintf(b->req.workload, sizeof(b->req.workload), "%s", b->fw->desc.name);
	snprintf(b->req.size, sizeof(b->req.size), "test");
	snprintf(b->req.spec, sizeof(b->req.spec), "%s", b->fw->spec_path);
	return 0;
}

/* One request; 0 when the function answered and verified. */
static int
fn_request(struct fn_bench *b, enum jb_proto_verb verb)
{
	struct jb_fn_result res = { 0 };
	struct jb_err err = { 0 };

	b->req.verb = verb;
	if (b->d.d->invoke(b->d.drv, &b->d.inst, &b->req, &res, &err) ||
	    strcmp(res.status, "ok") != 0 || (verb == JB_PROTO_INVOKE && !res.verified)) {
		fprintf(stderr, "%s: %s %s %s\n", b->fw->desc.name, res.status, res.msg, err.msg);
		return -1;
	}
	return 0;
}

/* A cold start: the instance, the prepare (untimed), the first invocation. */
static int
fn_cold(struct fn_bench *b, double *s)
{
	uint64_t start_ns, t0;

	if (drv_start(&b->d, &start_ns) || fn_request(b, JB_PROTO_PREPARE))
		return -1;
	t0 = jb_clock_mono_ns();
	if (fn_request(b, JB_PROTO_INVOKE))
		return -1;
	*s = (double)(start_ns + jb_clock_mono_ns() - t0) / 1e9;
	return 0;
}

static int missed, implausible;

static void
verdict(const char *what, const double *base, const double *x, size_t n, double goal)
{
	struct stats_ci ci = { NAN, NAN };
	double m = stats_quantile(x, n, 0.5) / stats_quantile(base, n, 0.5);
	const char *v;

	(void)stats_ratio_ci(base, n, x, n, RESAMPLES, 42, 0.95, &ci);
	v = ci.hi <= goal ? "met" : ci.lo > goal ? "MISSED" : "not shown";
	printf("  %-34s %9.1f us vs %9.1f us: %.2fx, 95%% CI [%.2f, %.2f] (goal <= %gx: %s)\n",
	       what, stats_quantile(x, n, 0.5) * 1e6, stats_quantile(base, n, 0.5) * 1e6, m, ci.lo,
	       ci.hi, goal, v);
	missed |= ci.lo > goal;
	implausible |= !(m > 0.1 && m < 1000);
}

int
main(void)
{
	static double echo_s[ROUND * ROUNDS], fn_s[N_PROTO][ROUND * ROUNDS];
	double cold_s[COLD_N], bare_s[COLD_N];
	static const char *const files[N_PROTO] = { "lines.json", "py.json", "node.json",
						    "lambda.json" };
	struct fn_bench b[N_PROTO];
	struct echo echo = { .fd = -1, .pid = -1 };
	char dir[] = "/tmp/jb-bench-fn-XXXXXX", code[PATH_MAX];
	const char *short_form = getenv("JB_BENCH_SHORT");
	int core = (int)sysconf(_SC_NPROCESSORS_ONLN) - 1, have[N_PROTO];
	size_t rounds = ROUNDS, cold_n = COLD_N, i, k = 0, p, r;

	if (short_form && !strcmp(short_form, "1"))
		rounds = 2, cold_n = 3;
	if (!mkdtemp(dir) || functions_write(dir) || echo_start(&echo, core))
		return 1;
	for (p = 0; p < N_PROTO; p++) {
		have[p] = !fn_open(&b[p], dir, files[p], core) && !drv_start(&b[p].d, &(uint64_t){ 0 }) &&
			  !fn_request(&b[p], JB_PROTO_PREPARE) && !fn_request(&b[p], JB_PROTO_INVOKE);
		if (!have[p])
			printf("  %s: not measured (see the line above)\n", proto_name[p]);
	}
	/* Cold start of the Python handler against python3 importing and calling it. */
	if (have[1]) {
		char *argv[] = { (char *)b[1].fw->def.interpreter, "-c", code, NULL };
		struct fn_bench cb = b[1];
		uint64_t ns;

		snprintf(code, sizeof(code), "import sys; sys.path.insert(0, '%s'); import handler; "
					     "handler.handler({})", dir);
		for (i = 0; i < cold_n; i++) {
			struct jb_err err = { 0 };
			char why[256];
			struct driver_config cfg = { .fn_path = JB_FN_BUILD_PATH, .cores = &core,
						     .n_cores = 1, .timeout_ns = 30000000000ull };

			if (drv_prepare(&cb.d, "pinned", &cfg, why, sizeof(why), &err) ||
			    fn_cold(&cb, &cold_s[i])) {
				fprintf(stderr, "cold start: %s%s\n", why, err.msg);
				return 1;
			}
			if (spawn_timed(argv, 0, &ns)) {
				fprintf(stderr, "%s -c '%s' failed\n", argv[0], code);
				return 1;
			}
			drv_close(&cb.d);
			bare_s[i] = (double)ns / 1e9;
		}
		printf("cold start of a Python handler, %zu each (interleaved):\n", cold_n);
		verdict("pinned start + first call / bare", bare_s, cold_s, cold_n, 1.2);
	}
	bind_to(core > 0 ? 0 : -1);
	for (r = 0; r < rounds; r++)
		for (i = 0; i < ROUND; i++, k++) {
			uint64_t t0 = jb_clock_mono_ns();

			if (echo_round_trip(&echo))
				return 1;
			echo_s[k] = (double)(jb_clock_mono_ns() - t0) / 1e9;
			for (p = 0; p < N_PROTO; p++) {
				if (!have[p])
					continue;
				t0 = jb_clock_mono_ns();
				if (fn_request(&b[p], JB_PROTO_INVOKE))
					return 1;
				fn_s[p][k] = (double)(jb_clock_mono_ns() - t0) / 1e9;
			}
		}
	printf("warm dispatch of {} through pinned, %zu each, interleaved in %zu rounds:\n", k,
	       rounds);
	for (p = 0; p < N_PROTO; p++)
		if (have[p])
			verdict(proto_name[p], echo_s, fn_s[p], k, proto_goal[p]);
	for (p = 0; p < N_PROTO; p++) {
		if (have[p])
			drv_close(&b[p].d);
		function_workload_free(b[p].fw);
	}
	echo_stop(&echo);
	if (implausible) {
		printf("FAIL: a ratio is not plausible\n");
		return 1;
	}
	if (rounds != ROUNDS) {
		printf("short form: the suite runs and its ratios are plausible; goals are judged "
		       "only in the full run\n");
		return 0;
	}
	return missed ? 1 : 0;
}
