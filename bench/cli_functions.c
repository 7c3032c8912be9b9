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
#include <sys/stat.h>
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

/* 1 when @path is @dir or inside it. */
static int
path_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '\0' || path[n] == '/');
}

/* Add @path (a copy) to what sandboxes bind, once; a path inside the system directories
 * every bundle has already is left out. */
static void
ro_add(struct cli_functions *fs, const char *path)
{
	static const char *const system[] = { "/usr/", "/bin/", "/lib/", "/lib64/", "/sbin/" };
	size_t i;

	for (i = 0; i < sizeof(system) / sizeof(system[0]); i++)
		if (!strncmp(path, system[i], strlen(system[i])))
			return;
	/* One bind per tree: a path inside a listed one is seen through it, and a listed
	 * path inside the new one is dropped (gVisor refused a bind over a bind, runc
	 * stacked them). */
	for (i = 0; i < fs->n_ro; i++)
		if (path_within(path, fs->ro_paths[i]))
			return;
	for (i = 0; i < fs->n_ro;) {
		if (path_within(fs->ro_paths[i], path)) {
			free((char *)fs->ro_paths[i]);
			fs->ro_paths[i] = fs->ro_paths[--fs->n_ro];
			fs->ro_paths[fs->n_ro] = NULL;
		} else {
			i++;
		}
	}
	if (fs->n_ro < CLI_FUNCTIONS_RO_MAX && (fs->ro_paths[fs->n_ro] = strdup(path)))
		fs->n_ro++;
}

/* The installation prefix of program @exe: /opt/py/bin/python3 -> /opt/py. */
static void
ro_add_prefix(struct cli_functions *fs, const char *exe)
{
	char p[4096], *s;

	if (!exe || exe[0] != '/')
		return;
	snprintf(p, sizeof(p), "%s", exe);
	for (int up = 0; up < 2 && (s = strrchr(p, '/')) && s != p; up++)
		*s = '\0';
	ro_add(fs, p);
}

/* Add a copy of @s to the NULL-terminated @list of @n, once. */
static void
list_add(const char **list, size_t *n, const char *s)
{
	size_t i;

	if (!s || !*s)
		return;
	for (i = 0; i < *n; i++)
		if (!strcmp(list[i], s))
			return;
	if (*n < CLI_FUNCTIONS_RO_MAX && (list[*n] = strdup(s)))
		(*n)++;
}

static void
ro_collect(struct cli_functions *fs, const struct function_workload *fw, const char *adapters)
{
	const char *files = fw->def.dir;
	struct stat st;

	ro_add(fs, fs->spec_dir);
	/* An image holds everything else the function needs. */
	if (fw->def.image_digest[0])
		return;
	/* A SeBS directory: input.py and config.json beside the code directory. */
	if (stat(fw->def.file, &st) == 0 && S_ISDIR(st.st_mode))
		files = fw->def.file;
	ro_add(fs, files);
	list_add(fs->guest_dirs, &fs->n_dirs, files);
	if (fw->def.protocol == FUNCTION_PROTO_SEBS_PYTHON ||
	    fw->def.protocol == FUNCTION_PROTO_SEBS_NODE) {
		ro_add(fs, adapters);
		list_add(fs->guest_dirs, &fs->n_dirs, adapters);
	}
	ro_add_prefix(fs, fw->def.interpreter);
	ro_add_prefix(fs, fw->def.event_argv[0]);
	ro_add_prefix(fs, fw->def.check_argv[0]);
	ro_add_prefix(fs, fw->def.argv[0]);
	list_add(fs->guest_programs, &fs->n_programs, fw->def.interpreter);
	list_add(fs->guest_programs, &fs->n_programs, fw->def.event_argv[0]);
	list_add(fs->guest_programs, &fs->n_programs, fw->def.check_argv[0]);
	list_add(fs->guest_programs, &fs->n_programs, fw->def.argv[0]);
}

static void
images_collect(struct cli_functions *fs, const struct function_workload *fw)
{
	size_t i;

	if (!fw->def.image_digest[0])
		return;
	for (i = 0; i < fs->n_images; i++)
		if (!strcmp(fs->images[i].digest, fw->def.image_digest))
			return;
	fs->images[fs->n_images++] = (struct driver_image){ .layout = fw->def.image_layout,
							     .tag = fw->def.image_tag,
							     .digest = fw->def.image_digest };
}

int
cli_functions_driver_check(const struct cli_functions *fs, const struct driver_ops *d,
			   const char *cmd)
{
	size_t i;

	if (d->runs_images)
		return 0;
	for (i = 0; i < fs->n; i++)
		if (fs->fw[i]->def.image_digest[0]) {
			/* pinned runs a function on the host's files; a chroot into the image
			 * would be isolation, which that rung by definition does not have. */
			fprintf(stderr, "joulebench %s: %s: field 'image': the %s driver cannot run "
					"a function in an OCI image; -d container can\n", cmd,
				fs->fw[i]->def.file, d->name);
			return CLI_EXIT_USAGE;
		}
	return 0;
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
		/* World-readable: a container's runner is nobody (drivers/oci_bundle.c). */
		if (!mkdtemp(fs->spec_dir) || chmod(fs->spec_dir, 0755) != 0) {
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
		ro_collect(fs, fw, adapter_dir());
		images_collect(fs, fw);
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
		cfg->driver_cfg.ro_paths = fs->ro_paths;
		cfg->driver_cfg.images = fs->images;
		cfg->driver_cfg.n_images = fs->n_images;
		cfg->driver_cfg.guest_dirs = fs->guest_dirs;
		cfg->driver_cfg.guest_programs = fs->guest_programs;
		cfg->driver_cfg.spec_dir = fs->spec_dir;
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
	for (i = 0; i < fs->n_ro; i++)
		free((char *)fs->ro_paths[i]);
	fs->n_ro = 0;
	fs->n_images = 0;
	for (i = 0; i < fs->n_dirs; i++)
		free((char *)fs->guest_dirs[i]);
	fs->n_dirs = 0;
	for (i = 0; i < fs->n_programs; i++)
		free((char *)fs->guest_programs[i]);
	fs->n_programs = 0;
	if (fs->spec_dir[0])
		rmdir(fs->spec_dir);
	fs->spec_dir[0] = '\0';
}
