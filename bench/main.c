/* SPDX-License-Identifier: MIT */
/*
 * The joulebench command line: a table of subcommands, each in its own cmd_*.c file
 * (perf/git style). Only bench/ talks to the user: context and errors on stderr, data
 * (summaries, lists) on stdout. Exit codes are DESIGN §7's: 0, 1, 2, 77.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "run", cmd_run, "measure joules per invocation of workloads; write CSV" },
	{ "list", cmd_list, "list workloads, drivers and meters (with why a meter is unusable)" },
	{ "analyze", cmd_analyze, "statistics of result CSVs: medians, CIs, outliers, ratios" },
	{ "plot", cmd_plot, "draw energy per invocation from result CSVs (PNG and SVG)" },
	{ "overhead", cmd_overhead, "simulate software vs hardware isolation over a trace: overhead" },
	{ "compare", cmd_compare, "isolation overhead: one workload under two drivers, ratio + CI" },
	{ "boot-energy", cmd_boot_energy, "a board's energy and time from power-on to ready (boot rows)" },
	{ "slurm", cmd_slurm, "submit the suite to a Slurm fleet: one job array, one task per node" },
	{ "gather", cmd_gather, "gather a Slurm fleet's per-node results into one CSV of one run" },
	{ "check", cmd_check, "check a meter: liveness, updates, idle noise, load ladder, agreement" },
	{ "calibrate", cmd_calibrate, "fit a model power profile on this machine from a real meter" },
	{ "report", cmd_report, "one self-contained HTML page of runs: tables, SVG figures, metadata" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: joulebench COMMAND [OPTIONS]\n\n"
		   "Measure the energy of serverless function invocations.\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n`joulebench COMMAND --help` describes each command.\n"
		   "  --version  print the version and git revision\n");
}

static int
finish_stdout(int code)
{
	/* A full disk or a closed pipe on stdout is an error too (perf's run_builtin). */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno != EPIPE)
			fprintf(stderr, "joulebench: writing to stdout failed: %s\n", strerror(errno));
		return code ? code : CLI_EXIT_FAILED;
	}
	return code;
}

int
main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return finish_stdout(CLI_EXIT_OK);
	}
	if (!strcmp(argv[1], "--version")) {
		printf("joulebench %s (git %s)\n", JB_VERSION, JB_GIT_REVISION);
		return finish_stdout(CLI_EXIT_OK);
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return finish_stdout(commands[i].fn(argc - 1, argv + 1));
	fprintf(stderr, "joulebench: unknown command '%s' (try joulebench --help)\n", argv[1]);
	return CLI_EXIT_USAGE;
}
