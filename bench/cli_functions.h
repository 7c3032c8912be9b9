/* SPDX-License-Identifier: MIT */
/*
 * `-f PATH` of run, compare and list (docs/functions.md): the user's functions, loaded
 * after the whole command line is read (so --language and --interpreter apply to every
 * -f wherever they stand), listed in a run next to the built-in workloads.
 */
#ifndef JB_CLI_FUNCTIONS_H
#define JB_CLI_FUNCTIONS_H

#include <stddef.h>

#include "function_workload.h"
#include "protocol.h"

#define CLI_FUNCTIONS_RO_MAX 64

struct cli_functions {
	const char *path[PROTO_WORKLOADS_MAX];   /* as given with -f */
	size_t n_paths;
	struct function_workload *fw[PROTO_WORKLOADS_MAX];
	size_t n;
	struct function_options opts;
	char spec_dir[64];                       /* the run's resolved files; "" none yet */
	/* What a sandbox must see of them, at the same paths (driver_config.ro_paths). */
	const char *ro_paths[CLI_FUNCTIONS_RO_MAX + 1];
	size_t n_ro;
	/* The OCI images functions run in, once each (driver_config.images). */
	struct driver_image images[PROTO_WORKLOADS_MAX];
	size_t n_images;
	/* What a microVM's root file system is made of (driver_config.guest_dirs, ...). */
	const char *guest_dirs[CLI_FUNCTIONS_RO_MAX + 1];
	size_t n_dirs;
	const char *guest_programs[CLI_FUNCTIONS_RO_MAX + 1];
	size_t n_programs;
};

/** cli_functions_note() - remember one -f @path. Return: 0, or 2 after a message (too
 * many). */
int cli_functions_note(struct cli_functions *fs, const char *path, const char *cmd);

/**
 * cli_functions_load() - load every noted function (a bad one: one line naming the field,
 * and 2). When @cfg is not NULL they are added to its workloads; with @workloads_given 0
 * they replace the default 'all'. Return: 0 or an exit code.
 */
int cli_functions_load(struct cli_functions *fs, struct proto_config *cfg, int workloads_given,
		       const char *cmd);

/**
 * cli_functions_driver_check() - a function in an OCI image runs only under a driver that
 * takes images (the container driver). Return: 0, or 2 after one line naming the field.
 */
int cli_functions_driver_check(const struct cli_functions *fs, const struct driver_ops *d,
			       const char *cmd);

/** cli_functions_fini() - free them and remove the resolved files. */
void cli_functions_fini(struct cli_functions *fs);

#endif
