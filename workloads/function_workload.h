/* SPDX-License-Identifier: MIT */
/*
 * A user's function as a workload of a run (issue 24): the function file loaded and
 * resolved, its resolved form written where joulebench-fn reads it, and what the run's
 * sidecar records of it (the file, the SHA-256 of what runs, the interpreter and its
 * version). The descriptor it carries is listed in a run like a built-in kernel's.
 */
#ifndef JB_FUNCTION_WORKLOAD_H
#define JB_FUNCTION_WORKLOAD_H

#include "function_file.h"
#include "workload.h"

/* What the command line adds to a function (NULL fields: the defaults). */
struct function_options {
	const char *language;            /* SeBS directory: "python" (default) or "nodejs" */
	const char *interpreter;         /* overrides the function file's / the default */
};

struct function_workload {
	struct workload_desc desc;       /* desc.function points back here */
	struct function_def def;         /* resolved */
	char spec_path[640];             /* the resolved function file joulebench-fn reads */
	char sha256[65];                 /* function_dir_sha256() */
	char interpreter_version[128];   /* first line of `INTERPRETER --version`; "" */
	char summary[160];
};

/**
 * function_workload_load() - load the function file (or SeBS directory) at @path, resolve
 * it against @adapter_dir (where sebs_python.py and sebs_node.js are), write the resolved
 * form into @spec_dir (a directory without spaces in its path) and describe it.
 * Return: 0, -EINVAL (a bad field: @err names it), -ENOENT (a program or file missing)
 * or another -errno. Release with function_workload_free().
 */
int function_workload_load(const char *path, const char *adapter_dir, const char *spec_dir,
			   const struct function_options *opts, struct function_workload **out,
			   struct jb_err *err);

/** function_workload_free() - free one (NULL is fine) and remove its resolved file. */
void function_workload_free(struct function_workload *fw);

#endif
