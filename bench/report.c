/* SPDX-License-Identifier: MIT */
/*
 * The summary table (report.h). Energies are printed with SI prefixes chosen per value,
 * because kernels range from microjoules (size test) to joules (size large).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

static const char *
si(double v, const char *unit, char *buf, size_t len)
{
	static const struct { double f; const char *p; } scale[] = {
		{ 1, "" }, { 1e-3, "m" }, { 1e-6, "u" }, { 1e-9, "n" },
	};
	size_t i;

	if (isnan(v)) {
		snprintf(buf, len, "-");
		return buf;
	}
	for (i = 0; i < sizeof(scale) / sizeof(scale[0]) - 1; i++)
		if (fabs(v) >= scale[i].f)
			break;
	snprintf(buf, len, "%.4g %s%s", v / scale[i].f, scale[i].p, unit);
	return buf;
}

void
report_print_summary(FILE *f, struct summary *s)
{
	size_t i, k;
	int modeled = 0;

	fprintf(f, "%-12s %-5s %-8s %-14s %5s %13s %23s %13s %11s %9s %14s\n", "workload", "size",
		"driver", "meter", "win", "energy/inv", "IQR of windows", "dynamic/inv",
		"wall/inv*", "power", "energy/unit");
	for (i = 0; i < s->n; i++) {
		struct summary_group *g = &s->group[i];
		const struct summary_key *key = &g->key;
		struct summary_stats st;
		char a[32], b[32], c[32], d[32], e[32], p[32], u[64], iqr[80], meter[48], note[512];

		summary_group_stats(g, &st);
		modeled |= !strcmp(key->meter_kind, "modeled");
		snprintf(meter, sizeof(meter), "%s%s", key->meter,
			 strcmp(key->meter_kind, "modeled") ? "" : "*");
		snprintf(iqr, sizeof(iqr), "%s..%s", si(st.energy_q1_j, "J", a, sizeof(a)),
			 si(st.energy_q3_j, "J", b, sizeof(b)));
		snprintf(u, sizeof(u), "%s/%s", si(st.energy_per_unit_j, "J", e, sizeof(e)),
			 g->work_unit);
		fprintf(f, "%-12s %-5s %-8s %-14s %5zu %13s %23s %13s %11s %9s %14s\n", key->workload,
			key->size, key->driver, meter, st.n_windows,
			si(st.energy_median_j, "J", c, sizeof(c)), st.n_windows ? iqr : "-",
			si(st.dynamic_median_j, "J", d, sizeof(d)),
			si(st.wall_median_s, "s", a, sizeof(a)), si(st.mean_power_w, "W", p, sizeof(p)),
			st.n_windows ? u : "-");
		if (st.excluded[WINDOWS_UNTRUSTWORTHY] || st.excluded[WINDOWS_METER_ERROR] ||
		    st.excluded[WINDOWS_FAILED]) {
			fprintf(f, "%-12s   windows left out:", "");
			for (k = WINDOWS_METER_ERROR; k < WINDOWS_FATES; k++)
				if (st.excluded[k])
					fprintf(f, " %zu %s", st.excluded[k], windows_fate_name(k));
			fprintf(f, " (see the status and message columns)\n");
		}
		if (st.n_windows && st.n_windows < STATS_WINDOWS_MIN)
			fprintf(f, "%-12s   only %zu ok window(s): too few for an interval\n", "",
				st.n_windows);
		if (st.n_attributed)
			fprintf(f, "%-12s   %zu window(s): a co-located share by CPU time "
				   "(attribution, a model)\n", "", st.n_attributed);
		summary_dynamic_note(g, st.dynamic_median_j, note, sizeof(note));
		if (note[0])
			fprintf(f, "%-12s   %s\n", "", note);
	}
	if (modeled)
		fprintf(f, "* modeled: an estimate from CPU time and a platform power profile, not a "
			   "measurement\n");
	fprintf(f, "energy/inv, IQR: median and quartiles over ok warm windows (win) of each "
		   "window's energy per invocation; dynamic: minus idle power; wall/inv*: "
		   "descriptive, median of ok warm rows\n");
}
