/* SPDX-License-Identifier: MIT */
/*
 * Hand-written SVG charts for the HTML report (svg.h). The layout is fixed (a label column,
 * a plot area, an axis with 1-2-5 ticks) so that figures of one report line up; colours are
 * the Okabe-Ito palette, distinguishable with the common colour-vision deficiencies (Okabe
 * and Ito, "Color Universal Design", 2002).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "svg.h"

#define SVG_W 820.0
#define SVG_LABEL_W 300.0 /* the label column, left of the plot */
#define SVG_RIGHT 20.0
#define SVG_TOP 34.0
#define SVG_ROW_H 28.0
#define SVG_BOTTOM 46.0
#define SVG_DOTS_MAX 200

static const char *const palette[] = { "#0072B2", "#D55E00", "#009E73", "#CC79A7",
				       "#E69F00", "#56B4E9", "#000000", "#F0E442" };

static const char *
color(int i)
{
	return palette[(unsigned)i % (sizeof(palette) / sizeof(palette[0]))];
}

void
svg_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

double
svg_unit_pick(double max_abs, const char *unit, char *out, size_t len)
{
	static const struct { double below, factor; const char *prefix; } p[] = {
		{ 1e-6, 1e9, "n" }, { 1e-3, 1e6, "u" }, { 1, 1e3, "m" },
	};
	size_t i;

	for (i = 0; i < sizeof(p) / sizeof(p[0]); i++)
		if (isfinite(max_abs) && max_abs < p[i].below) {
			snprintf(out, len, "%s%s", p[i].prefix, unit);
			return p[i].factor;
		}
	snprintf(out, len, "%s", unit);
	return 1;
}

double
svg_nice_step(double range, int max_ticks)
{
	double raw = range / (max_ticks > 1 ? max_ticks - 1 : 1);
	double mag = pow(10, floor(log10(raw)));
	static const double mult[] = { 1, 2, 5, 10 };
	size_t i;

	for (i = 0; i < sizeof(mult) / sizeof(mult[0]); i++)
		if (mult[i] * mag >= raw)
			return mult[i] * mag;
	return 10 * mag;
}

struct svg_axis {
	double lo, hi;     /* data range shown, in scaled units */
	double x0, x1;     /* its pixels */
	double factor;     /* data -> scaled units */
	char unit[16];
};

static double
axis_x(const struct svg_axis *a, double v)
{
	double x = a->x0 + (v * a->factor - a->lo) / (a->hi - a->lo) * (a->x1 - a->x0);

	return fmin(fmax(x, a->x0), a->x1); /* beyond the axis: on its edge */
}

/* Fit the axis to [lo, hi] (data units), pad it to whole ticks, pick the SI prefix. */
static void
axis_fit(struct svg_axis *a, double lo, double hi, const char *unit, double ref)
{
	double step, m = fmax(fabs(lo), fabs(hi));

	a->factor = unit ? svg_unit_pick(m, unit, a->unit, sizeof(a->unit)) : 1;
	if (!unit)
		a->unit[0] = '\0';
	lo *= a->factor;
	hi *= a->factor;
	if (isfinite(ref)) {
		lo = fmin(lo, ref);
		hi = fmax(hi, ref);
	}
	if (!(hi > lo)) {
		double pad = fabs(lo) > 0 ? fabs(lo) * 0.05 : 1;

		lo -= pad;
		hi += pad;
	}
	step = svg_nice_step(hi - lo, 7);
	a->lo = floor(lo / step) * step;
	a->hi = ceil(hi / step) * step;
	if (a->hi <= a->lo)
		a->hi = a->lo + step;
	a->x0 = SVG_LABEL_W;
	a->x1 = SVG_W - SVG_RIGHT;
}

static void
svg_open(FILE *f, double h, const char *title)
{
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"figure\" role=\"img\" "
		   "width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
		   "font-family=\"sans-serif\" font-size=\"12\">\n<title>",
		SVG_W, h, SVG_W, h);
	svg_escape(f, title);
	fputs("</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n", f);
	fprintf(f, "<text x=\"%.1f\" y=\"20\" font-weight=\"bold\" font-size=\"14\">", 8.0);
	svg_escape(f, title);
	fputs("</text>\n", f);
}

/* Grid lines, tick labels and the axis title under @y_end. */
static void
axis_draw(FILE *f, const struct svg_axis *a, double y_top, double y_end, const char *label)
{
	double step = svg_nice_step(a->hi - a->lo, 7), v;
	int i;

	for (i = 0, v = a->lo; v <= a->hi + step * 1e-9 && i < 64; i++, v = a->lo + i * step) {
		double x = a->x0 + (v - a->lo) / (a->hi - a->lo) * (a->x1 - a->x0);

		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#dddddd\"/>"
			   "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.4g</text>\n",
			x, y_top, x, y_end, x, y_end + 15, fabs(v) < step * 1e-9 ? 0.0 : v);
	}
	fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444444\"/>\n",
		a->x0, y_end, a->x1, y_end);
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", (a->x0 + a->x1) / 2,
		y_end + 34);
	svg_escape(f, label);
	if (a->unit[0]) {
		fputs(" (", f);
		svg_escape(f, a->unit);
		fputc(')', f);
	}
	fputs("</text>\n", f);
}

static void
row_label(FILE *f, double y, const char *label)
{
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", SVG_LABEL_W - 8, y + 4);
	svg_escape(f, label);
	fputs("</text>\n", f);
}

