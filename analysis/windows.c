/* SPDX-License-Identifier: MIT */
/*
 * Window observations from rows (windows.h). The rows of one window are written together
 * (protocol/rows.c writes a window in one go), so a row almost always belongs to the last
 * window of its run; a short look further back keeps the result right when a reader
 * interleaves runs.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "windows.h"

/* How far back windows_add() looks for a row's window before opening a new one. */
#define WINDOWS_LOOKBACK 64

static const char *const fate_name[WINDOWS_FATES] = {
	[WINDOWS_OK] = "ok",
	[WINDOWS_NOT_WARM] = "cold/warmup",
	[WINDOWS_METER_ERROR] = "meter-error",
	[WINDOWS_UNTRUSTWORTHY] = "untrustworthy",
	[WINDOWS_FAILED] = "failed",
};

const char *
windows_fate_name(enum windows_fate f)
{
	return f < WINDOWS_FATES ? fate_name[f] : "?";
}

static int
grow(void **v, size_t *cap, size_t n, size_t size)
{
	size_t c;
	void *p;

	if (n < *cap)
		return 0;
	c = *cap ? 2 * *cap : 16;
	if (!(p = realloc(*v, c * size)))
		return -ENOMEM;
	*v = p;
	*cap = c;
	return 0;
}

static struct windows_run *
run_get(struct windows_set *s, const char *id, const char *host)
{
	struct windows_run *r;
	size_t i;

	for (i = s->n_runs; i-- > 0;)
		if (!strcmp(s->run[i].id, id) && !strcmp(s->run[i].host, host))
			return &s->run[i];
	if (grow((void **)&s->run, &s->cap_runs, s->n_runs, sizeof(*s->run)))
		return NULL;
	r = &s->run[s->n_runs++];
	snprintf(r->id, sizeof(r->id), "%s", id);
	snprintf(r->host, sizeof(r->host), "%s", host);
	r->idle_before_w = r->idle_after_w = NAN;
	return r;
}

int
windows_run_idle(struct windows_set *s, const char *id, const char *host, double before_w,
		 double after_w)
{
	struct windows_run *r = run_get(s, id, host);

	if (!r)
		return -ENOMEM;
	r->idle_before_w = before_w;
	r->idle_after_w = after_w;
	return 0;
}

static struct windows_obs *
obs_get(struct windows_set *s, size_t run, uint64_t rep)
{
	struct windows_obs *w;
	size_t i, stop = s->n > WINDOWS_LOOKBACK ? s->n - WINDOWS_LOOKBACK : 0;

	for (i = s->n; i-- > stop;)
		if (s->obs[i].run == run && s->obs[i].rep == rep)
			return &s->obs[i];
	if (grow((void **)&s->obs, &s->cap, s->n, sizeof(*s->obs)))
		return NULL;
	w = &s->obs[s->n++];
	memset(w, 0, sizeof(*w));
	w->run = run;
	w->rep = rep;
	w->idle_w = NAN;
	return w;
}

int
windows_add(struct windows_set *s, const struct results_row *row)
{
	struct windows_run *r = run_get(s, row->run_id ? row->run_id : "",
					row->host ? row->host : "");
	const char *st = row->status;
	struct windows_obs *w;

	if (!r || !(w = obs_get(s, (size_t)(r - s->run), row->rep)))
		return -ENOMEM;
	if (!w->rows++) {
		w->window_energy_j = row->window_energy_j;
		w->window_s = (double)row->window_wall_ns / 1e9;
		w->window_invocations = row->window_invocations;
		w->idle_w = row->idle_power_w;
	}
	w->cpu_split |= results_method_is_attributed(row->energy_method);
	if (strcmp(row->phase, "warm") != 0)
		return 0;
	w->warm = 1;
	if (!strcmp(st, "meter-error"))
		w->meter_error = 1;
	else if (!strcmp(st, "untrustworthy"))
		w->untrustworthy = 1;
	else if (strcmp(st, "ok") != 0)
		w->failed = 1;
	w->invocations++;
	if (!isfinite(row->energy_j)) {
		w->no_energy = 1;
		return 0;
	}
	w->sum[WINDOWS_ENERGY] += row->energy_j;
	w->sum[WINDOWS_DYNAMIC] += row->dynamic_energy_j;
	w->sum[WINDOWS_WALL] += (double)row->wall_ns / 1e9;
	if (isfinite(row->work_units))
		w->work_units += row->work_units;
	return 0;
}

