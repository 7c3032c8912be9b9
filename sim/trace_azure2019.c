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
#include <unistd.h>

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
	int mem_by_fn;            /* the memory file has a HashFunction column */
	struct keyed *rows;
	size_t n, cap;
};

static const char *const dur_cols[] = {
	"HashOwner", "HashApp", "HashFunction", "percentile_Average_0", "percentile_Average_1",
	"percentile_Average_25", "percentile_Average_50", "percentile_Average_75",
	"percentile_Average_99", "percentile_Average_100",
};
static const char *const mem_cols[] = { "HashOwner", "HashApp", "AverageAllocatedMb" };
static const char *const mem_fn_cols[] = { "HashOwner", "HashApp", "HashFunction",
					   "AverageAllocatedMb" };

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

/* The published file has 12 columns, one row per app; a variant shipped by a public
 * loader has 13, with HashFunction: then the rows are per function and joined so. */
static int
mem_record(void *arg, char **fields, size_t n, unsigned long line)
{
	struct rd19 *r = arg;
	size_t i;

	if (line == 1)
		for (i = 0; i < n; i++)
			if (!strcmp(fields[i], "HashFunction"))
				r->mem_by_fn = 1;
	return r->mem_by_fn ? keyed_record(r, fields, n, line, 3, mem_fn_cols, 4)
			    : keyed_record(r, fields, n, line, 2, mem_cols, 3);
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

/* A function of the trace being built, found by name across days. */
struct by_name {
	const char *name;
	size_t idx;
};

static int
by_name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct by_name *)a)->name, ((const struct by_name *)b)->name);
}

/* Per function while days are read: memory sum and count. */
struct fn_acc {
	double mem_sum;
	unsigned mem_n;
};

/* Append day @d's function @g (minutes shifted by @off) to @t, creating it if new. */
static int
day_merge(struct trace *t, struct by_name *idx, size_t n_idx, struct trace_function *g,
	  uint32_t off, size_t d, size_t ndays, struct fn_acc **acc, size_t *acc_cap,
	  struct trace_function **out)
{
	struct by_name k = { .name = g->name }, *hit;
	struct trace_function *f;
	uint32_t m;

	hit = n_idx ? bsearch(&k, idx, n_idx, sizeof(k), by_name_cmp) : NULL;
	if (hit) {
		f = &t->fn[hit->idx];
	} else {
		if (!(f = trace_add(t, g->name)))
			return -ENOMEM;
		f->n_days = (uint32_t)ndays;
		if (ndays > 1) {
			if (!(f->pct_day = malloc(ndays * sizeof(*f->pct_day))))
				return -ENOMEM;
			for (m = 0; m < ndays; m++)
				f->pct_day[m][0] = NAN;
		}
		if (t->n > *acc_cap) {
			size_t cap = 2 * t->cap;
			struct fn_acc *a = realloc(*acc, cap * sizeof(**acc));

			if (!a)
				return -ENOMEM;
			memset(a + *acc_cap, 0, (cap - *acc_cap) * sizeof(*a));
			*acc = a, *acc_cap = cap;
		}
	}
	if (g->n_minutes) {
		void *a = realloc(f->minute, (f->n_minutes + g->n_minutes) * sizeof(*f->minute));
		void *b;

		if (!a)
			return -ENOMEM;
		f->minute = a;
		if (!(b = realloc(f->count, (f->n_minutes + g->n_minutes) * sizeof(*f->count))))
			return -ENOMEM;
		f->count = b;
		for (m = 0; m < g->n_minutes; m++) {
			f->minute[f->n_minutes + m] = g->minute[m] + off;
			f->count[f->n_minutes + m] = g->count[m];
		}
		f->n_minutes += g->n_minutes;
		f->n_total += g->n_total;
	}
	(void)d;
	*out = f;
	return 0;
}

static int
index_build(const struct trace *t, struct by_name **idx)
{
	struct by_name *v = malloc((t->n + 1) * sizeof(*v));
	size_t i;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < t->n; i++)
		v[i] = (struct by_name){ t->fn[i].name, i };
	if (t->n)
		qsort(v, t->n, sizeof(*v), by_name_cmp);
	free(*idx);
	*idx = v;
	return 0;
}

/* Read day @d into @t: its invocations into a day trace, then joined. */
static int
day_read(struct trace *t, const char *inv, const char *dur, const char *mem, size_t d,
	 size_t ndays, uint32_t *off, struct fn_acc **acc, size_t *acc_cap, struct jb_err *err)
{
	struct trace day = { 0 };
	struct rd19 r = { .path = inv, .t = &day, .err = err };
	struct rd19 m = { .path = mem, .t = &day, .err = err };
	struct by_name *idx = NULL;
	size_t i, n_idx = t->n;
	int rc;

	if ((rc = trace_csv_read(inv, inv_record, &r, err)))
		goto out;
	if (mem && (rc = trace_csv_read(mem, mem_record, &m, err)))
		goto out;
	r.path = dur;
	if ((rc = trace_csv_read(dur, dur_record, &r, err)))
		goto out;
	/* qsort's pointer must not be NULL even for 0 rows (C17 7.22.5): an empty file. */
	if (r.n)
		qsort(r.rows, r.n, sizeof(*r.rows), keyed_cmp);
	if (m.n)
		qsort(m.rows, m.n, sizeof(*m.rows), keyed_cmp);
	if ((rc = index_build(t, &idx)))
		goto oom;
	for (i = 0; i < day.n; i++) {
		struct trace_function *g = &day.fn[i], *f;
		const struct keyed *dr = keyed_find(&r, g->name), *a;
		char app[512];
		size_t fi;

		if ((rc = day_merge(t, idx, n_idx, g, *off, d, ndays, acc, acc_cap, &f)))
			goto oom;
		fi = (size_t)(f - t->fn);
		if (dr) {
			if (f->pct_day)
				memcpy(f->pct_day[d], dr->v, sizeof(f->pct_day[d]));
			else
				memcpy(f->pct_ms, dr->v, sizeof(f->pct_ms));
			f->n_days |= 0x80000000u; /* has a table somewhere; cleared at the end */
		}
		snprintf(app, sizeof(app), "%.*s", (int)(strrchr(g->name, '/') - g->name), g->name);
		a = keyed_find(&m, m.mem_by_fn ? g->name : app);
		if (a) {
			(*acc)[fi].mem_sum += a->v[0];
			(*acc)[fi].mem_n++;
		}
	}
	*off += (uint32_t)(day.horizon_s / 60);
	t->horizon_s += day.horizon_s;
	goto out;
oom:
	if (rc == -ENOMEM)
		rc = jb_err_set(err, -ENOMEM, "out of memory reading %s", inv);
out:
	free(idx);
	keyed_free(&r);
	keyed_free(&m);
	trace_fini(&day);
	return rc;
}

