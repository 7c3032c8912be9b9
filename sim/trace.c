/* SPDX-License-Identifier: MIT */
/*
 * What every trace source shares (trace.h): building and freeing the function list,
 * limiting a trace to hours and a sample of functions, and expanding one function into
 * sorted invocations with GSL's random number generators.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "trace.h"

const double trace_pct_levels[TRACE_N_PCT] = { 0, 0.01, 0.25, 0.50, 0.75, 0.99, 1.0 };

struct trace_function *
trace_add(struct trace *t, const char *name)
{
	struct trace_function *f;

	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 256;
		void *p = realloc(t->fn, cap * sizeof(*t->fn));

		if (!p)
			return NULL;
		t->fn = p;
		t->cap = cap;
	}
	f = &t->fn[t->n];
	memset(f, 0, sizeof(*f));
	f->memory_mb = NAN;
	f->name = strdup(name);
	if (!f->name)
		return NULL;
	t->n++;
	return f;
}

static void
function_fini(struct trace_function *f)
{
	free(f->name);
	free(f->minute);
	free(f->count);
	free(f->inv);
	free(f->pct_day);
}

void
trace_fini(struct trace *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		function_fini(&t->fn[i]);
	free(t->fn);
	memset(t, 0, sizeof(*t));
}

static void
function_cut(struct trace_function *f, double horizon_s)
{
	uint32_t m, keep = 0;
	size_t i, n = 0;

	f->n_total = 0;
	for (m = 0; m < f->n_minutes; m++)
		if (f->minute[m] * 60.0 < horizon_s) {
			f->minute[keep] = f->minute[m];
			f->count[keep] = f->count[m];
			f->n_total += f->count[m];
			keep++;
		}
	f->n_minutes = keep;
	for (i = 0; i < f->n_inv; i++)
		if (f->inv[i].start_s < horizon_s)
			f->inv[n++] = f->inv[i];
	f->n_inv = n;
	f->n_total += n;
}

int
trace_limit(struct trace *t, double hours, size_t functions, unsigned long seed,
	    struct jb_err *err)
{
	size_t i;

	if (hours > 0 && hours * 3600 < t->horizon_s) {
		t->horizon_s = hours * 3600;
		t->n_invocations = 0;
		for (i = 0; i < t->n; i++) {
			function_cut(&t->fn[i], t->horizon_s);
			t->n_invocations += t->fn[i].n_total;
		}
	}
	if (functions && functions < t->n) {
		size_t *all = malloc(t->n * sizeof(*all)), *pick = malloc(functions * sizeof(*pick));
		char *keep = calloc(t->n, 1);
		gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
		size_t n = 0;

		if (!all || !pick || !keep || !rng) {
			free(all), free(pick), free(keep), rng ? gsl_rng_free(rng) : (void)0;
			return jb_err_set(err, -ENOMEM, "out of memory sampling functions");
		}
		gsl_rng_set(rng, seed);
		for (i = 0; i < t->n; i++)
			all[i] = i;
		gsl_ran_choose(rng, pick, functions, all, t->n, sizeof(size_t));
		for (i = 0; i < functions; i++)
			keep[pick[i]] = 1;
		t->n_invocations = 0;
		for (i = 0; i < t->n; i++) {
			if (!keep[i]) {
				function_fini(&t->fn[i]);
				continue;
			}
			t->fn[n] = t->fn[i];
			t->n_invocations += t->fn[n].n_total;
			n++;
		}
		t->n = n;
		free(all), free(pick), free(keep);
		gsl_rng_free(rng);
	}
	return 0;
}

static int
buf_reserve(struct trace_buf *buf, size_t n, struct jb_err *err)
{
	size_t cap = buf->cap ? buf->cap : 1024;
	void *p;

	if (n <= buf->cap)
		return 0;
	while (cap < n)
		cap *= 2;
	p = realloc(buf->inv, cap * sizeof(*buf->inv));
	if (!p)
		return jb_err_set(err, -ENOMEM, "out of memory for %zu invocations", n);
	buf->inv = p;
	buf->cap = cap;
	return 0;
}

void
trace_buf_fini(struct trace_buf *buf)
{
	free(buf->inv);
	memset(buf, 0, sizeof(*buf));
}

/* Inverse of the piecewise-linear CDF through the percentile table, in seconds. */
static double
duration_draw_s(const double *pct_ms, double u)
{
	unsigned k = 1;
	double a, ms;

	while (k < TRACE_N_PCT - 1 && u > trace_pct_levels[k])
		k++;
	a = (u - trace_pct_levels[k - 1]) / (trace_pct_levels[k] - trace_pct_levels[k - 1]);
	ms = pct_ms[k - 1] + a * (pct_ms[k] - pct_ms[k - 1]);
	return (ms < 1.0 ? 1.0 : ms) / 1000.0; /* floor 1 ms, as dslab-faas */
}

int
trace_function_expand_until(const struct trace_function *f, gsl_rng *rng,
			    struct trace_cursor *cur, double until_s, struct trace_buf *buf,
			    struct jb_err *err)
{
	uint32_t m, c, j, mend;
	size_t n = 0, iend;
	uint64_t need = 0;
	int rc;

	for (iend = cur->inv; iend < f->n_inv && f->inv[iend].start_s < until_s; iend++)
		;
	for (mend = cur->minute; mend < f->n_minutes && f->minute[mend] * 60.0 < until_s; mend++)
		need += f->count[mend];
	rc = buf_reserve(buf, (iend - cur->inv) + need + 1, err);
	if (rc)
		return rc;
	if (iend > cur->inv)
		memcpy(buf->inv, f->inv + cur->inv, (iend - cur->inv) * sizeof(*f->inv));
	n = iend - cur->inv;
	cur->inv = iend;
	for (m = cur->minute; m < mend; m++) {
		struct trace_inv *v = buf->inv + n;
		double sum = 0, t0 = f->minute[m] * 60.0;
		const double *pct = f->pct_day ? f->pct_day[f->minute[m] / 1440 < f->n_days ?
								 f->minute[m] / 1440 : f->n_days - 1]
					       : f->pct_ms;

		c = f->count[m];
		/* c sorted uniforms on [0, 60): cumulative sums of c + 1 exponential spacings,
		 * normalised (the order statistics of uniforms); no sort needed. */
		for (j = 0; j <= c; j++) {
			sum += gsl_ran_exponential(rng, 1.0);
			v[j].start_s = sum;
		}
		for (j = 0; j < c; j++) {
			v[j].start_s = t0 + 60.0 * v[j].start_s / sum;
			v[j].duration_s = duration_draw_s(pct, gsl_rng_uniform(rng));
		}
		n += c;
	}
	cur->minute = mend;
	buf->n = n;
	return 0;
}

int
trace_function_expand(const struct trace_function *f, gsl_rng *rng, struct trace_buf *buf,
		      struct jb_err *err)
{
	struct trace_cursor cur = { 0 };

	return trace_function_expand_until(f, rng, &cur, INFINITY, buf, err);
}
