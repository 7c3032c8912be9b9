/* SPDX-License-Identifier: MIT */
/*
 * Reader of the Azure Functions Invocation Trace 2021 (Zhang et al., SOSP'21; format in
 * research/workloads.md 2.2): one row per invocation, `app,func,end_timestamp,duration`,
 * both in seconds. Rows are grouped per (app, func) through a hash table of function
 * indices; start = end - duration, and time 0 is the earliest start in the file.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"
#include "trace_csv.h"

struct rd21 {
	const char *path;
	struct trace *t;
	struct jb_err *err;
	size_t *slot, nslot;     /* open addressing: function index + 1, 0 = empty */
	size_t *cap;             /* capacity of each function's inv array */
	size_t ncap;
};

static const char *const cols21[] = { "app", "func", "end_timestamp", "duration" };

/* FNV-1a, 64 bit: a well-known string hash (Fowler, Noll, Vo), good enough for a table. */
static uint64_t
hash_str(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static int
table_grow(struct rd21 *r)
{
	size_t n = r->nslot ? 2 * r->nslot : 1024, i, j;
	size_t *s = calloc(n, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (i = 0; i < r->t->n; i++) {
		for (j = hash_str(r->t->fn[i].name) & (n - 1); s[j]; j = (j + 1) & (n - 1))
			;
		s[j] = i + 1;
	}
	free(r->slot);
	r->slot = s, r->nslot = n;
	return 0;
}

static struct trace_function *
function_get(struct rd21 *r, const char *name, size_t *idx)
{
	size_t j;

	if (2 * (r->t->n + 1) > r->nslot && table_grow(r))
		return NULL;
	for (j = hash_str(name) & (r->nslot - 1); r->slot[j]; j = (j + 1) & (r->nslot - 1))
		if (!strcmp(r->t->fn[r->slot[j] - 1].name, name)) {
			*idx = r->slot[j] - 1;
			return &r->t->fn[*idx];
		}
	if (r->t->n == r->ncap) {
		size_t n = r->ncap ? 2 * r->ncap : 1024;
		size_t *c = realloc(r->cap, n * sizeof(*c));

		if (!c)
			return NULL;
		r->cap = c, r->ncap = n;
	}
	*idx = r->t->n;
	if (!trace_add(r->t, name))
		return NULL;
	r->cap[*idx] = 0;
	r->slot[j] = *idx + 1;
	return &r->t->fn[*idx];
}

static int
rec21(void *arg, char **fields, size_t n, unsigned long line)
{
	struct rd21 *r = arg;
	struct trace_function *f;
	double end_s, dur_s;
	char name[512];
	size_t i, idx;
	int rc;

	if (n != 4)
		return jb_err_set(r->err, -EINVAL, "%s: line %lu, column %zu: %zu fields, expected "
				  "4 (app,func,end_timestamp,duration)", r->path, line,
				  n < 4 ? n + 1 : 5, n);
	if (line == 1) {
		for (i = 0; i < 4; i++)
			if (strcmp(fields[i], cols21[i]))
				return jb_err_set(r->err, -EINVAL, "%s: line 1, column %zu: expected "
						  "'%s', found '%.40s'", r->path, i + 1, cols21[i],
						  fields[i]);
		return 0;
	}
	if ((rc = trace_csv_number(r->path, line, 3, cols21[2], fields[2], &end_s, r->err)) ||
	    (rc = trace_csv_number(r->path, line, 4, cols21[3], fields[3], &dur_s, r->err)))
		return rc;
	if (dur_s > end_s)
		return jb_err_set(r->err, -EINVAL, "%s: line %lu, column 4 (duration): %g s is longer "
				  "than end_timestamp %g s", r->path, line, dur_s, end_s);
	snprintf(name, sizeof(name), "%.200s/%.200s", fields[0], fields[1]);
	if (!(f = function_get(r, name, &idx)))
		return jb_err_set(r->err, -ENOMEM, "out of memory reading %s", r->path);
	if (f->n_inv == r->cap[idx]) {
		size_t c = r->cap[idx] ? 2 * r->cap[idx] : 8;
		void *p = realloc(f->inv, c * sizeof(*f->inv));

		if (!p)
			return jb_err_set(r->err, -ENOMEM, "out of memory reading %s", r->path);
		f->inv = p, r->cap[idx] = c;
	}
	f->inv[f->n_inv].start_s = end_s - dur_s;
	f->inv[f->n_inv++].duration_s = dur_s;
	return 0;
}

static int
inv_cmp(const void *a, const void *b)
{
	double x = ((const struct trace_inv *)a)->start_s, y = ((const struct trace_inv *)b)->start_s;

	return (x > y) - (x < y);
}

int
trace_azure2021_read(struct trace *t, const char *path, struct jb_err *err)
{
	struct rd21 r = { .path = path, .t = t, .err = err };
	double t0 = INFINITY, last = 0;
	size_t i, j;
	int rc;

	t->kind = "azure2021";
	rc = trace_csv_read(path, rec21, &r, err);
	free(r.slot);
	free(r.cap);
	if (rc)
		return rc;
	for (i = 0; i < t->n; i++)
		for (j = 0; j < t->fn[i].n_inv; j++)
			t0 = fmin(t0, t->fn[i].inv[j].start_s);
	t->n_invocations = 0;
	for (i = 0; i < t->n; i++) {
		struct trace_function *f = &t->fn[i];

		for (j = 0; j < f->n_inv; j++) {
			f->inv[j].start_s -= t0;
			last = fmax(last, f->inv[j].start_s);
		}
		qsort(f->inv, f->n_inv, sizeof(*f->inv), inv_cmp);
		f->n_total = f->n_inv;
		t->n_invocations += f->n_inv;
	}
	/* The trace covers whole minutes up to the last start. */
	t->horizon_s = (floor(last / 60) + 1) * 60;
	return 0;
}
