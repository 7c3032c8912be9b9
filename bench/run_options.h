/* SPDX-License-Identifier: MIT */
/*
 * The one option table of the commands that run the protocol, `run` and `compare`: each
 * option once, with the commands it belongs to, its --help line and its parser into a
 * struct proto_config and a struct run_opts. A command adds only its own options (compare's
 * --drivers, --core, --bootstrap) in a small table of its own; everything else, and so its
 * man page and bash completion (both read from --help), cannot drift between the two.
 */
#ifndef JB_BENCH_RUN_OPTIONS_H
#define JB_BENCH_RUN_OPTIONS_H

#include <getopt.h>
#include <stdio.h>

#include "driver.h"
#include "protocol.h"

struct cli_functions;

/* The commands an option belongs to. */
enum run_opt_cmd { RUN_OPT_RUN = 1u, RUN_OPT_COMPARE = 2u };

/* A command's own option values start here, above the shared table's. */
#define RUN_OPT_OWN_FIRST 1000

/* Options that are not part of struct proto_config. */
struct run_opts {
	const char *meter_name, *driver_name, *fn, *resume;
	char out[4096];
	int no_plot;
	int quiet;
	int allow_host_change;  /* --resume-allow-host-change */
	int workloads_given;    /* -w was given (else -f replaces the default 'all') */
	struct cli_functions *fns; /* -f, --language, --interpreter (set by the caller) */
	double timeout_s;
	int cores[DRIVER_CORES_MAX];
	int runs_given;            /* -r was given (under --ci-target, the minimum) */
	double ci_target_pct;      /* run --ci-target P; 0: a fixed --runs */
	unsigned max_windows;      /* --max-windows (0: not given) */
	double max_time_s;         /* --max-time-s (0: no limit) */
};

/** run_opts_defaults() - the defaults of `run` (compare changes a few after it); keeps
 * o->fns, the caller's, with its -f list emptied. */
void run_opts_defaults(struct proto_config *cfg, struct run_opts *o,
		       volatile sig_atomic_t *stop);

/**
 * run_opts_table() - the getopt_long table of command @cmd: the shared options that
 * belong to it, then @own (terminated by a zeroed entry, may be NULL). Also its short
 * options string (with the leading ':'), including @own_short.
 * Return: 0, or -ENOSPC when @cap entries or @short_len bytes are too few.
 */
int run_opts_table(unsigned cmd, const struct option *own, const char *own_short,
		   struct option *table, size_t cap, char *shortopts, size_t short_len);

/**
 * run_opts_apply() - parse option @c (a value from run_opts_table's shared part) with
 * @arg into @cfg and @o, for command @cmd_name (in messages).
 * Return: 0 taken, -1 not a shared option (the caller's own), or an exit code with a
 * message printed.
 */
int run_opts_apply(const char *cmd_name, int c, const char *arg, struct proto_config *cfg,
		   struct run_opts *o);

/** run_opts_usage() - print the --help lines of the shared options of command @cmd. */
void run_opts_usage(FILE *f, unsigned cmd);

/** run_opts_bad() - "joulebench CMD: bad value 'V' for OPT: WANT"; return CLI_EXIT_USAGE. */
int run_opts_bad(const char *cmd_name, const char *opt, const char *val, const char *want);

/** run_opts_workloads() - set @cfg's workloads from "a,b,c" or "all"; 0 or an exit code. */
int run_opts_workloads(const char *cmd_name, struct proto_config *cfg, const char *list);

#endif
