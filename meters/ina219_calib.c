/* SPDX-License-Identifier: MIT */
/*
 * INA219 configuration and calibration (ina219.h): the backend options, the ADC settings
 * table, the PGA range choice, and the calibration register per SBOS448 §8.5.1. Pure
 * arithmetic, no I/O, so the unit tests check it against the datasheet's worked example.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ina219.h"
#include "meter-private.h"

/* SBOS448 Table 5 (ADC settings): 9/10/11/12-bit conversion times, then 12-bit with 2..128
 * samples averaged; the kernel's ina2xx.c quotes the same 68.10 ms worst case. */
static const struct {
	unsigned bits, avg, code;
	uint64_t ns;
} ina219_adc[] = {
	{ 9, 1, 0x0, 84000 },     { 10, 1, 0x1, 148000 },   { 11, 1, 0x2, 276000 },
	{ 12, 1, 0x3, 532000 },   { 12, 2, 0x9, 1060000 },  { 12, 4, 0xA, 2130000 },
	{ 12, 8, 0xB, 4260000 },  { 12, 16, 0xC, 8510000 }, { 12, 32, 0xD, 17020000 },
	{ 12, 64, 0xE, 34050000 }, { 12, 128, 0xF, 68100000 },
};
#define INA219_ADC_N (sizeof(ina219_adc) / sizeof(ina219_adc[0]))

unsigned
ina219_adc_code(unsigned bits, unsigned avg)
{
	size_t i;

	for (i = 0; i < INA219_ADC_N; i++)
		if (ina219_adc[i].bits == bits && ina219_adc[i].avg == avg)
			return ina219_adc[i].code;
	return 0;
}

uint64_t
ina219_adc_time_ns(unsigned bits, unsigned avg)
{
	size_t i;

	for (i = 0; i < INA219_ADC_N; i++)
		if (ina219_adc[i].bits == bits && ina219_adc[i].avg == avg)
			return ina219_adc[i].ns;
	return 0;
}

int
ina219_cfg_parse(const char *opts, struct ina219_cfg *cfg, char *why, size_t why_len)
{
	uint64_t v = 0; /* read below only when rc is 0, but never leave it indeterminate */
	int rc;

	rc = meter__opts_check(opts, why, why_len);
	/* Defaults: the Adafruit-style breakout (0.1 Ω shunt, product 904) at address 0x40 on
	 * the Raspberry Pi's I2C bus 1; 3.2 A is what ±320 mV over 0.1 Ω allows. Averaging 8
	 * (4.26 ms per channel, a new power value every 8.52 ms) keeps the sampler near 120 Hz. */
	if (!rc)
		rc = meter__opt_u64(opts, "bus", 1, 0, 255, &v, why, why_len);
	cfg->bus = (unsigned)v;
	if (!rc)
		rc = meter__opt_u64(opts, "addr", 0x40, 0x40, 0x4F, &v, why, why_len);
	cfg->addr = (unsigned)v;
	if (!rc)
		rc = meter__opt_u64(opts, "shunt_uohm", 100000, 1, 100000000, &cfg->shunt_uohm, why,
				    why_len);
	if (!rc)
		rc = meter__opt_u64(opts, "max_current_ma", 3200, 1, 100000, &cfg->max_current_ma,
				    why, why_len);
	if (!rc)
		rc = meter__opt_u64(opts, "current_lsb_ua", 0, 0, 10000000, &cfg->current_lsb_ua,
				    why, why_len);
	if (!rc)
		rc = meter__opt_u64(opts, "avg", 8, 1, 128, &v, why, why_len);
	cfg->avg = (unsigned)v;
	if (!rc)
		rc = meter__opt_u64(opts, "bits", 12, 9, 12, &v, why, why_len);
	cfg->adc_bits = (unsigned)v;
	if (!rc)
		rc = meter__opt_u64(opts, "bus_range_v", 32, 16, 32, &v, why, why_len);
	cfg->bus_range_v = (unsigned)v;
	if (rc)
		return rc;
	if (cfg->bus_range_v != 16 && cfg->bus_range_v != 32) {
		snprintf(why, why_len, "option bus_range_v: 16 or 32");
		return -EINVAL;
	}
	if (cfg->avg > 1 && cfg->adc_bits != 12) {
		snprintf(why, why_len, "option avg: averaging needs bits=12 (SBOS448 Table 5)");
		return -EINVAL;
	}
	if (!ina219_adc_time_ns(cfg->adc_bits, cfg->avg)) {
		snprintf(why, why_len, "option avg: one of 1, 2, 4, 8, 16, 32, 64, 128");
		return -EINVAL;
	}
	return 0;
}

