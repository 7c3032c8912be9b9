/* SPDX-License-Identifier: MIT */
/*
 * Per-configuration summaries of result rows. A group is keyed on every factor that
 * changes what was measured (DESIGN section 7): workload, size, driver, isolation as run,
 * runtime, meter and its kind, domain, concurrency, rate, memory, host, arch and
 * accelerator, and the scope of the energy (cpu-package, wall-ac, ...). Only runs equal in all of
 * them pool. The rows and the run's sidecar give the factors: runtime, memory and rate come
 * from the sidecar's driver block where there is one.
 *
 * Within a group the sampling unit is the window (windows.h): medians, quartiles and the
 * intervals of energy are over `ok` warm windows' energy per invocation, run by run
 * (stats.h); the windows left out are counted by why. Per-row wall times are
 * kept as a descriptive distribution only.
 */
#ifndef JB_ANALYSIS_SUMMARY_H
#define JB_ANALYSIS_SUMMARY_H

#include <stddef.h>

#include "jb_err.h"
#include "results.h"
#include "stats.h"
#include "windows.h"

/* Every factor that changes the measurement; two groups pool only when all are equal. */
struct summary_key {
	char workload[64], size[16], driver[32], isolation[48], runtime[32], meter[32];
	char meter_kind[16], domain[64], scope[64], host[64], arch[16], accelerator[24];
	uint64_t concurrency, memory_mb;
	double rate_per_s;
};

/* What a run's sidecar adds to its rows (summary_meta_add()). */
struct summary_meta {
	char run_id[128], host[64]; /* host "" applies to every host of the run */
	char runtime[32], accelerator[24];
	uint64_t memory_mb;
	double rate_per_s;
	double idle_before_w, idle_after_w; /* NAN when unknown */
};

struct summary_group {
	struct summary_key key;
	char work_unit[16];
	struct windows_set win;    /* the sampling units */
	double *wall_s;            /* descriptive: wall time of each warm row of an ok window */
	size_t n_wall, cap_wall;
	size_t n_failed, n_untrustworthy; /* warm rows, by status */
};

struct summary_stats {
	size_t n;                   /* warm invocations in the ok windows */
	size_t n_windows, n_runs;   /* ok warm windows, and the runs they came from */
	size_t excluded[WINDOWS_FATES]; /* windows left out, by why */
	size_t windows_excluded;    /* their sum */
	size_t n_attributed;        /* ok windows whose energy is a co-located share */
	/* Of the ok windows' energy per invocation. */
	double energy_median_j, energy_q1_j, energy_q3_j;
	double dynamic_median_j, dynamic_q1_j, dynamic_q3_j;
	double wall_median_s, wall_q1_s, wall_q3_s; /* descriptive: per row */
	double mean_power_w;        /* summed window energy over summed window time */
	double energy_per_unit_j;   /* median energy / mean work units per invocation */
};

struct summary {
	struct summary_group *group;
	size_t n, cap;
	struct summary_meta *meta;
	size_t n_meta, cap_meta;
};

/** summary_add() - fold one row into its group and window. 0 or -ENOMEM. */
int summary_add(struct summary *s, const struct results_row *row);

/**
 * summary_meta_add() - what run @m->run_id's sidecar says (runtime, memory, rate, idle
 * baseline); rows of that run added after this carry it into their group's key.
 * Return: 0 or -ENOMEM.
 */
int summary_meta_add(struct summary *s, const struct summary_meta *m);

/**
 * summary_meta_read() - summary_meta_add() for every run the sidecar of CSV @csv_path
 * describes (a fleet sidecar: each host's). A missing or unreadable sidecar adds nothing.
 * Return: 0 or -ENOMEM.
 */
int summary_meta_read(struct summary *s, const char *csv_path);

/**
 * summary_add_fields() - as summary_add(), from a row of strings as results_read() gives
 * them. Return: 0, -EINVAL for a number that does not parse (@err names the column).
 */
int summary_add_fields(struct summary *s, const char *const *fields, struct jb_err *err);

/**
 * summary_add_file() - fold every row of the results CSV @path into @s, with its sidecar.
 * Return: 0; -EINVAL with "FILE: record N: column C: ..." in @err for a malformed file,
 * -EPROTO for another schema_version, -ENOMEM, or -errno from opening it.
 */
int summary_add_file(struct summary *s, const char *path, struct jb_err *err);

/** summary_group_stats() - the statistics of group @g (point estimates and counts). */
void summary_group_stats(const struct summary_group *g, struct summary_stats *out);

/** summary_group_median() - the median of value @v per invocation over @g's ok windows
 * (NAN for none, or out of memory). */
double summary_group_median(const struct summary_group *g, enum windows_value v);

/**
 * summary_group_ci() - value @v per invocation of @g's ok windows: its median and the
 * interval of stats_runs_median_ci(). Return: as that.
 */
int summary_group_ci(const struct summary_group *g, enum windows_value v, double level,
		     struct stats_interval *out);

/**
 * summary_ratio_ci() - median of @b over median of @a for value @v, with the interval of
 * stats_runs_ratio_ci(). Return: as that.
 */
int summary_ratio_ci(const struct summary_group *a, const struct summary_group *b,
		     enum windows_value v, double level, struct stats_interval *out);

/**
 * summary_key_diff() - the factors in which @a and @b differ, named in @buf (", "
 * between them, e.g. "concurrency 1 vs 2"). Return: how many differ.
 */
size_t summary_key_diff(const struct summary_key *a, const struct summary_key *b, char *buf,
			size_t len);

/**
 * summary_key_driver_pair() - 1 when @a and @b differ in the driver only: in driver,
 * isolation, runtime or accelerator (what a driver and its variant decide) and, of the
 * memory size, only where one side has none (pinned has no limit); 0 otherwise.
 */
int summary_key_driver_pair(const struct summary_key *a, const struct summary_key *b);

/**
 * summary_dynamic_note() - why group @g's median dynamic energy @median_j is negative, in
 * @buf ("" when it is not): the idle baseline's drift between before and after the run
 * where the sidecar gave it, or the baseline above the windows' power.
 */
void summary_dynamic_note(const struct summary_group *g, double median_j, char *buf,
			  size_t len);

/* Joules in a kWh: a carbon intensity in g CO2e/kWh times J / this is grams. */
#define SUMMARY_J_PER_KWH 3.6e6

/**
 * summary_co2e_g() - grams of CO2e of @energy_j at a grid's @g_per_kwh: one
 * multiplication, energy_j x g_per_kwh / SUMMARY_J_PER_KWH. The intensity is the user's,
 * never measured: outputs label it as given.
 */
static inline double
summary_co2e_g(double energy_j, double g_per_kwh)
{
	return energy_j * g_per_kwh / SUMMARY_J_PER_KWH;
}

/* The words every output carries where --allow-scope-mix let scopes be mixed. */
#define SUMMARY_SCOPE_MIX_WARNING "scope mix allowed (--allow-scope-mix)"

/**
 * summary_scope_check() - may figures of scope @a (from @what_a) and @b (from @what_b) be
 * set against each other? Numbers of different scopes (a CPU package against a machine's
 * wall, say) measure different things, so they may not, unless @allow. One line in @why
 * names both: the refusal, or with @allow the warning (SUMMARY_SCOPE_MIX_WARNING first).
 * Return: 0 when the scopes are equal; -EDOM when they differ and not @allow; 1 when they
 * differ and @allow.
 */
int summary_scope_check(const char *what_a, const char *a, const char *what_b, const char *b,
			int allow, char *why, size_t len);

/** summary_fini() - free what the summary holds. */
void summary_fini(struct summary *s);

#endif
