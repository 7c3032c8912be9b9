/* SPDX-License-Identifier: MIT */
/*
 * What `joulebench check` and `joulebench calibrate` measure of a meter (meter_check.h):
 * how often its counter really changes and by how little, its power with nothing started,
 * its power at 0..N busy cores (the load ladder), and whether two meters reading the same
 * domain count the same energy. Only measurements: the fit, the verdicts and the output
 * live in analysis/ and bench/.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jb_clock.h"
#include "meter_check.h"

static int
first_selected(const struct meter *m)
{
	size_t i;

	for (i = 0; i < m->info.n_domains; i++)
		if (m->selected[i])
			return (int)i;
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Intervals kept for the median: the first ones seen, enough for 0.2 s of a fast counter. */
#define UPDATES_KEPT 4096

int
meter_updates_measure(struct meter *m, uint64_t poll_ns, struct meter_updates *out)
{
	static const size_t kept_max = UPDATES_KEPT;
	uint64_t kept[UPDATES_KEPT];
	struct meter_reading r;
	uint64_t t0, last_t = 0, prev_uj = 0, step_min = UINT64_MAX;
	int d = first_selected(m), rc, have = 0;
	size_t n_kept = 0;

	memset(out, 0, sizeof(*out));
	t0 = jb_clock_mono_ns();
	do {
		memset(&r, 0, sizeof(r));
		rc = m->ops->read(m->priv, &r);
		if (rc)
			return rc;
		if (have && r.energy_uj[d] != prev_uj) {
			/* A backwards step is a wrap or a reset, not the counter's step size. */
			if (r.energy_uj[d] > prev_uj && r.energy_uj[d] - prev_uj < step_min)
				step_min = r.energy_uj[d] - prev_uj;
			if (out->changes++ && n_kept < kept_max)
				kept[n_kept++] = r.t_ns - last_t;
			last_t = r.t_ns;
		}
		prev_uj = r.energy_uj[d];
		have = 1;
	} while (jb_clock_mono_ns() - t0 < poll_ns);
	out->polled_s = (double)(jb_clock_mono_ns() - t0) / 1e9;
	if (out->changes < 3)
		return -ENODATA;
	/* The median, not the mean: a reader descheduled once (a busy machine) must not make
	 * the counter look slower than it is. */
	qsort(kept, n_kept, sizeof(kept[0]), cmp_u64);
	out->interval_s = (double)kept[n_kept / 2] / 1e9;
	out->step_min_j = step_min == UINT64_MAX ? NAN : (double)step_min / 1e6;
	return 0;
}

int
meter_power_series(struct meter *m, uint64_t window_ns, size_t n, double *power_w)
{
	struct meter_sample a, b;
	size_t i;
	int rc = meter_sample(m, &a);

	if (rc)
		return rc;
	for (i = 0; i < n; i++) {
		jb_clock_sleep_ns(window_ns);
		rc = meter_sample(m, &b);
		if (rc)
			return rc;
		power_w[i] = (b.energy_j - a.energy_j) / ((double)(b.t_ns - a.t_ns) / 1e9);
		a = b;
	}
	return 0;
}

int
meter_ladder_run(struct meter *m, const int *cores, size_t n_cores, uint64_t step_ns,
		 const volatile sig_atomic_t *stop, struct meter_ladder_step *steps,
		 struct jb_err *err)
{
	size_t k;
	int rc;

	for (k = 0; k <= n_cores; k++) {
		struct meter_sample a, b;
		struct meter_load *load;
		uint64_t cpu_a = 0, cpu_b = 0;
		double wall_s;

		if (stop && *stop)
			break;
		rc = meter_load_start(&load, cores, k, err);
		if (rc)
			return rc;
		/* Let the load settle (frequency, the first update after it) before the window. */
		jb_clock_sleep_ns(step_ns / 10);
		rc = meter_sample(m, &a);
		if (rc == 0) {
			/* The CPU time this process got inside the window, all threads: what drives
			 * the power, whether or not the scheduler gave the load its cores. */
			cpu_a = jb_clock_process_cpu_ns();
			jb_clock_sleep_ns(step_ns);
			cpu_b = jb_clock_process_cpu_ns();
			rc = meter_sample(m, &b);
		}
		meter_load_stop(load);
		if (rc)
			return jb_err_set(err, rc, "meter %s: read failed at %zu busy cores: %s",
					  m->ops->name, k, jb_strerror(rc));
		wall_s = (double)(b.t_ns - a.t_ns) / 1e9;
		steps[k].cores_busy = (unsigned)k;
		steps[k].wall_s = wall_s;
		steps[k].power_w = (b.energy_j - a.energy_j) / wall_s;
		steps[k].busy_cores = (double)(cpu_b - cpu_a) / 1e9 / wall_s;
	}
	return (int)k;
}

int
meter_agree(struct meter *a, struct meter *b, uint64_t window_ns, struct meter_agreement *out)
{
	double a0[METER_DOMAINS_MAX], b0[METER_DOMAINS_MAX];
	struct meter_sample sa0, sb0, sa1, sb1;
	size_t i, j, n = 0;
	int rc;

	/* Read back to back, in the same order at both ends, so both windows have the same
	 * length to within the cost of one read. */
	if ((rc = meter_sample(a, &sa0)) || (rc = meter_sample(b, &sb0)))
		return rc;
	memcpy(a0, a->total_j, sizeof(a0));
	memcpy(b0, b->total_j, sizeof(b0));
	jb_clock_sleep_ns(window_ns);
	if ((rc = meter_sample(a, &sa1)) || (rc = meter_sample(b, &sb1)))
		return rc;
	for (i = 0; i < a->info.n_domains; i++)
		for (j = 0; j < b->info.n_domains; j++) {
			struct meter_agreement *g = &out[n];
			double mean;

			if (strcmp(a->info.domain[i].name, b->info.domain[j].name) != 0)
				continue;
			snprintf(g->domain, sizeof(g->domain), "%s", a->info.domain[i].name);
			snprintf(g->scope_a, sizeof(g->scope_a), "%s",
				 jb_scope_name(a->info.domain[i].scope));
			snprintf(g->scope_b, sizeof(g->scope_b), "%s",
				 jb_scope_name(b->info.domain[j].scope));
			g->scopes_differ = strcmp(g->scope_a, g->scope_b) != 0;
			g->a_j = a->total_j[i] - a0[i];
			g->b_j = b->total_j[j] - b0[j];
			mean = 0.5 * (g->a_j + g->b_j);
			g->diff_rel = mean > 0 ? fabs(g->a_j - g->b_j) / mean : INFINITY;
			g->window_s = (double)(sa1.t_ns - sa0.t_ns) / 1e9;
			n++;
		}
	if (!n && strcmp(a->scope, b->scope)) {
		struct meter_agreement *g = &out[n++];

		snprintf(g->domain, sizeof(g->domain), "%.15s/%.15s", a->selection, b->selection);
		snprintf(g->scope_a, sizeof(g->scope_a), "%s", a->scope);
		snprintf(g->scope_b, sizeof(g->scope_b), "%s", b->scope);
		g->scopes_differ = 1;
		g->a_j = sa1.energy_j - sa0.energy_j;
		g->b_j = sb1.energy_j - sb0.energy_j;
		g->diff_rel = NAN;
		g->window_s = (double)(sa1.t_ns - sa0.t_ns) / 1e9;
	}
	return (int)n;
}
