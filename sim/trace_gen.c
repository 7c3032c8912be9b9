/* SPDX-License-Identifier: MIT */
/*
 * The seeded default trace (trace.h), so `joulebench overhead` runs without a download. It
 * has the published shape of the Azure Functions 2019 trace (research/workloads.md 2.4):
 * per-function rates lognormal over orders of magnitude, a daily pattern, heavy-tailed
 * (lognormal) durations and app memory, each from a gen_* parameter that names its source.
 * It produces the 2019 representation (per-minute counts plus a percentile table), so
 * generated and real traces go through the same expansion. GSL draws every random number.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include "trace.h"

#define GEN_MINUTES_PER_DAY 1440

/* The daily pattern, mean 1 over a day: a sine peaking at 14:00 (placeholder phase). */
static double
diurnal(double amplitude, uint32_t minute)
{
	return 1.0 + amplitude * sin(2 * M_PI * ((minute / (double)GEN_MINUTES_PER_DAY) - 8.0 / 24));
}

static int
counts_push(struct trace_function *f, uint32_t minute, uint32_t count, uint32_t *cap)
{
	if (f->n_minutes == *cap) {
		uint32_t c = *cap ? 2 * *cap : 16;
		void *a = realloc(f->minute, c * sizeof(*f->minute));

		if (!a)
			return -ENOMEM;
		f->minute = a;
		a = realloc(f->count, c * sizeof(*f->count));
		if (!a)
			return -ENOMEM;
		f->count = a;
		*cap = c;
	}
	f->minute[f->n_minutes] = minute;
	f->count[f->n_minutes] = count;
	f->n_minutes++;
	f->n_total += count;
	return 0;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/*
 * Counts per minute for a function with @per_day expected invocations. A frequent function
 * gets one Poisson draw per minute; a rare one (most functions) gets its day's total from
 * one Poisson draw and each arrival a minute drawn from the daily pattern by rejection,
 * which is the same process and far fewer draws.
 */
static int
gen_counts(struct trace_function *f, gsl_rng *rng, double per_day, double amp, uint32_t minutes,
	   uint32_t *scratch)
{
	uint32_t m, cap = 0, k, n, i, *s = scratch;
	int rc = 0;

	if (per_day >= GEN_MINUTES_PER_DAY) {
		for (m = 0; m < minutes; m++) {
			k = gsl_ran_poisson(rng, per_day / GEN_MINUTES_PER_DAY * diurnal(amp, m));
			if (k && counts_push(f, m, k, &cap))
				return -ENOMEM;
		}
		return 0;
	}
	n = gsl_ran_poisson(rng, per_day * minutes / GEN_MINUTES_PER_DAY);
	if (n > minutes && !(s = malloc(n * sizeof(*s))))
		return -ENOMEM; /* scratch holds `minutes` entries */
	for (i = 0; i < n; i++) {
		do
			m = (uint32_t)gsl_rng_uniform_int(rng, minutes);
		while (gsl_rng_uniform(rng) * (1 + amp) > diurnal(amp, m));
		s[i] = m;
	}
	qsort(s, n, sizeof(*s), cmp_u32);
	for (i = 0; i < n && !rc; i = k) {
		for (k = i; k < n && s[k] == s[i]; k++)
			;
		rc = counts_push(f, s[i], k - i, &cap);
	}
	if (s != scratch)
		free(s);
	return rc;
}

int
trace_gen_create(struct trace *t, const struct params *p, double hours, unsigned long seed,
		 struct jb_err *err)
{
	size_t n = (size_t)p->v[PARAMS_gen_functions], i;
	uint32_t minutes = GEN_MINUTES_PER_DAY, *scratch = NULL;
	double *rate = NULL, total = 0, scale = 1;
	double amp = p->v[PARAMS_gen_diurnal_amplitude];
	double sw = p->v[PARAMS_gen_duration_within_sigma_ln];
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	int rc = 0;
	unsigned k;

	if (hours > 0 && hours < 24)
		minutes = (uint32_t)ceil(hours * 60);
	t->kind = "generated";
	t->horizon_s = minutes * 60.0;
	rate = malloc(n * sizeof(*rate));
	scratch = malloc(minutes * sizeof(*scratch));
	if (!rng || !rate || !scratch) {
		rc = jb_err_set(err, -ENOMEM, "out of memory generating a trace");
		goto out;
	}
	gsl_rng_set(rng, seed);
	/* log10 of daily invocations ~ Normal(log10(median), sigma). */
	for (i = 0; i < n; i++) {
		rate[i] = p->v[PARAMS_gen_rate_median_per_day] *
			  pow(10, gsl_ran_gaussian(rng, p->v[PARAMS_gen_rate_sigma_log10]));
		total += rate[i];
	}
	if (p->v[PARAMS_gen_invocations] > 0 && total > 0)
		scale = p->v[PARAMS_gen_invocations] / (total * minutes / GEN_MINUTES_PER_DAY);
	for (i = 0; i < n && !rc; i++) {
		char name[32];
		struct trace_function *f;
		double avg_s, med_s;
		double per_day = rate[i] * scale;

		snprintf(name, sizeof(name), "gen%zu", i);
		f = trace_add(t, name);
		if (!f) {
			rc = jb_err_set(err, -ENOMEM, "out of memory generating a trace");
			break;
		}
		if (gen_counts(f, rng, per_day, amp, minutes, scratch))
			rc = jb_err_set(err, -ENOMEM, "out of memory generating a trace");
		/* The function's mean duration is lognormal across functions; its durations
		 * are lognormal with spread sw around a median that keeps that mean. */
		avg_s = p->v[PARAMS_gen_duration_median_s] *
			pow(10, gsl_ran_gaussian(rng, p->v[PARAMS_gen_duration_sigma_log10]));
		med_s = avg_s * exp(-sw * sw / 2);
		for (k = 0; k < TRACE_N_PCT; k++) {
			/* The 0th and 100th percentiles are taken at 0.1% and 99.9%. */
			double q = k == 0 ? 0.001 : k == TRACE_N_PCT - 1 ? 0.999 : trace_pct_levels[k];

			f->pct_ms[k] = 1000 * (sw > 0 ? gsl_cdf_lognormal_Pinv(q, log(med_s), sw) : med_s);
		}
		f->memory_mb = gsl_ran_lognormal(rng, log(p->v[PARAMS_gen_memory_median_mb]),
						 p->v[PARAMS_gen_memory_sigma_ln]);
		t->n_invocations += f->n_total;
	}
out:
	free(rate);
	free(scratch);
	if (rng)
		gsl_rng_free(rng);
	return rc;
}
