/* SPDX-License-Identifier: MIT */
/*
 * The `pinned` driver: each instance is its own joulebench-fn process bound to its own core
 * with sched_setaffinity(2), the closest a single machine comes to one dedicated processor
 * per function (on an ARM board, the board's own CPU). Two instances never share a core:
 * instance i gets the i-th core of the list, and there are never more instances than cores.
 * The binding is checked twice: in the child before exec, and against the affinity the
 * instance reports in its `ready` line. A cold start is a new process; a warm invocation
 * is a request line to a running one.
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver-private.h"

struct pinned_state {
	char fn_path[4096];
	int cores[DRIVER_CORES_MAX];
	size_t n_cores;
	uint64_t timeout_ns;
};

static int
pinned_probe(const struct jb_ctx *ctx, char *why, size_t why_len)
{
	cpu_set_t set;

	(void)ctx;
	if (sched_getaffinity(0, sizeof(set), &set) != 0) {
		int rc = -errno;

		snprintf(why, why_len, "sched_getaffinity: %s", strerror(errno));
		return rc;
	}
	snprintf(why, why_len, "%d core(s) available for pinning", CPU_COUNT(&set));
	return 0;
}

static int
pinned_prepare(const struct driver_config *cfg, void **drv, struct jb_err *err)
{
	struct pinned_state *s = calloc(1, sizeof(*s));
	cpu_set_t set;
	size_t i;
	int c;

	if (!s)
		return jb_err_set(err, -ENOMEM, "pinned: out of memory");
	if (!cfg->fn_path || access(cfg->fn_path, X_OK) != 0) {
		free(s);
		return jb_err_set(err, -ENOENT, "pinned: function runner '%s' is not executable",
				  cfg->fn_path ? cfg->fn_path : "(none)");
	}
	snprintf(s->fn_path, sizeof(s->fn_path), "%s", cfg->fn_path);
	s->timeout_ns = cfg->timeout_ns;
	if (sched_getaffinity(0, sizeof(set), &set) != 0) {
		free(s);
		return jb_err_set(err, -errno, "pinned: sched_getaffinity: %s", strerror(errno));
	}
	if (cfg->cores && cfg->n_cores) {
		for (i = 0; i < cfg->n_cores && i < DRIVER_CORES_MAX; i++) {
			if (cfg->cores[i] < 0 || cfg->cores[i] >= CPU_SETSIZE ||
			    !CPU_ISSET(cfg->cores[i], &set)) {
				free(s);
				return jb_err_set(err, -EINVAL,
						  "pinned: core %d is not available to this process",
						  cfg->cores[i]);
			}
			s->cores[s->n_cores++] = cfg->cores[i];
		}
	} else {
		for (c = 0; c < CPU_SETSIZE && s->n_cores < DRIVER_CORES_MAX; c++)
			if (CPU_ISSET(c, &set))
				s->cores[s->n_cores++] = c;
	}
	*drv = s;
	return 0;
}

/* In the child, before exec: bind to one core and read the binding back. */
static int
pinned_bind(void *arg)
{
	int core = *(int *)arg;
	cpu_set_t set, got;

	CPU_ZERO(&set);
	CPU_SET(core, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		return errno;
	if (sched_getaffinity(0, sizeof(got), &got) != 0)
		return errno;
	return CPU_EQUAL(&set, &got) ? 0 : EPERM;
}

static int
pinned_start_instance(void *drv, unsigned id, struct driver_instance *inst, struct jb_err *err)
{
	struct pinned_state *s = drv;
	struct fn_channel *ch;
	struct jb_fn_ready ready;
	char line[JB_PROTO_LINE_MAX], want[16];
	char *argv[] = { s->fn_path, NULL };
	int core, rc;

	if (id >= s->n_cores)
		return jb_err_set(err, -EBUSY,
				  "pinned: instance %u needs a core of its own, but only %zu core(s) "
				  "are available (instances never share a core)",
				  id, s->n_cores);
	core = s->cores[id];
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return jb_err_set(err, -ENOMEM, "pinned: out of memory");
	rc = fn_channel_spawn(ch, argv, pinned_bind, &core, err);
	if (rc)
		goto fail;
	/* A cold start must not hang forever either: give it the request timeout, or 30 s. */
	rc = fn_channel_read_line(ch, line, sizeof(line),
				  s->timeout_ns ? s->timeout_ns : 30000000000ull, err);
	if (rc == 0)
		rc = jb_proto_ready_parse(line, &ready, err);
	if (rc)
		goto fail_close;
	snprintf(want, sizeof(want), "%d", core);
	if (strcmp(ready.cpus_allowed, want) != 0 || ready.cpu != core) {
		rc = jb_err_set(err, -EPERM,
				"pinned: instance %u reports cpu %d, affinity %s; expected core %d",
				id, ready.cpu, ready.cpus_allowed, core);
		goto fail_close;
	}
	memset(inst, 0, sizeof(*inst));
	inst->id = id;
	inst->pid = ch->pid;
	inst->core = core;
	snprintf(inst->cpus_allowed, sizeof(inst->cpus_allowed), "%s", ready.cpus_allowed);
	inst->priv = ch;
	return 0;
fail_close:
	fn_channel_close(ch, 0);
fail:
	free(ch);
	return rc;
}

static int
pinned_invoke(void *drv, struct driver_instance *inst, const struct jb_fn_request *req,
	      struct jb_fn_result *res, struct jb_err *err)
{
	struct pinned_state *s = drv;

	if (!inst->priv)
		return jb_err_set(err, -ESRCH, "pinned: instance %u is not running", inst->id);
	return fn_channel_request(inst->priv, req, res, s->timeout_ns, err);
}

static void
pinned_stop_instance(void *drv, struct driver_instance *inst)
{
	(void)drv;
	if (!inst->priv)
		return;
	/* 1 s to quit cleanly after `quit`; a hung instance is then killed. */
	fn_channel_close(inst->priv, 1000000000u);
	free(inst->priv);
	inst->priv = NULL;
	inst->pid = 0;
}

static void
pinned_teardown(void *drv)
{
	free(drv);
}

const struct driver_ops driver_pinned = {
	.name = "pinned",
	.summary = "one joulebench-fn process per dedicated core (sched_setaffinity)",
	.isolation = "dedicated-core",
	.probe = pinned_probe,
	.prepare = pinned_prepare,
	.start_instance = pinned_start_instance,
	.invoke = pinned_invoke,
	.stop_instance = pinned_stop_instance,
	.teardown = pinned_teardown,
};
