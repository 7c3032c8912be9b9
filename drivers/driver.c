/* SPDX-License-Identifier: MIT */
/*
 * The driver registry and the core-list parser shared by every driver that places
 * instances on cores.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "driver.h"
#include "driver-private.h"

static const struct driver_ops *const driver_table[] = {
	&driver_pinned,
	&driver_container,
	&driver_microvm,
};

const char *
driver_status_for(int rc)
{
	switch (rc) {
	case 0:
		return "ok";
	case -ETIMEDOUT:
		return "timeout";
	case -EPIPE:
		return "crashed";
	case -ENOMEM:
		return "oom-killed";
	default:
		return "error";
	}
}

void
driver_cpus_format(const int *cores, size_t n, char *buf, size_t len)
{
	size_t i = 0, used = 0;

	if (len)
		buf[0] = '\0';
	while (i < n) {
		size_t j = i;
		int w;

		while (j + 1 < n && cores[j + 1] == cores[j] + 1)
			j++;
		w = j == i ? snprintf(buf + used, len - used, "%s%d", used ? "," : "", cores[i])
			   : snprintf(buf + used, len - used, "%s%d-%d", used ? "," : "", cores[i],
				      cores[j]);
		if (w < 0 || (size_t)w >= len - used)
			return;
		used += (size_t)w;
		i = j + 1;
	}
}

const char *
driver_isolation_name(const struct driver_ops *ops, void *drv, struct driver_info *info)
{
	memset(info, 0, sizeof(*info));
	if (ops->describe && drv)
		ops->describe(drv, info);
	return info->isolation[0] ? info->isolation : ops->isolation;
}

size_t
driver_count(void)
{
	return sizeof(driver_table) / sizeof(driver_table[0]);
}

const struct driver_ops *
driver_at(size_t i)
{
	return i < driver_count() ? driver_table[i] : NULL;
}

const struct driver_ops *
driver_find(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < driver_count(); i++)
		if (strcmp(driver_table[i]->name, name) == 0)
			return driver_table[i];
	return NULL;
}

static int
parse_core(const char *s, char **end, long *out)
{
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtol(s, end, 10);
	return (errno || *out >= DRIVER_CORES_MAX) ? -EINVAL : 0;
}

int
driver_cores_parse(const char *list, int *cores, size_t max)
{
	unsigned char seen[DRIVER_CORES_MAX] = { 0 };
	const char *p = list;
	size_t n = 0;

	if (!list || !*list)
		return -EINVAL;
	while (*p) {
		long lo, hi, c;
		char *end;

		if (parse_core(p, &end, &lo))
			return -EINVAL;
		hi = lo;
		if (*end == '-' && parse_core(end + 1, &end, &hi))
			return -EINVAL;
		if (hi < lo || (*end && *end != ','))
			return -EINVAL;
		for (c = lo; c <= hi; c++) {
			if (seen[c])
				return -EINVAL; /* a core listed twice would be shared */
			if (n == max)
				return -E2BIG;
			seen[c] = 1;
			cores[n++] = (int)c;
		}
		p = *end ? end + 1 : end;
		if (*end == ',' && !*p)
			return -EINVAL;
	}
	return (int)n;
}
