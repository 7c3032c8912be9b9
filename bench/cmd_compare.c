/* SPDX-License-Identifier: MIT */
/*
 * `joulebench compare`: the isolation ladder in one command. The same workload runs under
 * each driver given (default: bare on a pinned core, then in a container), every one on
 * the same core and, where it has one, the CPU quota of the same memory size; each is a
 * complete run with its own CSV. The first driver is the baseline (normally `pinned`);
 * every other one is an isolation, and for each, its energy and time per warm invocation
 * and per cold start are reported as ratios to the baseline: the ratio of the medians
 * with its percentile bootstrap confidence interval (Efron and Tibshirani, "An
 * Introduction to the Bootstrap", 1993, ch. 13), from analysis/stats.c, resampled with
 * GSL's MT19937 seeded by --seed so the interval can be reproduced; warm figures are over
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
#include "compare_rung.h"
#include "oci_bundle.h"
#include "plot.h"
#include "results.h"
#include "runner.h"
#include "stats.h"

#define BOOT_DEFAULT 2000u

static void
compare_usage(FILE *f)
{
	fprintf(f,
		"usage: joulebench compare [OPTIONS]\n\n"
		"Run one workload under each driver on the same core and report, for every driver\n"
		"after the first, the energy and time per warm invocation and per cold start\n"
		"relative to the first, with bootstrap 95%% confidence intervals.\n\n"
		"      --drivers A,B,...  the baseline then the isolations, 2 to 6 (default:\n"
		"                         pinned,container); variants: container:RUNTIME (runc,\n"
		"                         crun, runsc = gVisor), microvm:ACCEL (kvm, tcg, auto),\n"
		"                         microvm:firecracker (Firecracker instead of QEMU)\n"
		"  -w, --workload NAME    one workload (default: matmul)\n"
		"  -s, --size SIZE        test, small or large (default: small)\n"
		"  -m, --meter NAME       a meter, or 'auto' (default: auto)\n"
		"      --core N           the core all run on (default: the last usable one)\n"
		"      --memory-mb M      container and microVM memory; quota = M / 1769 vCPU\n"
		"                         (default: 1769)\n"
		"      --platform P       gVisor platform for container:runsc (default: runsc's)\n"
		"      --accel A          microvm accelerator without a variant (default: auto)\n"
		"  -r, --runs N           metered windows per driver (default: 10)\n"
		"      --cold N           cold starts per driver, each measured (default: 3)\n"
		"      --warmup N         warm invocations before the windows (default: 3)\n"
		"      --min-window-s S   shortest window (default: the meter's)\n"
		"      --idle-s S         idle baseline before and after each run (default: 2)\n"
		"      --seed N           input seed and bootstrap seed (default: 42)\n"
		"      --bootstrap N      bootstrap resamples (default: 2000)\n"
		"      --fn PATH          the joulebench-fn function runner\n"
		"  -o, --output PREFIX    PREFIX-<driver>.csv per driver, PREFIX-server-<isolation>.csv\n"
		"                         for overhead --server-csv, PREFIX-ladder.{dat,png,svg}\n"
		"                         (default: runs/compare-<time>)\n"
		"      --force            overwrite them\n"
		"      --allow-scope-mix  give ratios even where a rung's energy has another scope\n"
		"                         than the baseline's (said under each such ratio)\n"
		"  -q, --quiet            no context lines on stderr\n"
		"  -h, --help             this text\n\n"
		"Exit: 0 ok, 1 a run failed, 2 bad usage, 77 a driver or meter is not available.\n");
}

enum { OPT_DRIVERS = 256, OPT_CORE, OPT_MEMORY, OPT_WARMUP, OPT_MIN_WINDOW, OPT_IDLE, OPT_SEED,
       OPT_BOOT, OPT_FN, OPT_FORCE, OPT_COLD, OPT_PLATFORM, OPT_ACCEL,
       OPT_SCOPE_MIX };

static const struct option compare_options[] = {
	{ "drivers", required_argument, NULL, OPT_DRIVERS },
	{ "workload", required_argument, NULL, 'w' },
	{ "size", required_argument, NULL, 's' },
	{ "meter", required_argument, NULL, 'm' },
	{ "core", required_argument, NULL, OPT_CORE },
	{ "memory-mb", required_argument, NULL, OPT_MEMORY },
	{ "platform", required_argument, NULL, OPT_PLATFORM },
	{ "accel", required_argument, NULL, OPT_ACCEL },
	{ "runs", required_argument, NULL, 'r' },
	{ "cold", required_argument, NULL, OPT_COLD },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "min-window-s", required_argument, NULL, OPT_MIN_WINDOW },
	{ "idle-s", required_argument, NULL, OPT_IDLE },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "bootstrap", required_argument, NULL, OPT_BOOT },
	{ "fn", required_argument, NULL, OPT_FN },
	{ "output", required_argument, NULL, 'o' },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "allow-scope-mix", no_argument, NULL, OPT_SCOPE_MIX },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

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

int
cmd_compare(int argc, char **argv)
{
	struct proto_config base = {
		.size = WORKLOAD_SIZE_SMALL, .seed = 42, .runs = 10, .warmup = 3, .cold = 3,
		.idle_s = 2.0, .concurrency = 1,
	};
	const char *drivers = "pinned,container", *wl = "matmul", *meter_name = NULL, *fn = NULL;
	const char *platform = NULL, *accel = NULL;
	char prefix[3800] = "", why[1024], list[256], *tok, *save = NULL;
	struct rung *r = calloc(RUNGS_MAX, sizeof(*r));
	unsigned boot = BOOT_DEFAULT;
	unsigned long long u;
	int core = -1, c, code = 0, i, n = 0, prc, quiet = 0, allow_mix = 0;
	const struct summary_group *g;

	if (!r) {
		fprintf(stderr, "joulebench compare: out of memory\n");
		return CLI_EXIT_FAILED;
	}
	base.ctx.sysfs_root = "/sys";
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":w:s:m:r:o:qh", compare_options, NULL)) != -1) {
		switch (c) {
		case OPT_DRIVERS: drivers = optarg; break;
		case 'w': wl = optarg; break;
		case 's':
			if (workload_size_parse(optarg, &base.size))
				code = compare_bad("--size", optarg, "test, small or large");
			break;
		case 'm': meter_name = optarg; break;
		case OPT_CORE:
			if (cli_parse_uint(optarg, DRIVER_CORES_MAX - 1, &u))
				code = compare_bad("--core", optarg, "a core number");
			core = (int)u;
			break;
		case OPT_MEMORY:
			if (cli_parse_uint(optarg, 10240, &u) || u < 128)
				code = compare_bad("--memory-mb", optarg, "megabytes from 128 to 10240");
			base.driver_cfg.memory_mb = u;
			break;
		case OPT_PLATFORM: platform = optarg; break;
		case OPT_ACCEL:
			if (strcmp(optarg, "kvm") && strcmp(optarg, "tcg") && strcmp(optarg, "auto"))
				code = compare_bad("--accel", optarg, "kvm, tcg or auto");
			accel = optarg;
			break;
		case 'r':
			if (cli_parse_uint(optarg, 1000000, &u) || !u)
				code = compare_bad("--runs", optarg, "a count from 1 to 1000000");
			base.runs = (unsigned)u;
			break;
		case OPT_COLD:
			if (cli_parse_uint(optarg, 1000, &u) || !u)
				code = compare_bad("--cold", optarg, "a count from 1 to 1000");
			base.cold = (unsigned)u;
			break;
		case OPT_WARMUP:
			if (cli_parse_uint(optarg, 1000000, &u))
				code = compare_bad("--warmup", optarg, "a count from 0 to 1000000");
			base.warmup = (unsigned)u;
			break;
		case OPT_MIN_WINDOW:
			if (cli_parse_double(optarg, 0, 3600, &base.min_window_s))
				code = compare_bad("--min-window-s", optarg, "seconds from 0 to 3600");
			break;
		case OPT_IDLE:
			if (cli_parse_double(optarg, 0.01, 3600, &base.idle_s))
				code = compare_bad("--idle-s", optarg, "seconds from 0.01 to 3600");
			break;
		case OPT_SEED:
			if (cli_parse_uint(optarg, UINT64_MAX, &u))
				code = compare_bad("--seed", optarg, "a non-negative integer");
			base.seed = u;
			break;
		case OPT_BOOT:
			if (cli_parse_uint(optarg, 1000000, &u) || u < 100)
				code = compare_bad("--bootstrap", optarg, "resamples from 100 to 1000000");
			boot = (unsigned)u;
			break;
		case OPT_FN: fn = optarg; break;
		case 'o': snprintf(prefix, sizeof(prefix), "%.*s", (int)sizeof(prefix) - 1, optarg); break;
		case OPT_FORCE: base.overwrite = 1; break;
		case OPT_SCOPE_MIX: allow_mix = 1; break;
		case 'q': quiet = 1; break;
		case 'h': compare_usage(stdout); free(r); return CLI_EXIT_OK;
		case ':':
			fprintf(stderr, "joulebench compare: %s needs a value\n", argv[optind - 1]);
			code = CLI_EXIT_USAGE;
			break;
		default:
			fprintf(stderr, "joulebench compare: unknown option '%s' (see --help)\n",
				argv[optind - 1]);
			code = CLI_EXIT_USAGE;
		}
		if (code)
			goto out;
	}
	if (optind < argc) {
		fprintf(stderr, "joulebench compare: unexpected argument '%s'\n", argv[optind]);
		code = CLI_EXIT_USAGE;
		goto out;
	}
	snprintf(list, sizeof(list), "%s", drivers);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == RUNGS_MAX) {
			code = compare_bad("--drivers", drivers, "at most 6 drivers");
			goto out;
		}
		if ((code = compare_rung_parse(&r[n++], tok)))
			goto out;
	}
	if (n < 2) {
		code = compare_bad("--drivers", drivers, "two or more drivers, such as pinned,container");
		goto out;
	}
	base.workload[0] = workload_find(wl);
	base.n_workloads = 1;
	if (!base.workload[0]) {
		fprintf(stderr, "joulebench compare: unknown workload '%s' (see joulebench list "
				"workloads)\n", wl);
		code = CLI_EXIT_USAGE;
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
	base.driver_cfg.fn_path = cli_fn_path(fn);
	if (!base.driver_cfg.fn_path) {
		fprintf(stderr, "joulebench compare: cannot find joulebench-fn; give it with --fn\n");
		code = CLI_EXIT_USAGE;
		goto out;
	}
	base.meter = cli_meter_pick_live(meter_name, &base.ctx, base.domains, base.driver_cfg.cores,
					 base.driver_cfg.n_cores, quiet, &code);
	if (!base.meter)
		goto out;
	if (core < 0)
		core = last_core();
	base.driver_cfg.cores = &core;
	base.driver_cfg.n_cores = 1;
	base.driver_cfg.timeout_ns = 60000000000ull;
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
		snprintf(r[i].out, sizeof(r[i].out), "%s-%s.csv", prefix, r[i].spec);
		for (j = (int)strlen(prefix) + 1; r[i].out[j]; j++)
			if (r[i].out[j] == ':' || r[i].out[j] == '/')
				r[i].out[j] = '-';
		cfg.out_path = r[i].out;
		rc = runner_run(&cfg, quiet, &r[i].rep, &err);
		if (rc) {
			fprintf(stderr, "joulebench compare: %s: %s\n", r[i].spec,
				err.msg[0] ? err.msg : jb_strerror(rc));
			code = rc == -EEXIST || rc == -EINVAL ? CLI_EXIT_USAGE
			     : (rc == -ENODEV || rc == -EACCES) ? CLI_EXIT_UNAVAILABLE : CLI_EXIT_FAILED;
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
	       "microvm); meter %s (%s); bootstrap %u resamples, seed %llu\n", wl,
	       workload_size_name(base.size), core,
	       (unsigned long long)(base.driver_cfg.memory_mb ? base.driver_cfg.memory_mb
							: OCI_MB_PER_VCPU),
	       (unsigned long long)oci_cpu_quota_us(base.driver_cfg.memory_mb
						? base.driver_cfg.memory_mb : OCI_MB_PER_VCPU,
						OCI_CPU_PERIOD_US),
	       OCI_CPU_PERIOD_US, base.meter->name, r[0].rep.proto.meter_kind, boot,
	       (unsigned long long)base.seed);
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
		compare_print_ratios(&r[0], &r[i], wl, boot, base.seed);
		if (mix[0])
			printf("warning: %s\n", mix);
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
	for (i = 0; i < RUNGS_MAX; i++) {
		runner_report_fini(&r[i].rep);
		free(r[i].cold_j);
		free(r[i].cold_s);
	}
	free(r);
	return code;
}
