/* SPDX-License-Identifier: MIT */
/*
 * Instances (instance.h): the requests of the joulebench-fn protocol through a driver.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "function_workload.h"
#include "instance.h"
#include "jb_clock.h"

void
instance_init(struct instance *in, const struct driver_ops *ops, void *drv,
	      const struct workload_desc *wl, enum workload_size size, uint64_t seed,
	      unsigned id)
{
	memset(in, 0, sizeof(*in));
	in->ops = ops;
	in->drv = drv;
	in->wl = wl;
	in->size = size;
	in->seed = seed;
	in->id = id;
	in->inst.id = id;
	in->inst.core = -1;
}

static struct jb_fn_request
instance_request(const struct instance *in, enum jb_proto_verb verb)
{
	struct jb_fn_request req = { .verb = verb, .seed = in->seed };

	snprintf(req.workload, sizeof(req.workload), "%s", in->wl->name);
	snprintf(req.size, sizeof(req.size), "%s", workload_size_name(in->size));
	if (in->wl->function)
		snprintf(req.spec, sizeof(req.spec), "%s", in->wl->function->spec_path);
	return req;
}

int
instance_start(struct instance *in, struct jb_err *err)
{
	int rc;

	/* Each start: a driver may clear the instance when it fills it. */
	in->inst.image = in->wl->function && in->wl->function->def.image_digest[0]
				 ? in->wl->function->def.image_digest : NULL;
	rc = in->ops->start_instance(in->drv, in->id, &in->inst, err);

	in->have = rc == 0;
	return rc;
}

int
instance_prepare(struct instance *in, struct jb_err *err)
{
	struct jb_fn_request req = instance_request(in, JB_PROTO_PREPARE);
	struct jb_fn_result res;
	int rc = in->ops->invoke(in->drv, &in->inst, &req, &res, err);

	if (!rc && strcmp(res.status, JB_STATUS_OK) != 0)
		rc = jb_err_set(err, -EINVAL, "prepare: %.200s",
				res.msg[0] ? res.msg : "prepare failed");
	return rc;
}

int
instance_cpu_ns(struct instance *in, uint64_t *cpu_ns)
{
	return in->ops->cpu_ns ? in->ops->cpu_ns(in->drv, &in->inst, cpu_ns, NULL) : -ENOTSUP;
}

int
instance_invoke(struct instance *in, struct rows_record *v, int driver_cpu)
{
	struct jb_fn_request req = instance_request(in, JB_PROTO_INVOKE);
	struct jb_err e = { 0 };
	uint64_t c0 = 0, c1 = 0, t0;
	int have_c0 = 0;

	memset(v, 0, sizeof(*v));
	v->kind = ROWS_INVOKE;
	v->wl = in->wl;
	v->instance = in->id;
	v->core = in->inst.core;
	if (driver_cpu)
		have_c0 = instance_cpu_ns(in, &c0) == 0;
	v->start_unix_ns = jb_clock_unix_ns();
	t0 = jb_clock_mono_ns();
	v->rc = in->ops->invoke(in->drv, &in->inst, &req, &v->res, &e);
	v->rt_ns = jb_clock_mono_ns() - t0;
	/* A user's function that hung or died ends its runner after this reply (fn_user.h):
	 * the instance is lost, as when the runner itself dies, and is replaced. */
	if (!v->rc && (!strcmp(v->res.status, "timeout") || !strcmp(v->res.status, "crashed"))) {
		v->rc = jb_err_set(&e, !strcmp(v->res.status, "timeout") ? -ETIMEDOUT : -EPIPE,
				   "%s", v->res.msg);
	}
	v->wall_ns = v->rc ? v->rt_ns : v->res.wall_ns;
	if (!driver_cpu) {
		v->cpu_ns = v->res.cpu_ns;
		v->cpu_ok = !v->rc;
	} else if (have_c0 && instance_cpu_ns(in, &c1) == 0 && c1 >= c0) {
		v->cpu_ns = c1 - c0;
		v->cpu_ok = 1;
	} else if (!v->rc && !in->ops->cpu_ns) {
		v->cpu_ns = v->res.cpu_ns; /* no cgroup: the runner's own CPU time */
		v->cpu_ok = 1;
	}
	if (v->rc)
		snprintf(v->err, sizeof(v->err), "%.*s", (int)sizeof(v->err) - 1, e.msg);
	return v->rc;
}

void
instance_stop(struct instance *in)
{
	if (in->have)
		in->ops->stop_instance(in->drv, &in->inst);
	in->have = 0;
}

void
instance_cold_note(struct rows_record *v, uint64_t start_ns)
{
	char note[48], msg[sizeof(v->res.msg)];
	double s = (double)start_ns / 1e9;
	const char *cold;

	if (v->rc || !v->wl || !v->wl->function)
		return;
	snprintf(note, sizeof(note), s >= 1 ? "instance start %.2f s" : "instance start %.1f ms",
		 s >= 1 ? s : s * 1e3);
	/* First in an ok row; after the reason in a failure's, before the runner's "cold: ". */
	cold = strstr(v->res.msg, "cold: ");
	if (!strcmp(v->res.status, "ok"))
		snprintf(msg, sizeof(msg), "%s%s%.200s", note, v->res.msg[0] ? "; " : "", v->res.msg);
	else if (cold)
		snprintf(msg, sizeof(msg), "%.*s%s; %.150s", (int)(cold - v->res.msg), v->res.msg,
			 note, cold);
	else
		snprintf(msg, sizeof(msg), "%.200s%s%s", v->res.msg, v->res.msg[0] ? "; " : "", note);
	memcpy(v->res.msg, msg, sizeof(msg));
}
