/* SPDX-License-Identifier: MIT */
/*
 * One instance of a workload on a driver (DESIGN §3): start it and prepare its input
 * (outside any metered span that should not hold it), invoke it, read its CPU time, stop
 * it. Both schedulers use these, so a request is made and recorded the same way. One
 * instance is used by one thread at a time (the co-located scheduler's worker, or the
 * calling thread between windows); distinct instances may be used from distinct threads.
 */
#ifndef JB_PROTOCOL_INSTANCE_H
#define JB_PROTOCOL_INSTANCE_H

#include "driver.h"
#include "rows.h"
#include "workload.h"

struct instance {
	const struct driver_ops *ops;
	void *drv;                      /* the prepared driver */
	const struct workload_desc *wl;
	enum workload_size size;
	uint64_t seed;
	unsigned id;
	struct driver_instance inst;
	int have;                       /* inst is running */
};

/** instance_init() - an instance @id of @wl that is not running yet. */
void instance_init(struct instance *in, const struct driver_ops *ops, void *drv,
		   const struct workload_desc *wl, enum workload_size size, uint64_t seed,
		   unsigned id);

/** instance_start() - cold-start the instance (driver start_instance). Return: 0 or
 * -errno with the message in @err. */
int instance_start(struct instance *in, struct jb_err *err);

/** instance_prepare() - build the input of the running instance (PREPARE request).
 * Return: 0 or -errno (a refused prepare is -EINVAL) with the message in @err. */
int instance_prepare(struct instance *in, struct jb_err *err);

/**
 * instance_invoke() - one request, recorded into @v (zeroed first): start time, round
 * trip, reply, the driver's code and message, wall_ns (the kernel's, or the round trip
 * when there is no reply), cpu_ns (the reply's). With @driver_cpu, the CPU time is instead
 * read from the driver before and after (the container's cgroup, the process's
 * schedstat); without it from the driver, the runner's own figure is kept.
 * Return: v->rc.
 */
int instance_invoke(struct instance *in, struct rows_record *v, int driver_cpu);

/**
 * instance_cold_note() - a user's function's cold row @v (its first invocation answered)
 * says how long the start of its instance took, @start_ns (the process, the container,
 * the microVM's boot), first in the message of an ok row ("instance start 2.41 s; cold:
 * runtime ...", the rest the runner's), after the reason in a failure's:
 * docs/functions.md, what a cold row includes. A built-in kernel's row is left as it is.
 */
void instance_cold_note(struct rows_record *v, uint64_t start_ns);

/** instance_cpu_ns() - the instance's CPU time so far from the driver. 0, -ENOTSUP. */
int instance_cpu_ns(struct instance *in, uint64_t *cpu_ns);

/** instance_stop() - stop and reap it; safe when it is not running. */
void instance_stop(struct instance *in);

#endif
