/* SPDX-License-Identifier: MIT */
/*
 * The driver registry and what the drivers share: the core-list parser for every driver
 * that places instances on cores, finding a runtime or VMM binary on $PATH, and the last
 * line of a runtime's or VMM's log for a row's message.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
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

/* Find @name on $PATH (or take it as a path); @out is written only on success. */
int
driver_exe_find(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (strchr(name, '/')) {
		snprintf(out, len, "%s", name);
		return access(out, X_OK) == 0 ? 0 : -ENOENT;
	}
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, name);
		if (n && access(buf, X_OK) == 0) {
			snprintf(out, len, "%s", buf);
			return 0;
		}
		path += n + (path[n] == ':');
	}
	return -ENOENT;
}

void
driver_log_tail(const char *path, char *out, size_t len)
{
	char buf[4096], *end, *start;

	out[0] = '\0';
	if (cgroup_file_read(path, buf, sizeof(buf)))
		return;
	end = buf + strlen(buf);
	while (end > buf && (end[-1] == '\n' || end[-1] == ' '))
		*--end = '\0';
	start = strrchr(buf, '\n');
	start = start ? start + 1 : buf;
	snprintf(out, len, "%.*s", (int)len - 1, start);
}
