/* SPDX-License-Identifier: MIT */
/*
 * The HTML page of `joulebench report` (report_html.h). One file a colleague can open
 * anywhere: the style sheet is inline, figures are inline SVG (svg.c), there is no script at
 * all, and a Content-Security-Policy forbids loading anything, so a page that tried would
 * say so in the browser's console (tests/integration/test_report.py watches it). The
 * statistical sections are report_stats.c's, with analyze's statistics; this file writes
 * the page, the runs, the meters and the metadata.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "report_html.h"
#include "report_stats.h"
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

void
report_html_esc(FILE *f, const char *s)
{
	svg_escape(f, s);
}

void
report_html_td(FILE *f, const char *s)
{
	fputs("<td>", f);
	report_html_esc(f, s);
	fputs("</td>", f);
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
		report_html_td(f, runs[i].label);
		if (!m) {
			fputs("<td colspan=\"7\">", f);
			report_html_esc(f, runs[i].meta_note);
			fputs("</td></tr>\n", f);
			continue;
		}
		report_html_td(f, meta_str(m, "run_id", NULL));
		report_html_td(f, meta_str(m, "host", "host"));
		report_html_td(f, meta_str(m, "host", "arch"));
		report_html_td(f, meta_str(m, "meter", "name"));
		report_html_td(f, meta_str(m, "driver", "name"));
		report_html_td(f, jb);
		report_html_td(f, meta_str(m, "ended", NULL));
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
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
		report_html_td(f, prefix);
		report_html_td(f, o ? json_object_get_string(o) : "null");
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
		report_html_esc(f, runs[i].label);
		fputs("</h3>\n", f);
		if (runs[i].meta && json_object_object_get_ex(runs[i].meta, "meter", &m)) {
			fputs("<table>\n", f);
			json_rows(f, m, prefix, sizeof(prefix));
			fputs("</table>\n", f);
		} else {
			fputs("<p>No meter details: ", f);
			report_html_esc(f, runs[i].meta ? "the sidecar has no meter object" : runs[i].meta_note);
			fputs(".</p>\n", f);
		}
		if (!runs[i].check_path[0]) {
			fputs("<p class=\"note\">No check results: <code>joulebench report</code> reads "
			      "them from RUN.check.csv next to the run, or from <code>--check FILE"
			      "</code>.</p>\n", f);
			continue;
		}
		fputs("<p>Check results from <code>", f);
		report_html_esc(f, runs[i].check_path);
		fputs("</code>:</p>\n<table>\n", f);
		for (r = 0; r < runs[i].check.n_rows; r++) {
			fputs("<tr>", f);
			for (c = 0; c < runs[i].check.n_cols; c++) {
				const char *cell = runs[i].check.cell[r * runs[i].check.n_cols + c];

				/* A verdict stands out: check's result column says pass or fail. */
				fputs(!r ? "<th>" : !strcmp(cell ? cell : "", "fail") ? "<td class=\"fail\">"
				      : !strcmp(cell ? cell : "", "pass") ? "<td class=\"pass\">" : "<td>", f);
				report_html_esc(f, cell);
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
		report_html_esc(f, runs[i].label);
		fputs("</summary>\n", f);
		if (!runs[i].meta) {
			fputs("<p>", f);
			report_html_esc(f, runs[i].meta_note);
			fputs("</p></details>\n", f);
			continue;
		}
		fputs("<table><tr><th>key</th><th>value</th></tr>\n", f);
		json_rows(f, runs[i].meta, prefix, sizeof(prefix));
		fputs("</table></details>\n", f);
	}
}

/* Energy per invocation in CO2e at the user's intensity: one multiplication, labelled. */
static void
section_carbon(FILE *f, const struct report_view *v, size_t nv, double g_per_kwh)
{
	size_t i;

	if (!(g_per_kwh > 0))
		return;
	fprintf(f, "<h2 id=\"carbon\">Carbon at %g g CO<sub>2</sub>e/kWh</h2>\n<p class=\"note\">"
		   "The median energy per invocation times the carbon intensity you gave "
		   "(g CO<sub>2</sub>e = J &times; %g / 3.6e6): one multiplication, not a "
		   "measurement. It holds only what each meter's scope sees.</p>\n<table><tr>"
		   "<th>run</th><th>workload</th><th>size</th><th>driver</th><th>scope</th>"
		   "<th>g CO<sub>2</sub>e per invocation</th><th>per million invocations</th></tr>\n",
		g_per_kwh, g_per_kwh);
	for (i = 0; i < nv; i++) {
		const struct summary_key *k = &v[i].g->key;
		double g = summary_co2e_g(v[i].st.energy_median_j, g_per_kwh);

		fprintf(f, "<tr><td>%zu</td><td>", v[i].run + 1);
		report_html_esc(f, k->workload);
		fputs("</td><td>", f);
		report_html_esc(f, k->size);
		fputs("</td><td>", f);
		report_html_esc(f, k->driver);
		fputs("</td><td>", f);
		report_html_esc(f, k->scope);
		fprintf(f, "</td><td>%.4g</td><td>%.4g</td></tr>\n", g, g * 1e6);
	}
	fputs("</table>\n", f);
}

int
report_html_write(FILE *f, struct report_run *runs, size_t n, struct summary *pooled,
		  const struct report_opts *o, struct jb_err *err)
{
	struct report_view *v;
	size_t i, nv = 0, modeled = 0;
	int rc = report_views_build(runs, n, o, &v, &nv);

	if (rc)
		return jb_err_set(err, rc, "out of memory");
	for (i = 0; i < nv; i++)
		modeled += !strcmp(v[i].g->key.meter_kind, "modeled");
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'\">\n<meta name=\"viewport\" content=\"width=device-width\">"
	      "\n<title>", f);
	report_html_esc(f, o->title);
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", style);
	report_html_esc(f, o->title);
	fputs("</h1>\n<p>", f);
	for (i = 0; i < n; i++) {
		fputs(i ? ", <code>" : (n > 1 ? "Runs <code>" : "Run <code>"), f);
		report_html_esc(f, runs[i].path);
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
	if (o->scope_mix) {
		fputs("<p class=\"banner\"><b>Warning: ", f);
		report_html_esc(f, o->scope_mix);
		fputs("</b>.</p>\n", f);
	}
	section_overview(f, runs, n);
	report_section_summary(f, v, nv, runs, n, o);
	section_carbon(f, v, nv, o->carbon_g_per_kwh);
	rc = report_section_distributions(f, v, nv, runs, n, o);
	if (!rc)
		rc = report_section_driver_ratios(f, pooled, o);
	if (!rc && n > 1)
		rc = report_section_comparison(f, v, nv, runs, o);
	if (!rc) {
		section_meters(f, runs, n);
		section_metadata(f, runs, n);
		fputs("<hr>\n<p class=\"note\">Written by ", f);
		report_html_esc(f, o->generator);
		fputs(" (<code>joulebench report</code>): one file, no script, nothing loaded from "
		      "the network.</p>\n</body>\n</html>\n", f);
	}
	report_views_free(v, nv);
	if (rc)
		return jb_err_set(err, rc, "out of memory");
	if (fflush(f) != 0 || ferror(f))
		return jb_err_set(err, -EIO, "writing the report failed: %s", strerror(errno));
	return 0;
}
