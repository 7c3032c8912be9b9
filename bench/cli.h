/* SPDX-License-Identifier: MIT */
/*
 * What the subcommands of the joulebench CLI share: their entry points for main.c's table,
 * the exit codes of DESIGN §7, and the choice of meter and function runner.
 */
#ifndef JB_BENCH_CLI_H
#define JB_BENCH_CLI_H

#include <signal.h>
#include <stddef.h>

#include "jb_ctx.h"
#include "meter.h"

enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILED = 1,      /* the run could not complete */
	CLI_EXIT_USAGE = 2,       /* bad usage or bad input */
	CLI_EXIT_UNAVAILABLE = 77 /* the requested meter or driver is not available here */
};

int cmd_run(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_overhead(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_boot_energy(int argc, char **argv);
int cmd_slurm(int argc, char **argv);
int cmd_gather(int argc, char **argv);

/** cli_stop_install() - catch SIGINT and SIGTERM (finish the window, then stop) and ignore
 * SIGPIPE. Return: the one stop flag of bench/ (style.md §4.5), set by the handler. */
volatile sig_atomic_t *cli_stop_install(void);

/**
 * cli_meter_pick() - the meter called @name, or for NULL/"auto" the first usable one in
 * registry order (real meters before the model). Prints why a meter is unusable.
 * Return: the meter, or NULL with *exit_code set (2 unknown name or a probe's -EINVAL, a
 * configuration error such as a missing power profile; 77 unusable here).
 */
const struct meter_ops *cli_meter_pick(const char *name, const struct jb_ctx *ctx, int quiet,
				       int *exit_code);

/** cli_fn_path() - the joulebench-fn to run: @given, $JOULEBENCH_FN, next to this
 * executable, in the build tree, or installed. Return: a path (static storage) or NULL. */
const char *cli_fn_path(const char *given);

/** cli_parse_uint() / cli_parse_double() - whole-string numbers within [min, max]; 0 or -1. */
int cli_parse_uint(const char *s, unsigned long long max, unsigned long long *out);
int cli_parse_double(const char *s, double min, double max, double *out);

#endif
