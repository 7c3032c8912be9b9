/* SPDX-License-Identifier: MIT */
/*
 * The `drivers` benchmark suite (meson test --benchmark --suite drivers): what a driver
 * adds to an invocation, side by side in one run. Warm dispatch: the median round trip of
 * a trivial request (a workload name joulebench-fn does not know, answered at once)
 * in-process (format and parse, no transport), over a bare socket pair to a forked echo
 * loop (the floor any process-based driver pays), through `pinned` and through
 * `container`; goal: both drivers within 2x of the bare round trip. Cold start: the
 * container driver's start (bundle written, runtime run, function ready) against `runc
 * run` of an empty container from the same configuration (its process is /bin/true);
 * goal: within 1.2x. Medians, because one scheduler hiccup must not move the figure. The
 * benchmark runs on core 0 and the echo loop and both instances on the last core.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "driver.h"
#include "jb_clock.h"
#include "jb_proto.h"
#include "oci_bundle.h"

#define WARM_N 3000
#define COLD_N 10

extern char **environ;

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static double
median_us(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return (double)v[n / 2] / 1e3;
}

static const struct jb_fn_request trivial = { .verb = JB_PROTO_INVOKE, .workload = "none",
					      .size = "test", .seed = 1 };

static double
bench_inprocess(void)
{
	static uint64_t t[WARM_N];
	char line[JB_PROTO_LINE_MAX];
	struct jb_fn_request req;
	struct jb_fn_result res = { .status = "error", .msg = "unknown workload 'none'" };
	struct jb_fn_result back;
	size_t i;

	for (i = 0; i < WARM_N; i++) {
		uint64_t t0 = jb_clock_mono_ns();

		(void)jb_proto_request_format(&trivial, line, sizeof(line));
		(void)jb_proto_request_parse(line, &req, NULL);
		(void)jb_proto_result_format(&res, 0, line, sizeof(line));
		(void)jb_proto_result_parse(line, &back, NULL);
		t[i] = jb_clock_mono_ns() - t0;
	}
	return median_us(t, WARM_N);
}

/* A forked echo loop on a socket pair: the bare round trip. */
struct echo {
	int fd;
	pid_t pid;
};

/* Bind the calling process (or a child before it loops) to @core; -1 = leave it. */
static void
bind_to(int core)
{
	cpu_set_t set;

	if (core < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(core, &set);
	(void)sched_setaffinity(0, sizeof(set), &set);
}

static int
echo_start(struct echo *e, int core)
{
	char buf[256];
	int sv[2];

	/* Close-on-exec: an instance started later must not hold the echo's end open. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return -errno;
	e->pid = fork();
	if (e->pid == 0) {
		bind_to(core); /* where the instances run: the same scheduling as theirs */
		close(sv[0]);
		while (read(sv[1], buf, sizeof(buf)) > 0)
			if (write(sv[1], "result status=error\n", 20) != 20)
				break;
		_exit(0);
	}
	close(sv[1]);
	e->fd = sv[0];
	return 0;
}

static int
echo_round_trip(struct echo *e)
{
	char buf[256];

	return (write(e->fd, "invoke workload=none size=test seed=1\n", 38) == 38 &&
		read(e->fd, buf, sizeof(buf)) > 0) ? 0 : -EPIPE;
}

static void
echo_stop(struct echo *e)
{
	close(e->fd);
	waitpid(e->pid, NULL, 0);
}

struct drv {
	const struct driver_ops *d;
	void *drv;
	struct driver_instance inst;
	int up;
};

static int
drv_open(struct drv *x, const char *name, const int *core)
{
	struct driver_config cfg = { .fn_path = JB_FN_BUILD_PATH, .cores = core, .n_cores = 1,
				     .timeout_ns = 10000000000ull, .memory_mb = OCI_MB_PER_VCPU };
	struct jb_err err = { 0 };
	char why[512] = "";

	x->d = driver_find(name);
	x->up = 0;
	if (x->d->probe(NULL, why, sizeof(why)) || x->d->prepare(&cfg, &x->drv, &err)) {
		fprintf(stderr, "%s: not usable here: %s%s\n", name, why, err.msg);
		return -1;
	}
	return 0;
}

/* One start (cold) and, unless @keep, one stop; times in ns. */
static int
drv_cycle(struct drv *x, int keep, uint64_t *start_ns, uint64_t *stop_ns)
{
	struct jb_err err = { 0 };
	uint64_t t0 = jb_clock_mono_ns();

	if (x->d->start_instance(x->drv, 0, &x->inst, &err)) {
		fprintf(stderr, "%s: %s\n", x->d->name, err.msg);
		return -1;
	}
	*start_ns = jb_clock_mono_ns() - t0;
	x->up = 1;
	if (keep)
		return 0;
	t0 = jb_clock_mono_ns();
	x->d->stop_instance(x->drv, &x->inst);
	*stop_ns = jb_clock_mono_ns() - t0;
	x->up = 0;
	return 0;
}

static int
drv_round_trip(struct drv *x)
{
	struct jb_fn_result res;

	return x->d->invoke(x->drv, &x->inst, &trivial, &res, NULL);
}

static void
drv_close(struct drv *x)
{
	if (x->up)
		x->d->stop_instance(x->drv, &x->inst);
	x->d->teardown(x->drv);
}

