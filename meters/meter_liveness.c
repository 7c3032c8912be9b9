/* SPDX-License-Identifier: MIT */
/*
 * The liveness probe (DESIGN §1): a measured meter proves that it counts before a single
 * row is measured with it. On an Intel KVM guest the perf `power` PMU may list only
 * energy-psys and read a constant 0; a powercap tree may hold counters that never move;
 * a counter may run backwards; a power sensor may be stuck at one value, whose integral
 * still advances steadily. Each would otherwise produce rows labelled `measured` with 0 J
 * or garbage. The probe samples the meter through an idle phase and a loaded phase (the
 * given CPUs busy), each a bounded time (several update intervals, well under 1 s for
 * RAPL), and asks of each domain it judges: did it advance by clearly more than its
 * resolution, without a rejected sample, at a power its kind of domain can draw
 * (meter_plausible.c), and, for a sampled power, did the readings change at all? A domain
 * whose kind may draw 0 W (a core or uncore plane, which the package power-gates) is
 * judged by the package-level domain above it and may stand still. A meter on this
 * machine must also draw more under the load than at idle, by more than its idle noise;
 * one that does not is reported as not following load (meter_check.h).
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
/* Slices per phase: enough for a spread of the idle power, few enough that each slice
 * still spans about 10 update intervals of a fast counter (200 ms / 4 over 1 ms). */
#define LIVENESS_SLICES 4
/* Loaded power must exceed idle by this many idle standard deviations (about 95% one
 * sided for a normal spread), and by the slices' own quantisation. */
#define LIVENESS_NOISE_SIGMAS 2.0

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

/* The domain that answers for domain @i: itself, unless its kind may draw 0 W; then the
 * nearest enclosing domain whose kind may not (a core or uncore plane's package). */
static size_t
liveness_judge(const struct meter *m, size_t i)
{
	size_t hops;

	for (hops = 0; hops < METER_DOMAINS_MAX; hops++) {
		size_t j;

		if (!meter_domain_may_gate(m, i))
			return i;
		for (j = 0; j < m->info.n_domains; j++)
			if (!strcmp(m->info.domain[j].name, m->info.domain[i].parent))
				break;
		if (j == m->info.n_domains)
			return i;
		i = j;
	}
	return i;
}

struct liveness_phase {
	double power_w[LIVENESS_SLICES]; /* of the judged domains, summed */
	double mean_w, sd_w, slice_s;
};

/* Sample @m at the end of each of LIVENESS_SLICES slices of @phase_ns; @judged says which
 * domains the powers sum. @last is the sample the phase starts from, updated. */
static int
liveness_phase_run(struct meter *m, const int *judged, uint64_t phase_ns,
		   struct meter_sample *last, struct liveness_phase *ph)
{
	double before_j[METER_DOMAINS_MAX], sum = 0, ss = 0;
	size_t i, k;
	int rc;

	for (k = 0; k < LIVENESS_SLICES; k++) {
		struct meter_sample s;
		double d_j = 0, dt_s;

		memcpy(before_j, m->total_j, sizeof(before_j));
		jb_clock_sleep_ns(phase_ns / LIVENESS_SLICES);
		rc = meter_sample(m, &s);
		if (rc)
			return rc;
		for (i = 0; i < m->info.n_domains; i++)
			if (judged[i])
				d_j += m->total_j[i] - before_j[i];
		dt_s = (double)(s.t_ns - last->t_ns) / 1e9;
		ph->power_w[k] = dt_s > 0 ? d_j / dt_s : 0;
		*last = s;
	}
	for (k = 0; k < LIVENESS_SLICES; k++)
		sum += ph->power_w[k];
	ph->mean_w = sum / LIVENESS_SLICES;
	for (k = 0; k < LIVENESS_SLICES; k++)
		ss += (ph->power_w[k] - ph->mean_w) * (ph->power_w[k] - ph->mean_w);
	ph->sd_w = sqrt(ss / (LIVENESS_SLICES - 1));
	ph->slice_s = (double)phase_ns / LIVENESS_SLICES / 1e9;
	return 0;
}

/* Is each judged domain alive over the loaded phase of @dt_s (of a @probe_s probe)? 0, or
 * -ENODATA with the reason. */
static int
liveness_domains_judge(const struct meter *m, const int *judged, const double *before_j,
		       const uint64_t *changes0, double dt_s, double probe_s, size_t n_cores,
		       char *why, size_t why_len)
{
	size_t i;

	for (i = 0; i < m->info.n_domains; i++) {
		const char *name = m->info.domain[i].name;
		double d_j = m->total_j[i] - before_j[i], lo_w, hi_w, p_w;

		if (!judged[i])
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
		/* Its integral advanced, but a sensor whose readings never changed while the
		 * machine went from idle to busy is stuck at one value. (The value shown is the
		 * integral over the probe's time, so three digits: the sampler's own timing moves
		 * the fourth, 1.603 W for a file holding 1.6 W under ASan on a loaded machine.) */
		if (m->info.domain[i].power_sampled && m->power_changes[i] == changes0[i]) {
			snprintf(why, why_len,
				 "%s read the same power (%.3g W) all through the %.2f s probe, idle "
				 "and with %zu core%s busy: a stuck sensor",
				 name, p_w, probe_s, n_cores, n_cores == 1 ? "" : "s");
			return -ENODATA;
		}
	}
	return 0;
}

