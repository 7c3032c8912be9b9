/* SPDX-License-Identifier: MIT */
/*
 * meters/meter_liveness.c and the meter checks' measurements (meter_ladder.c) on a fake
 * backend whose counters follow the clock: a live package, a frozen counter (all domains,
 * and one of two), a counter that stops mid-run, one that runs backwards without a wrap,
 * one too slow to be a powered package, a power sensor stuck at one value, a power-gated
 * uncore plane under a live package, and a flat counter that does not follow load. A dead
 * meter must never pass liveness, and a counter that dies after it passed must flag every
 * window from then on.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "jb_clock.h"
#include "meter_check.h"

enum fake_mode { FAKE_LIVE, FAKE_FROZEN, FAKE_STOP, FAKE_BACKWARDS };

struct fake_domain {
	enum fake_mode mode;
	double power_w;
	uint64_t event_ns; /* FAKE_STOP / FAKE_BACKWARDS: when, after open */
};

static struct {
	size_t n;
	struct fake_domain d[2];
	uint64_t t0_ns;
	int power_sampled;   /* domain 0 integrates a sampled power, stuck at one value */
	int measures_host;
	int uncore;          /* domain 1 is uncore-0 inside package-0 */
} fake;

static int
fake_open(const struct jb_ctx *ctx, void **priv, struct meter_info *info, struct jb_err *err)
{
	size_t i;

	(void)ctx;
	(void)err;
	*priv = &fake;
	fake.t0_ns = jb_clock_mono_ns();
	info->n_domains = fake.n;
	for (i = 0; i < fake.n; i++) {
		snprintf(info->domain[i].name, METER_NAME_MAX, "package-%zu", i);
		info->domain[i].scope = JB_SCOPE_CPU_PACKAGE;
	}
	if (fake.uncore) {
		snprintf(info->domain[1].name, METER_NAME_MAX, "uncore-0");
		snprintf(info->domain[1].parent, METER_NAME_MAX, "package-0");
	}
	info->domain[0].power_sampled = fake.power_sampled;
	info->measures_host = fake.measures_host;
	info->resolution_j = 61e-6;
	info->update_interval_ns = 1000000;
	info->min_window_ns = 100000000;
	return 0;
}

static int
fake_read(void *priv, struct meter_reading *out)
{
	size_t i;

	(void)priv;
	out->t_ns = jb_clock_mono_ns();
	for (i = 0; i < fake.n; i++) {
		const struct fake_domain *d = &fake.d[i];
		uint64_t t = out->t_ns - fake.t0_ns;
		/* 1 MJ of offset: a backwards step stays above zero. */
		double uj = 1e12;

		if (d->mode == FAKE_FROZEN)
			t = 0;
		else if (d->mode == FAKE_STOP && t > d->event_ns)
			t = d->event_ns;
		uj += d->power_w * (double)t / 1e3;
		if (d->mode == FAKE_BACKWARDS && t > d->event_ns)
			uj -= 5e6; /* 5 J back, on a counter with no range: no wrap explains it */
		out->energy_uj[i] = (uint64_t)uj;
	}
	return 0;
}

static void
fake_close(void *priv)
{
	(void)priv;
}

static const struct meter_ops fake_ops = {
	.name = "fake", .kind = METER_KIND_MEASURED, .open = fake_open, .read = fake_read,
	.close = fake_close,
};

static const int core0[] = { 0 };

static void
fake_set(size_t n, enum fake_mode m0, enum fake_mode m1, double p_w, uint64_t event_ns)
{
	memset(&fake, 0, sizeof(fake));
	fake.n = n;
	fake.d[0] = (struct fake_domain){ m0, p_w, event_ns };
	fake.d[1] = (struct fake_domain){ m1, p_w, event_ns };
}

static int
open_and_probe(struct meter *m, char *why, size_t len)
{
	struct jb_err err = { 0 };

	cr_assert_eq(meter_open(m, &fake_ops, NULL, &err), 0, "%s", err.msg);
	return meter_liveness_check(m, core0, 1, why, len);
}