static double
sorted_quantile(const double *x, size_t n, double p)
{
	double h = (double)(n - 1) * p;
	size_t i = (size_t)floor(h);

	if (i + 1 >= n)
		return x[n - 1];
	return x[i] + (h - (double)i) * (x[i + 1] - x[i]);
}

int
svg_dist_chart(FILE *f, const struct svg_dist_row *rows, size_t n, const char *title,
	       const char *unit)
{
	double lo = INFINITY, hi = -INFINITY, h = SVG_TOP + SVG_BOTTOM + SVG_ROW_H * (double)n;
	struct svg_axis a;
	size_t r, k;

	for (r = 0; r < n; r++) {
		if (!rows[r].n)
			continue;
		/* The 1st to 99th percentile: a few far outliers must not squeeze the boxes
		 * into a line; dots beyond are drawn on the edge of the axis. */
		lo = fmin(lo, sorted_quantile(rows[r].sorted, rows[r].n, 0.01));
		hi = fmax(hi, sorted_quantile(rows[r].sorted, rows[r].n, 0.99));
		if (isfinite(rows[r].ci_lo) && isfinite(rows[r].ci_hi)) {
			lo = fmin(lo, rows[r].ci_lo);
			hi = fmax(hi, rows[r].ci_hi);
		}
	}
	if (!n || !isfinite(lo) || !isfinite(hi))
		return -EINVAL;
	axis_fit(&a, lo, hi, unit, NAN);
	svg_open(f, h, title);
	axis_draw(f, &a, SVG_TOP - 4, h - SVG_BOTTOM, "per invocation");
	for (r = 0; r < n; r++) {
		const struct svg_dist_row *d = &rows[r];
		double y = SVG_TOP + SVG_ROW_H * ((double)r + 0.5);
		size_t dots = d->n < SVG_DOTS_MAX ? d->n : SVG_DOTS_MAX;
		double q1, q3, med;

		row_label(f, y, d->label);
		if (!d->n)
			continue;
		q1 = sorted_quantile(d->sorted, d->n, 0.25);
		med = sorted_quantile(d->sorted, d->n, 0.5);
		q3 = sorted_quantile(d->sorted, d->n, 0.75);
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"18\" fill=\"%s\" "
			   "fill-opacity=\"0.15\" stroke=\"%s\"/>\n",
			axis_x(&a, q1), y - 9, fmax(axis_x(&a, q3) - axis_x(&a, q1), 1), color(d->color),
			color(d->color));
		fprintf(f, "<g fill=\"%s\" fill-opacity=\"0.55\">", color(d->color));
		for (k = 0; k < dots; k++) {
			double p = dots > 1 ? (double)k / (double)(dots - 1) : 0.5;
			/* A fixed jitter pattern: the same data give the same figure. */
			double jy = (double)((k * 7) % 13) - 6;

			fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1.8\"/>",
				axis_x(&a, sorted_quantile(d->sorted, d->n, p)), y + jy);
		}
		fputs("</g>\n", f);
		if (isfinite(d->ci_lo) && isfinite(d->ci_hi))
			fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000000\" "
				   "stroke-width=\"4\" stroke-opacity=\"0.6\"/>\n",
				axis_x(&a, d->ci_lo), y, fmax(axis_x(&a, d->ci_hi), axis_x(&a, d->ci_lo) + 1),
				y);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000000\" "
			   "stroke-width=\"2\"/>\n",
			axis_x(&a, med), y - 11, axis_x(&a, med), y + 11);
	}
	fputs("</svg>\n", f);
	return 0;
}

int
svg_interval_chart(FILE *f, const struct svg_interval_row *rows, size_t n,
		   const char *title, const char *axis_label, double ref)
{
	double lo = INFINITY, hi = -INFINITY, h = SVG_TOP + SVG_BOTTOM + SVG_ROW_H * (double)n;
	struct svg_axis a;
	size_t r;

	for (r = 0; r < n; r++) {
		const double v[3] = { rows[r].value, rows[r].lo, rows[r].hi };
		int i;

		for (i = 0; i < 3; i++)
			if (isfinite(v[i])) {
				lo = fmin(lo, v[i]);
				hi = fmax(hi, v[i]);
			}
	}
	if (!n || !isfinite(lo))
		return -EINVAL;
	axis_fit(&a, lo, hi, NULL, ref);
	svg_open(f, h, title);
	axis_draw(f, &a, SVG_TOP - 4, h - SVG_BOTTOM, axis_label);
	if (isfinite(ref))
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444444\" "
			   "stroke-dasharray=\"4 3\"/>\n",
			axis_x(&a, ref), SVG_TOP - 4, axis_x(&a, ref), h - SVG_BOTTOM);
	for (r = 0; r < n; r++) {
		const struct svg_interval_row *d = &rows[r];
		double y = SVG_TOP + SVG_ROW_H * ((double)r + 0.5);

		row_label(f, y, d->label);
		if (isfinite(d->lo) && isfinite(d->hi))
			fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
				   "stroke-width=\"3\"/>\n",
				axis_x(&a, d->lo), y, axis_x(&a, d->hi), y, color(d->color));
		if (isfinite(d->value))
			fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\"/>\n",
				axis_x(&a, d->value), y, color(d->color));
	}
	fputs("</svg>\n", f);
	return 0;
}
