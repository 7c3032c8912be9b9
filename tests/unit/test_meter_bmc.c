/* SPDX-License-Identifier: MIT */
/*
 * meters/bmc.c: the BMC meters' sampler and options, with a fake BMC behind the poll
 * function: a known power is integrated, an energy counter is followed, a BMC that stops
 * answering or whose value freezes fails the read, and a password never comes from the
 * options. The real ipmi and redfish paths run against simulators in
 * tests/integration/test_ipmi.py and test_redfish.py.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "bmc.h"
#include "jb_clock.h"
#include "unit_realtime.h"

#define MS 1000000ull

#define STALLS_MAX 256

struct fake_bmc {
	pthread_mutex_t lock;
	double power_w, energy_j;
	int fail, polls, noise;
	/* The pause watch (watch_main): a thread of the test's own that wakes every 5 ms. */
	pthread_t watcher;
	int watching, stop;
	uint64_t woke_ns;                      /* its latest wake-up */
	uint64_t stall_end_ns[STALLS_MAX];     /* when each pause it saw ended */
	uint64_t stall_ns[STALLS_MAX];         /* and how long it was */
	int stalls;
	uint64_t since_ns;                     /* pauses ending after this count (read_expect) */
};

static int
fake_poll(void *src, struct bmc_value *v)
{
	struct fake_bmc *f = src;
	int rc;

	pthread_mutex_lock(&f->lock);
	f->polls++;
	rc = f->fail;
	/* Whole watts that move by one watt from reading to reading, as a live machine's do. */
	v->power_w = f->power_w + (f->noise ? (f->polls & 1) : 0);
	v->energy_j = f->energy_j;
	f->energy_j = isfinite(f->energy_j) ? f->energy_j + 50 : NAN;
	pthread_mutex_unlock(&f->lock);
	return rc;
}

static void
fake_set(struct fake_bmc *f, int fail, int noise)
{
	pthread_mutex_lock(&f->lock);
	f->fail = fail;
	f->noise = noise;
	pthread_mutex_unlock(&f->lock);
}

/*
 * The tests poll every 20 ms, fifty times a real BMC's rate, so a pause of the whole
 * process of 60 ms or more (a loaded CI machine; a host that takes the guest's CPU away)
 * leaves a gap of four intervals, which the sampler rightly reports as -ETIMEDOUT. Such a
 * pause is told from a slow sampler by a thread outside it, at the same priority, that
 * sleeps 5 ms at a time: a pause makes it wake late too, a sampler that polls too seldom
 * does not.
 */
static void *
watch_main(void *arg)
{
	struct fake_bmc *f = arg;

	for (;;) {
		uint64_t now_ns;

		jb_clock_sleep_ns(5 * MS);
		now_ns = jb_clock_mono_ns();
		pthread_mutex_lock(&f->lock);
		if (f->stop) {
			pthread_mutex_unlock(&f->lock);
			return NULL;
		}
		if (now_ns - f->woke_ns >= 40 * MS && f->stalls < STALLS_MAX) {
			f->stall_end_ns[f->stalls] = now_ns;
			f->stall_ns[f->stalls++] = now_ns - f->woke_ns;
		}
		f->woke_ns = now_ns;
		pthread_mutex_unlock(&f->lock);
	}
}

static void
fake_watch_start(struct fake_bmc *f)
{
	f->woke_ns = jb_clock_mono_ns();
	f->since_ns = f->woke_ns;
	cr_assert_eq(pthread_create(&f->watcher, NULL, watch_main, f), 0);
	f->watching = 1;
}

static void
fake_watch_stop(struct fake_bmc *f)
{
	if (!f->watching)
		return;
	pthread_mutex_lock(&f->lock);
	f->stop = 1;
	pthread_mutex_unlock(&f->lock);
	pthread_join(f->watcher, NULL);
	f->watching = 0;
}

/* Whether the process was paused for 50 ms or more (2.5 intervals; with the up to one
 * interval the sampler sleeps, enough for its gap of four) in a pause that ended after
 * @since_ns or goes on now. */
static int
fake_paused(struct fake_bmc *f, uint64_t since_ns)
{
	uint64_t now_ns = jb_clock_mono_ns();
	int i, paused;

	pthread_mutex_lock(&f->lock);
	paused = now_ns - f->woke_ns >= 50 * MS;
	for (i = 0; i < f->stalls; i++)
		if (f->stall_end_ns[i] > since_ns && f->stall_ns[i] >= 50 * MS)
			paused = 1;
	pthread_mutex_unlock(&f->lock);
	return paused;
}

