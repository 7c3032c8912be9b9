/* SPDX-License-Identifier: MIT */
/*
 * `joulebench analyze FILE...`: statistics a reviewer can check, from one or several
 * result CSVs. Rows are grouped by every factor that changes the measurement
 * (analysis/summary.h); per group: the ok warm windows and runs behind it, the median and
 * IQR of the windows' energy and dynamic energy per invocation, a 95% CI of each median
 * (over the runs' medians, or one run's windows: analysis/stats.h), mean power,
 * energy per unit of work, outlying windows by the MAD rule, and the windows left out and
 * why. Groups of one workload and size that were not pooled get a line naming the factors
 * that split them. --ratios: for groups that differ in the driver only, the ratio of their
 * medians with its CI; groups that would pair but differ in scope (cpu-package against
 * wall-ac, say) are refused, exit 2, unless --allow-scope-mix, which every such ratio then
 * says. --carbon-intensity G: each group's energy per invocation also in grams of CO2e
 * per invocation and per million, at G g/kWh (one multiplication, labelled as the user's
 * intensity). A table on the terminal, or CSV (--csv) for machines.
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
	int csv, ratios, allow_scope_mix;
	double carbon_g_per_kwh; /* 0: no carbon figures (never the default) */
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

/* The lines under a group: what its figures rest on and what was left out. */
static void
print_notes(FILE *f, const struct summary_group *g, const struct summary_stats *st,
	    const struct stats_interval *ce, const char *dyn_note)
{
	size_t k;

	if (!strcmp(g->key.meter_kind, "modeled"))
		fprintf(f, "%-16s   modeled: an estimate, not a measurement\n", "");
	if (st->windows_excluded) {
		fprintf(f, "%-16s   %zu window(s) left out:", "", st->windows_excluded);
		for (k = 1; k < WINDOWS_FATES; k++)
			if (st->excluded[k])
				fprintf(f, " %zu %s", st->excluded[k], windows_fate_name(k));
		if (g->n_failed || g->n_untrustworthy)
			fprintf(f, " (warm rows: %zu not ok, %zu untrustworthy)", g->n_failed,
				g->n_untrustworthy);
		fputc('\n', f);
	}
	if (!st->n_windows)
		fprintf(f, "%-16s   no ok warm window: no median, no interval\n", "");
	else if (ce->flag)
		fprintf(f, "%-16s   interval flagged: %s\n", "", ce->flag);
	else if (st->n_runs == 1)
		fprintf(f, "%-16s   %s\n", "", stats_one_run_note);
	if (st->n_attributed)
		fprintf(f, "%-16s   %zu of %zu windows: this workload's share of a co-located "
			   "window by CPU time (attribution, a model, not the meter alone)\n", "",
			st->n_attributed, st->n_windows);
	if (dyn_note[0])
		fprintf(f, "%-16s   %s\n", "", dyn_note);
}

/* The group's energy per invocation in CO2e at the user's intensity, on one line. */
static void
print_carbon(FILE *f, const struct summary_stats *st, const struct stats_interval *ce,
	     double g_per_kwh)
{
	if (!(g_per_kwh > 0) || !st->n_windows)
		return;
	fprintf(f, "%-16s   CO2e at your %g g/kWh: %.4g g per invocation [%.4g, %.4g], %.4g g "
		   "per million invocations (energy_J x g/kWh / 3.6e6)\n", "", g_per_kwh,
		summary_co2e_g(st->energy_median_j, g_per_kwh), summary_co2e_g(ce->lo, g_per_kwh),
		summary_co2e_g(ce->hi, g_per_kwh),
		summary_co2e_g(st->energy_median_j, g_per_kwh) * 1e6);
}

/* One line per pair of groups of one workload and size that were not pooled, naming the
 * factors that split them (on stderr under --csv, so stdout stays one table). */
static void
print_splits(struct summary *s, FILE *f)
{
	char why[512];
	size_t i, j;

	for (i = 0; i < s->n; i++)
		for (j = i + 1; j < s->n; j++) {
			const struct summary_key *a = &s->group[i].key, *b = &s->group[j].key;

			if (strcmp(a->workload, b->workload) || strcmp(a->size, b->size))
				continue;
			summary_key_diff(a, b, why, sizeof(why));
			fprintf(f, "not pooled: %s %s, groups #%zu and #%zu differ in %s\n", a->workload,
				a->size, i + 1, j + 1, why);
		}
}

