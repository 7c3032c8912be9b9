/* SPDX-License-Identifier: MIT */
/*
 * The `model` meter: an estimate for machines with no energy meter (VMs, CI). It behaves
 * like a RAPL package counter so the measurement protocol is the same for every meter:
 *
 *   energy = idle_w * wall_time + (loaded_w - idle_w) / cores * busy_cpu_time
 *
 * with busy CPU time of the whole machine from /proc/stat (user+nice+system+irq+softirq)
 * and the watts from a platform power profile (profile.h). /proc/stat counts in USER_HZ
 * ticks, so the model's resolution is one tick of one core. Every row it produces is
 * labelled modeled: this is an estimate of what the work would cost on the profiled
 * platform, not a measurement of this machine.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jb_clock.h"
#include "meter-private.h"
#include "profile.h"

struct model_state {
	struct meter_profile profile;
	int stat_fd;
	uint64_t ns_per_tick;
	uint64_t t0_ns;
	uint64_t busy0_ns;
	double dyn_w_per_core;
};

/* Busy CPU time of the whole machine in ns, from the first ("cpu ") line of /proc/stat. */
static int
model_read_busy_ns(struct model_state *s, uint64_t *busy_ns)
{
	char buf[512];
	unsigned long long v[7];
	ssize_t n = pread(s->stat_fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	/* user nice system idle iowait irq softirq: idle and iowait are not busy. */
	if (sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6]) != 7)
		return -EIO;
	*busy_ns = (uint64_t)(v[0] + v[1] + v[2] + v[5] + v[6]) * s->ns_per_tick;
	return 0;
}

static int
model_probe(const struct jb_ctx *ctx, char *why, size_t why_len)
{
	struct meter_profile p;
	struct jb_err err;
	int rc = meter_profile_load(ctx, &p, &err);

	if (rc) {
		/* A profile that is missing or malformed is a configuration error (bad input),
		 * not a meter that is absent from this machine. */
		snprintf(why, why_len, "%.*s", (int)why_len - 1, err.msg);
		return -EINVAL;
	}
	if (access("/proc/stat", R_OK) != 0) {
		rc = -errno;
		snprintf(why, why_len, "/proc/stat is not readable: mount procfs");
		return rc;
	}
	snprintf(why, why_len, "estimate from CPU time with profile %s (always usable; labelled modeled)",
		 p.name);
	return 0;
}

static int
model_open(const struct jb_ctx *ctx, void **priv, struct meter_info *info, struct jb_err *err)
{
	struct model_state *s = calloc(1, sizeof(*s));
	long hz = sysconf(_SC_CLK_TCK);
	int rc;

	if (!s)
		return jb_err_set(err, -ENOMEM, "model: out of memory");
	rc = meter_profile_load(ctx, &s->profile, err);
	if (rc)
		goto fail;
	s->stat_fd = open("/proc/stat", O_RDONLY | O_CLOEXEC);
	if (s->stat_fd < 0) {
		rc = jb_err_set(err, -errno, "model: open /proc/stat: %s", strerror(errno));
		goto fail;
	}
	s->ns_per_tick = 1000000000u / (uint64_t)(hz > 0 ? hz : 100);
	s->dyn_w_per_core = (s->profile.loaded_w - s->profile.idle_w) / s->profile.cores;
	s->t0_ns = jb_clock_mono_ns();
	rc = model_read_busy_ns(s, &s->busy0_ns);
	if (rc) {
		close(s->stat_fd);
		jb_err_set(err, rc, "model: cannot parse /proc/stat");
		goto fail;
	}
	info->n_domains = 1;
	snprintf(info->domain[0].name, METER_NAME_MAX, "model");
	/* An estimate, whatever meter the profile was calibrated against. */
	info->domain[0].scope = JB_SCOPE_MODELED;
	info->domain[0].max_energy_range_uj = 0;
	/* One tick of one busy core at the profile's per-core dynamic power. */
	info->resolution_j = s->dyn_w_per_core * (double)s->ns_per_tick / 1e9;
	info->update_interval_ns = s->ns_per_tick;
	/* 100 ticks: a window of 1 s at USER_HZ=100 keeps the tick error near 1%. */
	info->min_window_ns = 100 * s->ns_per_tick;
	snprintf(info->detail, sizeof(info->detail),
		 "profile %.60s (%.120s): idle %.4g W, loaded %.4g W, %u cores", s->profile.name,
		 s->profile.path, s->profile.idle_w, s->profile.loaded_w, s->profile.cores);
	*priv = s;
	return 0;
fail:
	free(s);
	return rc;
}

static int
model_read(void *priv, struct meter_reading *out)
{
	struct model_state *s = priv;
	uint64_t busy_ns;
	double uj;
	int rc = model_read_busy_ns(s, &busy_ns);

	if (rc)
		return rc;
	out->t_ns = jb_clock_mono_ns();
	/* W * ns / 1e3 = µJ. */
	uj = s->profile.idle_w * (double)(out->t_ns - s->t0_ns) / 1e3 +
	     s->dyn_w_per_core * (double)(busy_ns - s->busy0_ns) / 1e3;
	out->energy_uj[0] = (uint64_t)uj;
	return 0;
}

static void
model_close(void *priv)
{
	struct model_state *s = priv;

	if (!s)
		return;
	close(s->stat_fd);
	free(s);
}

const struct meter_ops meter_model = {
	.name = "model",
	.summary = "estimate from CPU time and a platform power profile (modeled, not measured)",
	.kind = METER_KIND_MODELED,
	.probe = model_probe,
	.open = model_open,
	.read = model_read,
	.close = model_close,
};
