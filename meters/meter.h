/* SPDX-License-Identifier: MIT */
/*
 * The meter interface (DESIGN §1, §3). A backend only reads raw counters; everything else
 * lives once in meter.c: the registry, the wrap-safe counter delta, the power-to-energy
 * integrator, and struct meter, which turns a backend's raw counters into monotonic joules
 * per domain. Every backend, even one that samples power (INA219), exposes energy counters;
 * sampling backends integrate with meter_integrator_add() in their own sampling thread.
 */
#ifndef JB_METER_H
#define JB_METER_H

#include <stddef.h>
#include <stdint.h>

#include "jb_ctx.h"
#include "jb_err.h"
#include "jb_scope.h"

#define METER_DOMAINS_MAX 16
#define METER_NAME_MAX 32

enum meter_kind {
	METER_KIND_MEASURED, /* a physical sensor or the CPU's own energy counters */
	METER_KIND_MODELED,  /* an estimate; every row it produces says "modeled" */
};

/* One energy domain of a meter, named as the kernel names it (package-0, dram-0, psys). */
struct meter_domain {
	char name[METER_NAME_MAX];
	/* The enclosing domain ("" for a top-level one). A parent and its child overlap, so
	 * they are never summed (psys contains package; package contains core). */
	char parent[METER_NAME_MAX];
	/* The raw counter wraps to 0 after this many µJ; 0 = a 64-bit counter that does not
	 * wrap in practice. Source for RAPL: powercap's max_energy_range_uj. */
	uint64_t max_energy_range_uj;
	/* Not summed by default even though top-level: independent sensors that may overlap
	 * (two hwmon chips, one of them on the board's supply) are summed only when asked. */
	int default_off;
	/* The counter integrates a sampled power (meter_integrator_add()): the backend then
	 * reports the integrator's `changes` in meter_reading.power_changes, so that a sensor
	 * stuck at one value, whose integral still advances, is seen (meter_liveness.c). */
	int power_sampled;
	/* What the domain sees (jb_scope.h): every backend declares it, meter_open() refuses
	 * a domain without one, and the rows carry it (results schema 2). */
	enum jb_scope scope;
};

/* What an open meter can do, filled by the backend's open(). It stays at the same address
 * until close(), so a sampling backend may refresh @detail from its read() (the caller's
 * thread) with live statistics: its sample rate and its own CPU cost. */
struct meter_info {
	size_t n_domains;
	struct meter_domain domain[METER_DOMAINS_MAX];
	double resolution_j;         /* the smallest energy step a counter makes */
	uint64_t update_interval_ns; /* how often the source refreshes its value */
	uint64_t min_window_ns;      /* default shortest trustworthy window */
	char detail[256];            /* provenance for the run metadata (paths, profile) */
	/* 1: the domains measure the machine joulebench runs on (its CPU packages, its own
	 * board's supply), so a CPU load must show in them; the liveness probe and the run
	 * judge that. 0: a meter on another machine, or one not known to be. */
	int measures_host;
};

/* One raw read: every domain's counter in µJ and the CLOCK_MONOTONIC time of the read. */
struct meter_reading {
	uint64_t t_ns;
	uint64_t energy_uj[METER_DOMAINS_MAX];
	/* For a power_sampled domain: how many samples so far differed from the one before
	 * (meter_integrator.changes); 0 for a counter. */
	uint64_t power_changes[METER_DOMAINS_MAX];
};

struct meter_ops {
	const char *name;
	const char *summary;
	enum meter_kind kind;
	/* Can this backend work here? 0, or -errno with the reason and the fix in @why. */
	int (*probe)(const struct jb_ctx *ctx, char *why, size_t why_len);
	/* Open the source; fill @info; *priv is the backend's state for the calls below. */
	int (*open)(const struct jb_ctx *ctx, void **priv, struct meter_info *info,
		    struct jb_err *err);
	/* Read every domain's raw counter. 0 or -errno. Must not allocate. */
	int (*read)(void *priv, struct meter_reading *out);
	void (*close)(void *priv);
};

/* ---- registry (meter.c) ---- */

/** meter_find() - the backend called @name, or NULL. */
const struct meter_ops *meter_find(const char *name);

