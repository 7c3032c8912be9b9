/* SPDX-License-Identifier: MIT */
/*
 * The statistical sections of the HTML report (report_stats.h). Every interval is the
 * one over ok warm windows that `joulebench analyze` prints (analysis/stats.h), at the
 * same level; every table says how many windows and runs it rests on, how
 * many windows were left out and why, and where a figure is a co-located share (a model).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>

#include "report_stats.h"
#include "svg.h"

/* A number with an SI prefix for its size: "521.2 mJ"; NAN as "n/a". */
static void
fmt_si(char *buf, size_t len, double v, const char *unit)
{
	char u[16];
	double k;

	if (!isfinite(v)) {
		snprintf(buf, len, "n/a");
		return;
	}
	k = svg_unit_pick(fabs(v), unit, u, sizeof(u));
	snprintf(buf, len, "%.4g %s", v * k, u);
}

static void
td_si(FILE *f, double v, const char *unit)
{
	char b[64];

	fmt_si(b, sizeof(b), v, unit);
	fprintf(f, "<td class=\"n\">%s</td>", b);
}

/* An interval, with a mark and its reason when it is flagged. */
static void
td_ci(FILE *f, const struct stats_interval *ci, const char *unit)
{
	char lo[64], hi[64];

	if (!isfinite(ci->lo) || !isfinite(ci->hi)) {
		fputs("<td class=\"n\">n/a</td>", f);
		return;
	}
	fmt_si(lo, sizeof(lo), ci->lo, unit);
	fmt_si(hi, sizeof(hi), ci->hi, unit);
	fprintf(f, "<td class=\"n\">%s .. %s", lo, hi);
	if (ci->flag) {
		fputs(" <b title=\"", f);
		report_html_esc(f, ci->flag);
		fputs("\">(flagged)</b>", f);
	}
	fputs("</td>", f);
}

static void
td_ratio(FILE *f, const struct stats_interval *ci)
{
	if (!isfinite(ci->est))
		fputs("<td class=\"n\">n/a</td><td class=\"n\">n/a</td>", f);
	else if (!isfinite(ci->lo))
		fprintf(f, "<td class=\"n\">%.4f</td><td class=\"n\">n/a</td>", ci->est);
	else
		fprintf(f, "<td class=\"n\">%.4f</td><td class=\"n\">%.4f .. %.4f%s</td>", ci->est,
			ci->lo, ci->hi, ci->flag ? " <b>(flagged: fewer than 5 windows)</b>" : "");
}

static int
is_modeled(const struct summary_group *g)
{
	return !strcmp(g->key.meter_kind, "modeled");
}

/* "pinned / model (modeled) / run.csv": how a row of a figure is named. */
static void
view_label(char *buf, size_t len, const struct report_view *v, const struct report_run *runs,
	   size_t n_runs)
{
	char c[32] = "";

	if (v->g->key.concurrency > 1)
		snprintf(c, sizeof(c), " / c%llu", (unsigned long long)v->g->key.concurrency);
	snprintf(buf, len, "%s / %s%s%s%s%s", v->g->key.driver, v->g->key.meter,
		 is_modeled(v->g) ? " (modeled)" : "", c, n_runs > 1 ? " / " : "",
		 n_runs > 1 ? runs[v->run].label : "");
}

int
report_views_build(struct report_run *runs, size_t n, const struct report_opts *o,
		   struct report_view **out, size_t *nv)
{
	struct report_view *v;
	size_t i, j, k = 0;

	for (i = 0, *nv = 0; i < n; i++)
		*nv += runs[i].sum.n;
	if (!(v = calloc(*nv ? *nv : 1, sizeof(*v))))
		return -ENOMEM;
	for (i = 0; i < n; i++)
		for (j = 0; j < runs[i].sum.n; j++) {
			struct report_view *w = &v[k++];

			w->run = i;
			w->g = &runs[i].sum.group[j];
			summary_group_stats(w->g, &w->st);
			if (summary_group_ci(w->g, WINDOWS_ENERGY, o->level, &w->ci_e) == -ENOMEM ||
			    summary_group_ci(w->g, WINDOWS_DYNAMIC, o->level, &w->ci_d) ==
				    -ENOMEM ||
			    windows_sample(&w->g->win, WINDOWS_ENERGY, &w->win)) {
				report_views_free(v, k);
				return -ENOMEM;
			}
			w->outliers = stats_outliers_mad(w->win.x, w->win.n);
			gsl_sort(w->win.x, 1, w->win.n);
		}
	*out = v;
	return 0;
}

