/* SPDX-License-Identifier: MIT */
/*
 * The `hwmon` meter: any Linux hwmon sensor under ctx->sysfs_root/class/hwmon that reports
 * energy or power (Documentation/hwmon/sysfs-interface.rst): energyN_input (µJ, a counter,
 * read as is), powerN_input (µW) or inN_input (mV) x currN_input (mA), which a sampling
 * thread integrates with meter_integrator_add(). One domain per device, the best quantity it
 * has, named <chip>-<hwmon index>:<attribute> (ina219-0:power1); the first is summed by
 * default, the others only on request, because two sensors may measure nested supplies.
 * The ina2xx driver is named explicitly: it assumes a 10 mΩ shunt when the device tree
 * gives none, while common INA219 breakouts carry 0.1 Ω, which makes every reading 10x too
 * high (research/meters.md §4); the probe (hwmon_scan.c) says so whenever shunt_resistor
 * reads 10000. This file: the power sampler, open, read, close.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hwmon.h"
#include "jb_clock.h"
#include "meter-private.h"
#include "meter_sampler.h"

struct hwmon_state {
	size_t n;
	struct hwmon_sensor *sensor[METER_DOMAINS_MAX];
	struct meter_info *info;
	uint64_t interval_ns;
	int n_power;
	struct meter_sampler sp; /* its lock guards the integrators and last_error */
	int last_error;
};

/*
 * Read one power sensor and integrate its value, timestamped under the lock so that the
 * sampler and read() add samples in time order. read() samples too, so that a window's
 * endpoints are current even when a loaded machine delays the sampler. 0 or -errno.
 */
static int
sensor_sample(struct hwmon_state *s, struct hwmon_sensor *h, int by_sampler)
{
	char buf[32];
	double power_w = 0;
	uint64_t t_ns;
	ssize_t k;
	int rc = 0;

	k = pread(h->fd[0], buf, sizeof(buf) - 1, 0);
	if (k <= 0) {
		rc = k < 0 ? -errno : -EIO;
	} else {
		double first = (buf[k] = '\0', strtod(buf, NULL));

		/* powerN_input is in µW. */
		power_w = first / 1e6;
		if (h->kind == HWMON_VI) {
			k = pread(h->fd[1], buf, sizeof(buf) - 1, 0);
			if (k <= 0)
				rc = k < 0 ? -errno : -EIO;
			else
				buf[k] = '\0';
			/* inN (mV) x currN (mA) = µW. */
			power_w = first * strtod(buf, NULL) / 1e6;
		}
	}
	pthread_mutex_lock(&s->sp.lock);
	t_ns = jb_clock_mono_ns();
	if (rc) {
		s->last_error = rc;
	} else if (meter_integrator_add(&h->integ, t_ns, power_w) == 0) {
		s->last_error = 0;
		if (by_sampler)
			meter_sampler_count(&s->sp, t_ns);
	}
	pthread_mutex_unlock(&s->sp.lock);
	return rc;
}

/* The sampler's pass: every power sensor once. */
static void
hwmon_sample(struct meter_sampler *sp, void *arg)
{
	struct hwmon_state *s = arg;
	size_t i;

	(void)sp;
	for (i = 0; i < s->n; i++)
		if (s->sensor[i]->kind != HWMON_ENERGY)
			(void)sensor_sample(s, s->sensor[i], 1);
}

static void
hwmon_close(void *priv)
{
	struct hwmon_state *s = priv;
	size_t i;

	if (!s)
		return;
	meter_sampler_fini(&s->sp);
	for (i = 0; i < s->n; i++) {
		if (s->sensor[i]->fd[0] >= 0)
			close(s->sensor[i]->fd[0]);
		if (s->sensor[i]->fd[1] >= 0)
			close(s->sensor[i]->fd[1]);
	}
	if (s->n)
		free(s->sensor[0]);
	free(s);
}

static void
hwmon_detail(struct hwmon_state *s)
{
	double rate = 0, cpu = 0;

	if (!s->n_power) {
		snprintf(s->info->detail, sizeof(s->info->detail),
			 "hwmon %.100s, %zu energy counter(s), read directly", s->sensor[0]->dir, s->n);
		return;
	}
	/* Each pass takes one sample per power sensor. */
	pthread_mutex_lock(&s->sp.lock);
	meter_sampler_rate(&s->sp, (uint64_t)s->n_power, &rate, &cpu);
	pthread_mutex_unlock(&s->sp.lock);
	snprintf(s->info->detail, sizeof(s->info->detail),
		 "hwmon %.60s%s, %zu sensor(s)%s; power sampler every %.1f ms: %.1f samples/s "
		 "per sensor, "
		 "%.2f%% of a CPU", s->sensor[0]->dir, s->sensor[0]->shunt_uohm ? " (shunt" : "",
		 s->n, s->sensor[0]->shunt_uohm ? " from shunt_resistor)" : "",
		 (double)s->interval_ns / 1e6, rate, 100 * cpu);
}

