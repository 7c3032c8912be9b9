/* SPDX-License-Identifier: MIT */
/*
 * The `rapl-powercap` meter: RAPL energy counters through libpowercap, which reads the
 * kernel's /sys/class/powercap/intel-rapl:N tree (Intel, and AMD since Linux 5.8/5.11).
 * Zones are identified by their `name` file, never by index: intel-rapl:1 is package-1 on a
 * dual-socket server but psys on a laptop, and instance order is not package order
 * (research/meters.md §0.3). libpowercap keeps each energy_uj open and re-reads it in place.
 * Counters wrap at max_energy_range_uj; meter.c handles that.
 *
 * The intel-rapl-mmio control type (the same package counter through MMIO on client parts
 * since Tiger Lake) is outside powercap_rapl_*; it is read with libpowercap's generic
 * powercap.h / powercap-sysfs.h API, named mmio-<zone name>, and marked a child of the MSR
 * zone of the same name: both count the same energy, so they are never summed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <powercap/powercap-rapl.h>
#include <powercap/powercap-sysfs.h>
#include <powercap/powercap.h>

#include "jb_clock.h"
#include "meter-private.h"

#define RAPL_PKGS_MAX 8
#define RAPL_MMIO_MAX 4
#define RAPL_MMIO "intel-rapl-mmio"

struct rapl_domain_ref {
	size_t pkg;             /* index into rapl_state.pkg, or into mmio when is_mmio */
	powercap_rapl_zone zone;
	int is_mmio;
};

struct rapl_state {
	uint32_t n_pkgs;
	powercap_rapl_pkg pkg[RAPL_PKGS_MAX];
	uint32_t n_mmio;
	powercap_zone mmio[RAPL_MMIO_MAX];
	size_t n_domains;
	struct rapl_domain_ref ref[METER_DOMAINS_MAX];
};

/* The fix for EACCES, said the same way by probe and open. */
#define RAPL_EACCES_FIX                                                                       \
	"energy_uj is readable by root only since CVE-2020-8694 (Platypus, Linux 5.10): run "   \
	"as root, or let a dedicated group read it with a udev rule (SUBSYSTEM==\"powercap\", " \
	"RUN+=\"/bin/chgrp -R energy /sys%p\", RUN+=\"/bin/chmod -R g+r /sys%p\"); do not make " \
	"it world-readable (0444), which re-opens the power side channel"

/* How many intel-rapl-mmio:N zones exist (they are numbered from 0 without gaps). */
static uint32_t
rapl_mmio_count(void)
{
	uint32_t n = 0;

	while (n < RAPL_MMIO_MAX && powercap_sysfs_zone_exists(RAPL_MMIO, &n, 1) == 0)
		n++;
	return n;
}

static int
rapl_probe(const struct jb_ctx *ctx, char *why, size_t why_len)
{
	powercap_rapl_pkg pkg;
	uint32_t n;

	(void)ctx;
	errno = 0;
	n = powercap_rapl_get_num_instances();
	if (n == 0 && rapl_mmio_count() > 0) {
		powercap_zone z;
		uint32_t zero = 0;

		errno = 0;
		if (powercap_zone_file_open(&z, POWERCAP_ZONE_FILE_ENERGY_UJ, RAPL_MMIO, &zero, 1,
					    O_RDONLY) < 0) {
			int rc = errno ? -errno : -EIO;

			snprintf(why, why_len, "%s", rc == -EACCES ? RAPL_EACCES_FIX : jb_strerror(rc));
			return rc;
		}
		close(z.energy_uj);
		snprintf(why, why_len, "intel-rapl-mmio zone(s) readable (no intel-rapl zone)");
		return 0;
	}
	if (n == 0) {
		snprintf(why, why_len,
			 "no /sys/class/powercap/intel-rapl:N zones: the CPU has no RAPL, the "
			 "intel_rapl_msr module is not loaded (modprobe intel_rapl_msr), or this is a "
			 "VM that hides it");
		return -ENODEV;
	}
	if (powercap_rapl_init(0, &pkg, 1) != 0) {
		int rc = errno ? -errno : -EIO;

		if (rc == -EACCES)
			snprintf(why, why_len, "%s", RAPL_EACCES_FIX);
		else
			snprintf(why, why_len, "intel-rapl:0: %s", jb_strerror(rc));
		return rc;
	}
	powercap_rapl_destroy(&pkg);
	snprintf(why, why_len, "%u RAPL zone(s)%s readable under /sys/class/powercap", n,
		 rapl_mmio_count() ? " and intel-rapl-mmio" : "");
	return 0;
}