void
report_views_free(struct report_view *v, size_t nv)
{
	size_t i;

	for (i = 0; v && i < nv; i++)
		windows_sample_fini(&v[i].win);
	free(v);
}

/* What a group's figures leave out and rest on, in a cell. */
static void
td_windows(FILE *f, const struct report_view *v)
{
	size_t k;

	fprintf(f, "<td class=\"n\">%zu</td><td class=\"n\">%zu</td><td>", v->st.n_windows,
		v->st.n_runs);
	if (!v->st.windows_excluded)
		fputs("none", f);
	for (k = 1; k < WINDOWS_FATES; k++)
		if (v->st.excluded[k])
			fprintf(f, "%zu %s<br>", v->st.excluded[k], windows_fate_name(k));
	if (v->st.n_attributed)
		fprintf(f, "<b>%zu of %zu windows: a co-located share by CPU time (attribution, "
			   "a model)</b>", v->st.n_attributed, v->st.n_windows);
	fputs("</td>", f);
}

void
report_section_summary(FILE *f, const struct report_view *v, size_t nv,
		       const struct report_run *runs, size_t n_runs, const struct report_opts *o)
{
	size_t i;

	fprintf(f, "<h2 id=\"summary\">Summary</h2>\n<p class=\"note\">Per configuration, the "
		   "<code>ok</code> warm windows: each window's energy per invocation is one "
		   "observation (its rows are shares of one meter reading, not samples). The "
		   "interval is a %.0f%% confidence interval of the median: Student's t on the "
		   "runs' medians when there are several runs, else on the windows' robust "
		   "spread widened for their dependence, spanning the median without outlying "
		   "windows too, as <code>joulebench analyze</code> computes it; one from fewer "
		   "than %d "
		   "windows is flagged. With one run, the interval holds the variation between "
		   "that run's windows only, not what moves a whole run (a drifting idle "
		   "baseline, the machine's state): for a claim, measure three runs or more. "
		   "The wall median is descriptive: the median of the ok warm rows.</p>\n"
		   "<div class=\"wide\"><table><tr>%s<th>workload</th>"
		   "<th>size</th><th>driver</th><th>meter</th><th>invo&shy;cations</th>"
		   "<th>windows</th><th>runs</th><th>windows left out</th>"
		   "<th>energy median</th><th>CI of median</th><th>IQR of windows</th>"
		   "<th>dynamic median</th><th>CI of median</th><th>wall median (descriptive)</th>"
		   "<th>mean power</th><th>energy/unit</th><th>outlying windows (MAD)</th></tr>\n",
		o->level * 100, STATS_WINDOWS_MIN,
		n_runs > 1 ? "<th>run</th>" : "");
	for (i = 0; i < nv; i++) {
		const struct summary_group *g = v[i].g;
		char q1[64], q3[64], b[64], note[512];

		fprintf(f, "<tr%s>", is_modeled(g) ? " class=\"modeled\"" : "");
		if (n_runs > 1)
			report_html_td(f, runs[v[i].run].label);
		report_html_td(f, g->key.workload);
		report_html_td(f, g->key.size);
		report_html_td(f, g->key.driver);
		fputs("<td>", f);
		report_html_esc(f, g->key.meter);
		fputs(is_modeled(g) ? " <b>(modeled)</b>" : " (measured)", f);
		fprintf(f, "</td><td class=\"n\">%zu</td>", v[i].st.n);
		td_windows(f, &v[i]);
		td_si(f, v[i].st.energy_median_j, "J");
		td_ci(f, &v[i].ci_e, "J");
		fmt_si(q1, sizeof(q1), v[i].st.energy_q1_j, "J");
		fmt_si(q3, sizeof(q3), v[i].st.energy_q3_j, "J");
		if (v[i].st.n_windows)
			fprintf(f, "<td class=\"n\">%s .. %s</td>", q1, q3);
		else
			fputs("<td class=\"n\">n/a</td>", f);
		summary_dynamic_note(g, v[i].st.dynamic_median_j, note, sizeof(note));
		fmt_si(b, sizeof(b), v[i].st.dynamic_median_j, "J");
		fprintf(f, "<td class=\"n\">%s", b);
		if (note[0]) {
			fputs(" <b title=\"", f);
			report_html_esc(f, note);
			fputs("\">(negative: see why)</b>", f);
		}
		fputs("</td>", f);
		td_ci(f, &v[i].ci_d, "J");
		td_si(f, v[i].st.wall_median_s, "s");
		td_si(f, v[i].st.mean_power_w, "W");
		fputs("<td class=\"n\">", f);
		if (isfinite(v[i].st.energy_per_unit_j)) {
			fmt_si(b, sizeof(b), v[i].st.energy_per_unit_j, "J");
			fputs(b, f);
			fputc('/', f);
			report_html_esc(f, g->work_unit);
		} else {
			fputs("n/a", f);
		}
		fprintf(f, "</td><td class=\"n\">%zu</td></tr>\n", v[i].outliers);
	}
	fputs("</table></div>\n", f);
}