/* Read, expecting want, or -ETIMEDOUT where the process was paused since the read before
 * began (a gap is reported once, at the first read after the poll that ends it), or just
 * before it: the sampler's poll that ends a pause comes up to an interval after the
 * watcher saw the pause end, so a pause that ended within two intervals before that read
 * may be reported at this one. */
static void
read_expect(struct fake_bmc *f, struct bmc_sampler *s, struct meter_reading *r, int want)
{
	uint64_t t0_ns = jb_clock_mono_ns();
	int rc = bmc_sampler_read(s, r), paused = fake_paused(f, f->since_ns - 40 * MS);

	f->since_ns = t0_ns;
	cr_assert(rc == want || (rc == -ETIMEDOUT && paused), "read: %d, expected %d", rc, want);
}

/* Wait (up to 5 s) until n more polls are recorded: the sampler records a poll after the
 * fake answers it, so one more must have begun. */
static void
fake_wait_polls(struct fake_bmc *f, int n)
{
	int start, polls, i;

	pthread_mutex_lock(&f->lock);
	start = f->polls;
	pthread_mutex_unlock(&f->lock);
	for (i = 0; i < 500; i++) {
		jb_clock_sleep_ns(10 * MS);
		pthread_mutex_lock(&f->lock);
		polls = f->polls;
		pthread_mutex_unlock(&f->lock);
		if (polls - start >= n + 1)
			return;
	}
	cr_assert_fail("the sampler polled %d times in 5 s", polls - start);
}

/* Its sampler runs far faster than the real sensor: unit_realtime.h says why. */
TestSuite(meter_bmc, .init = unit_realtime_init);

Test(meter_bmc, integrates_power_over_the_readings_times)
{
	struct fake_bmc f = {
	    .lock = PTHREAD_MUTEX_INITIALIZER, .power_w = 100.0, .energy_j = NAN, .noise = 1};
	struct bmc_sampler s;
	struct meter_reading a, b;
	double p_w;

	fake_watch_start(&f);
	cr_assert_eq(bmc_sampler_start(&s, fake_poll, &f, 20 * MS, 0), 0);
	jb_clock_sleep_ns(30 * MS);
	read_expect(&f, &s, &a, 0);
	jb_clock_sleep_ns(400 * MS);
	read_expect(&f, &s, &b, 0);
	bmc_sampler_stop(&s);
	fake_watch_stop(&f);
	/* Stamped with the readings' times, energy over time is the power read (100-101 W). */
	cr_assert_gt(b.t_ns, a.t_ns);
	p_w = (double)(b.energy_uj[0] - a.energy_uj[0]) / 1e6 / ((double)(b.t_ns - a.t_ns) / 1e9);
	cr_assert(p_w > 99.9 && p_w < 101.1, "power %g W", p_w);
}

Test(meter_bmc, follows_an_energy_counter)
{
	struct fake_bmc f = {.lock = PTHREAD_MUTEX_INITIALIZER, .power_w = NAN, .energy_j = 5000.0};
	struct bmc_sampler s;
	struct meter_reading r0, r;

	fake_watch_start(&f);
	cr_assert_eq(bmc_sampler_start(&s, fake_poll, &f, 20 * MS, 0), 0);
	read_expect(&f, &s, &r0, 0);
	fake_wait_polls(&f, 2);
	read_expect(&f, &s, &r, 0);
	bmc_sampler_stop(&s);
	fake_watch_stop(&f);
	/* 50 J a reading: the counter's own steps, two readings or more. */
	cr_assert_eq((r.energy_uj[0] - r0.energy_uj[0]) % 50000000u, 0);
	cr_assert_geq(r.energy_uj[0] - r0.energy_uj[0], 100000000u);
}

Test(meter_bmc, a_bmc_that_stops_answering_fails_the_read)
{
	struct fake_bmc f = {
	    .lock = PTHREAD_MUTEX_INITIALIZER, .power_w = 150.0, .energy_j = NAN, .noise = 1};
	struct bmc_sampler s;
	struct meter_reading r;

	fake_watch_start(&f);
	cr_assert_eq(bmc_sampler_start(&s, fake_poll, &f, 20 * MS, 0), 0);
	fake_set(&f, -ETIMEDOUT, 1);
	jb_clock_sleep_ns(200 * MS);
	cr_assert_eq(bmc_sampler_read(&s, &r), -ETIMEDOUT);
	fake_set(&f, 0, 1);
	fake_wait_polls(&f, 2);
	/* The energy across the gap was interpolated: said once, then reads are good. */
	f.since_ns = jb_clock_mono_ns();
	cr_assert_eq(bmc_sampler_read(&s, &r), -ETIMEDOUT);
	read_expect(&f, &s, &r, 0);
	bmc_sampler_stop(&s);
	fake_watch_stop(&f);
}