enum windows_fate
windows_fate(const struct windows_obs *w)
{
	if (!w->warm)
		return WINDOWS_NOT_WARM;
	if (w->meter_error || w->no_energy || !isfinite(w->window_energy_j))
		return WINDOWS_METER_ERROR;
	if (w->untrustworthy)
		return WINDOWS_UNTRUSTWORTHY;
	if (w->failed)
		return WINDOWS_FAILED;
	return WINDOWS_OK;
}

double
windows_per_inv(const struct windows_obs *w, enum windows_value v)
{
	return w->invocations && v < WINDOWS_VALUES ? w->sum[v] / (double)w->invocations : NAN;
}

int
windows_attributed(const struct windows_obs *w)
{
	return w->cpu_split && w->invocations < w->window_invocations;
}

void
windows_count(const struct windows_set *s, struct windows_counts *c)
{
	size_t i, last_run = (size_t)-1;
	unsigned char *seen = calloc(s->n_runs ? s->n_runs : 1, 1);

	memset(c, 0, sizeof(*c));
	for (i = 0; i < s->n; i++) {
		const struct windows_obs *w = &s->obs[i];
		enum windows_fate f = windows_fate(w);

		if (f != WINDOWS_OK) {
			c->excluded[f]++;
			c->n_excluded++;
			continue;
		}
		c->n_windows++;
		c->n_invocations += w->invocations;
		c->n_attributed += windows_attributed(w);
		/* Without memory for the bitmap, count a change of run as a new run. */
		if (seen ? !seen[w->run] : w->run != last_run) {
			c->n_runs++;
			if (seen)
				seen[w->run] = 1;
		}
		last_run = w->run;
	}
	free(seen);
}

int
windows_sample(const struct windows_set *s, enum windows_value v, struct windows_sample *out)
{
	size_t r, i, *count;

	memset(out, 0, sizeof(*out));
	if (!s->n)
		return 0;
	count = calloc(s->n_runs, sizeof(*count));
	out->x = malloc(s->n * sizeof(double));
	out->run_n = malloc(s->n_runs * sizeof(size_t));
	if (!count || !out->x || !out->run_n) {
		free(count);
		windows_sample_fini(out);
		return -ENOMEM;
	}
	for (i = 0; i < s->n; i++)
		if (windows_fate(&s->obs[i]) == WINDOWS_OK)
			count[s->obs[i].run]++;
	/* Run by run, in the order runs were first seen. */
	for (r = 0; r < s->n_runs; r++) {
		if (!count[r])
			continue;
		for (i = 0; i < s->n; i++)
			if (s->obs[i].run == r && windows_fate(&s->obs[i]) == WINDOWS_OK)
				out->x[out->n++] = windows_per_inv(&s->obs[i], v);
		out->run_n[out->n_runs++] = count[r];
	}
	free(count);
	return 0;
}

void
windows_sample_fini(struct windows_sample *w)
{
	free(w->x);
	free(w->run_n);
	memset(w, 0, sizeof(*w));
}

int
windows_row_parse(const char *const *f, struct results_row *row, struct jb_err *err)
{
	memset(row, 0, sizeof(*row));
	/* Every text column; of the numbers, those analysis reads (the others stay 0, so a
	 * damaged column nobody uses does not stop an analysis). */
#define RESULTS_COL_PARSE_STR(name) row->name = f[RESULTS_COL_INDEX_##name];
#define RESULTS_COL_PARSE_U64(name)
#define RESULTS_COL_PARSE_I64(name)
#define RESULTS_COL_PARSE_F64(name)
#define RESULTS_COL_PARSE_BOOL(name)
#define X(name, type, desc) RESULTS_COL_PARSE_##type(name)
	RESULTS_COLUMNS(X)
#undef X
#define NUM(col, parse)                                                                        \
	if (parse(f[RESULTS_COL_INDEX_##col], &row->col))                                    \
		return jb_err_set(err, -EINVAL, "column %s: '%s' is not a number", #col,       \
				  f[RESULTS_COL_INDEX_##col]);
	NUM(energy_j, results_field_f64)
	NUM(dynamic_energy_j, results_field_f64)
	NUM(window_energy_j, results_field_f64)
	NUM(idle_power_w, results_field_f64)
	NUM(work_units, results_field_f64)
	NUM(energy_uncertainty_j, results_field_f64)
	NUM(wall_ns, results_field_u64)
	NUM(cpu_ns, results_field_u64)
	NUM(window_wall_ns, results_field_u64)
	NUM(window_invocations, results_field_u64)
	NUM(rep, results_field_u64)
	NUM(concurrency, results_field_u64)
#undef NUM
	return 0;
}

void
windows_fini(struct windows_set *s)
{
	free(s->run);
	free(s->obs);
	memset(s, 0, sizeof(*s));
}
