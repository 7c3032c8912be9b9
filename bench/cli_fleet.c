/* SPDX-License-Identifier: MIT */
/*
 * The fleet library's lines, printed (cli_fleet.h). stdout is flushed after each result
 * line and the table, because the fleet then starts processes (ssh, sbatch, sacct) whose
 * own output goes straight to the terminal, and its lines must come before theirs.
 */
#include "config.h"

#include <stdio.h>

#include "cli.h"
#include "cli_fleet.h"
#include "report.h"

static void
notice_print(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "%s\n", line);
}

static void
out_print(void *arg, const char *line)
{
	(void)arg;
	printf("%s\n", line);
	fflush(stdout);
}

static void
summary_print(void *arg, struct summary *s)
{
	(void)arg;
	report_print_summary(stdout, s);
	fflush(stdout);
}

const struct fleet_events *
cli_fleet_events(void)
{
	static const struct fleet_events ev = {
		.notice = notice_print,
		.out = out_print,
		.summary = summary_print,
		.fn_find = cli_fn_path,
	};

	return &ev;
}