/** meter_count() / meter_at() - iterate the registry in preference order (real meters first,
 * `model` last), which is also the order in which the best usable meter is chosen. */
size_t meter_count(void);
const struct meter_ops *meter_at(size_t i);

/* ---- wrap-safe counter delta (meter.c) ---- */

/* A power no single domain reaches: 5 kW is ten times the highest server-CPU TDP we know
 * of (500 W class, e.g. AMD EPYC 9965). A jump implying more is a reset, not energy. */
#define METER_PLAUSIBLE_POWER_W 5000.0

struct meter_counter {
	uint64_t last_uj;   /* the last good sample */
	uint64_t last_t_ns;
	int primed; /* 0 until the first sample; 0 is a valid counter value, never "unset" */
	/* An implausible sample is held as a suspect, not taken as the new base: a glitch
	 * that returns to the old track is then measured from the last good sample, and
	 * only a second sample that agrees with the suspect (a real reset) moves the base. */
	int suspect;
	uint64_t suspect_uj;
	uint64_t suspect_t_ns;
};

enum meter_delta_result {
	METER_DELTA_OK = 0,
	METER_DELTA_FIRST = 1,    /* first sample: nothing to subtract yet, delta 0 */
	METER_DELTA_WRAPPED = 2,  /* the counter wrapped once at max_energy_range_uj */
	/* Back on the old track after rejected samples: the delta is measured from the last
	 * good sample, so it holds the energy of the whole gap; callers flag it, since the
	 * energy cannot be placed in time within the gap. */
	METER_DELTA_RECOVERED = 3,
	/* Counted, but the two samples lie so far apart that half the counter's range could
	 * pass between them at METER_PLAUSIBLE_POWER_W: whole wraps may be missing from the
	 * delta, which nothing in two raw values can show. Callers flag it. */
	METER_DELTA_GAP = 4,
};

/**
 * meter_counter_update() - the energy between the previous sample and @raw_uj.
 * @max_range_uj: the counter's range (0 = no wrap).
 * @delta_uj: out, the energy in µJ (0 for a first or rejected sample).
 * Return: a non-negative enum meter_delta_result, or -ERANGE when the counter went
 * backwards without a plausible wrap, or jumped forward faster than
 * METER_PLAUSIBLE_POWER_W allows, from the last good sample. A rejected sample counts no
 * energy. If the counter comes back to its old track (a glitch, a garbage read), the next
 * delta is taken from the last good sample (METER_DELTA_RECOVERED), so no energy is lost
 * or invented; if a later sample instead continues upwards from the rejected one (a reset
 * to a counter that counts on), counting goes on from there and the energy between the
 * two is lost and flagged. A counter stuck at a bad value is never taken as a new base.
 * A ranged counter read after more than meter_range_safe_ns() of its range is counted
 * but reported as METER_DELTA_GAP. Never a negative or huge energy.
 */
int meter_counter_update(struct meter_counter *c, uint64_t raw_uj, uint64_t t_ns,
			 uint64_t max_range_uj, uint64_t *delta_uj);

/**
 * meter_range_safe_ns() - the longest time between two reads of a counter wrapping at
 * @max_range_uj in which less than half its range can pass at @max_power_w, so that a
 * wrap is never missed nor mistaken; UINT64_MAX for a counter without a range (0).
 */
uint64_t meter_range_safe_ns(uint64_t max_range_uj, double max_power_w);

/* ---- power-to-energy integrator (meter.c) ---- */

struct meter_integrator {
	uint64_t last_t_ns;
	double last_power_w;
	int primed;
	double energy_j; /* accumulated energy since the first sample */
	/* Samples whose power differed from the one before: none over a probe in which a
	 * CPU load started is a sensor stuck at one value, whose integral still advances. */
	uint64_t changes;
};

/**
 * meter_integrator_add() - add a power sample taken at @t_ns (trapezoid rule).
 * Return: 0; -EINVAL for a negative or non-finite power, or a timestamp not after the
 * previous one (the sample is ignored, the integral unchanged).
 */
int meter_integrator_add(struct meter_integrator *in, uint64_t t_ns, double power_w);

/* ---- an open meter: raw counters to monotonic joules (meter.c) ---- */

