/* SPDX-License-Identifier: MIT */
/*
 * What the microvm driver needs from the host and leaves on it (microvm.h): the VMM
 * registry, whether the VMM, the guest kernel and the guest's init are here (with the
 * package or command that provides each one that is not), the host's TSC rate for a TCG
 * guest, and the leftovers of harnesses that were killed before they could clean up.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cgroup.h"
#include "jb_clock.h"
#include "jb_file.h"
#include "microvm.h"
#include "oci_bundle.h"
#include "oci_runtime.h"

#define CG_ROOT MICROVM_CG_ROOT
#define CG_PARENT MICROVM_CG_PARENT

static void
guest_dir_default(const char *given, char *out, size_t len)
{
	if (given && *given)
		snprintf(out, len, "%s", given);
	else
		jb_file_cache_dir("JOULEBENCH_GUEST_DIR", "guest", out, len);
}

const struct microvm_vmm *
microvm_vmm_find(const char *name)
{
	static const struct microvm_vmm *const vmms[] = { &microvm_vmm_qemu,
							  &microvm_vmm_firecracker };
	size_t i;

	if (!name || !*name)
		name = "qemu";
	for (i = 0; i < sizeof(vmms) / sizeof(vmms[0]); i++)
		if (!strcmp(vmms[i]->name, name))
			return vmms[i];
	return NULL;
}

int
microvm_argv_pack(const char *const *args, size_t n, char **argv, char *buf, size_t buf_len)
{
	size_t used = 0, i;

	for (i = 0; i < n; i++) {
		size_t len = strlen(args[i]) + 1;

		if (used + len > buf_len)
			return -E2BIG;
		argv[i] = memcpy(buf + used, args[i], len);
		used += len;
	}
	argv[n] = NULL;
	return 0;
}

int
microvm_guest_file(const struct microvm_host *h, const char *name, char *out, size_t len)
{
	snprintf(out, len, "%.*s/%s", (int)(len > 40 ? len - 40 : 0), h->guest_dir, name);
	return access(out, R_OK) == 0 ? 0 : -ENOENT;
}

/* What this host needs for the driver, with the fix in @why. */
int
microvm_host_check(const char *vmm, const char *guest_dir, struct microvm_host *s, char *why,
		   size_t why_len)
{
	char buf[PATH_MAX];
	struct utsname u;
	int rc;

	s->vmm = microvm_vmm_find(vmm);
	if (!s->vmm) {
		snprintf(why, why_len, "--vmm %s: unknown (qemu or firecracker)", vmm);
		return -EINVAL;
	}
	guest_dir_default(guest_dir, s->guest_dir, sizeof(s->guest_dir));
	/* The host's architecture at run time, not the build's: the same as the build's,
	 * except that qemu-user reports the emulated one (how scripts/cross-check runs the
	 * aarch64 path on x86-64). The guest is of the same architecture. */
	snprintf(s->arch, sizeof(s->arch), "%.15s", uname(&u) == 0 ? u.machine : "");
	rc = s->vmm->check(s, why, why_len);
	if (rc)
		return rc;
	s->guest_version[0] = '\0';
	if (microvm_guest_file(s, "version", buf, sizeof(buf)) == 0 &&
	    cgroup_file_read(buf, s->guest_version, sizeof(s->guest_version)) == 0) {
		/* "<package> <kernel release>": the release is enough. */
		char *sp = strchr(s->guest_version, ' ');

		if (sp)
			memmove(s->guest_version, sp + 1, strlen(sp));
		s->guest_version[strcspn(s->guest_version, "\n")] = '\0';
	}
	snprintf(why, why_len, "%s, guest %s", s->vmm_path, s->kernel);
	return 0;
}

