/* SPDX-License-Identifier: MIT */
/*
 * What the files of `joulebench run` share: cmd_run.c (options, the run, the summary),
 * run_resume.c (--resume) and run_output.c (its files and notes). Not for use outside
 * bench/.
 */
#ifndef JB_BENCH_RUN_PRIVATE_H
#define JB_BENCH_RUN_PRIVATE_H

#include "ci_target.h"
#include "driver.h"
#include "protocol.h"
#include "resume.h"
#include "run_options.h"
#include "runner.h"

/* --ci-target without -r starts from this many windows: fewer make any interval
 * unreliable (issue 22); --max-windows defaults to CI_TARGET_MAX_WINDOWS. */
#define RUN_CI_MIN_WINDOWS 5
#define RUN_CI_MAX_WINDOWS 100

/** run_parse() - parse @argv into @cfg and @o. Return 0, or the exit code for bad usage
 * (or 0 with *help set after printing --help). */
int run_parse(struct proto_config *cfg, struct run_opts *o, int argc, char **argv, int *help);

/** run_only_resume_options() - 0 when @argv holds only what --resume may be given with
 * (-q, --no-plot, --fn), else the usage exit code (a message printed). */
int run_only_resume_options(int argc, char **argv);

/** run_resume() - rebuild @cfg and @o from o->resume's sidecar and rows into @ri.
 * Return: 0 or an exit code (a message printed). */
int run_resume(struct proto_config *cfg, struct run_opts *o, struct resume_info *ri);

/** run_output_default() - a new runs/<UTC time>-<pid>.csv in @buf (runs/ created).
 * Return: 0 or an exit code (a message printed). */
int run_output_default(char *buf, size_t len);

/** run_output_figure() - draw @rep's figure next to @csv (its name minus .csv, + .png and
 * .svg); a figure that cannot be drawn is one line saying why. */
void run_output_figure(struct runner_report *rep, const char *csv, int quiet);

/** run_output_notes() - the notes under a microvm run's summary that its sidecar
 * @meta_path calls for (TCG, a VMM test double). */
void run_output_notes(const char *meta_path);

#endif
