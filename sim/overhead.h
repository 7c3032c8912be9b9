/* SPDX-License-Identifier: MIT */
/*
 * The overhead model of DESIGN §6: a discrete-event simulation of a FaaS platform serving
 * a trace on (a) software-isolated servers and (b) hardware-isolated boards. For each
 * platform it returns E_total, E_useful and the overhead broken down into parts that sum
 * with E_useful to E_total; then the reduction 1 - overhead_hw / overhead_sw, the average
 * overhead powers and the fleet-scale saving. docs/overhead.md describes the model.
 */
#ifndef JB_SIM_OVERHEAD_H
#define JB_SIM_OVERHEAD_H

#include <stddef.h>
#include <stdint.h>

#include "jb_err.h"
#include "params.h"
#include "trace.h"

/* Where the energy goes. USEFUL is the energy of executing the invocations (what counts
 * depends on the accounting below); the rest is overhead. */
enum overhead_part {
	OVERHEAD_USEFUL,    /* the function work itself */
	OVERHEAD_IDLE,      /* static power under running invocations (strict accounting
			     * only; the paper's counts it as useful) */
	OVERHEAD_OVERPROV,  /* static power of empty capacity (peak, headroom, boards off) */
	OVERHEAD_KEEPALIVE, /* static power of warm idle instances */
	OVERHEAD_COLD,      /* sandbox creation (server) or boot (board) */
	OVERHEAD_ISOLATION, /* extra dynamic energy of the isolation layer */
	OVERHEAD_N_PARTS
};

enum overhead_platform { OVERHEAD_SW, OVERHEAD_HW, OVERHEAD_N_PLATFORMS };

/* What counts as useful (DESIGN 6). PAPER (the default, static_is_useful = 1): the energy
 * drawn while and because hardware executes an invocation, a board's whole draw while it
 * runs, a server's busy-core dynamic power plus the running instances' share of its
 * static power. STRICT (static_is_useful = 0): dynamic energy only. Both are computed
 * on every run; part_j[] follows the parameter, by_acc[] holds both. */
enum overhead_accounting { OVERHEAD_ACC_PAPER, OVERHEAD_ACC_STRICT, OVERHEAD_N_ACC };

/** overhead_part_name() / overhead_platform_name() / overhead_accounting_name(). */
const char *overhead_part_name(unsigned part);
const char *overhead_platform_name(unsigned platform);
const char *overhead_accounting_name(unsigned acc);

struct overhead_platform_result {
	double part_j[OVERHEAD_N_PARTS];
	double total_j;           /* the hardware's power draw; the parts split the same draw */
	double overhead_j;        /* total_j - part_j[OVERHEAD_USEFUL] */
	double overhead_power_w;  /* overhead_j / horizon */
	double units_peak;        /* servers (peak) or boards (fleet) powered or installed */
	uint64_t cold_starts;
	double useful_acc_j[OVERHEAD_N_ACC];   /* useful energy under each accounting */
	double overhead_acc_j[OVERHEAD_N_ACC]; /* total_j - useful_acc_j */
};

struct overhead_result {
	double horizon_s;
	uint64_t invocations;
	struct overhead_platform_result p[OVERHEAD_N_PLATFORMS];
	double reduction;          /* 1 - overhead_hw / overhead_sw */
	double saving_power_w;     /* (overhead_sw - overhead_hw) / horizon */
	double fleet_saving_w;     /* saving_power_w x fleet_scale: the paper's "MW" figure */
	double fleet_scale;        /* used: fleet_scale, or derived from fleet_invocations_per_day */
	double reduction_acc[OVERHEAD_N_ACC];      /* the reduction under each accounting */
	double fleet_saving_acc_w[OVERHEAD_N_ACC]; /* the fleet saving under each accounting */
	double total_ratio;        /* total_j hardware / total_j software (any accounting) */
	/* Time series: n_steps steps of step_s; series[(platform * n_steps + i) * W + k] with
	 * W = OVERHEAD_SERIES_WIDTH: the parts' energy (J) in k < OVERHEAD_N_PARTS, then the
	 * servers or boards powered on (mean over the step). */
	size_t n_steps;
	double step_s;
	double *series;
};

#define OVERHEAD_SERIES_WIDTH (OVERHEAD_N_PARTS + 1)

/**
 * overhead_simulate() - simulate both platforms over @t with parameters @p on @threads
 * threads (0 = 1). Each tenant (a function, or a load_scale copy of it) expands its
 * invocations from its own GSL stream seeded from (@seed, tenant), so re-runs and sweeps
 * see the same invocations, and the result is bit-identical for any @threads. @step_s is
 * the time-series step (0 = no series). Fills @out, whose series is freed with
 * overhead_result_fini(). Return: 0, -ENOMEM, -EINVAL when the parameters are
 * inconsistent (e.g. loaded below idle power; @err says which), -errno when a thread
 * cannot start.
 */
int overhead_simulate(const struct trace *t, const struct params *p, unsigned long seed,
		      double step_s, unsigned threads, struct overhead_result *out,
		      struct jb_err *err);

/** overhead_result_fini() - free @r's time series. */
void overhead_result_fini(struct overhead_result *r);

#endif
