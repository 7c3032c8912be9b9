/* SPDX-License-Identifier: MIT */
/*
 * crun on a hybrid cgroup host, for the container driver with `--runtime crun`. crun
 * supports cgroup v2 and the legacy v1 layout, but on a hybrid host (v1 controllers under
 * /sys/fs/cgroup, cgroup2 at /sys/fs/cgroup/unified) it refuses to create a container as
 * soon as the v2 hierarchy has any controller: "cgroups in hybrid mode not supported, drop
 * all controllers from cgroupv2" (libcrun_cgroup_enter(), before any cgroup manager is
 * chosen, so --cgroup-manager=disabled does not help). A hybrid host whose v1 hierarchies
 * hold every controller the bundle sets (cpu, cpuacct, cpuset, memory, pids, devices) can
 * still run crun as a v1 host: in a private mount namespace without the unified mount,
 * crun finds the legacy layout and uses the v1 controllers, as runc does here. Every crun
 * command of such a run starts in that view (the unshare costs one system call and one
 * unmount in the child before it execs crun). Where crun still refuses, a probe container
 * started once in prepare turns its reason into one line, so the run is exit 77 instead of
 * a table of failed cold starts.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/magic.h>

#include "cgroup.h"
#include "driver-private.h"
#include "jb_clock.h"
#include "oci_bundle.h"
#include "oci_runtime.h"

#define PROBE_TIMEOUT_NS 30000000000ull

int
crun_hybrid_controllers(const char *cg_root, char *out, size_t len)
{
	char p[512];
	struct statfs fs;
	FILE *f;

	out[0] = '\0';
	snprintf(p, sizeof(p), "%s/unified", cg_root);
	if (statfs(cg_root, &fs) != 0 || fs.f_type != TMPFS_MAGIC || statfs(p, &fs) != 0 ||
	    fs.f_type != CGROUP2_SUPER_MAGIC)
		return 0;
	snprintf(p, sizeof(p), "%s/unified/cgroup.controllers", cg_root);
	if (!(f = fopen(p, "re")))
		return 0;
	if (!fgets(out, (int)len, f))
		out[0] = '\0';
	fclose(f);
	out[strcspn(out, "\n")] = '\0';
	return out[0] != '\0';
}

int
crun_view_enter(const char *cg_root)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/unified", cg_root);
	/* Slave first: the unmount must not propagate back to the host's namespace. */
	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0 ||
	    umount2(p, MNT_DETACH) != 0)
		return errno ? errno : EIO;
	return 0;
}

struct probe_arg {
	const struct oci_runtime *rt;
	const char *cg_root;
	const char *log;
};

static int
probe_pre_exec(void *arg)
{
	const struct probe_arg *a = arg;
	int fd = open(a->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || dup2(fd, 2) < 0)
		return errno;
	return a->rt->v1_view ? crun_view_enter(a->cg_root) : 0;
}

int
crun_probe(const struct oci_runtime *rt, const char *cg_root, const char *fn_path,
	   const char *base_dir, char *why, size_t len)
{
	struct oci_bundle_config bc = { .fn_path = fn_path, .memory_mb = 128,
					.args = { "--version" } };
	char id[64], dir[512], log[576], cg[96], tail[256];
	char *argv[] = { (char *)rt->path, "run", "--bundle", dir, id, NULL };
	struct probe_arg pa = { rt, cg_root, log };
	struct jb_err err = { 0 };
	struct fn_channel ch;
	int rc;

	snprintf(id, sizeof(id), "jb-%ld-probe", (long)getpid());
	snprintf(dir, sizeof(dir), "%.400s/%s", base_dir, id);
	snprintf(log, sizeof(log), "%s.log", dir);
	snprintf(cg, sizeof(cg), "/joulebench/%s", id);
	bc.cgroups_path = cg;
	bc.hostname = id;
	if ((rc = oci_bundle_write(dir, &bc, &err))) {
		snprintf(why, len, "crun probe: %s", err.msg);
		return rc;
	}
	rc = fn_channel_spawn(&ch, argv, probe_pre_exec, &pa, &err);
	if (!rc) {
		if (fn_channel_wait(&ch, PROBE_TIMEOUT_NS)) {
			(void)oci_runtime_cmd(rt, "kill", id, "KILL");
			rc = -ETIMEDOUT;
		} else if (!WIFEXITED(ch.status) || WEXITSTATUS(ch.status) != 0) {
			rc = -ENODEV;
		}
		fn_channel_close(&ch, 0);
	}
	driver_log_tail(log, tail, sizeof(tail));
	(void)oci_runtime_cmd(rt, "delete", "--force", id);
	cgroup_dir_remove(cg_root, rt->cg_version, cg);
	(void)oci_bundle_remove(dir);
	(void)unlink(log);
	if (rc)
		snprintf(why, len, "crun cannot run a container here%s: %s", rc == -ETIMEDOUT ?
			 " (its probe did not exit within 30 s)" : "", tail[0] ? tail :
			 err.msg[0] ? err.msg : "no message");
	return rc ? -ENODEV : 0;
}