static void
print_groups(struct summary *s, const struct analyze_opts *o)
{
	char ci_head[32];
	size_t i;

	snprintf(ci_head, sizeof(ci_head), "%g%% CI of median", o->level * 100);
	if (o->csv)
		printf("workload,size,driver,meter,meter_kind,n,n_failed,n_untrustworthy,"
		       "energy_median_j,energy_q1_j,energy_q3_j,energy_ci_lo_j,energy_ci_hi_j,"
		       "dynamic_median_j,dynamic_q1_j,dynamic_q3_j,dynamic_ci_lo_j,dynamic_ci_hi_j,"
		       "mean_power_w,energy_per_unit_j,work_unit,outliers,"
		       "n_windows,n_runs,windows_excluded,windows_untrustworthy,"
		       "windows_meter_error,windows_failed,windows_cold_warmup,interval_flag,"
		       "windows_attributed,dynamic_note,wall_median_s,isolation,runtime,domain,"
		       "concurrency,rate_per_s,memory_mb,host,arch,accelerator,scope%s\n",
		       o->carbon_g_per_kwh > 0 ? ",carbon_intensity_g_per_kwh,"
						 "co2e_g_per_invocation,co2e_g_per_million_invocations"
					       : "");
	else
		printf("%-3s %-12s %-5s %-9s %3s %-14s %5s %4s %11s %25s %11s %25s %9s %12s %4s\n",
		       "#", "workload", "size", "driver", "c", "meter", "win", "runs", "energy_J",
		       ci_head, "dynamic_J", ci_head, "power_W", "J/unit", "outl");
	for (i = 0; i < s->n; i++) {
		struct summary_group *g = &s->group[i];
		const struct summary_key *k = &g->key;
		struct summary_stats st;
		struct stats_interval ce, cd;
		struct windows_sample w;
		char note[512];
		size_t out = 0;

		summary_group_stats(g, &st);
		summary_group_ci(g, WINDOWS_ENERGY, o->level, &ce);
		summary_group_ci(g, WINDOWS_DYNAMIC, o->level, &cd);
		summary_dynamic_note(g, st.dynamic_median_j, note, sizeof(note));
		/* Outliers among windows, the units measured, not among rows. */
		if (!windows_sample(&g->win, WINDOWS_ENERGY, &w)) {
			out = stats_outliers_mad(w.x, w.n);
			windows_sample_fini(&w);
		}
		if (o->csv) {
			put_text(k->workload, 0);
			put_text(k->size, 0);
			put_text(k->driver, 0);
			put_text(k->meter, 0);
			put_text(k->meter_kind, 0);
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
			printf("%zu,%zu,%zu,%zu,%zu,%zu,%zu,%zu,", out, st.n_windows, st.n_runs,
			       st.windows_excluded, st.excluded[WINDOWS_UNTRUSTWORTHY],
			       st.excluded[WINDOWS_METER_ERROR], st.excluded[WINDOWS_FAILED],
			       st.excluded[WINDOWS_NOT_WARM]);
			put_text(ce.flag ? ce.flag : "", 0);
			printf("%zu,", st.n_attributed);
			put_text(note, 0);
			put_num(st.wall_median_s, 0);
			put_text(k->isolation, 0);
			put_text(k->runtime, 0);
			put_text(k->domain, 0);
			printf("%llu,%.9g,%llu,", (unsigned long long)k->concurrency, k->rate_per_s,
			       (unsigned long long)k->memory_mb);
			put_text(k->host, 0);
			put_text(k->arch, 0);
			put_text(k->accelerator, 0);
			put_text(k->scope, !(o->carbon_g_per_kwh > 0));
			if (o->carbon_g_per_kwh > 0) {
				put_num(o->carbon_g_per_kwh, 0);
				put_num(summary_co2e_g(st.energy_median_j, o->carbon_g_per_kwh), 0);
				put_num(summary_co2e_g(st.energy_median_j, o->carbon_g_per_kwh) * 1e6,
					1);
			}
			continue;
		}
		printf("%-3zu %-12s %-5s %-9s %3llu %-14s %5zu %4zu %11.4g [%10.4g, %10.4g] %11.4g "
		       "[%10.4g, %10.4g] %9.4g %12.4g %4zu\n",
		       i + 1, k->workload, k->size, k->driver, (unsigned long long)k->concurrency,
		       k->meter, st.n_windows, st.n_runs,
		       st.energy_median_j, ce.lo, ce.hi, st.dynamic_median_j, cd.lo, cd.hi,
		       st.mean_power_w, st.energy_per_unit_j, out);
		print_notes(stdout, g, &st, &ce, note);
		if (strcmp(k->scope, s->group[0].key.scope))
			printf("%-16s   scope %s (group #1: %s): not comparable with it\n", "",
			       k->scope, s->group[0].key.scope);
		print_carbon(stdout, &st, &ce, o->carbon_g_per_kwh);
	}
	if (!o->csv)
		printf("energy_J, dynamic_J: median over ok warm windows of each window's energy per "
		       "invocation; %g%% CI: t on the runs' medians (one run: on its windows)\n",
		       o->level * 100);
	if (o->carbon_g_per_kwh > 0)
		fprintf(o->csv ? stderr : stdout,
			"CO2e: energy_J times the carbon intensity you gave (%g g/kWh), not a "
			"measurement; it holds only what the meter's scope sees\n",
			o->carbon_g_per_kwh);
	print_splits(s, o->csv ? stderr : stdout);
}

