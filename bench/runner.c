/* SPDX-License-Identifier: MIT */
/*
 * runner_run() (runner.h): the protocol's events to the user. Only this side prints.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ci_target.h"
#include "cli.h"
#include "runner.h"

struct runner_sink {
	int quiet;
	struct runner_report *rep;
	const char *workload;          /* of the progress line in place, for its newline */
	struct ci_target *ci;          /* --ci-target: the rows feed its windows */
};

static void
runner_notice(void *arg, const char *line)
{
	struct runner_sink *k = arg;

	if (!k->quiet)
		fprintf(stderr, "joulebench: %s\n", line);
}

/* Progress on stderr when it is a terminal: which workload, which window, and an ETA
 * from the pace so far. Quiet otherwise, so logs hold only context lines. */
static void
runner_progress(void *arg, const struct proto_progress *p)
{
	struct runner_sink *k = arg;
	double frac, elapsed_s, eta_s;

	if (k->quiet || !isatty(STDERR_FILENO))
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

	if (summary_add(&k->rep->summary, row) || (k->ci && ci_target_row(k->ci, row)))
		return jb_err_set(err, -ENOMEM, "out of memory");
	return 0;
}

int
runner_run(const struct proto_config *cfg, int quiet, struct runner_report *rep,
	   struct jb_err *err)
{
	struct runner_sink k = { .quiet = quiet, .rep = rep };
	struct proto_config pc = *cfg;

	if (cfg->until.enough == ci_target_enough)
		k.ci = cfg->until.arg;
	memset(rep, 0, sizeof(*rep));
	pc.events = (struct proto_events){ .arg = &k, .notice = runner_notice,
					   .progress = runner_progress, .row = runner_row };
	return proto_run(&pc, &rep->proto, err);
}

void
runner_report_fini(struct runner_report *rep)
{
	summary_fini(&rep->summary);
}

/* DESIGN §7's exit codes for a run that could not proceed, by where it stopped. */
int
runner_exit_code(const struct runner_report *rep, int rc)
{
	switch (rep->proto.stage) {
	case PROTO_STAGE_METER:
		/* A meter that vanished or locked up between probe and open is still "not
		 * available here". */
		return CLI_EXIT_UNAVAILABLE;
	case PROTO_STAGE_DOMAINS:
	case PROTO_STAGE_RESUME:
	case PROTO_STAGE_OUTPUT:
		return CLI_EXIT_USAGE;
	case PROTO_STAGE_DRIVER:
		return (rc == -EINVAL || rc == -ENOENT) ? CLI_EXIT_USAGE : CLI_EXIT_UNAVAILABLE;
	case PROTO_STAGE_RUN:
	default:
		return CLI_EXIT_FAILED;
	}
}
