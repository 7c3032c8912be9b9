/* SPDX-License-Identifier: MIT */
/*
 * hwmon discovery (hwmon.h): which devices under ctx->sysfs_root/class/hwmon report energy
 * (energyN_input, µJ), power (powerN_input, µW) or in x curr (inN_input mV, currN_input mA),
 * per Documentation/hwmon/sysfs-interface.rst; and the probe, which names each sensor and
 * warns about the ina2xx driver's default 10 mOhm shunt (research/meters.md §4).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hwmon.h"
#include "meter-private.h"

static const char *const ina2xx_chips[] = {
	"ina209", "ina219", "ina220", "ina226", "ina230", "ina231", "ina233", "ina234",
	"ina237", "ina238", "ina260", "sy24655", NULL
};

/* The driver's power LSB at its 1 mA current LSB: 20 x (INA219/220), 25 x (INA226/230/
 * 231), INA260 10 mW fixed (ina2xx.c power_lsb_factor; research/meters.md §4). */
double
hwmon__power_lsb_w(const char *chip)
{
	if (!strcmp(chip, "ina219") || !strcmp(chip, "ina220"))
		return 0.020;
	if (!strncmp(chip, "ina22", 5) || !strncmp(chip, "ina23", 5))
		return 0.025;
	if (!strcmp(chip, "ina260"))
		return 0.010;
	return 0.001; /* assumed: the ABI unit is 1 µW, real sensors are coarser */
}

static int
is_ina2xx(const char *chip)
{
	size_t i;

	for (i = 0; ina2xx_chips[i]; i++)
		if (!strcmp(chip, ina2xx_chips[i]))
			return 1;
	return 0;
}

static int
attr_exists(const char *dir, const char *fmt, unsigned n)
{
	char path[400], attr[32];

	snprintf(attr, sizeof(attr), fmt, n);
	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	return access(path, F_OK) == 0;
}

/* The best quantity of one device: energy, else power, else in x curr. 0 = none. */
static int
sensor_classify(struct hwmon_sensor *h)
{
	unsigned n;

	for (n = 0; n < HWMON_IDX_MAX; n++)
		if (attr_exists(h->dir, "energy%u_input", n)) {
			h->kind = HWMON_ENERGY, h->idx = n;
			return 1;
		}
	for (n = 0; n < HWMON_IDX_MAX; n++)
		if (attr_exists(h->dir, "power%u_input", n)) {
			h->kind = HWMON_POWER, h->idx = n;
			return 1;
		}
	/* inN with currN of the same N: ina2xx's in1 (bus) and curr1. in0 is its shunt. */
	for (n = 1; n < HWMON_IDX_MAX; n++)
		if (attr_exists(h->dir, "in%u_input", n) && attr_exists(h->dir, "curr%u_input", n)) {
			h->kind = HWMON_VI, h->idx = n;
			return 1;
		}
	return 0;
}

static int
cmp_uint(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return (x > y) - (x < y);
}

/* Every hwmon device with energy or power, in hwmon index order. Return the count or
 * -errno; @why says what was found or why nothing was. */
