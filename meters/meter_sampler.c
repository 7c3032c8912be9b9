/* SPDX-License-Identifier: MIT */
/*
 * The sampling meters' thread (meter_sampler.h): one loop that checks the stop flag under
 * the lock, calls the meter's read-one-sample callback, records the thread's CPU time and
 * sleeps to the next deadline on CLOCK_MONOTONIC (absolute, so that the time a sample takes
 * does not add up into drift), and the start, wait and join around it.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "jb_clock.h"
#include "meter-private.h"
#include "meter_sampler.h"

void
meter_sampler_init(struct meter_sampler *sp)
{
	memset(sp, 0, sizeof(*sp));
	pthread_mutex_init(&sp->lock, NULL);
}

/* The deadline after a sample (see enum meter_sampler_pace). */
static uint64_t
sampler_next_ns(const struct meter_sampler *sp, uint64_t next)
{
	uint64_t now = jb_clock_mono_ns();

	switch (sp->pace) {
	case METER_SAMPLER_FIXED:
		return next + sp->interval_ns;
	case METER_SAMPLER_NO_BURST:
		return next + sp->interval_ns < now ? now : next + sp->interval_ns;
	case METER_SAMPLER_SKIP:
		return next + sp->interval_ns < now ? now + sp->interval_ns
						    : next + sp->interval_ns;
	case METER_SAMPLER_AFTER:
	default:
		return now + sp->interval_ns;
	}
}

static void *
sampler_main(void *arg)
{
	struct meter_sampler *sp = arg;
	uint64_t cpu0 = meter__thread_cpu_ns(), next = jb_clock_mono_ns();

	if (sp->sleep_first) {
		next = sampler_next_ns(sp, next);
		meter__sleep_until_ns(next);
	}
	for (;;) {
		int stop;

		pthread_mutex_lock(&sp->lock);
		stop = sp->stop;
		pthread_mutex_unlock(&sp->lock);
		if (stop)
			break;
		sp->sample(sp, sp->arg);
		pthread_mutex_lock(&sp->lock);
		sp->cpu_ns = meter__thread_cpu_ns() - cpu0;
		pthread_mutex_unlock(&sp->lock);
		next = sampler_next_ns(sp, next);
		meter__sleep_until_ns(next);
	}
	return NULL;
}

int
meter_sampler_start(struct meter_sampler *sp, uint64_t interval_ns,
		    enum meter_sampler_pace pace, int sleep_first, meter_sample_fn sample, void *arg)
{
	int rc;

	sp->interval_ns = interval_ns;
	sp->pace = pace;
	sp->sleep_first = sleep_first;
	sp->sample = sample;
	sp->arg = arg;
	sp->stop = 0;
	rc = -pthread_create(&sp->thread, NULL, sampler_main, sp);
	if (!rc)
		sp->running = 1;
	return rc;
}

void
meter_sampler_count(struct meter_sampler *sp, uint64_t t_ns)
{
	if (!sp->samples++)
		sp->first_t_ns = t_ns;
	sp->last_t_ns = t_ns;
}

int
meter_sampler_wait_first(struct meter_sampler *sp, uint64_t timeout_ms, const int *error)
{
	uint64_t i;

	for (i = 0;; i++) {
		uint64_t k;
		int rc;

		pthread_mutex_lock(&sp->lock);
		k = sp->samples;
		rc = error ? *error : 0;
		pthread_mutex_unlock(&sp->lock);
		if (rc)
			return rc;
		if (k)
			return 0;
		if (i >= timeout_ms)
			return -ETIMEDOUT;
		jb_clock_sleep_ns(1000000);
	}
}

void
meter_sampler_rate(struct meter_sampler *sp, uint64_t per_tick, double *rate_hz,
		   double *cpu_frac)
{
	uint64_t span;

	*rate_hz = 0;
	*cpu_frac = 0;
	span = sp->last_t_ns - sp->first_t_ns;
	if (span && sp->samples > per_tick) {
		*rate_hz = (double)(sp->samples - per_tick) * 1e9 / (double)span / (double)per_tick;
		*cpu_frac = (double)sp->cpu_ns / (double)span;
	}
}

void
meter_sampler_fini(struct meter_sampler *sp)
{
	if (sp->running) {
		pthread_mutex_lock(&sp->lock);
		sp->stop = 1;
		pthread_mutex_unlock(&sp->lock);
		pthread_join(sp->thread, NULL);
		sp->running = 0;
	}
	pthread_mutex_destroy(&sp->lock);
}
