/* SPDX-License-Identifier: MIT */
/*
 * The `pinned` driver: each instance is its own joulebench-fn process bound to its own core
 * with sched_setaffinity(2), the closest a single machine comes to one dedicated processor
 * per function (on an ARM board, the board's own CPU). Two instances never share a core:
 * instance i gets the i-th core of the list, and there are never more instances than cores.
 * The binding is checked twice: in the child before exec, and against the affinity the
 * instance reports in its `ready` line. A cold start is a new process; a warm invocation
 * is a request line to a running one.
 *
 * On SMT machines two hardware threads of one core share its execution units and its
 * power, so only one thread per physical core is used: the others, read from
 * /sys/devices/system/cpu/cpuN/topology/thread_siblings_list, stay idle, and the run
 * metadata lists them. --exclusive runs a single instance on the whole machine, the
 * one-function-per-board case of hardware isolation.
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
	int idle[DRIVER_CORES_MAX];    /* SMT siblings of the cores used, kept idle */
	size_t n_idle;
	int exclusive;
	uint64_t timeout_ns;
};

/* Keep the first hardware thread of each physical core; record the others as idle. */
static void
pinned_drop_siblings(struct pinned_state *s, const char *sysfs_root)
{
	unsigned char taken[DRIVER_CORES_MAX] = { 0 };
	int kept[DRIVER_CORES_MAX], sib[DRIVER_CORES_MAX];
	size_t i, n_kept = 0;

	for (i = 0; i < s->n_cores; i++) {
		char p[512], buf[256];
		FILE *f;
		int n, j, c = s->cores[i];

		if (taken[c])
			continue; /* a sibling of a core already kept: listed as idle below */
		kept[n_kept++] = c;
		snprintf(p, sizeof(p), "%s/devices/system/cpu/cpu%d/topology/thread_siblings_list",
			 sysfs_root, c);
		f = fopen(p, "re");
		if (!f)
			continue; /* no topology: treat every CPU as a core of its own */
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
		buf[strcspn(buf, "\n")] = '\0';
		n = driver_cores_parse(buf, sib, DRIVER_CORES_MAX);
		for (j = 0; j < n; j++) {
			size_t k;
			int used = 0;

			if (sib[j] == c)
				continue;
			taken[sib[j]] = 1;
			for (k = 0; k < s->n_idle; k++)
				used |= s->idle[k] == sib[j];
			if (!used && s->n_idle < DRIVER_CORES_MAX)
				s->idle[s->n_idle++] = sib[j];
		}
	}
	memcpy(s->cores, kept, n_kept * sizeof(kept[0]));
	s->n_cores = n_kept;
}

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
	pinned_drop_siblings(s, cfg->sysfs_root ? cfg->sysfs_root : "/sys");
	s->exclusive = cfg->exclusive;
	if (s->exclusive && s->n_cores > 1)
		s->n_cores = 1;
	*drv = s;
	return 0;
}

/* In the child, before exec: its own process group, so that a terminal's Ctrl-C (SIGINT
 * to the foreground group) reaches only the harness, which finishes the window and stops
 * the runners itself (as the container and microvm drivers do); then bind to one core and
 * read the binding back. */
static int
pinned_bind(void *arg)
{
	int core = *(int *)arg;
	cpu_set_t set, got;

	if (setpgid(0, 0) != 0)
		return errno;

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

	if (s->exclusive && id > 0)
		return jb_err_set(err, -EBUSY,
				  "pinned: --exclusive runs one instance on the whole machine; "
				  "instance %u cannot start", id);
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

/* CPU time of the instance process: the first field of /proc/PID/schedstat, time on a CPU
 * in ns (Documentation/scheduler/sched-stats.rst). */
static int
pinned_cpu_ns(void *drv, const struct driver_instance *inst, uint64_t *cpu_ns,
	      struct jb_err *err)
{
	char p[64];
	unsigned long long v;
	FILE *f;
	int n;

	(void)drv;
	snprintf(p, sizeof(p), "/proc/%d/schedstat", inst->pid);
	f = fopen(p, "re");
	if (!f)
		return jb_err_set(err, -errno, "pinned: %s: %s", p, strerror(errno));
	n = fscanf(f, "%llu", &v);
	fclose(f);
	if (n != 1)
		return jb_err_set(err, -EINVAL, "pinned: malformed %s", p);
	*cpu_ns = v;
	return 0;
}

static void
pinned_describe(void *drv, struct driver_info *info)
{
	struct pinned_state *s = drv;

	memset(info, 0, sizeof(*info));
	driver_cpus_format(s->cores, s->n_cores, info->cores, sizeof(info->cores));
	driver_cpus_format(s->idle, s->n_idle, info->smt_idle, sizeof(info->smt_idle));
	info->exclusive = s->exclusive;
	info->max_instances = (unsigned)s->n_cores;
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
	.cpu_ns = pinned_cpu_ns,
	.describe = pinned_describe,
};
