/* SPDX-License-Identifier: MIT */
/*
 * `joulebench overhead`: reproduce the paper's overhead comparison (DESIGN §6,
 * docs/overhead.md). Parameters are layered: built-in defaults (each with its source),
 * then --params files, then measured CSVs, then --set overrides. The trace is generated
 * (default) or read from Azure 2019 (one day or several) or 2021 files. It writes the
 * breakdown, time-series and parameter CSVs and the figures, and prints the summary under
 * both accountings with every parameter's source; --sweep repeats the simulation over the
 * values of one parameter (a curve) or, given twice, of two (a sensitivity map).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "overhead.h"
#include "overhead_out.h"
#include "overhead_sweep.h"
#include "params.h"
#include "trace.h"

#define OVH_MAX_FILES 16
#define OVH_MAX_DAYS 31

struct ovh_opts {
	const char *params[OVH_MAX_FILES], *sets[OVH_MAX_FILES * 4];
	size_t nparams, nsets;
	const char *inv19[OVH_MAX_DAYS], *dur19[OVH_MAX_DAYS], *mem19[OVH_MAX_DAYS];
	size_t ninv19, ndur19, nmem19;
	const char *dir19, *file21, *server_csv, *board_csv, *prefix, *sweep[2], *fleet_ipd;
	size_t nsweep;
	unsigned long long functions, seed, threads;
	double hours, step_s;
	int no_plot;
};

/* The paper's figure to compare the fleet saving with (research/paper.md section 1). */
#define OVH_PAPER_MW "70.8 MW (Carl, Pfandzelter, Bermbach 2025, arXiv 2510.08180, abstract)"

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: joulebench overhead [OPTIONS]\n\n"
		"Simulate a FaaS platform serving a trace on software-isolated servers and on\n"
		"hardware-isolated boards; report energy, overhead by part, the reduction of\n"
		"overhead and the fleet-scale saving (docs/overhead.md).\n\n"
		"trace (default: a seeded generated day with the Azure 2019 trace's shape):\n"
		"  --azure2019-invocations F  invocations_per_function_md.anon.dNN.csv; repeat\n"
		"                             (with the durations in the same order) for days\n"
		"  --azure2019-durations F    function_durations_percentiles.anon.dNN.csv\n"
		"  --azure2019-memory F       app_memory_percentiles.anon.dNN.csv (optional;\n"
		"                             12 columns, or 13 with HashFunction)\n"
		"  --azure2019-dir DIR        every day dNN found in DIR, as one trace\n"
		"  --azure2021 F              AzureFunctionsInvocationTraceForTwoWeeksJan2021.txt\n"
		"  --functions N              generate N functions / sample N functions\n"
		"  --hours H                  keep only the first H hours\n"
		"  --seed S                   seed of generation, sampling and expansion (1)\n"
		"parameters (later wins):\n"
		"  --params FILE|NAME         `key = value | source` lines; NAME: a preset of\n"
		"                             sim/presets/ (installed: share/joulebench/presets)\n"
		"  --server-csv F             measured joulebench CSV of the server\n"
		"  --board-csv F              measured joulebench CSV of the board\n"
		"  --set KEY=VALUE            override one parameter (repeatable)\n"
		"  --fleet-invocations-per-day N  fleet_scale = N / the trace's invocations per\n"
		"                             day (sim/presets/fleet-aws-lambda.params)\n"
		"  --sweep KEY=V1,V2,...      also draw the reduction against KEY; twice: a map\n"
		"                             of the reduction over both keys\n"
		"  --threads N                threads (default: all cores); results do not\n"
		"                             depend on N\n"
		"output:\n"
		"  -o PREFIX                  files PREFIX.* (default runs/overhead-<time>)\n"
		"  --step S                   time-series step in seconds (300)\n"
		"  --no-plot                  CSVs only, no gnuplot\n");
}

