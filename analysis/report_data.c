/* SPDX-License-Identifier: MIT */
/*
 * What the HTML report reads (report_html.h): a run's rows through summary.c, its sidecar
 * through json-c, and the CSV of `joulebench check` as plain text cells through libcsv, so
 * the report shows whatever columns that command writes without depending on its schema.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <csv.h>
#include <json-c/json.h>

#include "report_html.h"
#include "results.h"

struct table_reader {
	struct report_table *t;
	size_t max_rows, col, cap;
	char **row; /* the record being read */
	size_t row_n, row_cap;
	int rc;
};

static int
row_push(struct table_reader *r, char *s)
{
	if (r->row_n == r->row_cap) {
		size_t cap = r->row_cap ? 2 * r->row_cap : 16;
		char **n = realloc(r->row, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		r->row = n;
		r->row_cap = cap;
	}
	r->row[r->row_n++] = s;
	return 0;
}

static void
table_field(void *s, size_t len, void *arg)
{
	struct table_reader *r = arg;
	char *c;

	if (r->rc)
		return;
	c = strndup(s ? s : "", s ? len : 0);
	if (!c || row_push(r, c)) {
		free(c);
		r->rc = -ENOMEM;
	}
}

static void
table_record(int c, void *arg)
{
	struct table_reader *r = arg;
	struct report_table *t = r->t;
	size_t i;

	(void)c;
	if (r->rc)
		goto out;
	if (!t->n_rows)
		t->n_cols = r->row_n;
	if (t->n_rows > r->max_rows) {
		t->n_more++;
		goto out;
	}
	if (t->n_rows == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 16;
		char **n = realloc(t->cell, cap * t->n_cols * sizeof(*n));

		if (!n) {
			r->rc = -ENOMEM;
			goto out;
		}
		t->cell = n;
		r->cap = cap;
	}
	for (i = 0; i < t->n_cols; i++) {
		char *v = i < r->row_n ? r->row[i] : strdup("");

		if (!v) {
			r->rc = -ENOMEM;
			v = NULL;
		}
		if (i < r->row_n)
			r->row[i] = NULL; /* moved into the table */
		t->cell[t->n_rows * t->n_cols + i] = v;
	}
	t->n_rows++;
out:
	for (i = 0; i < r->row_n; i++)
		free(r->row[i]);
	r->row_n = 0;
}

static int
no_space(unsigned char c)
{
	(void)c;
	return 0;
}

int
report_table_read(const char *path, size_t max_rows, struct report_table *t, struct jb_err *err)
{
	struct table_reader r = { .t = t, .max_rows = max_rows };
	struct csv_parser p;
	char buf[65536];
	FILE *f = fopen(path, "re");
	size_t n;

	memset(t, 0, sizeof(*t));
	if (!f)
		return jb_err_set(err, -errno, "cannot open %s: %s", path, strerror(errno));
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
		fclose(f);
		return jb_err_set(err, -ENOMEM, "csv_init failed");
	}
	csv_set_space_func(&p, no_space);
	while (!r.rc && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (csv_parse(&p, buf, n, table_field, table_record, &r) != n && !r.rc)
			r.rc = jb_err_set(err, -EINVAL, "%s: record %zu: %s", path,
					  t->n_rows + t->n_more + 1, csv_strerror(csv_error(&p)));
	if (!r.rc && csv_fini(&p, table_field, table_record, &r) != 0)
		r.rc = jb_err_set(err, -EINVAL, "%s: record %zu: %s", path,
				  t->n_rows + t->n_more + 1, csv_strerror(csv_error(&p)));
	if (r.rc == -ENOMEM)
		jb_err_set(err, -ENOMEM, "%s: out of memory", path);
	if (!r.rc && !t->n_rows)
		r.rc = jb_err_set(err, -EINVAL, "%s: empty file, no header", path);
	csv_free(&p);
	fclose(f);
	for (n = 0; n < r.row_n; n++)
		free(r.row[n]);
	free(r.row);
	if (r.rc)
		report_table_fini(t);
	return r.rc;
}

void
report_table_fini(struct report_table *t)
{
	size_t i;

	if (t->cell)
		for (i = 0; i < t->n_rows * t->n_cols; i++)
			free(t->cell[i]);
	free(t->cell);
	memset(t, 0, sizeof(*t));
}

/* "dir/x.csv" -> "dir/x" + @suffix. */
static int
sibling_path(const char *csv_path, const char *suffix, char *out, size_t len)
{
	size_t n = strlen(csv_path);

	if (n >= 4 && !strcmp(csv_path + n - 4, ".csv"))
		n -= 4;
	if ((size_t)snprintf(out, len, "%.*s%s", (int)n, csv_path, suffix) >= len)
		return -ENAMETOOLONG;
	return 0;
}

int
report_run_load(struct report_run *r, const char *csv_path, const char *check_path,
		struct jb_err *err)
{
	const char *slash = strrchr(csv_path, '/');
	char meta_path[4096];
	int rc;

	memset(r, 0, sizeof(*r));
	r->path = csv_path;
	r->label = slash ? slash + 1 : csv_path;
	rc = summary_add_file(&r->sum, csv_path, err);
	if (rc)
		return rc;
	if (results_meta_path(csv_path, meta_path, sizeof(meta_path)) != 0)
		return jb_err_set(err, -ENAMETOOLONG, "%s: path too long", csv_path);
	if (access(meta_path, F_OK) != 0) {
		snprintf(r->meta_note, sizeof(r->meta_note), "no sidecar (%.160s: %.64s)",
			 strrchr(meta_path, '/') ? strrchr(meta_path, '/') + 1 : meta_path,
			 strerror(errno));
	} else {
		r->meta = json_object_from_file(meta_path);
		if (!r->meta)
			return jb_err_set(err, -EINVAL, "%s: not valid JSON: %s", meta_path,
					  json_util_get_last_err());
	}
	if (check_path) {
		snprintf(r->check_path, sizeof(r->check_path), "%s", check_path);
	} else {
		if (sibling_path(csv_path, ".check.csv", r->check_path, sizeof(r->check_path)))
			return jb_err_set(err, -ENAMETOOLONG, "%s: path too long", csv_path);
		if (access(r->check_path, F_OK) != 0)
			r->check_path[0] = '\0';
	}
	if (r->check_path[0])
		return report_table_read(r->check_path, 1000, &r->check, err);
	return 0;
}

void
report_run_fini(struct report_run *r)
{
	summary_fini(&r->sum);
	if (r->meta)
		json_object_put(r->meta);
	report_table_fini(&r->check);
	r->meta = NULL;
}
