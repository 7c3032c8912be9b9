/* SPDX-License-Identifier: MIT */
/*
 * The overhead model (overhead.h). Pass 1 (overhead_serve.c) serves every tenant's
 * invocations on both platforms (overhead_sim.c) into time bins, one hour of all tenants
 * at a time, over threads with private bins merged exactly. Pass 2 sizes the fleet (servers for the peak
 * memory or core demand plus headroom, per interval or for the whole trace; boards for
 * the peak of boards on plus headroom) and turns the bins into energy. The total is the
 * hardware's power draw per bin; the parts split that same draw (the static power into
 * shares that the caps keep within 0..1), so total = useful + overhead parts holds by
 * construction. The unit tests check that sum only as a guard against a part dropped or
 * counted twice, not as an independent check of the total: the independent checks are
 * the scenarios whose energies are computed by hand (tests/unit/test_overhead.c,
 * tests/integration/test_overhead.py).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "overhead.h"
#include "overhead_sim.h"

static const char *const part_names[OVERHEAD_N_PARTS] = {
	"useful", "idle", "overprovisioned", "keepalive", "coldstart", "isolation",
};

const char *
overhead_part_name(unsigned part)
{
	return part < OVERHEAD_N_PARTS ? part_names[part] : NULL;
}

const char *
overhead_accounting_name(unsigned acc)
{
	return acc == OVERHEAD_ACC_PAPER ? "paper" : acc == OVERHEAD_ACC_STRICT ? "strict" : NULL;
}

const char *
overhead_platform_name(unsigned platform)
{
	return platform == OVERHEAD_SW ? "software" : platform == OVERHEAD_HW ? "hardware" : NULL;
}

static int
check_params(const struct params *p, struct jb_err *err)
{
	if (p->v[PARAMS_server_loaded_w] < p->v[PARAMS_server_idle_w])
		return jb_err_set(err, -EINVAL, "server_loaded_w (%g) is below server_idle_w (%g)",
				  p->v[PARAMS_server_loaded_w], p->v[PARAMS_server_idle_w]);
	if (p->v[PARAMS_board_active_w] < p->v[PARAMS_board_idle_w])
		return jb_err_set(err, -EINVAL, "board_active_w (%g) is below board_idle_w (%g)",
				  p->v[PARAMS_board_active_w], p->v[PARAMS_board_idle_w]);
	return 0;
}

/* Servers on in each bin: the window's peak demand x (1 + headroom), at least one. */
static void
servers_size(const struct sim_bins *b, const struct params *p, double *on)
{
	double mem = p->v[PARAMS_server_memory_mb], cores = p->v[PARAMS_server_cores];
	double h = p->v[PARAMS_headroom_frac], iv = p->v[PARAMS_server_scale_interval_s];
	size_t w = iv > 0 ? (size_t)ceil(iv / b->width_s) : b->n, i, j;

	for (i = 0; i < b->n; i++) {
		double len = fmin(b->width_s, b->horizon_s - i * b->width_s);
		double live_mb = b->part[SIM_SW_BUSY_MB][i] + b->part[SIM_SW_WARM_MB][i];

		on[i] = fmax(live_mb / (mem * len), b->part[SIM_SW_BUSY][i] / (cores * len));
	}
	for (i = 0; i < b->n; i += w) {
		double peak = 0;
		size_t end = i + w < b->n ? i + w : b->n;

		for (j = i; j < end; j++)
			peak = fmax(peak, on[j]);
		/* 1e-9 keeps an exact fit (e.g. 2.0 x 1.0) from rounding up to 3. */
		peak = fmax(1, ceil(peak * (1 + h) - 1e-9));
		for (j = i; j < end; j++)
			on[j] = peak;
	}
}

static double *
series_at(struct overhead_result *r, unsigned plat, size_t i)
{
	return r->series + ((size_t)plat * r->n_steps + i) * OVERHEAD_SERIES_WIDTH;
}

/* Pass 2: energy of every bin, into totals and the time series. The parts are computed
 * under the strict accounting (IDLE = the static power under running invocations); the
 * paper's accounting moves IDLE into USEFUL. */
static void
account(struct sim_bins *b, const struct params *p, const double *on,
	struct overhead_result *r)
{
	const double *const *q = (const double *const *)b->part;
	double dyn_w = (p->v[PARAMS_server_loaded_w] - p->v[PARAMS_server_idle_w]) /
		       p->v[PARAMS_server_cores];
	double iso = p->v[PARAMS_isolation_frac], biso = p->v[PARAMS_board_isolation_frac];
	double bidle = p->v[PARAMS_board_idle_w], boff = p->v[PARAMS_board_off_w];
	double bdyn = p->v[PARAMS_board_active_w] - bidle, boards = 0;
	int paper = p->v[PARAMS_static_is_useful] != 0;
	int mem_only = p->v[PARAMS_static_share_memory_only] != 0;
	struct overhead_platform_result *sw = &r->p[OVERHEAD_SW], *hw = &r->p[OVERHEAD_HW];
	size_t i;
	unsigned k;

