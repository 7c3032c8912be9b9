/* SPDX-License-Identifier: MIT */
/*
 * Figures with gnuplot: energy per invocation per workload and driver, the median as a bar
 * and its bootstrap 95% confidence interval as whiskers, written as PNG and SVG.
 */
#ifndef JB_ANALYSIS_PLOT_H
#define JB_ANALYSIS_PLOT_H

#include "jb_err.h"
#include "summary.h"

/**
 * plot_energy() - draw @s into @prefix.png and @prefix.svg (and keep the data gnuplot read
 * in @prefix.dat, so the figure can be redrawn with other tools).
 * Return: 0; -ENOENT when gnuplot is not installed; -ENODATA when no group has rows;
 * -EIO when gnuplot failed (its messages went to stderr).
 */
int plot_energy(struct summary *s, const char *prefix, struct jb_err *err);

#endif
