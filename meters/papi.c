/* SPDX-License-Identifier: MIT */
/*
 * The `papi` meter: RAPL package (and DRAM) energy through PAPI named events, built only
 * when meson found PAPI (JB_HAVE_PAPI). Where the installed PAPI has the `rapl` component
 * (nJ) or the `powercap` component (µJ) they are used; Debian's PAPI 7.0 has neither, only
 * perf_event_uncore, whose libpfm4 events rapl::RAPL_ENERGY_PKG:cpu=N (Intel) and
 * amd64_rapl::RAPL_ENERGY_PKG:cpu=N (AMD) count in 2^-32 J (research/meters.md §3.2).
 * A listed event is not an available one (a VM lists amd64_rapl and fails at start), so the
 * probe adds AND starts every candidate and reports each failure. One event set per event:
 * uncore events on different CPUs cannot share one. PAPI counts from 0 at PAPI_start in
 * 64 bits, so there is no wrap to handle here.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <papi.h>

#include "jb_clock.h"
#include "meter-private.h"

#define PAPI_PKGS_MAX 8

/* Candidate event families, best first; %d is the package (rapl) or its CPU (uncore). */
static const struct {
	const char *pkg_fmt;
	const char *dram_fmt;   /* NULL: no DRAM event in this family */
	double uj_per_count;
	const char *unit;
	int by_cpu;             /* %d is a CPU of the package, not the package number */
} papi_families[] = {
	/* rapl component: PACKAGE_ENERGY in nJ (papi src/components/rapl/linux-rapl.c). */
	{ "rapl:::PACKAGE_ENERGY:PACKAGE%d", "rapl:::DRAM_ENERGY:PACKAGE%d", 1e-3, "nJ", 0 },
	/* perf_event_uncore + libpfm4: "Unit is 2^-32 Joules" (libpfm4 pfmlib_intel_rapl.c). */
	{ "rapl::RAPL_ENERGY_PKG:cpu=%d", "rapl::RAPL_ENERGY_DRAM:cpu=%d", 1e6 / 4294967296.0,
	  "2^-32 J", 1 },
	{ "amd64_rapl::RAPL_ENERGY_PKG:cpu=%d", NULL, 1e6 / 4294967296.0, "2^-32 J", 1 },
	/* powercap component: ENERGY_UJ of zone N, in µJ (linux-powercap.c). Zone order is
	 * not package order, so these are named by zone, not as packages. */
	{ "powercap:::ENERGY_UJ:ZONE%d", NULL, 1.0, "uJ", 0 },
};
#define PAPI_FAMILIES_N (sizeof(papi_families) / sizeof(papi_families[0]))

struct papi_state {
	size_t n;
	int set[METER_DOMAINS_MAX];
	double uj_per_count[METER_DOMAINS_MAX];
};

static int
papi_init(char *why, size_t len)
{
	int rc;

	if (PAPI_is_initialized() != PAPI_NOT_INITED)
		return 0;
	rc = PAPI_library_init(PAPI_VER_CURRENT);
	if (rc != PAPI_VER_CURRENT) {
		snprintf(why, len, "PAPI_library_init: %s", rc > 0 ? "version mismatch"
								   : PAPI_strerror(rc));
		return -ENODEV;
	}
	return 0;
}

/* Add and start @name in a new event set. 0 with *set running, or the PAPI error. */
static int
papi_event_start(const char *name, int *set, const char **step)
{
	int rc;

	*set = PAPI_NULL;
	*step = "create";
	rc = PAPI_create_eventset(set);
	if (rc != PAPI_OK)
		return rc;
	*step = "add";
	rc = PAPI_add_named_event(*set, name);
	if (rc == PAPI_OK) {
		*step = "start";
		rc = PAPI_start(*set);
		if (rc == PAPI_OK)
			return 0;
	}
	PAPI_cleanup_eventset(*set);
	PAPI_destroy_eventset(set);
	return rc;
}

static void
papi_event_stop(int *set)
{
	long long v;

	PAPI_stop(*set, &v);
	PAPI_cleanup_eventset(*set);
	PAPI_destroy_eventset(set);
}

/* The package CPUs from the perf power PMU when the kernel has one, else CPU 0. */
static int
papi_pkg_cpus(const struct jb_ctx *ctx, int *cpus)
{
	char path[512], buf[256];
	int n;

	snprintf(path, sizeof(path), "%s/bus/event_source/devices/power/cpumask",
		 ctx->sysfs_root ? ctx->sysfs_root : "/sys");
	if (meter__read_text(path, buf, sizeof(buf)) == 0 &&
	    (n = meter__cpulist_parse(buf, cpus, PAPI_PKGS_MAX)) > 0)
		return n;
	cpus[0] = 0;
	return 1;
}

static void
append(char *why, size_t len, const char *fmt, const char *a, const char *b)
{
	size_t used = strlen(why);

	if (used + 1 < len)
		snprintf(why + used, len - used, fmt, a, b);
}

