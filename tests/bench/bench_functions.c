/* SPDX-License-Identifier: MIT */
/*
 * Users' functions in the `drivers` benchmark suite (docs/functions.md): what each
 * protocol adds to a warm invocation, and what joulebench adds to a Python function's cold
 * start. Warm dispatch: the round trip of an empty event `{}` through the pinned driver to
 * a function of each protocol that does no more than its protocol asks (lines: /bin/cat;
 * sebs-python and sebs-node: a handler returning {} through the shipped adapters; lambda:
 * a Python runtime speaking HTTP/1.1 on one kept-alive socket), against the bare
 * socket-pair round trip to a forked echo loop; goals: 2x for lines and the adapters, 5x
 * for the Runtime API over HTTP. The same runtime on Python's http.client is reported
 * beside it, without a goal: its header parser is the runtime's cost, not the API's.
 * Cold start: the pinned driver's start plus the first invocation of the Python handler
 * (joulebench-fn, python3, the adapter, the import, the call), against `python3 -c`
 * importing the same handler and calling it once, on the same core, timed to the line it
 * prints after the call (not to its exit: the row has no exit either), the two in turns
 * (ABBA); goal 1.2x on the median of the pairs' ratios.
 * Each function's calls alternate with echo round trips of their own (ABAB), in blocks
 * that take turns, each timed item begun once the processes of the one before are off the
 * CPU (a Lambda runtime's receipt of its 202 and its next GET ran into the next item's
 * time, and a round robin of all five put four interpreters' cache traffic before each
 * call, which no run does); the ratio of medians with its 95% CI (analysis/stats.h); a
 * goal is met when the CI is under it, MISSED when it is above (exit 1). JB_BENCH_SHORT=1: a few rounds, plausible ratios (0.1x-1000x), no verdict.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_scaffold.h"
#include "function_workload.h"
#include "jb_clock.h"
#include "stats.h"

#define ROUND 50
#define ROUNDS 20
#define COLD_N 100
#define N_PROTO 5
/* A process still on the CPU after this is waited for no longer (a spinning thread). */
#define SETTLE_MAX_NS 20000000ull

static const char *const proto_name[N_PROTO] = { "lines", "sebs-python", "sebs-node", "lambda",
						 "lambda on http.client" };
/* 0: reported, no goal. */
static const double proto_goal[N_PROTO] = { 2.0, 2.0, 2.0, 5.0, 0 };
static const char *const proto_file[N_PROTO] = { "lines.json", "py.json", "node.json",
						 "lambda.json", "lambda-http.json" };

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

/* The Runtime API's least client: the requests the contract names, each response framed
 * by its Content-Length, TCP_NODELAY as libcurl (the AWS clients' HTTP) sets it. */
static const char runtime_py[] =
	"import os, socket\n"
	"host, port = os.environ['AWS_LAMBDA_RUNTIME_API'].split(':')\n"
	"s = socket.create_connection((host, int(port)))\n"
	"s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)\n"
	"buf = b''\n"
	"def response():\n"
	"    global buf\n"
	"    while b'\\r\\n\\r\\n' not in buf:\n"
	"        buf += s.recv(65536)\n"
	"    head, _, buf = buf.partition(b'\\r\\n\\r\\n')\n"
	"    h = dict(l.split(b': ', 1) for l in head.split(b'\\r\\n')[1:])\n"
	"    n = int(h[b'Content-Length'])\n"
	"    while len(buf) < n:\n"
	"        buf += s.recv(65536)\n"
	"    body, buf = buf[:n], buf[n:]\n"
	"    return h, body\n"
	"while True:\n"
	"    s.sendall(b'GET /2018-06-01/runtime/invocation/next HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n')\n"
	"    h, event = response()\n"
	"    rid = h[b'Lambda-Runtime-Aws-Request-Id']\n"
	"    s.sendall(b'POST /2018-06-01/runtime/invocation/' + rid + b'/response HTTP/1.1\\r\\n'\n"
	"              b'Host: x\\r\\nContent-Length: 2\\r\\n\\r\\n{}')\n"
	"    response()\n";