int
meter_liveness_check(struct meter *m, const int *cores, size_t n_cores, char *why,
		     size_t why_len)
{
	double before_j[METER_DOMAINS_MAX], floor_w, need_w;
	uint64_t changes0[METER_DOMAINS_MAX];
	int judged[METER_DOMAINS_MAX] = { 0 };
	struct liveness_phase idle, load;
	struct meter_sample s0, s1, last;
	struct meter_load *ml;
	struct jb_err err;
	char gated[160] = "";
	uint64_t probe_ns;
	double dt_s;
	size_t i;
	int rc;

	snprintf(why, why_len, "alive");
	if (!m->ops || m->ops->kind == METER_KIND_MODELED)
		return 0;
	for (i = 0; i < m->info.n_domains; i++)
		if (m->selected[i])
			judged[liveness_judge(m, i)] = 1;
	probe_ns = meter_liveness_probe_ns(m);
	rc = meter_sample(m, &s0);
	if (rc) {
		snprintf(why, why_len, "read failed: %s", jb_strerror(rc));
		return rc;
	}
	memcpy(changes0, m->power_changes, sizeof(changes0));
	last = s0;
	rc = liveness_phase_run(m, judged, probe_ns, &last, &idle);
	if (rc) {
		snprintf(why, why_len, "read failed: %s", jb_strerror(rc));
		return rc;
	}
	memcpy(before_j, m->total_j, sizeof(before_j));
	s1 = last;
	rc = meter_load_start(&ml, cores, n_cores, &err);
	if (rc) {
		snprintf(why, why_len, "%s", err.msg);
		return rc;
	}
	rc = liveness_phase_run(m, judged, probe_ns, &last, &load);
	meter_load_stop(ml);
	if (rc) {
		snprintf(why, why_len, "read failed: %s", jb_strerror(rc));
		return rc;
	}
	dt_s = (double)(last.t_ns - s1.t_ns) / 1e9;
	if (last.rejected != s0.rejected) {
		snprintf(why, why_len,
			 "a counter went backwards or jumped during the %.2f s probe (a reset?)",
			 (double)(last.t_ns - s0.t_ns) / 1e9);
		return -ENODATA;
	}
	rc = liveness_domains_judge(m, judged, before_j, changes0, dt_s,
				    (double)(last.t_ns - s0.t_ns) / 1e9, n_cores, why, why_len);
	if (rc)
		return rc;
	/* A summed plane that stood still under its live package: power-gated, not dead. */
	for (i = 0; i < m->info.n_domains; i++) {
		size_t used = strlen(gated);

		if (m->selected[i] && !judged[i] &&
		    m->total_j[i] - before_j[i] <= LIVENESS_RESOLUTIONS * m->info.resolution_j)
			snprintf(gated + used, sizeof(gated) - used, "; %s 0 W (power-gated?)",
				 m->info.domain[i].name);
	}
	/* What the slices' own quantisation allows: each endpoint off by one counter step
	 * and one update's energy (the window engine's uncertainty, protocol/window.c). */
	floor_w = 2.0 * (m->info.resolution_j +
			 idle.mean_w * (double)m->info.update_interval_ns / 1e9) / idle.slice_s;
	need_w = fmax(LIVENESS_NOISE_SIGMAS * idle.sd_w, floor_w);
	/* A slice shorter than two updates of the source holds no spread worth the name: a
	 * sensor that slow is left to the run's own check (protocol/session.c), over windows
	 * of 100 updates. */
	if (m->info.measures_host && n_cores &&
	    idle.slice_s >= 2.0 * (double)m->info.update_interval_ns / 1e9 &&
	    !(load.mean_w - idle.mean_w > need_w)) {
		snprintf(why, why_len,
			 "alive, but does not follow load: %.4g W with %zu core%s busy against "
			 "%.4g W idle, not above it by more than its idle noise %.3g W (a sensor "
			 "on another supply, or a value that does not follow this machine?)%s",
			 load.mean_w, n_cores, n_cores == 1 ? "" : "s", idle.mean_w, need_w, gated);
		return METER_LIVE_NO_LOAD;
	}
	snprintf(why, why_len, "alive: advanced at a plausible power in a %.2f s probe with %zu "
		 "core%s busy (%.4g W, %.4g W idle)%s", dt_s, n_cores, n_cores == 1 ? "" : "s",
		 load.mean_w, idle.mean_w, gated);
	return 0;
}
