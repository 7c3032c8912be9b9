/* SPDX-License-Identifier: MIT */
/*
 * `run --ci-target P` (ci_target.h): window observations from the rows as they are
 * written (analysis/windows.h), the interval over them (analysis/stats.h), and the
 * stopping decision. The window is the
 * measurement (DESIGN §7): the rows of one window are allocations of one meter reading,
 * so the interval rests on windows, never rows. One run, so the windows' own spread.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ci_target.h"
#include "stats.h"

static struct ci_target_series *
series_of(struct ci_target *t, const char *workload, int add)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->s[i].workload, workload))
			return &t->s[i];
	if (!add || t->n == PROTO_WORKLOADS_MAX)
		return NULL;
	snprintf(t->s[t->n].workload, sizeof(t->s[0].workload), "%s", workload);
	return &t->s[t->n++];
}

int
ci_target_row(struct ci_target *t, const struct results_row *row)
{
	struct ci_target_series *s = series_of(t, row->workload, 1);

	if (s && windows_add(&s->win, row)) {
		t->oom = 1;
		return -ENOMEM;
	}
	return 0;
}

int
ci_target_met(const struct stats_interval *ci, double target_pct)
{
	/* Stopping when the interval first happens to be narrow biases it: on independent
	 * windows (the `stats` suite, 4000 trials, analysis/stats.c's interval), stopping
	 * from 10 windows on covered the truth in 91.9% of trials, from 15 on in 94.3%. So
	 * the rule never stops before CI_TARGET_WINDOWS_MIN windows, and a smaller interval
	 * is not trusted to meet a target. */
	return ci->n_windows >= CI_TARGET_WINDOWS_MIN && isfinite(ci->lo) && isfinite(ci->hi) &&
	       (ci->hi - ci->lo) / 2 <= target_pct / 100 * fabs(ci->est);
}

/* ci_target_interval() with the whole interval in @ci. */
static size_t
ci_target_interval_of(struct ci_target *t, const char *workload, struct stats_interval *ci,
		      double *median_j, double *half_j)
{
	struct ci_target_series *s = series_of(t, workload, 0);
	struct windows_sample w = { 0 };
	struct stats_runs runs;
	size_t n;

	*median_j = *half_j = NAN;
	memset(ci, 0, sizeof(*ci));
	ci->lo = ci->hi = ci->est = NAN;
	if (!s)
		return 0;
	if (windows_sample(&s->win, WINDOWS_ENERGY, &w)) {
		t->oom = 1;
		return 0;
	}
	n = w.n;
	/* One run: analysis/stats.h's interval from the windows' spread and dependence, as
	 * `analyze` computes it for the same file. */
	runs = (struct stats_runs){ w.x, w.run_n, w.n_runs };
	if (n >= 2 && stats_runs_median_ci(&runs, CI_TARGET_LEVEL, ci) == 0) {
		*median_j = ci->est;
		*half_j = (ci->hi - ci->lo) / 2;
	}
	windows_sample_fini(&w);
	return n;
}

size_t
ci_target_interval(struct ci_target *t, const char *workload, double *median_j, double *half_j)
{
	struct stats_interval ci;

	return ci_target_interval_of(t, workload, &ci, median_j, half_j);
}

/* @s's interval is within the target. */
static int
series_enough(struct ci_target *t, const char *workload)
{
	struct stats_interval ci;
	double med, half;

	ci_target_interval_of(t, workload, &ci, &med, &half);
	return ci_target_met(&ci, t->target_pct);
}

int
ci_target_enough(void *arg, const char *workload, unsigned windows)
{
	struct ci_target *t = arg;
	size_t i;

	(void)windows;
	if (workload)
		return series_enough(t, workload);
	for (i = 0; i < t->n; i++)
		if (!series_enough(t, t->s[i].workload))
			return 0;
	return t->n > 0;
}

static void
print_series(FILE *f, struct ci_target *t, const char *workload, unsigned windows,
	     enum proto_until_end end)
{
	struct ci_target_series *s = series_of(t, workload, 0);
	struct windows_counts c = { 0 };
	double med, half;
	size_t n = ci_target_interval(t, workload, &med, &half), left_out;

	fprintf(f, "ci-target %g%%: %s %s after %u window(s)", t->target_pct, workload,
		end == PROTO_UNTIL_TARGET ? "reached" : "NOT reached", windows);
	if (end != PROTO_UNTIL_TARGET)
		fprintf(f, " (stopped by %s)", proto_until_end_name(end));
	if (isfinite(half))
		fprintf(f, "; median %.4g J/inv, 95%% CI half-width %.3g J = %.2f%% of it", med,
			half, 100 * half / fabs(med));
	else
		fprintf(f, "; no interval (fewer than 2 ok windows)");
	fprintf(f, ", over %zu ok window(s)", n);
	if (s)
		windows_count(&s->win, &c);
	left_out = c.excluded[WINDOWS_METER_ERROR] + c.excluded[WINDOWS_UNTRUSTWORTHY] +
		   c.excluded[WINDOWS_FAILED];
	if (left_out)
		fprintf(f, ", %zu flagged warm window(s) left out", left_out);
	fputc('\n', f);
}

void
ci_target_print(FILE *f, struct ci_target *t, const struct proto_report *rep)
{
	size_t i, j;

	for (i = 0; i < rep->n_until; i++) {
		const struct proto_until_outcome *o = &rep->until[i];

		if (o->workload[0]) {
			print_series(f, t, o->workload, o->windows, o->end);
			continue;
		}
		for (j = 0; j < t->n; j++) /* co-located: every workload of the run */
			print_series(f, t, t->s[j].workload, o->windows, o->end);
	}
}

void
ci_target_fini(struct ci_target *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		windows_fini(&t->s[i].win);
	t->n = 0;
}
