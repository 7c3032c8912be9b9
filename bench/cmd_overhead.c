/* SPDX-License-Identifier: MIT */
/*
 * `joulebench overhead`: reproduce the paper's overhead comparison (DESIGN §6,
 * docs/overhead.md). Parameters are layered: built-in defaults (each with its source),
 * then --params files, then measured CSVs, then --set overrides. The trace is generated
 * (default) or read from Azure 2019 or 2021 files. It writes the breakdown, time-series
 * and parameter CSVs and the figures, and prints the summary with every parameter's
 * source; --sweep repeats the simulation over values of one parameter.
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
#include "params.h"
#include "trace.h"

#define OVH_MAX_FILES 16
#define OVH_MAX_SWEEP 64

struct ovh_opts {
	const char *params[OVH_MAX_FILES], *sets[OVH_MAX_FILES * 4];
	size_t nparams, nsets;
	const char *inv19, *dur19, *mem19, *file21, *server_csv, *board_csv, *prefix, *sweep;
	unsigned long long functions, seed;
	double hours, step_s;
	int no_plot;
};

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: joulebench overhead [OPTIONS]\n\n"
		"Simulate a FaaS platform serving a trace on software-isolated servers and on\n"
		"hardware-isolated boards; report energy, overhead by part, the reduction of\n"
		"overhead and the fleet-scale saving (docs/overhead.md).\n\n"
		"trace (default: a seeded generated day with the Azure 2019 trace's shape):\n"
		"  --azure2019-invocations F  invocations_per_function_md.anon.dNN.csv\n"
		"  --azure2019-durations F    function_durations_percentiles.anon.dNN.csv\n"
		"  --azure2019-memory F       app_memory_percentiles.anon.dNN.csv (optional)\n"
		"  --azure2021 F              AzureFunctionsInvocationTraceForTwoWeeksJan2021.txt\n"
		"  --functions N              generate N functions / sample N functions\n"
		"  --hours H                  keep only the first H hours\n"
		"  --seed S                   seed of generation, sampling and expansion (1)\n"
		"parameters (later wins):\n"
		"  --params FILE|NAME         `key = value | source` lines; NAME: a preset of\n"
		"                             analysis/presets/ (installed: share/joulebench/presets)\n"
		"  --server-csv F             measured joulebench CSV of the server\n"
		"  --board-csv F              measured joulebench CSV of the board\n"
		"  --set KEY=VALUE            override one parameter (repeatable)\n"
		"  --sweep KEY=V1,V2,...      also draw the reduction against KEY\n"
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
		if (!strcmp(a, "--azure2019-invocations"))
			o->inv19 = v;
		else if (!strcmp(a, "--azure2019-durations"))
			o->dur19 = v;
		else if (!strcmp(a, "--azure2019-memory"))
			o->mem19 = v;
		else if (!strcmp(a, "--azure2021"))
			o->file21 = v;
		else if (!strcmp(a, "--server-csv"))
			o->server_csv = v;
		else if (!strcmp(a, "--board-csv"))
			o->board_csv = v;
		else if (!strcmp(a, "-o"))
			o->prefix = v;
		else if (!strcmp(a, "--sweep"))
			o->sweep = v;
		else if (!strcmp(a, "--params") && o->nparams < OVH_MAX_FILES)
			o->params[o->nparams++] = v;
		else if (!strcmp(a, "--set") && o->nsets < OVH_MAX_FILES * 4)
			o->sets[o->nsets++] = v;
		else if (strcmp(a, "--functions") && strcmp(a, "--seed") && strcmp(a, "--hours") &&
			 strcmp(a, "--step")) {
			fprintf(stderr, "joulebench overhead: unknown option '%s' (try --help)\n", a);
			return CLI_EXIT_USAGE;
		} else if (!strcmp(a, "--functions") ? cli_parse_uint(v, 10000000, &o->functions) :
			   !strcmp(a, "--seed")      ? cli_parse_uint(v, ~0ULL, &o->seed) :
			   !strcmp(a, "--hours")     ? cli_parse_double(v, 1e-3, 1e6, &o->hours) :
						       cli_parse_double(v, 1e-3, 1e9, &o->step_s)) {
			fprintf(stderr, "joulebench overhead: bad value for %s: '%s'\n", a, v);
			return CLI_EXIT_USAGE;
		}
	}
	if ((o->inv19 != NULL) != (o->dur19 != NULL) || (o->mem19 && !o->inv19) ||
	    (o->inv19 && o->file21)) {
		fprintf(stderr, "joulebench overhead: give --azure2019-invocations with "
				"--azure2019-durations, or --azure2021, not both\n");
		return CLI_EXIT_USAGE;
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
	if (!rc && o->functions && !o->inv19 && !o->file21) {
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

	if (o->inv19)
		rc = trace_azure2019_read(t, o->inv19, o->dur19, o->mem19, err);
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

/* Split --sweep KEY=V1,V2,... into @key and the values, each checked against the key's
 * range, so a bad sweep fails before any simulation runs. Return: the count or -EINVAL. */
