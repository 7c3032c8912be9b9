/* SPDX-License-Identifier: MIT */
/*
 * The run's sidecar <run>.meta.json (DESIGN §5, results/README.md): host, meter, driver,
 * protocol parameters, idle baseline and drift, workloads, the caller's command line
 * (kept verbatim for --resume) and how the run ended. Written at the start ("running"),
 * so a run killed outright still says what it was, and again at the end.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "function_workload.h"
#include "jb_clock.h"
#include "session.h"

/* The driver's own description (runtime, cgroup version, quota, cores, idle SMT siblings). */
static void
meta_driver(const struct session *r, json_object *d)
{
	struct driver_info info;

	if (!r->cfg->driver->describe || !r->drv)
		return;
	r->cfg->driver->describe(r->drv, &info);
	if (info.runtime[0]) {
		json_object_object_add(d, "runtime", json_object_new_string(info.runtime));
		json_object_object_add(d, "runtime_version",
				       json_object_new_string(info.runtime_version));
		json_object_object_add(d, "runtime_path", json_object_new_string(info.runtime_path));
		json_object_object_add(d, "cgroup_version", json_object_new_int(info.cgroup_version));
		json_object_object_add(d, "memory_mb", json_object_new_int64((int64_t)info.memory_mb));
		json_object_object_add(d, "cpu_quota_us",
				       json_object_new_int64((int64_t)info.cpu_quota_us));
		json_object_object_add(d, "cpu_period_us",
				       json_object_new_int64((int64_t)info.cpu_period_us));
	}
	if (info.guest_root[0])
		json_object_object_add(d, "guest_root", json_object_new_string(info.guest_root));
	json_object_object_add(d, "cores", json_object_new_string(info.cores));
	json_object_object_add(d, "smt_siblings_idle", json_object_new_string(info.smt_idle));
	json_object_object_add(d, "exclusive", json_object_new_boolean(info.exclusive));
	json_object_object_add(d, "concurrency",
			       json_object_new_int((int)(r->cfg->concurrency ? r->cfg->concurrency : 1)));
	json_object_object_add(d, "rate_per_s", json_object_new_double(r->cfg->rate_per_s));
	json_object_object_add(d, "keep_alive_s", json_object_new_double(r->cfg->keep_alive_s));
}

/* JSON has no NaN: a value that was not measured is null. */
static json_object *
json_num(double v)
{
	return isfinite(v) ? json_object_new_double(v) : NULL;
}

void
session_make_run_id(struct session *r)
{
	time_t now = time(NULL);
	struct tm tm;
	char stamp[32];

	if (r->cfg->resume_run_id) {
		snprintf(r->rep->run_id, sizeof(r->rep->run_id), "%s", r->cfg->resume_run_id);
		return;
	}
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(r->rep->run_id, sizeof(r->rep->run_id), "%s-%.40s-%ld", stamp, r->host.host,
		 (long)getpid());
}

/* The sidecar's stopped_at: where a stop found the run (results/README.md). */
static const char *const stage_name[] = {
	[SESSION_STAGE_START] = "start",
	[SESSION_STAGE_BASELINE] = "idle_baseline",
	[SESSION_STAGE_WINDOWS] = "windows",
	[SESSION_STAGE_BASELINE_AFTER] = "idle_baseline_after",
};

const char *
session_stop_describe(const struct session *r, char *buf, size_t len)
{
	switch (r->stage) {
	case SESSION_STAGE_START:
		snprintf(buf, len, "SIGINT or SIGTERM before the run started: no window measured");
		break;
	case SESSION_STAGE_BASELINE:
		snprintf(buf, len, "SIGINT or SIGTERM during the idle baseline: no window "
			 "measured");
		break;
	case SESSION_STAGE_WINDOWS:
		if (!r->windows_done) {
			snprintf(buf, len, "SIGINT or SIGTERM during the cold starts or warmup: no "
				 "window measured");
			break;
		}
		snprintf(buf, len, "SIGINT or SIGTERM after %u window(s): stopped after the window "
			 "in progress", r->windows_done);
		break;
	case SESSION_STAGE_BASELINE_AFTER:
	default:
		snprintf(buf, len, "SIGINT or SIGTERM during the idle baseline after the last of "
			 "%u window(s)", r->windows_done);
		break;
	}
	return buf;
}