static int
parse_args(int argc, char **argv, struct ovh_opts *o)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return -1;
		}
		if (!strcmp(a, "--no-plot")) {
			o->no_plot = 1;
			continue;
		}
		if (!v) {
			fprintf(stderr, "joulebench overhead: unknown option or missing value: '%s'\n", a);
			return CLI_EXIT_USAGE;
		}
		i++;
		if (!strcmp(a, "--azure2019-invocations") && o->ninv19 < OVH_MAX_DAYS)
			o->inv19[o->ninv19++] = v;
		else if (!strcmp(a, "--azure2019-durations") && o->ndur19 < OVH_MAX_DAYS)
			o->dur19[o->ndur19++] = v;
		else if (!strcmp(a, "--azure2019-memory") && o->nmem19 < OVH_MAX_DAYS)
			o->mem19[o->nmem19++] = v;
		else if (!strcmp(a, "--azure2019-dir"))
			o->dir19 = v;
		else if (!strcmp(a, "--fleet-invocations-per-day"))
			o->fleet_ipd = v;
		else if (!strcmp(a, "--azure2021"))
			o->file21 = v;
		else if (!strcmp(a, "--server-csv"))
			o->server_csv = v;
		else if (!strcmp(a, "--board-csv"))
			o->board_csv = v;
		else if (!strcmp(a, "-o"))
			o->prefix = v;
		else if (!strcmp(a, "--sweep") && o->nsweep < 2)
			o->sweep[o->nsweep++] = v;
		else if (!strcmp(a, "--params") && o->nparams < OVH_MAX_FILES)
			o->params[o->nparams++] = v;
		else if (!strcmp(a, "--set") && o->nsets < OVH_MAX_FILES * 4)
			o->sets[o->nsets++] = v;
		else if (strcmp(a, "--functions") && strcmp(a, "--seed") && strcmp(a, "--hours") &&
			 strcmp(a, "--step") && strcmp(a, "--threads")) {
			fprintf(stderr, "joulebench overhead: unknown option '%s' or given too often "
					"(try --help)\n", a);
			return CLI_EXIT_USAGE;
		} else if (!strcmp(a, "--functions") ? cli_parse_uint(v, 10000000, &o->functions) :
			   !strcmp(a, "--seed")      ? cli_parse_uint(v, ~0ULL, &o->seed) :
			   !strcmp(a, "--threads")   ? cli_parse_uint(v, 1024, &o->threads) || !o->threads :
			   !strcmp(a, "--hours")     ? cli_parse_double(v, 1e-3, 1e6, &o->hours) :
						       cli_parse_double(v, 1e-3, 1e9, &o->step_s)) {
			fprintf(stderr, "joulebench overhead: bad value for %s: '%s'\n", a, v);
			return CLI_EXIT_USAGE;
		}
	}
	if (o->ninv19 != o->ndur19 || (o->nmem19 && o->nmem19 != o->ninv19) ||
	    (!!o->ninv19 + !!o->dir19 + !!o->file21 > 1)) {
		fprintf(stderr, "joulebench overhead: give --azure2019-invocations with as many "
				"--azure2019-durations (and --azure2019-memory, if any), or "
				"--azure2019-dir, or --azure2021, one of them\n");
		return CLI_EXIT_USAGE;
	}
	if (!o->threads) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		o->threads = n > 0 ? (unsigned long long)n : 1;
	}
	return 0;
}

static int
load_params(const struct ovh_opts *o, struct params *p, struct jb_err *err)
{
	size_t i;
	int rc = 0;

	params_init(p);
	for (i = 0; i < o->nparams && !rc; i++)
		rc = params_load_file(p, o->params[i], err);
	if (!rc && (o->server_csv || o->board_csv))
		rc = params_measured_apply(p, o->server_csv, o->board_csv, err);
	if (!rc && o->fleet_ipd)
		rc = params_set(p, "fleet_invocations_per_day", o->fleet_ipd,
				"command line --fleet-invocations-per-day", err);
	if (!rc && o->functions && !o->ninv19 && !o->dir19 && !o->file21) {
		char n[32];

		snprintf(n, sizeof(n), "%llu", o->functions);
		rc = params_set(p, "gen_functions", n, "command line --functions", err);
	}
	for (i = 0; i < o->nsets && !rc; i++)
		rc = params_set_arg(p, o->sets[i], err);
	return rc;
}

