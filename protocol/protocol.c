/* SPDX-License-Identifier: MIT */
/*
 * proto_run() (protocol.h): the session's life. Open the meter and select its domains,
 * prepare the driver, open the results file, write a first sidecar, measure the idle
 * baseline, run the schedulers, measure the idle baseline again and judge its drift, close
 * the file and write the final sidecar, which says why the run ended even after a write
 * error.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jb_clock.h"
#include "resume.h"
#include "session.h"

static void
warn_noise(const struct session *s)
{
	if (strcmp(s->host.governor, "unknown") && strcmp(s->host.governor, "performance"))
		session_notice(s, "warning: cpufreq governor is '%s'; 'performance' gives steadier "
				  "energy", s->host.governor);
	if (!strcmp(s->host.turbo, "on"))
		session_notice(s, "warning: turbo is on; energy per invocation varies with "
				  "temperature");
	if (!strcmp(s->host.smt, "on"))
		session_notice(s, "warning: SMT is on; a sibling thread can share the pinned core's "
				  "power");
}

static void
base_fill(struct session *s)
{
	const struct proto_config *cfg = s->cfg;

	s->base = (struct rows_base){
		.run_id = s->rep->run_id, .host = s->host.host, .arch = s->host.arch,
		.driver = cfg->driver->name,
		.isolation = driver_isolation_name(cfg->driver, s->drv, &s->drv_info),
		.meter = cfg->meter->name, .meter_kind = s->rep->meter_kind,
		.domain = s->meter.selection, .scope = s->meter.scope, .size = workload_size_name(cfg->size),
		.seed = cfg->seed, .concurrency = 1, .idle_w = s->idle_w,
	};
}

static unsigned
windows_total(const struct session *s)
{
	const struct proto_config *cfg = s->cfg;
	size_t i, n = 0;

	for (i = 0; i < cfg->n_workloads; i++) {
		const struct proto_resume *d = session_resume_find(s, cfg->workload[i]->name);

		n += d ? (d->warm_windows < cfg->runs ? cfg->runs - d->warm_windows : 0) : cfg->runs;
	}
	return (unsigned)n;
}

/* The idle baseline after the run, and its drift from the one before. A drift that is
 * not a number (a baseline of 0 W) is flagged too: it cannot be shown to be small. */
static int
idle_after(struct session *s, struct jb_err *err)
{
	struct proto_report *rep = s->rep;
	double drift_pct;
	int rc = session_idle_power(s, &rep->idle_after_w, err);

	if (rc)
		return rc;
	rep->drift_flagged = session_drift_flagged(s->idle_w, rep->idle_after_w,
						   s->drift_threshold_pct, &drift_pct);
	session_notice(s, "idle power after the run %.3f W (drift %+.2f%%)", rep->idle_after_w,
		       drift_pct);
	if (rep->drift_flagged)
		session_notice(s, "warning: idle power drifted %+.2f%% (threshold %.1f%%): something "
				  "else ran, or the machine warmed up; dynamic energies are less "
				  "certain", drift_pct, s->drift_threshold_pct);
	return 0;
}

static int
run_measured(struct session *s, struct jb_err *err)
{
	const struct proto_config *cfg = s->cfg;
	size_t i;
	int rc;

	/* A stop that came before the run started (JOULEBENCH_STOPPED, or a signal while the
	 * meter and driver were opened) ends it here, with its sidecar and CSV header. */
	if (session_stopping(s))
		return 0;
	s->stage = SESSION_STAGE_BASELINE;
	session_notice(s, "idle baseline: %.1f s", cfg->idle_s);
	rc = session_idle_power(s, &s->idle_w, err);
	/* A baseline cut short by a stop is no baseline: before_w stays unmeasured. */
	if (rc || session_stopping(s))
		return rc;
	s->rep->idle_before_w = s->idle_w;
	s->rep->idle_noise_w = s->idle_noise_w;
	s->base.idle_w = s->idle_w;
	session_notice(s, "idle power %.3f W (noise %.3g W)", s->idle_w, s->idle_noise_w);
	s->windows_total = windows_total(s);
	s->t0_ns = jb_clock_mono_ns();
	s->stage = SESSION_STAGE_WINDOWS;
	if (sched_colocate_wanted(cfg))
		rc = sched_colocate_run(s, err);
	for (i = 0; i < cfg->n_workloads && !rc && !sched_colocate_wanted(cfg) &&
		    !session_stopping(s); i++)
		rc = sched_single_run(s, i, err);
	if (!rc && !session_stopping(s)) {
		s->stage = SESSION_STAGE_BASELINE_AFTER;
		rc = idle_after(s, err);
	}
	session_load_judge(s);
	if (s->rep->load_flagged)
		session_notice(s, "warning: %s", s->rep->load_why);
	return rc;
}

