/* SPDX-License-Identifier: MIT */
/*
 * The OCI runtime behind the container driver (oci_runtime.h): which one is usable here,
 * its version for the run metadata, running its one-shot verbs (kill, delete), and
 * cleaning up after a harness that was killed before it could clean up itself.
 * The runtime is always started with posix_spawn(3) and an argv, never through a shell:
 * joulebench runs as root, and a runtime path holding a quote, a space or `$(...)` must be
 * a path, not a command line.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "driver-private.h"
#include "oci_bundle.h"
#include "oci_runtime.h"

extern char **environ;

/* Start @path with @argv, its stdout on a pipe (*out), stdin and stderr on /dev/null.
 * 0 or -errno. */
static int
runtime_output_open(const char *path, char *const argv[], pid_t *pid, FILE **out)
{
	posix_spawn_file_actions_t fa;
	int fds[2], rc;

	if (pipe2(fds, O_CLOEXEC) != 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1); /* dup2 clears close-on-exec */
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	rc = posix_spawn(pid, path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (rc) {
		close(fds[0]);
		return -rc;
	}
	*out = fdopen(fds[0], "r");
	if (!*out) {
		rc = -errno;
		close(fds[0]);
		while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
			;
		return rc;
	}
	return 0;
}

/* Read the rest of the output (a runtime killed by SIGPIPE for writing after we stopped
 * reading would look like a failed one), close the pipe and reap the child: its exit
 * status, or -1 when it did not exit. */
static int
runtime_output_close(pid_t pid, FILE *out)
{
	char sink[512];
	int st = 0;

	while (fread(sink, 1, sizeof(sink), out) > 0)
		;
	fclose(out);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The first line of `<rt> --version`. */
static int
runtime_version(const char *rt_path, char *out, size_t len)
{
	char *argv[] = { (char *)rt_path, "--version", NULL };
	char line[256];
	FILE *p;
	pid_t pid;
	int rc, st;

	rc = runtime_output_open(rt_path, argv, &pid, &p);
	if (rc)
		return rc;
	if (!fgets(line, sizeof(line), p))
		line[0] = '\0';
	/* runtime_output_close() reads to the end: runsc prints a second line ("spec: ..."),
	 * and a pipe closed before it is written kills it with SIGPIPE, a spurious
	 * "--version failed". */
	st = runtime_output_close(pid, p);
	line[strcspn(line, "\n")] = '\0';
	snprintf(out, len, "%s", line);
	return (st == 0 && line[0]) ? 0 : -ENOEXEC;
}

/* The runtimes tried, in this order, when none is named; `joulebench list --names
 * runtimes` prints them for shell completion. */
static const char *const order[] = { "crun", "runc" };

const char *
oci_runtime_known(size_t i)
{
	return i < sizeof(order) / sizeof(order[0]) ? order[i] : NULL;
}

int
oci_runtime_pick(const char *want, const char *cg_root, struct oci_runtime *rt, char *why,
		 size_t why_len)
{
	char reasons[512] = "";
	size_t i, used = 0;

	char *path = rt->path, *ver = rt->version;
	size_t plen = sizeof(rt->path), vlen = sizeof(rt->version);

	memset(rt, 0, sizeof(*rt));
	rt->cg_version = cgroup_version_detect(cg_root);
	snprintf(rt->cg_root, sizeof(rt->cg_root), "%s", cg_root);
	if (geteuid() != 0) {
		snprintf(why, why_len, "the container driver needs root (rootless runc/crun is not "
				       "supported): run as root");
		return -EACCES;
	}
	if (rt->cg_version < 0) {
		snprintf(why, why_len, "no cgroup hierarchy with controllers under %s", cg_root);
		return -ENODEV;
	}
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const char *cand = order[i];
		const char *base;
		char ctrls[128];
		int n;

		if (want) {
			if (i)
				break;
			cand = want;
		}
		base = strrchr(cand, '/') ? strrchr(cand, '/') + 1 : cand;
		if (driver_exe_find(cand, path, plen)) {
			n = snprintf(reasons + used, sizeof(reasons) - used, "%s%s: not found",
				     used ? "; " : "", cand);
		} else if (!want && !strcmp(base, "crun") &&
			   crun_hybrid_controllers(cg_root, ctrls, sizeof(ctrls))) {
			/* Unasked, only a crun that runs as installed (crun.c). */
			n = snprintf(reasons + used, sizeof(reasons) - used,
				     "%s%s: refuses this hybrid cgroup host (v2 controllers: %s); "
				     "--runtime crun runs it in a v1 view", used ? "; " : "", cand,
				     ctrls);
		} else if (runtime_version(path, ver, vlen)) {
			n = snprintf(reasons + used, sizeof(reasons) - used,
				     "%s%s: `--version` failed", used ? "; " : "", cand);
		} else {
			snprintf(rt->name, sizeof(rt->name), "%.*s", (int)sizeof(rt->name) - 1, base);
			rt->v1_view = !strcmp(base, "crun") &&
				      crun_hybrid_controllers(cg_root, ctrls, sizeof(ctrls));
			snprintf(why, why_len, "%s (%s), cgroup v%d%s", path, ver, rt->cg_version,
				 rt->v1_view ? " (crun in a v1 view of this hybrid host)" : "");
			return 0;
		}
		if (n > 0 && (size_t)n < sizeof(reasons) - used)
			used += (size_t)n;
	}
	snprintf(why, why_len, "no usable OCI runtime (%s); install runc, or runsc for gVisor "
		 "(scripts/install-deps --drivers)", reasons);
	return -ENODEV;
}

int
oci_runtime_cmd(const struct oci_runtime *rt, const char *verb, const char *a1, const char *a2)
{
	char *argv[6];
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st = 0, rc, i = 0;

	argv[i++] = (char *)rt->path;
	argv[i++] = (char *)verb;
	if (a1)
		argv[i++] = (char *)a1;
	if (a2)
		argv[i++] = (char *)a2;
	argv[i] = NULL;
	if (rt->v1_view) {
		/* The view is set up in the child (crun.c), which posix_spawn cannot do. */
		pid = fork();
		if (pid < 0)
			return -errno;
		if (pid == 0) {
			int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

			if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0 ||
			    crun_view_enter(rt->cg_root) != 0)
				_exit(127);
			execv(rt->path, argv);
			_exit(127);
		}
		goto wait;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	rc = posix_spawn(&pid, rt->path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		return -rc;
wait:
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

const char *
oci_runtime_tmp_dir(void)
{
	return getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
}

/* Bundle directories of harnesses that no longer exist: joulebench-ctr-<pid>-XXXXXX. */
static void
stale_bundles_remove(void)
{
	DIR *d = opendir(oci_runtime_tmp_dir());
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char p[PATH_MAX];
		long pid;

		if (sscanf(e->d_name, "joulebench-ctr-%ld-", &pid) != 1 || pid <= 0 ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(p, sizeof(p), "%.200s/%.200s", oci_runtime_tmp_dir(), e->d_name);
		(void)oci_bundle_remove(p);
	}
	closedir(d);
}

void
oci_runtime_reap_stale(const struct oci_runtime *rt, const char *cg_root, const char *cg_parent)
{
	char *argv[] = { (char *)rt->path, "list", "--quiet", NULL };
	char id[64];
	FILE *p;
	pid_t lister;

	if (runtime_output_open(rt->path, argv, &lister, &p))
		return;
	while (fgets(id, sizeof(id), p)) {
		long pid;
		char cg[96];

		id[strcspn(id, "\n")] = '\0';
		if (sscanf(id, "jb-%ld-", &pid) != 1 || pid <= 0 || kill((pid_t)pid, 0) == 0 ||
		    errno != ESRCH)
			continue;
		(void)oci_runtime_cmd(rt, "delete", "--force", id);
		snprintf(cg, sizeof(cg), "%.30s/%.60s", cg_parent, id);
		cgroup_dir_remove(cg_root, rt->cg_version, cg);
	}
	(void)runtime_output_close(lister, p);
	stale_bundles_remove();
}