static int
load_trace(const struct ovh_opts *o, const struct params *p, struct trace *t, struct jb_err *err)
{
	int rc;

	if (o->ninv19)
		rc = trace_azure2019_read_days(t, o->inv19, o->dur19, o->nmem19 ? o->mem19 : NULL,
					       o->ninv19, err);
	else if (o->dir19)
		rc = trace_azure2019_dir(t, o->dir19, err);
	else if (o->file21)
		rc = trace_azure2021_read(t, o->file21, err);
	else
		return trace_gen_create(t, p, o->hours, o->seed, err);
	if (!rc)
		rc = trace_limit(t, o->hours, o->functions, o->seed, err);
	return rc;
}

static void
print_result(const struct overhead_result *r)
{
	unsigned k, j;

	printf("%-9s %12s %12s %12s", "platform", "total_kWh", "useful_kWh", "overhead_kWh");
	for (j = 1; j < OVERHEAD_N_PARTS; j++)
		printf(" %15.15s", overhead_part_name(j));
	printf(" %14s %10s %12s\n", "overhead_W", "units", "cold_starts");
	for (k = 0; k < OVERHEAD_N_PLATFORMS; k++) {
		const struct overhead_platform_result *pr = &r->p[k];

		printf("%-9s %12.6g %12.6g %12.6g", overhead_platform_name(k), pr->total_j / 3.6e6,
		       pr->part_j[OVERHEAD_USEFUL] / 3.6e6, pr->overhead_j / 3.6e6);
		for (j = 1; j < OVERHEAD_N_PARTS; j++)
			printf(" %15.6g", pr->part_j[j] / 3.6e6);
		printf(" %14.6g %10.0f %12llu\n", pr->overhead_power_w, pr->units_peak,
		       (unsigned long long)pr->cold_starts);
	}
}

static int
run_sweep(const struct ovh_opts *o, const struct params *base, const struct trace *t,
	  const char *prefix, struct jb_err *err)
{
	struct overhead_sweep_axis ax[2];
	struct overhead_sweep_job job = { .t = t, .base = base, .seed = o->seed,
					  .threads = (unsigned)o->threads, .gen_hours = o->hours };
	struct overhead_sweep_point *pt;
	size_t i, n;
	int rc = 0;

	for (i = 0; i < o->nsweep; i++)
		if ((rc = overhead_sweep_parse(o->sweep[i], base, &ax[i], err)))
			return rc;
	job.ax[0] = &ax[0];
	job.ax[1] = o->nsweep > 1 ? &ax[1] : NULL;
	job.gen = !o->ninv19 && !o->dir19 && !o->file21;
	n = overhead_sweep_points(&job);
	if (!(pt = calloc(n, sizeof(*pt))))
		return jb_err_set(err, -ENOMEM, "out of memory");
	if ((rc = overhead_sweep_run(&job, pt, err))) {
		free(pt);
		return rc;
	}
	if (job.ax[1])
		printf("\nmap of %s x %s (%zu points):\n%14s %14s %12s %12s %12s\n", ax[0].key,
		       ax[1].key, n, ax[0].key, ax[1].key, "reduction_%", "strict_%", "total_ratio");
	else
		printf("\nsweep of %s:\n%14s %12s %12s %16s %16s %16s %12s\n", ax[0].key, "value",
		       "reduction_%", "strict_%", "overhead_sw_W", "overhead_hw_W", "fleet_saving_W",
		       "total_ratio");
	for (i = 0; i < n; i++) {
		const struct overhead_result *r = &pt[i].r;

		if (job.ax[1])
			printf("%14.6g %14.6g %12.4f %12.4f %12.4g\n", pt[i].value, pt[i].value2,
			       100 * r->reduction, 100 * r->reduction_acc[OVERHEAD_ACC_STRICT],
			       r->total_ratio);
		else
			printf("%14.6g %12.4f %12.4f %16.6g %16.6g %16.6g %12.4g\n", pt[i].value,
			       100 * r->reduction, 100 * r->reduction_acc[OVERHEAD_ACC_STRICT],
			       r->p[OVERHEAD_SW].overhead_power_w, r->p[OVERHEAD_HW].overhead_power_w,
			       r->fleet_saving_w, r->total_ratio);
	}
	if (job.ax[1]) {
		rc = overhead_out_map_csv(ax[0].key, ax[1].key, pt, ax[0].n, ax[1].n, prefix, err);
		if (!rc && !o->no_plot)
			rc = overhead_out_map_plot(ax[0].key, ax[1].key, pt, ax[0].n, ax[1].n, prefix,
						   err);
	} else {
		rc = overhead_out_sweep_csv(ax[0].key, pt, n, prefix, err);
		if (!rc && !o->no_plot)
			rc = overhead_out_sweep_plot(ax[0].key, pt, n, prefix, err);
	}
	for (i = 0; i < n; i++)
		overhead_result_fini(&pt[i].r);
	free(pt);
	return rc;
}