/* --ci-target: the rule, and per workload (co-located: "" for the run) how many warm
 * windows ran and whether the target was reached or what stopped it. */
static json_object *
meta_until(const struct session *r)
{
	const struct proto_until *u = &r->cfg->until;
	json_object *o = json_object_new_object(), *a = json_object_new_array(), *d;
	size_t i;

	json_object_object_add(o, "target_pct", json_num(u->target_pct));
	json_object_object_add(o, "min_windows", json_object_new_int((int)r->cfg->runs));
	json_object_object_add(o, "max_windows", json_object_new_int((int)u->max_windows));
	json_object_object_add(o, "max_time_s", json_num(u->max_time_s));
	for (i = 0; i < r->rep->n_until; i++) {
		const struct proto_until_outcome *x = &r->rep->until[i];

		d = json_object_new_object();
		json_object_object_add(d, "workload", json_object_new_string(x->workload));
		json_object_object_add(d, "windows", json_object_new_int((int)x->windows));
		json_object_object_add(d, "reached",
				       json_object_new_boolean(x->end == PROTO_UNTIL_TARGET));
		json_object_object_add(d, "ended_by",
				       json_object_new_string(proto_until_end_name(x->end)));
		json_object_array_add(a, d);
	}
	json_object_object_add(o, "outcomes", a);
	return o;
}

/* A user's function (issue 24): the file, the digest of what ran, the interpreter, and
 * the OCI image it ran in (the manifest's digest). */
static void
meta_function_add(json_object *d, const struct function_workload *fw)
{
	json_object *f = json_object_new_object();

	json_object_object_add(f, "file", json_object_new_string(fw->def.file));
	json_object_object_add(f, "dir", json_object_new_string(fw->def.dir));
	json_object_object_add(f, "protocol",
			       json_object_new_string(function_protocol_name(fw->def.protocol)));
	json_object_object_add(f, "sha256", json_object_new_string(fw->sha256));
	json_object_object_add(f, "command", json_object_get(json_object_object_get(fw->def.root,
										  "command")));
	if (fw->def.image_digest[0]) {
		char ref[sizeof(fw->def.image_layout) + sizeof(fw->def.image_tag) + 2];

		snprintf(ref, sizeof(ref), "%s:%s", fw->def.image_layout, fw->def.image_tag);
		json_object_object_add(f, "image", json_object_new_string(ref));
		json_object_object_add(f, "image_digest", json_object_new_string(fw->def.image_digest));
	}
	if (fw->def.interpreter) {
		json_object_object_add(f, "interpreter", json_object_new_string(fw->def.interpreter));
		json_object_object_add(f, "interpreter_version",
				       json_object_new_string(fw->interpreter_version));
	}
	json_object_object_add(d, "function", f);
}

