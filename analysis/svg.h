/* SPDX-License-Identifier: MIT */
/*
 * Inline SVG figures for the HTML report (report_html.c): a distribution chart (one row per
 * configuration: its sample as quantile dots, the interquartile box, the median and the
 * confidence interval of the median) and an interval chart (one value with its interval per
 * row, and a reference line, for ratios). Written by hand as SVG 1.1 text so that a report
 * needs no gnuplot, no fonts and no script; every label passes through svg_escape(), since
 * labels come from CSV files. The caller owns the FILE; nothing here prints elsewhere.
 */
#ifndef JB_ANALYSIS_SVG_H
#define JB_ANALYSIS_SVG_H

#include <stddef.h>
#include <stdio.h>

/** svg_escape() - write @s to @f with &, <, >, " and ' as character references (valid in
 * HTML text, HTML attributes and SVG alike). NULL writes nothing. */
void svg_escape(FILE *f, const char *s);

/** svg_unit_pick() - an SI prefix for values up to @max_abs in @unit ("J"): writes e.g.
 * "mJ" to @out and returns the factor to multiply values by (1e3). */
double svg_unit_pick(double max_abs, const char *unit, char *out, size_t len);

/** svg_nice_step() - a tick step of 1, 2 or 5 x 10^k that gives at most @max_ticks ticks
 * over @range (> 0). */
double svg_nice_step(double range, int max_ticks);

/* One row of a distribution chart: @sorted holds the @n values in ascending order (n > 0). */
struct svg_dist_row {
	const char *label;
	const double *sorted;
	size_t n;
	double ci_lo, ci_hi; /* interval of the median; NAN when unknown */
	int color;           /* index into the palette */
};

/**
 * svg_dist_chart() - an <svg> element: per row at most 200 dots at evenly spaced quantiles
 * (so a row of a million values stays small and still shows the shape), the box from the
 * first to the third quartile, the median as a bar and its CI as a thick line. The axis
 * spans the rows' 1st to 99th percentiles (and the CIs); dots beyond sit on its edges.
 * @title goes into <title> (for screen readers) and above the plot; @unit is the unit of
 * the values ("J"), scaled to a readable SI prefix. Return: 0, or -EINVAL for no rows.
 */
int svg_dist_chart(FILE *f, const struct svg_dist_row *rows, size_t n, const char *title,
		   const char *unit);

/* One row of an interval chart. */
struct svg_interval_row {
	const char *label;
	double value, lo, hi; /* lo/hi NAN: no interval */
	int color;
};

/**
 * svg_interval_chart() - an <svg> element: per row a dot at @value with a line from @lo to
 * @hi, and a dashed vertical reference line at @ref (1 for ratios).
 * Return: 0, or -EINVAL for no rows or no finite value.
 */
int svg_interval_chart(FILE *f, const struct svg_interval_row *rows, size_t n,
		       const char *title, const char *axis_label, double ref);

#endif
