/* SPDX-License-Identifier: MIT */
/*
 * Figures with gnuplot: energy per invocation per workload and driver, the median as a bar
 * and its 95% confidence interval (analysis/stats.h) as whiskers, written as PNG and SVG.
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

/**
 * plot_gnuplot_quote() - @in (a path) as a gnuplot single-quoted string into @out: each
 * quote doubled (the only escape gnuplot's single-quoted strings know; a backslash is
 * literal). Return: 0; -EINVAL for a line break (it would end the command);
 * -ENAMETOOLONG when @out (@len bytes) is too small.
 */
int plot_gnuplot_quote(const char *in, char *out, size_t len, struct jb_err *err);

/**
 * plot_gnuplot_run() - run gnuplot on @script (@len bytes) without a shell (posix_spawnp),
 * its messages captured, never printed. @what names the figure for the message.
 * Return: 0; -ENOENT when gnuplot is not installed; -EIO when it failed, with its last
 * message line in @err.
 */
int plot_gnuplot_run(const char *script, size_t len, const char *what, struct jb_err *err);

/**
 * plot_gnuplot_figures() - draw @script as @base.png (pngcairo) and @base.svg: gnuplot runs
 * once per terminal (plot_gnuplot_run()), the preamble that sets the terminal, with
 * @term_opts (such as "size 1000,600 font ',11'"), and the quoted output path put before
 * @script. Return: 0, or as plot_gnuplot_quote() and plot_gnuplot_run(); -ENOMEM.
 */
int plot_gnuplot_figures(const char *base, const char *term_opts, const char *script,
			 struct jb_err *err);

#endif
