/* SPDX-License-Identifier: MIT */
/*
 * Writing an OCI bundle (runtime-spec config.md, config-linux.md) for one joulebench-fn
 * instance: config.json and a root made of read-only bind mounts of the host's system
 * directories plus the function runner, so no image is needed. The JSON is built with
 * json-c and can be produced without touching the disk, for the unit tests.
 */
#ifndef JB_OCI_BUNDLE_H
#define JB_OCI_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "jb_err.h"

/* AWS Lambda: "At 1,769 MB, a function has the equivalent of one vCPU"
 * (docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html). */
#define OCI_MB_PER_VCPU 1769u
/* The CFS bandwidth period; 100 ms is the kernel's default (sched-bwc.rst). */
#define OCI_CPU_PERIOD_US 100000u
/* The kernel refuses quotas below 1 ms (sched-bwc.rst: "The minimum quota allowed ... is
 * 1ms"). */
#define OCI_CPU_QUOTA_MIN_US 1000u
#define OCI_ARGS_MAX 8

struct oci_bundle_config {
	const char *fn_path;          /* host path of joulebench-fn, bind-mounted read-only */
	const char *args[OCI_ARGS_MAX]; /* extra arguments after the runner; NULL-terminated */
	const char *hostname;
	const char *cgroups_path;     /* "/joulebench/<id>" */
	uint64_t memory_mb;           /* memory limit, and the CPU quota through the formula */
	const char *cpuset;           /* "2" or "0-1"; NULL = no cpuset */
	uint64_t pids_limit;
	uint64_t tmp_size_mb;         /* size of the tmpfs /tmp */
	const char *host_root;        /* "/" normally; tests may point it elsewhere */
	const char *const *ro_paths;  /* host directories bound read-only at the same path
				       * (a user's function's files); NULL-terminated or NULL */
	/* An unpacked OCI image's rootfs as the (read-only) root, NULL = a root of mount
	 * points over the host's system directories. With it the host's directories appear
	 * under OCI_HOST_DIR (oci_image.h), and the runner is started by @loader (the host's,
	 * seen there; "" for a static runner) with @lib_path as its --library-path. */
	const char *root_dir;
	const char *loader;
	const char *lib_path;
};

/**
 * oci_cpu_quota_us() - the CFS quota in µs per @period_us for a function of @memory_mb:
 * period x memory / 1769, rounded to the nearest µs, at least 1 ms.
 */
uint64_t oci_cpu_quota_us(uint64_t memory_mb, uint64_t period_us);

/**
 * oci_bundle_config_json() - config.json for @cfg as a string in *json (the caller frees).
 * Return: 0, -EINVAL (missing fn_path or cgroups_path), -ENOMEM.
 */
int oci_bundle_config_json(const struct oci_bundle_config *cfg, char **json, struct jb_err *err);

/**
 * oci_bundle_write() - create @dir (must not exist) with rootfs/ and its mount points and
 * config.json. Host directories that are symlinks (merged /usr: /lib -> usr/lib) become
 * the same symlinks in rootfs. With cfg->root_dir only config.json is written (the image's
 * mount points are made by oci_image_mountpoints()). Return: 0 or -errno; on failure @dir
 * is removed again.
 */
int oci_bundle_write(const char *dir, const struct oci_bundle_config *cfg, struct jb_err *err);

/**
 * oci_bundle_image_prepare() - make, in cfg->root_dir (an unpacked image), the mount
 * points the bundle of @cfg binds: once per image and run, before its containers start,
 * so that no runtime writes into the cached image while it runs one. Return: 0 or -errno.
 */
int oci_bundle_image_prepare(const struct oci_bundle_config *cfg, struct jb_err *err);

/** oci_bundle_remove() - remove a bundle written by oci_bundle_write(), never crossing into
 * a mount. 0 or -errno of the first failure. */
int oci_bundle_remove(const char *dir);

#endif