Test(meter_liveness, live_package_passes_within_a_bounded_time)
{
	struct meter m;
	char why[512];
	uint64_t t0 = jb_clock_mono_ns(), dt;

	fake_set(2, FAKE_LIVE, FAKE_LIVE, 20.0, 0);
	cr_assert_eq(open_and_probe(&m, why, sizeof(why)), 0, "%s", why);
	dt = jb_clock_mono_ns() - t0;
	/* Several update intervals (1 ms) long, and planned well under 1 s. The wall time is
	 * only a guard against a probe that never ends: it took 0.985 s of a 0.9 s bound in a
	 * CI run six tests wide on two cores, and speed is the benchmarks' to judge. */
	cr_assert_geq(meter_liveness_probe_ns(&m), 100 * m.info.update_interval_ns);
	cr_assert_lt(2 * meter_liveness_probe_ns(&m), 900000000ull, "two phases of %.3f s",
		     (double)meter_liveness_probe_ns(&m) / 1e9);
	cr_assert_lt(dt, 10000000000ull, "the probe took %.3f s", (double)dt / 1e9);
	meter_close(&m);
}

Test(meter_liveness, frozen_counters_are_dead)
{
	struct meter m;
	char why[512];

	fake_set(2, FAKE_FROZEN, FAKE_FROZEN, 20.0, 0);
	cr_assert_eq(open_and_probe(&m, why, sizeof(why)), -ENODATA);
	cr_assert(strstr(why, "package-0 did not advance in 0.") != NULL, "%s", why);
	cr_assert(strstr(why, "with 1 core busy") != NULL, "%s", why);
	meter_close(&m);
}

Test(meter_liveness, one_frozen_zone_of_two_is_dead_and_named)
{
	struct meter m;
	char why[512];

	fake_set(2, FAKE_LIVE, FAKE_FROZEN, 20.0, 0);
	cr_assert_eq(open_and_probe(&m, why, sizeof(why)), -ENODATA);
	cr_assert(strstr(why, "package-1 did not advance") != NULL, "%s", why);
	meter_close(&m);
}

Test(meter_liveness, implausibly_low_package_power_is_dead)
{
	struct meter m;
	char why[512];

	/* 10 mW: advances well past its resolution in the probe, yet no powered package
	 * draws so little (meter_plausible.c: 0.05 W). */
	fake_set(1, FAKE_LIVE, FAKE_LIVE, 0.01, 0);
	cr_assert_eq(open_and_probe(&m, why, sizeof(why)), -ENODATA);
	cr_assert(strstr(why, "outside the plausible") != NULL, "%s", why);
	meter_close(&m);
}

Test(meter_liveness, backwards_counter_is_dead)
{
	struct meter m;
	char why[512];

	fake_set(1, FAKE_BACKWARDS, FAKE_LIVE, 20.0, 50000000);
	cr_assert_eq(open_and_probe(&m, why, sizeof(why)), -ENODATA);
	cr_assert(strstr(why, "backwards") != NULL, "%s", why);
	meter_close(&m);
}

/* The integral of a power stuck at 1.6 W advances at a plausible rate: only the readings,
 * which never change, show that it is dead (issue 23). */
Test(meter_liveness, power_sensor_stuck_at_one_value_is_dead)
{
	struct meter m;
	char why[512];

	fake_set(1, FAKE_LIVE, FAKE_LIVE, 1.6, 0);
	fake.power_sampled = 1; /* fake_read() reports no change of the reading */
	cr_assert_eq(open_and_probe(&m, why, sizeof(why)), -ENODATA);
	cr_assert(strstr(why, "package-0 read the same power (1.6 W)") != NULL, "%s", why);
	cr_assert(strstr(why, "a stuck sensor") != NULL, "%s", why);
	meter_close(&m);
}