static int
sweep_parse(const char *spec, const struct params *base, char *key, size_t keylen,
	    double *val, struct jb_err *err)
{
	char list[1024], *tok, *save = NULL;
	const char *eq = strchr(spec, '=');
	int n = 0, rc;

	if (!eq || eq == spec || (size_t)(eq - spec) >= keylen || strlen(eq + 1) >= sizeof(list))
		return jb_err_set(err, -EINVAL, "--sweep wants KEY=V1,V2,..., not '%s'", spec);
	snprintf(key, keylen, "%.*s", (int)(eq - spec), spec);
	snprintf(list, sizeof(list), "%s", eq + 1);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct params p = *base;

		if (n == OVH_MAX_SWEEP)
			return jb_err_set(err, -EINVAL, "--sweep: at most %d values", OVH_MAX_SWEEP);
		if ((rc = params_set(&p, key, tok, "command line --sweep", err)))
			return rc == -ENOENT ? -EINVAL : rc;
		val[n++] = p.v[params_find(key)];
	}
	if (!n)
		return jb_err_set(err, -EINVAL, "--sweep %s: no values", key);
	return n;
}

static int
run_sweep(const struct ovh_opts *o, const struct params *base, const struct trace *t,
	  const char *prefix, struct jb_err *err)
{
	struct overhead_sweep_point pt[OVH_MAX_SWEEP];
	double val[OVH_MAX_SWEEP];
	char key[64];
	int n = sweep_parse(o->sweep, base, key, sizeof(key), val, err), i, done = 0, rc = 0;
	struct trace own = { 0 };
	int regen;

	if (n < 0)
		return n;
	regen = !strncmp(key, "gen_", 4) && !o->inv19 && !o->file21;
	printf("\nsweep of %s:\n%14s %12s %16s %16s %16s\n", key, "value", "reduction_%",
	       "overhead_sw_W", "overhead_hw_W", "fleet_saving_W");
	for (i = 0; i < n && !rc; i++) {
		struct params p = *base;

		p.v[params_find(key)] = val[i];
		snprintf(p.src[params_find(key)], PARAMS_SOURCE_LEN, "command line --sweep");
		pt[i].value = val[i];
		if (regen) { /* a gen_* key shapes the trace itself: generate it again */
			trace_fini(&own);
			if ((rc = trace_gen_create(&own, &p, o->hours, o->seed, err)))
				break;
			t = &own;
		}
		if ((rc = overhead_simulate(t, &p, o->seed, 0, &pt[i].r, err)))
			break;
		done++;
		printf("%14.6g %12.4f %16.6g %16.6g %16.6g\n", val[i], 100 * pt[i].r.reduction,
		       pt[i].r.p[OVERHEAD_SW].overhead_power_w,
		       pt[i].r.p[OVERHEAD_HW].overhead_power_w, pt[i].r.fleet_saving_w);
	}
	if (!rc)
		rc = overhead_out_sweep_csv(key, pt, (size_t)n, prefix, err);
	if (!rc && !o->no_plot)
		rc = overhead_out_sweep_plot(key, pt, (size_t)n, prefix, err);
	for (i = 0; i < done; i++)
		overhead_result_fini(&pt[i].r);
	trace_fini(&own);
	return rc;
}

static int
sweep_check(const struct ovh_opts *o, const struct params *p, struct jb_err *err)
{
	double val[OVH_MAX_SWEEP];
	char key[64];
	int n = o->sweep ? sweep_parse(o->sweep, p, key, sizeof(key), val, err) : 0;

	return n < 0 ? n : 0;
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
			"(%zu functions dropped by the reader); seed %llu\n", t.kind, t.n,
		(unsigned long long)t.n_invocations, t.horizon_s / 3600, t.n_dropped, o.seed);
	rc = overhead_simulate(&t, &p, o.seed, o.step_s, &r, &err);
	if (!rc) {
		print_result(&r);
		printf("\nreduction of overhead (1 - hardware/software): %.2f%%\n", 100 * r.reduction);
		printf("average overhead power: software %.6g W, hardware %.6g W; saving %.6g W\n",
		       r.p[OVERHEAD_SW].overhead_power_w, r.p[OVERHEAD_HW].overhead_power_w,
		       r.saving_power_w);
		printf("fleet-scale saving (x fleet_scale %.6g): %.6g MW\n",
		       p.v[PARAMS_fleet_scale], r.fleet_saving_w / 1e6);
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
	if (!rc && o.sweep)
		rc = run_sweep(&o, &p, &t, o.prefix, &err);
	if (!rc)
		fprintf(stderr, "joulebench overhead: wrote %s.breakdown.csv, .timeseries.csv, "
				".params.csv%s%s\n", o.prefix, o.no_plot ? "" : ", .energy/.power .png/.svg",
			o.sweep ? ", .sweep.csv" : "");
	overhead_result_fini(&r);
	trace_fini(&t);
	if (rc) {
		fprintf(stderr, "joulebench overhead: %s\n", err.msg);
		return exit_for(rc);
	}
	return CLI_EXIT_OK;
}
