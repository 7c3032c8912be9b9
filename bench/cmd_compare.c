/* SPDX-License-Identifier: MIT */
/*
 * `joulebench compare`: isolation overhead made visible. The same workload runs under two
 * drivers (default: bare on a pinned core, then in a container with the same core as its
 * cpuset and the CPU quota of its memory size), each a complete run with its own CSV, and
 * the energy and time per warm invocation of the second are reported as a ratio to the
 * first: the ratio of the medians with its percentile bootstrap confidence interval (Efron
 * and Tibshirani, "An Introduction to the Bootstrap", 1993, ch. 13), from analysis/stats.c,
 * resampled with GSL's MT19937 seeded by --seed so the interval can be reproduced.
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


#include "cli.h"
#include "stats.h"
#include "oci_bundle.h"
#include "runner.h"

#define BOOT_DEFAULT 2000u

static void
compare_usage(FILE *f)
{
	fprintf(f,
		"usage: joulebench compare [OPTIONS]\n\n"
		"Run one workload under two drivers on the same core and report the energy and\n"
		"time per warm invocation of the second relative to the first, with a bootstrap\n"
		"95%% confidence interval.\n\n"
		"      --drivers A,B      the two drivers (default: pinned,container)\n"
		"  -w, --workload NAME    one workload (default: matmul)\n"
		"  -s, --size SIZE        test, small or large (default: small)\n"
		"  -m, --meter NAME       a meter, or 'auto' (default: auto)\n"
		"      --core N           the core both run on (default: the last usable one)\n"
		"      --memory-mb M      container memory; quota = M / 1769 vCPU (default: 1769)\n"
		"  -r, --runs N           metered windows per driver (default: 10)\n"
		"      --warmup N         warm invocations before the windows (default: 3)\n"
		"      --min-window-s S   shortest window (default: the meter's)\n"
		"      --idle-s S         idle baseline before and after each run (default: 2)\n"
		"      --seed N           input seed and bootstrap seed (default: 42)\n"
		"      --bootstrap N      bootstrap resamples (default: 2000)\n"
		"      --fn PATH          the joulebench-fn function runner\n"
		"  -o, --output PREFIX    CSVs PREFIX-A.csv and PREFIX-B.csv (default: runs/compare-<time>)\n"
		"      --force            overwrite them\n"
		"  -q, --quiet            no context lines on stderr\n"
		"  -h, --help             this text\n\n"
		"Exit: 0 ok, 1 a run failed, 2 bad usage, 77 a driver or meter is not available.\n");
}

enum { OPT_DRIVERS = 256, OPT_CORE, OPT_MEMORY, OPT_WARMUP, OPT_MIN_WINDOW, OPT_IDLE, OPT_SEED,
       OPT_BOOT, OPT_FN, OPT_FORCE };

static const struct option compare_options[] = {
	{ "drivers", required_argument, NULL, OPT_DRIVERS },
	{ "workload", required_argument, NULL, 'w' },
	{ "size", required_argument, NULL, 's' },
	{ "meter", required_argument, NULL, 'm' },
	{ "core", required_argument, NULL, OPT_CORE },
	{ "memory-mb", required_argument, NULL, OPT_MEMORY },
	{ "runs", required_argument, NULL, 'r' },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "min-window-s", required_argument, NULL, OPT_MIN_WINDOW },
	{ "idle-s", required_argument, NULL, OPT_IDLE },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "bootstrap", required_argument, NULL, OPT_BOOT },
	{ "fn", required_argument, NULL, OPT_FN },
	{ "output", required_argument, NULL, 'o' },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int
bad(const char *opt, const char *val, const char *want)
{
	fprintf(stderr, "joulebench compare: bad value '%s' for %s: %s\n", val, opt, want);
	return CLI_EXIT_USAGE;
}

static const struct summary_group *
group_of(const struct runner_report *rep, const char *workload)
{
	size_t i;

	for (i = 0; i < rep->summary.n; i++)
		if (!strcmp(rep->summary.group[i].workload, workload))
			return &rep->summary.group[i];
	return NULL;
}

/* One line: the medians of both drivers and the ratio b/a with its bootstrap 95% CI (the
 * same statistics as `joulebench analyze --ratios`, analysis/stats.c). */
