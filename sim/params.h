/* SPDX-License-Identifier: MIT */
/*
 * The parameters of the overhead model (DESIGN §6), each with the source it came from.
 * The paper's own values are not public (research/paper.md §7), so every physical constant
 * is a named parameter: a built-in default whose source says plainly whether it is a
 * placeholder, a value from a parameter file (`key = value | source`, a value without a
 * source is rejected), a measured joulebench CSV, or a command-line override.
 */
#ifndef JB_SIM_PARAMS_H
#define JB_SIM_PARAMS_H

#include <stddef.h>

#include "jb_err.h"

/*
 * X(key, default, min, max, source of the default). A "placeholder" source means the value
 * is not from the paper nor measured: replace it with your own measurement (docs/overhead.md).
 */
#define PARAMS_TABLE(X)                                                                        \
	X(server_cores, 48, 1, 1e6,                                                            \
	  "2 x Xeon Silver 4310 = 2 x 24 threads (Intel ARK); server of Carl et al. 2025 "     \
	  "(github.com/3s-rg/chipless README)")                                                \
	X(server_memory_mb, 262144, 1, 1e9,                                                    \
	  "placeholder: 256 GiB; the memory of the paper's R450 is unknown")                   \
	X(server_idle_w, 35.52, 0, 1e6,                                                        \
	  "placeholder, CPU-only: 48 vCPU x 0.74 W, Cloud Carbon Footprint methodology "       \
	  "Appendix I (AWS min watts); wall power of a whole server is higher")                \
	X(server_loaded_w, 168.0, 0, 1e6,                                                      \
	  "placeholder, CPU-only: 48 vCPU x 3.5 W, Cloud Carbon Footprint methodology "        \
	  "Appendix I (AWS max watts)")                                                        \
	X(headroom_frac, 0.2, 0, 100,                                                          \
	  "placeholder: spare capacity over the peak (servers or boards); paper's value "      \
	  "unknown")                                                                           \
	X(server_scale_interval_s, 0, 0, 1e9,                                                  \
	  "placeholder: 0 = servers provisioned once for the trace's peak; else re-sized "     \
	  "per interval")                                                                      \
	X(keep_alive_s, 600, 0, 1e7,                                                           \
	  "AWS Lambda fixed keep-alive of 10 min (Shahrad et al. ATC'20, research/"            \
	  "workloads.md 2.4); OpenWhisk idle-container 10 min")                                \
	X(container_create_j, 1.5, 0, 1e6,                                                     \
	  "placeholder: ~0.5 s of one core at (168-35.52)/48 W; measure phase cold rows of "   \
	  "joulebench run --driver container")                                                 \
	X(isolation_frac, 0.05, -0.99, 100,                                                    \
	  "placeholder: extra dynamic energy of a sandboxed invocation; measure container vs " \
	  "pinned driver")                                                                     \
	X(instance_idle_w, 0.0, 0, 1e6,                                                        \
	  "placeholder: extra power of an idle warm container beyond server idle power")       \
	X(instance_memory_mb, 256, 1, 1e7,                                                     \
	  "OpenWhisk std action memory 256 MB (application.conf, research/workloads.md "       \
	  "3.1); used when the trace has no memory")                                           \
	X(board_idle_w, 2.7, 0, 1e6,                                                           \
	  "placeholder board = Raspberry Pi 4 B idle 540 mA at 5 V (J. Geerling, pidramble."   \
	  "com); the paper's Banana Pi M2 Zero value is unknown")                              \
	X(board_active_w, 3.625, 0, 1e6,                                                       \
	  "placeholder: Pi 4 B idle 2.7 W + one of 4 cores of (6.4-2.7) W stress load (J. "    \
	  "Geerling, pidramble.com)")                                                          \
	X(board_off_w, 0.0, 0, 1e6,                                                            \
	  "placeholder: supply cut by a relay as in the paper's setup (chipless README); "     \
	  "relay/PSU standby unknown")                                                         \
	X(board_boot_s, 1.0, 0, 1e6,                                                           \
	  "placeholder: paper's boot time unknown; measure phase boot rows")                   \
	X(board_boot_j, 3.0, 0, 1e6,                                                           \
	  "placeholder: 1 s at ~3 W; paper's boot energy unknown; measure phase boot rows")    \
	X(board_keep_alive_s, 0, 0, 1e7,                                                       \
	  "paper's design: the board boots, runs the function, shuts down (research/"          \
	  "paper.md 5)")                                                                       \
	X(board_slowdown, 5.0, 0.01, 1e4,                                                      \
	  "placeholder: board/server duration ratio; paper's linpack ratio unknown")           \
	X(board_isolation_frac, 0.0, -0.99, 100,                                               \
	  "hardware isolation: no sandbox layer (research/paper.md 5)")                        \
	X(static_is_useful, 1, 0, 1,                                                           \
	  "DESIGN 6: the paper's accounting (1): a board's whole draw while it runs, a "       \
	  "server's busy-core dynamic power + running instances' static share; 0 = strict "    \
	  "(dynamic only). Both are printed")                                                  \
	X(static_share_memory_only, 0, 0, 1,                                                   \
	  "joulebench: 0 = a running instance's static share is its share of the scarcer "     \
	  "resource, max(1/cores, MB/server MB) (docs/overhead.md); 1 = memory only")          \
	X(load_scale, 1, 0, 1e4,                                                               \
	  "joulebench: 1 = the trace as is; s = each function served floor(s) times, plus "    \
	  "once more with probability frac(s), as independent tenants (sweep it for load)")    \
	X(fleet_scale, 1, 0, 1e12,                                                             \
	  "placeholder: no scaling; the fleet behind the paper's 70.8 MW is unknown")          \
	X(fleet_invocations_per_day, 0, 0, 1e15,                                               \
	  "placeholder: 0 = use fleet_scale; else fleet_scale = this / the trace's "           \
	  "invocations per day (sim/presets/fleet-aws-lambda.params cites a figure)")          \
	X(bin_s, 1, 0.001, 86400,                                                              \
	  "joulebench: resolution at which peaks (servers, boards) and powers are taken")      \
	X(gen_functions, 1000, 1, 1e7, "joulebench: size of the default generated trace")     \
	X(gen_rate_median_per_day, 24, 1e-6, 1e9,                                              \
	  "~45% of apps invoked at most once per hour (Shahrad et al. ATC'20, UNVERIFIED, "    \
	  "research/workloads.md 2.4)")                                                        \
	X(gen_rate_sigma_log10, 1.0, 0, 10,                                                    \
	  "8 orders of magnitude of rates (Shahrad et al. ATC'20 abstract): +-4.1 sigma over " \
	  "50,000 functions")                                                                  \
	X(gen_invocations, 0, 0, 1e12,                                                         \
	  "joulebench: 0 = rates from the median; else scale rates to this expected total")    \
	X(gen_diurnal_amplitude, 0.5, 0, 1,                                                    \
	  "placeholder: relative amplitude of the daily sine; traces show a daily pattern "    \
	  "(Shahrad et al. ATC'20)")                                                           \
	X(gen_duration_median_s, 1.0, 1e-6, 1e6,                                               \
	  "50% of functions run in less than 1 s on average (Shahrad et al. ATC'20, research/" \
	  "workloads.md 2.4)")                                                                 \
	X(gen_duration_sigma_log10, 0.8, 0, 10,                                                \
	  "placeholder: spread of per-function average duration (ms to minutes)")              \
	X(gen_duration_within_sigma_ln, 1.0, 0, 10,                                            \
	  "placeholder: lognormal spread of one function's durations (heavy tail)")            \
	X(gen_memory_median_mb, 170, 1, 1e7,                                                   \
	  "~50% of apps allocate at most ~170 MB (Shahrad et al. ATC'20, UNVERIFIED)")         \
	X(gen_memory_sigma_ln, 0.668, 0, 10,                                                   \
	  "~90% of apps <= ~400 MB (UNVERIFIED): ln(400/170)/1.2816")