static const struct {
	powercap_rapl_zone zone;
	const char *prefix;  /* domain name prefix for subzones, numbered by package */
	int child_of_pkg;    /* contained in the package's own energy */
} rapl_zones[] = {
	{ POWERCAP_RAPL_ZONE_PACKAGE, NULL, 0 },
	/* core and uncore (PP0, PP1) are parts of the package; dram is not (SDM vol. 3B 14.10). */
	{ POWERCAP_RAPL_ZONE_CORE, "core", 1 },
	{ POWERCAP_RAPL_ZONE_UNCORE, "uncore", 1 },
	{ POWERCAP_RAPL_ZONE_DRAM, "dram", 0 },
	{ POWERCAP_RAPL_ZONE_PSYS, NULL, 0 },
};

static int
rapl_add_domains(struct rapl_state *s, size_t p, struct meter_info *info, struct jb_err *err)
{
	char pkg_name[METER_NAME_MAX] = "";
	size_t z;

	for (z = 0; z < sizeof(rapl_zones) / sizeof(rapl_zones[0]); z++) {
		struct meter_domain *d = &info->domain[info->n_domains];
		char name[METER_NAME_MAX];
		const char *num;

		if (powercap_rapl_is_zone_supported(&s->pkg[p], rapl_zones[z].zone) != 1)
			continue;
		if (info->n_domains == METER_DOMAINS_MAX)
			return jb_err_set(err, -E2BIG, "rapl: more than %d domains", METER_DOMAINS_MAX);
		if (powercap_rapl_get_name(&s->pkg[p], rapl_zones[z].zone, name, sizeof(name)) <= 0)
			return jb_err_set(err, -EIO, "rapl: intel-rapl zone %zu has no name", p);
		name[strcspn(name, "\n")] = '\0';
		memset(d, 0, sizeof(*d));
		if (rapl_zones[z].zone == POWERCAP_RAPL_ZONE_PACKAGE) {
			snprintf(pkg_name, sizeof(pkg_name), "%s", name);
			snprintf(d->name, sizeof(d->name), "%s", name);
		} else if (rapl_zones[z].prefix) {
			/* "core" under "package-1" becomes "core-1". */
			num = strrchr(pkg_name, '-');
			snprintf(d->name, sizeof(d->name), "%s-%s", rapl_zones[z].prefix,
				 num ? num + 1 : "0");
			if (rapl_zones[z].child_of_pkg)
				snprintf(d->parent, sizeof(d->parent), "%s", pkg_name);
		} else {
			snprintf(d->name, sizeof(d->name), "%s", name);
		}
		if (powercap_rapl_get_max_energy_range_uj(&s->pkg[p], rapl_zones[z].zone,
							   &d->max_energy_range_uj) != 0)
			return jb_err_set(err, errno ? -errno : -EIO,
					  "rapl: %s: cannot read max_energy_range_uj", d->name);
		d->scope = jb_scope_of_rapl_domain(d->name);
		s->ref[info->n_domains].pkg = p;
		s->ref[info->n_domains].zone = rapl_zones[z].zone;
		info->n_domains++;
	}
	return 0;
}

/* psys covers the whole SoC, packages included: mark them its children so that meter.c
 * refuses to sum psys with a package. */
static void
rapl_mark_psys(struct meter_info *info)
{
	size_t i, j;

	for (i = 0; i < info->n_domains; i++) {
		if (strcmp(info->domain[i].name, "psys") != 0)
			continue;
		for (j = 0; j < info->n_domains; j++)
			if (strncmp(info->domain[j].name, "package-", 8) == 0)
				snprintf(info->domain[j].parent, METER_NAME_MAX, "psys");
	}
}

/* intel-rapl-mmio:N as mmio-<name>, a child of the MSR zone of that name when present. */
static int
rapl_add_mmio(struct rapl_state *s, struct meter_info *info, struct jb_err *err)
{
	uint32_t z, n = rapl_mmio_count();

	for (z = 0; z < n; z++) {
		struct meter_domain *d = &info->domain[info->n_domains];
		char name[METER_NAME_MAX];
		size_t j;

		if (info->n_domains == METER_DOMAINS_MAX)
			return jb_err_set(err, -E2BIG, "rapl: more than %d domains", METER_DOMAINS_MAX);
		if (powercap_sysfs_zone_get_name(RAPL_MMIO, &z, 1, name, sizeof(name)) <= 0)
			return jb_err_set(err, -EIO, "rapl: intel-rapl-mmio:%u has no name", z);
		name[strcspn(name, "\n")] = '\0';
		memset(d, 0, sizeof(*d));
		snprintf(d->name, sizeof(d->name), "mmio-%.26s", name);
		d->scope = jb_scope_of_rapl_domain(d->name);
		for (j = 0; j < info->n_domains; j++)
			if (strcmp(info->domain[j].name, name) == 0)
				snprintf(d->parent, sizeof(d->parent), "%s", name);
		errno = 0;
		if (powercap_sysfs_zone_get_max_energy_range_uj(RAPL_MMIO, &z, 1,
								 &d->max_energy_range_uj) != 0)
			return jb_err_set(err, errno ? -errno : -EIO,
					  "rapl: %s: cannot read max_energy_range_uj", d->name);
		/* Keep energy_uj open, as powercap_rapl_init() does for the MSR zones. */
		errno = 0;
		if (powercap_zone_file_open(&s->mmio[z], POWERCAP_ZONE_FILE_ENERGY_UJ, RAPL_MMIO, &z,
					    1, O_RDONLY) < 0) {
			int rc = errno ? -errno : -EIO;

			if (rc == -EACCES)
				return jb_err_set(err, rc, "rapl: %s", RAPL_EACCES_FIX);
			return jb_err_set(err, rc, "rapl: intel-rapl-mmio:%u: %s", z, jb_strerror(rc));
		}
		s->n_mmio = z + 1;
		s->ref[info->n_domains].pkg = z;
		s->ref[info->n_domains].is_mmio = 1;
		info->n_domains++;
	}
	return 0;
}