static void
print_row(const char *what, const char *unit, double scale, const double *a, size_t na,
	  const double *b, size_t nb, unsigned boot, uint64_t seed)
{
	double ma = stats_quantile(a, na, 0.5), mb = stats_quantile(b, nb, 0.5);
	struct stats_ci ci;

	if (stats_ratio_ci(a, na, b, nb, boot, seed, 0.95, &ci))
		ci.lo = ci.hi = NAN;
	printf("%-14s %12.4g %-3s %12.4g %-3s %8.4f  [%.4f, %.4f]\n", what, ma * scale, unit,
	       mb * scale, unit, mb / ma, ci.lo, ci.hi);
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

int
cmd_compare(int argc, char **argv)
{
	struct runner_config base = {
		.size = WORKLOAD_SIZE_SMALL, .seed = 42, .runs = 10, .warmup = 3, .cold = 1,
		.idle_s = 2.0, .concurrency = 1,
	};
	const char *drivers = "pinned,container", *wl = "matmul", *meter_name = NULL, *fn = NULL;
	char names[2][32], prefix[3800] = "", out[2][4096], why[1024];
	struct runner_report rep[2];
	unsigned boot = BOOT_DEFAULT;
	unsigned long long u;
	int core = -1, c, code = 0, i;

	base.ctx.sysfs_root = "/sys";
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":w:s:m:r:o:qh", compare_options, NULL)) != -1) {
		switch (c) {
		case OPT_DRIVERS: drivers = optarg; break;
		case 'w': wl = optarg; break;
		case 's':
			if (workload_size_parse(optarg, &base.size))
				return bad("--size", optarg, "test, small or large");
			break;
		case 'm': meter_name = optarg; break;
		case OPT_CORE:
			if (cli_parse_uint(optarg, DRIVER_CORES_MAX - 1, &u))
				return bad("--core", optarg, "a core number");
			core = (int)u;
			break;
		case OPT_MEMORY:
			if (cli_parse_uint(optarg, 10240, &u) || u < 128)
				return bad("--memory-mb", optarg, "megabytes from 128 to 10240");
			base.driver_cfg.memory_mb = u;
			break;
		case 'r':
			if (cli_parse_uint(optarg, 1000000, &u) || !u)
				return bad("--runs", optarg, "a count from 1 to 1000000");
			base.runs = (unsigned)u;
			break;
		case OPT_WARMUP:
			if (cli_parse_uint(optarg, 1000000, &u))
				return bad("--warmup", optarg, "a count from 0 to 1000000");
			base.warmup = (unsigned)u;
			break;
		case OPT_MIN_WINDOW:
			if (cli_parse_double(optarg, 0, 3600, &base.min_window_s))
				return bad("--min-window-s", optarg, "seconds from 0 to 3600");
			break;
		case OPT_IDLE:
			if (cli_parse_double(optarg, 0.01, 3600, &base.idle_s))
				return bad("--idle-s", optarg, "seconds from 0.01 to 3600");
			break;
		case OPT_SEED:
			if (cli_parse_uint(optarg, UINT64_MAX, &u))
				return bad("--seed", optarg, "a non-negative integer");
			base.seed = u;
			break;
		case OPT_BOOT:
			if (cli_parse_uint(optarg, 1000000, &u) || u < 100)
				return bad("--bootstrap", optarg, "resamples from 100 to 1000000");
			boot = (unsigned)u;
			break;
		case OPT_FN: fn = optarg; break;
		case 'o': snprintf(prefix, sizeof(prefix), "%.*s", (int)sizeof(prefix) - 1, optarg); break;
		case OPT_FORCE: base.overwrite = 1; break;
		case 'q': base.quiet = 1; break;
		case 'h': compare_usage(stdout); return CLI_EXIT_OK;
		case ':':
			fprintf(stderr, "joulebench compare: %s needs a value\n", argv[optind - 1]);
			return CLI_EXIT_USAGE;
		default:
			fprintf(stderr, "joulebench compare: unknown option '%s' (see --help)\n",
				argv[optind - 1]);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "joulebench compare: unexpected argument '%s'\n", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	if (sscanf(drivers, "%31[^,],%31s", names[0], names[1]) != 2 || strchr(names[1], ','))
		return bad("--drivers", drivers, "two drivers, such as pinned,container");
	base.workload[0] = workload_find(wl);
	base.n_workloads = 1;
	if (!base.workload[0]) {
		fprintf(stderr, "joulebench compare: unknown workload '%s' (see joulebench list "
				"workloads)\n", wl);
		return CLI_EXIT_USAGE;
	}
	for (i = 0; i < 2; i++) {
		const struct driver_ops *d = driver_find(names[i]);

		if (!d) {
			fprintf(stderr, "joulebench compare: unknown driver '%s'\n", names[i]);
			return CLI_EXIT_USAGE;
		}
		if (d->probe(&base.ctx, why, sizeof(why)) != 0) {
			fprintf(stderr, "joulebench compare: driver %s is not usable here: %s\n",
				names[i], why);
			return CLI_EXIT_UNAVAILABLE;
		}
	}
	base.driver_cfg.fn_path = cli_fn_path(fn);
	if (!base.driver_cfg.fn_path) {
		fprintf(stderr, "joulebench compare: cannot find joulebench-fn; give it with --fn\n");
		return CLI_EXIT_USAGE;
	}
	base.meter = cli_meter_pick(meter_name, &base.ctx, base.quiet, &code);
	if (!base.meter)
		return code;
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
			return CLI_EXIT_FAILED;
		}
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
		snprintf(prefix, sizeof(prefix), "runs/compare-%s-%ld", stamp, (long)getpid());
	}
	base.stop = cli_stop_install();
	memset(rep, 0, sizeof(rep));
	for (i = 0; i < 2; i++) {
		struct runner_config cfg = base;
		struct jb_err err = { 0 };
		int rc;

		cfg.driver = driver_find(names[i]);
		snprintf(out[i], sizeof(out[i]), "%s-%s.csv", prefix, names[i]);
		cfg.out_path = out[i];
		rc = runner_run(&cfg, &rep[i], &err);
		if (rc) {
			fprintf(stderr, "joulebench compare: %s: %s\n", names[i],
				err.msg[0] ? err.msg : jb_strerror(rc));
			code = rc == -EEXIST ? CLI_EXIT_USAGE
			     : (rc == -ENODEV || rc == -EACCES) ? CLI_EXIT_UNAVAILABLE : CLI_EXIT_FAILED;
			goto out;
		}
		if (rep[i].interrupted) {
			code = CLI_EXIT_FAILED;
			goto out;
		}
	}
	{
		const struct summary_group *a = group_of(&rep[0], wl), *b = group_of(&rep[1], wl);

		if (!a || !b || !a->n || !b->n) {
			fprintf(stderr, "joulebench compare: no usable warm invocations (see %s, %s)\n",
				out[0], out[1]);
			code = CLI_EXIT_FAILED;
			goto out;
		}
		printf("compare %s (%s) on core %d; container memory %llu MB, quota %llu/%u us; "
		       "meter %s (%s)\n", wl, workload_size_name(base.size), core,
		       (unsigned long long)(base.driver_cfg.memory_mb ? base.driver_cfg.memory_mb
								: OCI_MB_PER_VCPU),
		       (unsigned long long)oci_cpu_quota_us(base.driver_cfg.memory_mb
							? base.driver_cfg.memory_mb : OCI_MB_PER_VCPU,
							OCI_CPU_PERIOD_US),
		       OCI_CPU_PERIOD_US, base.meter->name, rep[0].meter_kind);
		printf("%-14s %16s %16s %8s  %s\n", "median/inv", names[0], names[1], "ratio",
		       "95% CI (bootstrap)");
		print_row("energy", "mJ", 1e3, a->energy_j, a->n, b->energy_j, b->n, boot, base.seed);
		print_row("dynamic", "mJ", 1e3, a->dynamic_j, a->n, b->dynamic_j, b->n, boot,
			  base.seed + 1);
		print_row("wall", "us", 1e6, a->wall_s, a->n, b->wall_s, b->n, boot, base.seed + 2);
		printf("n = %zu and %zu warm invocations; ratio = %s / %s; bootstrap %u resamples, "
		       "seed %llu\n", a->n, b->n, names[1], names[0], boot,
		       (unsigned long long)base.seed);
		if (!base.quiet)
			fprintf(stderr, "joulebench: rows in %s and %s\n", out[0], out[1]);
	}
out:
	runner_report_fini(&rep[0]);
	runner_report_fini(&rep[1]);
	return code;
}
