/* SPDX-License-Identifier: MIT */
/*
 * `joulebench run`: parse the options into a struct proto_config, pick the meter and
 * driver (exit 77 when the one asked for is unusable here), run the protocol, print the
 * summary table and draw the figure. SIGINT and SIGTERM finish the current window, write
 * its rows and stop; the CSV then holds every completed invocation.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "fleet.h"
#include "plot.h"
#include "jb_clock.h"
#include "report.h"
#include "resume.h"
#include "run-private.h"
#include "runner.h"

static volatile sig_atomic_t run_stop;

static void
on_signal(int sig)
{
	(void)sig;
	run_stop = 1;
}

volatile sig_atomic_t *
cli_stop_install(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return &run_stop;
}

static void
run_usage(FILE *f)
{
	fprintf(f,
		"usage: joulebench run [OPTIONS]\n\n"
		"Measure joules per invocation: idle baseline, cold start(s), warmup, then metered\n"
		"windows of warm invocations; one CSV row per invocation.\n\n"
		"  -w, --workload LIST    comma-separated workloads, or 'all' (default: all)\n"
		"  -s, --size SIZE        test, small or large (default: small)\n"
		"  -d, --driver NAME      pinned or container (default: pinned)\n"
		"  -m, --meter NAME       a meter, or 'auto' for the best usable one (default: auto)\n"
		"      --domain LIST      energy domains to sum (default: every package; see list)\n"
		"  -r, --runs N           metered windows per workload (default: 10)\n"
		"      --ci-target P      add windows until the 95%% CI of the median energy per\n"
		"                         invocation is within +-P%% of it (-r N: at least N, else 5)\n"
		"      --max-windows N    --ci-target: at most N windows per workload (default: 100)\n"
		"      --max-time-s S     --ci-target: stop adding windows after S s (default: none)\n"
		"      --warmup N         warm invocations before the windows (default: 3)\n");
	fprintf(f,
		"      --cold N           cold starts measured per workload (default: 1)\n"
		"      --batch N          invocations per window (default: enough to fill the window)\n"
		"      --min-window-s S   shortest window (default: the meter's, e.g. 1 s for model)\n"
		"      --idle-s S         idle baseline before and after the run (default: 2)\n"
		"      --seed N           seed of the generated inputs (default: 42)\n"
		"      --cores LIST       pinned: cores to use, one instance per core; container: the\n"
		"                         cpuset all containers share (default: all)\n"
		"  -c, --concurrency N    instances running at once, workloads assigned round-robin\n"
		"                         (default: 1)\n"
		"      --rate R           Poisson arrivals per second over all instances, seeded by\n"
		"                         --seed (default: closed loop, back-to-back)\n"
		"      --keep-alive-s S   retire an instance idle for S seconds (default: never)\n"
		"      --memory-mb M      container, microvm: memory limit; CPU quota = M / 1769 vCPU,\n"
		"                         as on AWS Lambda (default: 1769)\n"
		"      --runtime NAME     container: runc, crun, runsc (gVisor) or a path\n"
		"                         (default: probed)\n"
		"      --platform P       container with runsc: gVisor platform (ptrace, kvm, systrap,\n"
		"                         as the installed runsc offers; default: runsc's own)\n"
		"      --accel A          microvm: kvm, tcg or auto (default: auto, KVM probed by a\n"
		"                         bounded boot, else TCG with a warning)\n"
		"      --vmm V            microvm: qemu or firecracker (default: qemu)\n"
		"      --guest-dir DIR    microvm: guest kernel (default: scripts/fetch-guest-kernel's)\n"
		"      --exclusive        pinned: one instance on the whole machine\n"
		"      --timeout-s S      per invocation; a slower one is a timeout row (default: 60)\n"
		"      --profile NAME     power profile of the model meter (default: by architecture)\n"
		"      --meter-opts K=V,...  backend options, e.g. bus=1,addr=0x40,shunt_uohm=100000\n"
		"                         for ina219, host=bmc,user=u,password_file=F for ipmi\n"
		"                         and redfish (BMC passwords only from a file or\n"
		"                         $JOULEBENCH_BMC_PASSWORD; docs/meters.md lists each\n"
		"                         meter's)\n"
		"      --fn PATH          the joulebench-fn function runner (default: found)\n"
		"  -o, --output FILE      results CSV (default: runs/<run id>.csv)\n"
		"      --force            overwrite FILE if it exists\n"
		"      --no-plot          do not draw the figure (default: FILE minus .csv + .png/.svg)\n"
		"      --drift-threshold-pct P  flag idle-power drift above P%% (default: 5)\n"
		"      --resume FILE      continue the interrupted run in FILE (same options,\n"
		"                         read from its sidecar; no row is written twice)\n"
		"      --run-id ID        the run id of the rows (default: time, host, pid); a fleet's\n"
		"                         nodes share one (docs/fleet.md)\n"
		"      --hosts FILE       run on each '[user@]host[:port] [arch] [group=G]' of FILE\n"
		"                         over ssh and gather the rows into one CSV (docs/fleet.md);\n"
		"                         --parallel N hosts at once (default: 1)\n"
		"  -q, --quiet            no context lines on stderr\n"
		"  -h, --help             this text\n\n"
		"Exit: 0 ok (failed invocations are rows), 1 run failed, 2 bad usage,\n"
		"77 the requested meter or driver is not available here.\n");
}

enum {
	OPT_DOMAIN = 256, OPT_WARMUP, OPT_COLD, OPT_BATCH, OPT_MIN_WINDOW, OPT_IDLE, OPT_SEED,
	OPT_CORES, OPT_TIMEOUT, OPT_PROFILE, OPT_FN, OPT_FORCE, OPT_NO_PLOT, OPT_DRIFT,
	OPT_RESUME, OPT_METER_OPTS, OPT_SYSFS_ROOT, OPT_RATE, OPT_KEEP_ALIVE, OPT_MEMORY,
	OPT_RUNTIME, OPT_EXCLUSIVE, OPT_PLATFORM, OPT_ACCEL, OPT_VMM, OPT_GUEST_DIR, OPT_RUN_ID,
	OPT_CI_TARGET, OPT_MAX_WINDOWS, OPT_MAX_TIME,
};

static const struct option run_options[] = {
	{ "workload", required_argument, NULL, 'w' },
	{ "size", required_argument, NULL, 's' },
	{ "driver", required_argument, NULL, 'd' },
	{ "meter", required_argument, NULL, 'm' },
	{ "domain", required_argument, NULL, OPT_DOMAIN },
	{ "runs", required_argument, NULL, 'r' },
	{ "ci-target", required_argument, NULL, OPT_CI_TARGET },
	{ "max-windows", required_argument, NULL, OPT_MAX_WINDOWS },
	{ "max-time-s", required_argument, NULL, OPT_MAX_TIME },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "cold", required_argument, NULL, OPT_COLD },
	{ "batch", required_argument, NULL, OPT_BATCH },
	{ "min-window-s", required_argument, NULL, OPT_MIN_WINDOW },
	{ "idle-s", required_argument, NULL, OPT_IDLE },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "cores", required_argument, NULL, OPT_CORES },
	{ "concurrency", required_argument, NULL, 'c' },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "keep-alive-s", required_argument, NULL, OPT_KEEP_ALIVE },
	{ "memory-mb", required_argument, NULL, OPT_MEMORY },
	{ "runtime", required_argument, NULL, OPT_RUNTIME },
	{ "exclusive", no_argument, NULL, OPT_EXCLUSIVE },
	{ "platform", required_argument, NULL, OPT_PLATFORM },
	{ "accel", required_argument, NULL, OPT_ACCEL },
	{ "vmm", required_argument, NULL, OPT_VMM },
	{ "guest-dir", required_argument, NULL, OPT_GUEST_DIR },
	{ "timeout-s", required_argument, NULL, OPT_TIMEOUT },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "fn", required_argument, NULL, OPT_FN },
	{ "output", required_argument, NULL, 'o' },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "no-plot", no_argument, NULL, OPT_NO_PLOT },
	{ "drift-threshold-pct", required_argument, NULL, OPT_DRIFT },
	{ "resume", required_argument, NULL, OPT_RESUME },
	{ "meter-opts", required_argument, NULL, OPT_METER_OPTS },
	{ "run-id", required_argument, NULL, OPT_RUN_ID },
	/* For tests: read hwmon and perf sysfs files under another root (not in --help). */
	{ "sysfs-root", required_argument, NULL, OPT_SYSFS_ROOT },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int