/* `runc run` of an empty container (its process /bin/true), same configuration. */
static int
runc_empty(const char *bundle, size_t i, uint64_t *ns)
{
	char id[64];
	char *argv[] = { "runc", "run", "--bundle", (char *)bundle, id, NULL };
	posix_spawn_file_actions_t fa;
	uint64_t t0 = jb_clock_mono_ns();
	pid_t pid;
	int st = 0, rc;

	snprintf(id, sizeof(id), "jb-bench-%ld-%zu", (long)getpid(), i);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(&pid, "runc", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		return -rc;
	waitpid(pid, &st, 0);
	*ns = jb_clock_mono_ns() - t0;
	return (WIFEXITED(st) && !WEXITSTATUS(st)) ? 0 : -ECHILD;
}

int
main(void)
{
	static uint64_t pipe_t[WARM_N], pin_t[WARM_N], ctr_t[WARM_N];
	uint64_t cs[COLD_N], cst[COLD_N], es[COLD_N], ps[COLD_N], pst[COLD_N], dummy;
	int core = (int)sysconf(_SC_NPROCESSORS_ONLN) - 1, have_ctr;
	char dir[] = "/tmp/jb-bench-XXXXXX", bundle[PATH_MAX];
	struct oci_bundle_config bc = { .fn_path = "/bin/true", .cgroups_path = "/joulebench/bench",
					.memory_mb = OCI_MB_PER_VCPU, .hostname = "bench",
					.cpuset = NULL };
	struct drv pin, ctr;
	struct echo echo = { .fd = -1, .pid = -1 };
	double inproc = bench_inprocess();
	char cpuset[16];
	size_t i, r, k = 0;

	/* The machine may be busy: every measurement is interleaved with the others, in
	 * rounds, so that load hits them alike; medians over all rounds. */
	snprintf(cpuset, sizeof(cpuset), "%d", core);
	bc.cpuset = cpuset;
	if (drv_open(&pin, "pinned", &core) || echo_start(&echo, core))
		return 1;
	have_ctr = geteuid() == 0 && !drv_open(&ctr, "container", &core);
	/* The harness on another core than the instances, as in a run with --cores. */
	bind_to(core > 0 ? 0 : -1);
	if (have_ctr && (!mkdtemp(dir) ||
			 (snprintf(bundle, sizeof(bundle), "%s/b", dir),
			  oci_bundle_write(bundle, &bc, NULL))))
		have_ctr = 0;
	for (i = 0; i < COLD_N; i++) {
		if (drv_cycle(&pin, 0, &ps[i], &pst[i]))
			return 1;
		if (have_ctr && (drv_cycle(&ctr, 0, &cs[i], &cst[i]) || runc_empty(bundle, i, &es[i])))
			have_ctr = 0;
	}
	if (drv_cycle(&pin, 1, &dummy, &dummy) || (have_ctr && drv_cycle(&ctr, 1, &dummy, &dummy)))
		return 1;
	for (r = 0; r < WARM_N / 100; r++) {
		for (i = 0; i < 100; i++, k++) {
			uint64_t t0 = jb_clock_mono_ns();

			if (echo_round_trip(&echo))
				return 1;
			pipe_t[k] = jb_clock_mono_ns() - t0;
			t0 = jb_clock_mono_ns();
			if (drv_round_trip(&pin))
				return 1;
			pin_t[k] = jb_clock_mono_ns() - t0;
			t0 = jb_clock_mono_ns();
			if (have_ctr && drv_round_trip(&ctr))
				return 1;
			ctr_t[k] = jb_clock_mono_ns() - t0;
		}
	}
	drv_close(&pin);
	echo_stop(&echo);
	if (have_ctr) {
		drv_close(&ctr);
		(void)oci_bundle_remove(bundle);
		(void)rmdir(dir);
		(void)rmdir("/sys/fs/cgroup/cpu/joulebench");
	}
	{
		double pipe_us = median_us(pipe_t, k), pw = median_us(pin_t, k);

		printf("warm dispatch, median round trip of a trivial request (%zu each, "
		       "interleaved):\n", k);
		printf("  in-process call        %9.2f us\n", inproc);
		printf("  bare socket pair       %9.2f us  (the reference)\n", pipe_us);
		printf("  pinned                 %9.2f us  %.2fx the bare round trip (goal <= 2x)\n",
		       pw, pw / pipe_us);
		if (have_ctr) {
			double cw = median_us(ctr_t, k);

			printf("  container              %9.2f us  %.2fx the bare round trip (goal <= 2x)\n",
			       cw, cw / pipe_us);
		}
		printf("cold start on core %d, median of %d (interleaved):\n", core, COLD_N);
		printf("  pinned start           %9.2f us, stop %.2f us\n", median_us(ps, COLD_N),
		       median_us(pst, COLD_N));
		if (have_ctr) {
			double cc = median_us(cs, COLD_N), cstop = median_us(cst, COLD_N);
			double empty = median_us(es, COLD_N);

			printf("  container start        %9.2f us, stop %.2f us\n", cc, cstop);
			printf("  runc run, empty        %9.2f us  (create, start, exit, delete)\n", empty);
			printf("  container start / empty runc run       %.2fx (goal <= 1.2x)\n", cc / empty);
			printf("  container start+stop / empty runc run  %.2fx\n", (cc + cstop) / empty);
		} else {
			printf("  container: skipped (needs root and runc or crun)\n");
		}
	}
	return 0;
}