/* 1 when @a and @b differ in the driver only, or also in scope; *mixed says which. */
static int
ratio_pair(const struct summary_key *a, const struct summary_key *b, int *mixed)
{
	struct summary_key x = *a, y = *b;

	memset(x.scope, 0, sizeof(x.scope));
	memset(y.scope, 0, sizeof(y.scope));
	*mixed = strcmp(a->scope, b->scope) != 0;
	return *mixed ? summary_key_driver_pair(&x, &y) : summary_key_driver_pair(a, b);
}

static int
print_ratios(struct summary *s, const struct analyze_opts *o)
{
	size_t i, j, pairs = 0;
	char mix[512], ci_head[32];
	int mixed;

	snprintf(ci_head, sizeof(ci_head), "%g%% CI", o->level * 100);
	/* Refuse first, before any output: a ratio across scopes is not like for like. */
	for (i = 0; i < s->n && !o->allow_scope_mix; i++)
		for (j = i + 1; j < s->n; j++)
			if (ratio_pair(&s->group[i].key, &s->group[j].key, &mixed) && mixed) {
				char a[96], b[96];

				snprintf(a, sizeof(a), "group #%zu (%.40s)", i + 1,
					 s->group[i].key.driver);
				snprintf(b, sizeof(b), "group #%zu (%.40s)", j + 1,
					 s->group[j].key.driver);
				summary_scope_check(a, s->group[i].key.scope, b,
						    s->group[j].key.scope, 0, mix, sizeof(mix));
				fprintf(stderr, "joulebench analyze: %s\n", mix);
				return CLI_EXIT_USAGE;
			}

	if (o->csv)
		printf("workload,size,meter,driver_a,driver_b,energy_ratio,energy_ratio_ci_lo,"
		       "energy_ratio_ci_hi,dynamic_ratio,dynamic_ratio_ci_lo,dynamic_ratio_ci_hi,"
		       "isolation_a,isolation_b,n_windows_a,n_windows_b,n_runs_a,n_runs_b,"
		       "interval_flag,scope_a,scope_b,scope_note\n");
	else
		printf("%-12s %-5s %-14s %-27s %9s %23s %9s %23s %9s\n", "workload", "size",
		       "meter", "b / a", "energy", ci_head, "dynamic", ci_head, "windows");
	for (i = 0; i < s->n; i++)
		for (j = 0; j < s->n; j++) {
			struct summary_group *a = &s->group[i], *b = &s->group[j];
			struct stats_interval ce, cd;
			struct summary_stats sa, sb;
			int c = strcmp(a->key.driver, b->key.driver);
			char pair[64];

			/* Each pair once: a is the driver first in order (then isolation). */
			if (i == j || !ratio_pair(&a->key, &b->key, &mixed) ||
			    c > 0 || (!c && strcmp(a->key.isolation, b->key.isolation) >= 0))
				continue;
			pairs++;
			summary_scope_check(a->key.driver, a->key.scope, b->key.driver, b->key.scope,
					    1, mix, sizeof(mix));
			summary_group_stats(a, &sa);
			summary_group_stats(b, &sb);
			summary_ratio_ci(a, b, WINDOWS_ENERGY, o->level, &ce);
			summary_ratio_ci(a, b, WINDOWS_DYNAMIC, o->level, &cd);
			if (o->csv) {
				put_text(a->key.workload, 0);
				put_text(a->key.size, 0);
				put_text(a->key.meter, 0);
				put_text(a->key.driver, 0);
				put_text(b->key.driver, 0);
				put_num(ce.est, 0);
				put_num(ce.lo, 0);
				put_num(ce.hi, 0);
				put_num(cd.est, 0);
				put_num(cd.lo, 0);
				put_num(cd.hi, 0);
				put_text(a->key.isolation, 0);
				put_text(b->key.isolation, 0);
				printf("%zu,%zu,%zu,%zu,", sa.n_windows, sb.n_windows, sa.n_runs,
				       sb.n_runs);
				put_text(ce.flag ? ce.flag : "", 0);
				put_text(a->key.scope, 0);
				put_text(b->key.scope, 0);
				put_text(mix, 1);
				if (mixed)
					fprintf(stderr, "warning: %s\n", mix);
				continue;
			}
			snprintf(pair, sizeof(pair), "%.12s / %.12s", c ? b->key.driver : b->key.isolation,
				 c ? a->key.driver : a->key.isolation);
			printf("%-12s %-5s %-14s %-27s %9.4g [%9.4g, %9.4g] %9.4g [%9.4g, %9.4g] "
			       "%4zu/%-4zu\n",
			       a->key.workload, a->key.size, a->key.meter, pair, ce.est, ce.lo, ce.hi,
			       cd.est, cd.lo, cd.hi, sa.n_windows, sb.n_windows);
			if (ce.flag)
				printf("%-16s   interval flagged: %s\n", "", ce.flag);
			else if (sa.n_runs == 1 || sb.n_runs == 1)
				printf("%-16s   %s\n", "", stats_one_run_note);
			if (mixed)
				printf("%-16s   warning: %s\n", "", mix);
			if (sa.n_attributed || sb.n_attributed)
				printf("%-16s   rests on attribution: co-located shares by CPU time\n",
				       "");
		}
	if (!pairs)
		fprintf(o->csv ? stderr : stdout,
			"no ratio: no two groups differ in the driver only (a ratio pairs groups "
			"equal in workload, size, meter, domain, scope, concurrency, rate, memory, "
			"host and arch)\n");
	return CLI_EXIT_OK;
}

