/* SPDX-License-Identifier: MIT */
/*
 * The `rapl-perf` meter: RAPL through the kernel's perf_event `power` PMU
 * (arch/x86/events/rapl.c). Everything is discovered under ctx->sysfs_root: the PMU type in
 * bus/event_source/devices/power/type, one CPU per package in .../power/cpumask, and the
 * events energy-* with their .scale (J per count, 2^-32) and .unit ("Joules"). The PMU only
 * counts system-wide (pid -1, cpu N; it rejects cpu < 0 and sampling), and the kernel keeps a
 * 64-bit count refreshed by an hrtimer before the 32-bit MSR wraps, with the per-model unit
 * quirks applied (research/meters.md §3.4): so no wrap here, and no unit table of our own.
 * perf_event_open sits behind struct rapl_perf_sys so unit tests can feed counts.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifdef JB_HAVE_PFM
#include <perfmon/pfmlib_perf_event.h>
#endif

#include "jb_clock.h"
#include "meter-private.h"

#define PERF_PKGS_MAX 8
#define PERF_EVENTS_MAX 8

struct perf_event_desc {
	char name[24];      /* "energy-pkg" */
	uint64_t config;    /* format "event" = config:0-7 */
	double scale_j;     /* joules per count, from the .scale file */
	int rank;           /* position in perf_event_order */
};

struct perf_pmu {
	uint32_t type;
	int n_cpus;
	int cpu[PERF_PKGS_MAX];
	int pkg_id[PERF_PKGS_MAX];
	size_t n_events;
	struct perf_event_desc ev[PERF_EVENTS_MAX];
};

struct rapl_perf_state {
	struct rapl_perf_sys sys;
	size_t n;
	int fd[METER_DOMAINS_MAX];
	double uj_per_count[METER_DOMAINS_MAX];
};

/* The kernel's event names (rapl.c) and the powercap names we give them, so a domain is
 * called the same whichever RAPL meter reads it. gpu is PP1, the uncore zone. */
static const struct {
	const char *event;
	const char *domain;
	int child_of_pkg;
} perf_event_order[] = {
	{ "energy-pkg", "package", 0 },
	{ "energy-cores", "core", 1 },
	{ "energy-gpu", "uncore", 1 },
	{ "energy-ram", "dram", 0 },
	{ "energy-psys", "psys", 0 },
};
#define PERF_ORDER_N (sizeof(perf_event_order) / sizeof(perf_event_order[0]))

static int
sys_open(void *sys_ctx, const struct perf_event_attr *attr, int cpu)
{
	long fd;

	(void)sys_ctx;
	fd = syscall(SYS_perf_event_open, attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : (int)fd;
}

static int
sys_read(void *sys_ctx, int fd, uint64_t *count)
{
	ssize_t n;

	(void)sys_ctx;
	n = read(fd, count, sizeof(*count));
	if (n == (ssize_t)sizeof(*count))
		return 0;
	return n < 0 ? -errno : -EIO;
}

static void
sys_close(void *sys_ctx, int fd)
{
	(void)sys_ctx;
	close(fd);
}

static const struct rapl_perf_sys perf_kernel = { sys_open, sys_read, sys_close, NULL };

static void
pmu_path(const struct jb_ctx *ctx, char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/bus/event_source/devices/power%s",
		 ctx->sysfs_root ? ctx->sysfs_root : "/sys", rel);
}

/* "event=0x02" (perhaps with other terms, which the power PMU does not have) -> config. */
static int
parse_event_config(const char *s, uint64_t *config)
{
	const char *p = strstr(s, "event=");
	char *end;

	if (!p || (p != s && p[-1] != ','))
		return -EINVAL;
	*config = strtoull(p + 6, &end, 0);
	return (end == p + 6 || (*end && *end != ',')) ? -EINVAL : 0;
}

static int
pmu_add_event(const struct jb_ctx *ctx, struct perf_pmu *pmu, const char *name)
{
	struct perf_event_desc *e = &pmu->ev[pmu->n_events];
	char dir[400], path[512], buf[128], *end;
	size_t k;

	e->rank = (int)PERF_ORDER_N;
	for (k = 0; k < PERF_ORDER_N; k++)
		if (strcmp(name, perf_event_order[k].event) == 0)
			e->rank = (int)k;
	if (e->rank == (int)PERF_ORDER_N || pmu->n_events == PERF_EVENTS_MAX)
		return 0; /* an event we cannot name a domain for (none known today) */
	snprintf(e->name, sizeof(e->name), "%.23s", name);
	pmu_path(ctx, dir, sizeof(dir), "/events");
	snprintf(path, sizeof(path), "%.399s/%.64s", dir, name);
	if (meter__read_text(path, buf, sizeof(buf)) || parse_event_config(buf, &e->config))
		return -EINVAL;
	/* The unit must be joules: the scale converts counts to the unit, whatever it is. */
	snprintf(path, sizeof(path), "%.399s/%.64s.unit", dir, name);
	if (meter__read_text(path, buf, sizeof(buf)) || strcmp(buf, "Joules") != 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "%.399s/%.64s.scale", dir, name);
	if (meter__read_text(path, buf, sizeof(buf)))
		return -EINVAL;
	e->scale_j = strtod(buf, &end);
	if (end == buf || !(e->scale_j > 0 && e->scale_j < 1))
		return -EINVAL;
	pmu->n_events++;
	return 0;
}

