/* SPDX-License-Identifier: MIT */
/*
 * The cgroup of one microVM: its QEMU process (vCPU threads, I/O thread, everything the
 * VM costs on the host) goes into a cgroup of its own before exec, so the cgroup's CPU
 * time (cpuacct.usage on v1, cpu.stat usage_usec on v2: the kernel's cgroup-v1/cpuacct.rst,
 * cgroup-v2.rst) is the VM's, and the CPU quota derived from the function's memory size
 * (as for containers, oci_bundle.h) applies to the whole VM. Without a usable cgroup (not
 * root) the driver falls back to the sum of the QEMU threads' schedstat run times.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "microvm.h"

static int
write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int e;

	if (fd < 0)
		return errno;
	n = write(fd, s, strlen(s));
	e = n == (ssize_t)strlen(s) ? 0 : (n < 0 ? errno : EIO);
	close(fd);
	return e;
}

/* mkdir -p of @path under @base. The shared parent is removed by whichever run's close
 * leaves it empty (microvm.c, container.c), so it can vanish between our mkdir of it and
 * of the child (ENOENT): then the path is made again, a few times. */
static int
mkdirs(const char *base, const char *path)
{
	char p[4096];
	int tries;

	for (tries = 0; tries < 4; tries++) {
		const char *s = path;
		int e = 0;

		while ((s = strchr(s + 1, '/')) || 1) {
			snprintf(p, sizeof(p), "%s%.*s", base,
				 s ? (int)(s - path) : (int)strlen(path), path);
			if (mkdir(p, 0755) != 0 && errno != EEXIST) {
				e = errno;
				break;
			}
			if (!s)
				return 0;
		}
		if (e != ENOENT)
			return e;
	}
	return ENOENT;
}

int
microvm_cgroup_create(const char *root, int version, const char *path, uint64_t quota_us,
		      uint64_t period_us, struct jb_err *err)
{
	char base[512], p[4096], v[64];
	int e;

	if (version == 2) {
		const char *s = path;

		snprintf(base, sizeof(base), "%s", root);
		/* +cpu down the tree, so cpu.max exists in the leaf (cgroup-v2.rst "Top-down
		 * Constraint"); a root already delegating it just says so again. */
		snprintf(p, sizeof(p), "%s/cgroup.subtree_control", root);
		(void)write_str(p, "+cpu");
		if ((e = mkdirs(base, path)))
			return jb_err_set(err, -e, "microvm: mkdir cgroup %s%s: %s", root, path, strerror(e));
		while ((s = strchr(s + 1, '/'))) {
			snprintf(p, sizeof(p), "%s%.*s/cgroup.subtree_control", root, (int)(s - path), path);
			(void)write_str(p, "+cpu");
		}
		if (quota_us) {
			snprintf(p, sizeof(p), "%s%s/cpu.max", root, path);
			snprintf(v, sizeof(v), "%llu %llu", (unsigned long long)quota_us,
				 (unsigned long long)period_us);
			if ((e = write_str(p, v)))
				return jb_err_set(err, -e, "microvm: write %s: %s", p, strerror(e));
		}
		return 0;
	}
	snprintf(base, sizeof(base), "%s/cpuacct", root);
	if ((e = mkdirs(base, path)))
		return jb_err_set(err, -e, "microvm: mkdir cgroup %s%s: %s", base, path, strerror(e));
	snprintf(base, sizeof(base), "%s/cpu", root);
	if ((e = mkdirs(base, path)))
		return jb_err_set(err, -e, "microvm: mkdir cgroup %s%s: %s", base, path, strerror(e));
	if (quota_us) {
		snprintf(p, sizeof(p), "%s%s/cpu.cfs_period_us", base, path);
		snprintf(v, sizeof(v), "%llu", (unsigned long long)period_us);
		if ((e = write_str(p, v)))
			return jb_err_set(err, -e, "microvm: write %s: %s", p, strerror(e));
		snprintf(p, sizeof(p), "%s%s/cpu.cfs_quota_us", base, path);
		snprintf(v, sizeof(v), "%llu", (unsigned long long)quota_us);
		if ((e = write_str(p, v)))
			return jb_err_set(err, -e, "microvm: write %s: %s", p, strerror(e));
	}
	return 0;
}

int
microvm_cgroup_enter(const char *root, int version, const char *path)
{
	char p[4096], pid[24];
	int e;

	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	if (version == 2) {
		snprintf(p, sizeof(p), "%s%s/cgroup.procs", root, path);
		return write_str(p, pid);
	}
	snprintf(p, sizeof(p), "%s/cpuacct%s/cgroup.procs", root, path);
	if ((e = write_str(p, pid)))
		return e;
	snprintf(p, sizeof(p), "%s/cpu%s/cgroup.procs", root, path);
	return write_str(p, pid);
}

void
microvm_cgroup_kill_all(const char *root, int version, const char *path)
{
	char p[4096], buf[4096];
	const char *s;
	int tries;

	snprintf(p, sizeof(p), version == 2 ? "%s%s/cgroup.procs" : "%s/cpuacct%s/cgroup.procs",
		 root, path);
	for (tries = 0; tries < 50; tries++) {
		if (cgroup_file_read(p, buf, sizeof(buf)) || !buf[0])
			break;
		for (s = buf; *s; s += strcspn(s, "\n"), s += *s == '\n') {
			long pid = strtol(s, NULL, 10);

			if (pid > 0)
				kill((pid_t)pid, SIGKILL);
		}
		usleep(20000);
	}
	cgroup_dir_remove(root, version, path);
}

int
microvm_tasks_cpu_ns(pid_t pid, uint64_t *cpu_ns, struct jb_err *err)
{
	char dir[64], p[128], buf[128];
	struct dirent *e;
	uint64_t sum = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%ld/task", (long)pid);
	if (!(d = opendir(dir)))
		return jb_err_set(err, -errno, "microvm: %s: %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%.20s/schedstat", dir, e->d_name);
		/* proc(5) / sched-stats.rst: the first field is time spent on the CPU, ns. */
		if (!cgroup_file_read(p, buf, sizeof(buf)))
			sum += strtoull(buf, NULL, 10);
	}
	closedir(d);
	*cpu_ns = sum;
	return 0;
}
