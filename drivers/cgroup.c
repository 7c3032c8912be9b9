/* SPDX-License-Identifier: MIT */
/*
 * cgroup v1 and v2 readers (cgroup.h). v1 files live under <root>/<controller>/<path>, v2
 * files under <root>/<path>. All values are read as text and parsed by the functions the
 * unit tests exercise on fixture files, so the readers themselves only pick file names.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "jb_text.h"

int
cgroup_file_read(const char *path, char *buf, size_t len)
{
	ssize_t n = jb_text_read_file(path, buf, len);

	return n < 0 ? (int)n : 0;
}

int
cgroup_version_detect(const char *root)
{
	char p[4096];
	struct stat st;

	snprintf(p, sizeof(p), "%s/cgroup.controllers", root);
	if (stat(p, &st) == 0)
		return 2;
	snprintf(p, sizeof(p), "%s/cpuacct", root);
	if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
		return 1;
	return -ENODEV;
}

static int
parse_u64(const char *s, const char **end, uint64_t *out)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &e, 10);
	if (errno)
		return -EINVAL;
	if (end)
		*end = e;
	return 0;
}

static int
at_line_end(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return *s == '\0' || *s == '\n';
}

int
cgroup_usage_parse_v1(const char *text, uint64_t *cpu_ns)
{
	const char *end;

	if (parse_u64(text, &end, cpu_ns) || !at_line_end(end))
		return -EINVAL;
	return 0;
}

int
cgroup_stat_field(const char *text, const char *key, uint64_t *value)
{
	size_t klen = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, klen) && (p[klen] == ' ' || p[klen] == '\t')) {
			const char *end;

			if (parse_u64(p + klen, &end, value) || !at_line_end(end))
				return -EINVAL;
			return 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -ENOENT;
}

int
cgroup_usage_parse_v2(const char *text, uint64_t *cpu_ns)
{
	uint64_t us;
	int rc = cgroup_stat_field(text, "usage_usec", &us);

	if (rc)
		return rc == -ENOENT ? -EINVAL : rc;
	*cpu_ns = us * 1000u;
	return 0;
}

int
cgroup_limit_parse(const char *text, int64_t *value)
{
	char *e;
	long long v;

	while (*text == ' ')
		text++;
	if (!strncmp(text, "max", 3) && at_line_end(text + 3)) {
		*value = CGROUP_UNLIMITED;
		return 0;
	}
	errno = 0;
	v = strtoll(text, &e, 10);
	if (errno || e == text || !at_line_end(e))
		return -EINVAL;
	/* v1 writes -1 for "no quota" (sched-bwc.rst) and no limit as a huge number. */
	*value = v < 0 ? CGROUP_UNLIMITED : v;
	return 0;
}

int
cgroup_cpu_max_parse(const char *text, int64_t *quota_us, uint64_t *period_us)
{
	const char *sp = strchr(text, ' ');
	const char *end;

	if (!sp)
		return -EINVAL;
	if (!strncmp(text, "max ", 4)) {
		*quota_us = CGROUP_UNLIMITED;
	} else {
		uint64_t q;

		if (parse_u64(text, &end, &q) || end != sp)
			return -EINVAL;
		*quota_us = (int64_t)q;
	}
	if (parse_u64(sp + 1, &end, period_us) || !at_line_end(end) || !*period_us)
		return -EINVAL;
	return 0;
}

/* <root>/<controller>/<path>/<file> on v1, <root>/<path>/<file> on v2. */
static void
cg_path(char *out, size_t len, const char *root, int version, const char *controller,
	const char *path, const char *file)
{
	if (version == 2)
		snprintf(out, len, "%s%s/%s", root, path, file);
	else
		snprintf(out, len, "%s/%s%s/%s", root, controller, path, file);
}

static int
cg_read(const char *root, int version, const char *controller, const char *path,
	const char *file, char *buf, size_t len, struct jb_err *err)
{
	char p[4096];
	int rc;

	cg_path(p, sizeof(p), root, version, controller, path, file);
	rc = cgroup_file_read(p, buf, len);
	if (rc)
		return jb_err_set(err, rc, "cgroup: cannot read %s: %s", p, jb_strerror(rc));
	return 0;
}

int
cgroup_cpu_ns_read(const char *root, int version, const char *path, uint64_t *cpu_ns,
		   struct jb_err *err)
{
	char buf[2048];
	int rc;