int
report_section_distributions(FILE *f, const struct report_view *v, size_t nv,
			     const struct report_run *runs, size_t n_runs,
			     const struct report_opts *o)
{
	struct svg_dist_row *rows = calloc(nv ? nv : 1, sizeof(*rows));
	char (*labels)[160] = calloc(nv ? nv : 1, sizeof(*labels));
	size_t i, j;

	if (!rows || !labels) {
		free(rows);
		free(labels);
		return -ENOMEM;
	}
	fputs("<h2 id=\"distributions\">Distributions</h2>\n", f);
	for (i = 0; i < nv; i++) {
		const struct summary_key *ki = &v[i].g->key;
		size_t nr = 0, total = 0;
		char title[200];
		int seen = 0;

		/* One figure per (workload, size), at its first configuration. */
		for (j = 0; j < i && !seen; j++)
			seen = !strcmp(v[j].g->key.workload, ki->workload) &&
			       !strcmp(v[j].g->key.size, ki->size);
		if (seen)
			continue;
		for (j = i; j < nv; j++) {
			if (strcmp(v[j].g->key.workload, ki->workload) ||
			    strcmp(v[j].g->key.size, ki->size) || !v[j].win.n)
				continue;
			view_label(labels[nr], sizeof(labels[nr]), &v[j], runs, n_runs);
			rows[nr] = (struct svg_dist_row){
				.label = labels[nr], .sorted = v[j].win.x, .n = v[j].win.n,
				.ci_lo = v[j].ci_e.lo, .ci_hi = v[j].ci_e.hi,
				.color = (int)(n_runs > 1 ? v[j].run : nr),
			};
			total += v[j].win.n;
			nr++;
		}
		snprintf(title, sizeof(title), "%.63s (%.15s): energy per invocation of each window",
			 ki->workload, ki->size);
		if (!nr) {
			fputs("<p>", f);
			report_html_esc(f, title);
			fputs(": no ok warm window.</p>\n", f);
			continue;
		}
		fputs("<figure>\n", f);
		svg_dist_chart(f, rows, nr, title, "J");
		fprintf(f, "<figcaption>%zu ok warm windows in %zu configuration(s). Dots: up to "
			   "200 evenly spaced quantiles of the windows' energy per invocation; box: "
			   "first to third quartile; bar: median; dark line: the %.0f%% "
			   "confidence interval of the median (over runs, or one run's windows). The axis "
			   "spans the 1st to 99th percentiles; dots beyond it sit on its edges."
			   "</figcaption>\n</figure>\n", total, nr, o->level * 100);
	}
	free(rows);
	free(labels);
	return 0;
}

/* Ratios of medians with their CIs: the pairs of groups a section accepts. */
struct ratio {
	char label[320];
	struct stats_interval ce, cd;
	int attributed;
};

static int
ratio_figure(FILE *f, const struct ratio *r, size_t n, const char *title, const char *axis)
{
	struct svg_interval_row *rows = calloc(n ? n : 1, sizeof(*rows));
	size_t i;

	if (!rows)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		rows[i] = (struct svg_interval_row){ .label = r[i].label, .value = r[i].ce.est,
						     .lo = r[i].ce.lo, .hi = r[i].ce.hi,
						     .color = (int)i };
	fputs("<figure>\n", f);
	if (svg_interval_chart(f, rows, n, title, axis, 1.0) != 0)
		fputs("<p>No finite ratio to draw.</p>\n", f);
	fputs("<figcaption>Dot: ratio of the medians of the windows' energy per invocation; "
	      "line: its confidence interval (the two sides' variances added on the log "
	      "scale); dashed: 1, no difference.</figcaption>\n</figure>\n", f);
	free(rows);
	return 0;
}

static void
ratio_compute(struct ratio *r, const struct summary_group *a, const struct summary_group *b,
	      const struct report_opts *o)
{
	struct windows_counts ca, cb;

	summary_ratio_ci(a, b, WINDOWS_ENERGY, o->level, &r->ce);
	summary_ratio_ci(a, b, WINDOWS_DYNAMIC, o->level, &r->cd);
	windows_count(&a->win, &ca);
	windows_count(&b->win, &cb);
	r->attributed = ca.n_attributed || cb.n_attributed;
}