static int
cmp_event(const void *a, const void *b)
{
	return ((const struct perf_event_desc *)a)->rank - ((const struct perf_event_desc *)b)->rank;
}

/* Find the PMU, its CPUs and events. 0, or -errno with the reason in @why. */
static int
pmu_discover(const struct jb_ctx *ctx, struct perf_pmu *pmu, char *why, size_t why_len)
{
	char path[512], buf[256];
	struct dirent *de;
	uint64_t v;
	DIR *d;
	int i, rc;

	memset(pmu, 0, sizeof(*pmu));
	pmu_path(ctx, path, sizeof(path), "/type");
	rc = meter__read_u64(path, &v);
	if (rc) {
		snprintf(why, why_len,
			 "no perf power PMU (%s: %s): the CPU has no RAPL, the kernel lacks "
			 "CONFIG_PERF_EVENTS_INTEL_RAPL (or it is too old for this CPU model), or this "
			 "is a VM that hides RAPL", path, jb_strerror(rc));
		return rc == -ENOENT ? -ENODEV : rc;
	}
	pmu->type = (uint32_t)v;
	pmu_path(ctx, path, sizeof(path), "/cpumask");
	if (meter__read_text(path, buf, sizeof(buf)) ||
	    (pmu->n_cpus = meter__cpulist_parse(buf, pmu->cpu, PERF_PKGS_MAX)) <= 0) {
		snprintf(why, why_len, "perf power PMU: unreadable or empty %s", path);
		return -ENODEV;
	}
	for (i = 0; i < pmu->n_cpus; i++) {
		snprintf(path, sizeof(path), "%s/devices/system/cpu/cpu%d/topology/physical_package_id",
			 ctx->sysfs_root ? ctx->sysfs_root : "/sys", pmu->cpu[i]);
		pmu->pkg_id[i] = meter__read_u64(path, &v) == 0 && v < 4096 ? (int)v : i;
	}
	pmu_path(ctx, path, sizeof(path), "/events");
	d = opendir(path);
	if (!d) {
		rc = -errno;
		snprintf(why, why_len, "perf power PMU: %s: %s", path, jb_strerror(rc));
		return -ENODEV;
	}
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "energy-", 7) != 0 || strchr(de->d_name, '.'))
			continue;
		if (pmu_add_event(ctx, pmu, de->d_name)) {
			/* Not the user's input but the kernel's: "not usable here", not "bad usage". */
			snprintf(why, why_len, "perf power PMU: event %.40s has a malformed event, "
				 ".unit (want Joules) or .scale file", de->d_name);
			closedir(d);
			return -ENODEV;
		}
	}
	closedir(d);
	if (!pmu->n_events) {
		snprintf(why, why_len, "perf power PMU has no energy-* event this meter knows");
		return -ENODEV;
	}
	qsort(pmu->ev, pmu->n_events, sizeof(pmu->ev[0]), cmp_event);
	return 0;
}

/* Why perf_event_open said no, and what to do about it. */
static void
explain_open_error(int rc, const struct perf_event_desc *e, int cpu, char *why, size_t len)
{
	char paranoid[32] = "unknown";

	if (rc != -EACCES && rc != -EPERM) {
		const char *hint =
			rc == -ENOENT ? ": the running kernel has no PMU of the type sysfs names, or "
					"does not know this event (a sysfs tree from another kernel?)"
			: rc == -EINVAL ? ": the kernel refused the attributes (a CPU outside any "
					  "package, or config bits it does not know)"
			: (rc == -ENODEV || rc == -EOPNOTSUPP) ? ": this CPU does not support the event"
			: "";

		snprintf(why, len, "perf_event_open(power/%s/, cpu %d): %s%s", e->name, cpu,
			 jb_strerror(rc), hint);
		return;
	}
	(void)meter__read_text("/proc/sys/kernel/perf_event_paranoid", paranoid, sizeof(paranoid));
	snprintf(why, len,
		 "perf_event_open(power/%s/, cpu %d): %s: system-wide events need "
		 "kernel.perf_event_paranoid <= 0 (it is %s) or CAP_PERFMON (Linux 5.8+; "
		 "CAP_SYS_ADMIN before). Run as root, or give CAP_PERFMON to a copy of joulebench "
		 "that only a dedicated group may execute (chgrp energy; chmod 750; setcap "
		 "cap_perfmon+ep). Lowering perf_event_paranoid for everyone also gives every user "
		 "the RAPL counters, re-opening the Platypus power side channel (CVE-2020-8694); "
		 "joulebench never changes these settings itself",
		 e->name, cpu, jb_strerror(rc), paranoid);
}

