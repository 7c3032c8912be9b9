/* SPDX-License-Identifier: MIT */
/*
 * meters/meter.c: the wrap-safe counter delta, the power integrator, and domain selection.
 * These are the places where other tools produced negative or doubled energies
 * (research/meters.md §0), so each case here is one of those bugs.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "meter.h"
#include "meter-private.h"

#define MS 1000000ull

Test(meter_delta, first_sample_gives_zero)
{
	struct meter_counter c = { 0 };
	uint64_t d = 99;

	cr_assert_eq(meter_counter_update(&c, 12345, 0, 1000000, &d), METER_DELTA_FIRST);
	cr_assert_eq(d, 0);
	/* 0 is a valid first value, not "unset" (the PAPI pitfall). */
	struct meter_counter z = { 0 };
	cr_assert_eq(meter_counter_update(&z, 0, 0, 1000000000, &d), METER_DELTA_FIRST);
	cr_assert_eq(meter_counter_update(&z, 500, 10 * MS, 1000000000, &d), METER_DELTA_OK);
	cr_assert_eq(d, 500);
}

/* Two reads within one update interval see the same value: as a counter delta that is a
 * valid 0, not an error. A counter that stays put for a whole window or probe is a dead
 * meter, and that is refused where the time span is known: by meter_window_check()
 * (meter_plausible, below) and the liveness probe (test_meter_liveness.c). */
Test(meter_delta, equal_readings_are_a_valid_zero_delta_not_a_live_window)
{
	struct meter_counter c = { 0 };
	uint64_t d;

	meter_counter_update(&c, 777, 0, 1000000000, &d);
	cr_assert_eq(meter_counter_update(&c, 777, 500000, 1000000000, &d), METER_DELTA_OK);
	cr_assert_eq(d, 0);
}

/* A ranged counter read after more time than half its range needs at the highest plausible
 * power: whole wraps may hide in the delta, so it is counted but reported (a window engine
 * flags it). 1 kJ at 5 kW: half the range passes in 100 ms. */
Test(meter_delta, reads_further_apart_than_half_a_range_are_a_gap)
{
	struct meter_counter c = { 0 };
	uint64_t d;

	cr_assert_eq(meter_range_safe_ns(1000000000, METER_PLAUSIBLE_POWER_W), 100 * MS);
	cr_assert_eq(meter_range_safe_ns(0, METER_PLAUSIBLE_POWER_W), UINT64_MAX);
	meter_counter_update(&c, 1000, 0, 1000000000, &d);
	cr_assert_eq(meter_counter_update(&c, 2000, 99 * MS, 1000000000, &d), METER_DELTA_OK);
	cr_assert_eq(meter_counter_update(&c, 3000, 200 * MS, 1000000000, &d), METER_DELTA_GAP);
	cr_assert_eq(d, 1000);
	/* Without a range nothing can wrap: any gap is fine. */
	struct meter_counter n = { 0 };
	meter_counter_update(&n, 1000, 0, 0, &d);
	cr_assert_eq(meter_counter_update(&n, 2000, 3600000 * MS, 0, &d), METER_DELTA_OK);
}

Test(meter_delta, one_wrap_at_max_range)
{
	struct meter_counter c = { 0 };
	const uint64_t max = 262143328850ull; /* a real Intel package max_energy_range_uj */
	uint64_t d;

	meter_counter_update(&c, max - 1000, 0, max, &d);
	/* 1000 µJ to the top, then 2500 past zero: 3500 µJ in 10 ms (0.35 W). */
	cr_assert_eq(meter_counter_update(&c, 2500, 10 * MS, max, &d), METER_DELTA_WRAPPED);
	cr_assert_eq(d, 3500);
	/* And counting goes on from the new value. */
	cr_assert_eq(meter_counter_update(&c, 4500, 20 * MS, max, &d), METER_DELTA_OK);
	cr_assert_eq(d, 2000);
}

