/* SPDX-License-Identifier: MIT */
/*
 * The results CSV reader, on libcsv's strict parser. It maps the file's header onto the
 * schema's columns (so a file whose columns are reordered still reads), reads schema 1
 * files (no `scope` column: each row's scope is derived from its meter and domain, as
 * jb_scope_derive() knows them), refuses a file of another schema_version, and reports a malformed file by name, record and column; and
 * what a reader needs to know of a row's energy_method.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "jb_scope.h"
#include "results.h"

#define READER_MAX_FIELDS 256

struct reader {
	const char *path;
	results_row_fn fn;
	void *arg;
	struct jb_err *err;
	unsigned long record;             /* 1 = the header */
	unsigned nfields;                 /* fields seen in the current record */
	unsigned header_fields;
	int map[READER_MAX_FIELDS];       /* file column -> schema column, -1 = ignored */
	int no_scope;                     /* a schema 1 header: derive each row's scope */
	char scope[JB_SCOPE_TEXT_MAX];    /* the current row's derived scope */
	char *fields[READER_MAX_FIELDS];  /* the current record's fields */
	int rc;
};

static int
no_space(unsigned char c)
{
	(void)c;
	return 0; /* keep spaces: a field's text is its text */
}

static void
reader_field(void *data, size_t len, void *arg)
{
	struct reader *r = arg;

	if (r->rc)
		return;
	if (r->nfields == READER_MAX_FIELDS) {
		r->rc = jb_err_set(r->err, -EINVAL, "%s: record %lu has more than %d fields",
				   r->path, r->record, READER_MAX_FIELDS);
		return;
	}
	r->fields[r->nfields] = strndup(data ? data : "", len);
	if (!r->fields[r->nfields]) {
		r->rc = -ENOMEM;
		return;
	}
	r->nfields++;
}

static void
reader_free_fields(struct reader *r)
{
	unsigned i;

	for (i = 0; i < r->nfields; i++)
		free(r->fields[i]);
	r->nfields = 0;
}

static void
reader_header(struct reader *r)
{
	unsigned i, seen[RESULTS_N_COLUMNS] = { 0 };

	r->header_fields = r->nfields;
	for (i = 0; i < r->nfields; i++) {
		int c = results_column_find(r->fields[i]);

		r->map[i] = c;
		if (c >= 0)
			seen[c]++;
	}
	/* Schema 1 had no scope column; whether the rows say 1 is checked row by row. */
	r->no_scope = !seen[RESULTS_COL_INDEX_scope];
	for (i = 0; i < RESULTS_N_COLUMNS; i++)
		if (seen[i] != 1 && !(i == RESULTS_COL_INDEX_scope && r->no_scope)) {
			r->rc = jb_err_set(r->err, -EINVAL,
					   "%s: line 1: column '%s' is %s in the header", r->path,
					   results_column_name(i), seen[i] ? "repeated" : "missing");
			return;
		}
}

static void
reader_record(int c, void *arg)
{
	struct reader *r = arg;
	const char *row[RESULTS_N_COLUMNS], *version;
	unsigned i;

	(void)c;
	if (r->rc)
		goto out;
	if (r->record == 1) {
		reader_header(r);
		goto out;
	}
	if (r->nfields != r->header_fields) {
		r->rc = jb_err_set(r->err, -EINVAL, "%s: record %lu: %u fields, the header has %u",
				   r->path, r->record, r->nfields, r->header_fields);
		goto out;
	}
	for (i = 0; i < r->nfields; i++)
		if (r->map[i] >= 0)
			row[r->map[i]] = r->fields[i];
	version = row[RESULTS_COL_INDEX_schema_version];
	if (strcmp(version, "1") && strcmp(version, "2")) {
		r->rc = jb_err_set(r->err, -EPROTO,
				   "%s: record %lu: schema_version %s, this joulebench reads 1 to %d",
				   r->path, r->record, version, RESULTS_SCHEMA_VERSION);
		goto out;
	}
	if (r->no_scope) {
		if (strcmp(version, "1")) {
			r->rc = jb_err_set(r->err, -EINVAL,
					   "%s: line 1: column 'scope' is missing in the header "
					   "(schema_version %s has one)", r->path, version);
			goto out;
		}
		row[RESULTS_COL_INDEX_scope] =
			jb_scope_derive(row[RESULTS_COL_INDEX_meter], row[RESULTS_COL_INDEX_domain],
					r->scope, sizeof(r->scope));
	}
	r->rc = r->fn(r->arg, row, r->record);
out:
	reader_free_fields(r);
	r->record++;
}

int
results_read(const char *path, results_row_fn fn, void *arg, struct jb_err *err)
{
	struct csv_parser p;
	struct reader r = { .path = path, .fn = fn, .arg = arg, .err = err, .record = 1 };
	char buf[65536];
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return jb_err_set(err, -errno, "cannot open %s: %s", path, strerror(errno));
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
		fclose(f);
		return jb_err_set(err, -ENOMEM, "csv_init failed");
	}
	csv_set_space_func(&p, no_space);
	while (!r.rc && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (csv_parse(&p, buf, n, reader_field, reader_record, &r) != n && !r.rc)
			r.rc = jb_err_set(err, -EINVAL, "%s: record %lu: %s", path, r.record,
					  csv_strerror(csv_error(&p)));
	if (!r.rc && ferror(f))
		r.rc = jb_err_set(err, -EIO, "%s: read error", path);
	if (!r.rc && csv_fini(&p, reader_field, reader_record, &r) != 0 && !r.rc)
		r.rc = jb_err_set(err, -EINVAL, "%s: record %lu: %s", path, r.record,
				  csv_strerror(csv_error(&p)));
	if (!r.rc && r.record == 1)
		r.rc = jb_err_set(err, -EINVAL, "%s: empty file, no header", path);
	reader_free_fields(&r);
	csv_free(&p);
	fclose(f);
	return r.rc;
}

int
results_method_is_attributed(const char *energy_method)
{
	static const char prefix[] = "window-split-by-", suffix[] = "-cpu-share";
	size_t n = energy_method ? strlen(energy_method) : 0;

	return n > sizeof(prefix) - 1 + sizeof(suffix) - 1 &&
	       !strncmp(energy_method, prefix, sizeof(prefix) - 1) &&
	       !strcmp(energy_method + n - (sizeof(suffix) - 1), suffix);
}

int
results_field_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return (errno || *end) ? -EINVAL : 0;
}

int
results_field_f64(const char *s, double *out)
{
	char *end;

	if (!*s) {
		*out = NAN;
		return 0;
	}
	errno = 0;
	*out = strtod(s, &end);
	return (errno == ERANGE && fabs(*out) > 1) || *end ? -EINVAL : 0;
}