#ifdef JB_HAVE_PFM
/* libpfm4's view of the RAPL PMU, as a second opinion in the probe's reason. Its support is
 * a CPU model whitelist, so it may disagree with the kernel (research/meters.md §3.3). */
static void
pfm_note(char *why, size_t len)
{
	static const char *const names[] = { "rapl::RAPL_ENERGY_PKG", "amd64_rapl::RAPL_ENERGY_PKG" };
	size_t used = strlen(why), i;
	int ret = pfm_initialize();

	if (ret != PFM_SUCCESS) {
		snprintf(why + used, len - used, "; libpfm4: %s", pfm_strerror(ret));
		return;
	}
	for (i = 0; i < 2; i++) {
		struct perf_event_attr attr;
		pfm_perf_encode_arg_t arg;

		memset(&attr, 0, sizeof(attr));
		memset(&arg, 0, sizeof(arg));
		arg.attr = &attr;
		arg.size = sizeof(arg);
		ret = pfm_get_os_event_encoding(names[i], PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT, &arg);
		used = strlen(why);
		snprintf(why + used, len - used, "; libpfm4 %s: %s", names[i],
			 ret == PFM_SUCCESS ? "encodes (the kernel PMU exists)" : pfm_strerror(ret));
	}
}
#endif

int
rapl_perf_probe_with(const struct jb_ctx *ctx, const struct rapl_perf_sys *sys, char *why,
		     size_t why_len)
{
	struct perf_event_attr attr;
	struct perf_pmu pmu;
	uint64_t count = 0;
	int fd, rc = pmu_discover(ctx, &pmu, why, why_len);

	if (rc) {
#ifdef JB_HAVE_PFM
		if (rc == -ENODEV)
			pfm_note(why, why_len);
#endif
		return rc;
	}
	memset(&attr, 0, sizeof(attr));
	attr.type = pmu.type;
	attr.size = sizeof(attr);
	attr.config = pmu.ev[0].config;
	rc = sys->open(sys->sys_ctx, &attr, pmu.cpu[0]);
	if (rc < 0) {
		explain_open_error(rc, &pmu.ev[0], pmu.cpu[0], why, why_len);
		return rc;
	}
	/* Opening proves permission, not counting: read a count too. Whether the count moves
	 * is the liveness probe's question (meter_liveness.c), asked of an open meter. */
	fd = rc;
	rc = sys->read(sys->sys_ctx, fd, &count);
	sys->close(sys->sys_ctx, fd);
	if (rc) {
		snprintf(why, why_len, "perf power PMU: read of power/%s/ on cpu %d failed: %s",
			 pmu.ev[0].name, pmu.cpu[0], jb_strerror(rc));
		/* -EINVAL from a probe means bad configuration (exit 2); this is the kernel's. */
		return rc == -EINVAL ? -EIO : rc;
	}
	snprintf(why, why_len, "perf power PMU type %u: %zu event(s) on %d package CPU(s), "
		 "system-wide counting allowed, %s reads %llu", pmu.type, pmu.n_events, pmu.n_cpus,
		 pmu.ev[0].name, (unsigned long long)count);
	return 0;
}

static int
perf_probe(const struct jb_ctx *ctx, char *why, size_t why_len)
{
	return rapl_perf_probe_with(ctx, &perf_kernel, why, why_len);
}

static void
perf_close(void *priv)
{
	struct rapl_perf_state *s = priv;
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		s->sys.close(s->sys.sys_ctx, s->fd[i]);
	free(s);
}

