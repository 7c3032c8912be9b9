/* SPDX-License-Identifier: MIT */
/*
 * The driver interface (DESIGN §1, §3). A driver decides how an invocation is isolated and
 * placed: it starts instances of the function runner joulebench-fn (a cold start), passes
 * request lines to a running instance (a warm invocation), and stops them. Each driver is
 * one file ending in one `const struct driver_ops`, listed once in driver.c's registry.
 */
#ifndef JB_DRIVER_H
#define JB_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "jb_ctx.h"
#include "jb_err.h"
#include "jb_proto.h"

#define DRIVER_CORES_MAX 1024

/* An OCI image a user's function runs in (issue 24, docs/functions.md). */
struct driver_image {
	const char *layout;            /* the image layout's directory */
	const char *tag;
	const char *digest;            /* its manifest's "sha256:<hex>": names and caches it */
};

struct driver_config {
	const char *fn_path;           /* the joulebench-fn executable */
	const int *cores;              /* cores instances may use; NULL = the caller's own mask */
	size_t n_cores;
	uint64_t timeout_ns;           /* per request; 0 = wait forever */
	/* container: the function's memory size in MB; it sets the memory limit and the CPU
	 * quota (1 vCPU per 1769 MB, as on AWS Lambda). 0 = 1769. */
	uint64_t memory_mb;
	const char *runtime;           /* container: "runc", "crun" or a path; NULL = probe */
	int exclusive;                 /* pinned: one instance on the whole machine */
	const char *sysfs_root;        /* NULL = "/sys"; tests point it at fixtures */
	/* Optional, added for the isolation ladder (issue 16); NULL = the driver's default. */
	const char *platform;          /* container with runsc: gVisor platform (ptrace, kvm, ...) */
	const char *accel;             /* microvm: "kvm", "tcg" or "auto" */
	const char *vmm;               /* microvm: "qemu" or "firecracker" */
	const char *guest_dir;         /* microvm: the guest kernel (scripts/fetch-guest-kernel) */
	/* Optional, for users' functions (issue 24): host directories the runner must see at
	 * the same path (the function's files, its interpreter, the adapters); container binds
	 * them read-only. NULL-terminated; NULL = none. */
	const char *const *ro_paths;
	/* Optional, for functions in OCI images: the images instances may run in. Only a
	 * driver with runs_images takes them (container: unpacked with umoci in prepare). */
	const struct driver_image *images;
	size_t n_images;
	/* Optional, for users' functions in a guest that cannot see the host (microvm, whose
	 * root file system is made of them): the directories of their files (the function's
	 * directory, a SeBS benchmark's, the adapters), the programs their commands run (the
	 * command's, the interpreter, the event and check commands'), each NULL-terminated,
	 * and the directory of the resolved function files that requests name (`spec=`). */
	const char *const *guest_dirs;
	const char *const *guest_programs;
	const char *spec_dir;
};

/* What a driver reports for the run metadata; "" for what does not apply. */
struct driver_info {
	char runtime[32];              /* "runc", "crun" */
	char runtime_version[128];     /* first line of `<runtime> --version` */
	char runtime_path[256];
	int cgroup_version;            /* 1 or 2; 0 when not used */
	uint64_t memory_mb;
	uint64_t cpu_quota_us, cpu_period_us;
	char cores[256];               /* cores instances run on, as a list */
	char smt_idle[256];            /* SMT siblings kept idle, as a list */
	int exclusive;
	unsigned max_instances;        /* instances that can run at once; 0 = no fixed limit */
	/* Optional, added for the isolation ladder (issue 16); "" when not set. */
	char isolation[32];            /* the rung as run: "gvisor-ptrace", "microvm-tcg" */
	char accel[16];                /* microvm: "kvm" or "tcg"; gVisor: its platform */
	unsigned vcpus;                /* microvm: vCPUs per VM */
	/* Optional, for users' functions (issue 24): what the guest's root file system is
	 * (microvm: "fn-<digest>.ext4: N files, X MB, built in T s"); "" when none. */
	char guest_root[192];
};

/* A running instance. The driver owns priv; the rest is for the runner and the CSV. */
struct driver_instance {
	unsigned id;
	int pid;                       /* the runner process (its pid on the host) */
	int core;                      /* the core it is bound to, -1 when not bound */
	char cpus_allowed[128];        /* as the instance itself reported it */
	char name[64];                 /* the runtime's container id; "" for processes */
	void *priv;
	/* Set by the caller before each start_instance: the digest of the image (one of
	 * driver_config.images) whose files are the instance's root; NULL: the host's. */
	const char *image;
};

struct driver_ops {
	const char *name;
	const char *summary;
	/* "dedicated-core" (hardware-style isolation) or "container" (software isolation). */
	const char *isolation;
	/* Can this driver work here? 0, or -errno with the reason and the fix in @why. */
	int (*probe)(const struct jb_ctx *ctx, char *why, size_t why_len);
	/* Check @cfg and set up shared state (bundle, core list) in *drv. */
	int (*prepare)(const struct driver_config *cfg, void **drv, struct jb_err *err);
	/* Cold start of instance @id: returns once it has said `ready`. */
	int (*start_instance)(void *drv, unsigned id, struct driver_instance *inst,
			      struct jb_err *err);
	/* Send one request and wait for its reply. -ETIMEDOUT past cfg->timeout_ns, -EPIPE
	 * when the instance died (the message says how). */
	int (*invoke)(void *drv, struct driver_instance *inst, const struct jb_fn_request *req,
		      struct jb_fn_result *res, struct jb_err *err);
	/* Stop an instance and reap it; safe on an instance that already died. */
	void (*stop_instance)(void *drv, struct driver_instance *inst);
	void (*teardown)(void *drv);
	/* Optional: CPU time of the instance so far, ns (the container's cgroup, the pinned
	 * process's schedstat); used to split a co-located window's energy. */
	int (*cpu_ns)(void *drv, const struct driver_instance *inst, uint64_t *cpu_ns,
		      struct jb_err *err);
	/* Optional: fill @info for the run metadata. */
	void (*describe)(void *drv, struct driver_info *info);
	/* 1: start_instance honours driver_instance.image; a run with an image needs it. */
	int runs_images;
};

/**
 * driver_status_for() - the CSV status word for an invoke() or start_instance() return:
 * "ok" (0), "timeout" (-ETIMEDOUT), "crashed" (-EPIPE), "oom-killed" (-ENOMEM), "error".
 */
const char *driver_status_for(int rc);

/**
 * driver_cpus_format() - write @cores (@n of them) as a list of ranges ("0-3,6") into @buf.
 */
void driver_cpus_format(const int *cores, size_t n, char *buf, size_t len);

/**
 * driver_isolation_name() - the isolation of a prepared driver as rows should name it: the
 * driver's own description (info.isolation: "microvm-tcg", "gvisor-ptrace") when it gives
 * one, else ops->isolation. Points into @info or at a static string.
 */
const char *driver_isolation_name(const struct driver_ops *ops, void *drv,
				  struct driver_info *info);

/** driver_find() - the driver called @name, or NULL. */
const struct driver_ops *driver_find(const char *name);

/** driver_count() / driver_at() - iterate the registry. */
size_t driver_count(void);
const struct driver_ops *driver_at(size_t i);

/**
 * driver_cores_parse() - parse a core list such as "0-3,6" into @cores (at most @max).
 * Return: the number of cores, or -EINVAL (malformed, duplicate) / -E2BIG.
 */
int driver_cores_parse(const char *list, int *cores, size_t max);

#endif