Test(meter_bmc, a_frozen_value_is_stale)
{
	struct fake_bmc f = {.lock = PTHREAD_MUTEX_INITIALIZER, .power_w = 150.0, .energy_j = NAN};
	struct bmc_sampler s;
	struct meter_reading r;

	/* stale after 150 ms of the very same value (a pause reports first, as -ETIMEDOUT). */
	fake_watch_start(&f);
	cr_assert_eq(bmc_sampler_start(&s, fake_poll, &f, 20 * MS, 150 * MS), 0);
	jb_clock_sleep_ns(300 * MS);
	read_expect(&f, &s, &r, -ENODATA);
	/* Two polls after the value moves, one of them is a change: fresh again. */
	fake_set(&f, 0, 1);
	fake_wait_polls(&f, 2);
	read_expect(&f, &s, &r, 0);
	bmc_sampler_stop(&s);
	fake_watch_stop(&f);
}

Test(meter_bmc, no_first_reading_fails_the_start)
{
	struct fake_bmc f = {
	    .lock = PTHREAD_MUTEX_INITIALIZER, .power_w = 150.0, .energy_j = NAN, .fail = -EACCES};
	struct bmc_sampler s;

	cr_assert_eq(bmc_sampler_start(&s, fake_poll, &f, 20 * MS, 0), -EACCES);
	bmc_sampler_stop(&s); /* safe on a sampler that never started */
}

Test(meter_bmc, the_password_never_comes_from_the_options)
{
	char dir[] = "/tmp/jb-bmc-XXXXXX", path[64], opts[128], why[256];
	struct bmc_opts o;
	FILE *f;

	cr_assert_neq(mkdtemp(dir), NULL);
	cr_assert_eq(bmc_opts_parse("host=h,password=x", "sensor", &o, why, sizeof(why)), -EINVAL);
	cr_assert(strstr(why, "never an option"));
	snprintf(path, sizeof(path), "%s/pw", dir);
	f = fopen(path, "w");
	fputs("s3cret\nignored\n", f);
	fclose(f);
	snprintf(opts, sizeof(opts), "host=h,user=u,password_file=%s,interval_ms=250", path);
	unsetenv(BMC_ENV_PASSWORD);
	cr_assert_eq(bmc_opts_parse(opts, "sensor", &o, why, sizeof(why)), 0, "%s", why);
	cr_assert_str_eq(o.password, "s3cret");
	cr_assert_eq(o.interval_ns, 250 * MS);
	cr_assert_str_eq(o.source, "auto");
	bmc_opts_wipe(&o);
	cr_assert_eq(o.password[0], '\0');
	setenv(BMC_ENV_PASSWORD, "from-env", 1);
	cr_assert_eq(bmc_opts_parse("host=h", "chassis", &o, why, sizeof(why)), 0);
	cr_assert_str_eq(o.password, "from-env");
	unsetenv(BMC_ENV_PASSWORD);
	cr_assert_eq(bmc_opts_parse("host=h", "chassis", &o, why, sizeof(why)), 0);
	cr_assert_eq(o.have_password, 0);
	snprintf(opts, sizeof(opts), "password_file=%s/none", dir);
	cr_assert_lt(bmc_opts_parse(opts, "chassis", &o, why, sizeof(why)), 0);
	unlink(path);
	rmdir(dir);
}

Test(meter_bmc, declares_a_bmc_rate)
{
	struct meter_info info;

	memset(&info, 0, sizeof(info));
	bmc_info_fill(&info, 1000 * MS, 1.0);
	cr_assert_eq(info.n_domains, 1);
	cr_assert_str_eq(info.domain[0].name, "wall");
	cr_assert_eq(info.update_interval_ns, 1000 * MS);
	cr_assert_float_eq(info.resolution_j, 1.0, 1e-12);
	cr_assert_eq(info.min_window_ns, 10000 * MS);
}
