/* SPDX-License-Identifier: MIT */
/*
 * meters/meter_sampler.c, the sampling meters' one thread: the callback runs until the
 * sampler is stopped and records its samples, span and CPU time; the first-sample wait
 * returns a sample, the meter's error or a timeout; and the pacing policies keep their
 * promises where a callback is slower than the interval (only lower bounds on the gaps are
 * checked: a loaded machine may delay a thread, never hurry it). The meters that use it are
 * tested through their own fakes (test_meter_hwmon.c, test_meter_ina219.c,
 * test_meter_bmc.c, test_tinkerforge.py).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>

#include <criterion/criterion.h>

#include "jb_clock.h"
#include "meter_sampler.h"
#include "unit_realtime.h"

#define MS 1000000ull
#define CALLS_MAX 16

struct fake_meter {
	uint64_t work_ns;          /* how long each sample takes */
	int count, calls, error;   /* count good samples; error: set instead */
	uint64_t start_ns[CALLS_MAX], end_ns[CALLS_MAX];
};

static void
fake_sample(struct meter_sampler *sp, void *arg)
{
	struct fake_meter *f = arg;
	uint64_t t0 = jb_clock_mono_ns();

	if (f->work_ns)
		jb_clock_sleep_ns(f->work_ns);
	pthread_mutex_lock(&sp->lock);
	if (f->calls < CALLS_MAX) {
		f->start_ns[f->calls] = t0;
		f->end_ns[f->calls] = jb_clock_mono_ns();
	}
	f->calls++;
	if (f->count)
		meter_sampler_count(sp, t0);
	pthread_mutex_unlock(&sp->lock);
}

/* Run @pace with a callback of @work_ns at @interval_ns until CALLS_MAX calls. */
static void
run_until_full(struct meter_sampler *sp, struct fake_meter *f, enum meter_sampler_pace pace,
	       uint64_t interval_ns)
{
	int calls = 0, i;

	meter_sampler_init(sp);
	cr_assert_eq(meter_sampler_start(sp, interval_ns, pace, 0, fake_sample, f), 0);
	for (i = 0; i < 5000 && calls < CALLS_MAX; i++) {
		jb_clock_sleep_ns(MS);
		pthread_mutex_lock(&sp->lock);
		calls = f->calls;
		pthread_mutex_unlock(&sp->lock);
	}
	meter_sampler_fini(sp);
	cr_assert_geq(f->calls, CALLS_MAX, "the sampler stopped calling after %d", f->calls);
}

/* Its sampler runs far faster than the real sensor: unit_realtime.h says why. */
TestSuite(meter_sampler, .init = unit_realtime_init);

Test(meter_sampler, samples_until_stopped_and_reports_its_rate, .timeout = 30)
{
	struct meter_sampler sp;
	struct fake_meter f = { .count = 1 };
	double rate_hz, cpu_frac;
	int calls;

	run_until_full(&sp, &f, METER_SAMPLER_FIXED, 2 * MS);
	calls = f.calls;
	cr_assert_eq(sp.running, 0);
	cr_assert_eq(sp.samples, (uint64_t)calls);
	cr_assert_gt(sp.last_t_ns, sp.first_t_ns);
	meter_sampler_rate(&sp, 1, &rate_hz, &cpu_frac);
	/* 500 Hz at most on average (a FIXED sampler catches up, never runs ahead). */
	cr_assert(rate_hz > 0 && rate_hz < 600, "rate %.1f Hz", rate_hz);
	cr_assert(cpu_frac >= 0 && cpu_frac < 1, "cpu %.3f", cpu_frac);
	jb_clock_sleep_ns(10 * MS);
	cr_assert_eq(f.calls, calls, "a call after the join");
}

Test(meter_sampler, waits_for_the_first_sample_or_the_error, .timeout = 30)
{
	struct meter_sampler sp;
	struct fake_meter quiet = { 0 }, good = { .count = 1 };
	int error = 0;

	meter_sampler_init(&sp);
	cr_assert_eq(meter_sampler_start(&sp, MS, METER_SAMPLER_FIXED, 0, fake_sample, &quiet), 0);
	cr_assert_eq(meter_sampler_wait_first(&sp, 20, &error), -ETIMEDOUT);
	pthread_mutex_lock(&sp.lock);
	error = -EIO;
	pthread_mutex_unlock(&sp.lock);
	cr_assert_eq(meter_sampler_wait_first(&sp, 2000, &error), -EIO);
	meter_sampler_fini(&sp);

	meter_sampler_init(&sp);
	cr_assert_eq(meter_sampler_start(&sp, MS, METER_SAMPLER_AFTER, 1, fake_sample, &good), 0);
	cr_assert_eq(meter_sampler_wait_first(&sp, 2000, NULL), 0);
	meter_sampler_fini(&sp);
}

/* A callback of 6 ms at a 4 ms interval: SKIP and AFTER leave a whole interval between the
 * end of one sample and the start of the next. */
static void
check_gap_after_each(enum meter_sampler_pace pace)
{
	struct meter_sampler sp;
	struct fake_meter f = { .work_ns = 6 * MS };
	int i;

	run_until_full(&sp, &f, pace, 4 * MS);
	for (i = 1; i < CALLS_MAX; i++)
		cr_assert_geq(f.start_ns[i] - f.end_ns[i - 1], 4 * MS - MS / 2,
			      "pace %d: call %d started %.2f ms after the last ended", (int)pace, i,
			      (double)(f.start_ns[i] - f.end_ns[i - 1]) / 1e6);
}

Test(meter_sampler, skip_and_after_wait_an_interval_after_a_slow_sample, .timeout = 30)
{
	check_gap_after_each(METER_SAMPLER_SKIP);
	check_gap_after_each(METER_SAMPLER_AFTER);
}

/* FIXED keeps its deadlines: call k starts no earlier than k intervals after the first. */
Test(meter_sampler, fixed_keeps_its_deadlines, .timeout = 30)
{
	struct meter_sampler sp;
	struct fake_meter f = { 0 };
	int i;

	run_until_full(&sp, &f, METER_SAMPLER_FIXED, 3 * MS);
	for (i = 1; i < CALLS_MAX; i++)
		cr_assert_geq(f.start_ns[i] - f.start_ns[0], (uint64_t)i * 3 * MS - MS / 2,
			      "call %d at %.2f ms", i, (double)(f.start_ns[i] - f.start_ns[0]) / 1e6);
}