static const char runtime_http_py[] =
	"import http.client, os\n"
	"host, port = os.environ['AWS_LAMBDA_RUNTIME_API'].split(':')\n"
	"c = http.client.HTTPConnection(host, int(port))\n"
	"while True:\n"
	"    c.request('GET', '/2018-06-01/runtime/invocation/next')\n"
	"    r = c.getresponse()\n"
	"    r.read()\n"
	"    rid = r.getheader('Lambda-Runtime-Aws-Request-Id')\n"
	"    c.request('POST', f'/2018-06-01/runtime/invocation/{rid}/response', body=b'{}')\n"
	"    c.getresponse().read()\n";

/* The functions, written into @dir; the runtimes run on @python (the adapter's, settled). */
static int
functions_write(const char *dir, const char *python)
{
	char spec[PATH_MAX + 256];

	if (file_put(dir, "handler.py", "def handler(event):\n    return {}\n") ||
	    file_put(dir, "handler.js", "exports.handler = async (event) => ({});\n") ||
	    file_put(dir, "runtime.py", runtime_py) ||
	    file_put(dir, "runtime_http.py", runtime_http_py) ||
	    file_put(dir, "lines.json", "{\"name\": \"b-lines\", \"command\": [\"/bin/cat\"], "
					"\"check\": {\"expected\": {}}}") ||
	    file_put(dir, "py.json", "{\"name\": \"b-py\", \"protocol\": \"sebs-python\", "
				     "\"handler\": \"handler.py\", \"check\": {\"expected\": {}}}") ||
	    file_put(dir, "node.json", "{\"name\": \"b-node\", \"protocol\": \"sebs-node\", "
				       "\"handler\": \"handler.js\", \"check\": {\"expected\": {}}}"))
		return -1;
	snprintf(spec, sizeof(spec), "{\"name\": \"b-lambda\", \"protocol\": \"lambda\", "
				     "\"command\": [\"%s\", \"runtime.py\"], "
				     "\"check\": {\"expected\": {}}}", python);
	if (file_put(dir, "lambda.json", spec))
		return -1;
	snprintf(spec, sizeof(spec), "{\"name\": \"b-lambda-http\", \"protocol\": \"lambda\", "
				     "\"command\": [\"%s\", \"runtime_http.py\"], "
				     "\"check\": {\"expected\": {}}}", python);
	return file_put(dir, "lambda-http.json", spec);
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

/* @argv started on @core (as the pinned driver starts its instance), timed from the fork
 * to the first line it writes; then reaped, untimed. 0 when it wrote one and exited 0. */
static int
bare_cold(char *const argv[], int core, double *s)
{
	char buf[256];
	size_t len = 0;
	uint64_t t0, t1 = 0;
	int fds[2], st = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	t0 = jb_clock_mono_ns();
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		bind_to(core);
		if (null < 0 || dup2(null, 0) < 0 || dup2(fds[1], 1) < 0)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	while (pid > 0 && len < sizeof(buf) && (n = read(fds[0], buf + len, sizeof(buf) - len)) > 0) {
		len += (size_t)n;
		if (memchr(buf, '\n', len)) {
			t1 = jb_clock_mono_ns();
			break;
		}
	}
	close(fds[0]);
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) || !t1)
		return -1;
	*s = (double)(t1 - t0) / 1e9;
	return 0;
}

/* The /proc/PID/stat files of an item's processes, kept open: one pread reads a state. */
struct watch {
	int fd[4];
	size_t n;
};

static void
watch_add(struct watch *w, pid_t pid)
{
	char p[64];

	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	if (w->n < 4 && (w->fd[w->n] = open(p, O_RDONLY | O_CLOEXEC)) >= 0)
		w->n++;
}

/* The instance's runner and the function it started (/proc/PID/task/PID/children). */
static void
watch_instance(struct watch *w, const struct fn_bench *b)
{
	char p[96];
	int pid;
	FILE *f;

	watch_add(w, b->d.inst.pid);
	snprintf(p, sizeof(p), "/proc/%d/task/%d/children", b->d.inst.pid, b->d.inst.pid);
	f = fopen(p, "re");
	while (f && fscanf(f, "%d", &pid) == 1)
		watch_add(w, pid);
	if (f)
		fclose(f);
}