/* Name domain @k of package index @p; 0 = skip it (psys is counted once). */
static int
domain_fill(const struct perf_pmu *pmu, int p, int k, struct meter_domain *d, int have_psys)
{
	memset(d, 0, sizeof(*d));
	if (strcmp(perf_event_order[k].domain, "psys") == 0) {
		if (p != 0)
			return 0; /* one platform: read it on the first package's CPU only */
		snprintf(d->name, sizeof(d->name), "psys");
		d->scope = JB_SCOPE_PSYS;
		return 1;
	}
	snprintf(d->name, sizeof(d->name), "%s-%d", perf_event_order[k].domain, pmu->pkg_id[p]);
	d->scope = jb_scope_of_rapl_domain(d->name);
	if (perf_event_order[k].child_of_pkg)
		snprintf(d->parent, sizeof(d->parent), "package-%d", pmu->pkg_id[p]);
	else if (k == 0 && have_psys)
		snprintf(d->parent, sizeof(d->parent), "psys"); /* psys contains the packages */
	return 1;
}

int
rapl_perf_open_with(const struct jb_ctx *ctx, const struct rapl_perf_sys *sys, void **priv,
		    struct meter_info *info, struct jb_err *err)
{
	struct rapl_perf_state *s;
	struct perf_pmu pmu;
	char why[1024];
	int p, have_psys = 0, rc;
	size_t e;

	rc = pmu_discover(ctx, &pmu, why, sizeof(why));
	if (rc)
		return jb_err_set(err, rc, "rapl-perf: %s", why);
	s = calloc(1, sizeof(*s));
	if (!s)
		return jb_err_set(err, -ENOMEM, "rapl-perf: out of memory");
	s->sys = *sys;
	for (e = 0; e < pmu.n_events; e++)
		have_psys |= strcmp(pmu.ev[e].name, "energy-psys") == 0;
	for (p = 0; p < pmu.n_cpus; p++) {
		for (e = 0; e < pmu.n_events; e++) {
			struct meter_domain *d = &info->domain[info->n_domains];
			struct perf_event_attr attr;

			if (!domain_fill(&pmu, p, pmu.ev[e].rank, d, have_psys))
				continue;
			if (info->n_domains == METER_DOMAINS_MAX) {
				rc = jb_err_set(err, -E2BIG, "rapl-perf: more than %d domains",
						METER_DOMAINS_MAX);
				goto fail;
			}
			memset(&attr, 0, sizeof(attr));
			attr.type = pmu.type;
			attr.size = sizeof(attr);
			attr.config = pmu.ev[e].config;
			rc = s->sys.open(s->sys.sys_ctx, &attr, pmu.cpu[p]);
			if (rc < 0) {
				explain_open_error(rc, &pmu.ev[e], pmu.cpu[p], why, sizeof(why));
				jb_err_set(err, rc, "rapl-perf: %s", why);
				goto fail;
			}
			s->fd[s->n] = rc;
			/* J per count to µJ per count; the count is 64-bit and never wraps. */
			s->uj_per_count[s->n++] = pmu.ev[e].scale_j * 1e6;
			info->n_domains++;
		}
	}
	/* The count's step is 2^-32 J, but the hardware's energy status unit is 2^-14 J (61 µJ)
	 * on most recent Intel parts, 2^-16 J on AMD (research/meters.md §5): declare the
	 * coarser. The MSRs update every ~1 ms (Intel SDM, quoted in meters.md §5); a window
	 * of 100 updates keeps the endpoint jitter near 1-2%. */
	info->resolution_j = 61e-6;
	/* Its domains are this machine's own (meter.h): the probe's load must show. */
	info->measures_host = 1;
	info->update_interval_ns = 1000000;
	info->min_window_ns = 100000000;
	snprintf(info->detail, sizeof(info->detail),
		 "perf_event power PMU type %u, %zu event(s) on %d package CPU(s), scale %.6g J",
		 pmu.type, pmu.n_events, pmu.n_cpus, pmu.ev[0].scale_j);
	*priv = s;
	return 0;
fail:
	perf_close(s);
	info->n_domains = 0;
	return rc;
}

static int
perf_open(const struct jb_ctx *ctx, void **priv, struct meter_info *info, struct jb_err *err)
{
	return rapl_perf_open_with(ctx, &perf_kernel, priv, info, err);
}

static int
perf_read(void *priv, struct meter_reading *out)
{
	struct rapl_perf_state *s = priv;
	size_t i;

	for (i = 0; i < s->n; i++) {
		uint64_t count;
		int rc = s->sys.read(s->sys.sys_ctx, s->fd[i], &count);

		if (rc)
			return rc;
		out->energy_uj[i] = (uint64_t)((double)count * s->uj_per_count[i]);
	}
	out->t_ns = jb_clock_mono_ns();
	return 0;
}

const struct meter_ops meter_rapl_perf = {
	.name = "rapl-perf",
	.summary = "RAPL energy via the perf_event power PMU (system-wide, one CPU per package)",
	.kind = METER_KIND_MEASURED,
	.probe = perf_probe,
	.open = perf_open,
	.read = perf_read,
	.close = perf_close,
};
