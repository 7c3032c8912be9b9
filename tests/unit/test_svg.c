/* SPDX-License-Identifier: MIT */
/*
 * analysis/svg.c and the report's CSV table reader (report_data.c): escaping, axis steps
 * and SI prefixes computed by hand, charts that hold what they promise (one row each, at
 * most 200 dots, nothing unescaped), and ragged or malformed check CSVs.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "report_html.h"
#include "svg.h"

/* Run @fn into a memory stream; the caller frees the text. */
static char *
capture(void (*fn)(FILE *f, void *arg), void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert(f);
	fn(f, arg);
	fclose(f);
	return buf;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (; (hay = strstr(hay, needle)); hay += strlen(needle))
		n++;
	return n;
}

static void
escape_hostile(FILE *f, void *arg)
{
	svg_escape(f, arg);
}

Test(svg, escape)
{
	char *s = capture(escape_hostile, "<script>a&b\"c'd</script>");

	cr_assert_str_eq(s, "&lt;script&gt;a&amp;b&quot;c&#39;d&lt;/script&gt;");
	free(s);
}

Test(svg, nice_steps_and_units)
{
	char u[16];

	cr_assert_float_eq(svg_nice_step(10, 6), 2, 1e-12);  /* raw 2 -> 2 */
	cr_assert_float_eq(svg_nice_step(7, 7), 2, 1e-12);   /* raw 1.17 -> 2 */
	cr_assert_float_eq(svg_nice_step(0.03, 4), 0.01, 1e-12);
	cr_assert_float_eq(svg_nice_step(300, 7), 50, 1e-9); /* raw 50 -> 50 */
	cr_assert_float_eq(svg_unit_pick(0.0042, "J", u, sizeof(u)), 1e3, 0);
	cr_assert_str_eq(u, "mJ");
	cr_assert_float_eq(svg_unit_pick(4.2e-7, "J", u, sizeof(u)), 1e9, 0);
	cr_assert_str_eq(u, "nJ");
	cr_assert_float_eq(svg_unit_pick(12, "W", u, sizeof(u)), 1, 0);
	cr_assert_str_eq(u, "W");
}

static double big[100000];

static void
dist_chart(FILE *f, void *arg)
{
	const struct svg_dist_row rows[2] = {
		{ .label = "a<b", .sorted = big, .n = 100000, .ci_lo = 0.4, .ci_hi = 0.6 },
		{ .label = "one", .sorted = big + 500, .n = 1, .ci_lo = NAN, .ci_hi = NAN,
		  .color = 1 },
	};

	cr_assert_eq(svg_dist_chart(f, rows, 2, arg, "J"), 0);
}

Test(svg, dist_chart)
{
	char *s;
	size_t i;

	for (i = 0; i < 100000; i++)
		big[i] = (double)i / 100000; /* 0 .. 1 J, sorted */
	s = capture(dist_chart, "t&t");
	cr_assert_eq(count(s, "<svg"), 1);
	cr_assert_eq(count(s, "</svg>"), 1);
	cr_assert_eq(count(s, "<circle"), 201, "200 quantile dots + 1 for the single value");
	cr_assert(strstr(s, "<title>t&amp;t</title>"));
	cr_assert(strstr(s, ">a&lt;b</text>"));
	cr_assert_null(strstr(s, "a<b"));
	cr_assert(strstr(s, "(mJ)"), "values below 1 J are drawn in mJ");
	free(s);
}

static void
no_rows(FILE *f, void *arg)
{
	(void)arg;
	cr_assert_eq(svg_dist_chart(f, NULL, 0, "x", "J"), -EINVAL);
	cr_assert_eq(svg_interval_chart(f, NULL, 0, "x", "r", 1), -EINVAL);
}

Test(svg, no_rows_no_chart)
{
	char *s = capture(no_rows, NULL);

	cr_assert_str_eq(s, "", "a refused chart writes nothing");
	free(s);
}

static void
interval_chart(FILE *f, void *arg)
{
	const struct svg_interval_row rows[2] = {
		{ .label = "x", .value = 0.8, .lo = 0.7, .hi = 0.9 },
		{ .label = "y", .value = 1.2, .lo = NAN, .hi = NAN },
	};

	(void)arg;
	cr_assert_eq(svg_interval_chart(f, rows, 2, "r", "b / a", 1.0), 0);
}

Test(svg, interval_chart)
{
	char *s = capture(interval_chart, NULL);

	cr_assert_eq(count(s, "<circle"), 2);
	cr_assert_eq(count(s, "stroke-width=\"3\""), 1, "one interval line: y has none");
	cr_assert_eq(count(s, "stroke-dasharray"), 1, "the reference line at 1");
	free(s);
}

static char *
write_tmp(const char *text)
{
	char *path = strdup("/tmp/jb-svg-test-XXXXXX");
	int fd = mkstemp(path);

	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

Test(report, check_table)
{
	char *path = write_tmp("a,b,c\n1,\"x,y\"\n2,3,4,5\n6,7,8\n9,10,11\n");
	struct report_table t;
	struct jb_err err = { 0 };

	cr_assert_eq(report_table_read(path, 2, &t, &err), 0, "%s", err.msg);
	cr_assert_eq(t.n_cols, 3);
	cr_assert_eq(t.n_rows, 3, "header + 2 kept rows");
	cr_assert_eq(t.n_more, 2);
	cr_assert_str_eq(t.cell[3 * 1 + 1], "x,y");
	cr_assert_str_eq(t.cell[3 * 1 + 2], "", "a short row is padded");
	cr_assert_str_eq(t.cell[3 * 2 + 2], "4", "a long row is cut to the header");
	report_table_fini(&t);
	unlink(path);
	free(path);

	path = write_tmp("a,b\n1,\"unterminated\n");
	cr_assert_eq(report_table_read(path, 10, &t, &err), -EINVAL);
	cr_assert(strstr(err.msg, path), "%s", err.msg);
	unlink(path);
	free(path);
	path = write_tmp("");
	cr_assert_eq(report_table_read(path, 10, &t, &err), -EINVAL);
	unlink(path);
	free(path);
	cr_assert_eq(report_table_read("/nonexistent/x.csv", 10, &t, &err), -ENOENT);
}