bad(const char *opt, const char *val, const char *want)
{
	fprintf(stderr, "joulebench run: bad value '%s' for %s: %s\n", val, opt, want);
	return CLI_EXIT_USAGE;
}

static int
parse_workloads(struct proto_config *cfg, const char *list)
{
	char buf[1024], *tok, *save = NULL;
	size_t i;

	if (!strcmp(list, "all")) {
		for (i = 0; i < workload_count() && i < PROTO_WORKLOADS_MAX; i++)
			cfg->workload[i] = workload_at(i);
		cfg->n_workloads = i;
		return 0;
	}
	if (snprintf(buf, sizeof(buf), "%s", list) >= (int)sizeof(buf))
		return bad("--workload", list, "too long");
	cfg->n_workloads = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const struct workload_desc *w = workload_find(tok);

		if (!w) {
			fprintf(stderr, "joulebench run: unknown workload '%s' (see joulebench list "
					"workloads)\n", tok);
			return CLI_EXIT_USAGE;
		}
		for (i = 0; i < cfg->n_workloads; i++)
			if (cfg->workload[i] == w)
				return bad("--workload", tok, "listed twice");
		if (cfg->n_workloads == PROTO_WORKLOADS_MAX)
			return bad("--workload", list, "too many workloads");
		cfg->workload[cfg->n_workloads++] = w;
	}
	return cfg->n_workloads ? 0 : bad("--workload", list, "no workload named");
}