static void
analyze_usage(FILE *f)
{
	fprintf(f, "usage: joulebench analyze FILE.csv... [OPTIONS]\n\n"
		   "Statistics per configuration (every factor that changes the measurement):\n"
		   "the median and IQR of the ok warm windows' energy per invocation, a confidence\n"
		   "interval of the median (Student's t on the runs' medians, or on one run's\n"
		   "windows: docs in results/README.md), mean power,\n"
		   "energy per unit of work, outlying windows, and the windows left out and why.\n"
		   "Runs of one configuration are pooled.\n\n"
		   "  --csv             machine-readable CSV on stdout\n"
		   "  --ratios          ratios of the medians of groups that differ in the driver\n"
		   "                    only, with their CIs\n"
		   "  --allow-scope-mix let --ratios pair groups of different scopes (a CPU\n"
		   "                    package against a wall meter); every such ratio says so\n"
		   "  --carbon-intensity G  also give energy as grams CO2e per invocation and per\n"
		   "                    million invocations at G g CO2e/kWh (your grid's figure,\n"
		   "                    e.g. Our World in Data or Ember; not measured)\n"
		   "  --seed N          accepted for older scripts: the intervals no longer resample\n"
		   "  --resamples B     accepted for older scripts (default 2000), likewise\n"
		   "  --level L         confidence level (default 0.95)\n");
}

int
cmd_analyze(int argc, char **argv)
{
	struct analyze_opts o = { .level = 0.95 };
	struct summary sum = { 0 };
	struct jb_err err = { 0 };
	const char *files[256];
	unsigned long long unused; /* --seed, --resamples */
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
		} else if (!strcmp(argv[i], "--allow-scope-mix")) {
			o.allow_scope_mix = 1;
		} else if (!strcmp(argv[i], "--carbon-intensity") && v) {
			/* 0-2000 g/kWh: above any grid's yearly figure (coal-only is ~1000). */
			if (cli_parse_double(v, 0.001, 2000, &o.carbon_g_per_kwh))
				goto bad;
			i++;
		} else if (!strcmp(argv[i], "--seed") && v) {
			/* Older scripts pass these: checked, then unused. */
			if (cli_parse_uint(v, UINT64_MAX, &unused))
				goto bad;
			i++;
		} else if (!strcmp(argv[i], "--resamples") && v) {
			if (cli_parse_uint(v, 1000000, &unused) || unused < 100)
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
	rc = CLI_EXIT_OK;
	if (o.ratios)
		rc = print_ratios(&sum, &o);
	else
		print_groups(&sum, &o);
	summary_fini(&sum);
	return rc;
bad:
	fprintf(stderr, "joulebench analyze: bad value '%s' for %s\n", argv[i + 1], argv[i]);
	return CLI_EXIT_USAGE;
}
