/* SPDX-License-Identifier: MIT */
/*
 * The HTML page of `joulebench report` (report_html.h). One file a colleague can open
 * anywhere: the style sheet is inline, figures are inline SVG (svg.c), there is no script at
 * all, and a Content-Security-Policy forbids loading anything, so a page that tried would
 * say so in the browser's console (tests/integration/test_report.py watches it). The
 * statistics are analyze's: summary.c for medians and quartiles, stats.c for the bootstrap
 * intervals and the MAD outliers, with the same seed, resamples and level options.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "report_html.h"
#include "stats.h"
#include "svg.h"

/* One configuration of one run, with its statistics computed once. */
struct view {
	size_t run;
	struct summary_group *g;
	struct summary_stats st;
	struct stats_ci ci_e, ci_d;
	size_t outliers;
};

static const char style[] =
	"body{font-family:sans-serif;margin:1.5em auto;max-width:1180px;padding:0 1em;"
	"color:#222;background:#fff}\n"
	"h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}\n"
	"table{border-collapse:collapse;margin:.6em 0;font-size:.9em}\n"
	"th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}\n"
	"td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	"th{background:#f0f0f0}tr.modeled td{background:#fff6d5}\n"
	".note{color:#555;font-size:.9em}.banner{background:#fff6d5;border:1px solid #e0c060;"
	"padding:.6em}\nfigure{margin:1em 0}figcaption{color:#555;font-size:.9em;"
	"max-width:820px}\nsvg.figure{border:1px solid #ddd;max-width:100%;height:auto}\n"
	"code{background:#f4f4f4;padding:0 .2em}div.wide{overflow-x:auto}\n"
	"td.fail{background:#f6d2d2;font-weight:bold}td.pass{background:#d8efd8}\n";

static void
esc(FILE *f, const char *s)
{
	svg_escape(f, s);
}

static void
td(FILE *f, const char *s)
{
	fputs("<td>", f);
	esc(f, s);
	fputs("</td>", f);
}

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

static void
td_ci(FILE *f, const struct stats_ci *ci, const char *unit)
{
	char lo[64], hi[64];

	if (!isfinite(ci->lo) || !isfinite(ci->hi)) {
		fputs("<td class=\"n\">n/a</td>", f);
		return;
	}
	fmt_si(lo, sizeof(lo), ci->lo, unit);
	fmt_si(hi, sizeof(hi), ci->hi, unit);
	fprintf(f, "<td class=\"n\">%s .. %s</td>", lo, hi);
}

static void
td_ratio(FILE *f, double r, const struct stats_ci *ci)
{
	if (!isfinite(r))
		fputs("<td class=\"n\">n/a</td><td class=\"n\">n/a</td>", f);
	else if (!isfinite(ci->lo))
		fprintf(f, "<td class=\"n\">%.4f</td><td class=\"n\">n/a</td>", r);
	else
		fprintf(f, "<td class=\"n\">%.4f</td><td class=\"n\">%.4f .. %.4f</td>", r, ci->lo,
			ci->hi);
}

static int
is_modeled(const struct summary_group *g)
{
	return !strcmp(g->meter_kind, "modeled");
}

/* "pinned / model (modeled) / run.csv": how a row of a figure is named. */
static void
view_label(char *buf, size_t len, const struct view *v, const struct report_run *runs,
	   size_t n_runs)
{
	snprintf(buf, len, "%s / %s%s%s%s", v->g->driver, v->g->meter,
		 is_modeled(v->g) ? " (modeled)" : "", n_runs > 1 ? " / " : "",
		 n_runs > 1 ? runs[v->run].label : "");
}

static const char *
meta_str(struct json_object *meta, const char *obj, const char *key)
{
	struct json_object *o, *v;

	if (!meta || !json_object_object_get_ex(meta, obj, &o))
		return NULL;
	if (!key)
		return json_object_get_string(o);
	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return json_object_get_string(v);
}

static void
section_overview(FILE *f, const struct report_run *runs, size_t n)
{
	size_t i;

	fputs("<h2 id=\"runs\">Runs</h2>\n<table><tr><th>file</th><th>run id</th><th>host</th>"
	      "<th>arch</th><th>meter</th><th>driver</th><th>joulebench</th><th>ended</th></tr>\n",
	      f);
	for (i = 0; i < n; i++) {
		struct json_object *m = runs[i].meta;
		const char *ver = m ? meta_str(m, "joulebench_version", NULL) : NULL;
		const char *rev = m ? meta_str(m, "git_revision", NULL) : NULL;
		char jb[128];

		snprintf(jb, sizeof(jb), "%s (git %s)", ver ? ver : "?", rev ? rev : "?");
		fputs("<tr>", f);
		td(f, runs[i].label);
		if (!m) {
			fputs("<td colspan=\"7\">", f);
			esc(f, runs[i].meta_note);
			fputs("</td></tr>\n", f);
			continue;
		}
		td(f, meta_str(m, "run_id", NULL));
		td(f, meta_str(m, "host", "host"));
		td(f, meta_str(m, "host", "arch"));
		td(f, meta_str(m, "meter", "name"));
		td(f, meta_str(m, "driver", "name"));
		td(f, jb);
		td(f, meta_str(m, "ended", NULL));
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void
section_summary(FILE *f, const struct view *v, size_t nv, const struct report_run *runs,
		size_t n_runs, const struct report_opts *o)
{
	size_t i;

	fprintf(f, "<h2 id=\"summary\">Summary</h2>\n<p class=\"note\">Warm invocations with status "
		   "ok or untrustworthy, per configuration; the interval is a percentile bootstrap "
		   "%.0f%% confidence interval of the median (%u resamples, seed %llu), as "
		   "<code>joulebench analyze</code> computes it.</p>\n<div class=\"wide\"><table><tr>%s<th>workload</th>"
		   "<th>size</th><th>driver</th><th>meter</th><th>n</th><th>failed</th>"
		   "<th>untrust&shy;worthy</th><th>energy median</th><th>CI of median</th>"
		   "<th>IQR</th><th>dynamic median</th><th>CI of median</th><th>wall median</th>"
		   "<th>mean power</th><th>energy/unit</th><th>outliers (MAD)</th></tr>\n",
		o->level * 100, o->resamples, (unsigned long long)o->seed,
		n_runs > 1 ? "<th>run</th>" : "");
	for (i = 0; i < nv; i++) {
		const struct summary_group *g = v[i].g;
		char q1[64], q3[64], unit[32];

		fprintf(f, "<tr%s>", is_modeled(g) ? " class=\"modeled\"" : "");
		if (n_runs > 1)
			td(f, runs[v[i].run].label);
		td(f, g->workload);
		td(f, g->size);
		td(f, g->driver);
		fputs("<td>", f);
		esc(f, g->meter);
		fputs(is_modeled(g) ? " <b>(modeled)</b>" : " (measured)", f);
		fprintf(f, "</td><td class=\"n\">%zu</td><td class=\"n\">%zu</td>"
			   "<td class=\"n\">%zu</td>", v[i].st.n, g->n_failed, g->n_untrustworthy);
		td_si(f, v[i].st.energy_median_j, "J");
		td_ci(f, &v[i].ci_e, "J");
		fmt_si(q1, sizeof(q1), v[i].st.n ? v[i].st.energy_q1_j : NAN, "J");
		fmt_si(q3, sizeof(q3), v[i].st.n ? v[i].st.energy_q3_j : NAN, "J");
		if (v[i].st.n)
			fprintf(f, "<td class=\"n\">%s .. %s</td>", q1, q3);
		else
			fputs("<td class=\"n\">n/a</td>", f);
		td_si(f, v[i].st.dynamic_median_j, "J");
		td_ci(f, &v[i].ci_d, "J");
		td_si(f, v[i].st.wall_median_s, "s");
		td_si(f, v[i].st.mean_power_w, "W");
		snprintf(unit, sizeof(unit), "J/%s", g->work_unit);
		fputs("<td class=\"n\">", f);
		if (isfinite(v[i].st.energy_per_unit_j)) {
			char b[64];

			fmt_si(b, sizeof(b), v[i].st.energy_per_unit_j, "J");
			fputs(b, f);
			fputc('/', f);
			esc(f, g->work_unit);
		} else {
			fputs("n/a", f);
		}
		fprintf(f, "</td><td class=\"n\">%zu</td></tr>\n", v[i].outliers);
	}
	fputs("</table></div>\n", f);
}

static int
section_distributions(FILE *f, const struct view *v, size_t nv, const struct report_run *runs,
		      size_t n_runs, const struct report_opts *o)
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
		size_t nr = 0, total = 0;
		char title[200];
		int seen = 0;

		/* One figure per (workload, size), at its first configuration. */
		for (j = 0; j < i && !seen; j++)
			seen = !strcmp(v[j].g->workload, v[i].g->workload) &&
			       !strcmp(v[j].g->size, v[i].g->size);
		if (seen)
			continue;
		for (j = i; j < nv; j++) {
			if (strcmp(v[j].g->workload, v[i].g->workload) ||
			    strcmp(v[j].g->size, v[i].g->size) || !v[j].g->n)
				continue;
			view_label(labels[nr], sizeof(labels[nr]), &v[j], runs, n_runs);
			rows[nr] = (struct svg_dist_row){
				.label = labels[nr], .sorted = v[j].g->energy_j, .n = v[j].g->n,
				.ci_lo = v[j].ci_e.lo, .ci_hi = v[j].ci_e.hi,
				.color = (int)(n_runs > 1 ? v[j].run : nr),
			};
			total += v[j].g->n;
			nr++;
		}
		snprintf(title, sizeof(title), "%.63s (%.15s): energy per warm invocation",
			 v[i].g->workload, v[i].g->size);
		if (!nr) {
			fputs("<p>", f);
			esc(f, title);
			fputs(": no warm invocation with status ok or untrustworthy.</p>\n", f);
			continue;
		}
		fputs("<figure>\n", f);
		svg_dist_chart(f, rows, nr, title, "J");
		fprintf(f, "<figcaption>%zu warm invocations in %zu configuration(s). Dots: up to "
			   "200 evenly spaced quantiles of each sample; box: first to third quartile; "
			   "bar: median; dark line: the %.0f%% bootstrap confidence interval of the "
			   "median. The axis spans the 1st to 99th percentiles; dots beyond it sit on its "
			   "edges.</figcaption>\n</figure>\n", total, nr, o->level * 100);
	}
	free(rows);
	free(labels);
	return 0;
}

/* Ratios of medians with their bootstrap CIs: the pairs of groups @pair accepts. */
struct ratio {
	char label[320];
	double e, d;
	struct stats_ci ce, cd;
};

static int
ratio_figure(FILE *f, const struct ratio *r, size_t n, const char *title, const char *axis)
{
	struct svg_interval_row *rows = calloc(n ? n : 1, sizeof(*rows));
	size_t i;

	if (!rows)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		rows[i] = (struct svg_interval_row){ .label = r[i].label, .value = r[i].e,
						     .lo = r[i].ce.lo, .hi = r[i].ce.hi,
						     .color = (int)i };
	fputs("<figure>\n", f);
	if (svg_interval_chart(f, rows, n, title, axis, 1.0) != 0)
		fputs("<p>No finite ratio to draw.</p>\n", f);
	fputs("<figcaption>Dot: ratio of the medians of energy per warm invocation; line: its "
	      "bootstrap confidence interval (both samples resampled); dashed: 1, no "
	      "difference.</figcaption>\n</figure>\n", f);
	free(rows);
	return 0;
}

static void
ratio_compute(struct ratio *r, struct summary_group *a, struct summary_group *b,
	      const struct report_opts *o)
{
	struct summary_stats sa, sb;

	summary_group_stats(a, &sa);
	summary_group_stats(b, &sb);
	r->e = sb.energy_median_j / sa.energy_median_j;
	r->d = sb.dynamic_median_j / sa.dynamic_median_j;
	if (stats_ratio_ci(a->energy_j, a->n, b->energy_j, b->n, o->resamples, o->seed, o->level,
			   &r->ce))
		r->ce.lo = r->ce.hi = NAN;
	if (stats_ratio_ci(a->dynamic_j, a->n, b->dynamic_j, b->n, o->resamples, o->seed,
			   o->level, &r->cd))
		r->cd.lo = r->cd.hi = NAN;
}

static void
ratio_table(FILE *f, const struct ratio *r, size_t n, const char *what)
{
	size_t i;

	fprintf(f, "<table><tr><th>%s</th><th>energy ratio</th><th>CI</th><th>dynamic ratio"
		   "</th><th>CI</th></tr>\n", what);
	for (i = 0; i < n; i++) {
		fputs("<tr>", f);
		td(f, r[i].label);
		td_ratio(f, r[i].e, &r[i].ce);
		td_ratio(f, r[i].d, &r[i].cd);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

static int
section_driver_ratios(FILE *f, struct summary *pooled, const struct report_opts *o)
{
	struct ratio *r = calloc(pooled->n * pooled->n + 1, sizeof(*r));
	size_t i, j, n = 0;
	int rc = 0;

	if (!r)
		return -ENOMEM;
	fputs("<h2 id=\"ratios\">Driver ratios</h2>\n<p class=\"note\">For each workload, size and "
	      "meter measured under several drivers (all runs' rows pooled, as <code>joulebench "
	      "analyze --ratios</code>): the median of driver b over the median of driver a.</p>\n",
	      f);
	for (i = 0; i < pooled->n; i++)
		for (j = 0; j < pooled->n; j++) {
			struct summary_group *a = &pooled->group[i], *b = &pooled->group[j];

			if (i == j || strcmp(a->workload, b->workload) || strcmp(a->size, b->size) ||
			    strcmp(a->meter, b->meter) || strcmp(a->driver, b->driver) >= 0 ||
			    !a->n || !b->n)
				continue;
			snprintf(r[n].label, sizeof(r[n].label), "%.63s %.15s %.31s: %.31s / %.31s",
				 a->workload, a->size, a->meter, b->driver, a->driver);
			ratio_compute(&r[n++], a, b, o);
		}
	if (!n)
		fputs("<p>Every configuration was measured under one driver only: no ratio.</p>\n", f);
	else {
		ratio_table(f, r, n, "workload size meter: driver b / driver a");
		rc = ratio_figure(f, r, n, "Driver ratios of energy per warm invocation",
				  "driver b / driver a");
	}
	free(r);
	return rc;
}

static int
section_comparison(FILE *f, const struct view *v, size_t nv, const struct report_run *runs,
		   size_t n_runs, const struct report_opts *o)
{
	struct ratio *r = calloc(nv + 1, sizeof(*r));
	size_t i, j, n = 0;
	int rc = 0;

	if (!r)
		return -ENOMEM;
	fputs("<h2 id=\"comparison\">Comparison of runs</h2>\n<p class=\"note\">Each run's "
	      "configurations against the same workload, size, driver and meter in the first run, ",
	      f);
	esc(f, runs[0].label);
	fputs(".</p>\n", f);
	for (i = 0; i < nv; i++) {
		if (!v[i].run || !v[i].g->n)
			continue;
		for (j = 0; j < nv; j++) {
			const struct summary_group *a = v[j].g, *b = v[i].g;

			if (v[j].run || !a->n || strcmp(a->workload, b->workload) ||
			    strcmp(a->size, b->size) || strcmp(a->driver, b->driver) ||
			    strcmp(a->meter, b->meter))
				continue;
			snprintf(r[n].label, sizeof(r[n].label), "%.63s %.15s %.31s %.31s: %.80s",
				 a->workload, a->size, a->driver, a->meter, runs[v[i].run].label);
			ratio_compute(&r[n++], v[j].g, v[i].g, o);
			break;
		}
	}
	(void)n_runs;
	if (!n)
		fputs("<p>No configuration appears both in the first run and in another.</p>\n", f);
	else {
		ratio_table(f, r, n, "configuration: run / first run");
		rc = ratio_figure(f, r, n, "Energy per warm invocation relative to the first run",
				  "run / first run");
	}
	free(r);
	return rc;
}

/* Every scalar of @o as "prefix.key" / "prefix[i]" and its value. */
static void
json_rows(FILE *f, struct json_object *o, char *prefix, size_t len)
{
	size_t at = strlen(prefix), i;

	if (json_object_is_type(o, json_type_object) && json_object_object_length(o)) {
		json_object_object_foreach(o, key, val) {
			snprintf(prefix + at, len - at, "%s%s", at ? "." : "", key);
			json_rows(f, val, prefix, len);
		}
	} else if (json_object_is_type(o, json_type_array) && json_object_array_length(o)) {
		for (i = 0; i < json_object_array_length(o); i++) {
			snprintf(prefix + at, len - at, "[%zu]", i);
			json_rows(f, json_object_array_get_idx(o, i), prefix, len);
		}
	} else {
		fputs("<tr>", f);
		td(f, prefix);
		td(f, o ? json_object_get_string(o) : "null");
		fputs("</tr>\n", f);
	}
	prefix[at] = '\0';
}

static void
section_meters(FILE *f, const struct report_run *runs, size_t n)
{
	size_t i, r, c;

	fputs("<h2 id=\"meters\">Meters and their checks</h2>\n", f);
	for (i = 0; i < n; i++) {
		struct json_object *m = NULL;
		char prefix[512] = "meter";

		fputs("<h3>", f);
		esc(f, runs[i].label);
		fputs("</h3>\n", f);
		if (runs[i].meta && json_object_object_get_ex(runs[i].meta, "meter", &m)) {
			fputs("<table>\n", f);
			json_rows(f, m, prefix, sizeof(prefix));
			fputs("</table>\n", f);
		} else {
			fputs("<p>No meter details: ", f);
			esc(f, runs[i].meta ? "the sidecar has no meter object" : runs[i].meta_note);
			fputs(".</p>\n", f);
		}
		if (!runs[i].check_path[0]) {
			fputs("<p class=\"note\">No check results: <code>joulebench report</code> reads "
			      "them from RUN.check.csv next to the run, or from <code>--check FILE"
			      "</code>.</p>\n", f);
			continue;
		}
		fputs("<p>Check results from <code>", f);
		esc(f, runs[i].check_path);
		fputs("</code>:</p>\n<table>\n", f);
		for (r = 0; r < runs[i].check.n_rows; r++) {
			fputs("<tr>", f);
			for (c = 0; c < runs[i].check.n_cols; c++) {
				const char *cell = runs[i].check.cell[r * runs[i].check.n_cols + c];

				/* A verdict stands out: check's result column says pass or fail. */
				fputs(!r ? "<th>" : !strcmp(cell ? cell : "", "fail") ? "<td class=\"fail\">"
				      : !strcmp(cell ? cell : "", "pass") ? "<td class=\"pass\">" : "<td>", f);
				esc(f, cell);
				fputs(r ? "</td>" : "</th>", f);
			}
			fputs("</tr>\n", f);
		}
		fputs("</table>\n", f);
		if (runs[i].check.n_more)
			fprintf(f, "<p class=\"note\">%zu more rows not shown.</p>\n",
				runs[i].check.n_more);
	}
}

static void
section_metadata(FILE *f, const struct report_run *runs, size_t n)
{
	size_t i;

	fputs("<h2 id=\"metadata\">Metadata</h2>\n", f);
	for (i = 0; i < n; i++) {
		char prefix[512] = "";

		fputs("<details open><summary>", f);
		esc(f, runs[i].label);
		fputs("</summary>\n", f);
		if (!runs[i].meta) {
			fputs("<p>", f);
			esc(f, runs[i].meta_note);
			fputs("</p></details>\n", f);
			continue;
		}
		fputs("<table><tr><th>key</th><th>value</th></tr>\n", f);
		json_rows(f, runs[i].meta, prefix, sizeof(prefix));
		fputs("</table></details>\n", f);
	}
}

int
report_html_write(FILE *f, struct report_run *runs, size_t n, struct summary *pooled,
		  const struct report_opts *o, struct jb_err *err)
{
	struct view *v;
	size_t i, j, nv = 0, modeled = 0;
	int rc = 0;

	for (i = 0; i < n; i++)
		nv += runs[i].sum.n;
	v = calloc(nv ? nv : 1, sizeof(*v));
	if (!v)
		return jb_err_set(err, -ENOMEM, "out of memory");
	for (i = 0, nv = 0; i < n; i++)
		for (j = 0; j < runs[i].sum.n; j++) {
			struct view *w = &v[nv++];

			w->run = i;
			w->g = &runs[i].sum.group[j];
			summary_group_stats(w->g, &w->st);
			if (stats_median_ci(w->g->energy_j, w->g->n, o->resamples, o->seed, o->level,
					    &w->ci_e) ||
			    stats_median_ci(w->g->dynamic_j, w->g->n, o->resamples, o->seed,
					    o->level, &w->ci_d)) {
				free(v);
				return jb_err_set(err, -ENOMEM, "out of memory");
			}
			w->outliers = stats_outliers_mad(w->g->energy_j, w->g->n);
			modeled += is_modeled(w->g);
		}
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'\">\n<meta name=\"viewport\" content=\"width=device-width\">"
	      "\n<title>", f);
	esc(f, o->title);
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", style);
	esc(f, o->title);
	fputs("</h1>\n<p>", f);
	for (i = 0; i < n; i++) {
		fputs(i ? ", <code>" : (n > 1 ? "Runs <code>" : "Run <code>"), f);
		esc(f, runs[i].path);
		fputs("</code>", f);
	}
	fputs(". Sections: <a href=\"#runs\">runs</a>, <a href=\"#summary\">summary</a>, "
	      "<a href=\"#distributions\">distributions</a>, <a href=\"#ratios\">driver ratios"
	      "</a>, ", f);
	if (n > 1)
		fputs("<a href=\"#comparison\">comparison</a>, ", f);
	fputs("<a href=\"#meters\">meters</a>, <a href=\"#metadata\">metadata</a>.</p>\n", f);
	if (modeled)
		fprintf(f, "<p class=\"banner\"><b>%zu of %zu configurations are MODELED</b>: their "
			   "energy is an estimate from CPU time and a platform power profile, not a "
			   "measurement (marked <b>(modeled)</b> throughout).</p>\n", modeled, nv);
	section_overview(f, runs, n);
	section_summary(f, v, nv, runs, n, o);
	rc = section_distributions(f, v, nv, runs, n, o);
	if (!rc)
		rc = section_driver_ratios(f, pooled, o);
	if (!rc && n > 1)
		rc = section_comparison(f, v, nv, runs, n, o);
	if (!rc) {
		section_meters(f, runs, n);
		section_metadata(f, runs, n);
		fputs("<hr>\n<p class=\"note\">Written by ", f);
		esc(f, o->generator);
		fputs(" (<code>joulebench report</code>): one file, no script, nothing loaded from "
		      "the network.</p>\n</body>\n</html>\n", f);
	}
	free(v);
	if (rc)
		return jb_err_set(err, rc, "out of memory");
	if (fflush(f) != 0 || ferror(f))
		return jb_err_set(err, -EIO, "writing the report failed: %s", strerror(errno));
	return 0;
}
