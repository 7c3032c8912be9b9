/* SPDX-License-Identifier: MIT */
/*
 * Per-configuration summaries of result rows: rows are grouped by (workload, size, driver,
 * meter, meter_kind) and each group yields n, medians and quartiles of energy, dynamic
 * energy and wall time, mean power and energy per unit of work. Quantiles come from GSL.
 * Only warm rows whose status is ok or untrustworthy count; failed rows are counted apart.
 */
#ifndef JB_ANALYSIS_SUMMARY_H
#define JB_ANALYSIS_SUMMARY_H

#include <stddef.h>

#include "jb_err.h"
#include "results.h"

struct summary_group {
	char workload[64], size[16], driver[32], meter[32], meter_kind[16], work_unit[16];
	size_t n, cap;
	double *energy_j, *dynamic_j, *wall_s;
	double work_units_sum;
	size_t n_failed, n_untrustworthy;
	double window_energy_j_sum, window_s_sum; /* for mean power over distinct windows */
	uint64_t last_rep;
	int have_rep;
};

struct summary_stats {
	size_t n;
	double energy_median_j, energy_q1_j, energy_q3_j;
	double dynamic_median_j, dynamic_q1_j, dynamic_q3_j;
	double wall_median_s;
	double mean_power_w;
	double energy_per_unit_j; /* median energy / mean work units per invocation */
};

struct summary {
	struct summary_group *group;
	size_t n, cap;
};

/** summary_add() - fold one row into its group. 0 or -ENOMEM. */
int summary_add(struct summary *s, const struct results_row *row);

/**
 * summary_add_fields() - as summary_add(), from a row of strings as results_read() gives
 * them. Return: 0, -EINVAL for a number that does not parse (@err names the column).
 */
int summary_add_fields(struct summary *s, const char *const *fields, struct jb_err *err);

/**
 * summary_add_file() - fold every row of the results CSV @path into @s.
 * Return: 0; -EINVAL with "FILE: record N: column C: ..." in @err for a malformed file,
 * -EPROTO for another schema_version, -ENOMEM, or -errno from opening it.
 */
int summary_add_file(struct summary *s, const char *path, struct jb_err *err);

/** summary_group_stats() - the statistics of group @g (its arrays are sorted in place). */
void summary_group_stats(struct summary_group *g, struct summary_stats *out);

/** summary_fini() - free what the summary holds. */
void summary_fini(struct summary *s);

#endif