int
hwmon__scan(const struct jb_ctx *ctx, struct hwmon_sensor *out, size_t max, char *why,
	   size_t why_len)
{
	const char *root = ctx->sysfs_root ? ctx->sysfs_root : "/sys";
	unsigned idx[HWMON_DEVS_MAX];
	size_t n_idx = 0, i, n = 0;
	char base[256], buf[64];
	struct dirent *de;
	DIR *d;

	snprintf(base, sizeof(base), "%s/class/hwmon", root);
	d = opendir(base);
	if (!d) {
		int rc = -errno;

		snprintf(why, why_len, "no %s (%s): this kernel has no hwmon devices", base,
			 jb_strerror(rc));
		return -ENODEV;
	}
	while ((de = readdir(d)) != NULL && n_idx < HWMON_DEVS_MAX) {
		unsigned v;
		char c;

		if (sscanf(de->d_name, "hwmon%u%c", &v, &c) == 1)
			idx[n_idx++] = v;
	}
	closedir(d);
	qsort(idx, n_idx, sizeof(idx[0]), cmp_uint);
	for (i = 0; i < n_idx && n < max; i++) {
		struct hwmon_sensor *h = &out[n];
		char path[400];

		memset(h, 0, sizeof(*h));
		h->fd[0] = h->fd[1] = -1;
		h->hwmon_idx = idx[i];
		snprintf(h->dir, sizeof(h->dir), "%s/hwmon%u", base, idx[i]);
		snprintf(path, sizeof(path), "%s/name", h->dir);
		if (meter__read_text(path, buf, sizeof(buf)))
			snprintf(buf, sizeof(buf), "hwmon");
		snprintf(h->chip, sizeof(h->chip), "%.23s", buf);
		if (!sensor_classify(h))
			continue;
		snprintf(path, sizeof(path), "%s/shunt_resistor", h->dir);
		if (meter__read_u64(path, &h->shunt_uohm))
			h->shunt_uohm = 0;
		snprintf(path, sizeof(path), "%s/update_interval", h->dir);
		if (meter__read_u64(path, &h->update_interval_ms))
			h->update_interval_ms = 0;
		n++;
	}
	if (!n) {
		snprintf(why, why_len, "%zu hwmon device(s) under %s, none with energyN_input, "
			 "powerN_input or inN_input+currN_input (for an INA219/INA226 load the ina2xx "
			 "driver: echo ina219 0x40 > /sys/bus/i2c/devices/i2c-1/new_device)",
			 n_idx, base);
		return -ENODEV;
	}
	return (int)n;
}

void
hwmon__domain_name(const struct hwmon_sensor *h, char *buf, size_t len)
{
	/* No shell metacharacters: the name is typed after --domain. */
	if (h->kind == HWMON_VI)
		snprintf(buf, len, "%.14s-%u:in%u_curr%u", h->chip, h->hwmon_idx, h->idx, h->idx);
	else
		snprintf(buf, len, "%.14s-%u:%s%u", h->chip, h->hwmon_idx,
			 h->kind == HWMON_ENERGY ? "energy" : "power", h->idx);
}

static void
append(char *why, size_t len, const char *text)
{
	size_t used = strlen(why);

	if (used + 1 < len)
		snprintf(why + used, len - used, "%s", text);
}

int
hwmon__probe(const struct jb_ctx *ctx, char *why, size_t why_len)
{
	struct hwmon_sensor *h = calloc(METER_DOMAINS_MAX, sizeof(*h));
	char line[640];
	int n, i;

	if (!h)
		return -ENOMEM;
	n = hwmon__scan(ctx, h, METER_DOMAINS_MAX, why, why_len);
	if (n <= 0) {
		free(h);
		return n ? n : -ENODEV;
	}
	why[0] = '\0';
	for (i = 0; i < n; i++) {
		char name[METER_NAME_MAX], attr[32];
		int rc;

		hwmon__domain_name(&h[i], name, sizeof(name));
		snprintf(attr, sizeof(attr), h[i].kind == HWMON_ENERGY ? "energy%u_input"
					     : h[i].kind == HWMON_POWER ? "power%u_input" : "in%u_input",
			 h[i].idx);
		snprintf(line, sizeof(line), "%.300s/%s", h[i].dir, attr);
		rc = access(line, R_OK) == 0 ? 0 : -errno;
		snprintf(line, sizeof(line), "%s%s%s%s", i ? "; " : "", name,
			 i == 0 ? " (summed by default)" : "", rc ? ": " : "");
		append(why, why_len, line);
		if (rc) {
			append(why, why_len, jb_strerror(rc));
			free(h);
			return rc;
		}
		if (is_ina2xx(h[i].chip) && h[i].shunt_uohm == INA2XX_DEFAULT_SHUNT_UOHM) {
			snprintf(line, sizeof(line),
				 ". WARNING %s: shunt_resistor is %d uohm (10 mOhm), the ina2xx "
				 "driver's default when the device tree names none; common INA219 "
				 "breakouts (Adafruit 904 and clones) carry 0.1 Ohm, and then every "
				 "current and power reading is 10x too high. If yours has 0.1 Ohm: echo "
				 "100000 > %.200s/shunt_resistor (as root), or set "
				 "shunt-resistor-micro-ohms in the device tree",
				 name, INA2XX_DEFAULT_SHUNT_UOHM, h[i].dir);
			append(why, why_len, line);
		}
	}
	free(h);
	return 0;
}
