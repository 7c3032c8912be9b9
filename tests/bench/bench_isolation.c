/* SPDX-License-Identifier: MIT */
/*
 * The upper rungs of the `drivers` benchmark suite (meson test --benchmark --suite
 * drivers): what the microvm driver and gVisor add, each against its own floor, measured
 * interleaved (A B A B ...) so that load on a shared machine hits both alike, and reported
 * as the ratio of the medians with a percentile bootstrap 95% CI (analysis/stats.c):
 *   - microVM warm dispatch (a trivial request through the guest's serial port) against
 *     a bare socket-pair round trip to a forked echo loop;
 *   - microVM cold start (QEMU start to joulebench-fn's `ready` in the guest) against a
 *     bare QEMU boot of the same kernel, same command line (the QEMU backend's own, so
 *     microvm on x86-64 and virt on aarch64), to a static init that only says `ready`
 *     (bare_init.c); goal: at most 1.2x;
 *   - gVisor cold start (the container driver with runsc: bundle, `runsc run`, ready)
 *     against `runsc run` of an empty container (its process /bin/true), same bundle
 *     configuration.
 * The accelerator is TCG unless JB_BENCH_ACCEL=kvm: TCG figures are emulation cost.
 * Each part is skipped with its reason when QEMU, the guest kernel or runsc is missing.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
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
#include "microvm.h"
#include "oci_bundle.h"
#include "stats.h"

#define WARM_N 400
#define COLD_N 6
#define BOOT_RESAMPLES 2000

extern char **environ;

static const struct jb_fn_request trivial = { .verb = JB_PROTO_INVOKE, .workload = "none",
					      .size = "test", .seed = 1 };

static void
report(const char *what, const char *base, const double *a, size_t na, const double *b,
       size_t nb, const char *goal)
{
	double ma = stats_quantile(a, na, 0.5), mb = stats_quantile(b, nb, 0.5);
	struct stats_ci ci = { NAN, NAN };

	(void)stats_ratio_ci(a, na, b, nb, BOOT_RESAMPLES, 42, 0.95, &ci);
	printf("  %-28s %11.3f ms  vs %-26s %11.3f ms  ratio %.3f [%.3f, %.3f]%s\n", what, mb * 1e3,
	       base, ma * 1e3, mb / ma, ci.lo, ci.hi, goal);
}

/* ---- the bare socket-pair round trip ---- */

struct echo {
	int fd;
	pid_t pid;
};

