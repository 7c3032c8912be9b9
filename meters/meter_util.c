/* SPDX-License-Identifier: MIT */
/*
 * Small helpers the backends share (meter-private.h): reading one-value sysfs files, the
 * "key=value,key=value" backend options of jb_ctx.meter_opts, kernel CPU lists, and a
 * thread's CPU time (for a sampler to report its own cost). No arithmetic on energy here:
 * that lives in meter.c only.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jb_text.h"
#include "meter-private.h"

int
meter__read_text(const char *path, char *buf, size_t len)
{
	ssize_t n = jb_text_read_file(path, buf, len);

	if (n < 0)
		return (int)n;
	buf[strcspn(buf, "\n")] = '\0';
	return n == 0 ? -EIO : 0;
}

static int
parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || (*end && *end != '\n'))
		return -EINVAL;
	*out = v;
	return 0;
}

int
meter__read_u64(const char *path, uint64_t *out)
{
	char buf[64];
	int rc = meter__read_text(path, buf, sizeof(buf));

	return rc ? rc : parse_u64(buf, out);
}

int
meter__opt(const char *opts, const char *key, char *val, size_t val_len)
{
	size_t klen = strlen(key);
	const char *p = opts;

	while (p && *p) {
		size_t len = strcspn(p, ",");

		if (len > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			size_t vlen = len - klen - 1;

			if (vlen + 1 > val_len)
				return -EINVAL;
			memcpy(val, p + klen + 1, vlen);
			val[vlen] = '\0';
			return 1;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

int
meter__opt_u64(const char *opts, const char *key, uint64_t dflt, uint64_t min, uint64_t max,
	       uint64_t *out, char *why, size_t why_len)
{
	char val[32];
	int rc = meter__opt(opts, key, val, sizeof(val));

	if (rc == 0) {
		*out = dflt;
		return 0;
	}
	if (rc < 0 || parse_u64(val, out) || *out < min || *out > max) {
		snprintf(why, why_len, "option %s: want a number from %" PRIu64 " to %" PRIu64, key,
			 min, max);
		return -EINVAL;
	}
	return 0;
}

/* Every backend's option keys: ina219 (ina219.c), hwmon (hwmon.c, also interval_ms of the
 * BMC meters and tinkerforge), tinkerforge (tinkerforge.c), model (profile.c), ipmi
 * (ipmi.c), redfish (redfish.c), bmc.c for both. A key two backends share is listed once. */
static const char *const known[] = {
	"bus", "addr", "shunt_uohm", "max_current_ma", "current_lsb_ua", "avg", "bits", /* ina219 */
	"bus_range_v",
	"interval_ms",                                                   /* hwmon, tinkerforge */
	"host", "port", "uid", "source",                                        /* tinkerforge */
	"profile",                     /* model: a profile file or name (joulebench calibrate) */
	"user", "password_file", "stale_s", "timeout_ms",          /* ipmi, redfish (+host, source) */
	"sensor", "workaround", "cipher",                                      /* ipmi */
	"chassis", "cacert", "insecure",                                       /* redfish */
	NULL
};

int
meter__opts_check(const char *opts, char *why, size_t why_len)
{
	const char *p = opts;

	while (p && *p) {
		size_t len = strcspn(p, ","), klen = strcspn(p, "=,");
		size_t i;
		int ok = 0;

		for (i = 0; known[i]; i++)
			if (strlen(known[i]) == klen && strncmp(p, known[i], klen) == 0)
				ok = 1;
		if (!ok || klen == len) {
			snprintf(why, why_len, "unknown or malformed meter option '%.*s' (want key=value)",
				 (int)len, p);
			return -EINVAL;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

int
meter__cpulist_parse(const char *s, int *cpus, int max)
{
	int n = 0;

	while (*s) {
		char *end;
		long a, b;

		/* CPU numbers are small (the kernel's NR_CPUS is at most 8192); anything past
		 * that, or an overflowing number, is not a CPU list (found by fuzz_meter_values). */
		errno = 0;
		a = strtol(s, &end, 10);
		if (end == s || a < 0 || a > 65535 || errno)
			return -EINVAL;
		b = a;
		if (*end == '-') {
			s = end + 1;
			b = strtol(s, &end, 10);
			if (end == s || b < a || b > 65535 || errno)
				return -EINVAL;
		}
		for (; a <= b && n < max; a++)
			cpus[n++] = (int)a;
		s = end;
		if (*s == ',')
			s++;
		else if (*s && *s != '\n')
			return -EINVAL;
		else if (*s == '\n')
			break;
	}
	return n;
}

uint64_t
meter__thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
meter__sleep_until_ns(uint64_t t_ns)
{
	struct timespec ts = { .tv_sec = (time_t)(t_ns / 1000000000u),
			       .tv_nsec = (long)(t_ns % 1000000000u) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}
