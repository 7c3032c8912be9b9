/* SPDX-License-Identifier: MIT */
/*
 * Reader of one day of the Azure Functions 2019 trace (Shahrad et al., ATC'20; formats in
 * research/workloads.md 2.1): per-function invocation counts per minute, joined on
 * (HashOwner, HashApp, HashFunction) with the duration percentiles (ms, cold start
 * excluded) and on (HashOwner, HashApp) with the app's average committed memory. Columns
 * are found by header name; a malformed file is rejected naming its file, line and column.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"
#include "trace_csv.h"

struct keyed {
	char *key;
	double v[TRACE_N_PCT];
};

struct rd19 {
	const char *path;
	struct trace *t;
	struct jb_err *err;
	size_t nfields;           /* of the header */
	int col[TRACE_N_PCT + 3]; /* header positions of the named columns */
	struct keyed *rows;
	size_t n, cap;
};

static const char *const dur_cols[] = {
	"HashOwner", "HashApp", "HashFunction", "percentile_Average_0", "percentile_Average_1",
	"percentile_Average_25", "percentile_Average_50", "percentile_Average_75",
	"percentile_Average_99", "percentile_Average_100",
};
static const char *const mem_cols[] = { "HashOwner", "HashApp", "AverageAllocatedMb" };

static int
header_map(struct rd19 *r, char **fields, size_t n, const char *const *names, size_t k)
{
	size_t i, j;

	r->nfields = n;
	for (j = 0; j < k; j++) {
		r->col[j] = -1;
		for (i = 0; i < n; i++)
			if (!strcmp(fields[i], names[j]))
				r->col[j] = (int)i;
		if (r->col[j] < 0)
			return jb_err_set(r->err, -EINVAL, "%s: line 1: no column '%s' in the header",
					  r->path, names[j]);
	}
	return 0;
}

static int
width_check(struct rd19 *r, size_t n, unsigned long line)
{
	if (n != r->nfields)
		return jb_err_set(r->err, -EINVAL, "%s: line %lu, column %zu: %zu fields, the "
				  "header has %zu", r->path, line, n < r->nfields ? n + 1 : r->nfields + 1,
				  n, r->nfields);
	return 0;
}

static int
inv_record(void *arg, char **fields, size_t n, unsigned long line)
{
	static const char *const head[] = { "HashOwner", "HashApp", "HashFunction", "Trigger" };
	struct rd19 *r = arg;
	struct trace_function *f;
	uint32_t cap = 0;
	char name[512];
	size_t i;
	int rc;

	if (line == 1) {
		for (i = 0; i < 4; i++)
			if (n <= i || strcmp(fields[i], head[i]))
				return jb_err_set(r->err, -EINVAL, "%s: line 1, column %zu: expected '%s'",
						  r->path, i + 1, head[i]);
		for (i = 4; i < n; i++) {
			char want[24];

			snprintf(want, sizeof(want), "%zu", i - 3);
			if (strcmp(fields[i], want))
				return jb_err_set(r->err, -EINVAL, "%s: line 1, column %zu: expected "
						  "minute '%s', found '%.20s'", r->path, i + 1, want,
						  fields[i]);
		}
		if (n < 5)
			return jb_err_set(r->err, -EINVAL, "%s: line 1: no minute columns", r->path);
		r->nfields = n;
		r->t->horizon_s = (n - 4) * 60.0;
		return 0;
	}
	if ((rc = width_check(r, n, line)))
		return rc;
	snprintf(name, sizeof(name), "%.160s/%.160s/%.160s", fields[0], fields[1], fields[2]);
	if (!(f = trace_add(r->t, name)))
		return jb_err_set(r->err, -ENOMEM, "out of memory reading %s", r->path);
	for (i = 4; i < n; i++) {
		char *end;
		unsigned long long c;

		errno = 0;
		c = strtoull(fields[i], &end, 10);
		if (errno || end == fields[i] || *end || fields[i][0] == '-' || c > UINT32_MAX)
			return jb_err_set(r->err, -EINVAL, "%s: line %lu, column %zu (minute %zu): "
					  "'%.40s' is not a count", r->path, line, i + 1, i - 3,
					  fields[i]);
		if (!c)
			continue;
		if (f->n_minutes == cap) {
			void *a, *b;

			cap = cap ? 2 * cap : 16;
			a = realloc(f->minute, cap * sizeof(*f->minute));
			if (a)
				f->minute = a;
			b = realloc(f->count, cap * sizeof(*f->count));
			if (b)
				f->count = b;
			if (!a || !b)
				return jb_err_set(r->err, -ENOMEM, "out of memory reading %s", r->path);
		}
		f->minute[f->n_minutes] = (uint32_t)(i - 4);
		f->count[f->n_minutes++] = (uint32_t)c;
		f->n_total += c;
	}
	r->t->n_invocations += f->n_total;
	return 0;
}

