/* SPDX-License-Identifier: MIT */
/*
 * The summary table printed after a run and by analysis commands: one line per
 * (workload, size, driver, meter) with medians and quartiles, "modeled" said on each line
 * where it applies.
 */
#ifndef JB_BENCH_REPORT_H
#define JB_BENCH_REPORT_H

#include <stdio.h>

#include "summary.h"

/** report_print_summary() - write the table for @s to @f. */
void report_print_summary(FILE *f, struct summary *s);

#endif
