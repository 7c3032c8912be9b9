/* SPDX-License-Identifier: MIT */
/*
 * `run --ci-target P`: the caller's side of the protocol's stop rule (struct proto_until).
 * It turns the rows the protocol hands back into window observations (analysis/windows.h:
 * a window's energy per invocation; in a co-located window, each workload's share over its
 * invocations; only `ok` warm windows), and says "enough" when the 95%
 * interval of the median over those windows (analysis/stats.h, one run) has a half-width
 * within P% of the median, from STATS_WINDOWS_MIN ok windows on (for a co-located run:
 * for every workload). It prints the outcome under the summary.
 */
#ifndef JB_BENCH_CI_TARGET_H
#define JB_BENCH_CI_TARGET_H

#include <stdio.h>

#include "protocol.h"
#include "stats.h"
#include "windows.h"

#define CI_TARGET_LEVEL 0.95
/* The stopping rule's fewest windows (ci_target_met()): three times STATS_WINDOWS_MIN. */
#define CI_TARGET_WINDOWS_MIN 15

/* One workload's windows (analysis/windows.h folds its rows into them). */
struct ci_target_series {
	char workload[64];
	struct windows_set win;
};

struct ci_target {
	double target_pct;       /* 0: off */
	struct ci_target_series s[PROTO_WORKLOADS_MAX];
	size_t n;
	int oom;
};

/**
 * ci_target_met() - the stopping rule alone: @ci rests on at least CI_TARGET_WINDOWS_MIN
 * windows and its half-width is within @target_pct % of its estimate. The `stats`
 * benchmark suite measures this rule (tests/bench/bench_stats.c).
 */
int ci_target_met(const struct stats_interval *ci, double target_pct);

/** ci_target_row() - take one row written by the run. 0 or -ENOMEM. */
int ci_target_row(struct ci_target *t, const struct results_row *row);

/**
 * ci_target_enough() - struct proto_until's enough(): 1 when @workload's interval (NULL:
 * every workload's) is within the target; @arg is the struct ci_target.
 */
int ci_target_enough(void *arg, const char *workload, unsigned windows);

/**
 * ci_target_interval() - @workload's median energy per invocation over its ok windows and
 * the half-width of its 95% interval, in J; NAN when fewer than 2 windows.
 * Return: the number of ok windows.
 */
size_t ci_target_interval(struct ci_target *t, const char *workload, double *median_j,
			  double *half_j);

/** ci_target_print() - one line per outcome of @rep: reached or not, windows, interval. */
void ci_target_print(FILE *f, struct ci_target *t, const struct proto_report *rep);

void ci_target_fini(struct ci_target *t);

#endif