static void
rapl_close(void *priv)
{
	struct rapl_state *s = priv;
	uint32_t i;

	if (!s)
		return;
	for (i = 0; i < s->n_pkgs; i++)
		powercap_rapl_destroy(&s->pkg[i]);
	for (i = 0; i < s->n_mmio; i++)
		close(s->mmio[i].energy_uj);
	free(s);
}

static int
rapl_open(const struct jb_ctx *ctx, void **priv, struct meter_info *info, struct jb_err *err)
{
	struct rapl_state *s = calloc(1, sizeof(*s));
	uint32_t n, i;
	int rc = 0;

	(void)ctx;
	if (!s)
		return jb_err_set(err, -ENOMEM, "rapl: out of memory");
	n = powercap_rapl_get_num_instances();
	if (n == 0 && rapl_mmio_count() == 0) {
		rc = jb_err_set(err, -ENODEV, "rapl: no intel-rapl zones under /sys/class/powercap");
		goto fail;
	}
	if (n > RAPL_PKGS_MAX)
		n = RAPL_PKGS_MAX;
	for (i = 0; i < n; i++) {
		errno = 0;
		if (powercap_rapl_init(i, &s->pkg[i], 1) != 0) {
			rc = errno ? -errno : -EIO;
			if (rc == -EACCES)
				jb_err_set(err, rc, "rapl: %s", RAPL_EACCES_FIX);
			else
				jb_err_set(err, rc, "rapl: intel-rapl:%u: %s", i, jb_strerror(rc));
			goto fail;
		}
		s->n_pkgs = i + 1;
		rc = rapl_add_domains(s, i, info, err);
		if (rc)
			goto fail;
	}
	rapl_mark_psys(info);
	rc = rapl_add_mmio(s, info, err);
	if (rc)
		goto fail;
	/* The kernel reports µJ; the hardware's energy status unit is 2^-14 J (61 µJ) on most
	 * recent Intel parts and 2^-16 J (15.3 µJ) on AMD and older ones (research/meters.md
	 * §5). 61 µJ is the coarser, so the honest declared resolution. Updates every ~1 ms
	 * (Intel SDM, quoted in research/meters.md §5). */
	info->resolution_j = 61e-6;
	/* Its domains are this machine's own (meter.h): the probe's load must show. */
	info->measures_host = 1;
	info->update_interval_ns = 1000000;
	/* 100 updates: endpoint jitter of ~1 ms each stays near 1-2% (meters.md §5). */
	info->min_window_ns = 100000000;
	snprintf(info->detail, sizeof(info->detail),
		 "libpowercap over /sys/class/powercap: %u intel-rapl zone(s), %u intel-rapl-mmio",
		 s->n_pkgs, s->n_mmio);
	s->n_domains = info->n_domains;
	*priv = s;
	return 0;
fail:
	rapl_close(s);
	return rc;
}

static int
rapl_read(void *priv, struct meter_reading *out)
{
	struct rapl_state *s = priv;
	size_t i;

	for (i = 0; i < s->n_domains; i++) {
		errno = 0;
		if (s->ref[i].is_mmio) {
			if (powercap_zone_get_energy_uj(&s->mmio[s->ref[i].pkg], &out->energy_uj[i]))
				return errno ? -errno : -EIO;
			continue;
		}
		if (powercap_rapl_get_energy_uj(&s->pkg[s->ref[i].pkg], s->ref[i].zone,
						&out->energy_uj[i]) != 0)
			return errno ? -errno : -EIO;
	}
	out->t_ns = jb_clock_mono_ns();
	return 0;
}

const struct meter_ops meter_rapl_powercap = {
	.name = "rapl-powercap",
	.summary = "RAPL energy counters via libpowercap (/sys/class/powercap)",
	.kind = METER_KIND_MEASURED,
	.probe = rapl_probe,
	.open = rapl_open,
	.read = rapl_read,
	.close = rapl_close,
};