	for (i = 0; i < b->n; i++) {
		double len = fmin(b->width_s, b->horizon_s - i * b->width_s);

		boards = fmax(boards, q[SIM_HW_LIVE][i] / len);
		sw->units_peak = fmax(sw->units_peak, on[i]);
	}
	boards = fmax(1, ceil(boards * (1 + p->v[PARAMS_headroom_frac]) - 1e-9));
	hw->units_peak = boards;
	for (i = 0; i < b->n; i++) {
		double len = fmin(b->width_s, b->horizon_s - i * b->width_s);
		double st = on[i] * p->v[PARAMS_server_idle_w] * len;
		double cap = on[i] * p->v[PARAMS_server_memory_mb] * len;
		/* The running instances' share of the servers: of the scarcer resource per
		 * instance (dominant share), or of memory only; warm ones hold memory only. */
		double fb = mem_only ? q[SIM_SW_BUSY_MB][i] / cap
				     : q[SIM_SW_BUSY_DOM][i] / (on[i] * len);
		double fw, e[OVERHEAD_N_PLATFORMS][OVERHEAD_N_PARTS], tot[OVERHEAD_N_PLATFORMS];
		double u = q[SIM_SW_BUSY][i] * dyn_w, bu = q[SIM_HW_BUSY][i] * bdyn;
		double kw = q[SIM_SW_WARM][i] * p->v[PARAMS_instance_idle_w];
		double cs = q[SIM_SW_COLD][i] * p->v[PARAMS_container_create_j];
		double boots = q[SIM_HW_COLD][i] * p->v[PARAMS_board_boot_j];
		double off = boards * len - q[SIM_HW_LIVE][i];

		/* A server sized by cores can be full of running instances while its memory
		 * holds warm ones too: shares are capped so the parts stay >= 0. */
		fb = fmin(fb, 1);
		fw = fmin(q[SIM_SW_WARM_MB][i] / cap, 1 - fb);
		e[OVERHEAD_SW][OVERHEAD_USEFUL] = u;
		e[OVERHEAD_SW][OVERHEAD_IDLE] = st * fb;
		e[OVERHEAD_SW][OVERHEAD_OVERPROV] = st * (1 - fb - fw);
		e[OVERHEAD_SW][OVERHEAD_KEEPALIVE] = st * fw + kw;
		e[OVERHEAD_SW][OVERHEAD_COLD] = cs;
		e[OVERHEAD_SW][OVERHEAD_ISOLATION] = u * iso;
		tot[OVERHEAD_SW] = st + u * (1 + iso) + kw + cs;
		e[OVERHEAD_HW][OVERHEAD_USEFUL] = bu;
		e[OVERHEAD_HW][OVERHEAD_IDLE] = q[SIM_HW_BUSY][i] * bidle;
		e[OVERHEAD_HW][OVERHEAD_OVERPROV] = off * boff;
		e[OVERHEAD_HW][OVERHEAD_KEEPALIVE] = q[SIM_HW_WARM][i] * bidle;
		e[OVERHEAD_HW][OVERHEAD_COLD] = boots;
		e[OVERHEAD_HW][OVERHEAD_ISOLATION] = bu * biso;
		tot[OVERHEAD_HW] = off * boff + boots + q[SIM_HW_BUSY][i] * p->v[PARAMS_board_active_w] +
				   bu * biso + q[SIM_HW_WARM][i] * bidle;
		for (k = 0; k < OVERHEAD_N_PLATFORMS; k++) {
			unsigned j;

			r->p[k].useful_acc_j[OVERHEAD_ACC_STRICT] += e[k][OVERHEAD_USEFUL];
			r->p[k].useful_acc_j[OVERHEAD_ACC_PAPER] +=
				e[k][OVERHEAD_USEFUL] + e[k][OVERHEAD_IDLE];
			if (paper) {
				e[k][OVERHEAD_USEFUL] += e[k][OVERHEAD_IDLE];
				e[k][OVERHEAD_IDLE] = 0;
			}
			r->p[k].total_j += tot[k];
			for (j = 0; j < OVERHEAD_N_PARTS; j++)
				r->p[k].part_j[j] += e[k][j];
			if (r->n_steps) {
				size_t s = (size_t)(i * b->width_s / r->step_s);
				double *row = series_at(r, k, s < r->n_steps ? s : r->n_steps - 1);

				for (j = 0; j < OVERHEAD_N_PARTS; j++)
					row[j] += e[k][j];
				row[OVERHEAD_N_PARTS] += (k == OVERHEAD_SW ? on[i] * len
									   : q[SIM_HW_LIVE][i]);
			}
		}
	}
}