/* Durations and memory rows: a key and up to TRACE_N_PCT numbers, kept for the join. */
static int
keyed_record(struct rd19 *r, char **fields, size_t n, unsigned long line, size_t nkey,
	     const char *const *names, size_t ncols)
{
	struct keyed *k;
	char key[512];
	size_t j;
	int rc;

	if (line == 1)
		return header_map(r, fields, n, names, ncols);
	if ((rc = width_check(r, n, line)))
		return rc;
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 1024;
		void *p = realloc(r->rows, cap * sizeof(*r->rows));

		if (!p)
			return jb_err_set(r->err, -ENOMEM, "out of memory reading %s", r->path);
		r->rows = p, r->cap = cap;
	}
	k = &r->rows[r->n];
	if (nkey == 3)
		snprintf(key, sizeof(key), "%.160s/%.160s/%.160s", fields[r->col[0]],
			 fields[r->col[1]], fields[r->col[2]]);
	else
		snprintf(key, sizeof(key), "%.160s/%.160s", fields[r->col[0]], fields[r->col[1]]);
	for (j = nkey; j < ncols; j++) {
		rc = trace_csv_number(r->path, line, (size_t)r->col[j] + 1, names[j],
				      fields[r->col[j]], &k->v[j - nkey], r->err);
		if (rc)
			return rc;
	}
	if (!(k->key = strdup(key)))
		return jb_err_set(r->err, -ENOMEM, "out of memory reading %s", r->path);
	r->n++;
	return 0;
}

static int
dur_record(void *arg, char **fields, size_t n, unsigned long line)
{
	return keyed_record(arg, fields, n, line, 3, dur_cols, 3 + TRACE_N_PCT);
}

static int
mem_record(void *arg, char **fields, size_t n, unsigned long line)
{
	return keyed_record(arg, fields, n, line, 2, mem_cols, 3);
}

static int
keyed_cmp(const void *a, const void *b)
{
	return strcmp(((const struct keyed *)a)->key, ((const struct keyed *)b)->key);
}

static const struct keyed *
keyed_find(const struct rd19 *r, const char *key)
{
	struct keyed k = { .key = (char *)key };

	return r->n ? bsearch(&k, r->rows, r->n, sizeof(k), keyed_cmp) : NULL;
}

static void
keyed_free(struct rd19 *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->rows[i].key);
	free(r->rows);
	r->rows = NULL;
	r->n = r->cap = 0;
}

int
trace_azure2019_read(struct trace *t, const char *invocations, const char *durations,
		     const char *memory, struct jb_err *err)
{
	struct rd19 r = { .path = invocations, .t = t, .err = err };
	struct rd19 m = { .path = memory, .t = t, .err = err };
	size_t i, kept = 0;
	int rc;

	t->kind = "azure2019";
	if ((rc = trace_csv_read(invocations, inv_record, &r, err)))
		return rc;
	if (memory && (rc = trace_csv_read(memory, mem_record, &m, err)))
		goto out;
	r.path = durations;
	if ((rc = trace_csv_read(durations, dur_record, &r, err)))
		goto out;
	/* qsort's pointer must not be NULL even for 0 rows (C17 7.22.5): an empty file. */
	if (r.n)
		qsort(r.rows, r.n, sizeof(*r.rows), keyed_cmp);
	if (m.n)
		qsort(m.rows, m.n, sizeof(*m.rows), keyed_cmp);
	t->n_invocations = 0;
	for (i = 0; i < t->n; i++) {
		struct trace_function *f = &t->fn[i];
		const struct keyed *d = keyed_find(&r, f->name), *a;
		char app[512];

		if (!d) { /* no durations: dropped, as dslab-faas does */
			free(f->name), free(f->minute), free(f->count);
			t->n_dropped++;
			continue;
		}
		memcpy(f->pct_ms, d->v, sizeof(f->pct_ms));
		snprintf(app, sizeof(app), "%.*s", (int)(strrchr(f->name, '/') - f->name), f->name);
		a = keyed_find(&m, app);
		f->memory_mb = a ? a->v[0] : NAN;
		t->fn[kept++] = *f;
		t->n_invocations += f->n_total;
	}
	t->n = kept;
out:
	keyed_free(&r);
	keyed_free(&m);
	return rc;
}