Test(meter_delta, backwards_without_plausible_wrap_is_flagged)
{
	struct meter_counter c = { 0 };
	const uint64_t max = 1000000000ull;
	uint64_t d = 42;

	meter_counter_update(&c, 600000000, 0, max, &d);
	/* Back to 100: a "wrap" would mean 400 J in 1 ms. A reset, not energy. */
	cr_assert_eq(meter_counter_update(&c, 100, 1 * MS, max, &d), -ERANGE);
	cr_assert_eq(d, 0);
	/* 300 agrees with 100 (0.2 J in 1 ms): a real reset; counting goes on from here, the
	 * energy in between is lost and flagged, never negative or huge. */
	cr_assert_eq(meter_counter_update(&c, 300, 2 * MS, max, &d), -ERANGE);
	cr_assert_eq(d, 0);
	cr_assert_eq(meter_counter_update(&c, 500, 3 * MS, max, &d), METER_DELTA_OK);
	cr_assert_eq(d, 200);
}

Test(meter_delta, glitch_back_to_old_track_counts_from_last_good)
{
	struct meter_counter c = { 0 };
	uint64_t d = 1;

	meter_counter_update(&c, 5000000, 0, 262143328850ull, &d);
	/* A garbage read parsed as 0, then the real counter again, 2 J later. */
	cr_assert_eq(meter_counter_update(&c, 0, 100 * MS, 262143328850ull, &d), -ERANGE);
	cr_assert_eq(d, 0);
	cr_assert_eq(meter_counter_update(&c, 0, 150 * MS, 262143328850ull, &d), -ERANGE,
		     "a repeated bad value is not a new base");
	cr_assert_eq(meter_counter_update(&c, 7000000, 200 * MS, 262143328850ull, &d),
		     METER_DELTA_RECOVERED);
	cr_assert_eq(d, 2000000, "the glitch must neither lose nor invent energy");
}

Test(meter_delta, backwards_on_counter_without_range_is_flagged)
{
	struct meter_counter c = { 0 };
	uint64_t d = 1;

	meter_counter_update(&c, 5000, 0, 0, &d);
	cr_assert_eq(meter_counter_update(&c, 4000, 1 * MS, 0, &d), -ERANGE);
	cr_assert_eq(d, 0);
}

Test(meter_delta, implausible_forward_jump_is_flagged)
{
	struct meter_counter c = { 0 };
	uint64_t d = 1;

	meter_counter_update(&c, 0, 0, 0, &d);
	/* 100 J in 10 ms is 10 kW: above METER_PLAUSIBLE_POWER_W. */
	cr_assert_eq(meter_counter_update(&c, 100000000, 10 * MS, 0, &d), -ERANGE);
	cr_assert_eq(d, 0);
	/* 110 J after 10 s is 11 W from the last good sample: back on a plausible track, all
	 * of it counted from there and flagged as a recovery. */
	cr_assert_eq(meter_counter_update(&c, 110000000, 10010 * MS, 0, &d), METER_DELTA_RECOVERED);
	cr_assert_eq(d, 110000000);
	cr_assert_eq(meter_counter_update(&c, 111000000, 11010 * MS, 0, &d), METER_DELTA_OK);
	cr_assert_eq(d, 1000000);
}

Test(meter_integrator, constant_power)
{
	struct meter_integrator in = { 0 };
	int i;

	for (i = 0; i <= 100; i++)
		cr_assert_eq(meter_integrator_add(&in, (uint64_t)i * 10 * MS, 2.5), 0);
	/* 2.5 W for 1 s. */
	cr_assert_float_eq(in.energy_j, 2.5, 1e-12);
}

Test(meter_integrator, first_sample_and_ramp)
{
	struct meter_integrator in = { 0 };

	cr_assert_eq(meter_integrator_add(&in, 0, 0.0), 0);
	cr_assert_float_eq(in.energy_j, 0.0, 1e-15);
	/* A linear ramp is integrated exactly by the trapezoid rule: P = 4t, E = 2 t^2. */
	cr_assert_eq(meter_integrator_add(&in, 500 * MS, 2.0), 0);
	cr_assert_eq(meter_integrator_add(&in, 1000 * MS, 4.0), 0);
	cr_assert_float_eq(in.energy_j, 2.0, 1e-12);
}

Test(meter_integrator, analytic_sine_curve)
{
	struct meter_integrator in = { 0 };
	const double pi = 3.14159265358979323846;
	int i;

	/* P(t) = 3 + sin(2 pi t) over 2 s: exactly 6 J. Sampled at 1 kHz, the trapezoid
	 * error is ~ (dt^2/12) * max|P''| * T = 1e-6/12 * 39.5 * 2, about 7e-6 J. */
	for (i = 0; i <= 2000; i++)
		meter_integrator_add(&in, (uint64_t)i * MS, 3.0 + sin(2 * pi * i / 1000.0));
	cr_assert_float_eq(in.energy_j, 6.0, 1e-5);
}