/*
 * Wait, untimed, until no process of @w (the last item's) is running or runnable (state
 * R; its main thread): what it left to do after its reply (a Lambda runtime's receipt of
 * its 202 and its next GET, an event loop's turn) must not land in the next item's time.
 */
static void
settle(const struct watch *w)
{
	uint64_t until = jb_clock_mono_ns() + SETTLE_MAX_NS;
	size_t i = 0;

	while (i < w->n && jb_clock_mono_ns() < until) {
		char buf[512], *rp;
		ssize_t n = pread(w->fd[i], buf, sizeof(buf) - 1, 0);

		buf[n > 0 ? n : 0] = '\0';
		rp = strrchr(buf, ')');
		i += !rp || rp[1] != ' ' || rp[2] != 'R';
	}
}

static int missed, implausible;

/* The goal's verdict on @ci: met when the interval is under it, MISSED when above. */
static const char *
goal_verdict(const struct stats_ci *ci, double goal)
{
	missed |= ci->lo > goal;
	return ci->hi <= goal ? "met" : ci->lo > goal ? "MISSED" : "not shown";
}

static void
verdict(const char *what, const double *base, const double *x, size_t n, double goal)
{
	struct stats_ci ci = { NAN, NAN };
	double m = stats_quantile(x, n, 0.5) / stats_quantile(base, n, 0.5);

	(void)stats_ratio_ci(base, n, x, n, 0.95, &ci);
	printf("  %-34s %9.1f us vs %9.1f us: %.2fx, 95%% CI [%.2f, %.2f]", what,
	       stats_quantile(x, n, 0.5) * 1e6, stats_quantile(base, n, 0.5) * 1e6, m, ci.lo,
	       ci.hi);
	if (goal > 0)
		printf(" (goal <= %gx: %s)\n", goal, goal_verdict(&ci, goal));
	else
		printf(" (no goal: reported)\n");
	implausible |= !(m > 0.1 && m < 1000);
}

/* Cold starts: each ran next to its bare start (ABBA), so the ratio of each pair cancels
 * the load both met, and the median of the pairs' ratios judges the goal, as
 * bench_isolation.c judges a microVM's cold start. */
static void
cold_verdict(const double *cold, const double *bare, size_t n, double goal)
{
	struct stats_ci ci = { NAN, NAN };
	double pair[COLD_N], m;
	size_t i;

	for (i = 0; i < n; i++)
		pair[i] = cold[i] / bare[i];
	m = stats_quantile(pair, n, 0.5);
	(void)stats_median_ci(pair, n, 0.95, &ci);
	printf("  pinned start + first call %9.1f ms, bare %9.1f ms (medians: %.2fx)\n"
	       "  paired (each cold start / its bare neighbour): median %.2fx, 95%% CI "
	       "[%.2f, %.2f] (goal <= %gx: %s)\n",
	       stats_quantile(cold, n, 0.5) * 1e3, stats_quantile(bare, n, 0.5) * 1e3,
	       stats_quantile(cold, n, 0.5) / stats_quantile(bare, n, 0.5), m, ci.lo, ci.hi,
	       goal, goal_verdict(&ci, goal));
	implausible |= !(m > 0.1 && m < 1000);
}

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