static void
ratio_table(FILE *f, const struct ratio *r, size_t n, const char *what)
{
	size_t i;

	fprintf(f, "<table><tr><th>%s</th><th>energy ratio</th><th>CI</th><th>dynamic ratio"
		   "</th><th>CI</th><th>windows (fewer side), runs</th></tr>\n", what);
	for (i = 0; i < n; i++) {
		fputs("<tr>", f);
		report_html_td(f, r[i].label);
		td_ratio(f, &r[i].ce);
		td_ratio(f, &r[i].cd);
		fprintf(f, "<td class=\"n\">%zu, %zu%s</td></tr>\n", r[i].ce.n_windows,
			r[i].ce.n_runs, r[i].attributed ? " <b>(rests on attribution)</b>" : "");
	}
	fputs("</table>\n", f);
}

/* The @n ratios as a table and a figure, or @none when there are none. */
static int
ratio_write(FILE *f, const struct ratio *r, size_t n, const char *none, const char *what,
	    const char *title, const char *axis)
{
	if (!n) {
		fprintf(f, "<p>%s</p>\n", none);
		return 0;
	}
	ratio_table(f, r, n, what);
	return ratio_figure(f, r, n, title, axis);
}

int
report_section_driver_ratios(FILE *f, struct summary *pooled, const struct report_opts *o)
{
	struct ratio *r = calloc(pooled->n * pooled->n + 1, sizeof(*r));
	size_t i, j, n = 0;
	int rc;

	if (!r)
		return -ENOMEM;
	fputs("<h2 id=\"ratios\">Driver ratios</h2>\n<p class=\"note\">For groups that differ in "
	      "the driver only (all runs' rows pooled, as <code>joulebench analyze --ratios"
	      "</code>): the median of driver b over the median of driver a.</p>\n", f);
	for (i = 0; i < pooled->n; i++)
		for (j = 0; j < pooled->n; j++) {
			const struct summary_group *a = &pooled->group[i], *b = &pooled->group[j];
			const struct summary_key *ka = &a->key, *kb = &b->key;
			int c = strcmp(ka->driver, kb->driver);

			if (i == j || !summary_key_driver_pair(ka, kb) || c > 0 ||
			    (!c && strcmp(ka->isolation, kb->isolation) >= 0))
				continue;
			snprintf(r[n].label, sizeof(r[n].label), "%.63s %.15s %.31s: %.31s / %.31s",
				 ka->workload, ka->size, ka->meter, c ? kb->driver : kb->isolation,
				 c ? ka->driver : ka->isolation);
			ratio_compute(&r[n++], a, b, o);
		}
	rc = ratio_write(f, r, n, "No two configurations differ in the driver only: no ratio.",
			 "workload size meter: driver b / driver a",
			 "Driver ratios of energy per warm invocation", "driver b / driver a");
	free(r);
	return rc;
}

int
report_section_comparison(FILE *f, const struct report_view *v, size_t nv,
			  const struct report_run *runs, const struct report_opts *o)
{
	struct ratio *r = calloc(nv + 1, sizeof(*r));
	size_t i, j, n = 0;
	int rc;

	if (!r)
		return -ENOMEM;
	fputs("<h2 id=\"comparison\">Comparison of runs</h2>\n<p class=\"note\">Each run's "
	      "configurations against the same configuration (every factor equal but the host "
	      "when runs come from different machines) in the first run, ", f);
	report_html_esc(f, runs[0].label);
	fputs(".</p>\n", f);
	for (i = 0; i < nv; i++) {
		if (!v[i].run || !v[i].st.n_windows)
			continue;
		for (j = 0; j < nv; j++) {
			const struct summary_group *a = v[j].g, *b = v[i].g;
			struct summary_key ka = a->key, kb = b->key;

			memset(ka.host, 0, sizeof(ka.host));
			memset(kb.host, 0, sizeof(kb.host));
			if (v[j].run || !v[j].st.n_windows || memcmp(&ka, &kb, sizeof(ka)))
				continue;
			snprintf(r[n].label, sizeof(r[n].label), "%.63s %.15s %.31s %.31s: %.80s",
				 ka.workload, ka.size, ka.driver, ka.meter, runs[v[i].run].label);
			ratio_compute(&r[n++], a, b, o);
			break;
		}
	}
	rc = ratio_write(f, r, n, "No configuration appears both in the first run and in another.",
			 "configuration: run / first run",
			 "Energy per warm invocation relative to the first run", "run / first run");
	free(r);
	return rc;
}
