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
#include "jb_exit.h"
#include "ladder.h"
#include "meter.h"
#include "meter_check.h"

/* DESIGN section 7's exit codes (common/jb_exit.h), under the names bench/ uses. */
enum {
	CLI_EXIT_OK = JB_EXIT_OK,
	CLI_EXIT_FAILED = JB_EXIT_FAILED,
	CLI_EXIT_USAGE = JB_EXIT_USAGE,
	CLI_EXIT_UNAVAILABLE = JB_EXIT_UNAVAILABLE
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
int cmd_check(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);
int cmd_report(int argc, char **argv);

/** cli_stop_install() - catch SIGINT and SIGTERM (finish the window, then stop) and ignore
 * SIGPIPE. Return: the one stop flag of bench/ (style.md §4.5), set by the handler. */
volatile sig_atomic_t *cli_stop_install(void);

/**
 * cli_meter_pick() - the meter called @name, or for NULL/"auto" the first usable one in
 * registry order (real meters before the model). A measured meter is usable when its probe
 * succeeds and it passes the liveness probe (cli_meter_alive) on this process's CPUs with
 * its default domains (cli_meter_pick_live: the run's @domains; in the auto pick a meter
 * without them is passed over). Prints why a meter is unusable; a dead one, and one that
 * does not follow load (METER_LIVE_NO_LOAD, still picked), are said even when @quiet.
 * Return: the meter, or NULL with *exit_code set (2 unknown name or a probe's -EINVAL, a
 * configuration error such as a missing power profile; 77 unusable or dead here).
 */
const struct meter_ops *cli_meter_pick(const char *name, const struct jb_ctx *ctx, int quiet,
				       int *exit_code);

/** cli_meter_pick_live() - cli_meter_pick() with the liveness probe run on the run's
 * @cores (NULL/0: this process's CPUs) over the domains the run will sum (@domains as for
 * meter_select(); NULL: the default ones). */
const struct meter_ops *cli_meter_pick_live(const char *name, const struct jb_ctx *ctx,
					    const char *domains, const int *cores, size_t n_cores,
					    int quiet, int *exit_code);

/**
 * cli_meter_pick_external() - cli_meter_pick() without the liveness probe, for a meter on
 * another machine (boot-energy's board): the board may be switched off, and this machine's
 * load does not reach it.
 */
const struct meter_ops *cli_meter_pick_external(const char *name, const struct jb_ctx *ctx,
						int quiet, int *exit_code);

/**
 * cli_meter_alive() - open @ops, select @domains (NULL: default), run
 * meter_liveness_check() on @cores (NULL/0: this process's CPUs), close it. A modeled
 * meter is alive. Return: 0 alive; METER_LIVE_NO_LOAD alive but not following load;
 * -ENODATA dead; -EDOM when it has no domain of @domains (a list that overlaps is left to
 * the run to refuse: 0 without a probe); another -errno when it cannot be opened or
 * read; the reason in @why.
 */
int cli_meter_alive(const struct meter_ops *ops, const struct jb_ctx *ctx, const char *domains,
		    const int *cores, size_t n_cores, char *why, size_t why_len);

/* The options `check` and `calibrate` share (cmd_check.c). */
struct cli_check_opts {
	const char *meter, *domains, *out;
	struct jb_ctx ctx;
	int cores[METER_CORES_MAX];
	size_t n_cores;       /* after parsing: --cores, else every CPU this process may use */
	double step_s;        /* 0: cli_check_step_ns() decides */
	double idle_s, agree_s;
	int quiet, no_plot;
	volatile sig_atomic_t *stop;
};

/** cli_check_parse() - parse the shared options for command @cmd. Return: 0 or an exit
 * code (a message printed); *help set for --help. */
int cli_check_parse(const char *cmd, int argc, char **argv, struct cli_check_opts *o,
		    int *help);

/** cli_check_step_ns() - a ladder step: --step-s, else 50 update intervals, at least 0.5 s. */
uint64_t cli_check_step_ns(const struct cli_check_opts *o, const struct meter *m);

/**
 * cli_check_ladder() - run the load ladder of @m over o->cores and fit its line.
 * Return: the number of steps in @steps (o->n_cores + 1 entries of room), or -errno with a
 * message printed.
 */
int cli_check_ladder(const char *cmd, const struct cli_check_opts *o, struct meter *m,
		     struct meter_ladder_step *steps, struct ladder_fit *fit);

/** cli_fn_path() - the joulebench-fn to run: @given, $JOULEBENCH_FN, next to this
 * executable, in the build tree, or installed. Return: a path (static storage) or NULL. */
const char *cli_fn_path(const char *given);

/** cli_parse_uint() / cli_parse_double() - whole-string numbers within [min, max]; 0 or -1. */
int cli_parse_uint(const char *s, unsigned long long max, unsigned long long *out);
int cli_parse_double(const char *s, double min, double max, double *out);

#endif
