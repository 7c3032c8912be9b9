/* SPDX-License-Identifier: MIT */
/*
 * runner_run() (runner.h): the command line's configuration to the protocol's, and the
 * protocol's events to the user. Only this side prints.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runner.h"

struct runner_sink {
	const struct runner_config *cfg;
	struct runner_report *rep;
	const char *workload;          /* of the progress line in place, for its newline */
};

static void
runner_notice(void *arg, const char *line)
{
	struct runner_sink *k = arg;

	if (!k->cfg->quiet)
		fprintf(stderr, "joulebench: %s\n", line);
}

/* Progress on stderr when it is a terminal: which workload, which window, and an ETA
 * from the pace so far. Quiet otherwise, so logs hold only context lines. */
static void
runner_progress(void *arg, const struct proto_progress *p)
{
	struct runner_sink *k = arg;
	double frac, elapsed_s, eta_s;

	if (k->cfg->quiet || !isatty(STDERR_FILENO))
		return;
	frac = (double)p->windows_done / (double)(p->windows_total ? p->windows_total : 1);
	elapsed_s = (double)p->elapsed_ns / 1e9;
	eta_s = frac > 0 ? elapsed_s * (1 - frac) / frac : 0;
	fprintf(stderr, "\r\033[K[%zu/%zu] %s window %u/%u  ETA %um%02us", p->workload_index + 1,
		p->n_workloads, p->workload, p->window, p->windows, (unsigned)(eta_s / 60),
		(unsigned)eta_s % 60);
	if (p->window == p->windows)
		fputc('\n', stderr);
}

static int
runner_row(void *arg, const struct results_row *row, struct jb_err *err)
{
	struct runner_sink *k = arg;

	return summary_add(&k->rep->summary, row) ? jb_err_set(err, -ENOMEM, "out of memory") : 0;
}

static void
runner_to_proto(const struct runner_config *c, struct proto_config *p, struct runner_sink *k)
{
	memset(p, 0, sizeof(*p));
	p->ctx = c->ctx;
	p->meter = c->meter;
	p->domains = c->domains;
	p->driver = c->driver;
	p->driver_cfg = c->driver_cfg;
	memcpy(p->workload, c->workload, sizeof(p->workload));
	p->n_workloads = c->n_workloads;
	p->size = c->size;
	p->seed = c->seed;
	p->runs = c->runs;
	p->warmup = c->warmup;
	p->cold = c->cold;
	p->batch = c->batch;
	p->concurrency = c->concurrency;
	p->rate_per_s = c->rate_per_s;
	p->keep_alive_s = c->keep_alive_s;
	p->min_window_s = c->min_window_s;
	p->idle_s = c->idle_s;
	p->out_path = c->out_path;
	p->overwrite = c->overwrite;
	p->drift_threshold_pct = c->drift_threshold_pct;
	p->stop = c->stop;
	p->command = c->argv;
	p->n_command = c->argc > 0 ? (size_t)c->argc : 0;
	p->resume_mode = c->resume_mode;
	p->resume_run_id = c->resume_run_id;
	p->resume_started_unix_ns = c->resume_started_unix_ns;
	memcpy(p->resumed_unix_ns, c->resumed_unix_ns, sizeof(p->resumed_unix_ns));
	p->n_resumed = c->n_resumed;
	p->resume = c->resume;
	p->n_resume = c->n_resume;
	p->resume_all = c->resume_all;
	p->events = (struct proto_events){ .arg = k, .notice = runner_notice,
					   .progress = runner_progress, .row = runner_row };
}

int
runner_run(const struct runner_config *cfg, struct runner_report *rep, struct jb_err *err)
{
	struct runner_sink k = { .cfg = cfg, .rep = rep };
	struct proto_config pc;
	struct proto_report pr;
	int rc;

	memset(rep, 0, sizeof(*rep));
	runner_to_proto(cfg, &pc, &k);
	rc = proto_run(&pc, &pr, err);
	rep->stage = (enum runner_stage)pr.stage;
	memcpy(rep->run_id, pr.run_id, sizeof(rep->run_id));
	memcpy(rep->meta_path, pr.meta_path, sizeof(rep->meta_path));
	rep->idle_before_w = pr.idle_before_w;
	rep->idle_after_w = pr.idle_after_w;
	rep->drift_flagged = pr.drift_flagged;
	rep->rows = pr.rows;
	rep->rows_not_ok = pr.rows_not_ok;
	rep->interrupted = pr.interrupted;
	rep->meter_kind = pr.meter_kind;
	memcpy(rep->meter_detail, pr.meter_detail, sizeof(rep->meter_detail));
	memcpy(rep->domains, pr.domains, sizeof(rep->domains));
	return rc;
}

void
runner_report_fini(struct runner_report *rep)
{
	summary_fini(&rep->summary);
}
