/* SPDX-License-Identifier: MIT */
/*
 * The upper rungs of the `drivers` benchmark suite (meson test --benchmark --suite
 * drivers): what the microvm driver and gVisor add, each against its own floor, measured
 * interleaved (A B A B ...) so that load on a shared machine hits both alike, and reported
 * as the ratio of the medians with its 95% CI (analysis/stats.c, stats_ratio_ci()):
 *   - microVM warm dispatch (a trivial request through the guest's serial port) against
 *     a bare socket-pair round trip to a forked echo loop;
 *   - microVM cold start (QEMU start to joulebench-fn's `ready` in the guest) against a
 *     bare QEMU boot of the same kernel, same command line (the VMM backend's own), to a
 *     static init that only says `ready` (bare_init.c), in wall time (the goal: at most
 *     1.2x, judged on the CI: met, missed, or not decided) and in QEMU's CPU time; a
 *     third arm boots the bare init with the runner's files in its initramfs, to split
 *     the difference into unpacking and the runner's start;
 *   - gVisor cold start (the container driver with runsc: bundle, `runsc run`, ready)
 *     against `runsc run` of an empty container (its process /bin/true), same bundle
 *     configuration.
 * The accelerator is TCG unless JB_BENCH_ACCEL=kvm: TCG figures are emulation cost.
 * Each part is skipped with its reason when QEMU, the guest kernel or runsc is missing;
 * when every part was skipped the program exits 77 (SKIP): it measured nothing.
 */
#include "config.h"

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

#include "bench_scaffold.h"
#include "cgroup.h"
#include "driver.h"
#include "jb_clock.h"
#include "jb_proto.h"
#include "microvm.h"
#include "oci_bundle.h"
#include "stats.h"

#define WARM_N 400
/* Cold starts per side: the short form (JB_BENCH_SHORT=1, CI) and the full run, whose
 * CI is narrow enough to decide the 1.2x goal on a quiet machine. */
#define COLD_N 6
#define COLD_FULL_N 24
#define COLD_MAX COLD_FULL_N

extern char **environ;

static void
report(const char *what, const char *base, const double *a, size_t na, const double *b,
       size_t nb, const char *goal)
{
	double ma = stats_quantile(a, na, 0.5), mb = stats_quantile(b, nb, 0.5);
	struct stats_ci ci = { NAN, NAN };

	(void)stats_ratio_ci(a, na, b, nb, 0.95, &ci);
	printf("  %-28s %11.3f ms  vs %-26s %11.3f ms  ratio %.3f [%.3f, %.3f]%s\n", what, mb * 1e3,
	       base, ma * 1e3, mb / ma, ci.lo, ci.hi, goal);
}

/* ---- the bare socket-pair round trip ---- */

static double
echo_round_trip_s(struct echo *e)
{
	uint64_t t0 = jb_clock_mono_ns();

	if (echo_round_trip(e))
		return NAN;
	return (double)(jb_clock_mono_ns() - t0) / 1e9;
}

/* ---- a driver ---- */

static int
drv_open(struct drv *x, const char *name, const char *runtime, const char *accel)
{
	struct driver_config cfg = { .fn_path = JB_FN_BUILD_PATH, .timeout_ns = 60000000000ull,
				     .memory_mb = OCI_MB_PER_VCPU, .runtime = runtime,
				     .accel = accel };
	struct jb_err err = { 0 };
	char why[512] = "";

	if (runtime)
		setenv("JOULEBENCH_RUNTIME", runtime, 1);
	if (drv_prepare(x, name, &cfg, why, sizeof(why), &err)) {
		printf("  %s%s%s: skipped: %s%s\n", name, runtime ? ":" : "", runtime ? runtime : "",
		       why, err.msg);
		return -1;
	}
	return 0;
}

static double
drv_start_s(struct drv *x)
{
	uint64_t ns;

	if (drv_start(x, &ns))
		return NAN;
	return (double)ns / 1e9;
}

static double
drv_round_trip_s(struct drv *x)
{
	uint64_t t0 = jb_clock_mono_ns();

	if (drv_round_trip(x))
		return NAN;
	return (double)(jb_clock_mono_ns() - t0) / 1e9;
}

/* ---- the bare QEMU boot ---- */

/* A boot to `ready`: wall seconds from the VMM's start, and the VMM's CPU seconds by then
 * (less sensitive than wall time to what else the machine runs). */
struct boot_t {
	double wall_s, cpu_s;
};

/* The VMM with the driver's own command line (its backend's argv_build, so the two cannot
 * drift apart), placed as the driver places it (cgroup and quota, when root), and the
 * bare initramfs: the time to its `ready` line, then it is killed. */
#define BARE_CG MICROVM_CG_PARENT "/bench-bare"

