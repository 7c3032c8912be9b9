/* SPDX-License-Identifier: MIT */
/*
 * `joulebench report RUN.csv... -o report.html`: one self-contained HTML page of one or
 * several runs, to read in any browser or send to a colleague (criterion.rs's report, for
 * energy). The page is built by analysis/report_html.c; this file parses the options, reads
 * the runs and writes the page through a temporary file renamed into place, so a failed
 * write never leaves half a report under the given name.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "jb_file.h"
#include "report_html.h"

#define REPORT_MAX_RUNS 64

static void
report_usage(FILE *f)
{
	fprintf(f, "usage: joulebench report RUN.csv... [OPTIONS]\n\n"
		   "Write one self-contained HTML page (inline SVG figures, no script, no network)\n"
		   "of one or several runs: the summary table, each workload's distribution with\n"
		   "the confidence interval of its median, driver ratios, a comparison of the runs,\n"
		   "the meter with its check results, and the metadata of each run.\n\n"
		   "  -o, --output FILE   the HTML file (default: report.html; replaced if it exists)\n"
		   "      --check FILE    check results (CSV of `joulebench check`) of the runs, one\n"
		   "                      per run in order (default: RUN.check.csv where it exists)\n"
		   "      --title TEXT    the page's title (default: joulebench report)\n"
		   "      --allow-scope-mix  report runs whose energies have different scopes\n"
		   "                      (e.g. cpu-package and wall-ac) on one page, with a warning\n"
		   "      --carbon-intensity G  a section of grams CO2e per invocation and per\n"
		   "                      million at G g CO2e/kWh (your grid's figure; not measured)\n"
		   "      --seed N        accepted for older scripts: the intervals no longer resample\n"
		   "      --resamples B   accepted for older scripts (default 2000), likewise\n"
		   "      --level L       confidence level (default 0.95)\n"
		   "  -h, --help          this text\n");
}

static int
report_bad(const char *opt, const char *val)
{
	fprintf(stderr, "joulebench report: bad value '%s' for %s\n", val, opt);
	return CLI_EXIT_USAGE;
}

struct report_page {
	struct report_run *runs;
	size_t n;
	struct summary *pooled;
	const struct report_opts *o;
	struct jb_err err;
};

static int
report_put(FILE *f, void *arg)
{
	struct report_page *p = arg;

	return report_html_write(f, p->runs, p->n, p->pooled, p->o, &p->err);
}

static int
report_write(const char *out, struct report_run *runs, size_t n, struct summary *pooled,
	     const struct report_opts *o)
{
	struct report_page page = { runs, n, pooled, o, { 0 } };
	int rc = jb_file_replace(out, 0644, report_put, &page);

	if (rc) {
		fprintf(stderr, "joulebench report: cannot write %s: %s\n", out,
			page.err.msg[0] ? page.err.msg : strerror(-rc));
		return CLI_EXIT_FAILED;
	}
	return CLI_EXIT_OK;
}

/* One page sets its runs side by side: all of one scope, or the mix allowed and said. */
static int
report_scopes(const struct summary *pooled, int allow, char *mix, size_t len,
	      struct report_opts *o)
{
	char a[128], b[128];
	size_t i;

	for (i = 1; i < pooled->n; i++) {
		const struct summary_key *k0 = &pooled->group[0].key, *k = &pooled->group[i].key;

		if (!strcmp(k0->scope, k->scope))
			continue;
		snprintf(a, sizeof(a), "%.40s %.16s under %.32s", k0->workload, k0->size,
			 k0->meter);
		snprintf(b, sizeof(b), "%.40s %.16s under %.32s", k->workload, k->size, k->meter);
		if (summary_scope_check(a, k0->scope, b, k->scope, allow, mix, len) < 0) {
			fprintf(stderr, "joulebench report: %s\n", mix);
			return CLI_EXIT_USAGE;
		}
		fprintf(stderr, "joulebench report: warning: %s\n", mix);
		o->scope_mix = mix;
		break;
	}
	return CLI_EXIT_OK;
}

