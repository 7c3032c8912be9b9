/* SPDX-License-Identifier: MIT */
/*
 * The statistical sections of the HTML report (report_html.c writes the page around
 * them): the summary table, the distribution figures, the driver ratios and the comparison
 * of runs. Their figures are analyze's: medians and their intervals (stats.h) over ok
 * warm windows (summary.h, stats.h), the windows left out counted beside them, and a
 * figure that rests on co-located attribution said to. Internal to analysis/.
 */
#ifndef JB_ANALYSIS_REPORT_STATS_H
#define JB_ANALYSIS_REPORT_STATS_H

#include <stdio.h>

#include "report_html.h"
#include "stats.h"

/* One configuration of one run, with its statistics computed once. */
struct report_view {
	size_t run;
	struct summary_group *g;
	struct summary_stats st;
	struct stats_interval ci_e, ci_d;
	struct windows_sample win; /* its ok windows' energy per invocation, sorted */
	size_t outliers;           /* outlying windows (MAD rule) */
};

/** report_views_build() - a view per configuration of each of @n runs, in @*out (@*nv
 * of them; free with report_views_free()). Return: 0 or -ENOMEM. */
int report_views_build(struct report_run *runs, size_t n, const struct report_opts *o,
		       struct report_view **out, size_t *nv);

void report_views_free(struct report_view *v, size_t nv);

/** report_html_esc() - @s HTML-escaped to @f. */
void report_html_esc(FILE *f, const char *s);

/** report_html_td() - a table cell holding @s, escaped. */
void report_html_td(FILE *f, const char *s);

void report_section_summary(FILE *f, const struct report_view *v, size_t nv,
			    const struct report_run *runs, size_t n_runs,
			    const struct report_opts *o);

/* These return 0 or -ENOMEM. */
int report_section_distributions(FILE *f, const struct report_view *v, size_t nv,
				 const struct report_run *runs, size_t n_runs,
				 const struct report_opts *o);
int report_section_driver_ratios(FILE *f, struct summary *pooled, const struct report_opts *o);
int report_section_comparison(FILE *f, const struct report_view *v, size_t nv,
			      const struct report_run *runs, const struct report_opts *o);

#endif