static int
sweep_check(const struct ovh_opts *o, const struct params *p, struct jb_err *err)
{
	struct overhead_sweep_axis ax[2];
	size_t i;
	int rc = 0;

	for (i = 0; i < o->nsweep && !rc; i++)
		rc = overhead_sweep_parse(o->sweep[i], p, &ax[i], err);
	if (!rc && o->nsweep == 2 && !strcmp(ax[0].key, ax[1].key))
		rc = jb_err_set(err, -EINVAL, "--sweep %s twice: a map needs two keys", ax[0].key);
	return rc;
}

/* The summary: both accountings side by side, both totals and their ratio, and the fleet
 * saving with where its scale came from, next to the paper's figure. */
static void
print_summary(const struct overhead_result *r, const struct params *p)
{
	int paper = p->v[PARAMS_static_is_useful] != 0;
	const char *sel = paper ? "paper" : "strict";
	unsigned a;

	printf("\nreduction of overhead (1 - hardware/software): %.2f%% (%s accounting, "
	       "selected by static_is_useful)\n", 100 * r->reduction, sel);
	printf("%-44s %14s %14s\n", "accounting:", "paper", "strict");
	printf("%-44s %13.2f%% %13.2f%%\n", "  reduction of overhead",
	       100 * r->reduction_acc[OVERHEAD_ACC_PAPER], 100 * r->reduction_acc[OVERHEAD_ACC_STRICT]);
	for (a = 0; a < OVERHEAD_N_PLATFORMS; a++)
		printf("  overhead, %-33s %12.6g W %12.6g W\n", overhead_platform_name(a),
		       r->p[a].overhead_acc_j[OVERHEAD_ACC_PAPER] / r->horizon_s,
		       r->p[a].overhead_acc_j[OVERHEAD_ACC_STRICT] / r->horizon_s);
	printf("%-44s %12.6g W %12.6g W\n", "  fleet-scale saving",
	       r->fleet_saving_acc_w[OVERHEAD_ACC_PAPER], r->fleet_saving_acc_w[OVERHEAD_ACC_STRICT]);
	printf("total energy: software %.6g kWh, hardware %.6g kWh; hardware/software = %.4g "
	       "(a lower overhead is not a lower total)\n", r->p[OVERHEAD_SW].total_j / 3.6e6,
	       r->p[OVERHEAD_HW].total_j / 3.6e6, r->total_ratio);
	printf("average overhead power: software %.6g W, hardware %.6g W; saving %.6g W\n",
	       r->p[OVERHEAD_SW].overhead_power_w, r->p[OVERHEAD_HW].overhead_power_w,
	       r->saving_power_w);
	printf("fleet-scale saving (x fleet_scale %.6g): %.6g MW (%s accounting; strict: %.6g "
	       "MW); compare: the paper's %s\n", r->fleet_scale, r->fleet_saving_w / 1e6, sel,
	       r->fleet_saving_acc_w[OVERHEAD_ACC_STRICT] / 1e6, OVH_PAPER_MW);
	if (p->v[PARAMS_fleet_invocations_per_day] > 0)
		printf("  fleet_scale = %.6g invocations/day (%s) / the trace's %.6g "
		       "invocations/day\n", p->v[PARAMS_fleet_invocations_per_day],
		       p->src[PARAMS_fleet_invocations_per_day],
		       r->invocations / (r->horizon_s / 86400));
	else
		printf("  fleet_scale: %s\n", p->src[PARAMS_fleet_scale]);
}