static struct boot_t
bare_boot(const struct microvm_host *h, const struct microvm_boot *b, int cg_version)
{
	struct boot_t r = { NAN, NAN };
	char *argv[MICROVM_ARGV_MAX + 1], argbuf[4096], buf[256];
	uint64_t t0 = jb_clock_mono_ns(), cpu_ns;
	size_t used = 0;
	int sv[2];
	pid_t pid;

	if (h->vmm->argv_build(h, b, argv, argbuf, sizeof(argbuf), NULL) ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return r;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		/* The same placement as the driver's VMs: a cgroup of its own with the same
		 * CPU quota (under load, a group competes as one task). */
		if (dup2(sv[1], 0) < 0 || dup2(sv[1], 1) < 0 || null < 0 || dup2(null, 2) < 0 ||
		    (cg_version && microvm_cgroup_enter(MICROVM_CG_ROOT, cg_version, BARE_CG)))
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return r;
	}
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
			r.wall_s = (double)(jb_clock_mono_ns() - t0) / 1e9;
			if (microvm_tasks_cpu_ns(pid, &cpu_ns, NULL) == 0)
				r.cpu_s = (double)cpu_ns / 1e9;
			break;
		}
		if (used == sizeof(buf) - 1)
			used = 0;
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(sv[0]);
	return r;
}

/* ---- empty runsc run ---- */

static double
runsc_empty_s(const char *bundle, size_t i)
{
	char id[64];
	char *argv[] = { "runsc", "--network=none", "run", "--bundle", (char *)bundle, id, NULL };
	uint64_t ns;

	snprintf(id, sizeof(id), "jb-bench-%ld-%zu", (long)getpid(), i);
	return spawn_timed(argv, 1, &ns) ? NAN : (double)ns / 1e9;
}

/* The goal, judged on the wall-time ratio's CI: met, missed, or not decided by this run. */
static const char *
goal_verdict(const struct stats_ci *ci, double goal, int *missed)
{
	if (ci->hi <= goal)
		return "met";
	if (ci->lo > goal) {
		*missed = 1;
		return "MISSED";
	}
	return "not decided by this run (the CI holds the goal)";
}

