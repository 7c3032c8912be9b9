/* SPDX-License-Identifier: MIT */
/*
 * What the hwmon meter's two files share: a discovered sensor, and the discovery and probe
 * of hwmon_scan.c, which hwmon.c (sampler, open, read) builds on.
 */
#ifndef JB_HWMON_H
#define JB_HWMON_H

#include <stddef.h>
#include <stdint.h>

#include "meter.h"

#define HWMON_DEVS_MAX 64
#define HWMON_IDX_MAX 16
/* The ina2xx driver's shunt when none is configured (drivers/hwmon/ina2xx.c). */
#define INA2XX_DEFAULT_SHUNT_UOHM 10000

enum hwmon_kind { HWMON_ENERGY, HWMON_POWER, HWMON_VI };

struct hwmon_sensor {
	char dir[320];
	char chip[24];
	unsigned hwmon_idx;
	enum hwmon_kind kind;
	unsigned idx;              /* N of energyN / powerN / inN+currN */
	uint64_t shunt_uohm;       /* ina2xx only, 0 = unknown */
	uint64_t update_interval_ms; /* the device's own update_interval, 0 = none */
	int fd[2];
	struct meter_integrator integ; /* power kinds; guarded by hwmon_state.lock */
};

/** hwmon__scan() - every hwmon device under ctx->sysfs_root with energy or power, in
 * hwmon index order, into @out (fds -1). Return: the count, or -errno with @why. */
int hwmon__scan(const struct jb_ctx *ctx, struct hwmon_sensor *out, size_t max, char *why,
		size_t why_len);

/** hwmon__domain_name() - "<chip>-<hwmon index>:<attribute>", e.g. ina219-0:power1. */
void hwmon__domain_name(const struct hwmon_sensor *h, char *buf, size_t len);

/** hwmon__power_lsb_w() - the power step of @chip's driver (W), or an assumed 1 mW. */
double hwmon__power_lsb_w(const char *chip);

/** hwmon__probe() - the meter's probe: the sensors found, the ina2xx shunt warning. */
int hwmon__probe(const struct jb_ctx *ctx, char *why, size_t why_len);

#endif
