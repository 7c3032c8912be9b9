/* SPDX-License-Identifier: MIT */
/*
 * The ina219 meter against a datasheet register model (ina219_model.c): the calibration of
 * SBOS448 §8.5.1's worked example, PGA range choice, CNVR and OVF, the repair of a chip
 * reset, transfer errors, and the sampling thread integrating an analytic power curve.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <criterion/criterion.h>

#include "ina219.h"
#include "ina219_model.h"
#include "jb_clock.h"
#include "meter-private.h"
#include "unit_realtime.h"

static double
const_current(void *arg, double t_s)
{
	(void)t_s;
	return *(double *)arg;
}

Test(ina219_calib, datasheet_example_8_5_1)
{
	/* SBOS448 §8.5.1: 32 V bus, 0.1 Ohm shunt, 2 A maximum expected current. The
	 * datasheet rounds Current_LSB up to 100 µA, which gives Cal = 4096 and a 2 mW
	 * Power_LSB. */
	struct ina219_cfg cfg;
	struct ina219_calib c;
	char why[256];

	cr_assert_eq(ina219_cfg_parse("shunt_uohm=100000,max_current_ma=2000,current_lsb_ua=100,"
				      "avg=1", &cfg, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(ina219_calib_compute(&cfg, &c, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(c.cal, 4096);
	cr_assert_float_eq(c.current_lsb_a, 100e-6, 1e-12);
	cr_assert_float_eq(c.power_lsb_w, 2e-3, 1e-12);
	/* 2 A x 0.1 Ohm = 200 mV: the /8 (±320 mV) range; 32 V range; 12-bit, continuous. */
	cr_assert_eq(c.pga_div, 8);
	cr_assert_eq(c.config, 0x399F, "config 0x%04x", c.config);
	cr_assert_eq(c.conv_ns, 532000);

	/* Without a chosen LSB: Current_LSB = 2 A / 2^15 = 61.035 µA, Cal = trunc(0.04096 /
	 * (61.035e-6 x 0.1)) = 6710, Power_LSB = 1.2207 mW. */
	cr_assert_eq(ina219_cfg_parse("shunt_uohm=100000,max_current_ma=2000", &cfg, why,
				      sizeof(why)), 0);
	cr_assert_eq(ina219_calib_compute(&cfg, &c, why, sizeof(why)), 0);
	cr_assert_eq(c.cal, 6710);
	cr_assert_float_eq(c.current_lsb_a, 0.04096 / (6710 * 0.1), 1e-15);
	cr_assert_float_eq(c.power_lsb_w, 20 * 0.04096 / (6710 * 0.1), 1e-15);
	/* An LSB outside [max/32767, max/4096] is refused. */
	cr_assert_eq(ina219_cfg_parse("max_current_ma=2000,current_lsb_ua=1000", &cfg, why,
				      sizeof(why)), 0);
	cr_assert_eq(ina219_calib_compute(&cfg, &c, why, sizeof(why)), -EINVAL);
}

Test(ina219_calib, pga_ranges_and_limits)
{
	static const struct { const char *opts; unsigned div; } cases[] = {
		{ "max_current_ma=400", 1 },  /* 40 mV */
		{ "max_current_ma=401", 2 },
		{ "max_current_ma=800", 2 },  /* 80 mV */
		{ "max_current_ma=1600", 4 }, /* 160 mV */
		{ "max_current_ma=3200", 8 }, /* 320 mV */
	};
	struct ina219_cfg cfg;
	struct ina219_calib c;
	char why[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(ina219_cfg_parse(cases[i].opts, &cfg, why, sizeof(why)), 0);
		cr_assert_eq(ina219_calib_compute(&cfg, &c, why, sizeof(why)), 0, "%s", why);
		cr_assert_eq(c.pga_div, cases[i].div, "%s: /%u", cases[i].opts, c.pga_div);
		cr_assert_eq((c.config >> INA219_CFG_PG_SHIFT) & 3, (unsigned)__builtin_ctz(c.pga_div));
	}
	cr_assert_eq(ina219_cfg_parse("max_current_ma=3300", &cfg, why, sizeof(why)), 0);
	cr_assert_eq(ina219_calib_compute(&cfg, &c, why, sizeof(why)), -EINVAL);
	cr_assert(strstr(why, "320 mV"), "%s", why);
	/* Conversion times of SBOS448 Table 5, and their codes. */
	cr_assert_eq(ina219_adc_time_ns(12, 128), 68100000);
	cr_assert_eq(ina219_adc_code(12, 128), 0xF);
	cr_assert_eq(ina219_adc_time_ns(9, 1), 84000);
	cr_assert_eq(ina219_adc_time_ns(11, 2), 0);
	cr_assert_eq(ina219_cfg_parse("avg=3", &cfg, why, sizeof(why)), -EINVAL);
	cr_assert_eq(ina219_cfg_parse("bits=10,avg=4", &cfg, why, sizeof(why)), -EINVAL);
	cr_assert_eq(ina219_cfg_parse("addr=0x39", &cfg, why, sizeof(why)), -EINVAL);
	cr_assert_eq(ina219_cfg_parse("shunt_ohm=1", &cfg, why, sizeof(why)), -EINVAL);
	cr_assert(strstr(why, "shunt_ohm"), "%s", why);
}

Test(ina219_model, registers_follow_the_datasheet)
{
	struct ina219_model m;
	struct ina219_bus b;
	double amps = 2.0;
	uint16_t v;

	ina219_model_init(&m, 0.1, 12.0, const_current, &amps);
	b = ina219_model_bus(&m);
	b.read16(b.bus_ctx, INA219_REG_CONFIG, &v);
	cr_assert_eq(v, 0x399F);
	b.read16(b.bus_ctx, INA219_REG_CAL, &v);
	cr_assert_eq(v, 0);
	/* Calibration 4096 (the worked example), 2 A at 12 V. */
	b.write16(b.bus_ctx, INA219_REG_CAL, 4097);
	b.read16(b.bus_ctx, INA219_REG_CAL, &v);
	cr_assert_eq(v, 4096, "bit 0 of the calibration is unused");
	ina219_model_convert(&m);
	b.read16(b.bus_ctx, INA219_REG_SHUNT, &v);
	cr_assert_eq((int16_t)v, 20000); /* 200 mV / 10 µV */
	b.read16(b.bus_ctx, INA219_REG_CURRENT, &v);
	cr_assert_eq((int16_t)v, 20000); /* 2 A / 100 µA */
	b.read16(b.bus_ctx, INA219_REG_BUS, &v);
	cr_assert_eq(v >> 3, 3000);      /* 12 V / 4 mV */
	cr_assert(v & INA219_BUS_CNVR);
	cr_assert(!(v & INA219_BUS_OVF));
	b.read16(b.bus_ctx, INA219_REG_POWER, &v);
	cr_assert_eq(v, 12000);          /* 24 W / 2 mW */
	b.read16(b.bus_ctx, INA219_REG_BUS, &v);
	cr_assert(!(v & INA219_BUS_CNVR), "reading power clears CNVR");
	/* 3.5 A is 350 mV: the shunt ADC saturates at the /8 range's 320 mV, and with Cal 4096
	 * the arithmetic does not overflow: no OVF, a silent clip the meter must catch. */
	amps = 3.5;
	ina219_model_convert(&m);
	b.read16(b.bus_ctx, INA219_REG_SHUNT, &v);
	cr_assert_eq((int16_t)v, 32000);
	b.read16(b.bus_ctx, INA219_REG_BUS, &v);
	cr_assert(!(v & INA219_BUS_OVF));
	/* With Cal 6710 (2 A / 2^15), 2.5 A overflows the current arithmetic: OVF. */
	b.write16(b.bus_ctx, INA219_REG_CAL, 6710);
	amps = 2.5;
	ina219_model_convert(&m);
	b.read16(b.bus_ctx, INA219_REG_BUS, &v);
	cr_assert(v & INA219_BUS_OVF);
	/* Reset: every register back to its default, calibration 0. */
	b.write16(b.bus_ctx, INA219_REG_CONFIG, INA219_CFG_RST);
	b.read16(b.bus_ctx, INA219_REG_CAL, &v);
	cr_assert_eq(v, 0);
	b.read16(b.bus_ctx, INA219_REG_CONFIG, &v);
	cr_assert_eq(v, 0x399F);
}

static const struct jb_ctx *
ctx_with(const char *opts)
{
	static struct jb_ctx ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.sysfs_root = "/nonexistent";
	ctx.meter_opts = opts;
	return &ctx;
}

/* The load of the analytic test: 1 A + 0.5 A sin(2 pi t / 0.4 s), at 5 V. */
static double
sine_current(void *arg, double t_s)
{
	(void)arg;
	return 1.0 + 0.5 * sin(2 * M_PI * t_s / 0.4);
}

static double
sine_energy_j(double t0, double t1)
{
	/* integral of 5 (1 + 0.5 sin(w t)) dt with w = 2 pi / 0.4 */
	double w = 2 * M_PI / 0.4;

	return 5.0 * ((t1 - t0) + 0.5 / w * (cos(w * t0) - cos(w * t1)));
}

/* Its sampler runs far faster than the real sensor: unit_realtime.h says why. */
TestSuite(ina219_sampler, .init = unit_realtime_init);

Test(ina219_sampler, integrates_an_analytic_power_curve, .timeout = 10)
{
	struct ina219_model m;
	struct ina219_bus b;
	struct ina219_stats st;
	struct meter_info info;
	struct jb_err err = { 0 };
	void *priv = NULL;
	double expect, t0, t1;

	ina219_model_init(&m, 0.1, 5.0, sine_current, NULL);
	b = ina219_model_bus(&m);
	memset(&info, 0, sizeof(info));
	/* 12-bit, no averaging: a power value every 1.064 ms. */
	cr_assert_eq(ina219_open_with(ctx_with("shunt_uohm=100000,max_current_ma=2000,avg=1"), &b,
				      &priv, &info, &err), 0, "%s", err.msg);
	cr_assert_eq(info.n_domains, 1);
	cr_assert_str_eq(info.domain[0].name, "board");
	cr_assert_eq(info.update_interval_ns, 1064000);
	cr_assert_eq(info.min_window_ns, 106400000);
	jb_clock_sleep_ns(600000000);
	ina219_stats_get(priv, &st);
	meter_ina219.close(priv);
	cr_assert_gt(st.samples, 150, "only %lu samples", (unsigned long)st.samples);
	t0 = (double)(st.first_t_ns - m.t0_ns) / 1e9;
	t1 = (double)(st.last_t_ns - m.t0_ns) / 1e9;
	expect = sine_energy_j(t0, t1);
	/* Quantisation (1.2 mW of ~5 W) and the CNVR poll latency stay far below 1%. */
	cr_assert_float_eq(st.energy_j, expect, 0.01 * expect, "%.6f J, analytic %.6f J",
			   st.energy_j, expect);
	cr_assert_gt(st.rate_hz, 250); /* ~940 Hz unloaded; CI machines are slower */
	cr_assert_lt(st.rate_hz, 1000e3 / 1064 * 1.05);
	cr_assert(strstr(info.detail, "Hz"), "%s", info.detail);
}

Test(ina219_sampler, repairs_a_reset_and_reports_overflow, .timeout = 10)
{
	struct ina219_model m;
	struct ina219_bus b;
	struct ina219_stats st;
	struct meter_info info;
	struct meter_reading r;
	struct jb_err err = { 0 };
	void *priv = NULL;
	double amps = 1.0;
	int rc, i;

	ina219_model_init(&m, 0.1, 5.0, const_current, &amps);
	b = ina219_model_bus(&m);
	memset(&info, 0, sizeof(info));
	cr_assert_eq(ina219_open_with(ctx_with("max_current_ma=2000,avg=1"), &b, &priv, &info,
				      &err), 0, "%s", err.msg);
	jb_clock_sleep_ns(30000000);
	ina219_model_brownout(&m);
	jb_clock_sleep_ns(30000000);
	ina219_stats_get(priv, &st);
	cr_assert_geq(st.resets, 1, "reset not noticed");
	pthread_mutex_lock(&m.lock);
	cr_assert_neq(m.cal, 0, "calibration not rewritten");
	pthread_mutex_unlock(&m.lock);
	cr_assert_eq(meter_ina219.read(priv, &r), 0);
	/* 5 W for ~60 ms, less the samples lost around the reset. */
	cr_assert_gt(r.energy_uj, 150000);
	/* Above the calibrated maximum: OVF, the sample dropped, the next read says so. */
	amps = 3.0;
	jb_clock_sleep_ns(20000000);
	rc = meter_ina219.read(priv, &r);
	cr_assert_eq(rc, -EOVERFLOW);
	amps = 1.0;
	jb_clock_sleep_ns(10000000);
	meter_ina219.read(priv, &r); /* may still see the last overflowed sample */
	jb_clock_sleep_ns(10000000);
	cr_assert_eq(meter_ina219.read(priv, &r), 0);
	/* A chip that stops answering: the read fails with the transfer's error. */
	pthread_mutex_lock(&m.lock);
	m.fail_reads = 1000000;
	pthread_mutex_unlock(&m.lock);
	for (i = 0, rc = 0; i < 50 && rc == 0; i++) {
		jb_clock_sleep_ns(2000000);
		rc = meter_ina219.read(priv, &r);
	}
	cr_assert_eq(rc, -EIO);
	ina219_stats_get(priv, &st);
	cr_assert_gt(st.overflows, 0);
	cr_assert_gt(st.bus_errors, 0);
	meter_ina219.close(priv);
}

Test(ina219_probe, says_why_without_i2c)
{
	char why[1024];
	int rc = meter_ina219.probe(ctx_with("bus=77"), why, sizeof(why));

	cr_assert_lt(rc, 0);
	cr_assert(strstr(why, "/dev/i2c-77"), "%s", why);
	cr_assert_eq(meter_ina219.probe(ctx_with("avg=5"), why, sizeof(why)), -EINVAL);
}
