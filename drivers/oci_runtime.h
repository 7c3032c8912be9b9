/* SPDX-License-Identifier: MIT */
/*
 * The OCI runtime (runc or crun) the container driver runs containers with. crun needs
 * the unified cgroup hierarchy and refuses a hybrid or v1 host, so the pick depends on the
 * cgroup layout; runc works on both. Every call here runs the runtime as a child process.
 */
#ifndef JB_OCI_RUNTIME_H
#define JB_OCI_RUNTIME_H

#include <limits.h>
#include <stddef.h>

struct oci_runtime {
	char name[16];        /* "runc", "crun" */
	char path[PATH_MAX];
	char version[128];    /* first line of `--version` */
	int cg_version;       /* 1 or 2, of the hierarchy under the cgroup root */
};

/**
 * oci_runtime_pick() - @want (a name or path), or else crun then runc: the first one found
 * on $PATH that answers `--version` and suits the cgroup hierarchy under @cg_root.
 * Return: 0 with a one-line description in @why; -EACCES (not root), -ENODEV (none
 * usable, every candidate's reason in @why).
 */
int oci_runtime_pick(const char *want, const char *cg_root, struct oci_runtime *rt, char *why,
		     size_t why_len);

/** oci_runtime_known() - the name of the @i-th runtime tried when none is named, or NULL
 * past the last. */
const char *oci_runtime_known(size_t i);

/** oci_runtime_cmd() - run `<runtime> VERB [A1 [A2]]` with no stdio and wait.
 * Return: its exit status (128 + signal when killed), or -errno when it could not start. */
int oci_runtime_cmd(const struct oci_runtime *rt, const char *verb, const char *a1,
		    const char *a2);

/**
 * oci_runtime_reap_stale() - delete containers (ids jb-<pid>-<n>) and bundle directories
 * (joulebench-ctr-<pid>-*) of harnesses that no longer exist, and their cgroups under
 * @cg_parent: what a harness killed with SIGKILL could not remove.
 */
void oci_runtime_reap_stale(const struct oci_runtime *rt, const char *cg_root,
			    const char *cg_parent);

/** oci_runtime_tmp_dir() - where bundles go: $TMPDIR or /tmp. */
const char *oci_runtime_tmp_dir(void);

#endif
