/* SPDX-License-Identifier: MIT */
/*
 * The timing scaffold the `drivers` benchmark suite's two programs share (bench_drivers.c,
 * bench_isolation.c): the bare socket-pair round trip to a forked echo loop (the floor any
 * process-based driver pays), a driver opened, started and invoked with a trivial request
 * (a workload name joulebench-fn does not know, answered at once), and a runtime's empty
 * container run, each timed on CLOCK_MONOTONIC_RAW (jb_clock.h). The programs keep their
 * own statistics and output.
 */
#ifndef JB_TESTS_BENCH_SCAFFOLD_H
#define JB_TESTS_BENCH_SCAFFOLD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "driver.h"
#include "jb_err.h"
#include "jb_proto.h"

/* The trivial request both programs time. */
extern const struct jb_fn_request bench_trivial;

/* A forked echo loop on a socket pair: the bare round trip. */
struct echo {
	int fd;
	pid_t pid;
};

/* Bind the calling process (or a child before it loops) to @core; -1 = leave it. */
void bind_to(int core);

/* Start the echo loop, bound to @core (-1: anywhere). Return: 0 or -errno. */
int echo_start(struct echo *e, int core);

/* One request and its answer through the echo loop. Return: 0 or -EPIPE. */
int echo_round_trip(struct echo *e);

void echo_stop(struct echo *e);

/* A driver with one instance. */
struct drv {
	const struct driver_ops *d;
	void *drv;
	struct driver_instance inst;
	int up;                        /* an instance is started */
};

/* Find driver @name, probe it and prepare it with @cfg. Return: 0, or -1 with the probe's
 * reason in @why (@len bytes) and the prepare's in @err. */
int drv_prepare(struct drv *x, const char *name, const struct driver_config *cfg, char *why,
		size_t len, struct jb_err *err);

/* Start an instance (a cold start), its time in *@ns. Return: 0, or -1 after one line on
 * stderr. */
int drv_start(struct drv *x, uint64_t *ns);

/* The trivial request through the started instance. Return: as driver_ops.invoke. */
int drv_round_trip(struct drv *x);

/* Stop the instance if one is up, and tear the driver down. */
void drv_close(struct drv *x);

/* Run @argv (argv[0] looked up in PATH) with stdin and stdout on /dev/null (stderr too if
 * @quiet_stderr) and wait; its time from the spawn to the end of the wait in *@ns.
 * Return: 0 when it exited 0, -ECHILD when it failed, or the spawn's -errno. */
int spawn_timed(char *const argv[], int quiet_stderr, uint64_t *ns);

#endif
