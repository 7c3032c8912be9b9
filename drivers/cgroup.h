/* SPDX-License-Identifier: MIT */
/*
 * Reading a container's cgroup: its CPU time (to split a co-located window's energy by CPU
 * share) and its limits (to check that a container got the quota and memory it was given).
 * cgroup v1 keeps one tree per controller (cpuacct.usage in ns, cpu.cfs_quota_us, ...);
 * v2 keeps one tree (cpu.stat usage_usec, cpu.max "$QUOTA $PERIOD", memory.max), per the
 * kernel's Documentation/admin-guide/cgroup-v1/cpuacct.rst and cgroup-v2.rst. The parsers
 * take text, so unit tests feed them fixture files; the readers take a root ("/sys/fs/cgroup").
 */
#ifndef JB_CGROUP_H
#define JB_CGROUP_H

#include <stddef.h>
#include <stdint.h>

#include "jb_err.h"

/* A limit the cgroup does not set ("max", or -1 in v1's cfs_quota_us). */
#define CGROUP_UNLIMITED INT64_MAX

struct cgroup_limits {
	int64_t cpu_quota_us;        /* CGROUP_UNLIMITED when none */
	uint64_t cpu_period_us;
	int64_t memory_limit_bytes;  /* CGROUP_UNLIMITED when none */
	int64_t pids_max;            /* CGROUP_UNLIMITED when none */
	char cpuset_cpus[128];       /* "" when the file is absent */
};

/**
 * cgroup_version_detect() - 2 when @root is a unified (v2) hierarchy with controllers
 * (it has cgroup.controllers), 1 when it holds v1 controller trees (cpuacct), else -ENODEV.
 */
int cgroup_version_detect(const char *root);

/** cgroup_usage_parse_v1() - cpuacct.usage text (ns) into @cpu_ns. 0 or -EINVAL. */
int cgroup_usage_parse_v1(const char *text, uint64_t *cpu_ns);

/** cgroup_usage_parse_v2() - the usage_usec line of cpu.stat, in ns. 0 or -EINVAL. */
int cgroup_usage_parse_v2(const char *text, uint64_t *cpu_ns);

/** cgroup_cpu_max_parse() - v2 cpu.max ("max 100000" or "50000 100000"). 0 or -EINVAL. */
int cgroup_cpu_max_parse(const char *text, int64_t *quota_us, uint64_t *period_us);

/** cgroup_limit_parse() - a number or "max" (v1: -1 or a huge page-rounded value stays as
 * is). 0 or -EINVAL. */
int cgroup_limit_parse(const char *text, int64_t *value);

/** cgroup_stat_field() - the value of @key in a "key value" per-line file (memory.events,
 * memory.oom_control). 0, -ENOENT when the key is absent, -EINVAL. */
int cgroup_stat_field(const char *text, const char *key, uint64_t *value);

/**
 * cgroup_cpu_ns_read() - CPU time of cgroup @path (as in config.json's cgroupsPath, "/a/b")
 * under @root, hierarchy @version. Return: 0, or -errno (-ENOENT: the cgroup is gone).
 */
int cgroup_cpu_ns_read(const char *root, int version, const char *path, uint64_t *cpu_ns,
		       struct jb_err *err);

/** cgroup_limits_read() - the limits of cgroup @path. 0 or -errno with a message. */
int cgroup_limits_read(const char *root, int version, const char *path,
		       struct cgroup_limits *lim, struct jb_err *err);

/** cgroup_oom_kills_read() - how many processes of @path the OOM killer killed (v2
 * memory.events oom_kill; v1 memory.oom_control oom_kill). 0 or -errno. */
int cgroup_oom_kills_read(const char *root, int version, const char *path, uint64_t *kills);

/** cgroup_limit_hits_read() - how often @path's memory use hit its limit (v2
 * memory.events max; v1 memory.failcnt). 0 or -errno. */
int cgroup_limit_hits_read(const char *root, int version, const char *path, uint64_t *hits);

/** cgroup_dir_remove() - rmdir @path (empty cgroups only) in every hierarchy; errors are
 * ignored (another run may still use a shared parent). */
void cgroup_dir_remove(const char *root, int version, const char *path);

/** cgroup_file_read() - read a small file into @buf (NUL-terminated). 0 or -errno. */
int cgroup_file_read(const char *path, char *buf, size_t len);

#endif
