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
 * goal: within 1.2x. Medians, because one scheduler hiccup must not move the figure.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

static double
bench_pipe(void)
{
	static uint64_t t[WARM_N];
	char buf[256];
	int sv[2];
	pid_t pid;
	size_t i;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		ssize_t n;

		close(sv[0]);
		while ((n = read(sv[1], buf, sizeof(buf))) > 0)
			if (write(sv[1], "result status=error\n", 20) != 20)
				break;
		_exit(0);
	}
	close(sv[1]);
	for (i = 0; i < WARM_N; i++) {
		uint64_t t0 = jb_clock_mono_ns();

		if (write(sv[0], "invoke workload=none size=test seed=1\n", 38) != 38 ||
		    read(sv[0], buf, sizeof(buf)) <= 0)
			break;
		t[i] = jb_clock_mono_ns() - t0;
	}
	close(sv[0]);
	waitpid(pid, NULL, 0);
	return i == WARM_N ? median_us(t, WARM_N) : -1;
}

/* Warm dispatch through a driver; *cold_us gets the median start, *stop_us the stop. */
static int
bench_driver(const char *name, const int *core, double *warm_us, double *cold_us,
	     double *stop_us)
{
	static uint64_t t[WARM_N];
	uint64_t c[COLD_N], s[COLD_N];
	const struct driver_ops *d = driver_find(name);
	struct driver_config cfg = { .fn_path = JB_FN_BUILD_PATH, .cores = core,
				     .n_cores = core ? 1 : 0, .timeout_ns = 10000000000ull,
				     .memory_mb = OCI_MB_PER_VCPU };
	struct driver_instance inst;
	struct jb_fn_result res;
	struct jb_err err = { 0 };
	char why[512];
	void *drv;
	size_t i;

	if (d->probe(NULL, why, sizeof(why)) || d->prepare(&cfg, &drv, &err)) {
		fprintf(stderr, "%s: not usable here: %s%s\n", name, why, err.msg);
		return -1;
	}
	for (i = 0; i < COLD_N; i++) {
		uint64_t t0 = jb_clock_mono_ns();

		if (d->start_instance(drv, 0, &inst, &err)) {
			fprintf(stderr, "%s: %s\n", name, err.msg);
			d->teardown(drv);
			return -1;
		}
		c[i] = jb_clock_mono_ns() - t0;
		if (i + 1 == COLD_N)
			break;
		t0 = jb_clock_mono_ns();
		d->stop_instance(drv, &inst);
		s[i] = jb_clock_mono_ns() - t0;
	}
	*cold_us = median_us(c, COLD_N);
	*stop_us = median_us(s, COLD_N - 1);
	for (i = 0; i < WARM_N; i++) {
		uint64_t t0 = jb_clock_mono_ns();

		if (d->invoke(drv, &inst, &trivial, &res, &err))
			break;
		t[i] = jb_clock_mono_ns() - t0;
	}
	d->stop_instance(drv, &inst);
	d->teardown(drv);
	if (i < WARM_N)
		return -1;
	*warm_us = median_us(t, WARM_N);
	return 0;
}

/* `runc run` of an empty container (its process /bin/true), same configuration. */
static double
bench_runc_empty(void)
{
	char dir[] = "/tmp/jb-bench-XXXXXX", b[PATH_MAX], id[64];
	struct oci_bundle_config bc = { .fn_path = "/bin/true", .cgroups_path = "/joulebench/bench",
					.memory_mb = OCI_MB_PER_VCPU, .hostname = "bench" };
	uint64_t t[COLD_N];
	size_t i;

	if (!mkdtemp(dir))
		return -1;
	snprintf(b, sizeof(b), "%s/b", dir);
	if (oci_bundle_write(b, &bc, NULL))
		return -1;
	for (i = 0; i < COLD_N; i++) {
		char *argv[] = { "runc", "run", "--bundle", b, id, NULL };
		posix_spawn_file_actions_t fa;
		uint64_t t0 = jb_clock_mono_ns();
		pid_t pid;
		int st;

		snprintf(id, sizeof(id), "jb-bench-%ld-%zu", (long)getpid(), i);
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
		if (posix_spawnp(&pid, "runc", &fa, NULL, argv, environ) != 0) {
			posix_spawn_file_actions_destroy(&fa);
			break;
		}
		posix_spawn_file_actions_destroy(&fa);
		waitpid(pid, &st, 0);
		t[i] = jb_clock_mono_ns() - t0;
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			break;
	}
	(void)oci_bundle_remove(b);
	(void)rmdir(dir);
	(void)rmdir("/sys/fs/cgroup/cpu/joulebench");
	return i == COLD_N ? median_us(t, COLD_N) : -1;
}

int
main(void)
{
	double inproc = bench_inprocess(), pipe_us = bench_pipe();
	double pw, pc, ps, cw = -1, cc = -1, cs = -1, empty = -1;
	int core = (int)sysconf(_SC_NPROCESSORS_ONLN) - 1, have_ctr;

	/* Both drivers on the same core; the container with one vCPU of quota. */
	if (bench_driver("pinned", &core, &pw, &pc, &ps))
		return 1;
	have_ctr = geteuid() == 0 && !bench_driver("container", &core, &cw, &cc, &cs);
	if (have_ctr)
		empty = bench_runc_empty();
	printf("warm dispatch, median round trip of a trivial request (%d each):\n", WARM_N);
	printf("  in-process call        %9.2f us\n", inproc);
	printf("  bare socket pair       %9.2f us  (the reference)\n", pipe_us);
	printf("  pinned                 %9.2f us  %.2fx the bare round trip (goal <= 2x)\n", pw,
	       pw / pipe_us);
	if (have_ctr)
		printf("  container              %9.2f us  %.2fx the bare round trip (goal <= 2x)\n",
		       cw, cw / pipe_us);
	printf("cold start, median of %d:\n", COLD_N);
	printf("  pinned start           %9.2f us, stop %.2f us\n", pc, ps);
	if (have_ctr) {
		printf("  container start        %9.2f us, stop %.2f us\n", cc, cs);
		printf("  runc run, empty        %9.2f us  (create, start, exit, delete)\n", empty);
		printf("  container start / empty runc run       %.2fx (goal <= 1.2x)\n", cc / empty);
		printf("  container start+stop / empty runc run  %.2fx\n", (cc + cs) / empty);
	} else {
		printf("  container: skipped (needs root and runc or crun)\n");
	}
	return 0;
}
