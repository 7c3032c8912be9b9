/* SPDX-License-Identifier: MIT */
/*
 * Rows (rows.h): records to results rows, the split policies, the check that a CPU-time
 * split has every CPU time it needs, and the uncertainty that such a split adds.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "driver.h"
#include "rows.h"

const struct rows_policy rows_split_round_trip = { "window-split-by-round-trip",
						   ROWS_SPLIT_ROUND_TRIP };
const struct rows_policy rows_split_cgroup_cpu = { "window-split-by-cgroup-cpu-share",
						   ROWS_SPLIT_CPU };
const struct rows_policy rows_split_process_cpu = { "window-split-by-process-cpu-share",
						    ROWS_SPLIT_CPU };
const struct rows_policy rows_split_runner_cpu = { "window-split-by-runner-cpu-share",
						   ROWS_SPLIT_CPU };
const struct rows_policy rows_cold_start = { "cold-start+first-invocation", ROWS_SPLIT_WHOLE };
const struct rows_policy rows_teardown = { "teardown", ROWS_SPLIT_WHOLE };

void
rows_row_init(const struct rows_base *base, const struct workload_desc *wl,
	      struct results_row *row, const char *phase)
{
	memset(row, 0, sizeof(*row));
	row->schema_version = RESULTS_SCHEMA_VERSION;
	row->run_id = base->run_id;
	row->host = base->host;
	row->arch = base->arch;
	row->driver = base->driver;
	row->isolation = base->isolation;
	row->meter = base->meter;
	row->meter_kind = base->meter_kind;
	row->domain = base->domain;
	row->scope = base->scope;
	row->workload = wl->name;
	row->size = base->size;
	row->seed = base->seed;
	row->concurrency = base->concurrency;
	row->core = -1;
	row->phase = phase;
	row->work_unit = wl->work_unit;
	row->idle_power_w = base->idle_w;
	row->energy_j = row->window_energy_j = row->dynamic_energy_j = NAN;
	row->energy_uncertainty_j = row->work_units = NAN;
	row->status = "ok";
	row->message = "";
	row->checksum = "";
}

/* A record that takes a share under a CPU-time split. */
static int
record_shares_cpu(const struct rows_record *v)
{
	return v->cpu_ok && v->kind != ROWS_TEARDOWN;
}

void
rows_shares_check(struct window *w, const struct rows_policy *policy,
		  const struct rows_batch *b, size_t n_batch)
{
	size_t i, j, missing = 0, total = 0, teardowns = 0;

	if (policy->by != ROWS_SPLIT_CPU)
		return;
	for (i = 0; i < n_batch; i++)
		for (j = 0; j < b[i].n; j++) {
			if (b[i].rec[j].kind == ROWS_TEARDOWN) {
				teardowns++;
				continue;
			}
			total++;
			missing += !b[i].rec[j].cpu_ok;
		}
	if (missing)
		window_flag(w, "%zu of %zu request(s) in this window have no CPU time: their "
			       "energy share is unknown, so the others' shares are too", missing,
			    total);
	/* A keep-alive retirement's work (the runtime's delete, cgroup and bundle removal)
	 * is not in any instance's CPU time, so it has no share; its energy is in the window
	 * and would go to the invocations unseen (issue 23). */
	if (teardowns)
		window_flag(w, "%zu teardown(s) in this window have no CPU share: their energy is "
			       "in the invocations' shares", teardowns);
}

double
rows_share(const struct rows_policy *policy, const struct rows_record *v,
	   const struct rows_batch *b, size_t n_batch)
{
	double sum = 0;
	size_t i, j;

	switch (policy->by) {
	case ROWS_SPLIT_WHOLE:
		return 1.0;
	case ROWS_SPLIT_ROUND_TRIP:
		for (i = 0; i < n_batch; i++)
			for (j = 0; j < b[i].n; j++)
				sum += (double)b[i].rec[j].rt_ns;
		return sum > 0 ? (double)v->rt_ns / sum : 0;
	case ROWS_SPLIT_CPU:
	default:
		if (!record_shares_cpu(v))
			return NAN;
		for (i = 0; i < n_batch; i++)
			for (j = 0; j < b[i].n; j++)
				if (record_shares_cpu(&b[i].rec[j]))
					sum += (double)b[i].rec[j].cpu_ns;
		return sum > 0 ? (double)v->cpu_ns / sum : NAN;
	}
}