int
ina219_calib_compute(const struct ina219_cfg *cfg, struct ina219_calib *c, char *why,
		     size_t why_len)
{
	double r_ohm = (double)cfg->shunt_uohm / 1e6, i_max_a = (double)cfg->max_current_ma / 1e3;
	/* mA x µΩ = nV; in integers, so that 3.2 A through 0.1 Ω is exactly the 320 mV range. */
	uint64_t v_shunt_max_uv = cfg->max_current_ma * cfg->shunt_uohm / 1000;
	unsigned code = ina219_adc_code(cfg->adc_bits, cfg->avg), pg;
	double cal, lsb_a;

	memset(c, 0, sizeof(*c));
	/* The smallest PGA range (±40 mV x 2^pg, SBOS448 Table 4) that holds the shunt voltage
	 * at max current. */
	for (pg = 0; pg < 4 && v_shunt_max_uv > (40000u << pg); pg++)
		;
	if (pg == 4) {
		snprintf(why, why_len, "%.3g A through %.3g ohm is %.0f mV, above the INA219's "
			 "320 mV shunt range: lower max_current_ma or use a smaller shunt",
			 i_max_a, r_ohm, (double)v_shunt_max_uv / 1e3);
		return -EINVAL;
	}
	/* SBOS448 §8.5.1: Current_LSB = Max_Expected_I / 2^15; Cal = trunc(0.04096 /
	 * (Current_LSB x R_shunt)). Bit 0 of the register is unused, so it is cleared and the
	 * LSB recomputed from the value actually written: the LSB we scale by is exact. */
	lsb_a = i_max_a / 32768.0;
	if (cfg->current_lsb_ua) {
		lsb_a = (double)cfg->current_lsb_ua / 1e6;
		if (lsb_a < i_max_a / 32767.0 || lsb_a > i_max_a / 4096.0) {
			snprintf(why, why_len, "current_lsb_ua %" PRIu64 " is outside max_current/32767 "
				 "to max_current/4096 (SBOS448 §8.5.1)", cfg->current_lsb_ua);
			return -EINVAL;
		}
	}
	cal = floor(0.04096 / (lsb_a * r_ohm));
	if (cal < 2 || cal > 65534) {
		snprintf(why, why_len, "calibration %.0f does not fit the 16-bit register: "
			 "shunt_uohm x max_current_ma is out of range", cal);
		return -EINVAL;
	}
	c->cal = (uint16_t)((unsigned)cal & 0xFFFEu);
	c->current_lsb_a = 0.04096 / ((double)c->cal * r_ohm);
	c->power_lsb_w = 20.0 * c->current_lsb_a;
	c->pga_div = 1u << pg;
	c->config = (uint16_t)((cfg->bus_range_v == 32 ? INA219_CFG_BRNG : 0) |
			       pg << INA219_CFG_PG_SHIFT | code << INA219_CFG_BADC_SHIFT |
			       code << INA219_CFG_SADC_SHIFT | INA219_CFG_MODE_CONT);
	c->conv_ns = ina219_adc_time_ns(cfg->adc_bits, cfg->avg);
	/* In continuous shunt-and-bus mode the two conversions alternate (SBOS448 §8.3.1.1);
	 * CNVR is set once both are done, so a new power value comes every two conversions. */
	c->cycle_ns = 2 * c->conv_ns;
	return 0;
}