int
main(void)
{
	static double echo_s[N_PROTO][ROUND * ROUNDS], fn_s[N_PROTO][ROUND * ROUNDS];
	double cold_s[COLD_N], bare_s[COLD_N];
	struct fn_bench b[N_PROTO];
	struct echo echo = { .fd = -1, .pid = -1 };
	char dir[] = "/tmp/jb-bench-fn-XXXXXX", code[PATH_MAX];
	const char *short_form = getenv("JB_BENCH_SHORT");
	int core = (int)sysconf(_SC_NPROCESSORS_ONLN) - 1, have[N_PROTO];
	size_t rounds = ROUNDS, cold_n = COLD_N, i, k = 0, p, r;
	struct watch w_echo = { .n = 0 }, w[N_PROTO] = { { .n = 0 } };

	if (short_form && !strcmp(short_form, "1"))
		rounds = 2, cold_n = 3;
	/* The Python adapter first: the runtimes run on the interpreter it settles on. */
	if (!mkdtemp(dir) || functions_write(dir, "python3") || echo_start(&echo, core))
		return 1;
	watch_add(&w_echo, echo.pid);
	memset(b, 0, sizeof(b));
	have[1] = !fn_open(&b[1], dir, proto_file[1], core);
	if (have[1] && functions_write(dir, b[1].fw->def.interpreter))
		return 1;
	for (p = 0; p < N_PROTO; p++) {
		have[p] = (p == 1 ? have[1] : !fn_open(&b[p], dir, proto_file[p], core)) &&
			  !drv_start(&b[p].d, &(uint64_t){ 0 }) &&
			  !fn_request(&b[p], JB_PROTO_PREPARE) && !fn_request(&b[p], JB_PROTO_INVOKE);
		if (!have[p])
			printf("  %s: not measured (see the line above)\n", proto_name[p]);
		else
			watch_instance(&w[p], &b[p]);
	}
	/* Cold start of the Python handler against python3 importing and calling it. */
	if (have[1]) {
		char *argv[] = { (char *)b[1].fw->def.interpreter, "-c", code, NULL };
		struct fn_bench cb = b[1];

		snprintf(code, sizeof(code), "import sys; sys.path.insert(0, '%s'); import handler; "
					     "handler.handler({}); print('called', flush=True)", dir);
		for (i = 0; i < cold_n; i++) {
			struct jb_err err = { 0 };
			char why[256] = "";
			struct driver_config cfg = { .fn_path = JB_FN_BUILD_PATH, .cores = &core,
						     .n_cores = 1, .timeout_ns = 30000000000ull };

			/* ABBA: which goes first alternates (a cache one warms for the other). */
			if (i % 2 && bare_cold(argv, core, &bare_s[i]))
				goto bare_failed;
			if (drv_prepare(&cb.d, "pinned", &cfg, why, sizeof(why), &err) ||
			    fn_cold(&cb, &cold_s[i])) {
				fprintf(stderr, "cold start: %s%s\n", why, err.msg);
				return 1;
			}
			drv_close(&cb.d);
			if (!(i % 2) && bare_cold(argv, core, &bare_s[i]))
				goto bare_failed;
		}
		printf("cold start of a Python handler, %zu each (interleaved, ABBA):\n", cold_n);
		cold_verdict(cold_s, bare_s, cold_n, 1.2);
	}
	bind_to(core > 0 ? 0 : -1);
	/* ABAB: each function's calls alternate with echo round trips of their own, in blocks
	 * of ROUND that take turns, so each pair shares its moment, and a function runs after
	 * its own last call, as in a run, not after four other interpreters on its core. */
	for (r = 0; r < rounds; r++, k += ROUND)
		for (p = 0; p < N_PROTO; p++)
			for (i = 0; have[p] && i < ROUND; i++) {
				uint64_t t0 = jb_clock_mono_ns();

				if (echo_round_trip(&echo))
					return 1;
				echo_s[p][k + i] = (double)(jb_clock_mono_ns() - t0) / 1e9;
				settle(&w_echo);
				t0 = jb_clock_mono_ns();
				if (fn_request(&b[p], JB_PROTO_INVOKE))
					return 1;
				fn_s[p][k + i] = (double)(jb_clock_mono_ns() - t0) / 1e9;
				settle(&w[p]);
			}
	printf("warm dispatch of {} through pinned, %zu each against as many echo round trips, "
	       "ABAB in %zu rounds:\n", k, rounds);
	for (p = 0; p < N_PROTO; p++)
		if (have[p])
			verdict(proto_name[p], echo_s[p], fn_s[p], k, proto_goal[p]);
	for (p = 0; p < N_PROTO; p++) {
		if (have[p])
			drv_close(&b[p].d);
		function_workload_free(b[p].fw);
	}
	echo_stop(&echo);
	(void)nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
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
bare_failed:
	fprintf(stderr, "%s -c '%s' failed\n", b[1].fw->def.interpreter, code);
	return 1;
}
