/* SPDX-License-Identifier: MIT */
/*
 * `-f PATH` (cli_functions.h). The resolved function files go to a private directory
 * under $TMPDIR (mkdtemp: no spaces, so the path travels in a protocol word), read by
 * joulebench-fn wherever the driver runs it, and removed when the command ends.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_functions.h"

/* The shipped adapters: $JOULEBENCH_ADAPTERS, else the source tree's, else installed. */
static const char *
adapter_dir(void)
{
	const char *env = getenv("JOULEBENCH_ADAPTERS");

	if (env && *env)
		return env;
	if (access(JB_ADAPTER_SRC_DIR "/sebs_python.py", R_OK) == 0)
		return JB_ADAPTER_SRC_DIR;
	return JB_ADAPTER_INSTALL_DIR;
}

int
cli_functions_note(struct cli_functions *fs, const char *path, const char *cmd)
{
	if (fs->n_paths == PROTO_WORKLOADS_MAX) {
		fprintf(stderr, "joulebench %s: too many -f (at most %d)\n", cmd, PROTO_WORKLOADS_MAX);
		return CLI_EXIT_USAGE;
	}
	fs->path[fs->n_paths++] = path;
	return 0;
}

int
cli_functions_load(struct cli_functions *fs, struct proto_config *cfg, int workloads_given,
		   const char *cmd)
{
	const char *tmp = getenv("TMPDIR");
	struct jb_err err = { 0 };
	size_t i, j;
	int rc;

	if (!fs->n_paths)
		return 0;
	if (!fs->spec_dir[0]) {
		snprintf(fs->spec_dir, sizeof(fs->spec_dir), "%.40s/jb-fn-XXXXXX",
			 tmp && *tmp && !strchr(tmp, ' ') ? tmp : "/tmp");
		if (!mkdtemp(fs->spec_dir)) {
			fprintf(stderr, "joulebench %s: mkdtemp %s: %s\n", cmd, fs->spec_dir,
				strerror(errno));
			fs->spec_dir[0] = '\0';
			return CLI_EXIT_FAILED;
		}
	}
	if (cfg && !workloads_given)
		cfg->n_workloads = 0;
	for (i = 0; i < fs->n_paths; i++) {
		struct function_workload *fw;

		rc = function_workload_load(fs->path[i], adapter_dir(), fs->spec_dir, &fs->opts, &fw,
					    &err);
		if (rc) {
			fprintf(stderr, "joulebench %s: %s\n", cmd, err.msg);
			return rc == -ENOMEM || rc == -EIO ? CLI_EXIT_FAILED : CLI_EXIT_USAGE;
		}
		fs->fw[fs->n++] = fw;
		if (workload_find(fw->desc.name)) {
			fprintf(stderr, "joulebench %s: %s: field 'name': '%s' is a built-in "
					"workload's name\n", cmd, fs->path[i], fw->desc.name);
			return CLI_EXIT_USAGE;
		}
		for (j = 0; j + 1 < fs->n; j++)
			if (!strcmp(fs->fw[j]->desc.name, fw->desc.name)) {
				fprintf(stderr, "joulebench %s: two functions are named '%s'\n", cmd,
					fw->desc.name);
				return CLI_EXIT_USAGE;
			}
		if (!cfg)
			continue;
		if (cfg->n_workloads == PROTO_WORKLOADS_MAX) {
			fprintf(stderr, "joulebench %s: too many workloads\n", cmd);
			return CLI_EXIT_USAGE;
		}
		cfg->workload[cfg->n_workloads++] = &fw->desc;
	}
	return 0;
}

void
cli_functions_fini(struct cli_functions *fs)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		function_workload_free(fs->fw[i]);
	fs->n = 0;
	if (fs->spec_dir[0])
		rmdir(fs->spec_dir);
	fs->spec_dir[0] = '\0';
}
