/* SPDX-License-Identifier: MIT */
/*
 * `joulebench run`: parse the options into a struct proto_config, pick the meter and
 * driver (exit 77 when the one asked for is unusable here), run the protocol, print the
 * summary table and draw the figure. SIGINT and SIGTERM finish the current window, write
 * its rows and stop (caught from the start: one before the first window still leaves a
 * sidecar and CSV header); the CSV then holds every completed invocation.
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
#include "cli_functions.h"
#include "cli_fleet.h"
#include "fleet.h"
#include "plot.h"
#include "jb_clock.h"
#include "report.h"
#include "resume.h"
#include "run-private.h"

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
	fputs("usage: joulebench run [OPTIONS]\n\n"
	      "Measure joules per invocation: idle baseline, cold start(s), warmup, then metered\n"
	      "windows of warm invocations; one CSV row per invocation.\n\n", f);
	run_opts_usage(f, RUN_OPT_RUN);
	fputs("      --hosts FILE       run on each '[user@]host[:port] [arch] [group=G]' of FILE\n"
	      "                         over ssh and gather the rows into one CSV (docs/fleet.md);\n"
	      "                         --parallel N hosts at once (default: 1)\n\n"
	      "Exit: 0 ok (failed invocations are rows), 1 run failed, 2 bad usage,\n"
	      "77 the requested meter or driver is not available here.\n", f);
}

/* Parse @argv into @cfg and @o. Return 0, or the exit code for bad usage (or 0 with
 * *help set after printing --help). */
int
run_parse(struct proto_config *cfg, struct run_opts *o, int argc, char **argv, int *help)
{
	struct option table[64];
	char shortopts[64];
	int c, code;

	*help = 0;
	optind = 1;
	opterr = 0;
	if (run_opts_table(RUN_OPT_RUN, NULL, NULL, table, 64, shortopts, sizeof(shortopts)))
		return CLI_EXIT_FAILED;
	while ((c = getopt_long(argc, argv, shortopts, table, NULL)) != -1) {
		if (c == 'h') {
			run_usage(stdout);
			*help = 1;
			return 0;
		}
		if (c == ':') {
			fprintf(stderr, "joulebench run: %s needs a value\n", argv[optind - 1]);
			return CLI_EXIT_USAGE;
		}
		code = run_opts_apply("run", c, optarg, cfg, o);
		if (code > 0)
			return code;
		if (code < 0) {
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

static int
run_main(int argc, char **argv, struct cli_functions *fns)
{
	struct proto_config cfg;
	struct run_opts o = { .fns = fns };
	struct resume_info ri = { 0 };
	char why[1024];
	struct runner_report rep;
	struct ci_target ci = { 0 };
	struct jb_err err = { 0 };
	int code, help;

	/* The same run on several hosts over ssh (fleet/fleet.c). */
	if (fleet_hosts_arg(argc, argv))
		return fleet_run(fleet_hosts_arg(argc, argv), argc, argv, cli_fleet_events());
	/* job.sh sets JOULEBENCH_STOPPED for a signal before it started us (docs/fleet.md). */
	if (*cli_stop_install() == 0 && getenv("JOULEBENCH_STOPPED"))
		run_stop = 1;
	run_opts_defaults(&cfg, &o, &run_stop);
	code = run_parse(&cfg, &o, argc, argv, &help);
	if (code || help)
		return code;
	cfg.command = argv;
	cfg.n_command = (size_t)argc;
	if (o.allow_host_change && !o.resume) {
		fprintf(stderr, "joulebench run: --resume-allow-host-change goes with --resume\n");
		return CLI_EXIT_USAGE;
	}
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
	if ((code = cli_functions_load(o.fns, &cfg, o.workloads_given, "run"))) {
		resume_info_fini(&ri);
		return code;
	}
	cfg.driver_cfg.timeout_ns = (uint64_t)(o.timeout_s * 1e9);
	cfg.driver_cfg.sysfs_root = cfg.ctx.sysfs_root;
	cfg.driver = driver_find(o.driver_name);
	if (!cfg.driver) {
		fprintf(stderr, "joulebench run: unknown driver '%s' (see joulebench list drivers)\n",
			o.driver_name);
		return CLI_EXIT_USAGE;
	}
	if ((code = cli_functions_driver_check(o.fns, cfg.driver, "run")))
		return code;
	if (cfg.driver_cfg.runtime && strcmp(cfg.driver->name, "container"))
		return run_opts_bad("run", "--runtime", cfg.driver_cfg.runtime,
				    "only the container driver has one");
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
	if (o.ci_target_pct) {
		ci.target_pct = o.ci_target_pct;
		cfg.until = (struct proto_until){ .enough = ci_target_enough, .arg = &ci,
						  .max_windows = o.max_windows,
						  .max_time_s = o.max_time_s,
						  .target_pct = o.ci_target_pct };
	}
	code = runner_run(&cfg, o.quiet, &rep, &err);
	resume_info_fini(&ri);
	if (code) {
		fprintf(stderr, "joulebench run: %s\n", err.msg[0] ? err.msg : jb_strerror(code));
		code = runner_exit_code(&rep, code);
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
	if (rep.proto.load_flagged)
		printf("warning: %s: the dynamic energies above cannot be told from 0\n",
		       rep.proto.load_why);
	if (o.ci_target_pct)
		ci_target_print(stdout, &ci, &rep.proto);
	ci_target_fini(&ci);
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

int
cmd_run(int argc, char **argv)
{
	struct cli_functions fns = { 0 };
	int code = run_main(argc, argv, &fns);

	cli_functions_fini(&fns);
	return code;
}