/* --resume: refuse to add to a run measured with anything else (resume.h). */
static int
resume_check(struct session *s, struct jb_err *err)
{
	const struct proto_config *cfg = s->cfg;
	struct results_meta_identity now = { 0 };
	struct driver_info info = { 0 };
	int rc;

	s->rep->stage = PROTO_STAGE_RESUME;
	if (cfg->driver->describe)
		cfg->driver->describe(s->drv, &info);
	snprintf(now.host, sizeof(now.host), "%s", s->host.host);
	snprintf(now.meter, sizeof(now.meter), "%s", cfg->meter->name);
	snprintf(now.domains, sizeof(now.domains), "%s", s->meter.selection);
	snprintf(now.driver, sizeof(now.driver), "%s", cfg->driver->name);
	snprintf(now.runtime, sizeof(now.runtime), "%s", info.runtime);
	snprintf(now.runtime_path, sizeof(now.runtime_path), "%s",
		 info.runtime[0] ? info.runtime_path : "");
	snprintf(now.fn_path, sizeof(now.fn_path), "%s", cfg->driver_cfg.fn_path);
	snprintf(now.version, sizeof(now.version), "%s (git %s)", JB_VERSION, JB_GIT_REVISION);
	rc = resume_identity_check(cfg->resume_identity, &now, cfg->resume_allow_host_change, err);
	if (rc != 1)
		return rc;
	snprintf(s->host_change, sizeof(s->host_change), "%.280s -> %.280s",
		 cfg->resume_identity->host, now.host);
	session_notice(s, "warning: continuing on host %s the run begun on %s "
		       "(--resume-allow-host-change; the sidecar's host_changes records it)",
		       now.host, cfg->resume_identity->host);
	return 0;
}

static int
open_all(struct session *s, struct jb_err *err)
{
	const struct proto_config *cfg = s->cfg;
	struct proto_report *rep = s->rep;
	int rc;

	rep->stage = PROTO_STAGE_METER;
	rc = meter_open(&s->meter, cfg->meter, &cfg->ctx, err);
	if (rc)
		return rc;
	rep->stage = PROTO_STAGE_DOMAINS;
	if (cfg->domains && (rc = meter_select(&s->meter, cfg->domains, err)))
		return rc;
	rep->meter_kind = cfg->meter->kind == METER_KIND_MODELED ? "modeled" : "measured";
	snprintf(rep->meter_detail, sizeof(rep->meter_detail), "%s", s->meter.info.detail);
	snprintf(rep->domains, sizeof(rep->domains), "%s", s->meter.selection);
	s->min_window_ns = cfg->min_window_s > 0 ? (uint64_t)(cfg->min_window_s * 1e9)
						 : s->meter.info.min_window_ns;
	rep->stage = PROTO_STAGE_DRIVER;
	rc = cfg->driver->prepare(&cfg->driver_cfg, &s->drv, err);
	if (rc) {
		s->drv = NULL; /* nothing to tear down */
		return rc;
	}
	if ((rc = sched_colocate_check(s, err)))
		return rc;
	if (cfg->resume_identity && (rc = resume_check(s, err)))
		return rc;
	rep->stage = PROTO_STAGE_OUTPUT;
	rc = cfg->resume_mode ? results_writer_open_append(cfg->out_path, &s->w, err)
			      : results_writer_open(cfg->out_path, cfg->overwrite, &s->w, err);
	if (rc)
		return rc;
	rep->stage = PROTO_STAGE_RUN;
	results_meta_path(cfg->out_path, rep->meta_path, sizeof(rep->meta_path));
	return 0;
}

/* Close the results file and write the final sidecar; the first error wins. */
static int
finish(struct session *s, uint64_t started_ns, int rc, struct jb_err *err)
{
	const char *ended = "completed", *why = "";
	struct jb_err e2 = { 0 };
	char stopped[256];
	int rc2;

	if (session_stopping(s)) {
		s->rep->interrupted = 1;
		ended = "interrupted";
		why = session_stop_describe(s, stopped, sizeof(stopped));
		session_notice(s, "interrupted: %s", why);
	}
	if (rc) {
		ended = "error";
		why = err->msg;
	}
	rc2 = results_writer_close(s->w, &e2);
	s->w = NULL;
	if (rc2 && !rc) {
		rc = rc2;
		*err = e2;
		ended = "error";
		why = err->msg;
	}
	/* Even after a write error (a full disk), say in the sidecar why the run ended. */
	rc2 = session_meta_write(s, started_ns, ended, why, &e2);
	if (rc2 && !rc) {
		rc = rc2;
		*err = e2;
	}
	return rc;
}

int
proto_run(const struct proto_config *cfg, struct proto_report *rep, struct jb_err *err)
{
	struct session *s = calloc(1, sizeof(*s));
	uint64_t started_ns = cfg->resume_mode ? cfg->resume_started_unix_ns : jb_clock_unix_ns();
	int rc;

	memset(rep, 0, sizeof(*rep));
	rep->idle_before_w = rep->idle_after_w = rep->idle_noise_w = rep->loaded_w = NAN;
	if (!s)
		return jb_err_set(err, -ENOMEM, "out of memory");
	s->cfg = cfg;
	s->rep = rep;
	s->drift_threshold_pct = cfg->drift_threshold_pct > 0 ? cfg->drift_threshold_pct : 5.0;
	sysinfo_read(&s->host);
	session_make_run_id(s);
	rc = open_all(s, err);
	if (!rc) {
		base_fill(s);
		session_notice(s, "%s %s on %s (%s, %s)", cfg->resume_mode ? "resuming run" : "run",
			       rep->run_id, s->host.host, s->host.cpu_model, s->host.kernel);
		session_notice(s, "meter %s (%s): %s; domains: %s", cfg->meter->name,
			       rep->meter_kind, s->meter.info.detail, s->meter.selection);
		warn_noise(s);
		rc = session_meta_write(s, started_ns, "running", "", err);
		if (!rc)
			rc = run_measured(s, err);
		rc = finish(s, started_ns, rc, err);
	} else if (s->w) {
		struct jb_err e2 = { 0 };

		(void)results_writer_close(s->w, &e2);
	}
	if (s->drv)
		cfg->driver->teardown(s->drv);
	meter_close(&s->meter);
	free(s);
	return rc;
}