/* joulebench-vminit: beside the runner (installed), in the build tree, or as configured. */
int
microvm_vminit_find(const char *fn_path, char *out, size_t len)
{
	const char *env = getenv("JOULEBENCH_VMINIT");
	char dir[PATH_MAX], *slash;

	if (!out || len < 64)
		return -EINVAL;
	if (env && *env) {
		snprintf(out, len, "%s", env);
		return access(out, X_OK) == 0 ? 0 : -ENOENT;
	}
	snprintf(dir, sizeof(dir), "%s", fn_path);
	slash = strrchr(dir, '/');
	*(slash ? slash : dir) = '\0';
	snprintf(out, len, "%.*s/joulebench-vminit", (int)len - 20, dir);
	if (access(out, X_OK) == 0)
		return 0;
	snprintf(out, len, "%.*s/../drivers/joulebench-vminit", (int)len - 30, dir);
	if (access(out, X_OK) == 0)
		return 0;
	snprintf(out, len, "%s", JB_VMINIT_BUILD_PATH);
	if (access(out, X_OK) == 0)
		return 0;
	snprintf(out, len, "%s", JB_VMINIT_INSTALL_PATH);
	return access(out, X_OK) == 0 ? 0 : -ENOENT;
}

/* VMMs of a dead harness @dead: their command line names its run directory (QEMU's
 * initramfs, Firecracker's --config-file), "/joulebench-vm-<pid>-". For hosts without our
 * cgroups (not root). (A
 * parent-death signal cannot do this: it fires when the thread that forked exits, and
 * the co-location scheduler starts instances from per-window threads.) */
static void
stale_qemus_kill(long dead)
{
	char p[64], cmd[4096], tag[48];
	struct dirent *e;
	DIR *d = opendir("/proc");

	if (!d)
		return;
	snprintf(tag, sizeof(tag), "/joulebench-vm-%ld-", dead);
	while ((e = readdir(d))) {
		long pid = strtol(e->d_name, NULL, 10);
		ssize_t n;
		int fd;

		if (pid <= 0)
			continue;
		snprintf(p, sizeof(p), "/proc/%ld/cmdline", pid);
		if ((fd = open(p, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		n = read(fd, cmd, sizeof(cmd) - 1);
		close(fd);
		if (n <= 0)
			continue;
		cmd[n] = '\0';
		for (ssize_t i = 0; i < n; i++)
			if (!cmd[i])
				cmd[i] = ' ';
		if ((strstr(cmd, "qemu-system") || strstr(cmd, "firecracker")) && strstr(cmd, tag))
			kill((pid_t)pid, SIGKILL);
	}
	closedir(d);
}

/* Leftovers of harnesses killed with SIGKILL: their VMs' cgroups (and the QEMUs still in
 * them) and their run directories. */
void
microvm_stale_reap(int cg_version)
{
	char p[PATH_MAX];
	struct dirent *e;
	DIR *d;
	long pid;

	if (cg_version) {
		snprintf(p, sizeof(p), cg_version == 2 ? CG_ROOT CG_PARENT : CG_ROOT "/cpuacct" CG_PARENT);
		if ((d = opendir(p))) {
			while ((e = readdir(d)))
				if (sscanf(e->d_name, "vm-%ld-", &pid) == 1 && pid > 0 &&
				    kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
					char cg[96];

					snprintf(cg, sizeof(cg), CG_PARENT "/%.60s", e->d_name);
					microvm_cgroup_kill_all(CG_ROOT, cg_version, cg);
				}
			closedir(d);
		}
	}
	if ((d = opendir(oci_runtime_tmp_dir()))) {
		while ((e = readdir(d)))
			if (sscanf(e->d_name, "joulebench-vm-%ld-", &pid) == 1 && pid > 0 &&
			    kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
				stale_qemus_kill(pid);
				snprintf(p, sizeof(p), "%.200s/%.200s", oci_runtime_tmp_dir(), e->d_name);
				(void)oci_bundle_remove(p);
			}
		closedir(d);
	}
}

/* The host's TSC rate, kHz: TSC ticks over 50 ms of CLOCK_MONOTONIC_RAW (x86 only). */
uint64_t
microvm_host_tsc_khz(void)
{
#if defined(__x86_64__)
	uint64_t t0 = jb_clock_mono_ns(), c0 = __builtin_ia32_rdtsc(), t1, c1;

	do
		t1 = jb_clock_mono_ns();
	while (t1 - t0 < 50000000u);
	c1 = __builtin_ia32_rdtsc();
	return (c1 - c0) * 1000000ull / (t1 - t0);
#else
	return 0;
#endif
}
