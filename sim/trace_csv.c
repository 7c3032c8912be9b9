/* SPDX-License-Identifier: MIT */
/*
 * The trace files' record reader (trace_csv.h), on libcsv's strict parser. Fields are
 * appended to one buffer and addressed by offset; the pointers are made only when the
 * record is complete, because the buffer may move while it grows.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "trace_csv.h"

struct rd {
	const char *path;
	trace_csv_fn fn;
	void *arg;
	struct jb_err *err;
	unsigned long line;
	char *text;
	size_t len, cap;
	size_t *off, n, ncap;
	char **fields;
	size_t fcap;
	int rc;
};

static int
no_space(unsigned char c)
{
	(void)c;
	return 0;
}

static void
rd_field(void *data, size_t len, void *arg)
{
	struct rd *r = arg;

	if (r->rc)
		return;
	if (r->len + len + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		char *p;

		while (cap < r->len + len + 1)
			cap *= 2;
		if (!(p = realloc(r->text, cap))) {
			r->rc = jb_err_set(r->err, -ENOMEM, "out of memory reading %s", r->path);
			return;
		}
		r->text = p, r->cap = cap;
	}
	if (r->n == r->ncap) {
		size_t cap = r->ncap ? 2 * r->ncap : 64;
		size_t *p = realloc(r->off, cap * sizeof(*p));

		if (!p) {
			r->rc = jb_err_set(r->err, -ENOMEM, "out of memory reading %s", r->path);
			return;
		}
		r->off = p, r->ncap = cap;
	}
	r->off[r->n++] = r->len;
	if (len)
		memcpy(r->text + r->len, data, len);
	r->text[r->len + len] = '\0';
	r->len += len + 1;
}

static void
rd_record(int c, void *arg)
{
	struct rd *r = arg;
	size_t i;

	(void)c;
	if (!r->rc && r->n > r->fcap) {
		char **p = realloc(r->fields, r->n * sizeof(*p));

		if (!p)
			r->rc = jb_err_set(r->err, -ENOMEM, "out of memory reading %s", r->path);
		else
			r->fields = p, r->fcap = r->n;
	}
	if (!r->rc) {
		for (i = 0; i < r->n; i++)
			r->fields[i] = r->text + r->off[i];
		r->rc = r->fn(r->arg, r->fields, r->n, r->line);
	}
	r->n = 0;
	r->len = 0;
	r->line++;
}

int
trace_csv_read(const char *path, trace_csv_fn fn, void *arg, struct jb_err *err)
{
	struct rd r = { .path = path, .fn = fn, .arg = arg, .err = err, .line = 1 };
	struct csv_parser p;
	static const size_t bufsize = 1 << 16;
	char *buf = malloc(bufsize);
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f || !buf) {
		int e = f ? ENOMEM : errno;

		free(buf);
		if (f)
			fclose(f);
		return jb_err_set(err, -e, "cannot read %s: %s", path, strerror(e));
	}
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_EMPTY_IS_NULL) != 0) {
		fclose(f);
		free(buf);
		return jb_err_set(err, -ENOMEM, "csv_init failed");
	}
	csv_set_space_func(&p, no_space);
	while (!r.rc && (n = fread(buf, 1, bufsize, f)) > 0)
		if (csv_parse(&p, buf, n, rd_field, rd_record, &r) != n && !r.rc)
			r.rc = jb_err_set(err, -EINVAL, "%s: line %lu: %s", path, r.line,
					  csv_strerror(csv_error(&p)));
	if (!r.rc && ferror(f))
		r.rc = jb_err_set(err, -EIO, "%s: read error", path);
	if (!r.rc && csv_fini(&p, rd_field, rd_record, &r) != 0 && !r.rc)
		r.rc = jb_err_set(err, -EINVAL, "%s: line %lu: %s", path, r.line,
				  csv_strerror(csv_error(&p)));
	if (!r.rc && r.line == 1)
		r.rc = jb_err_set(err, -EINVAL, "%s: empty file, no header", path);
	csv_free(&p);
	fclose(f);
	free(buf);
	free(r.text);
	free(r.off);
	free(r.fields);
	return r.rc;
}

int
trace_csv_number(const char *path, unsigned long line, size_t col, const char *name,
		 const char *s, double *out, struct jb_err *err)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(*out) || *out < 0)
		return jb_err_set(err, -EINVAL, "%s: line %lu, column %zu (%s): '%.40s' is not a "
				  "number >= 0", path, line, col, name, s);
	return 0;
}
