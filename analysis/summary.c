/* SPDX-License-Identifier: MIT */
/*
 * Grouping and statistics for summaries (summary.h). Quantiles are GSL's
 * gsl_stats_quantile_from_sorted_data (linear interpolation between order statistics, the
 * same definition as R's type 7 and numpy's default), after gsl_sort.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "summary.h"

static struct summary_group *
summary_group_get(struct summary *s, const struct results_row *row)
{
	struct summary_group *g;
	size_t i;

	for (i = 0; i < s->n; i++) {
		g = &s->group[i];
		if (!strcmp(g->workload, row->workload) && !strcmp(g->size, row->size) &&
		    !strcmp(g->driver, row->driver) && !strcmp(g->meter, row->meter) &&
		    !strcmp(g->meter_kind, row->meter_kind))
			return g;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 8;
		struct summary_group *ng = realloc(s->group, cap * sizeof(*ng));

		if (!ng)
			return NULL;
		s->group = ng;
		s->cap = cap;
	}
	g = &s->group[s->n++];
	memset(g, 0, sizeof(*g));
	snprintf(g->workload, sizeof(g->workload), "%s", row->workload);
	snprintf(g->size, sizeof(g->size), "%s", row->size);
	snprintf(g->driver, sizeof(g->driver), "%s", row->driver);
	snprintf(g->meter, sizeof(g->meter), "%s", row->meter);
	snprintf(g->meter_kind, sizeof(g->meter_kind), "%s", row->meter_kind);
	snprintf(g->work_unit, sizeof(g->work_unit), "%s", row->work_unit);
	return g;
}

static int
grow(struct summary_group *g)
{
	size_t cap = g->cap ? 2 * g->cap : 64;
	double *e = realloc(g->energy_j, cap * sizeof(double));

	if (!e)
		return -ENOMEM;
	g->energy_j = e;
	if (!(e = realloc(g->dynamic_j, cap * sizeof(double))))
		return -ENOMEM;
	g->dynamic_j = e;
	if (!(e = realloc(g->wall_s, cap * sizeof(double))))
		return -ENOMEM;
	g->wall_s = e;
	g->cap = cap;
	return 0;
}

int
summary_add(struct summary *s, const struct results_row *row)
{
	struct summary_group *g;

	if (strcmp(row->phase, "warm") != 0)
		return 0;
	g = summary_group_get(s, row);
	if (!g)
		return -ENOMEM;
	if (strcmp(row->status, "ok") != 0 && strcmp(row->status, "untrustworthy") != 0) {
		g->n_failed++;
		return 0;
	}
	if (isnan(row->energy_j))
		return 0;
	if (g->n == g->cap && grow(g))
		return -ENOMEM;
	g->n_untrustworthy += strcmp(row->status, "untrustworthy") == 0;
	g->energy_j[g->n] = row->energy_j;
	g->dynamic_j[g->n] = row->dynamic_energy_j;
	g->wall_s[g->n] = (double)row->wall_ns / 1e9;
	g->work_units_sum += row->work_units;
	/* Count each window once: its rows are consecutive and share rep. */
	if (!g->have_rep || g->last_rep != row->rep) {
		g->have_rep = 1;
		g->last_rep = row->rep;
		g->window_energy_j_sum += row->window_energy_j;
		g->window_s_sum += (double)row->window_wall_ns / 1e9;
	}
	g->n++;
	return 0;
}

static int
field_double(const char *s, double *out)
{
	char *end;

	if (!*s) {
		*out = NAN;
		return 0;
	}
	errno = 0;
	*out = strtod(s, &end);
	return (errno || *end) ? -EINVAL : 0;
}

static int
field_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return (errno || *end) ? -EINVAL : 0;
}

int
summary_add_fields(struct summary *s, const char *const *f, struct jb_err *err)
{
	struct results_row row = { 0 };

#define NUM(col, parse)                                                                        \
	if (parse(f[RESULTS_COL_INDEX_##col], &row.col))                                     \
		return jb_err_set(err, -EINVAL, "column %s: '%s' is not a number", #col,       \
				  f[RESULTS_COL_INDEX_##col]);
	row.workload = f[RESULTS_COL_INDEX_workload];
	row.size = f[RESULTS_COL_INDEX_size];
	row.driver = f[RESULTS_COL_INDEX_driver];
	row.meter = f[RESULTS_COL_INDEX_meter];
	row.meter_kind = f[RESULTS_COL_INDEX_meter_kind];
	row.work_unit = f[RESULTS_COL_INDEX_work_unit];
	row.phase = f[RESULTS_COL_INDEX_phase];
	row.status = f[RESULTS_COL_INDEX_status];
	NUM(energy_j, field_double)
	NUM(dynamic_energy_j, field_double)
	NUM(window_energy_j, field_double)
	NUM(work_units, field_double)
	NUM(wall_ns, field_u64)
	NUM(window_wall_ns, field_u64)
	NUM(window_invocations, field_u64)
	NUM(rep, field_u64)
#undef NUM
	return summary_add(s, &row);
}

struct summary_file {
	struct summary *s;
	const char *path;
	struct jb_err *err;
};

static int
summary_file_row(void *arg, const char *const *fields, unsigned long record)
{
	struct summary_file *f = arg;
	struct jb_err e = { 0 };
	int rc = summary_add_fields(f->s, fields, &e);

	if (rc)
		return jb_err_set(f->err, rc, "%s: record %lu: %s", f->path, record, e.msg);
	return 0;
}

int
summary_add_file(struct summary *s, const char *path, struct jb_err *err)
{
	struct summary_file f = { .s = s, .path = path, .err = err };

	return results_read(path, summary_file_row, &f, err);
}

void
summary_group_stats(struct summary_group *g, struct summary_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->n = g->n;
	if (!g->n) {
		out->energy_median_j = out->dynamic_median_j = out->wall_median_s = NAN;
		out->mean_power_w = out->energy_per_unit_j = NAN;
		return;
	}
	gsl_sort(g->energy_j, 1, g->n);
	gsl_sort(g->dynamic_j, 1, g->n);
	gsl_sort(g->wall_s, 1, g->n);
	out->energy_median_j = gsl_stats_median_from_sorted_data(g->energy_j, 1, g->n);
	out->energy_q1_j = gsl_stats_quantile_from_sorted_data(g->energy_j, 1, g->n, 0.25);
	out->energy_q3_j = gsl_stats_quantile_from_sorted_data(g->energy_j, 1, g->n, 0.75);
	out->dynamic_median_j = gsl_stats_median_from_sorted_data(g->dynamic_j, 1, g->n);
	out->dynamic_q1_j = gsl_stats_quantile_from_sorted_data(g->dynamic_j, 1, g->n, 0.25);
	out->dynamic_q3_j = gsl_stats_quantile_from_sorted_data(g->dynamic_j, 1, g->n, 0.75);
	out->wall_median_s = gsl_stats_median_from_sorted_data(g->wall_s, 1, g->n);
	out->mean_power_w = g->window_s_sum > 0 ? g->window_energy_j_sum / g->window_s_sum : NAN;
	out->energy_per_unit_j = g->work_units_sum > 0
					 ? out->energy_median_j / (g->work_units_sum / (double)g->n)
					 : NAN;
}

void
summary_fini(struct summary *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->group[i].energy_j);
		free(s->group[i].dynamic_j);
		free(s->group[i].wall_s);
	}
	free(s->group);
	memset(s, 0, sizeof(*s));
}