double
rows_attribution_uncertainty(const struct rows_policy *policy, const struct rows_record *v,
			     const struct rows_batch *b, size_t n_batch, double window_energy_j)
{
	double share;
	size_t i, j, n = 0;

	if (policy->by != ROWS_SPLIT_CPU)
		return 0;
	share = rows_share(policy, v, b, n_batch);
	if (isnan(share))
		return NAN;
	for (i = 0; i < n_batch; i++)
		for (j = 0; j < b[i].n; j++)
			n += record_shares_cpu(&b[i].rec[j]);
	return fabs(share - 1.0 / (double)n) * fabs(window_energy_j);
}

static const char *
record_phase(const struct rows_record *v, const char *phase)
{
	switch (v->kind) {
	case ROWS_INVOKE: return phase;
	case ROWS_TEARDOWN: return "teardown";
	case ROWS_COLD:
	case ROWS_START_FAILED:
	default: return "cold";
	}
}

int
rows_window_write(const struct rows_base *base, struct window *w,
		  const struct rows_policy *policy, const char *phase,
		  const struct rows_batch *b, size_t n_batch, uint64_t rep,
		  uint64_t *invocation, rows_emit_fn emit, void *arg, struct jb_err *err)
{
	double energy_j, unc_j, dyn_j;
	size_t total = 0, i, j;
	int rc = 0;

	rows_shares_check(w, policy, b, n_batch);
	energy_j = w->energy_j;
	unc_j = window_uncertainty(w);
	dyn_j = energy_j - base->idle_w * (double)w->window_ns / 1e9;
	for (i = 0; i < n_batch; i++)
		total += b[i].n;
	for (i = 0; i < n_batch && !rc; i++) {
		for (j = 0; j < b[i].n && !rc; j++) {
			const struct rows_record *v = &b[i].rec[j];
			int no_reply = v->rc || v->kind == ROWS_TEARDOWN ||
				       v->kind == ROWS_START_FAILED;
			double share = rows_share(policy, v, b, n_batch);
			struct results_row row;
			char checksum[24], msg[sizeof(v->err) + WINDOW_WHY_MAX + 2];

			rows_row_init(base, v->wl, &row, record_phase(v, phase));
			row.instance = v->instance;
			row.core = v->core;
			row.rep = rep;
			row.invocation = (*invocation)++;
			row.window_invocations = total;
			row.start_unix_ns = v->start_unix_ns;
			row.wall_ns = v->wall_ns;
			row.cpu_ns = v->cpu_ns;
			row.work_units = no_reply ? NAN : v->res.work_units;
			row.window_wall_ns = w->window_ns;
			row.window_energy_j = energy_j;
			row.energy_j = energy_j * share;
			row.dynamic_energy_j = dyn_j * share;
			/* The meter's share, plus the attribution model's own (0 unless
			 * the split is by CPU time): both are bounds, so they add. */
			row.energy_uncertainty_j =
				unc_j * share +
				rows_attribution_uncertainty(policy, v, b, n_batch, energy_j);
			row.energy_method = policy->method;
			row.status = v->kind == ROWS_TEARDOWN && !v->rc ? "ok"
				   : v->rc ? driver_status_for(v->rc) : v->res.status;
			row.message = (v->rc || (v->kind != ROWS_INVOKE && v->kind != ROWS_COLD))
					      ? v->err : v->res.msg;
			if (!strcmp(row.status, "ok") && w->why[0]) {
				row.status = window_status(w);
				/* A teardown keeps its own note (e.g. retired by keep-alive). */
				if (v->kind == ROWS_TEARDOWN && row.message[0]) {
					snprintf(msg, sizeof(msg), "%s; %s", row.message, w->why);
					row.message = msg;
				} else {
					row.message = w->why;
				}
			}
			snprintf(checksum, sizeof(checksum), "0x%016" PRIx64, v->res.checksum);
			row.checksum = no_reply ? "" : checksum;
			row.verified = no_reply ? 0 : v->res.verified;
			rc = emit(arg, &row, err);
		}
	}
	return rc;
}
