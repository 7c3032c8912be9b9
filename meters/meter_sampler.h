/* SPDX-License-Identifier: MIT */
/*
 * The one sampler lifecycle of the sampling meters (hwmon.c, ina219.c, tinkerforge.c and
 * bmc.c for ipmi and redfish): a meter whose device gives power, not energy, reads it in a
 * thread of its own and integrates it with meter_integrator_add(). This is that thread:
 * start, the deadline-based pacing, the stop flag and its lock, join, and the bookkeeping
 * every sampler reports (good samples, the span they cover, the thread's own CPU time). A
 * sampling meter writes only the callback that reads one sample and integrates it. Private
 * to meters/ (and its tests).
 */
#ifndef JB_METER_SAMPLER_H
#define JB_METER_SAMPLER_H

#include <pthread.h>
#include <stdint.h>

/*
 * When the next sample is due after one that ended at time `now`, with the previous deadline
 * `next`. The meters differ for reasons of their devices, kept as they were:
 * - FIXED: next + interval, late or not; a delayed thread catches up with a burst of
 *   samples, so the count per second stays the configured rate (hwmon: cheap sysfs reads).
 * - NO_BURST: next + interval, or now when that is past: a slow call is not followed by a
 *   burst (tinkerforge: a TCP round trip to brickd per sample).
 * - SKIP: next + interval, or now + interval when that is past: a slow poll starts the next
 *   interval afresh (BMC: a network round trip that may take longer than an interval).
 * - AFTER: now + interval: the time a device needs before it has a new value, counted from
 *   the end of the last read (ina219: most of a conversion cycle, then it polls CNVR).
 */
enum meter_sampler_pace {
	METER_SAMPLER_FIXED,
	METER_SAMPLER_NO_BURST,
	METER_SAMPLER_SKIP,
	METER_SAMPLER_AFTER,
};

struct meter_sampler;

/* Read one sample and integrate it; takes sp->lock itself for what it shares with read(). */
typedef void (*meter_sample_fn)(struct meter_sampler *sp, void *arg);

struct meter_sampler {
	pthread_mutex_t lock; /* the meter's lock too: guards its integrator and its state */
	pthread_t thread;
	int running;          /* the thread was started and not yet joined */
	uint64_t interval_ns;
	enum meter_sampler_pace pace;
	int sleep_first;      /* wait one interval before the first sample */
	meter_sample_fn sample;
	void *arg;
	/* Guarded by lock. */
	int stop;
	uint64_t samples, first_t_ns, last_t_ns, cpu_ns;
};

/** meter_sampler_init() - a stopped sampler with its lock ready (usable before start). */
void meter_sampler_init(struct meter_sampler *sp);

/**
 * meter_sampler_start() - start the thread: it calls @sample(@sp, @arg) paced by @pace every
 * @interval_ns (after one interval first when @sleep_first), until meter_sampler_fini().
 * Return: 0 or -errno from pthread_create (the sampler is then not running).
 */
int meter_sampler_start(struct meter_sampler *sp, uint64_t interval_ns,
			enum meter_sampler_pace pace, int sleep_first, meter_sample_fn sample,
			void *arg);

/** meter_sampler_count() - record a good sample taken at @t_ns; call with sp->lock held. */
void meter_sampler_count(struct meter_sampler *sp, uint64_t t_ns);

/**
 * meter_sampler_wait_first() - wait up to @timeout_ms (in 1 ms sleeps) for the first good
 * sample, or for *@error (read under the lock; NULL: none) to be set.
 * Return: 0 with a sample, *@error, or -ETIMEDOUT.
 */
int meter_sampler_wait_first(struct meter_sampler *sp, uint64_t timeout_ms, const int *error);

/**
 * meter_sampler_rate() - samples per second (@per_tick samples each pass, e.g. one per
 * sensor) and the thread's CPU time per second of wall time, over the span from the first
 * good sample to the latest; 0 and 0 before a second pass. Call with sp->lock held.
 */
void meter_sampler_rate(struct meter_sampler *sp, uint64_t per_tick, double *rate_hz,
			double *cpu_frac);

/** meter_sampler_fini() - stop and join the thread if it runs, and destroy the lock. */
void meter_sampler_fini(struct meter_sampler *sp);

#endif
