/* SPDX-License-Identifier: MIT */
/*
 * `joulebench analyze FILE...`: statistics a reviewer can check, from one or several
 * result CSVs. Per (workload, size, driver, meter): n, median and IQR of energy and dynamic
 * energy per invocation, a seeded bootstrap 95% CI of each median, mean power, energy per
 * unit of work, and outliers by the MAD rule; then, for configurations measured under
 * several drivers, the ratio of their medians with its bootstrap CI. Warm rows with status
 * ok or untrustworthy count; others are reported as failed. A table on the terminal, or
 * CSV (--csv) for machines.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <csv.h>

#include "cli.h"
#include "results.h"
#include "stats.h"
#include "summary.h"

struct analyze_opts {
	int csv, ratios;
	unsigned long long seed, resamples;
	double level;
};

static void
put_text(const char *s, int last)
{
	csv_fwrite(stdout, s, strlen(s));
	fputc(last ? '\n' : ',', stdout);
}

static void
put_num(double v, int last)
{
	if (!isnan(v))
		printf("%.9g", v);
	fputc(last ? '\n' : ',', stdout);
}

static void
print_groups(struct summary *s, const struct analyze_opts *o)
{
	size_t i;

	if (o->csv)
		printf("workload,size,driver,meter,meter_kind,n,n_failed,n_untrustworthy,"
		       "energy_median_j,energy_q1_j,energy_q3_j,energy_ci_lo_j,energy_ci_hi_j,"
		       "dynamic_median_j,dynamic_q1_j,dynamic_q3_j,dynamic_ci_lo_j,dynamic_ci_hi_j,"
		       "mean_power_w,energy_per_unit_j,work_unit,outliers\n");
	else
		printf("%-12s %-5s %-9s %-14s %6s %11s %25s %11s %25s %9s %12s %5s\n", "workload",
		       "size", "driver", "meter", "n", "energy_J", "95% CI of median", "dynamic_J",
		       "95% CI of median", "power_W", "J/unit", "outl");
	for (i = 0; i < s->n; i++) {
		struct summary_group *g = &s->group[i];
		struct summary_stats st;
		struct stats_ci ce, cd;
		size_t out;

		summary_group_stats(g, &st);
		stats_median_ci(g->energy_j, g->n, (unsigned)o->resamples, o->seed, o->level, &ce);
		stats_median_ci(g->dynamic_j, g->n, (unsigned)o->resamples, o->seed, o->level, &cd);
		out = stats_outliers_mad(g->energy_j, g->n);
		if (o->csv) {
			put_text(g->workload, 0);
			put_text(g->size, 0);
			put_text(g->driver, 0);
			put_text(g->meter, 0);
			put_text(g->meter_kind, 0);
			printf("%zu,%zu,%zu,", st.n, g->n_failed, g->n_untrustworthy);
			put_num(st.energy_median_j, 0);
			put_num(st.energy_q1_j, 0);
			put_num(st.energy_q3_j, 0);
			put_num(ce.lo, 0);
			put_num(ce.hi, 0);
			put_num(st.dynamic_median_j, 0);
			put_num(st.dynamic_q1_j, 0);
			put_num(st.dynamic_q3_j, 0);
			put_num(cd.lo, 0);
			put_num(cd.hi, 0);
			put_num(st.mean_power_w, 0);
			put_num(st.energy_per_unit_j, 0);
			put_text(g->work_unit, 0);
			printf("%zu\n", out);
			continue;
		}
		printf("%-12s %-5s %-9s %-14s %6zu %11.4g [%10.4g, %10.4g] %11.4g [%10.4g, %10.4g] "
		       "%9.4g %12.4g %5zu\n",
		       g->workload, g->size, g->driver, g->meter, st.n, st.energy_median_j, ce.lo,
		       ce.hi, st.dynamic_median_j, cd.lo, cd.hi, st.mean_power_w,
		       st.energy_per_unit_j, out);
		if (!strcmp(g->meter_kind, "modeled"))
			printf("%-12s   (modeled: an estimate, not a measurement)\n", "");
		if (g->n_failed || g->n_untrustworthy)
			printf("%-12s   %zu failed, %zu untrustworthy rows\n", "", g->n_failed,
			       g->n_untrustworthy);
	}
}

static void
print_ratios(struct summary *s, const struct analyze_opts *o)
{
	size_t i, j;

	if (o->csv)
		printf("workload,size,meter,driver_a,driver_b,energy_ratio,energy_ratio_ci_lo,"
		       "energy_ratio_ci_hi,dynamic_ratio,dynamic_ratio_ci_lo,dynamic_ratio_ci_hi\n");
	else
		printf("%-12s %-5s %-14s %-21s %9s %23s %9s %23s\n", "workload", "size", "meter",
		       "driver b / driver a", "energy", "95% CI", "dynamic", "95% CI");
	for (i = 0; i < s->n; i++)
		for (j = 0; j < s->n; j++) {
			struct summary_group *a = &s->group[i], *b = &s->group[j];
			struct summary_stats sa, sb;
			struct stats_ci ce, cd;
			char pair[64];

			if (i == j || strcmp(a->workload, b->workload) || strcmp(a->size, b->size) ||
			    strcmp(a->meter, b->meter) || strcmp(a->driver, b->driver) >= 0)
				continue;
			summary_group_stats(a, &sa);
			summary_group_stats(b, &sb);
			if (stats_ratio_ci(a->energy_j, a->n, b->energy_j, b->n,
					   (unsigned)o->resamples, o->seed, o->level, &ce))
				ce.lo = ce.hi = NAN;
			if (stats_ratio_ci(a->dynamic_j, a->n, b->dynamic_j, b->n,
					   (unsigned)o->resamples, o->seed, o->level, &cd))
				cd.lo = cd.hi = NAN;
			if (o->csv) {
				put_text(a->workload, 0);
				put_text(a->size, 0);
				put_text(a->meter, 0);
				put_text(a->driver, 0);
				put_text(b->driver, 0);
				put_num(sb.energy_median_j / sa.energy_median_j, 0);
				put_num(ce.lo, 0);
				put_num(ce.hi, 0);
				put_num(sb.dynamic_median_j / sa.dynamic_median_j, 0);
				put_num(cd.lo, 0);
				put_num(cd.hi, 1);
				continue;
			}
			snprintf(pair, sizeof(pair), "%.10s / %.10s", b->driver, a->driver);
			printf("%-12s %-5s %-14s %-21s %9.4g [%9.4g, %9.4g] %9.4g [%9.4g, %9.4g]\n",
			       a->workload, a->size, a->meter, pair,
			       sb.energy_median_j / sa.energy_median_j, ce.lo, ce.hi,
			       sb.dynamic_median_j / sa.dynamic_median_j, cd.lo, cd.hi);
		}
}

static void
analyze_usage(FILE *f)
{
	fprintf(f, "usage: joulebench analyze FILE.csv... [OPTIONS]\n\n"
		   "Statistics of warm invocations per workload, size, driver and meter: n, median\n"
		   "and IQR, a bootstrap confidence interval of the median, mean power, energy per\n"
		   "unit of work, MAD outliers. Several files are pooled.\n\n"
		   "  --csv             machine-readable CSV on stdout\n"
		   "  --ratios          driver-to-driver ratios of the medians, with their CIs\n"
		   "  --seed N          bootstrap seed (default 1): same seed, same intervals\n"
		   "  --resamples B     bootstrap resamples (default 2000)\n"
		   "  --level L         confidence level (default 0.95)\n");
}

int
cmd_analyze(int argc, char **argv)
{
	struct analyze_opts o = { .seed = 1, .resamples = 2000, .level = 0.95 };
	struct summary sum = { 0 };
	struct jb_err err = { 0 };
	const char *files[256];
	int i, n = 0, rc;

	for (i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			analyze_usage(stdout);
			return CLI_EXIT_OK;
		} else if (!strcmp(argv[i], "--csv")) {
			o.csv = 1;
		} else if (!strcmp(argv[i], "--ratios")) {
			o.ratios = 1;
		} else if (!strcmp(argv[i], "--seed") && v) {
			if (cli_parse_uint(v, UINT64_MAX, &o.seed))
				goto bad;
			i++;
		} else if (!strcmp(argv[i], "--resamples") && v) {
			if (cli_parse_uint(v, 1000000, &o.resamples) || o.resamples < 100)
				goto bad;
			i++;
		} else if (!strcmp(argv[i], "--level") && v) {
			if (cli_parse_double(v, 0.5, 0.999, &o.level))
				goto bad;
			i++;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "joulebench analyze: unknown option '%s'\n", argv[i]);
			return CLI_EXIT_USAGE;
		} else if (n < 256) {
			files[n++] = argv[i];
		}
	}
	if (!n) {
		analyze_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	for (i = 0; i < n; i++) {
		rc = summary_add_file(&sum, files[i], &err);
		if (rc) {
			fprintf(stderr, "joulebench analyze: %s\n", err.msg);
			summary_fini(&sum);
			return rc == -ENOMEM ? CLI_EXIT_FAILED : CLI_EXIT_USAGE;
		}
	}
	if (o.ratios)
		print_ratios(&sum, &o);
	else
		print_groups(&sum, &o);
	summary_fini(&sum);
	return CLI_EXIT_OK;
bad:
	fprintf(stderr, "joulebench analyze: bad value '%s' for %s\n", argv[i + 1], argv[i]);
	return CLI_EXIT_USAGE;
}
