/* SPDX-License-Identifier: MIT */
/*
 * The scope of an energy number (DESIGN §1, §5): which part of a machine a meter's domain
 * sees. A CPU package counter, a board's DC supply and a machine's wall plug are different
 * quantities (RAPL reads 30-60% below the wall: docs/meters.md), so every domain declares
 * one, rows carry it (results schema 2), and numbers of different scopes are never set
 * against each other silently. Here once, for the meters that declare it and for the
 * results readers that derive it for schema 1 rows from their meter and domain.
 */
#ifndef JB_SCOPE_H
#define JB_SCOPE_H

#include <stddef.h>

enum jb_scope {
	JB_SCOPE_NONE = 0,    /* undeclared: meter_open() refuses a domain without a scope */
	JB_SCOPE_CPU_PACKAGE, /* a CPU package's counter, its core and uncore planes included */
	JB_SCOPE_DRAM,        /* the DIMMs a package's memory controller drives */
	JB_SCOPE_PSYS,        /* RAPL's platform domain: the SoC and what the platform adds */
	JB_SCOPE_BOARD_DC,    /* a board's DC supply, after its power adapter */
	JB_SCOPE_WALL_AC,     /* the whole machine at its plug, power supply losses included */
	JB_SCOPE_MODELED,     /* an estimate, not a measurement */
	JB_SCOPES
};

/* Long enough for every scope joined by '+' (a selection that sums scopes). */
#define JB_SCOPE_TEXT_MAX 64

/** jb_scope_name() - "cpu-package", "dram", ...; "" for JB_SCOPE_NONE or out of range. */
const char *jb_scope_name(enum jb_scope s);

/**
 * jb_scope_of_rapl_domain() - the scope of a RAPL domain as the rapl and papi meters name
 * it: package-N, core-N, uncore-N (planes inside the package: cpu-package), dram-N,
 * psys, mmio-<name> (that of <name>), zone-N (PAPI's powercap zones: packages).
 * JB_SCOPE_NONE for any other name.
 */
enum jb_scope jb_scope_of_rapl_domain(const char *domain);

/**
 * jb_scope_of_hwmon_chip() - the scope of a hwmon device by its chip name: CPU energy
 * drivers (amd_energy, zenpower) cpu-package, ACPI's power_meter (the platform's input
 * power) wall-ac, everything else board-dc (jb_scope.c says why).
 */
enum jb_scope jb_scope_of_hwmon_chip(const char *chip);

/**
 * jb_scope_join() - the scopes set in @mask (bit 1 << enum jb_scope) as one text, in enum
 * order joined by '+' ("cpu-package+dram"); "" for an empty mask. Returns @buf.
 */
const char *jb_scope_join(unsigned mask, char *buf, size_t len);

/**
 * jb_scope_derive() - the scope of a schema 1 row, which carried none, from its @meter and
 * @domain (the comma list the row's domain column holds), as jb_scope_join() writes it;
 * "" when the meter is unknown. Returns @buf.
 */
const char *jb_scope_derive(const char *meter, const char *domain, char *buf, size_t len);

#endif