static int
papi_probe(const struct jb_ctx *ctx, char *why, size_t why_len)
{
	static const char *const comps[] = { "rapl", "powercap", "perf_event_uncore" };
	char name[128];
	int cpus[PAPI_PKGS_MAX], set, rc;
	const char *step;
	size_t i;

	why[0] = '\0';
	rc = papi_init(why, why_len);
	if (rc)
		return rc;
	papi_pkg_cpus(ctx, cpus);
	for (i = 0; i < PAPI_FAMILIES_N; i++) {
		snprintf(name, sizeof(name), papi_families[i].pkg_fmt,
			 papi_families[i].by_cpu ? cpus[0] : 0);
		rc = papi_event_start(name, &set, &step);
		if (rc == 0) {
			papi_event_stop(&set);
			snprintf(why, why_len, "PAPI event %s adds and starts (unit %s)", name,
				 papi_families[i].unit);
			return 0;
		}
		append(why, why_len, "%s%s", why[0] ? "; " : "", name);
		append(why, why_len, ": %s: %s", step, PAPI_strerror(rc));
	}
	for (i = 0; i < 3; i++) {
		int cidx = PAPI_get_component_index(comps[i]);
		const PAPI_component_info_t *ci = cidx >= 0 ? PAPI_get_component_info(cidx) : NULL;

		if (!ci)
			append(why, why_len, "; component %s%s: not built into this PAPI", comps[i], "");
		else if (ci->disabled)
			append(why, why_len, "; component %s disabled: %s", comps[i], ci->disabled_reason);
	}
	append(why, why_len, "%s%s", ". The RAPL events need the kernel's perf power PMU (see "
	       "rapl-perf above: no PMU means no RAPL for PAPI either) or a PAPI built with the "
	       "rapl/powercap component; rapl-perf reads the same counters without PAPI", "");
	return -ENODEV;
}

static void
papi_close(void *priv)
{
	struct papi_state *s = priv;
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		papi_event_stop(&s->set[i]);
	free(s);
}

static int
papi_open(const struct jb_ctx *ctx, void **priv, struct meter_info *info, struct jb_err *err)
{
	struct papi_state *s;
	char why[1024] = "", name[128];
	int cpus[PAPI_PKGS_MAX], n_cpus, p, rc;
	const char *step;
	size_t f;

	if (papi_probe(ctx, why, sizeof(why)) != 0)
		return jb_err_set(err, -ENODEV, "papi: %.400s", why);
	s = calloc(1, sizeof(*s));
	if (!s)
		return jb_err_set(err, -ENOMEM, "papi: out of memory");
	n_cpus = papi_pkg_cpus(ctx, cpus);
	for (f = 0; f < PAPI_FAMILIES_N; f++) {
		snprintf(name, sizeof(name), papi_families[f].pkg_fmt,
			 papi_families[f].by_cpu ? cpus[0] : 0);
		if (papi_event_start(name, &s->set[0], &step) == 0) {
			papi_event_stop(&s->set[0]);
			break;
		}
	}
	for (p = 0; p < n_cpus && f < PAPI_FAMILIES_N; p++) {
		int arg = papi_families[f].by_cpu ? cpus[p] : p;
		int kind;

		for (kind = 0; kind < 2; kind++) {
			const char *fmt = kind ? papi_families[f].dram_fmt : papi_families[f].pkg_fmt;
			struct meter_domain *d = &info->domain[info->n_domains];

			if (!fmt || info->n_domains == METER_DOMAINS_MAX)
				continue;
			snprintf(name, sizeof(name), fmt, arg);
			rc = papi_event_start(name, &s->set[s->n], &step);
			if (rc) {
				if (kind)
					continue; /* DRAM is optional: many parts have none */
				papi_close(s);
				info->n_domains = 0;
				return jb_err_set(err, -EIO, "papi: %s: %s %s", name, step,
						  PAPI_strerror(rc));
			}
			memset(d, 0, sizeof(*d));
			if (strncmp(name, "powercap", 8) == 0) {
				snprintf(d->name, sizeof(d->name), "zone-%d", p);
				d->default_off = p > 0;
			} else {
				snprintf(d->name, sizeof(d->name), "%s-%d", kind ? "dram" : "package", p);
			}
			d->scope = kind ? JB_SCOPE_DRAM : JB_SCOPE_CPU_PACKAGE;
			s->uj_per_count[s->n++] = papi_families[f].uj_per_count;
			info->n_domains++;
		}
	}
	/* Same counters as rapl-perf: 61 µJ hardware unit, ~1 ms updates (meters.md §5). */
	info->resolution_j = 61e-6;
	/* Its domains are this machine's own (meter.h): the probe's load must show. */
	info->measures_host = 1;
	info->update_interval_ns = 1000000;
	info->min_window_ns = 100000000;
	snprintf(info->detail, sizeof(info->detail), "PAPI %d.%d, events like %.120s (unit %s)",
		 PAPI_VERSION_MAJOR(PAPI_VERSION), PAPI_VERSION_MINOR(PAPI_VERSION),
		 f < PAPI_FAMILIES_N ? papi_families[f].pkg_fmt : "?",
		 f < PAPI_FAMILIES_N ? papi_families[f].unit : "?");
	*priv = s;
	return 0;
}

static int
papi_read(void *priv, struct meter_reading *out)
{
	struct papi_state *s = priv;
	size_t i;

	for (i = 0; i < s->n; i++) {
		long long v;
		int rc = PAPI_read(s->set[i], &v);

		if (rc != PAPI_OK || v < 0)
			return rc == PAPI_ESYS ? -EIO : -ENODATA;
		out->energy_uj[i] = (uint64_t)((double)v * s->uj_per_count[i]);
	}
	out->t_ns = jb_clock_mono_ns();
	return 0;
}

const struct meter_ops meter_papi = {
	.name = "papi",
	.summary = "RAPL energy via PAPI named events (rapl, powercap or perf_event_uncore)",
	.kind = METER_KIND_MEASURED,
	.probe = papi_probe,
	.open = papi_open,
	.read = papi_read,
	.close = papi_close,
};
