/* SPDX-License-Identifier: MIT */
/*
 * The BMC meters' shared parts (bmc.h): options and credentials, and the sampler that polls
 * a BMC's power once an interval and integrates it, as hwmon.c and ina219.c do for their
 * sensors. A BMC reading is one value per about a second in whole watts (DCMI 1.5 §6.6.1
 * Get Power Reading reports whole watts; Redfish PowerConsumedWatts is typically an integer
 * refreshed each second), so its integral steps once an interval, and a window's endpoints
 * lag the present by up to one interval: the update interval declared here is what the
 * window engine's uncertainty (protocol/window.c) and the window length are sized from.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmc.h"
#include "jb_clock.h"
#include "jb_text.h"
#include "meter-private.h"

static int
secret_read(const char *path, char *buf, size_t len, char *why, size_t why_len)
{
	char tmp[512];
	ssize_t n = jb_text_read_file(path, tmp, sizeof(tmp));

	if (n < 0) {
		snprintf(why, why_len, "password_file %.300s: %s", path, jb_strerror((int)n));
		return (int)n;
	}
	tmp[strcspn(tmp, "\r\n")] = '\0';
	if (strlen(tmp) + 1 > len) {
		snprintf(why, why_len, "password_file %.300s: the password is longer than %zu bytes",
			 path, len - 1);
		memset(tmp, 0, sizeof(tmp));
		return -EINVAL;
	}
	memcpy(buf, tmp, strlen(tmp) + 1);
	memset(tmp, 0, sizeof(tmp));
	return 0;
}

int
bmc_opts_parse(const char *opts, const char *id_key, struct bmc_opts *o, char *why,
	       size_t why_len)
{
	char path[300], tmp[8];
	const char *env;
	uint64_t ms, stale_s;
	int rc;

	memset(o, 0, sizeof(*o));
	if (meter__opt(opts, "password", tmp, sizeof(tmp)) != 0) {
		snprintf(why, why_len, "a password is never an option (it would reach argv and the "
			 "run's metadata): use password_file=PATH or $%s", BMC_ENV_PASSWORD);
		return -EINVAL;
	}
	rc = meter__opts_check(opts, why, why_len);
	/* A BMC refreshes about once a second (module comment): polling faster reads the same
	 * value again; interval_ms= lets a faster source (or a test's simulator) be followed. */
	if (!rc)
		rc = meter__opt_u64(opts, "interval_ms", 1000, 50, 60000, &ms, why, why_len);
	/* 30 s of a bit-identical reading: a live machine's wall power moves by more than a
	 * watt within seconds (fans, regulators); a BMC whose sensor task hung does not. */
	if (!rc)
		rc = meter__opt_u64(opts, "stale_s", 30, 0, 86400, &stale_s, why, why_len);
	if (!rc)
		rc = meter__opt_u64(opts, "timeout_ms", 5000, 100, 120000, &o->timeout_ms, why,
				    why_len);
	if (rc)
		return rc;
	o->interval_ns = ms * 1000000u;
	o->stale_ns = stale_s * 1000000000u;
	if (meter__opt(opts, "host", o->host, sizeof(o->host)) < 0 ||
	    meter__opt(opts, "user", o->user, sizeof(o->user)) < 0 ||
	    meter__opt(opts, "source", o->source, sizeof(o->source)) < 0 ||
	    meter__opt(opts, id_key, o->id, sizeof(o->id)) < 0) {
		snprintf(why, why_len, "an option value of host, user, source or %s is too long",
			 id_key);
		return -EINVAL;
	}
	if (!o->source[0])
		snprintf(o->source, sizeof(o->source), "auto");
	if (!o->user[0] && (env = getenv(BMC_ENV_USER)))
		snprintf(o->user, sizeof(o->user), "%s", env);
	rc = meter__opt(opts, "password_file", path, sizeof(path));
	if (rc < 0) {
		snprintf(why, why_len, "password_file: path too long");
		return -EINVAL;
	}
	if (rc == 1) {
		rc = secret_read(path, o->password, sizeof(o->password), why, why_len);
		if (rc)
			return rc;
		o->have_password = 1;
	} else if ((env = getenv(BMC_ENV_PASSWORD))) {
		if (strlen(env) + 1 > sizeof(o->password)) {
			snprintf(why, why_len, "$%s is too long", BMC_ENV_PASSWORD);
			return -EINVAL;
		}
		snprintf(o->password, sizeof(o->password), "%s", env);
		o->have_password = 1;
	}
	return 0;
}

void
bmc_opts_wipe(struct bmc_opts *o)
{
	volatile char *p = o->password;
	size_t i;

	for (i = 0; i < sizeof(o->password); i++)
		p[i] = 0;
}

/* Take one reading into the state; called with the lock NOT held (the poll may take a
 * network round trip). */
static void
sampler_poll_once(struct bmc_sampler *s)
{
	struct bmc_value v = { NAN, NAN };
	int rc = s->poll(s->src, &v);
	uint64_t t_ns;
	double value;

	pthread_mutex_lock(&s->sp.lock);
	t_ns = jb_clock_mono_ns();
	value = s->counter_mode ? v.energy_j : v.power_w;
	if (!rc && !(isfinite(value) && value >= 0))
		rc = -EPROTO;
	if (rc) {
		s->errors++;
		s->last_error = rc;
		pthread_mutex_unlock(&s->sp.lock);
		return;
	}
	if (s->counter_mode) {
		/* A counter that went backwards (a BMC reset) restarts from its new value. */
		if (value < s->energy0_j + s->energy_j)
			s->energy0_j = value - s->energy_j;
		s->energy_j = value - s->energy0_j;
		s->last_power_w = v.power_w;
	} else if (meter_integrator_add(&s->integ, t_ns, value) != 0) {
		pthread_mutex_unlock(&s->sp.lock);
		return;
	} else {
		s->last_power_w = value;
	}
	/* A gap of four intervals or more (the BMC did not answer) is bridged by the
	 * trapezoid, but that energy is interpolated, not read: the next read() says so,
	 * so the window that holds the gap is flagged rather than passed off as measured. */
	if (s->sp.samples && t_ns - s->last_good_ns >= 4 * s->interval_ns)
		s->unreported_gap = 1;
	if (!s->sp.samples || value != s->last_value)
		s->last_change_ns = t_ns;
	meter_sampler_count(&s->sp, t_ns);
	s->last_value = value;
	s->last_good_ns = t_ns;
	s->last_error = 0;
	pthread_mutex_unlock(&s->sp.lock);
}