int
run_parse(struct proto_config *cfg, struct run_opts *o, int argc, char **argv, int *help)
{
	unsigned long long u;
	int c, code, n;

	*help = 0;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":w:s:d:m:r:o:c:qh", run_options, NULL)) != -1) {
		switch (c) {
		case 'w':
			if ((code = parse_workloads(cfg, optarg)))
				return code;
			break;
		case 's':
			if (workload_size_parse(optarg, &cfg->size))
				return bad("--size", optarg, "test, small or large");
			break;
		case 'd': o->driver_name = optarg; break;
		case 'm': o->meter_name = optarg; break;
		case OPT_DOMAIN: cfg->domains = optarg; break;
		case 'r':
			if (cli_parse_uint(optarg, 1000000, &u) || u == 0)
				return bad("--runs", optarg, "a count from 1 to 1000000");
			cfg->runs = (unsigned)u;
			o->runs_given = 1;
			break;
		case OPT_CI_TARGET:
			if (cli_parse_double(optarg, 0.001, 100, &o->ci_target_pct))
				return bad("--ci-target", optarg, "a percentage from 0.001 to 100");
			break;
		case OPT_MAX_WINDOWS:
			if (cli_parse_uint(optarg, 1000000, &u) || u < 2)
				return bad("--max-windows", optarg, "a count from 2 to 1000000");
			o->max_windows = (unsigned)u;
			break;
		case OPT_MAX_TIME:
			if (cli_parse_double(optarg, 0.001, 86400 * 30, &o->max_time_s))
				return bad("--max-time-s", optarg, "seconds from 0.001 to 2592000");
			break;
		case OPT_WARMUP:
			if (cli_parse_uint(optarg, 1000000, &u))
				return bad("--warmup", optarg, "a count from 0 to 1000000");
			cfg->warmup = (unsigned)u;
			break;
		case OPT_COLD:
			if (cli_parse_uint(optarg, 10000, &u))
				return bad("--cold", optarg, "a count from 0 to 10000");
			cfg->cold = (unsigned)u;
			break;
		case OPT_BATCH:
			if (cli_parse_uint(optarg, 1000000, &u) || u == 0)
				return bad("--batch", optarg, "a count from 1 to 1000000");
			cfg->batch = (unsigned)u;
			break;
		case OPT_MIN_WINDOW:
			if (cli_parse_double(optarg, 0, 3600, &cfg->min_window_s))
				return bad("--min-window-s", optarg, "seconds from 0 to 3600");
			break;
		case OPT_IDLE:
			if (cli_parse_double(optarg, 0.01, 3600, &cfg->idle_s))
				return bad("--idle-s", optarg, "seconds from 0.01 to 3600");
			break;
		case OPT_SEED:
			if (cli_parse_uint(optarg, UINT64_MAX, &u))
				return bad("--seed", optarg, "a non-negative integer");
			cfg->seed = u;
			break;
		case OPT_CORES:
			n = driver_cores_parse(optarg, o->cores, DRIVER_CORES_MAX);
			if (n <= 0)
				return bad("--cores", optarg, "a list such as 0-3,6, each core once");
			cfg->driver_cfg.cores = o->cores;
			cfg->driver_cfg.n_cores = (size_t)n;
			break;
		case 'c':
			if (cli_parse_uint(optarg, 256, &u) || u == 0)
				return bad("--concurrency", optarg, "a count from 1 to 256");
			cfg->concurrency = (unsigned)u;
			break;
		case OPT_RATE:
			if (cli_parse_double(optarg, 0.001, 1e6, &cfg->rate_per_s))
				return bad("--rate", optarg, "arrivals per second from 0.001 to 1e6");
			break;
		case OPT_KEEP_ALIVE:
			if (cli_parse_double(optarg, 0.001, 86400, &cfg->keep_alive_s))
				return bad("--keep-alive-s", optarg, "seconds from 0.001 to 86400");
			break;
		case OPT_MEMORY:
			/* Lambda's range: 128 MB to 10,240 MB (configuration-memory.html). */
			if (cli_parse_uint(optarg, 10240, &u) || u < 128)
				return bad("--memory-mb", optarg, "megabytes from 128 to 10240");
			cfg->driver_cfg.memory_mb = u;
			break;
		case OPT_RUNTIME: cfg->driver_cfg.runtime = optarg; break;
		case OPT_EXCLUSIVE: cfg->driver_cfg.exclusive = 1; break;
		case OPT_PLATFORM: cfg->driver_cfg.platform = optarg; break;
		case OPT_ACCEL:
			if (strcmp(optarg, "kvm") && strcmp(optarg, "tcg") && strcmp(optarg, "auto"))
				return bad("--accel", optarg, "kvm, tcg or auto");
			cfg->driver_cfg.accel = optarg;
			break;
		case OPT_VMM:
			if (strcmp(optarg, "qemu") && strcmp(optarg, "firecracker"))
				return bad("--vmm", optarg, "qemu or firecracker");
			cfg->driver_cfg.vmm = optarg;
			break;
		case OPT_GUEST_DIR: cfg->driver_cfg.guest_dir = optarg; break;
		case OPT_TIMEOUT:
			if (cli_parse_double(optarg, 0.001, 86400, &o->timeout_s))
				return bad("--timeout-s", optarg, "seconds from 0.001 to 86400");
			break;
		case OPT_DRIFT:
			if (cli_parse_double(optarg, 0.001, 1000, &cfg->drift_threshold_pct))
				return bad("--drift-threshold-pct", optarg, "a percentage above 0");
			break;
		case OPT_PROFILE: cfg->ctx.profile = optarg; break;
		case OPT_METER_OPTS: cfg->ctx.meter_opts = optarg; break;
		case OPT_SYSFS_ROOT: cfg->ctx.sysfs_root = optarg; break;
		case OPT_FN: o->fn = optarg; break;
		case 'o': snprintf(o->out, sizeof(o->out), "%s", optarg); break;
		case OPT_FORCE: cfg->overwrite = 1; break;
		case OPT_NO_PLOT: o->no_plot = 1; break;
		case OPT_RESUME: o->resume = optarg; break;
		case OPT_RUN_ID: /* the runner takes a given run id from here (--resume sets it too) */
			if (!*optarg || strlen(optarg) > 100 || optarg[strspn(optarg,
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")])
				return bad("--run-id", optarg, "1 to 100 of A-Z a-z 0-9 . _ -");
			cfg->resume_run_id = optarg;
			break;
		case 'q': o->quiet = 1; break;
		case 'h':
			run_usage(stdout);
			*help = 1;
			return 0;
		case ':':
			fprintf(stderr, "joulebench run: %s needs a value\n", argv[optind - 1]);
			return CLI_EXIT_USAGE;
		default:
			fprintf(stderr, "joulebench run: unknown option '%s' (see --help)\n",
				argv[optind - 1]);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "joulebench run: unexpected argument '%s'\n", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	if ((o->max_windows || o->max_time_s) && !o->ci_target_pct) {
		fprintf(stderr, "joulebench run: --max-windows and --max-time-s bound --ci-target; "
				"without it, -r N sets the windows\n");
		return CLI_EXIT_USAGE;
	}
	if (o->ci_target_pct) {
		cfg->runs = o->runs_given ? cfg->runs : RUN_CI_MIN_WINDOWS;
		o->max_windows = o->max_windows ? o->max_windows : RUN_CI_MAX_WINDOWS;
		if (o->max_windows < cfg->runs) {
			fprintf(stderr, "joulebench run: --max-windows %u is below the %u window(s) "
					"to start from (-r)\n", o->max_windows, cfg->runs);
			return CLI_EXIT_USAGE;
		}
	}
	if (cfg->driver_cfg.exclusive && cfg->concurrency > 1) {
		fprintf(stderr, "joulebench run: --exclusive runs one instance; it cannot be combined "
				"with --concurrency %u\n", cfg->concurrency);
		return CLI_EXIT_USAGE;
	}
	if (cfg->concurrency > 1 && cfg->n_workloads > cfg->concurrency) {
		fprintf(stderr, "joulebench run: %zu workloads need --concurrency %zu or more (one "
				"instance each, round-robin)\n", cfg->n_workloads, cfg->n_workloads);
		return CLI_EXIT_USAGE;
	}
	/* Co-located windows last a time, not a count: nothing needs sizing there. */
	if (!cfg->warmup && !cfg->cold && !cfg->batch && cfg->concurrency == 1 && !cfg->rate_per_s &&
	    !cfg->keep_alive_s) {
		fprintf(stderr, "joulebench run: --warmup 0 --cold 0 needs --batch N (no invocation "
				"to size the windows by)\n");
		return CLI_EXIT_USAGE;
	}
	return 0;
}

void
run_defaults(struct proto_config *cfg, struct run_opts *o)
{
	memset(cfg, 0, sizeof(*cfg));
	memset(o, 0, sizeof(*o));
	cfg->size = WORKLOAD_SIZE_SMALL;
	cfg->seed = 42;
	cfg->runs = 10;
	cfg->warmup = 3;
	cfg->cold = 1;
	cfg->idle_s = 2.0;
	cfg->stop = &run_stop;
	cfg->concurrency = 1;
	cfg->ctx.sysfs_root = "/sys";
	o->driver_name = "pinned";
	o->timeout_s = 60;
	(void)parse_workloads(cfg, "all");
}

/* DESIGN §7's exit codes for a run that could not proceed, by where it stopped. */
static int
run_exit_code(enum proto_stage stage, int rc)
{
	switch (stage) {
	case PROTO_STAGE_METER:
		/* A meter that vanished or locked up between probe and open is still "not
		 * available here". */
		return CLI_EXIT_UNAVAILABLE;
	case PROTO_STAGE_DOMAINS:
	case PROTO_STAGE_OUTPUT:
		return CLI_EXIT_USAGE;
	case PROTO_STAGE_DRIVER:
		return (rc == -EINVAL || rc == -ENOENT) ? CLI_EXIT_USAGE : CLI_EXIT_UNAVAILABLE;
	case PROTO_STAGE_RUN:
	default:
		return CLI_EXIT_FAILED;
	}
}

int
cmd_run(int argc, char **argv)
{
	struct proto_config cfg;
	struct run_opts o;
	struct resume_info ri = { 0 };
	char why[1024];
	struct runner_report rep;
	struct ci_target ci = { 0 };
	struct jb_err err = { 0 };
	int code, help;

	if (fleet_hosts_arg(argc, argv)) /* the same run on several hosts over ssh (fleet.c) */
		return fleet_run(fleet_hosts_arg(argc, argv), argc, argv);
	run_defaults(&cfg, &o);
	code = run_parse(&cfg, &o, argc, argv, &help);
	if (code || help)
		return code;
	cfg.command = argv;
	cfg.n_command = (size_t)argc;
	if (o.resume) {
		code = run_only_resume_options(argc, argv);
		if (!code)
			code = run_resume(&cfg, &o, &ri);
		if (!code && o.ci_target_pct) {
			/* The rule judges the windows it sees; those of the interrupted part are
			 * in the file, not in this process. */
			fprintf(stderr, "joulebench run: --resume: a --ci-target run cannot be "
					"resumed; start a new run\n");
			code = CLI_EXIT_USAGE;
		}
		if (code) {
			resume_info_fini(&ri);
			return code;
		}
	}
	cfg.driver_cfg.timeout_ns = (uint64_t)(o.timeout_s * 1e9);
	cfg.driver_cfg.sysfs_root = cfg.ctx.sysfs_root;
	cfg.driver = driver_find(o.driver_name);
	if (!cfg.driver) {
		fprintf(stderr, "joulebench run: unknown driver '%s' (see joulebench list drivers)\n",
			o.driver_name);
		return CLI_EXIT_USAGE;
	}
	if (cfg.driver_cfg.runtime && strcmp(cfg.driver->name, "container"))
		return bad("--runtime", cfg.driver_cfg.runtime, "only the container driver has one");
	if ((cfg.driver_cfg.accel || cfg.driver_cfg.vmm || cfg.driver_cfg.guest_dir) &&
	    strcmp(cfg.driver->name, "microvm")) {
		fprintf(stderr, "joulebench run: --accel, --vmm and --guest-dir are the microvm "
				"driver's\n");
		return CLI_EXIT_USAGE;
	}
	if (cfg.driver_cfg.platform && strcmp(cfg.driver->name, "container")) {
		fprintf(stderr, "joulebench run: --platform is gVisor's (-d container --runtime "
				"runsc)\n");
		return CLI_EXIT_USAGE;
	}
	if (cfg.driver_cfg.memory_mb && strcmp(cfg.driver->name, "container") &&
	    strcmp(cfg.driver->name, "microvm")) {
		fprintf(stderr, "joulebench run: --memory-mb sets a container's limits; the %s driver "
				"has none\n", cfg.driver->name);
		return CLI_EXIT_USAGE;
	}
	if (cfg.driver_cfg.exclusive && strcmp(cfg.driver->name, "pinned")) {
		fprintf(stderr, "joulebench run: --exclusive is a mode of the pinned driver\n");
		return CLI_EXIT_USAGE;
	}
	if (cfg.driver_cfg.runtime)
		setenv("JOULEBENCH_RUNTIME", cfg.driver_cfg.runtime, 1); /* for the probe */
	if (cfg.driver_cfg.vmm)
		setenv("JOULEBENCH_VMM", cfg.driver_cfg.vmm, 1);         /* for the probe */
	if (cfg.driver_cfg.guest_dir)
		setenv("JOULEBENCH_GUEST_DIR", cfg.driver_cfg.guest_dir, 1);
	if (cfg.driver->probe(&cfg.ctx, why, sizeof(why)) != 0) {
		fprintf(stderr, "joulebench run: driver %s is not usable here: %s\n", o.driver_name,
			why);
		return CLI_EXIT_UNAVAILABLE;
	}
	cfg.driver_cfg.fn_path = cli_fn_path(o.fn);
	if (!cfg.driver_cfg.fn_path) {
		fprintf(stderr, "joulebench run: cannot find the joulebench-fn function runner%s%s; "
				"give it with --fn\n", o.fn ? " at " : "", o.fn ? o.fn : "");
		return CLI_EXIT_USAGE;
	}
	/* The liveness probe loads the run's own cores and checks the domains it will sum. */
	cfg.meter = cli_meter_pick_live(o.meter_name, &cfg.ctx, cfg.domains, cfg.driver_cfg.cores,
					cfg.driver_cfg.n_cores, o.quiet, &code);
	if (!cfg.meter)
		return code;
	if (!o.out[0] && (code = run_output_default(o.out, sizeof(o.out))))
		return code;
	cfg.out_path = o.out;

	(void)cli_stop_install();
	if (o.ci_target_pct) {
		ci.target_pct = o.ci_target_pct;
		ci.seed = cfg.seed;
		cfg.until = (struct proto_until){ .enough = ci_target_enough, .arg = &ci,
						  .max_windows = o.max_windows,
						  .max_time_s = o.max_time_s,
						  .target_pct = o.ci_target_pct };
	}
	code = runner_run(&cfg, o.quiet, &rep, &err);
	resume_info_fini(&ri);
	if (code) {
		fprintf(stderr, "joulebench run: %s\n", err.msg[0] ? err.msg : jb_strerror(code));
		code = run_exit_code(rep.proto.stage, code);
		if (rep.proto.rows)
			fprintf(stderr, "joulebench run: %lu completed row(s) kept in %s\n",
				rep.proto.rows, o.out);
		runner_report_fini(&rep);
		return code;
	}
	{
		/* Summarise the file with its sidecar, now complete (the idle baseline before
		 * and after, for a negative dynamic energy) and, after a resume, the whole run,
		 * not just the part measured now. */
		summary_fini(&rep.summary);
		if (summary_add_file(&rep.summary, o.out, &err))
			fprintf(stderr, "joulebench run: %s\n", err.msg);
	}
	report_print_summary(stdout, &rep.summary);
	if (o.ci_target_pct)
		ci_target_print(stdout, &ci, &rep.proto);
	ci_target_fini(&ci);
	if (rep.proto.load_flagged)
		printf("warning: %s: the dynamic energies above cannot be told from 0\n",
		       rep.proto.load_why);
	if (!strcmp(cfg.driver->name, "microvm"))
		run_output_notes(rep.proto.meta_path);
	fflush(stdout);
	if (!o.quiet)
		fprintf(stderr, "joulebench: %lu row(s) (%lu not ok) in %s; metadata %s%s\n",
			rep.proto.rows, rep.proto.rows_not_ok, o.out, rep.proto.meta_path,
			rep.proto.interrupted ? "; INTERRUPTED" : "");
	if (!o.no_plot)
		run_output_figure(&rep, o.out, o.quiet);
	runner_report_fini(&rep);
	return rep.proto.interrupted ? CLI_EXIT_FAILED : CLI_EXIT_OK;
}
