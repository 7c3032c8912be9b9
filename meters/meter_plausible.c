/* SPDX-License-Identifier: MIT */
/*
 * Is a measured number physically possible? The plausible power range of each kind of
 * energy domain, and the per-window check the measurement protocol runs before it writes
 * a window's rows (DESIGN §4 step 5): a window whose energy is not positive, or whose mean
 * power lies outside the summed range of the selected domains, is flagged with the reason.
 * A dead counter (a virtualized PMU reading a constant 0, a frozen powercap file) fails
 * here on every window, so it can never produce an `ok` row; only a core or uncore plane
 * inside its package may count 0 J (power-gated) without a flag. The model meter is an
 * estimate, not a measurement: only a non-finite or negative energy is refused for it.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "meter.h"

struct domain_range {
	const char *prefix; /* matches "prefix" or "prefix-N" */
	double min_w, max_w;
};

/*
 * Lower bounds: a domain that is powered draws more than a fraction of a watt. A client
 * package in its deepest package C-state (PC10) draws about 0.1 W ("Intel 8th and 9th
 * Generation Core Processor Families datasheet vol. 1", package C-state power table), so
 * 0.05 W is below anything a live package reports over a window. DRAM self-refresh keeps
 * a DIMM above ~0.1 W; core and uncore planes can be power-gated to ~0 W, so they have no
 * lower bound. A board (INA219 on its supply) powers at least a SoC and its regulators:
 * a Raspberry Pi Zero idles at about 0.4 W (raspberrypi.com power figures), so 0.1 W.
 * A whole machine at its plug (`wall`: a BMC's reading, or the tinkerforge Energy Monitor on
 * its power cable; scope wall-ac) draws at least what a board draws plus its power supply's
 * loss, so the same 0.1 W floor: an Energy Monitor may be on a small board's plug, while a
 * 1U server idles near 50 W or more (SPECpower_ssj2008 results list idle power of 40-200 W).
 * A reading of 0 W means a sensor that reports nothing, not a machine that draws nothing.
 * Upper bounds: METER_PLAUSIBLE_POWER_W per domain (meter.h): ten times the highest
 * server-CPU TDP, so only impossible values are refused.
 */
static const struct domain_range ranges[] = {
	{ "package", 0.05, METER_PLAUSIBLE_POWER_W },
	{ "psys", 0.05, METER_PLAUSIBLE_POWER_W },
	{ "dram", 0.01, METER_PLAUSIBLE_POWER_W },
	{ "core", 0.0, METER_PLAUSIBLE_POWER_W },
	{ "uncore", 0.0, METER_PLAUSIBLE_POWER_W },
	{ "board", 0.1, METER_PLAUSIBLE_POWER_W },
	{ "wall", 0.1, METER_PLAUSIBLE_POWER_W },
};

static int
prefix_matches(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(name, prefix, n) == 0 && (name[n] == '\0' || name[n] == '-');
}

void
meter_domain_power_range_w(const char *domain, double *min_w, double *max_w)
{
	size_t i;

	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (prefix_matches(domain, ranges[i].prefix)) {
			*min_w = ranges[i].min_w;
			*max_w = ranges[i].max_w;
			return;
		}
	/* An unknown sensor (a hwmon chip of any kind): positive and possible. */
	*min_w = 0.0;
	*max_w = METER_PLAUSIBLE_POWER_W;
}

void
meter_power_range_w(const struct meter *m, double *min_w, double *max_w)
{
	size_t i;

	*min_w = 0.0;
	*max_w = 0.0;
	for (i = 0; i < m->info.n_domains; i++) {
		double lo, hi;

		if (!m->selected[i])
			continue;
		meter_domain_power_range_w(m->info.domain[i].name, &lo, &hi);
		*min_w += lo;
		*max_w += hi;
	}
}

int
meter_domain_may_gate(const struct meter *m, size_t i)
{
	double lo_w, hi_w;

	meter_domain_power_range_w(m->info.domain[i].name, &lo_w, &hi_w);
	return lo_w <= 0 && m->info.domain[i].parent[0];
}

int
meter_selection_may_gate(const struct meter *m)
{
	size_t i, n = 0;

	for (i = 0; i < m->info.n_domains; i++) {
		if (!m->selected[i])
			continue;
		if (!meter_domain_may_gate(m, i))
			return 0;
		n++;
	}
	return n > 0;
}

int
meter_window_check(const struct meter *m, double energy_j, uint64_t window_ns, char *why,
		   size_t why_len)
{
	double min_w, max_w, power_w;

	if (!isfinite(energy_j)) {
		snprintf(why, why_len, "no energy reading for the window (a failed meter read)");
		return -EIO;
	}
	if (window_ns == 0) {
		snprintf(why, why_len, "window of zero length");
		return -ERANGE;
	}
	if (m->ops && m->ops->kind == METER_KIND_MODELED) {
		if (energy_j < 0) {
			snprintf(why, why_len, "negative modeled energy %.6g J", energy_j);
			return -ERANGE;
		}
		return 0;
	}
	/* A core or uncore plane inside a live package may be power-gated for a whole
	 * window: 0 J is what it draws then, not a dead counter (the liveness probe judged
	 * the package). A top-level domain standing still is dead. */
	if (energy_j == 0 && meter_selection_may_gate(m))
		return 0;
	if (energy_j <= 0) {
		snprintf(why, why_len,
			 "energy %.6g J <= 0 over %.3f s: the counter did not advance (a dead or "
			 "virtualized meter?)",
			 energy_j, (double)window_ns / 1e9);
		return -ERANGE;
	}
	meter_power_range_w(m, &min_w, &max_w);
	power_w = energy_j / ((double)window_ns / 1e9);
	if (power_w < min_w || power_w > max_w) {
		snprintf(why, why_len, "power %.4g W outside the plausible %.3g-%.4g W of domain %s",
			 power_w, min_w, max_w, m->selection[0] ? m->selection : "(selected)");
		return -ERANGE;
	}
	return 0;
}
