/* SPDX-License-Identifier: MIT */
/*
 * What the isolating drivers (container.c, microvm.c) share about their instances: one
 * joulebench-fn behind a runtime or a VMM, in a cgroup of its own, under the run's memory
 * size, CPU quota and request timeout. One invoke, one stop, one CPU-time reading and one
 * failure path (isolated.c) serve both; a driver says only how its instance ends (its
 * struct isolated_class), so a new kind of function or driver extends this file once.
 */
#ifndef JB_ISOLATED_H
#define JB_ISOLATED_H

#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "driver-private.h"

#define ISOLATED_ID_LEN 48

struct isolated_inst;

/* How one driver's instances end; the rest of their life is isolated.c's. */
struct isolated_class {
	const char *driver;            /* "container", "microvm": the messages' prefix */
	/* The function's end was seen (-EPIPE, the channel's message in @err): say why (an
	 * OOM kill is -ENOMEM, a crash -EPIPE) and return that. */
	int (*ended)(void *drv, struct isolated_inst *in, struct jb_err *err);
	/* The instance's supervisor replied with a `died ...` line instead of a result (the
	 * microVM's init); NULL where no supervisor speaks. */
	int (*died)(void *drv, struct isolated_inst *in, const char *line, struct jb_err *err);
	/* Stop its processes and remove its cgroup and files; @in itself stays. */
	void (*destroy)(void *drv, struct isolated_inst *in);
};

/* The first member of a driver's state: what the shared code reads. */
struct isolated_host {
	const struct isolated_class *cls;
	const char *cg_root;
	int cg_version;                /* 0: no cgroup, CPU time from the VMM's threads */
	uint64_t memory_mb;
	uint64_t timeout_ns;           /* a request's; 0 = none */
	int cores[DRIVER_CORES_MAX];
	size_t n_cores;
	char cpuset[256];              /* the cores as a list, "" = any */
	pthread_mutex_t lock;          /* instances start and stop from several threads */
	unsigned serial;
	size_t live_max;
	char (*live)[ISOLATED_ID_LEN]; /* ids of instances not yet destroyed */
};

/* The first member of a driver's instance. */
struct isolated_inst {
	struct fn_channel ch;
	char id[ISOLATED_ID_LEN];
	char cgroup[96];
	char log[PATH_MAX];
	int hung;                      /* a request timed out: kill, do not wait for `quit` */
};

/** isolated_cores_take() - check that the cores @cfg asks for are this process's and keep
 * them in @h (and as a list in h->cpuset). 0 or -EINVAL with a message naming @h's driver. */
int isolated_cores_take(struct isolated_host *h, const struct driver_config *cfg,
			struct jb_err *err);

/** isolated_name() - give @in the next id "<prefix>-<pid>-<n>", its cgroup under
 * @cg_parent and its log in @dir. */
void isolated_name(struct isolated_host *h, struct isolated_inst *in, const char *prefix,
		   const char *cg_parent, const char *dir);

/** isolated_live_set() - mark @id live (@on) or gone, for the teardown of an aborted run. */
void isolated_live_set(struct isolated_host *h, const char *id, int on);

/** isolated_fill() - what the harness knows of started instance @in as its @inst @id;
 * @cpus_allowed: the cores it may run on, as the driver knows them. */
void isolated_fill(const struct isolated_host *h, struct isolated_inst *in, unsigned id,
		   const char *cpus_allowed, struct driver_instance *inst);

/**
 * isolated_invoke() - the driver_ops.invoke of both drivers: send @req, read the reply.
 * Its failure path: a timeout (-ETIMEDOUT) marks the instance hung; a dead function
 * (-EPIPE) or a `died` line goes to its class, which tells an OOM kill (-ENOMEM) from a
 * crash (-EPIPE); a malformed reply is -EPROTO.
 */
int isolated_invoke(void *drv, struct driver_instance *inst, const struct jb_fn_request *req,
		    struct jb_fn_result *res, struct jb_err *err);

/** isolated_stop() - the driver_ops.stop_instance of both drivers. */
void isolated_stop(void *drv, struct driver_instance *inst);

/** isolated_cpu_ns() - the driver_ops.cpu_ns of both drivers: the cgroup's CPU time, or
 * without a cgroup the instance process's threads' (their schedstat run times). */
int isolated_cpu_ns(void *drv, const struct driver_instance *inst, uint64_t *cpu_ns,
		    struct jb_err *err);

/** isolated_describe() - the fields of @info both drivers fill alike: @runtime, its
 * @version and @path, the cgroup, memory, CPU quota and cores. */
void isolated_describe(const struct isolated_host *h, const char *runtime, const char *version,
		       const char *path, struct driver_info *info);

#endif
