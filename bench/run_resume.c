/* SPDX-License-Identifier: MIT */
/*
 * `joulebench run --resume FILE` (run-private.h): the interrupted run's configuration
 * rebuilt from the command line kept in its sidecar, and the state of each workload from
 * its rows, so that no row is written twice.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "jb_clock.h"
#include "run-private.h"

/* --resume FILE: rebuild the configuration from the command line kept in FILE's sidecar,
 * and the state of each workload from FILE's rows. Only -q, --no-plot and --fn may be
 * given with it (the binaries may have moved). */
int
run_resume(struct proto_config *cfg, struct run_opts *o, struct resume_info *ri)
{
	struct run_opts given_o = *o;
	struct jb_err err = { 0 };
	int rc, help, i;

	rc = resume_load(given_o.resume, ri, &err);
	if (rc) {
		fprintf(stderr, "joulebench run: --resume: %s\n", err.msg);
		return rc == -ENOMEM ? CLI_EXIT_FAILED : CLI_EXIT_USAGE;
	}
	run_opts_defaults(cfg, o, cli_stop_install());
	rc = run_parse(cfg, o, ri->n_command, ri->command, &help);
	if (rc || help) {
		fprintf(stderr, "joulebench run: --resume: the stored command line does not parse\n");
		return CLI_EXIT_USAGE;
	}
	for (i = 1; i < ri->n_command; i++)
		if (!strcmp(ri->command[i], "--resume")) {
			/* It was itself a resume: its own argv pointed at the original. */
			fprintf(stderr, "joulebench run: --resume: sidecar holds a resume command\n");
			return CLI_EXIT_USAGE;
		}
	snprintf(o->out, sizeof(o->out), "%s", given_o.resume);
	o->resume = given_o.resume;
	o->no_plot = given_o.no_plot;
	if (given_o.fn)
		o->fn = given_o.fn;
	o->quiet = given_o.quiet;
	cfg->overwrite = 0;
	cfg->resume_mode = 1;
	cfg->resume_run_id = ri->run_id;
	cfg->resume_started_unix_ns = ri->started_unix_ns;
	memcpy(cfg->resumed_unix_ns, ri->resumed_unix_ns, sizeof(cfg->resumed_unix_ns));
	cfg->n_resumed = ri->n_resumed;
	cfg->resumed_unix_ns[cfg->n_resumed++] = jb_clock_unix_ns();
	cfg->resume = ri->wl;
	cfg->n_resume = ri->n_wl;
	cfg->resume_all = ri->all;
	cfg->resume_identity = &ri->id;
	cfg->resume_allow_host_change = given_o.allow_host_change;
	cfg->resume_host_changes = (const char (*)[RESULTS_META_HOST_CHANGE_LEN])ri->host_changes;
	cfg->n_resume_host_changes = ri->n_host_changes;
	/* The sidecar keeps the original command line, not this one. */
	cfg->command = ri->command;
	cfg->n_command = (size_t)ri->n_command;
	return 0;
}

int
run_only_resume_options(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--resume") || !strcmp(a, "--fn")) {
			i++;
			continue;
		}
		if (!strncmp(a, "--resume=", 9) || !strncmp(a, "--fn=", 5) || !strcmp(a, "-q") ||
		    !strcmp(a, "--quiet") || !strcmp(a, "--no-plot") ||
		    !strcmp(a, "--resume-allow-host-change"))
			continue;
		fprintf(stderr, "joulebench run: --resume takes the run's own options from its "
				"sidecar; '%s' cannot be given with it\n", a);
		return CLI_EXIT_USAGE;
	}
	return 0;
}