static void
sampler_sample(struct meter_sampler *sp, void *arg)
{
	(void)sp;
	sampler_poll_once(arg);
}

int
bmc_sampler_start(struct bmc_sampler *s, bmc_poll_fn poll, void *src, uint64_t interval_ns,
		  uint64_t stale_ns)
{
	struct bmc_value v = { NAN, NAN };
	int rc;

	memset(s, 0, sizeof(*s));
	s->poll = poll;
	s->src = src;
	s->interval_ns = interval_ns;
	s->stale_ns = stale_ns;
	rc = poll(src, &v);
	if (rc)
		return rc;
	if (!isfinite(v.energy_j) && !isfinite(v.power_w))
		return -EPROTO;
	s->counter_mode = isfinite(v.energy_j);
	meter_sampler_init(&s->sp);
	sampler_poll_once(s);
	/* The reading just taken is the first: the thread polls an interval from now. A poll
	 * that took longer than the interval (a slow BMC) is not caught up with a burst of
	 * polls: the next one starts an interval from now. */
	rc = s->sp.samples ? 0 : s->last_error ? s->last_error : -EPROTO;
	if (!rc)
		rc = meter_sampler_start(&s->sp, interval_ns, METER_SAMPLER_SKIP, 1, sampler_sample,
					 s);
	if (rc)
		meter_sampler_fini(&s->sp);
	return rc;
}

int
bmc_sampler_read(struct bmc_sampler *s, struct meter_reading *out)
{
	double energy_j;
	int rc = 0;

	uint64_t now_ns;

	pthread_mutex_lock(&s->sp.lock);
	now_ns = jb_clock_mono_ns();
	/* The integral reaches the latest reading, not the present: stamping it with that
	 * reading's time keeps a window's energy and duration over the same span, where the
	 * time of the read would be off by up to one interval at each end (±8% of a window of
	 * 12 readings, seen in `check` against ipmi_sim). */
	out->t_ns = s->sp.last_t_ns;
	energy_j = s->counter_mode ? s->energy_j : s->integ.energy_j;
	/* One lost reply only loses a sample, which the trapezoid bridges; four intervals
	 * without a good one mean the BMC is gone. */
	if (now_ns - s->last_good_ns >= 4 * s->interval_ns)
		rc = s->last_error ? s->last_error : -ETIMEDOUT;
	else if (s->unreported_gap)
		rc = -ETIMEDOUT, s->unreported_gap = 0;
	else if (s->stale_ns && now_ns - s->last_change_ns >= s->stale_ns)
		rc = -ENODATA;
	pthread_mutex_unlock(&s->sp.lock);
	out->energy_uj[0] = (uint64_t)(energy_j * 1e6);
	return rc;
}

void
bmc_sampler_stop(struct bmc_sampler *s)
{
	if (s->sp.running)
		meter_sampler_fini(&s->sp);
}

void
bmc_sampler_describe(struct bmc_sampler *s, char *buf, size_t len)
{
	size_t used = strlen(buf);
	double rate, cpu;
	uint64_t samples, errors;

	if (!s->sp.running || used >= len)
		return;
	pthread_mutex_lock(&s->sp.lock);
	samples = s->sp.samples;
	errors = s->errors;
	meter_sampler_rate(&s->sp, 1, &rate, &cpu);
	pthread_mutex_unlock(&s->sp.lock);
	snprintf(buf + used, len - used,
		 "; %s, polled every %.0f ms: %.2f readings/s, %" PRIu64 " readings, %" PRIu64
		 " errors, %.2f%% of a CPU",
		 s->counter_mode ? "energy counter" : "power integrated",
		 (double)s->interval_ns / 1e6, rate, samples, errors, 100 * cpu);
}

void
bmc_info_fill(struct meter_info *info, uint64_t interval_ns, double step_w)
{
	info->n_domains = 1;
	memset(&info->domain[0], 0, sizeof(info->domain[0]));
	snprintf(info->domain[0].name, METER_NAME_MAX, BMC_DOMAIN);
	/* A BMC's DCMI reading, its watts sensor and Redfish's PowerConsumedWatts are the
	 * power supplies' input: the whole machine at its plug (DCMI 1.5, 6.6.1; Redfish
	 * Power schema), supply losses, fans, disks and the BMC itself included. */
	info->domain[0].scope = JB_SCOPE_WALL_AC;
	/* The integral moves by one reading step held over one interval; the window engine
	 * adds power x interval at each end for the lag of a sampled reading. */
	info->update_interval_ns = interval_ns;
	info->resolution_j = step_w * (double)interval_ns / 1e9;
	/* Ten readings a window: each end's lag (one interval) is then a tenth of the window
	 * at most, which the uncertainty states; RAPL's 100 updates would mean 100 s here. */
	info->min_window_ns = 10 * interval_ns;
	/* A server's BMC reads the machine joulebench runs on: the liveness probe's load must
	 * show in it (meter_liveness.c; left to the run's own check at 1 s readings). */
	info->measures_host = 1;
}
