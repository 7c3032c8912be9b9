/* SPDX-License-Identifier: MIT */
/*
 * The liveness probe (DESIGN §1): a measured meter proves that it counts before a single
 * row is measured with it. On an Intel KVM guest the perf `power` PMU may list only
 * energy-psys and read a constant 0; a powercap tree may hold counters that never move;
 * a counter may run backwards. Each would otherwise produce rows labelled `measured` with
 * 0 J or garbage. The probe samples every selected domain, keeps the given CPUs busy for a
 * bounded time (several update intervals, well under 1 s for RAPL), samples again, and asks
 * of each domain: did it advance by clearly more than its resolution, without a rejected
 * sample, at a power its kind of domain can draw (meter_plausible.c)?
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "jb_clock.h"
#include "meter_check.h"

/* "Clearly more than its resolution": four steps, so one quantisation step at each end of
 * the probe (the reading's ±1 LSB) cannot make a frozen counter look alive. */
#define LIVENESS_RESOLUTIONS 4.0

uint64_t
meter_liveness_probe_ns(const struct meter *m)
{
	uint64_t upd = m->info.update_interval_ns ? m->info.update_interval_ns : 1000000;
	uint64_t ns = 40 * upd;

	if (ns < 200000000u)
		ns = 200000000u;
	if (ns > 500000000u)
		ns = 500000000u;
	/* A slow sensor (a hwmon chip updating every 0.5 s) shows an advance only after a few
	 * of its intervals: waiting less would call a live meter dead. */
	if (3 * upd > ns)
		ns = 3 * upd < 5000000000u ? 3 * upd : 5000000000u;
	return ns;
}

int
meter_liveness_check(struct meter *m, const int *cores, size_t n_cores, char *why,
		     size_t why_len)
{
	double before_j[METER_DOMAINS_MAX];
	struct meter_sample s0, s1;
	struct meter_load *load;
	struct jb_err err;
	uint64_t probe_ns;
	double dt_s;
	size_t i;
	int rc;

	snprintf(why, why_len, "alive");
	if (!m->ops || m->ops->kind == METER_KIND_MODELED)
		return 0;
	probe_ns = meter_liveness_probe_ns(m);
	rc = meter_sample(m, &s0);
	if (rc) {
		snprintf(why, why_len, "read failed: %s", jb_strerror(rc));
		return rc;
	}
	memcpy(before_j, m->total_j, sizeof(before_j));
	rc = meter_load_start(&load, cores, n_cores, &err);
	if (rc) {
		snprintf(why, why_len, "%s", err.msg);
		return rc;
	}
	jb_clock_sleep_ns(probe_ns);
	rc = meter_sample(m, &s1);
	meter_load_stop(load);
	if (rc) {
		snprintf(why, why_len, "read failed: %s", jb_strerror(rc));
		return rc;
	}
	dt_s = (double)(s1.t_ns - s0.t_ns) / 1e9;
	if (s1.rejected != s0.rejected) {
		snprintf(why, why_len,
			 "a counter went backwards or jumped during the %.2f s probe (a reset?)", dt_s);
		return -ENODATA;
	}
	for (i = 0; i < m->info.n_domains; i++) {
		const char *name = m->info.domain[i].name;
		double d_j = m->total_j[i] - before_j[i], lo_w, hi_w, p_w;

		if (!m->selected[i])
			continue;
		if (d_j <= 0) {
			snprintf(why, why_len,
				 "%s did not advance in %.2f s with %zu core%s busy (a virtualized "
				 "PMU or a frozen counter?)",
				 name, dt_s, n_cores, n_cores == 1 ? "" : "s");
			return -ENODATA;
		}
		if (d_j <= LIVENESS_RESOLUTIONS * m->info.resolution_j) {
			snprintf(why, why_len,
				 "%s advanced only %.3g J in %.2f s with %zu core%s busy, under %g x "
				 "its resolution %.3g J (a frozen counter?)",
				 name, d_j, dt_s, n_cores, n_cores == 1 ? "" : "s",
				 LIVENESS_RESOLUTIONS, m->info.resolution_j);
			return -ENODATA;
		}
		meter_domain_power_range_w(name, &lo_w, &hi_w);
		p_w = dt_s > 0 ? d_j / dt_s : INFINITY;
		if (p_w < lo_w || p_w > hi_w) {
			snprintf(why, why_len,
				 "%s drew %.4g W in the %.2f s probe with %zu core%s busy, outside "
				 "the plausible %.3g-%.4g W of its kind",
				 name, p_w, dt_s, n_cores, n_cores == 1 ? "" : "s", lo_w, hi_w);
			return -ENODATA;
		}
	}
	snprintf(why, why_len, "alive: advanced at a plausible power in a %.2f s probe with %zu "
		 "core%s busy", dt_s, n_cores, n_cores == 1 ? "" : "s");
	return 0;
}