/* Probe `--domain uncore` on a package in mode @pkg with its uncore plane frozen. */
static int
probe_uncore(struct meter *m, enum fake_mode pkg, char *why, size_t len)
{
	struct jb_err err = { 0 };

	fake_set(2, pkg, FAKE_FROZEN, 20.0, 0);
	fake.uncore = 1;
	cr_assert_eq(meter_open(m, &fake_ops, NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(meter_select(m, "uncore", &err), 0, "%s", err.msg);
	return meter_liveness_check(m, core0, 1, why, len);
}

/* --domain uncore with the plane power-gated: judged by its live package, reported 0 W. */
Test(meter_liveness, power_gated_uncore_under_a_live_package_is_alive)
{
	struct meter m;
	char why[512];

	cr_assert_eq(probe_uncore(&m, FAKE_LIVE, why, sizeof(why)), 0, "%s", why);
	cr_assert(strstr(why, "uncore-0 0 W (power-gated?)") != NULL, "%s", why);
	cr_assert_eq(meter_window_check(&m, 0.0, 100000000, why, sizeof(why)), 0, "%s", why);
	meter_close(&m);
	/* With the package frozen too, the package answers for it: dead. */
	cr_assert_eq(probe_uncore(&m, FAKE_FROZEN, why, sizeof(why)), -ENODATA);
	cr_assert(strstr(why, "package-0 did not advance") != NULL, "%s", why);
	meter_close(&m);
}

/* A counter of this machine at a steady 20 W, loaded or not: alive, not following load. */
Test(meter_liveness, flat_counter_on_this_machine_does_not_follow_load)
{
	struct meter m;
	char why[512];

	fake_set(1, FAKE_LIVE, FAKE_LIVE, 20.0, 0);
	fake.measures_host = 1;
	cr_assert_eq(open_and_probe(&m, why, sizeof(why)), METER_LIVE_NO_LOAD, "%s", why);
	cr_assert(strstr(why, "does not follow load") != NULL, "%s", why);
	meter_close(&m);
}

Test(meter_liveness, modeled_meter_needs_no_probe)
{
	struct meter m = { 0 };
	struct meter_ops ops = fake_ops;
	char why[512];

	ops.kind = METER_KIND_MODELED;
	m.ops = &ops;
	cr_assert_eq(meter_liveness_check(&m, core0, 1, why, sizeof(why)), 0);
}

/* Alive at the probe, then the counter stops: every later window is flagged. */
Test(meter_liveness, counter_that_stops_mid_run_flags_its_windows)
{
	struct meter m;
	struct meter_sample a, b;
	char why[512];

	fake_set(1, FAKE_LIVE, FAKE_LIVE, 20.0, 0);
	cr_assert_eq(open_and_probe(&m, why, sizeof(why)), 0, "%s", why);
	fake.d[0].event_ns = jb_clock_mono_ns() - fake.t0_ns;
	fake.d[0].mode = FAKE_STOP;
	cr_assert_eq(meter_sample(&m, &a), 0);
	jb_clock_sleep_ns(100000000);
	cr_assert_eq(meter_sample(&m, &b), 0);
	cr_assert_eq(b.energy_j - a.energy_j, 0.0);
	cr_assert_eq(meter_window_check(&m, b.energy_j - a.energy_j, b.t_ns - a.t_ns, why,
					sizeof(why)), -ERANGE);
	cr_assert(strstr(why, "did not advance") != NULL, "%s", why);
	meter_close(&m);
}

/* Backwards without a wrap mid-run: the sample is rejected (flagged), no energy is negative,
 * and the window that holds it counts nothing, so it is flagged too. */
Test(meter_liveness, counter_that_runs_backwards_mid_run_never_gives_negative_energy)
{
	struct meter m;
	struct meter_sample a, b;
	char why[512];

	fake_set(1, FAKE_LIVE, FAKE_LIVE, 20.0, 0);
	cr_assert_eq(open_and_probe(&m, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(meter_sample(&m, &a), 0);
	fake.d[0].event_ns = jb_clock_mono_ns() - fake.t0_ns;
	fake.d[0].mode = FAKE_BACKWARDS;
	jb_clock_sleep_ns(100000000);
	cr_assert_eq(meter_sample(&m, &b), 0);
	cr_assert_neq(b.rejected, a.rejected, "the backwards step is flagged");
	cr_assert_geq(b.energy_j - a.energy_j, 0.0);
	cr_assert_neq(meter_window_check(&m, b.energy_j - a.energy_j, b.t_ns - a.t_ns, why,
					 sizeof(why)), 0);
	meter_close(&m);
}

Test(meter_check, updates_ladder_and_agreement_on_live_fakes)
{
	struct meter a, b;
	struct meter_updates u;
	struct meter_ladder_step st[2];
	struct meter_agreement g[METER_DOMAINS_MAX];
	struct jb_err err = { 0 };
	double p[3];
	int n;

	fake_set(1, FAKE_LIVE, FAKE_LIVE, 20.0, 0);
	cr_assert_eq(meter_open(&a, &fake_ops, NULL, &err), 0);
	cr_assert_eq(meter_open(&b, &fake_ops, NULL, &err), 0);
	cr_assert_eq(meter_updates_measure(&a, 20000000, &u), 0);
	cr_assert_gt(u.changes, 3);
	cr_assert_eq(meter_power_series(&a, 50000000, 3, p), 0);
	cr_assert_float_eq(p[1], 20.0, 0.2);
	n = meter_ladder_run(&a, core0, 1, 100000000, NULL, st, &err);
	cr_assert_eq(n, 2, "%s", err.msg);
	cr_assert_eq(st[0].cores_busy, 0);
	cr_assert_eq(st[1].cores_busy, 1);
	cr_assert_gt(st[1].busy_cores, 0.0);
	cr_assert_float_eq(st[1].power_w, 20.0, 0.2);
	/* Two readers of one counter agree; the shared domain is found by name. */
	n = meter_agree(&a, &b, 100000000, g);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(g[0].domain, "package-0");
	cr_assert_lt(g[0].diff_rel, 0.01);
	/* Two frozen readers "agree" on 0 J: that is no agreement. */
	fake.d[0].mode = FAKE_FROZEN;
	n = meter_agree(&a, &b, 50000000, g);
	cr_assert_eq(n, 1);
	cr_assert(!(g[0].diff_rel <= 0.01));
	meter_close(&a);
	meter_close(&b);
}

/* A wall meter beside the fake package: twice its power, at the machine's plug. */
static int
wall_open(const struct jb_ctx *ctx, void **priv, struct meter_info *info, struct jb_err *err)
{
	int rc = fake_open(ctx, priv, info, err);

	info->n_domains = 1;
	snprintf(info->domain[0].name, METER_NAME_MAX, "wall");
	info->domain[0].scope = JB_SCOPE_WALL_AC;
	return rc;
}

static int
wall_read(void *priv, struct meter_reading *out)
{
	int rc = fake_read(priv, out);

	out->energy_uj[0] = 2 * (out->energy_uj[0] - (uint64_t)1e12);
	return rc;
}

static const struct meter_ops wall_ops = {
	.name = "wall", .kind = METER_KIND_MEASURED, .open = wall_open, .read = wall_read,
	.close = fake_close,
};

/* Meters of different scopes do not agree by design: meter_agree() gives their ratio. */
Test(meter_check, agreement_across_scopes_is_a_ratio)
{
	struct meter pkg, wall;
	struct meter_agreement g[METER_DOMAINS_MAX];
	struct jb_err err = { 0 };
	int n;

	fake_set(1, FAKE_LIVE, FAKE_LIVE, 20.0, 0);
	cr_assert_eq(meter_open(&pkg, &fake_ops, NULL, &err), 0);
	cr_assert_eq(meter_open(&wall, &wall_ops, NULL, &err), 0);
	cr_assert_str_eq(wall.scope, "wall-ac");
	n = meter_agree(&pkg, &wall, 100000000, g);
	cr_assert_eq(n, 1);
	cr_assert(g[0].scopes_differ);
	cr_assert_str_eq(g[0].domain, "package/wall");
	cr_assert_str_eq(g[0].scope_a, "cpu-package");
	cr_assert_str_eq(g[0].scope_b, "wall-ac");
	cr_assert_float_eq(g[0].a_j / g[0].b_j, 0.5, 0.02, "ratio %g", g[0].a_j / g[0].b_j);
	meter_close(&pkg);
	meter_close(&wall);
}
