/* SPDX-License-Identifier: MIT */
/*
 * One life for the instances of the isolating drivers (container.c, microvm.c): naming, the
 * live list an aborted run's teardown reads, the request, the failure path (timeout, crash,
 * OOM kill, protocol error), the stop and the CPU time that splits a co-located window's
 * energy. Each driver's state and instance begin with struct isolated_host and struct
 * isolated_inst (isolated.h); its struct isolated_class says only how one of its instances
 * ends, which is what differs: a container's OOM kill is read from its kept cgroup, a
 * microVM's from the `died` line its guest's init sends.
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "isolated.h"
#include "microvm.h"
#include "oci_bundle.h"

int
isolated_cores_take(struct isolated_host *h, const struct driver_config *cfg,
		    struct jb_err *err)
{
	cpu_set_t set;
	size_t i;

	if (!cfg->cores || !cfg->n_cores)
		return 0;
	/* A cpuset the runtime would refuse is a usage error now, not a failed start per
	 * instance later. */
	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		CPU_ZERO(&set);
	for (i = 0; i < cfg->n_cores; i++) {
		if (cfg->cores[i] < 0 || cfg->cores[i] >= CPU_SETSIZE ||
		    !CPU_ISSET(cfg->cores[i], &set))
			return jb_err_set(err, -EINVAL, "%s: core %d is not available to this "
							"process", h->cls->driver, cfg->cores[i]);
		h->cores[i] = cfg->cores[i];
	}
	h->n_cores = cfg->n_cores;
	driver_cpus_format(cfg->cores, cfg->n_cores, h->cpuset, sizeof(h->cpuset));
	return 0;
}

void
isolated_name(struct isolated_host *h, struct isolated_inst *in, const char *prefix,
	      const char *cg_parent, const char *dir)
{
	unsigned serial;

	pthread_mutex_lock(&h->lock);
	serial = h->serial++;
	pthread_mutex_unlock(&h->lock);
	/* Ids carry the harness pid, so leftovers of a killed run can be told apart. */
	snprintf(in->id, sizeof(in->id), "%.8s-%ld-%u", prefix, (long)getpid(), serial);
	snprintf(in->cgroup, sizeof(in->cgroup), "%.40s/%s", cg_parent, in->id);
	snprintf(in->log, sizeof(in->log), "%.255s/%.47s.log", dir, in->id);
}

void
isolated_live_set(struct isolated_host *h, const char *id, int on)
{
	size_t i;

	pthread_mutex_lock(&h->lock);
	for (i = 0; i < h->live_max; i++) {
		if (on && !h->live[i][0]) {
			snprintf(h->live[i], sizeof(h->live[i]), "%s", id);
			break;
		}
		if (!on && !strcmp(h->live[i], id)) {
			h->live[i][0] = '\0';
			break;
		}
	}
	pthread_mutex_unlock(&h->lock);
}

void
isolated_fill(const struct isolated_host *h, struct isolated_inst *in, unsigned id,
	      const char *cpus_allowed, struct driver_instance *inst)
{
	memset(inst, 0, sizeof(*inst));
	inst->id = id;
	inst->pid = in->ch.pid;
	inst->core = h->n_cores == 1 ? h->cores[0] : -1;
	snprintf(inst->cpus_allowed, sizeof(inst->cpus_allowed), "%.127s", cpus_allowed);
	snprintf(inst->name, sizeof(inst->name), "%s", in->id);
	inst->priv = in;
}

int
isolated_invoke(void *drv, struct driver_instance *inst, const struct jb_fn_request *req,
		struct jb_fn_result *res, struct jb_err *err)
{
	struct isolated_host *h = drv;
	struct isolated_inst *in = inst->priv;
	char line[JB_PROTO_LINE_MAX];
	int n, rc;

	if (!in)
		return jb_err_set(err, -ESRCH, "%s: instance %u is not running", h->cls->driver,
				  inst->id);
	n = jb_proto_request_format(req, line, sizeof(line));
	if (n < 0)
		return jb_err_set(err, n, "request too long");
	rc = fn_channel_write(&in->ch, line, (size_t)n, err);
	if (!rc)
		rc = fn_channel_read_line(&in->ch, line, sizeof(line), h->timeout_ns, err);
	if (rc == -ETIMEDOUT)
		in->hung = 1;
	/* The function died as the request went out or before it replied: OOM or crash. */
	if (rc == -EPIPE)
		return h->cls->ended(drv, in, err);
	if (rc)
		return rc;
	if (h->cls->died && !strncmp(line, "died", 4))
		return h->cls->died(drv, in, line, err);
	return jb_proto_result_parse(line, res, err);
}

void
isolated_stop(void *drv, struct driver_instance *inst)
{
	struct isolated_host *h = drv;
	struct isolated_inst *in = inst->priv;

	if (!in)
		return;
	h->cls->destroy(drv, in);
	free(in); /* the driver's instance, which begins with @in */
	inst->priv = NULL;
	inst->pid = 0;
}

int
isolated_cpu_ns(void *drv, const struct driver_instance *inst, uint64_t *cpu_ns,
		struct jb_err *err)
{
	const struct isolated_host *h = drv;
	const struct isolated_inst *in = inst->priv;

	if (!in)
		return jb_err_set(err, -ESRCH, "%s: instance %u is not running", h->cls->driver,
				  inst->id);
	if (h->cg_version)
		return cgroup_cpu_ns_read(h->cg_root, h->cg_version, in->cgroup, cpu_ns, err);
	/* Only a microVM runs without one (not root): its VMM's threads (microvm_cgroup.c). */
	return microvm_tasks_cpu_ns(in->ch.pid, cpu_ns, err);
}

void
isolated_describe(const struct isolated_host *h, const char *runtime, const char *version,
		  const char *path, struct driver_info *info)
{
	memset(info, 0, sizeof(*info));
	snprintf(info->runtime, sizeof(info->runtime), "%s", runtime);
	snprintf(info->runtime_version, sizeof(info->runtime_version), "%s", version);
	snprintf(info->runtime_path, sizeof(info->runtime_path), "%.*s",
		 (int)sizeof(info->runtime_path) - 1, path);
	info->cgroup_version = h->cg_version;
	info->memory_mb = h->memory_mb;
	/* Without a cgroup (a microVM not run as root) there is no quota. */
	info->cpu_quota_us = h->cg_version ? oci_cpu_quota_us(h->memory_mb, OCI_CPU_PERIOD_US) : 0;
	info->cpu_period_us = h->cg_version ? OCI_CPU_PERIOD_US : 0;
	snprintf(info->cores, sizeof(info->cores), "%s", h->cpuset);
}
