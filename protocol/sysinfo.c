/* SPDX-License-Identifier: MIT */
/*
 * Host facts for the run metadata (sysinfo.h). Governor, turbo and SMT are what make energy
 * results noisy (google/benchmark's reducing_variance guide), so the runner also warns on
 * them. Paths are the kernel's documented sysfs ABI (cpufreq, intel_pstate, smt/control).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/magic.h>

#include "sysinfo.h"

static int
read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	int ok;

	if (!f)
		return -1;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static void
read_cpu_model(char *buf, size_t len)
{
	char line[512];
	FILE *f = fopen("/proc/cpuinfo", "re");

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		/* x86 says "model name", arm64 kernels often only "CPU part"; take the first. */
		if (!strncmp(line, "model name", 10) || !strncmp(line, "Model", 5) ||
		    !strncmp(line, "Hardware", 8)) {
			char *v = strchr(line, ':');

			if (v) {
				v += 1 + (v[1] == ' ');
				v[strcspn(v, "\n")] = '\0';
				snprintf(buf, len, "%s", v);
				break;
			}
		}
	}
	fclose(f);
}

/* "always [madvise] never": the word in brackets is the setting. */
static void
read_thp(char *buf, size_t len)
{
	char v[128], *a, *b;

	if (read_line("/sys/kernel/mm/transparent_hugepage/enabled", v, sizeof(v)) ||
	    !(a = strchr(v, '[')) || !(b = strchr(a, ']'))) {
		snprintf(buf, len, "unknown");
		return;
	}
	snprintf(buf, len, "%.*s", (int)(b - a - 1), a + 1);
}

static void
read_turbo(char *buf, size_t len)
{
	char v[32];

	/* intel_pstate: no_turbo=1 means turbo off; acpi-cpufreq and amd: boost=1 means on. */
	if (read_line("/sys/devices/system/cpu/intel_pstate/no_turbo", v, sizeof(v)) == 0)
		snprintf(buf, len, "%s", strcmp(v, "1") ? "on" : "off");
	else if (read_line("/sys/devices/system/cpu/cpufreq/boost", v, sizeof(v)) == 0)
		snprintf(buf, len, "%s", strcmp(v, "0") ? "on" : "off");
	else
		snprintf(buf, len, "unknown");
}

static void
read_cgroup(char *buf, size_t len)
{
	struct statfs fs;

	if (statfs("/sys/fs/cgroup", &fs) != 0)
		snprintf(buf, len, "unknown");
	else if (fs.f_type == CGROUP2_SUPER_MAGIC)
		snprintf(buf, len, "v2");
	else if (access("/sys/fs/cgroup/unified/cgroup.controllers", F_OK) == 0)
		snprintf(buf, len, "v1 (hybrid)");
	else
		snprintf(buf, len, "v1");
}

void
sysinfo_read(struct sysinfo_host *h)
{
	struct utsname u;

	memset(h, 0, sizeof(*h));
	if (uname(&u) == 0) {
		snprintf(h->host, sizeof(h->host), "%.*s", (int)sizeof(h->host) - 1, u.nodename);
		snprintf(h->arch, sizeof(h->arch), "%.*s", (int)sizeof(h->arch) - 1, u.machine);
		snprintf(h->kernel, sizeof(h->kernel), "%s %s", u.sysname, u.release);
	} else {
		snprintf(h->host, sizeof(h->host), "unknown");
		snprintf(h->arch, sizeof(h->arch), "unknown");
		snprintf(h->kernel, sizeof(h->kernel), "unknown");
	}
	read_cpu_model(h->cpu_model, sizeof(h->cpu_model));
	h->cpus_online = sysconf(_SC_NPROCESSORS_ONLN);
	if (read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", h->governor,
		      sizeof(h->governor)))
		snprintf(h->governor, sizeof(h->governor), "unknown");
	read_turbo(h->turbo, sizeof(h->turbo));
	if (read_line("/sys/devices/system/cpu/smt/active", h->smt, sizeof(h->smt)))
		snprintf(h->smt, sizeof(h->smt), "unknown");
	else
		snprintf(h->smt, sizeof(h->smt), "%s", strcmp(h->smt, "1") ? "off" : "on");
	read_cgroup(h->cgroup, sizeof(h->cgroup));
	/* The kernels' arrays are advised MADV_HUGEPAGE (workload_arrays_alloc): with THP
	 * `never` they get 4 KiB pages, and linpack ran ~20% slower so (docs/reliability.md). */
	read_thp(h->thp, sizeof(h->thp));
}
