/* SPDX-License-Identifier: MIT */
/*
 * The INA219 meter's parts, shared by ina219.c (calibration, sampler, meter ops),
 * ina219_i2c.c (the /dev/i2c-N transport) and the tests, which put a register model behind
 * the same transport seam. Register map, bit layout and formulas: TI SBOS448 (INA219
 * datasheet), §8.6 registers and §8.5.1 programming, as summarised in research/meters.md §4.
 */
#ifndef JB_INA219_H
#define JB_INA219_H

#include <stddef.h>
#include <stdint.h>

#include "meter.h"

/* Registers (SBOS448 §8.6.2, Table 2). All 16-bit, sent MSB first. */
#define INA219_REG_CONFIG 0x00
#define INA219_REG_SHUNT 0x01   /* signed, LSB 10 µV */
#define INA219_REG_BUS 0x02     /* bits 15-3 bus voltage (LSB 4 mV), bit 1 CNVR, bit 0 OVF */
#define INA219_REG_POWER 0x03   /* LSB Power_LSB = 20 x Current_LSB */
#define INA219_REG_CURRENT 0x04 /* signed, LSB Current_LSB */
#define INA219_REG_CAL 0x05     /* bits 15-1; bit 0 is unused and reads 0 */

/* Configuration register bits (SBOS448 §8.6.2.1). */
#define INA219_CFG_RST 0x8000
#define INA219_CFG_BRNG 0x2000      /* 1 = 32 V bus range, 0 = 16 V */
#define INA219_CFG_PG_SHIFT 11      /* PGA gain /1 /2 /4 /8 = ±40/80/160/320 mV */
#define INA219_CFG_BADC_SHIFT 7
#define INA219_CFG_SADC_SHIFT 3
#define INA219_CFG_MODE_CONT 0x0007 /* shunt and bus, continuous */
#define INA219_CFG_RESET_VALUE 0x399F
#define INA219_BUS_CNVR 0x0002
#define INA219_BUS_OVF 0x0001
#define INA219_BUS_LSB_UV 4000u
#define INA219_SHUNT_LSB_NV 10000u

/* The transport seam: 16-bit register reads and writes in host order (the transport does
 * the byte swap). Each returns 0 or -errno. */
struct ina219_bus {
	int (*read16)(void *bus_ctx, uint8_t reg, uint16_t *val);
	int (*write16)(void *bus_ctx, uint8_t reg, uint16_t val);
	void (*close)(void *bus_ctx); /* may be NULL */
	void *bus_ctx;
};

/* What the user configures (jb_ctx.meter_opts, e.g.
 * "bus=1,addr=0x40,shunt_uohm=100000,max_current_ma=3200,avg=128"). */
struct ina219_cfg {
	unsigned bus;            /* /dev/i2c-N */
	unsigned addr;           /* 7-bit address, 0x40-0x4F */
	uint64_t shunt_uohm;     /* shunt resistance */
	uint64_t max_current_ma; /* maximum expected current */
	uint64_t current_lsb_ua; /* 0 = max_current / 2^15; else a round LSB of one's choice
				  * between max/32767 and max/4096 (SBOS448 §8.5.1 step 3) */
	unsigned avg;            /* samples averaged per conversion: 1..128, powers of 2 */
	unsigned adc_bits;       /* 9..12; averaging implies 12 */
	unsigned bus_range_v;    /* 16 or 32 */
};

/* What the calibration makes of it (SBOS448 §8.5.1). */
struct ina219_calib {
	uint16_t config;        /* the configuration register value written */
	uint16_t cal;           /* the calibration register value written (bit 0 clear) */
	unsigned pga_div;       /* 1, 2, 4, 8 */
	double current_lsb_a;   /* effective, from the written cal: 0.04096 / (cal x R) */
	double power_lsb_w;     /* 20 x current_lsb_a */
	uint64_t conv_ns;       /* one ADC conversion (shunt or bus), from the datasheet table */
	uint64_t cycle_ns;      /* shunt then bus: the time between two new power values */
};

/** ina219_cfg_parse() - defaults overridden by @opts; 0 or -EINVAL with the reason. */
int ina219_cfg_parse(const char *opts, struct ina219_cfg *cfg, char *why, size_t why_len);

/** ina219_calib_compute() - register values and LSBs for @cfg; 0 or -EINVAL (e.g. the
 * shunt voltage at max current exceeds the 320 mV range, or Cal does not fit 16 bits). */
int ina219_calib_compute(const struct ina219_cfg *cfg, struct ina219_calib *cal, char *why,
			 size_t why_len);

/** ina219_adc_code() / ina219_adc_time_ns() - the BADC/SADC code and its conversion time
 * (SBOS448 Table 5) for @bits with @avg samples; 0 time for an invalid pair. */
unsigned ina219_adc_code(unsigned bits, unsigned avg);
uint64_t ina219_adc_time_ns(unsigned bits, unsigned avg);

/** ina219_i2c_open() - the real transport on /dev/i2c-@bus at @addr; 0 or -errno with the
 * reason and the fix in @why. */
int ina219_i2c_open(unsigned bus, unsigned addr, struct ina219_bus *out, char *why,
		    size_t why_len);

/** ina219_open_with() - the ina219 meter's open() on transport @bus (taken over: closed
 * by the meter's close()); the sampler thread is running on success. */
int ina219_open_with(const struct jb_ctx *ctx, const struct ina219_bus *bus, void **priv,
		     struct meter_info *info, struct jb_err *err);

/* The sampler's own account of itself. */
struct ina219_stats {
	uint64_t samples;     /* power values integrated */
	uint64_t polls;       /* bus-register reads, including not-ready ones */
	uint64_t resets;      /* chip resets seen (calibration read 0) and repaired */
	uint64_t overflows;   /* samples with OVF set, not integrated */
	uint64_t bus_errors;  /* failed transfers */
	double rate_hz;       /* samples per second since the first */
	double cpu_frac;      /* the sampler thread's CPU time / wall time */
	double energy_j;
	uint64_t first_t_ns, last_t_ns; /* the integral spans these sample times */
};

/** ina219_stats_get() - a consistent snapshot of an open ina219 meter's sampler. */
void ina219_stats_get(void *priv, struct ina219_stats *st);

#endif
