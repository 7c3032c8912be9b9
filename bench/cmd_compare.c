/* SPDX-License-Identifier: MIT */
/*
 * `joulebench compare`: the isolation ladder in one command. The same workload runs under
 * each driver given (default: bare on a pinned core, then in a container), every one on
 * the same core and, where it has one, the CPU quota of the same memory size; each is a
 * complete run with its own CSV. The first driver is the baseline (normally `pinned`);
 * every other one is an isolation, and for each, its energy and time per warm invocation
 * and per cold start are reported as ratios to the baseline: the ratio of the medians
 * with its confidence interval from analysis/stats.c (deterministic: the same windows give
 * the same interval; --bootstrap is accepted and no longer used); warm figures are over
 * ok warm windows (each window's figure per invocation), cold starts one to a window. A
 * driver may carry a variant: `container:runsc` (gVisor; `--platform` picks its
 * platform), `container:runc`, `microvm:tcg`, `microvm:kvm`, `microvm:firecracker`
 * (Firecracker, under KVM). Each isolation is named as it ran (its sidecar: the runtime,
 * gVisor platform or accelerator), one figure of the ladder is drawn with gnuplot, and for
 * each isolation a server CSV (baseline rows + its rows) is written for `joulebench
 * overhead --server-csv`, whose container_create_j and isolation_frac it measures. The
 * rungs' own work is in compare_rung.c.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "cli_functions.h"
#include "compare_rung.h"
#include "oci_bundle.h"
#include "plot.h"
#include "results.h"
#include "run_options.h"
#include "runner.h"
#include "stats.h"

static void
compare_usage(FILE *f)
{
	fputs("usage: joulebench compare [OPTIONS]\n\n"
	      "Run one workload under each driver on the same core and report, for every driver\n"
	      "after the first, the energy and time per warm invocation and per cold start\n"
	      "relative to the first, with 95% confidence intervals.\n\n"
	      "      --drivers A,B,...  the baseline then the isolations, 2 to 6 (default:\n"
	      "                         pinned,container); variants: container:RUNTIME (runc,\n"
	      "                         crun, runsc = gVisor), microvm:ACCEL (kvm, tcg, auto),\n"
	      "                         microvm:firecracker (Firecracker instead of QEMU)\n"
	      "      --core N           the core all run on (default: the last usable one)\n"
	      "      --bootstrap N      accepted for older scripts: the intervals no longer\n"
	      "                         resample (default: 2000)\n"
	      "      --allow-scope-mix  give ratios even where a rung's energy has another scope\n"
	      "                         than the baseline's (said under each such ratio)\n", f);
	run_opts_usage(f, RUN_OPT_COMPARE);
	fputs("\nExit: 0 ok, 1 a run failed, 2 bad usage, 77 a driver or meter is not available.\n",
	      f);
}

/* compare's own options; the rest are run's (run_options.c). */
enum { OPT_DRIVERS = RUN_OPT_OWN_FIRST, OPT_CORE, OPT_BOOT, OPT_SCOPE_MIX };

static const struct option compare_own_options[] = {
	{ "drivers", required_argument, NULL, OPT_DRIVERS },
	{ "core", required_argument, NULL, OPT_CORE },
	{ "bootstrap", required_argument, NULL, OPT_BOOT },
	{ "allow-scope-mix", no_argument, NULL, OPT_SCOPE_MIX },
	{ NULL, 0, NULL, 0 },
};

static int
bad(const char *opt, const char *val, const char *want)
{
	return run_opts_bad("compare", opt, val, want);
}