static json_object *
meta_build(const struct session *r, uint64_t started_ns, const char *ended, const char *why)
{
	const struct proto_config *cfg = r->cfg;
	json_object *o = json_object_new_object(), *h, *m, *d, *doms, *p, *idle, *lf, *wls, *a;
	size_t i;

	json_object_object_add(o, "schema_version", json_object_new_int(RESULTS_SCHEMA_VERSION));
	json_object_object_add(o, "run_id", json_object_new_string(r->rep->run_id));
	json_object_object_add(o, "joulebench_version", json_object_new_string(JB_VERSION));
	json_object_object_add(o, "git_revision", json_object_new_string(JB_GIT_REVISION));
	json_object_object_add(o, "started_unix_ns", json_object_new_int64((int64_t)started_ns));
	json_object_object_add(o, "ended_unix_ns",
			       json_object_new_int64((int64_t)jb_clock_unix_ns()));
	json_object_object_add(o, "ended", json_object_new_string(ended));
	json_object_object_add(o, "ended_reason", json_object_new_string(why));
	/* How far a stopped run got; resumed runs count only their own windows here. */
	json_object_object_add(o, "stopped_at", strcmp(ended, "interrupted") ? NULL
				: json_object_new_string(stage_name[r->stage]));
	json_object_object_add(o, "windows_measured", json_object_new_int((int)r->windows_done));
	a = json_object_new_array();
	for (i = 0; i < cfg->n_command; i++)
		json_object_array_add(a, json_object_new_string(cfg->command[i]));
	json_object_object_add(o, "argv", a);
	a = json_object_new_array();
	for (i = 0; i < cfg->n_resumed; i++)
		json_object_array_add(a, json_object_new_int64((int64_t)cfg->resumed_unix_ns[i]));
	json_object_object_add(o, "resumed_unix_ns", a);
	/* Deliberate changes of host by --resume-allow-host-change, "from -> to". */
	a = json_object_new_array();
	for (i = 0; i < cfg->n_resume_host_changes; i++)
		json_object_array_add(a, json_object_new_string(cfg->resume_host_changes[i]));
	if (r->host_change[0])
		json_object_array_add(a, json_object_new_string(r->host_change));
	json_object_object_add(o, "host_changes", a);

	h = json_object_new_object();
	json_object_object_add(h, "host", json_object_new_string(r->host.host));
	json_object_object_add(h, "arch", json_object_new_string(r->host.arch));
	json_object_object_add(h, "kernel", json_object_new_string(r->host.kernel));
	json_object_object_add(h, "cpu_model", json_object_new_string(r->host.cpu_model));
	json_object_object_add(h, "cpus_online", json_object_new_int64(r->host.cpus_online));
	json_object_object_add(h, "governor", json_object_new_string(r->host.governor));
	json_object_object_add(h, "turbo", json_object_new_string(r->host.turbo));
	json_object_object_add(h, "transparent_hugepage", json_object_new_string(r->host.thp));
	json_object_object_add(h, "smt", json_object_new_string(r->host.smt));
	json_object_object_add(h, "cgroup", json_object_new_string(r->host.cgroup));
	json_object_object_add(o, "host", h);

	m = json_object_new_object();
	json_object_object_add(m, "name", json_object_new_string(cfg->meter->name));
	json_object_object_add(m, "kind", json_object_new_string(r->rep->meter_kind));
	json_object_object_add(m, "detail", json_object_new_string(r->meter.info.detail));
	json_object_object_add(m, "domains_summed", json_object_new_string(r->meter.selection));
	json_object_object_add(m, "scope", json_object_new_string(r->meter.scope));
	json_object_object_add(m, "resolution_j", json_object_new_double(r->meter.info.resolution_j));
	json_object_object_add(m, "update_interval_ns",
			       json_object_new_int64((int64_t)r->meter.info.update_interval_ns));
	json_object_object_add(m, "min_window_ns", json_object_new_int64((int64_t)r->min_window_ns));
	json_object_object_add(m, "rejected_counter_jumps", json_object_new_int((int)r->meter.rejected));
	json_object_object_add(m, "poll_interval_ns", json_object_new_int64((int64_t)r->meter.poll_ns));
	doms = json_object_new_array();
	for (i = 0; i < r->meter.info.n_domains; i++) {
		d = json_object_new_object();
		json_object_object_add(d, "name", json_object_new_string(r->meter.info.domain[i].name));
		json_object_object_add(d, "scope",
				       json_object_new_string(jb_scope_name(r->meter.info.domain[i].scope)));
		json_object_object_add(d, "parent",
				       json_object_new_string(r->meter.info.domain[i].parent));
		json_object_object_add(d, "max_energy_range_uj",
				       json_object_new_int64((int64_t)r->meter.info.domain[i].max_energy_range_uj));
		json_object_object_add(d, "summed", json_object_new_boolean(r->meter.selected[i]));
		json_object_array_add(doms, d);
	}
	json_object_object_add(m, "domains", doms);
	json_object_object_add(o, "meter", m);

	d = json_object_new_object();
	json_object_object_add(d, "name", json_object_new_string(cfg->driver->name));
	json_object_object_add(d, "isolation", json_object_new_string(cfg->driver->isolation));
	json_object_object_add(d, "fn_path", json_object_new_string(cfg->driver_cfg.fn_path));
	meta_driver(r, d);
	json_object_object_add(o, "driver", d);

	p = json_object_new_object();
	json_object_object_add(p, "size", json_object_new_string(workload_size_name(cfg->size)));
	json_object_object_add(p, "seed", json_object_new_int64((int64_t)cfg->seed));
	json_object_object_add(p, "runs", json_object_new_int((int)cfg->runs));
	json_object_object_add(p, "warmup", json_object_new_int((int)cfg->warmup));
	json_object_object_add(p, "cold", json_object_new_int((int)cfg->cold));
	json_object_object_add(p, "batch", json_object_new_int((int)cfg->batch));
	json_object_object_add(p, "idle_s", json_object_new_double(cfg->idle_s));
	json_object_object_add(p, "timeout_ns", json_object_new_int64((int64_t)cfg->driver_cfg.timeout_ns));
	if (cfg->until.enough)
		json_object_object_add(p, "ci_target", meta_until(r));
	json_object_object_add(o, "protocol", p);

	idle = json_object_new_object();
	json_object_object_add(idle, "before_w", json_num(r->rep->idle_before_w));
	json_object_object_add(idle, "after_w", json_num(r->rep->idle_after_w));
	json_object_object_add(idle, "drift_pct",
			       json_num(100.0 * (r->rep->idle_after_w - r->rep->idle_before_w) /
					r->rep->idle_before_w));
	json_object_object_add(idle, "drift_threshold_pct", json_num(r->drift_threshold_pct));
	json_object_object_add(idle, "drift_flagged",
			       json_object_new_boolean(r->rep->drift_flagged));
	json_object_object_add(idle, "noise_w", json_num(r->rep->idle_noise_w));
	json_object_object_add(o, "idle_baseline", idle);

	/* Did the run's load show in the meter at all (session_load_judge())? */
	lf = json_object_new_object();
	json_object_object_add(lf, "loaded_w", json_num(r->rep->loaded_w));
	json_object_object_add(lf, "flagged", json_object_new_boolean(r->rep->load_flagged));
	json_object_object_add(lf, "reason", json_object_new_string(r->rep->load_why));
	json_object_object_add(o, "load_following", lf);

	wls = json_object_new_array();
	for (i = 0; i < cfg->n_workloads; i++) {
		const struct workload_desc *w = cfg->workload[i];

		d = json_object_new_object();
		json_object_object_add(d, "name", json_object_new_string(w->name));
		json_object_object_add(d, "modeled_on", json_object_new_string(w->modeled_on));
		json_object_object_add(d, "work_unit", json_object_new_string(w->work_unit));
		json_object_object_add(d, "size_param_name", json_object_new_string(w->size_param_name));
		json_object_object_add(d, "size_param",
				       json_object_new_int64((int64_t)w->size_param[cfg->size]));
		if (w->function)
			meta_function_add(d, w->function);
		json_object_array_add(wls, d);
	}
	json_object_object_add(o, "workloads", wls);
	return o;
}

int
session_meta_write(const struct session *r, uint64_t started_ns, const char *ended, const char *why,
	   struct jb_err *err)
{
	json_object *o = meta_build(r, started_ns, ended, why);
	int rc = results_meta_write(r->cfg->out_path,
				    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
									      JSON_C_TO_STRING_NOSLASHESCAPE),
				    err);

	json_object_put(o);
	return rc;
}