static int
echo_start(struct echo *e)
{
	char buf[256];
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return -errno;
	e->pid = fork();
	if (e->pid == 0) {
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

static double
echo_round_trip_s(struct echo *e)
{
	char buf[256];
	uint64_t t0 = jb_clock_mono_ns();

	if (write(e->fd, "invoke workload=none size=test seed=1\n", 38) != 38 ||
	    read(e->fd, buf, sizeof(buf)) <= 0)
		return NAN;
	return (double)(jb_clock_mono_ns() - t0) / 1e9;
}

/* ---- a driver ---- */

struct drv {
	const struct driver_ops *d;
	void *drv;
	struct driver_instance inst;
};

static int
drv_open(struct drv *x, const char *name, const char *runtime, const char *accel)
{
	struct driver_config cfg = { .fn_path = JB_FN_BUILD_PATH, .timeout_ns = 60000000000ull,
				     .memory_mb = OCI_MB_PER_VCPU, .runtime = runtime,
				     .accel = accel };
	struct jb_err err = { 0 };
	char why[512] = "";

	x->d = driver_find(name);
	if (runtime)
		setenv("JOULEBENCH_RUNTIME", runtime, 1);
	if (x->d->probe(NULL, why, sizeof(why)) || x->d->prepare(&cfg, &x->drv, &err)) {
		printf("  %s%s%s: skipped: %s%s\n", name, runtime ? ":" : "", runtime ? runtime : "",
		       why, err.msg);
		return -1;
	}
	return 0;
}

static double
drv_start_s(struct drv *x)
{
	struct jb_err err = { 0 };
	uint64_t t0 = jb_clock_mono_ns();

	if (x->d->start_instance(x->drv, 0, &x->inst, &err)) {
		fprintf(stderr, "%s: %s\n", x->d->name, err.msg);
		return NAN;
	}
	return (double)(jb_clock_mono_ns() - t0) / 1e9;
}

static double
drv_round_trip_s(struct drv *x)
{
	struct jb_fn_result res;
	uint64_t t0 = jb_clock_mono_ns();

	if (x->d->invoke(x->drv, &x->inst, &trivial, &res, NULL))
		return NAN;
	return (double)(jb_clock_mono_ns() - t0) / 1e9;
}

/* ---- the bare QEMU boot ---- */

/* QEMU with the driver's own command line (the QEMU backend's argv_build for this host's
 * architecture: microvm on x86-64, virt on aarch64) and the bare initramfs: seconds from
 * its start to the `ready` line, then it is killed. */
static double
bare_boot_s(const struct microvm_host *h, const char *initrd, const char *accel, uint64_t khz)
{
	struct microvm_boot b = { .accel = accel, .initramfs = initrd, .run_dir = "/tmp",
				  .id = "bare", .cmdline_extra = "", .memory_mb = OCI_MB_PER_VCPU,
				  .vcpus = 1, .tsc_khz = khz };
	char *argv[MICROVM_ARGV_MAX + 1], argbuf[4096], buf[256];
	posix_spawn_file_actions_t fa;
	uint64_t t0;
	double s = NAN;
	size_t used = 0;
	int sv[2];
	pid_t pid;

	if (h->vmm->argv_build(h, &b, argv, argbuf, sizeof(argbuf), NULL))
		return NAN;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return NAN;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
	posix_spawn_file_actions_adddup2(&fa, sv[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	t0 = jb_clock_mono_ns();
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ)) {
		posix_spawn_file_actions_destroy(&fa);
		close(sv[0]);
		close(sv[1]);
		return NAN;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(sv[1]);
	for (;;) {
		struct pollfd p = { .fd = sv[0], .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 90000) <= 0)
			break;
		n = read(sv[0], buf + used, sizeof(buf) - used - 1);
		if (n <= 0)
			break;
		used += (size_t)n;
		buf[used] = '\0';
		if (strstr(buf, "ready")) { /* "ready\r\n": the tty is not raw */
			s = (double)(jb_clock_mono_ns() - t0) / 1e9;
			break;
		}
		if (used == sizeof(buf) - 1)
			used = 0;
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(sv[0]);
	return s;
}

/* ---- empty runsc run ---- */

static double
runsc_empty_s(const char *bundle, size_t i)
{
	char id[64];
	char *argv[] = { "runsc", "--network=none", "run", "--bundle", (char *)bundle, id, NULL };
	posix_spawn_file_actions_t fa;
	uint64_t t0 = jb_clock_mono_ns();
	pid_t pid;
	int st = 0;

	snprintf(id, sizeof(id), "jb-bench-%ld-%zu", (long)getpid(), i);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawnp(&pid, "runsc", &fa, NULL, argv, environ)) {
		posix_spawn_file_actions_destroy(&fa);
		return NAN;
	}
	posix_spawn_file_actions_destroy(&fa);
	waitpid(pid, &st, 0);
	return (WIFEXITED(st) && !WEXITSTATUS(st)) ? (double)(jb_clock_mono_ns() - t0) / 1e9 : NAN;
}

static int
bench_microvm(const char *accel)
{
	static double pipe_s[WARM_N], vm_s[WARM_N];
	double cold[COLD_N], bare[COLD_N];
	char dir[] = "/tmp/jb-bench-vm-XXXXXX", cpio[PATH_MAX], why[512];
	struct microvm_host host = { 0 };
	struct echo echo = { -1, -1 };
	struct drv vm;
	uint64_t khz = microvm_host_tsc_khz();
	size_t i;

	printf("microvm (QEMU, accel %s%s):\n", accel,
	       strcmp(accel, "kvm") ? ": emulation, not a microVM's cost" : "");
	if (drv_open(&vm, "microvm", NULL, accel))
		return 0;
	/* The same QEMU, guest kernel and argv the driver uses. */
	if (microvm_host_check("qemu", NULL, &host, why, sizeof(why))) {
		printf("  skipped: %s\n", why);
		vm.d->teardown(vm.drv);
		return 0;
	}
	if (!mkdtemp(dir))
		return 1;
	snprintf(cpio, sizeof(cpio), "%s/bare.cpio", dir);
	if (microvm_initramfs_build(cpio, JB_BARE_INIT, JB_BARE_INIT, NULL)) {
		printf("  skipped: cannot build the bare initramfs\n");
		vm.d->teardown(vm.drv);
		return 1;
	}
	for (i = 0; i < COLD_N; i++) {
		bare[i] = bare_boot_s(&host, cpio, accel, khz);
		cold[i] = drv_start_s(&vm);
		if (i + 1 < COLD_N)
			vm.d->stop_instance(vm.drv, &vm.inst);
	}
	if (echo_start(&echo))
		return 1;
	for (i = 0; i < WARM_N; i++) {
		pipe_s[i] = echo_round_trip_s(&echo);
		vm_s[i] = drv_round_trip_s(&vm);
	}
	close(echo.fd);
	waitpid(echo.pid, NULL, 0);
	vm.d->stop_instance(vm.drv, &vm.inst);
	vm.d->teardown(vm.drv);
	(void)unlink(cpio);
	(void)rmdir(dir);
	report("warm dispatch (serial)", "socket pair", pipe_s, WARM_N, vm_s, WARM_N, "");
	report("cold start to ready", "bare boot to init", bare, COLD_N, cold, COLD_N,
	       "  (goal <= 1.2x)");
	return 0;
}

static int
bench_gvisor(void)
{
	double cold[COLD_N], empty[COLD_N];
	char dir[] = "/tmp/jb-bench-rs-XXXXXX", bundle[PATH_MAX];
	struct oci_bundle_config bc = { .fn_path = "/bin/true", .cgroups_path = "/joulebench/bench-rs",
					.memory_mb = OCI_MB_PER_VCPU, .hostname = "bench" };
	struct drv rs;
	size_t i;

	printf("gVisor (container --runtime runsc):\n");
	if (geteuid() != 0) {
		printf("  skipped: needs root\n");
		return 0;
	}
	if (drv_open(&rs, "container", "runsc", NULL))
		return 0;
	if (!mkdtemp(dir))
		return 1;
	snprintf(bundle, sizeof(bundle), "%s/b", dir);
	if (oci_bundle_write(bundle, &bc, NULL))
		return 1;
	for (i = 0; i < COLD_N; i++) {
		empty[i] = runsc_empty_s(bundle, i);
		cold[i] = drv_start_s(&rs);
		rs.d->stop_instance(rs.drv, &rs.inst);
	}
	rs.d->teardown(rs.drv);
	(void)oci_bundle_remove(bundle);
	(void)rmdir(dir);
	report("cold start to ready", "empty runsc run", empty, COLD_N, cold, COLD_N, "");
	return 0;
}

int
main(void)
{
	const char *accel = getenv("JB_BENCH_ACCEL") ? getenv("JB_BENCH_ACCEL") : "tcg";

	printf("isolation benchmarks, medians, ratio [95%% bootstrap CI], interleaved A B A B "
	       "(%d cold starts, %d warm round trips each)\n", COLD_N, WARM_N);
	if (bench_microvm(accel) || bench_gvisor())
		return 1;
	return 0;
}