int
cmd_report(int argc, char **argv)
{
	struct report_opts o = { .title = "joulebench report", .level = 0.95 };
	const char *files[REPORT_MAX_RUNS], *checks[REPORT_MAX_RUNS], *out = "report.html";
	struct report_run *runs = NULL;
	struct summary pooled = { 0 };
	char generator[128], mix[512];
	size_t n = 0, nc = 0, i;
	unsigned long long u;
	int code = CLI_EXIT_OK, allow_mix = 0;

	for (int a = 1; a < argc; a++) {
		const char *v = a + 1 < argc ? argv[a + 1] : NULL, *opt = argv[a];

		if (!strcmp(opt, "-h") || !strcmp(opt, "--help")) {
			report_usage(stdout);
			return CLI_EXIT_OK;
		} else if (!strcmp(opt, "--allow-scope-mix")) {
			allow_mix = 1;
		} else if (opt[0] == '-' && opt[1] && !v) {
			if (strcmp(opt, "-o") && strcmp(opt, "--output") && strcmp(opt, "--check") &&
			    strcmp(opt, "--title") && strcmp(opt, "--seed") &&
			    strcmp(opt, "--resamples") && strcmp(opt, "--level") &&
			    strcmp(opt, "--carbon-intensity"))
				goto unknown;
			fprintf(stderr, "joulebench report: %s needs a value\n", opt);
			return CLI_EXIT_USAGE;
		} else if (!strcmp(opt, "-o") || !strcmp(opt, "--output")) {
			out = argv[++a];
		} else if (!strcmp(opt, "--check")) {
			if (nc == REPORT_MAX_RUNS)
				return report_bad(opt, v);
			checks[nc++] = argv[++a];
		} else if (!strcmp(opt, "--carbon-intensity")) {
			if (cli_parse_double(v, 0.001, 2000, &o.carbon_g_per_kwh))
				return report_bad(opt, v);
			a++;
		} else if (!strcmp(opt, "--title")) {
			o.title = argv[++a];
		} else if (!strcmp(opt, "--seed")) {
			/* Older scripts pass these: checked, then unused. */
			if (cli_parse_uint(v, UINT64_MAX, &u))
				return report_bad(opt, v);
			a++;
		} else if (!strcmp(opt, "--resamples")) {
			if (cli_parse_uint(v, 1000000, &u) || u < 100)
				return report_bad(opt, v);
			a++;
		} else if (!strcmp(opt, "--level")) {
			if (cli_parse_double(v, 0.5, 0.999, &o.level))
				return report_bad(opt, v);
			a++;
		} else if (opt[0] == '-' && opt[1]) {
			goto unknown;
		} else if (n == REPORT_MAX_RUNS) {
			fprintf(stderr, "joulebench report: at most %d runs\n", REPORT_MAX_RUNS);
			return CLI_EXIT_USAGE;
		} else {
			files[n++] = opt;
		}
		continue;
unknown:
		fprintf(stderr, "joulebench report: unknown option '%s' (see --help)\n", opt);
		return CLI_EXIT_USAGE;
	}
	if (!n) {
		report_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (nc > n) {
		fprintf(stderr, "joulebench report: %zu --check files for %zu runs\n", nc, n);
		return CLI_EXIT_USAGE;
	}
	runs = calloc(n, sizeof(*runs));
	if (!runs) {
		fprintf(stderr, "joulebench report: out of memory\n");
		return CLI_EXIT_FAILED;
	}
	for (i = 0; i < n && code == CLI_EXIT_OK; i++) {
		struct jb_err err = { 0 };
		int rc = report_run_load(&runs[i], files[i], i < nc ? checks[i] : NULL, &err);

		if (!rc)
			rc = summary_add_file(&pooled, files[i], &err);
		if (rc) {
			fprintf(stderr, "joulebench report: %s\n", err.msg);
			code = rc == -ENOMEM ? CLI_EXIT_FAILED : CLI_EXIT_USAGE;
		}
	}
	if (code == CLI_EXIT_OK)
		code = report_scopes(&pooled, allow_mix, mix, sizeof(mix), &o);
	if (code == CLI_EXIT_OK) {
		snprintf(generator, sizeof(generator), "joulebench %s (git %s)", JB_VERSION,
			 JB_GIT_REVISION);
		o.generator = generator;
		code = report_write(out, runs, n, &pooled, &o);
	}
	if (code == CLI_EXIT_OK)
		fprintf(stderr, "joulebench: report %s\n", out);
	for (i = 0; i < n; i++)
		report_run_fini(&runs[i]);
	free(runs);
	summary_fini(&pooled);
	return code;
}
