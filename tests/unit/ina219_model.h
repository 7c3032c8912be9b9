/* SPDX-License-Identifier: MIT */
/*
 * A register model of the TI INA219 behind the meter's transport seam (struct ina219_bus),
 * following the datasheet (SBOS448): reset bit and defaults, calibration register with its
 * unused bit 0, on-chip current and power arithmetic, PGA ranges, conversion-ready (CNVR)
 * and math overflow (OVF). Conversions complete in real time at the configured ADC
 * setting, each converting the current at the middle of its cycle. Shared by the unit
 * tests and the meters benchmark.
 */
#ifndef JB_TEST_INA219_MODEL_H
#define JB_TEST_INA219_MODEL_H

#include <pthread.h>
#include <stdint.h>

#include "ina219.h"

struct ina219_model {
	pthread_mutex_t lock;
	uint16_t config, cal;
	int16_t shunt, current;
	uint16_t bus_val, power;       /* bus_val: bits 15-3 value, without flags */
	int cnvr, ovf;
	double r_shunt_ohm;
	double bus_v;
	double (*current_a)(void *arg, double t_s); /* the load; t from model init */
	void *arg;
	uint64_t t0_ns, last_conv_ns;
	unsigned fail_reads;           /* the next N reads fail with -EIO */
	unsigned long reads, writes;
};

/** ina219_model_init() - a chip at power-on with shunt @r_shunt_ohm, a bus at @bus_v and
 * the load @current_a(arg, t). */
void ina219_model_init(struct ina219_model *m, double r_shunt_ohm, double bus_v,
		       double (*current_a)(void *arg, double t_s), void *arg);

/** ina219_model_bus() - the transport seam onto @m (close is NULL: @m is the caller's). */
struct ina219_bus ina219_model_bus(struct ina219_model *m);

/** ina219_model_convert() - one conversion now, whatever the time (for step-by-step tests). */
void ina219_model_convert(struct ina219_model *m);

/** ina219_model_brownout() - the chip resets as after a supply dip: registers to defaults. */
void ina219_model_brownout(struct ina219_model *m);

#endif