static int
exit_for(int rc)
{
	return rc == -ENOMEM || rc == -EIO ? CLI_EXIT_FAILED : CLI_EXIT_USAGE;
}

int
cmd_overhead(int argc, char **argv)
{
	struct ovh_opts o = { .seed = 1, .step_s = 300 };
	struct params p;
	struct trace t = { 0 };
	struct overhead_result r = { 0 };
	struct jb_err err = { 0 };
	char def[128];
	unsigned k;
	int rc;

	if ((rc = parse_args(argc, argv, &o)))
		return rc < 0 ? CLI_EXIT_OK : rc;
	if ((rc = load_params(&o, &p, &err)) || (rc = sweep_check(&o, &p, &err)) ||
	    (rc = load_trace(&o, &p, &t, &err))) {
		fprintf(stderr, "joulebench overhead: %s\n", err.msg);
		trace_fini(&t);
		return exit_for(rc);
	}
	if (!o.prefix) {
		time_t now = time(NULL);
		struct tm tm;
		char stamp[32];

		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
		if (mkdir("runs", 0755) != 0 && errno != EEXIST) {
			fprintf(stderr, "joulebench overhead: cannot create runs/: %s\n", strerror(errno));
			trace_fini(&t);
			return CLI_EXIT_FAILED;
		}
		snprintf(def, sizeof(def), "runs/overhead-%s-%ld", stamp, (long)getpid());
		o.prefix = def;
	}
	fprintf(stderr, "joulebench overhead: trace %s: %zu functions, %llu invocations, %.4g h "
			"(%zu functions dropped by the reader); seed %llu; %llu threads\n", t.kind,
		t.n, (unsigned long long)t.n_invocations, t.horizon_s / 3600, t.n_dropped, o.seed,
		o.threads);
	rc = overhead_simulate(&t, &p, o.seed, o.step_s, (unsigned)o.threads, &r, &err);
	if (!rc) {
		print_result(&r);
		print_summary(&r, &p);
		printf("\nparameters (value | source):\n");
		for (k = 0; k < PARAMS_N; k++)
			printf("  %-28s = %-12.6g | %s\n", params_name(k), p.v[k], p.src[k]);
		rc = overhead_out_csv(&r, &p, o.prefix, &err);
	}
	if (!rc && !o.no_plot) {
		rc = overhead_out_plot(&r, o.prefix, &err);
		if (rc == -ENOENT) {
			fprintf(stderr, "joulebench overhead: figures skipped: %s\n", err.msg);
			o.no_plot = 1;
			rc = 0;
		}
	}
	if (!rc && o.nsweep)
		rc = run_sweep(&o, &p, &t, o.prefix, &err);
	if (!rc)
		fprintf(stderr, "joulebench overhead: wrote %s.breakdown.csv, .timeseries.csv, "
				".params.csv%s%s\n", o.prefix, o.no_plot ? "" : ", .energy/.power .png/.svg",
			o.nsweep == 2 ? ", .map.csv" : o.nsweep ? ", .sweep.csv" : "");
	overhead_result_fini(&r);
	trace_fini(&t);
	if (rc) {
		fprintf(stderr, "joulebench overhead: %s\n", err.msg);
		return exit_for(rc);
	}
	return CLI_EXIT_OK;
}
