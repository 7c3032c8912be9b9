/* SPDX-License-Identifier: MIT */
/*
 * The OCI runtime (runc or crun) the container driver runs containers with. crun refuses a
 * hybrid cgroup host whose v2 hierarchy has controllers; named with --runtime it runs
 * there in a v1-only view (crun.c), and it is picked unasked only where it needs none.
 * runc works on every layout. Every call here runs the runtime as a child process.
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
	int v1_view;          /* crun on a hybrid host: each call in crun_view_enter() */
	char cg_root[64];
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

/**
 * crun_hybrid_controllers() - 1 when @cg_root is a hybrid layout whose v2 hierarchy
 * (@cg_root/unified) has controllers, which crun refuses; they go into @out.
 */
int crun_hybrid_controllers(const char *cg_root, char *out, size_t len);

/**
 * crun_view_enter() - in a child, before it execs crun: a private mount namespace (slave
 * of ours) without @cg_root/unified, where a hybrid host looks like cgroup v1.
 * Return: 0 or a positive errno (fn_channel_pre_exec's convention).
 */
int crun_view_enter(const char *cg_root);

/**
 * crun_probe() - run one container of `joulebench-fn --version` with @rt (crun), its
 * bundle under @base_dir, and clean it up. Return: 0, or -ENODEV with crun's own reason
 * in @why (one line).
 */
int crun_probe(const struct oci_runtime *rt, const char *cg_root, const char *fn_path,
	       const char *base_dir, char *why, size_t len);

/** oci_runtime_tmp_dir() - where bundles go: $TMPDIR or /tmp. */
const char *oci_runtime_tmp_dir(void);

#endif