static int
last_core(void)
{
	cpu_set_t set;
	int c, last = 0;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 0;
	for (c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			last = c;
	return last;
}

/* Parse compare's options: its own into the arguments, run's into @base and @o. Return 0,
 * or an exit code (CLI_EXIT_OK with *help set after --help). */
static int
compare_parse(int argc, char **argv, struct proto_config *base, struct run_opts *o,
	      const char **drivers, int *core, int *allow_mix, int *help)
{
	struct option table[64];
	char shortopts[64];
	unsigned long long u;
	int c, code;

	*help = 0;
	optind = 1;
	opterr = 0;
	if (run_opts_table(RUN_OPT_COMPARE, compare_own_options, NULL, table, 64, shortopts,
			   sizeof(shortopts)))
		return CLI_EXIT_FAILED;
	while ((c = getopt_long(argc, argv, shortopts, table, NULL)) != -1) {
		switch (c) {
		case OPT_DRIVERS: *drivers = optarg; continue;
		case OPT_CORE:
			if (cli_parse_uint(optarg, DRIVER_CORES_MAX - 1, &u))
				return bad("--core", optarg, "a core number");
			*core = (int)u;
			continue;
		case OPT_BOOT:
			/* Older scripts pass it: checked, then unused. */
			if (cli_parse_uint(optarg, 1000000, &u) || u < 100)
				return bad("--bootstrap", optarg, "resamples from 100 to 1000000");
			continue;
		case OPT_SCOPE_MIX: *allow_mix = 1; continue;
		case 'h': compare_usage(stdout); *help = 1; return CLI_EXIT_OK;
		case ':':
			fprintf(stderr, "joulebench compare: %s needs a value\n", argv[optind - 1]);
			return CLI_EXIT_USAGE;
		}
		code = run_opts_apply("compare", c, optarg, base, o);
		if (code > 0)
			return code;
		if (code < 0) {
			fprintf(stderr, "joulebench compare: unknown option '%s' (see --help)\n",
				argv[optind - 1]);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "joulebench compare: unexpected argument '%s'\n", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	if (base->n_workloads != 1)
		return bad("--workload", "(a list)", "compare runs one workload");
	if (!base->cold)
		return bad("--cold", "0", "compare measures cold starts: 1 or more");
	return 0;
}

int
cmd_compare(int argc, char **argv)
{
	struct proto_config base;
	struct cli_functions fs = { 0 };
	struct run_opts o = { .fns = &fs };
	const char *drivers = "pinned,container", *wl, *platform, *accel;
	char prefix[3800] = "", why[1024], list[256], *tok, *save = NULL;
	struct rung *r = calloc(RUNGS_MAX, sizeof(*r));
	int core = -1, code = 0, i, n = 0, prc, quiet, help, allow_mix = 0;
	const struct summary_group *g;

	if (!r) {
		fprintf(stderr, "joulebench compare: out of memory\n");
		return CLI_EXIT_FAILED;
	}
	run_opts_defaults(&base, &o, NULL);
	base.cold = 3;
	(void)run_opts_workloads("compare", &base, "matmul");
	code = compare_parse(argc, argv, &base, &o, &drivers, &core, &allow_mix, &help);
	if (code || help)
		goto out;
	if (fs.n_paths) {
		/* One function instead of -w's workload, loaded once for every rung. */
		if (fs.n_paths > 1 || o.workloads_given) {
			code = bad("--function", "(a list)", "compare runs one workload or one function");
			goto out;
		}
		if ((code = cli_functions_load(&fs, &base, 0, "compare")))
			goto out;
	}
	wl = base.workload[0]->name;
	platform = base.driver_cfg.platform;
	accel = base.driver_cfg.accel;
	quiet = o.quiet;
	if (o.out[0] &&
	    snprintf(prefix, sizeof(prefix), "%s", o.out) >= (int)sizeof(prefix) - 100) {
		code = bad("--output", o.out, "too long");
		goto out;
	}
	snprintf(list, sizeof(list), "%s", drivers);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == RUNGS_MAX) {
			code = bad("--drivers", drivers, "at most 6 drivers");
			goto out;
		}
		if ((code = compare_rung_parse(&r[n++], tok)) ||
		    (code = cli_functions_driver_check(&fs, r[n - 1].d, "compare")))
			goto out;
	}
	if (n < 2) {
		code = bad("--drivers", drivers, "two or more drivers, such as pinned,container");
		goto out;
	}
	for (i = 0; i < n; i++) {
		/* The probes read the runtime and VMM from the environment (as `run` sets it). */
		if (!strcmp(r[i].name, "container") && r[i].variant[0])
			setenv("JOULEBENCH_RUNTIME", r[i].variant, 1);
		else
			unsetenv("JOULEBENCH_RUNTIME");
		if (!strcmp(r[i].name, "microvm") && !strcmp(r[i].variant, "firecracker"))
			setenv("JOULEBENCH_VMM", "firecracker", 1);
		prc = r[i].d->probe(&base.ctx, why, sizeof(why));
		if (!strcmp(r[i].name, "microvm") && !strcmp(r[i].variant, "firecracker"))
			unsetenv("JOULEBENCH_VMM");
		if (prc != 0) {
			fprintf(stderr, "joulebench compare: driver %s is not usable here: %s\n",
				r[i].spec, why);
			code = CLI_EXIT_UNAVAILABLE;
			goto out;
		}
	}
	unsetenv("JOULEBENCH_RUNTIME");
	base.driver_cfg.fn_path = cli_fn_path(o.fn);
	if (!base.driver_cfg.fn_path) {
		fprintf(stderr, "joulebench compare: cannot find joulebench-fn; give it with --fn\n");
		code = CLI_EXIT_USAGE;
		goto out;
	}
	base.meter = cli_meter_pick_live(o.meter_name, &base.ctx, base.domains, base.driver_cfg.cores,
					 base.driver_cfg.n_cores, quiet, &code);
	if (!base.meter)
		goto out;
	if (core < 0)
		core = last_core();
	base.driver_cfg.cores = &core;
	base.driver_cfg.n_cores = 1;
	base.driver_cfg.timeout_ns = (uint64_t)(o.timeout_s * 1e9);
	base.driver_cfg.sysfs_root = base.ctx.sysfs_root;
	if (!prefix[0]) {
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;

		if (mkdir("runs", 0755) != 0 && errno != EEXIST) {
			fprintf(stderr, "joulebench compare: cannot create runs/: %s\n", strerror(errno));
			code = CLI_EXIT_FAILED;
			goto out;
		}
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
		snprintf(prefix, sizeof(prefix), "runs/compare-%s-%ld", stamp, (long)getpid());
	}
	base.stop = cli_stop_install();
	for (i = 0; i < n; i++) {
		struct proto_config cfg = base;
		struct jb_err err = { 0 };
		int rc, j;

		compare_rung_config(&r[i], &cfg, platform, accel);
		/* A driver given twice (pinned,pinned: the A/A noise floor) gets its own file. */
		for (j = 0; j < i && strcmp(r[j].spec, r[i].spec); j++)
			;
		snprintf(r[i].out, sizeof(r[i].out), j < i ? "%s-%s-%d.csv" : "%s-%s.csv", prefix,
			 r[i].spec, i + 1);
		for (j = (int)strlen(prefix) + 1; r[i].out[j]; j++)
			if (r[i].out[j] == ':' || r[i].out[j] == '/')
				r[i].out[j] = '-';
		cfg.out_path = r[i].out;
		rc = runner_run(&cfg, quiet, &r[i].rep, &err);
		if (rc) {
			fprintf(stderr, "joulebench compare: %s: %s\n", r[i].spec,
				err.msg[0] ? err.msg : jb_strerror(rc));
			code = runner_exit_code(&r[i].rep, rc);
			goto out;
		}
		if (r[i].rep.proto.interrupted) {
			code = CLI_EXIT_FAILED;
			goto out;
		}
		compare_label_of(&r[i]);
		if ((rc = results_read(r[i].out, compare_cold_row, &r[i], &err))) {
			fprintf(stderr, "joulebench compare: %s: %s\n", r[i].out, err.msg);
			code = CLI_EXIT_FAILED;
			goto out;
		}
		g = compare_group_of(&r[i].rep, wl);
		if (!g || isnan(summary_group_median(g, WINDOWS_ENERGY))) {
			fprintf(stderr, "joulebench compare: no ok warm window under %s (see %s)\n",
				r[i].spec, r[i].out);
			code = CLI_EXIT_FAILED;
			goto out;
		}
	}
	printf("compare %s (%s) on core %d; memory %llu MB, quota %llu/%u us (container, "
	       "microvm); meter %s (%s); intervals: Student's t, on the runs' medians or the windows "
	       "(analysis/stats.c)\n", wl,
	       workload_size_name(base.size), core,
	       (unsigned long long)(base.driver_cfg.memory_mb ? base.driver_cfg.memory_mb
							: OCI_MB_PER_VCPU),
	       (unsigned long long)oci_cpu_quota_us(base.driver_cfg.memory_mb
						? base.driver_cfg.memory_mb : OCI_MB_PER_VCPU,
						OCI_CPU_PERIOD_US),
	       OCI_CPU_PERIOD_US, base.meter->name, r[0].rep.proto.meter_kind);
	for (i = 1; i < n; i++) {
		const struct summary_group *g0 = compare_group_of(&r[0].rep, wl);
		char server[4200], mix[512];

		g = compare_group_of(&r[i].rep, wl);
		/* One meter measures every rung, so their scopes agree unless its domains
		 * changed between opens; never set two scopes against each other silently. */
		if (summary_scope_check(r[0].label, g0->key.scope, r[i].label, g->key.scope,
					allow_mix, mix, sizeof(mix)) < 0) {
			fprintf(stderr, "joulebench compare: %s\n", mix);
			code = CLI_EXIT_USAGE;
			goto out;
		}
		if (mix[0])
			printf("warning: %s\n", mix);
		compare_print_ratios(&r[0], &r[i], wl);
		if (compare_server_csv_write(&r[0], &r[i], prefix, server, sizeof(server)) == 0)
			printf("overhead --server-csv %s: this isolation's container_create_j and "
			       "isolation_frac\n", server);
	}
	{
		struct jb_err perr = { 0 };
		int rc = compare_ladder_plot(r, n, prefix, &perr);

		if (!quiet && rc == 0)
			fprintf(stderr, "joulebench: the ladder in %s-ladder.png and .svg\n", prefix);
		else if (!quiet)
			fprintf(stderr, "joulebench: no ladder figure: %s\n", perr.msg);
	}
out:
	cli_functions_fini(&fs);
	for (i = 0; i < RUNGS_MAX; i++) {
		runner_report_fini(&r[i].rep);
		free(r[i].cold_j);
		free(r[i].cold_s);
	}
	free(r);
	return code;
}