Test(meter_integrator, rejects_bad_samples)
{
	struct meter_integrator in = { 0 };

	meter_integrator_add(&in, 10 * MS, 1.0);
	cr_assert_eq(meter_integrator_add(&in, 10 * MS, 1.0), -EINVAL);
	cr_assert_eq(meter_integrator_add(&in, 5 * MS, 1.0), -EINVAL);
	cr_assert_eq(meter_integrator_add(&in, 20 * MS, -1.0), -EINVAL);
	cr_assert_eq(meter_integrator_add(&in, 20 * MS, NAN), -EINVAL);
	cr_assert_float_eq(in.energy_j, 0.0, 1e-15);
}

/* A scripted backend for struct meter: counters taken from a table, one row per read. */
struct script {
	size_t i, n;
	uint64_t t_ns[8];
	uint64_t uj[8][3];
};

static struct script script_data;

static int
script_open(const struct jb_ctx *ctx, void **priv, struct meter_info *info, struct jb_err *err)
{
	(void)ctx;
	(void)err;
	*priv = &script_data;
	info->n_domains = 3;
	strcpy(info->domain[0].name, "package-1");
	info->domain[0].max_energy_range_uj = 1000000;
	strcpy(info->domain[1].name, "package-0");
	info->domain[1].max_energy_range_uj = 1000000;
	strcpy(info->domain[2].name, "core-0");
	strcpy(info->domain[2].parent, "package-0");
	info->domain[2].max_energy_range_uj = 1000000;
	info->domain[0].scope = info->domain[1].scope = info->domain[2].scope =
		JB_SCOPE_CPU_PACKAGE;
	return 0;
}

static int
script_read(void *priv, struct meter_reading *out)
{
	struct script *s = priv;

	if (s->i >= s->n)
		return -EIO;
	out->t_ns = s->t_ns[s->i];
	memcpy(out->energy_uj, s->uj[s->i], sizeof(s->uj[0]));
	s->i++;
	return 0;
}

static void
script_close(void *priv)
{
	(void)priv;
}

static const struct meter_ops script_ops = {
	.name = "script", .open = script_open, .read = script_read, .close = script_close,
};

Test(meter_open, sums_packages_not_their_children_and_handles_wrap)
{
	struct script s = {
		.n = 3,
		.t_ns = { 0, 100 * MS, 200 * MS },
		.uj = { { 999000, 10, 5 }, { 1000, 20010, 10005 }, { 3000, 40010, 20005 } },
	};
	struct meter m;
	struct meter_sample a, b;

	script_data = s;
	cr_assert_eq(meter_open(&m, &script_ops, NULL, NULL), 0);
	cr_assert_str_eq(m.selection, "package");
	cr_assert(m.selected[0] && m.selected[1] && !m.selected[2]);
	cr_assert_eq(meter_sample(&m, &a), 0);
	cr_assert_eq(meter_sample(&m, &b), 0);
	/* package-1 wrapped: 1000 + 1000 + 2000 µJ; package-0: 20000 + 20000 µJ. */
	cr_assert_float_eq(a.energy_j, 0.002 + 0.02, 1e-12);
	cr_assert_float_eq(b.energy_j - a.energy_j, 0.002 + 0.02, 1e-12);
	cr_assert_eq(m.rejected, 0);
	meter_close(&m);
}

Test(meter_open, selection_refuses_parent_with_child_and_unknown_names)
{
	struct script s = { .n = 1, .uj = { { 1, 1, 1 } } };
	struct meter m;
	struct jb_err err;

	script_data = s;
	cr_assert_eq(meter_open(&m, &script_ops, NULL, NULL), 0);
	cr_assert_eq(meter_select(&m, "package-0,core", &err), -EINVAL);
	cr_assert(strstr(err.msg, "overlap"));
	cr_assert_eq(meter_select(&m, "dram", &err), -ENOENT);
	cr_assert_eq(meter_select(&m, "core", &err), 0);
	cr_assert(m.selected[2] && !m.selected[0] && !m.selected[1]);
	meter_close(&m);
}

/* ---- meter_util.c: CPU lists and backend options ---- */