	if (version == 2) {
		rc = cg_read(root, 2, NULL, path, "cpu.stat", buf, sizeof(buf), err);
		if (!rc && cgroup_usage_parse_v2(buf, cpu_ns))
			rc = jb_err_set(err, -EINVAL, "cgroup: no usage_usec in %s/cpu.stat", path);
		return rc;
	}
	rc = cg_read(root, 1, "cpuacct", path, "cpuacct.usage", buf, sizeof(buf), err);
	if (!rc && cgroup_usage_parse_v1(buf, cpu_ns))
		rc = jb_err_set(err, -EINVAL, "cgroup: malformed cpuacct.usage in %s", path);
	return rc;
}

int
cgroup_limits_read(const char *root, int version, const char *path,
		   struct cgroup_limits *lim, struct jb_err *err)
{
	char buf[256];
	int64_t v;
	int rc;

	memset(lim, 0, sizeof(*lim));
	if (version == 2) {
		if ((rc = cg_read(root, 2, NULL, path, "cpu.max", buf, sizeof(buf), err)))
			return rc;
		if (cgroup_cpu_max_parse(buf, &lim->cpu_quota_us, &lim->cpu_period_us))
			return jb_err_set(err, -EINVAL, "cgroup: malformed cpu.max '%.64s'", buf);
		if ((rc = cg_read(root, 2, NULL, path, "memory.max", buf, sizeof(buf), err)))
			return rc;
	} else {
		uint64_t period;

		if ((rc = cg_read(root, 1, "cpu", path, "cpu.cfs_quota_us", buf, sizeof(buf), err)))
			return rc;
		if (cgroup_limit_parse(buf, &lim->cpu_quota_us))
			return jb_err_set(err, -EINVAL, "cgroup: malformed cpu.cfs_quota_us");
		if ((rc = cg_read(root, 1, "cpu", path, "cpu.cfs_period_us", buf, sizeof(buf), err)))
			return rc;
		if (cgroup_usage_parse_v1(buf, &period))
			return jb_err_set(err, -EINVAL, "cgroup: malformed cpu.cfs_period_us");
		lim->cpu_period_us = period;
		if ((rc = cg_read(root, 1, "memory", path, "memory.limit_in_bytes", buf, sizeof(buf),
				  err)))
			return rc;
	}
	if (cgroup_limit_parse(buf, &v))
		return jb_err_set(err, -EINVAL, "cgroup: malformed memory limit '%.64s'", buf);
	lim->memory_limit_bytes = v;
	if (!cg_read(root, version, "pids", path, "pids.max", buf, sizeof(buf), NULL) &&
	    !cgroup_limit_parse(buf, &v))
		lim->pids_max = v;
	else
		lim->pids_max = CGROUP_UNLIMITED;
	if (!cg_read(root, version, "cpuset", path,
		     version == 2 ? "cpuset.cpus.effective" : "cpuset.cpus", buf, sizeof(buf),
		     NULL))
		snprintf(lim->cpuset_cpus, sizeof(lim->cpuset_cpus), "%.*s",
			 (int)strcspn(buf, "\n"), buf);
	return 0;
}

int
cgroup_oom_kills_read(const char *root, int version, const char *path, uint64_t *kills)
{
	char buf[1024];
	int rc = cg_read(root, version, "memory", path,
			 version == 2 ? "memory.events" : "memory.oom_control", buf, sizeof(buf),
			 NULL);

	return rc ? rc : cgroup_stat_field(buf, "oom_kill", kills);
}

int
cgroup_limit_hits_read(const char *root, int version, const char *path, uint64_t *hits)
{
	char buf[1024];
	int rc = cg_read(root, version, "memory", path,
			 version == 2 ? "memory.events" : "memory.failcnt", buf, sizeof(buf), NULL);

	if (rc)
		return rc;
	if (version == 2)
		return cgroup_stat_field(buf, "max", hits);
	return cgroup_usage_parse_v1(buf, hits);
}

void
cgroup_dir_remove(const char *root, int version, const char *path)
{
	static const char *const v1[] = { "cpu", "cpuacct", "cpuset", "memory", "pids",
					  "blkio", "devices", "freezer", "net_cls", "net_prio",
					  "perf_event", "hugetlb", "rdma", "misc", "systemd" };
	char p[4096];
	size_t i;

	if (version == 2) {
		snprintf(p, sizeof(p), "%s%s", root, path);
		(void)rmdir(p);
		return;
	}
	for (i = 0; i < sizeof(v1) / sizeof(v1[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s%s", root, v1[i], path);
		(void)rmdir(p);
	}
}