/* After the last day: borrow tables for days without one, set memory, drop functions that
 * have no durations at all. */
static void
days_finish(struct trace *t, const struct fn_acc *acc)
{
	size_t i, kept = 0;

	t->n_invocations = 0;
	for (i = 0; i < t->n; i++) {
		struct trace_function *f = &t->fn[i];
		uint32_t d, e, nd;

		if (!(f->n_days & 0x80000000u)) { /* no durations: dropped, as dslab-faas does */
			free(f->name), free(f->minute), free(f->count), free(f->pct_day);
			t->n_dropped++;
			continue;
		}
		f->n_days &= ~0x80000000u;
		nd = f->n_days;
		for (d = 0; f->pct_day && d < nd; d++) {
			if (!isnan(f->pct_day[d][0]))
				continue;
			for (e = 1; e < nd; e++) { /* the nearest day with a table, earlier first */
				if (d >= e && !isnan(f->pct_day[d - e][0])) {
					memcpy(f->pct_day[d], f->pct_day[d - e], sizeof(f->pct_day[d]));
					break;
				}
				if (d + e < nd && !isnan(f->pct_day[d + e][0])) { /* a later day's */
					memcpy(f->pct_day[d], f->pct_day[d + e], sizeof(f->pct_day[d]));
					break;
				}
			}
		}
		if (f->pct_day)
			memcpy(f->pct_ms, f->pct_day[0], sizeof(f->pct_ms));
		f->memory_mb = acc[i].mem_n ? acc[i].mem_sum / acc[i].mem_n : NAN;
		t->fn[kept++] = *f;
		t->n_invocations += f->n_total;
	}
	t->n = kept;
}

int
trace_azure2019_read_days(struct trace *t, const char *const *invocations,
			  const char *const *durations, const char *const *memory, size_t n,
			  struct jb_err *err)
{
	struct fn_acc *acc = NULL;
	size_t d, acc_cap = 0;
	uint32_t off = 0;
	int rc = 0;

	t->kind = "azure2019";
	t->horizon_s = 0;
	for (d = 0; d < n && !rc; d++)
		rc = day_read(t, invocations[d], durations[d], memory ? memory[d] : NULL, d, n,
			      &off, &acc, &acc_cap, err);
	if (!rc)
		days_finish(t, acc);
	free(acc);
	return rc;
}

int
trace_azure2019_read(struct trace *t, const char *invocations, const char *durations,
		     const char *memory, struct jb_err *err)
{
	return trace_azure2019_read_days(t, &invocations, &durations, &memory, 1, err);
}

#define DAYS_MAX 99

int
trace_azure2019_dir(struct trace *t, const char *dir, struct jb_err *err)
{
	static const char *const pat[3] = { "invocations_per_function_md.anon.d%02u.csv",
					    "function_durations_percentiles.anon.d%02u.csv",
					    "app_memory_percentiles.anon.d%02u.csv" };
	char *name[3][DAYS_MAX] = { { 0 } };
	const char *v[3][DAYS_MAX];
	size_t n = 0, k, d;
	unsigned day;
	int rc = 0;

	for (day = 1; day <= DAYS_MAX && !rc; day++) {
		char file[128], path[4096];

		snprintf(file, sizeof(file), pat[0], day);
		snprintf(path, sizeof(path), "%s/%s", dir, file);
		if (access(path, F_OK))
			continue;
		for (k = 0; k < 3; k++) {
			snprintf(file, sizeof(file), pat[k], day);
			snprintf(path, sizeof(path), "%s/%s", dir, file);
			if (k == 1 && access(path, F_OK))
				rc = jb_err_set(err, -ENOENT, "%s: day %02u has invocations but no %s",
						dir, day, file);
			if (!(name[k][n] = strdup(path)))
				rc = jb_err_set(err, -ENOMEM, "out of memory");
			v[k][n] = k == 2 && access(path, F_OK) ? NULL : name[k][n];
		}
		n++;
	}
	if (!rc && !n)
		rc = jb_err_set(err, -ENOENT, "%s: no invocations_per_function_md.anon.dNN.csv",
				dir);
	if (!rc)
		rc = trace_azure2019_read_days(t, v[0], v[1], v[2], n, err);
	for (k = 0; k < 3; k++)
		for (d = 0; d < n; d++)
			free(name[k][d]);
	return rc;
}