struct meter {
	const struct meter_ops *ops;
	void *priv;
	struct meter_info info;
	struct meter_counter counter[METER_DOMAINS_MAX];
	double total_j[METER_DOMAINS_MAX]; /* energy since open, per domain */
	int selected[METER_DOMAINS_MAX];   /* domains summed by meter_sample() */
	char selection[128];               /* what the CSV's domain column says */
	char scope[JB_SCOPE_TEXT_MAX];     /* the selected domains' scopes (jb_scope_join()) */
	unsigned rejected;                 /* samples rejected or recovered from (flagged) */
	unsigned gaps;                     /* reads further apart than meter_range_safe_ns() */
	uint64_t power_changes[METER_DOMAINS_MAX]; /* of the last good read */
	uint64_t poll_ns;                  /* meter_poll_interval_ns(), set by meter_open() */
};

/* A sample of an open meter: monotonic joules summed over the selected domains. */
struct meter_sample {
	uint64_t t_ns;
	double energy_j;
	unsigned rejected; /* meter->rejected at this sample: a change means a flagged jump */
	unsigned gaps;     /* meter->gaps at this sample: a change means wraps may be missed */
};

/**
 * meter_open() - open backend @ops into @m and select its default domains: every
 * top-level domain named package-N when there is one, else every top-level domain.
 * Return: 0 or -errno (message in @err).
 */
int meter_open(struct meter *m, const struct meter_ops *ops, const struct jb_ctx *ctx,
	       struct jb_err *err);

/**
 * meter_select() - choose the summed domains by a comma list of names or prefixes
 * ("package", "dram", "psys", "package-0"). Rejects a list that would sum a parent
 * with its child. Return: 0, -ENOENT (no such domain), -EINVAL (overlap).
 */
int meter_select(struct meter *m, const char *spec, struct jb_err *err);

/**
 * meter_sample() - read the backend and advance every domain's total.
 * Return: 0 or the backend's -errno. On failure the totals are unchanged, and @out is
 * still filled: t_ns is stamped with CLOCK_MONOTONIC at the failed read and energy_j is
 * NaN, so a caller never goes on with an uninitialised time or a made-up energy.
 */
int meter_sample(struct meter *m, struct meter_sample *out);

/* ---- plausibility (meter_plausible.c) ---- */

/**
 * meter_domain_power_range_w() - the plausible power of one domain, by its kind (the
 * name's prefix: package, psys, dram, core, uncore, board; any other: 0 to
 * METER_PLAUSIBLE_POWER_W). Sources are in meter_plausible.c.
 */
void meter_domain_power_range_w(const char *domain, double *min_w, double *max_w);

/** meter_power_range_w() - the summed plausible range of @m's selected domains. */
void meter_power_range_w(const struct meter *m, double *min_w, double *max_w);

/**
 * meter_domain_may_gate() - 1 when domain @i of @m is a sub-domain whose kind may draw
 * 0 W (a core or uncore plane inside its package: power-gated, not dead, when it stands
 * still), else 0. meter_selection_may_gate(): 1 when every selected domain is one.
 */
int meter_domain_may_gate(const struct meter *m, size_t i);
int meter_selection_may_gate(const struct meter *m);

/**
 * meter_window_check() - may a window of @window_ns in which @m counted @energy_j (the
 * difference of two meter_sample() energies) be trusted? For a measured meter the energy
 * must be > 0 (or exactly 0 when meter_selection_may_gate()) and its mean power inside
 * meter_power_range_w(); for a modeled one only
 * finite and >= 0.
 * Return: 0; -EIO for a NaN energy (a failed read); -ERANGE otherwise. The reason, one
 * line, goes to @why.
 */
int meter_window_check(const struct meter *m, double energy_j, uint64_t window_ns, char *why,
		       size_t why_len);

/**
 * meter_poll_interval_ns() - how often an open window must read @m so that no domain's
 * counter can pass half its range between two reads at the domain's maximum plausible
 * power (meter_domain_power_range_w()), with a factor 2 to spare for a late read: every
 * domain counts, summed or not, since meter_sample() reads them all. 0 when no domain
 * declares a range (nothing to poll).
 */
uint64_t meter_poll_interval_ns(const struct meter *m);

/** meter_close() - close the backend; @m may be unopened (ops NULL). */
void meter_close(struct meter *m);

#endif
