/* SPDX-License-Identifier: MIT */
/*
 * What meters/ shares between its own files: the backend descriptors the registry lists,
 * small sysfs and option helpers (meter_util.c), and the hardware seams that let unit tests
 * feed a backend fake counters (perf_event_open for rapl-perf, the I2C transport for
 * ina219). Not for other folders, except tests.
 */
#ifndef JB_METER_PRIVATE_H
#define JB_METER_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "meter.h"

extern const struct meter_ops meter_rapl_perf;
extern const struct meter_ops meter_rapl_powercap;
#ifdef JB_HAVE_PAPI
extern const struct meter_ops meter_papi;
#endif
#ifdef JB_HAVE_INA219
extern const struct meter_ops meter_ina219;
#endif
extern const struct meter_ops meter_hwmon;
extern const struct meter_ops meter_tinkerforge;
#ifdef JB_HAVE_IPMI
extern const struct meter_ops meter_ipmi;
#endif
#ifdef JB_HAVE_REDFISH
extern const struct meter_ops meter_redfish;
#endif
extern const struct meter_ops meter_model;

/* ---- helpers (meter_util.c) ---- */

/**
 * meter__read_text() - read a small text file into @buf (NUL-terminated, trailing newline
 * removed). Return: 0, or -errno (-EACCES, -ENOENT...); -EIO for an empty file.
 */
int meter__read_text(const char *path, char *buf, size_t len);

/** meter__read_u64() - a file holding one unsigned decimal (or 0x hex) number. 0 or -errno;
 * -EINVAL when the content is not a number. */
int meter__read_u64(const char *path, uint64_t *out);

/**
 * meter__opt() - the value of @key in a "k=v,k=v" option string (NULL allowed) copied into
 * @val. Return: 1 found, 0 absent, -EINVAL for a value that does not fit @val_len.
 */
int meter__opt(const char *opts, const char *key, char *val, size_t val_len);

/**
 * meter__opt_u64() - @key as an unsigned number in [@min, @max] (decimal or 0x hex), or
 * @dflt when absent. Return: 0, or -EINVAL with a message in @why.
 */
int meter__opt_u64(const char *opts, const char *key, uint64_t dflt, uint64_t min,
		   uint64_t max, uint64_t *out, char *why, size_t why_len);

/**
 * meter__opts_check() - refuse keys that no backend knows (meter_util.c lists them all:
 * one option string serves every backend), so that a typo ("shunt_ohm=") is an error,
 * never a silent default. 0 or -EINVAL with the reason.
 */
int meter__opts_check(const char *opts, char *why, size_t why_len);

/**
 * meter__cpulist_parse() - a kernel CPU list ("0", "0,36", "0-3,8") into @cpus.
 * Return: the number of CPUs (at most @max), or -EINVAL.
 */
int meter__cpulist_parse(const char *s, int *cpus, int max);

/** meter__thread_cpu_ns() - CPU time of the calling thread in ns. */
uint64_t meter__thread_cpu_ns(void);

/** meter__sleep_until_ns() - sleep until CLOCK_MONOTONIC reaches @t_ns (signals resumed). */
void meter__sleep_until_ns(uint64_t t_ns);

/* ---- rapl-perf seam (rapl_perf.c) ---- */

struct perf_event_attr;

/* How rapl-perf reaches the kernel: perf_event_open(attr, pid -1, cpu, group -1, 0),
 * read() of the 64-bit count, close(). Tests substitute fakes; open returns an fd-like
 * non-negative handle or -errno, read returns 0 or -errno. */
struct rapl_perf_sys {
	int (*open)(void *sys_ctx, const struct perf_event_attr *attr, int cpu);
	int (*read)(void *sys_ctx, int fd, uint64_t *count);
	void (*close)(void *sys_ctx, int fd);
	void *sys_ctx;
};

/** rapl_perf_open_with() - rapl-perf's open() with @sys instead of the kernel (copied). */
int rapl_perf_open_with(const struct jb_ctx *ctx, const struct rapl_perf_sys *sys, void **priv,
			struct meter_info *info, struct jb_err *err);

/** rapl_perf_probe_with() - rapl-perf's probe() with @sys instead of the kernel. */
int rapl_perf_probe_with(const struct jb_ctx *ctx, const struct rapl_perf_sys *sys, char *why,
			 size_t why_len);

#endif
