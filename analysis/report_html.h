/* SPDX-License-Identifier: MIT */
/*
 * The HTML report (`joulebench report`): what it reads of each run (its rows, summarised by
 * summary.c; its .meta.json sidecar, parsed with json-c; the CSV of `joulebench check`,
 * where there is one) and one self-contained HTML page written from them: no network, no
 * script, figures as inline SVG (svg.c), every string from a file HTML-escaped.
 */
#ifndef JB_ANALYSIS_REPORT_HTML_H
#define JB_ANALYSIS_REPORT_HTML_H

#include <stddef.h>
#include <stdio.h>

#include "jb_err.h"
#include "summary.h"

struct json_object;

/* A CSV read as text: row 0 is the header; cell[r * n_cols + c]. */
struct report_table {
	size_t n_cols, n_rows; /* n_rows counts the header */
	char **cell;
	size_t n_more;         /* data rows past the limit, counted, not kept */
};

/**
 * report_table_read() - read any RFC 4180 CSV @path with libcsv, keeping the header and at
 * most @max_rows data rows (short rows are padded with ""). Return: 0, -EINVAL for a
 * malformed file (@err says where), -ENOMEM, or -errno from opening it.
 */
int report_table_read(const char *path, size_t max_rows, struct report_table *t,
		      struct jb_err *err);

/** report_table_fini() - free @t. */
void report_table_fini(struct report_table *t);

struct report_run {
	const char *path;          /* the results CSV, as given */
	const char *label;         /* its file name (points into path) */
	struct summary sum;        /* its warm rows, grouped */
	struct json_object *meta;  /* its sidecar, or NULL when it has none */
	char meta_note[256];       /* why there is no sidecar */
	char check_path[4096];     /* the check CSV read, "" for none */
	struct report_table check;
};

/**
 * report_run_load() - read the results CSV @csv_path into @r, its sidecar (a missing one is
 * noted, not an error) and the check CSV @check_path; NULL @check_path means
 * "<run>.check.csv" next to the run, read when it exists.
 * Return: 0, or the error of summary_add_file() / report_table_read() / json-c (-EINVAL
 * with the file named in @err).
 */
int report_run_load(struct report_run *r, const char *csv_path, const char *check_path,
		    struct jb_err *err);

/** report_run_fini() - free what @r holds. */
void report_run_fini(struct report_run *r);

struct report_opts {
	const char *title;
	double level;          /* confidence level, e.g. 0.95 */
	const char *generator; /* "joulebench 0.1.0 (git ...)" for the footer */
	const char *scope_mix; /* NULL, or the warning of an allowed scope mix (a banner) */
	double carbon_g_per_kwh; /* 0: no carbon section (never the default) */
};

/**
 * report_html_write() - the whole page for @n runs to @f: overview, summary table (one row
 * per run and configuration), one distribution figure per workload and size, driver ratios
 * over @pooled (all runs' rows together, as `analyze --ratios`), a comparison of each run
 * with the first when there are several, the meters and their checks, and the metadata.
 * Return: 0, -ENOMEM, or -EIO when writing @f failed.
 */
int report_html_write(FILE *f, struct report_run *runs, size_t n, struct summary *pooled,
		      const struct report_opts *o, struct jb_err *err);

#endif
