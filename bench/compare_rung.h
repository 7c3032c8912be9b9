/* SPDX-License-Identifier: MIT */
/*
 * The rungs of `joulebench compare` (cmd_compare.c): a driver with its variant, the run it
 * made and its cold starts; how a rung is parsed and configured, named as it ran, its
 * server CSV for `overhead --server-csv`, its ratios to the baseline and the ladder figure.
 * Warm figures are over ok warm windows (analysis/summary.h); each cold start is a window
 * of its own.
 */
#ifndef JB_BENCH_COMPARE_RUNG_H
#define JB_BENCH_COMPARE_RUNG_H

#include <stddef.h>

#include "jb_err.h"
#include "runner.h"

#define RUNGS_MAX 6

/* One rung of the ladder: a driver with its variant, its run, its cold starts. */
/* One rung of the ladder: a driver with its variant, its run, its cold starts. */
struct rung {
	char spec[48], name[32], variant[32];
	char label[48];                /* as it ran: "pinned", "container-runc", "gvisor-ptrace" */
	const struct driver_ops *d;
	char out[4096];
	struct runner_report rep;
	double *cold_j, *cold_s;       /* energy and time of each ok cold start */
	size_t n_cold, cap_j, cap_s;
	size_t n_cold_flagged;         /* of those, flagged untrustworthy (too short a window) */
	double ratio[4], lo[4], hi[4]; /* warm energy, warm time, cold energy, cold time */
	int vmm_double;                /* its VMM said it is a test double (--version) */
};

/** compare_group_of() - the group of workload @workload in run @rep, or NULL. */
const struct summary_group *compare_group_of(const struct runner_report *rep,
					     const char *workload);

/** compare_bad() - "bad value VAL for OPT: WANT" on stderr. Return: CLI_EXIT_USAGE. */
int compare_bad(const char *opt, const char *val, const char *want);

/** compare_rung_parse() - "container:runsc" into @r's driver and variant, checked.
 * Return: 0 or an exit code (the message printed). */
int compare_rung_parse(struct rung *r, const char *spec);

/** compare_rung_config() - the driver configuration of rung @r: its variant, the shared
 * core and memory size. */
void compare_rung_config(const struct rung *r, struct proto_config *cfg, const char *platform,
			 const char *accel);

/** compare_cold_row() - a results_read() callback adding each ok cold start of the rung
 * @arg (energy and time). Return: 0 or -ENOMEM. */
int compare_cold_row(void *arg, const char *const *f, unsigned long line);

/** compare_label_of() - name rung @r as it ran, from its sidecar. */
void compare_label_of(struct rung *r);

/** compare_server_csv_write() - the baseline's rows then @r's, in PREFIX-server-LABEL.csv
 * (its path in @path). Return: 0 or -errno. */
int compare_server_csv_write(const struct rung *base, const struct rung *r, const char *prefix,
			     char *path, size_t len);

/** compare_ladder_plot() - the ladder figure of @n rungs. Return: as plot_gnuplot_figures. */
int compare_ladder_plot(struct rung *r, int n, const char *prefix, struct jb_err *err);

/** compare_print_ratios() - rung @b against the baseline @a for workload @wl, printed. */
void compare_print_ratios(struct rung *a, struct rung *b, const char *wl);

#endif