Test(meter_util, cpulists_as_the_kernel_prints_them)
{
	int cpus[8];

	cr_assert_eq(meter__cpulist_parse("0", cpus, 8), 1);
	cr_assert_eq(meter__cpulist_parse("0,36", cpus, 8), 2);
	cr_assert_eq(cpus[1], 36);
	cr_assert_eq(meter__cpulist_parse("0-3,8", cpus, 8), 5);
	cr_assert_eq(cpus[4], 8);
	cr_assert_eq(meter__cpulist_parse("0-15", cpus, 8), 8, "capped at the array");
	cr_assert_eq(meter__cpulist_parse("3-1", cpus, 8), -EINVAL);
	cr_assert_eq(meter__cpulist_parse("x", cpus, 8), -EINVAL);
}

Test(meter_util, options)
{
	char val[16], why[256];
	uint64_t v;

	cr_assert_eq(meter__opt("bus=1,addr=0x41", "addr", val, sizeof(val)), 1);
	cr_assert_str_eq(val, "0x41");
	cr_assert_eq(meter__opt("bus=1", "addr", val, sizeof(val)), 0);
	cr_assert_eq(meter__opt(NULL, "addr", val, sizeof(val)), 0);
	cr_assert_eq(meter__opt_u64("addr=0x41", "addr", 0x40, 0x40, 0x4F, &v, why, sizeof(why)), 0);
	cr_assert_eq(v, 0x41);
	cr_assert_eq(meter__opt_u64("", "addr", 0x40, 0x40, 0x4F, &v, why, sizeof(why)), 0);
	cr_assert_eq(v, 0x40);
	cr_assert_eq(meter__opt_u64("addr=0x50", "addr", 0x40, 0x40, 0x4F, &v, why, sizeof(why)),
		     -EINVAL);
	cr_assert_eq(meter__opt_u64("addr=-1", "addr", 0x40, 0, 0x4F, &v, why, sizeof(why)),
		     -EINVAL);
	cr_assert_eq(meter__opts_check("bus=1,interval_ms=5", why, sizeof(why)), 0);
	cr_assert_eq(meter__opts_check("bus=1,shunt_ohm=1", why, sizeof(why)), -EINVAL);
	cr_assert(strstr(why, "shunt_ohm"), "%s", why);
	cr_assert_eq(meter__opts_check("bus", why, sizeof(why)), -EINVAL, "a key without a value");
}

/* meter_window_check (meter_plausible.c): a dead counter can never give an ok window. */
Test(meter_plausible, dead_and_impossible_windows_are_refused)
{
	struct meter m;
	char why[256];

	memset(&m, 0, sizeof(m));
	m.ops = meter_find("rapl-powercap");
	cr_assert_not_null(m.ops);
	m.info.n_domains = 2;
	snprintf(m.info.domain[0].name, METER_NAME_MAX, "package-0");
	snprintf(m.info.domain[1].name, METER_NAME_MAX, "package-1");
	m.selected[0] = m.selected[1] = 1;
	snprintf(m.selection, sizeof(m.selection), "package");
	/* 10 J in 1 s on two packages: 10 W, fine. */
	cr_expect_eq(meter_window_check(&m, 10.0, 1000000000ull, why, sizeof(why)), 0);
	/* A counter that did not move. */
	cr_expect_eq(meter_window_check(&m, 0.0, 1000000000ull, why, sizeof(why)), -ERANGE);
	cr_expect_not_null(strstr(why, "did not advance"), "%s", why);
	/* Below two packages' floor (2 x 0.05 W). */
	cr_expect_eq(meter_window_check(&m, 0.05, 1000000000ull, why, sizeof(why)), -ERANGE);
	/* Above two packages' ceiling. */
	cr_expect_eq(meter_window_check(&m, 20000.0, 1000000000ull, why, sizeof(why)), -ERANGE);
	/* A failed read. */
	cr_expect_eq(meter_window_check(&m, NAN, 1000000000ull, why, sizeof(why)), -EIO);
	/* The model may say 0 J (an idle modeled window), never < 0. */
	m.ops = meter_find("model");
	cr_expect_eq(meter_window_check(&m, 0.0, 1000000000ull, why, sizeof(why)), 0);
	cr_expect_eq(meter_window_check(&m, -1.0, 1000000000ull, why, sizeof(why)), -ERANGE);
}