static int
hwmon_open(const struct jb_ctx *ctx, void **priv, struct meter_info *info, struct jb_err *err)
{
	struct hwmon_state *s = calloc(1, sizeof(*s));
	struct hwmon_sensor *h = calloc(METER_DOMAINS_MAX, sizeof(*h));
	char why[1024], path[400];
	uint64_t interval_ms, upd_ns = 0;
	double lsb_w = 0;
	int n, i, rc;

	if (!s || !h) {
		free(s);
		free(h);
		return jb_err_set(err, -ENOMEM, "hwmon: out of memory");
	}
	meter_sampler_init(&s->sp);
	rc = meter__opts_check(ctx->meter_opts, why, sizeof(why));
	/* 10 ms: 100 power samples per second, far below the cost of a sysfs read (~µs), and
	 * finer than any hwmon power sensor's own update we know (ina2xx: 1 ms to 2 s). */
	if (!rc)
		rc = meter__opt_u64(ctx->meter_opts, "interval_ms", 10, 1, 10000, &interval_ms, why,
				    sizeof(why));
	n = rc ? rc : hwmon__scan(ctx, h, METER_DOMAINS_MAX, why, sizeof(why));
	if (n <= 0) {
		free(h);
		hwmon_close(s);
		return jb_err_set(err, n ? n : -ENODEV, "hwmon: %s", why);
	}
	s->info = info;
	s->interval_ns = interval_ms * 1000000u;
	for (i = 0; i < n; i++) {
		struct meter_domain *d = &info->domain[i];
		static const char *const attr[] = { "energy%u_input", "power%u_input", "in%u_input" };
		char a[32];

		s->sensor[s->n++] = &h[i];
		snprintf(a, sizeof(a), attr[h[i].kind], h[i].idx);
		snprintf(path, sizeof(path), "%.300s/%s", h[i].dir, a);
		h[i].fd[0] = open(path, O_RDONLY | O_CLOEXEC);
		if (h[i].kind == HWMON_VI && h[i].fd[0] >= 0) {
			snprintf(path, sizeof(path), "%.300s/curr%u_input", h[i].dir, h[i].idx);
			h[i].fd[1] = open(path, O_RDONLY | O_CLOEXEC);
		}
		if (h[i].fd[0] < 0 || (h[i].kind == HWMON_VI && h[i].fd[1] < 0)) {
			rc = -errno;
			hwmon_close(s);
			return jb_err_set(err, rc, "hwmon: %s: %s", path, jb_strerror(rc));
		}
		memset(d, 0, sizeof(*d));
		hwmon__domain_name(&h[i], d->name, sizeof(d->name));
		/* By chip: an ina2xx (or any supply-rail monitor) is a board's DC supply; CPU
		 * energy drivers and ACPI's power meter are named apart (jb_scope.c). */
		d->scope = jb_scope_of_hwmon_chip(h[i].chip);
		d->default_off = i > 0;
		if (h[i].kind != HWMON_ENERGY) {
			d->power_sampled = 1;
			s->n_power++;
			if (hwmon__power_lsb_w(h[i].chip) > lsb_w)
				lsb_w = hwmon__power_lsb_w(h[i].chip);
		}
		if (h[i].update_interval_ms * 1000000u > upd_ns)
			upd_ns = h[i].update_interval_ms * 1000000u;
	}
	info->n_domains = (size_t)n;
	/* Energy counters: 1 µJ steps (the ABI unit) and, without an update_interval file,
	 * an assumed 10 ms refresh (the ABI states none). Power: one LSB over one sample
	 * period, and the sampler's interval or the device's, whichever is slower. */
	if (s->interval_ns > upd_ns && s->n_power)
		upd_ns = s->interval_ns;
	if (!upd_ns)
		upd_ns = 10000000u;
	/* Its domains are this machine's own (meter.h): the probe's load must show. */
	info->measures_host = 1;
	info->update_interval_ns = upd_ns;
	info->resolution_j = s->n_power ? lsb_w * (double)upd_ns / 1e9 : 1e-6;
	info->min_window_ns = 100 * upd_ns;
	if (s->n_power) {
		rc = meter_sampler_start(&s->sp, s->interval_ns, METER_SAMPLER_FIXED, 0,
					 hwmon_sample, s);
		if (rc) {
			hwmon_close(s);
			return jb_err_set(err, rc, "hwmon: cannot start the sampler");
		}
		/* Let the sampler take its first sample of every power sensor (up to 200 ms). */
		(void)meter_sampler_wait_first(&s->sp, 200, NULL);
	}
	hwmon_detail(s);
	*priv = s;
	return 0;
}

static int
hwmon_read(void *priv, struct meter_reading *out)
{
	struct hwmon_state *s = priv;
	size_t i;
	int rc = 0;

	for (i = 0; i < s->n && !rc; i++) {
		struct hwmon_sensor *h = s->sensor[i];
		char buf[32];
		ssize_t k;

		if (h->kind != HWMON_ENERGY)
			continue;
		k = pread(h->fd[0], buf, sizeof(buf) - 1, 0);
		if (k <= 0)
			return k < 0 ? -errno : -EIO;
		buf[k] = '\0';
		out->energy_uj[i] = strtoull(buf, NULL, 10);
	}
	out->t_ns = jb_clock_mono_ns();
	if (!s->n_power)
		return 0;
	for (i = 0; i < s->n; i++)
		if (s->sensor[i]->kind != HWMON_ENERGY && (rc = sensor_sample(s, s->sensor[i], 0)))
			return rc;
	pthread_mutex_lock(&s->sp.lock);
	for (i = 0; i < s->n; i++)
		if (s->sensor[i]->kind != HWMON_ENERGY) {
			out->energy_uj[i] = (uint64_t)(s->sensor[i]->integ.energy_j * 1e6);
			out->power_changes[i] = s->sensor[i]->integ.changes;
		}
	rc = s->last_error;
	pthread_mutex_unlock(&s->sp.lock);
	hwmon_detail(s);
	return rc;
}

const struct meter_ops meter_hwmon = {
	.name = "hwmon",
	.summary = "Linux hwmon energy/power sensors (ina2xx, ...) under /sys/class/hwmon",
	.kind = METER_KIND_MEASURED,
	.probe = hwmon__probe,
	.open = hwmon_open,
	.read = hwmon_read,
	.close = hwmon_close,
};