enum params_key {
#define X(key, def, lo, hi, src) PARAMS_##key,
	PARAMS_TABLE(X)
#undef X
	PARAMS_N
};

#define PARAMS_SOURCE_LEN 256

/* The value of each parameter and where it came from. */
struct params {
	double v[PARAMS_N];
	char src[PARAMS_N][PARAMS_SOURCE_LEN];
};

/** params_init() - fill @p with the built-in defaults and their sources. */
void params_init(struct params *p);

/** params_name() - the key of parameter @i, or NULL when out of range. */
const char *params_name(unsigned i);

/** params_find() - the index of parameter @key, or -ENOENT. */
int params_find(const char *key);

/**
 * params_set() - set @key to the number @value with @source (both copied).
 * Return: 0; -ENOENT for an unknown key, -EINVAL for a value that is not a number or out
 * of the parameter's range, or an empty source (@err says which).
 */
int params_set(struct params *p, const char *key, const char *value, const char *source,
	       struct jb_err *err);

/**
 * params_set_arg() - a `key=value` override from the command line; the source is recorded
 * as "command line". Return: as params_set(), -EINVAL when there is no '='.
 */
int params_set_arg(struct params *p, const char *arg, struct jb_err *err);

/**
 * params_load_file() - read `key = value | source` lines ('#' comments, blank lines) from
 * @path. Every value must name its source after '|'. Return: 0, -errno when the file
 * cannot be read, -EINVAL for a malformed line, a missing source or a bad value, -ENOENT
 * for an unknown key; @err names the file and line.
 */
int params_load_file(struct params *p, const char *path, struct jb_err *err);

/**
 * params_measured_apply() - set parameters from measured joulebench CSVs (either may be
 * NULL): @server_csv sets server_idle_w, server_loaded_w, and when the rows allow it
 * container_create_j (cold rows) and isolation_frac (container and pinned rows);
 * @board_csv sets board_idle_w, board_active_w, board_boot_j and board_boot_s (phase boot
 * rows), and with both files board_slowdown. Only rows with status ok count; each value
 * is a median and its source names the file. Return: 0, or results_read()'s errors,
 * -EINVAL when a file has no usable warm rows.
 */
int params_measured_apply(struct params *p, const char *server_csv, const char *board_csv,
			  struct jb_err *err);

#endif