static int
bench_microvm(const char *accel, size_t cold_n, int *missed, int *measured)
{
	static double pipe_s[WARM_N], vm_s[WARM_N];
	double cold[COLD_MAX], bare[COLD_MAX], cold_cpu[COLD_MAX], bare_cpu[COLD_MAX];
	double pair[COLD_MAX], fat[COLD_MAX], fat_cpu[COLD_MAX];
	char dir[] = "/tmp/jb-bench-vm-XXXXXX", cpio[PATH_MAX], fat_cpio[PATH_MAX], why[512];
	struct echo echo = { -1, -1 };
	struct microvm_host host = { 0 };
	struct microvm_boot b = { .accel = accel, .initramfs = cpio, .run_dir = dir,
				  .id = "bench-bare", .cmdline_extra = "",
				  .memory_mb = OCI_MB_PER_VCPU, .vcpus = 1 };
	struct stats_ci ci = { NAN, NAN };
	struct drv vm;
	size_t i, n_pair = 0;
	int cg_version;

	printf("microvm (QEMU, accel %s%s):\n", accel,
	       strcmp(accel, "kvm") ? ": emulation, not a microVM's cost" : "");
	if (drv_open(&vm, "microvm", NULL, accel))
		return 0;
	if (microvm_host_check("qemu", NULL, &host, why, sizeof(why))) {
		printf("  skipped: %s\n", why);
		vm.d->teardown(vm.drv);
		return 0;
	}
	b.tsc_khz = microvm_host_tsc_khz();
	cg_version = geteuid() == 0 ? cgroup_version_detect(MICROVM_CG_ROOT) : 0;
	if (cg_version < 0)
		cg_version = 0;
	if (cg_version && microvm_cgroup_create(MICROVM_CG_ROOT, cg_version, BARE_CG,
						oci_cpu_quota_us(OCI_MB_PER_VCPU, OCI_CPU_PERIOD_US),
						OCI_CPU_PERIOD_US, NULL))
		cg_version = 0;
	if (!mkdtemp(dir))
		return 1;
	snprintf(cpio, sizeof(cpio), "%s/bare.cpio", dir);
	/* The third arm: the bare init in an initramfs that also holds the runner and its
	 * libraries (not started), which splits the gap into unpacking and the runner's start. */
	snprintf(fat_cpio, sizeof(fat_cpio), "%s/fat.cpio", dir);
	if (microvm_initramfs_build(cpio, JB_BARE_INIT, JB_BARE_INIT, NULL, 0, NULL) ||
	    microvm_initramfs_build(fat_cpio, JB_BARE_INIT, JB_FN_BUILD_PATH, NULL, 0, NULL)) {
		printf("  skipped: cannot build the bare initramfs\n");
		vm.d->teardown(vm.drv);
		if (cg_version)
			microvm_cgroup_kill_all(MICROVM_CG_ROOT, cg_version, BARE_CG);
		return 1;
	}
	for (i = 0; i < cold_n; i++) {
		struct boot_t t = bare_boot(&host, &b, cg_version);
		uint64_t ns = 0;

		bare[i] = t.wall_s;
		bare_cpu[i] = t.cpu_s;
		b.initramfs = fat_cpio;
		t = bare_boot(&host, &b, cg_version);
		b.initramfs = cpio;
		fat[i] = t.wall_s;
		fat_cpu[i] = t.cpu_s;
		cold[i] = drv_start_s(&vm);
		cold_cpu[i] = isnan(cold[i]) || vm.d->cpu_ns(vm.drv, &vm.inst, &ns, NULL)
				      ? NAN : (double)ns / 1e9;
		if (i + 1 < cold_n)
			vm.d->stop_instance(vm.drv, &vm.inst);
	}
	if (echo_start(&echo, -1))
		return 1;
	for (i = 0; i < WARM_N; i++) {
		pipe_s[i] = echo_round_trip_s(&echo);
		vm_s[i] = drv_round_trip_s(&vm);
	}
	echo_stop(&echo);
	vm.d->stop_instance(vm.drv, &vm.inst);
	vm.d->teardown(vm.drv);
	(void)unlink(cpio);
	(void)unlink(fat_cpio);
	(void)rmdir(dir);
	if (cg_version) {
		microvm_cgroup_kill_all(MICROVM_CG_ROOT, cg_version, BARE_CG);
		cgroup_dir_remove(MICROVM_CG_ROOT, cg_version, MICROVM_CG_PARENT);
	}
	*measured += 1;
	report("warm dispatch (serial)", "socket pair", pipe_s, WARM_N, vm_s, WARM_N, "");
	report("cold start to ready", "bare boot to init", bare, cold_n, cold, cold_n,
	       "  (goal <= 1.2x)");
	report("  its VMM CPU time", "bare boot's", bare_cpu, cold_n, cold_cpu, cold_n, "");
	report("bare init + runner's files", "bare boot to init", bare, cold_n, fat, cold_n,
	       "  (unpacking)");
	report("  its VMM CPU time", "bare boot's", bare_cpu, cold_n, fat_cpu, cold_n, "");
	report("cold start to ready", "bare init + runner's files", fat, cold_n, cold, cold_n,
	       "  (the runner's start)");
	/* Each cold start ran right after its bare boot: the ratio of each pair cancels the
	 * load that both met, so the median of the pairs' ratios judges the goal. */
	for (i = 0; i < cold_n; i++)
		if (isfinite(cold[i]) && isfinite(bare[i]) && bare[i] > 0)
			pair[n_pair++] = cold[i] / bare[i];
	if (n_pair < cold_n) {
		printf("  %zu of %zu cold starts or bare boots failed: no verdict\n", cold_n - n_pair,
		       cold_n);
		*missed = 1;
		return 0;
	}
	(void)stats_median_ci(pair, n_pair, 0.95, &ci);
	printf("  paired (each cold start / the bare boot before it): median %.3f [%.3f, %.3f]\n"
	       "  cold start goal (<= 1.2x the bare boot, wall time): %s\n",
	       stats_quantile(pair, n_pair, 0.5), ci.lo, ci.hi, goal_verdict(&ci, 1.2, missed));
	return 0;
}

static int
bench_gvisor(int *measured)
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
	*measured += 1;
	report("cold start to ready", "empty runsc run", empty, COLD_N, cold, COLD_N, "");
	return 0;
}

int
main(void)
{
	const char *accel = getenv("JB_BENCH_ACCEL") ? getenv("JB_BENCH_ACCEL") : "tcg";
	const char *sh = getenv("JB_BENCH_SHORT");
	int shrt = sh && *sh && strcmp(sh, "0"), missed = 0, measured = 0;
	size_t cold_n = shrt ? COLD_N : COLD_FULL_N;

	printf("isolation benchmarks, medians, ratio [95%% CI], interleaved A B A B "
	       "(%zu microVM cold starts, %d gVisor cold starts, %d warm round trips each)%s\n",
	       cold_n, COLD_N, WARM_N, shrt ? "; short form: a missed goal does not fail it" : "");
	if (bench_microvm(accel, cold_n, &missed, &measured) || bench_gvisor(&measured))
		return 1;
	/* Every part skipped: nothing was measured, which is a SKIP (77), never a pass. */
	if (!measured) {
		printf("nothing measured: every part was skipped (reasons above)\n");
		return 77;
	}
	/* A miss beyond the CI fails the full run (as the other suites' goals do). */
	return missed && !shrt ? 1 : 0;
}
