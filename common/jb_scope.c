/* SPDX-License-Identifier: MIT */
/*
 * Scope names, the scope of RAPL domains and hwmon chips by name, the text of a sum of
 * scopes, and the scope a schema 1 row had without saying (jb_scope.h).
 */
#include "jb_scope.h"

#include <stdio.h>
#include <string.h>

static const char *const scope_names[JB_SCOPES] = {
	[JB_SCOPE_NONE] = "",
	[JB_SCOPE_CPU_PACKAGE] = "cpu-package",
	[JB_SCOPE_DRAM] = "dram",
	[JB_SCOPE_PSYS] = "psys",
	[JB_SCOPE_BOARD_DC] = "board-dc",
	[JB_SCOPE_WALL_AC] = "wall-ac",
	[JB_SCOPE_MODELED] = "modeled",
};

const char *
jb_scope_name(enum jb_scope s)
{
	return (unsigned)s < JB_SCOPES ? scope_names[s] : "";
}

/* "package" or "package-N" (a --domain prefix or a domain's name). */
static int
name_is(const char *name, const char *kind)
{
	size_t n = strlen(kind);

	return !strncmp(name, kind, n) && (name[n] == '\0' || name[n] == '-');
}

enum jb_scope
jb_scope_of_rapl_domain(const char *domain)
{
	if (!strncmp(domain, "mmio-", 5))
		return jb_scope_of_rapl_domain(domain + 5);
	/* Core (PP0) and uncore (PP1) are planes inside the package (Intel SDM vol. 3B,
	 * 14.10.1): the package counter holds them, so they share its scope, and a core-only
	 * number is still a part of the CPU package, never of the board or the wall. */
	if (name_is(domain, "package") || name_is(domain, "core") || name_is(domain, "uncore") ||
	    name_is(domain, "zone"))
		return JB_SCOPE_CPU_PACKAGE;
	if (name_is(domain, "dram"))
		return JB_SCOPE_DRAM;
	if (name_is(domain, "psys"))
		return JB_SCOPE_PSYS;
	return JB_SCOPE_NONE;
}

enum jb_scope
jb_scope_of_hwmon_chip(const char *chip)
{
	/* amd_energy and zenpower expose the CPU's own RAPL-like counters per core and
	 * socket (Documentation/hwmon/amd_energy.rst). ACPI's power meter (power_meter,
	 * Documentation/hwmon/acpi_power_meter.rst) reports the platform's input power as the
	 * firmware measures it at the power supply. Every other power or energy sensor hwmon
	 * exposes is, in practice, a current monitor on a supply rail: ina2xx, ina3221,
	 * ina238, lm25066 and their kin sit on a board's DC input (the INA219 on a Pi's 5 V
	 * is the setup joulebench was built for), so a board's DC supply is their scope. */
	if (!strcmp(chip, "amd_energy") || !strcmp(chip, "zenpower"))
		return JB_SCOPE_CPU_PACKAGE;
	if (!strcmp(chip, "power_meter"))
		return JB_SCOPE_WALL_AC;
	return JB_SCOPE_BOARD_DC;
}

const char *
jb_scope_join(unsigned mask, char *buf, size_t len)
{
	size_t used = 0;
	int s;

	if (len)
		buf[0] = '\0';
	for (s = JB_SCOPE_NONE + 1; s < JB_SCOPES; s++)
		if (mask & (1u << s)) {
			int k = snprintf(buf + used, len > used ? len - used : 0, "%s%s",
					 used ? "+" : "", scope_names[s]);

			used += k > 0 ? (size_t)k : 0;
			if (used >= len)
				break;
		}
	return buf;
}

/* The scope of one domain name or --domain prefix of a schema 1 row's meter. */
static enum jb_scope
derive_one(const char *meter, const char *domain)
{
	char chip[64];

	if (!strcmp(meter, "model"))
		return JB_SCOPE_MODELED;
	if (!strcmp(meter, "rapl-perf") || !strcmp(meter, "rapl-powercap") ||
	    !strcmp(meter, "papi"))
		return jb_scope_of_rapl_domain(domain);
	if (!strcmp(meter, "ina219"))
		return JB_SCOPE_BOARD_DC;
	if (!strcmp(meter, "ipmi") || !strcmp(meter, "redfish"))
		return JB_SCOPE_WALL_AC;
	if (!strcmp(meter, "tinkerforge"))
		return !strcmp(domain, "wall") ? JB_SCOPE_WALL_AC : JB_SCOPE_BOARD_DC;
	if (!strcmp(meter, "hwmon")) {
		/* <chip>-<hwmon index>:<attribute>, or a prefix of it: the chip is before the
		 * last '-' ahead of the ':' (chip names may hold '-' themselves). */
		const char *colon = strchr(domain, ':');
		size_t n = colon ? (size_t)(colon - domain) : strlen(domain);
		char *dash;

		snprintf(chip, sizeof(chip), "%.*s", (int)(n < sizeof(chip) ? n : sizeof(chip) - 1),
			 domain);
		dash = strrchr(chip, '-');
		if (dash && dash[1] >= '0' && dash[1] <= '9')
			*dash = '\0';
		return jb_scope_of_hwmon_chip(chip);
	}
	return JB_SCOPE_NONE;
}

const char *
jb_scope_derive(const char *meter, const char *domain, char *buf, size_t len)
{
	char one[128];
	unsigned mask = 0;
	const char *p = domain;

	while (*p) {
		size_t n = strcspn(p, ",");
		enum jb_scope s;

		snprintf(one, sizeof(one), "%.*s", (int)(n < sizeof(one) ? n : sizeof(one) - 1), p);
		s = derive_one(meter, one);
		if (s == JB_SCOPE_NONE) {
			mask = 0;
			break;
		}
		mask |= 1u << s;
		p += n;
		if (*p == ',')
			p++;
	}
	if (!*domain && !strcmp(meter, "model"))
		mask = 1u << JB_SCOPE_MODELED;
	return jb_scope_join(mask, buf, len);
}