/* The reductions, savings and fleet scale of both accountings, from the totals. */
static void
summarize(const struct trace *t, const struct params *p, struct overhead_result *out)
{
	double fipd = p->v[PARAMS_fleet_invocations_per_day], days = out->horizon_s / 86400;
	unsigned k, a;

	/* fleet_scale from a stated fleet: its invocations per day over the trace's. */
	out->fleet_scale = p->v[PARAMS_fleet_scale];
	if (fipd > 0 && out->invocations > 0)
		out->fleet_scale = fipd / (out->invocations / days);
	(void)t;
	for (k = 0; k < OVERHEAD_N_PLATFORMS; k++) {
		struct overhead_platform_result *r = &out->p[k];

		r->overhead_j = r->total_j - r->part_j[OVERHEAD_USEFUL];
		r->overhead_power_w = r->overhead_j / out->horizon_s;
		for (a = 0; a < OVERHEAD_N_ACC; a++)
			r->overhead_acc_j[a] = r->total_j - r->useful_acc_j[a];
	}
	for (a = 0; a < OVERHEAD_N_ACC; a++) {
		double osw = out->p[OVERHEAD_SW].overhead_acc_j[a];
		double ohw = out->p[OVERHEAD_HW].overhead_acc_j[a];

		out->reduction_acc[a] = osw > 0 ? 1 - ohw / osw : NAN;
		out->fleet_saving_acc_w[a] = (osw - ohw) / out->horizon_s * out->fleet_scale;
	}
	out->reduction = out->p[OVERHEAD_SW].overhead_j > 0 ?
				 1 - out->p[OVERHEAD_HW].overhead_j / out->p[OVERHEAD_SW].overhead_j : NAN;
	out->saving_power_w = (out->p[OVERHEAD_SW].overhead_j - out->p[OVERHEAD_HW].overhead_j) /
			      out->horizon_s;
	out->fleet_saving_w = out->saving_power_w * out->fleet_scale;
	out->total_ratio = out->p[OVERHEAD_SW].total_j > 0 ?
				   out->p[OVERHEAD_HW].total_j / out->p[OVERHEAD_SW].total_j : NAN;
}

int
overhead_simulate(const struct trace *t, const struct params *p, unsigned long seed,
		  double step_s, unsigned threads, struct overhead_result *out,
		  struct jb_err *err)
{
	struct sim_bins b;
	double *on = NULL;
	size_t i;
	int rc;
	unsigned k;

	memset(out, 0, sizeof(*out));
	if ((rc = check_params(p, err)))
		return rc;
	out->horizon_s = t->horizon_s > 0 ? t->horizon_s : 60;
	if (sim_bins_init(&b, out->horizon_s, p->v[PARAMS_bin_s], 1))
		return jb_err_set(err, -ENOMEM, "out of memory for %g s in bins of %g s",
				  out->horizon_s, p->v[PARAMS_bin_s]);
	if (step_s > 0) {
		out->step_s = step_s;
		out->n_steps = (size_t)ceil(out->horizon_s / step_s);
		out->series = calloc(OVERHEAD_N_PLATFORMS * out->n_steps * OVERHEAD_SERIES_WIDTH,
				     sizeof(double));
	}
	on = malloc(b.n * sizeof(*on));
	if (!on || (step_s > 0 && !out->series)) {
		rc = jb_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = overhead_serve(t, p, seed, threads, &b, out, err)))
		goto out;
	sim_bins_finish(&b);
	servers_size(&b, p, on);
	account(&b, p, on, out);
	summarize(t, p, out);
	if (out->n_steps) /* mean units on per step */
		for (k = 0; k < OVERHEAD_N_PLATFORMS; k++)
			for (i = 0; i < out->n_steps; i++)
				series_at(out, k, i)[OVERHEAD_N_PARTS] /=
					fmin(step_s, out->horizon_s - i * step_s);
out:
	free(on);
	sim_bins_fini(&b);
	if (rc)
		overhead_result_fini(out);
	return rc;
}

void
overhead_result_fini(struct overhead_result *r)
{
	free(r->series);
	r->series = NULL;
	r->n_steps = 0;
}
