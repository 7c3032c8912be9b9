/* SPDX-License-Identifier: MIT */
/*
 * The OpenSSH client side of `joulebench run --hosts` (fleet-private.h): every remote
 * command is one `ssh ... -p PORT -- TARGET CMD` with BatchMode (a password prompt would
 * hang the run), a connect timeout, and keep-alives: ServerAliveInterval=5 with
 * ServerAliveCountMax=3 (ssh_config(5)) end the session when a host has not answered for
 * 15 s, so a dropped host is a failed host, not a hang (options given in $JOULEBENCH_SSH
 * come first, and for ssh the first value of an option wins). Files travel as `cat` over
 * ssh, not scp: OpenSSH 9's scp speaks SFTP and needs the server's sftp subsystem. Stop
 * signals are collected with sigtimedwait while a command runs; during the remote run they
 * are passed on to it. fleet__host_run() is one host's whole run: it runs in a process of
 * its own (fleet.c), with its own local directory h->dir.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fleet-private.h"

extern char **environ;

/* Append @s to @buf single-quoted for the remote POSIX shell. 0 or -ENAMETOOLONG. */
int
fleet__quote_append(char *buf, size_t len, const char *s)
{
	size_t n = strlen(buf);

	if (n + 3 >= len)
		return -ENAMETOOLONG;
	buf[n++] = ' ';
	buf[n++] = '\'';
	for (; *s; s++) {
		const char *piece = *s == '\'' ? "'\\''" : NULL;
		size_t k = piece ? 4 : 1;

		if (n + k + 2 >= len)
			return -ENAMETOOLONG;
		memcpy(buf + n, piece ? piece : s, k);
		n += k;
	}
	buf[n++] = '\'';
	buf[n] = '\0';
	return 0;
}

/* A stop signal came during the remote run: pass it on as SIGTERM to the remote joulebench
 * (its pid is in its directory), so that it stops the way a local run stops. */
static void
remote_stop(struct fleet *f, const struct fleet_host *h)
{
	char cmd[400];

	fleet__notice(f->ev, "joulebench: fleet: %s: stopping the remote run", h->entry);
	snprintf(cmd, sizeof(cmd), "kill -TERM $(cat %.200s/pid)", h->rdir);
	(void)fleet__ssh_run(f, h, cmd, NULL, NULL);
}

/* Run `ssh ... -p PORT TARGET CMD` with stdin from @in and stdout to @out (NULL: /dev/null
 * and our stderr), in a process group of its own so that a terminal's ^C reaches only us.
 * Return its exit status (255: ssh itself failed) or -errno. */
int
fleet__ssh_run(struct fleet *f, const struct fleet_host *h, const char *cmd, const char *in,
	       const char *out)
{
	char *argv[FLEET_SSH_WORDS + 12];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none;
	size_t n = 0, i;
	pid_t pid;
	int rc, st;

	for (i = 0; i < f->n_ssh; i++)
		argv[n++] = f->ssh[i];
	argv[n++] = "-o";
	argv[n++] = "BatchMode=yes";
	argv[n++] = "-o";
	argv[n++] = "ConnectTimeout=10";
	argv[n++] = "-o";
	argv[n++] = "ServerAliveInterval=5";
	argv[n++] = "-o";
	argv[n++] = "ServerAliveCountMax=3";
	argv[n++] = "-p";
	argv[n++] = (char *)h->port;
	argv[n++] = "--";
	argv[n++] = (char *)h->target;
	argv[n++] = (char *)cmd;
	argv[n] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, in ? in : "/dev/null", O_RDONLY, 0);
	if (out)
		posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	else
		posix_spawn_file_actions_adddup2(&fa, 2, 1);
	sigemptyset(&none);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
				      POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &f->stop_set);
	rc = posix_spawnp(&pid, argv[0], &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (rc)
		return -rc;
	for (;;) {
		struct timespec tick = { 0, 50 * 1000 * 1000 };

		rc = (int)waitpid(pid, &st, WNOHANG);
		if (rc == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (rc < 0 && errno != EINTR)
			return -errno;
		/* Short commands (copies, cat, rm) finish; only the run itself is stopped. */
		if (sigtimedwait(&f->stop_set, NULL, &tick) > 0 && !f->stopped) {
			f->stopped = 1;
			if (f->running == h)
				remote_stop(f, h);
		}
	}
}

/* fleet__ssh_run() into a small local file, whose first line lands in @buf. */
int
fleet__ssh_line(struct fleet *f, const struct fleet_host *h, const char *cmd, char *buf,
		size_t len)
{
	char path[PATH_MAX + 8];
	FILE *fp;
	int rc;

	snprintf(path, sizeof(path), "%s/line", h->dir);
	rc = fleet__ssh_run(f, h, cmd, NULL, path);
	buf[0] = '\0';
	fp = fopen(path, "r");
	if (fp) {
		if (fgets(buf, (int)len, fp))
			buf[strcspn(buf, "\r\n")] = '\0';
		fclose(fp);
	}
	unlink(path);
	return rc;
}


/* Copy @local to @name in the host's directory, executable. */
static int
fleet__copy_to(struct fleet *f, const struct fleet_host *h, const char *local,
	       const char *name)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "cat > %.200s/%s && chmod 755 %.200s/%s", h->rdir, name,
		 h->rdir, name);
	return fleet__ssh_run(f, h, cmd, local, NULL);
}

int
fleet__binaries_find(struct fleet *f, struct fleet_host *h, const char *arch)
{
	struct utsname u;
	const char *dir = NULL, *env = getenv("JOULEBENCH_CROSS_DIR");
	char base[PATH_MAX];

	uname(&u);
	if (!strcmp(arch, u.machine)) {
		const char *fn = f->ev->fn_find(f->fn);

		snprintf(h->bin, sizeof(h->bin), "%s", f->self);
		snprintf(h->fn, sizeof(h->fn), "%s", fn ? fn : "");
		return fn ? 0 : -ENOENT;
	}
	if (!strcmp(arch, "aarch64") || !strcmp(arch, "arm64"))
		dir = "build-cross-aarch64";
	else if (!strncmp(arch, "armv7", 5) || !strcmp(arch, "armhf"))
		dir = "build-cross-armhf";
	if (!dir)
		return -ENOEXEC;
	/* By default the source tree above this build's bench/joulebench, where
	 * scripts/cross-check builds them. */
	if (env && *env) {
		snprintf(base, sizeof(base), "%s", env);
	} else {
		char *s;

		snprintf(base, sizeof(base), "%s", f->self);
		for (int up = 0; up < 3 && (s = strrchr(base, '/')); up++)
			*s = '\0';
	}
	snprintf(h->bin, sizeof(h->bin), "%.2000s/%s/bench/joulebench", base, dir);
	snprintf(h->fn, sizeof(h->fn), "%.2000s/%s/workloads/joulebench-fn", base, dir);
	return access(h->bin, X_OK) || access(h->fn, X_OK) ? -ENOENT : 0;
}

/* Fetch the host's file @name into h->dir. Return ssh's status. */
static int
fetch(struct fleet *f, struct fleet_host *h, const char *name)
{
	char cmd[400], local[PATH_MAX + 64];

	snprintf(local, sizeof(local), "%s/%s", h->dir, name);
	snprintf(cmd, sizeof(cmd), "cat %.200s/%s", h->rdir, name);
	int rc = fleet__ssh_run(f, h, cmd, NULL, local);

	if (rc)
		unlink(local);
	return rc;
}

void
fleet__host_run(struct fleet *f, struct fleet_host *h)
{
	char cmd[8192];
	size_t i;
	int rc;

	if (!h->arch[0]) {
		rc = fleet__ssh_line(f, h, "uname -m", h->arch, sizeof(h->arch));
		if (rc || !h->arch[0]) {
			fleet__notice(f->ev, "joulebench: fleet: %s: `ssh %s uname -m` failed (exit %d)",
				h->entry, h->target, rc);
			h->code = JB_EXIT_FAILED;
			return;
		}
	}
	rc = fleet__binaries_find(f, h, h->arch);
	if (rc) {
		fleet__notice(f->ev, "joulebench: fleet: %s: no joulebench for %s%s%s", h->entry,
			h->arch, rc == -ENOENT ? " at " : " (aarch64, armv7l or this machine's)",
			rc == -ENOENT ? h->bin : "");
		if (rc == -ENOENT && strcmp(h->bin, f->self))
			fleet__notice(f->ev, "joulebench: fleet: build it with scripts/cross-check, or "
					"set JOULEBENCH_CROSS_DIR to the tree holding build-cross-*");
		h->code = JB_EXIT_USAGE;
		return;
	}
	rc = fleet__ssh_line(f, h, "mktemp -d /tmp/jb-fleet.XXXXXX", h->rdir, sizeof(h->rdir));
	if (rc || strncmp(h->rdir, "/tmp/jb-fleet.", 14) || strchr(h->rdir, '\'')) {
		fleet__notice(f->ev, "joulebench: fleet: %s: mktemp over ssh failed (exit %d)",
			h->entry, rc);
		h->rdir[0] = '\0';
		h->code = JB_EXIT_FAILED;
		return;
	}
	if (!f->quiet)
		fleet__notice(f->ev, "joulebench: fleet: %s (%s): copying %s and %s to %s",
			      h->entry, h->arch, h->bin, h->fn, h->rdir);
	if (fleet__copy_to(f, h, h->bin, "joulebench") || fleet__copy_to(f, h, h->fn, "joulebench-fn")) {
		fleet__notice(f->ev, "joulebench: fleet: %s: copying the binaries failed", h->entry);
		h->code = JB_EXIT_FAILED;
		goto cleanup;
	}
	/* exec: the shell's pid becomes joulebench's, which remote_stop() signals. */
	snprintf(cmd, sizeof(cmd), "cd %s && echo $$ > pid && exec ./joulebench run", h->rdir);
	rc = 0;
	for (i = 0; i < f->n_args && !rc; i++)
		rc = fleet__quote_append(cmd, sizeof(cmd), f->args[i]);
	if (rc) {
		fleet__notice(f->ev, "joulebench: fleet: the options are too long for ssh");
		h->code = JB_EXIT_USAGE;
		goto cleanup;
	}
	snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd),
		 " --run-id '%s' --fn %s/joulebench-fn -o %s/run.csv --no-plot", f->run_id, h->rdir,
		 h->rdir);
	if (!f->quiet)
		fleet__notice(f->ev, "joulebench: fleet: %s: joulebench run", h->entry);
	if (f->stopped)
		goto cleanup;
	f->running = h;
	h->code = fleet__ssh_run(f, h, cmd, NULL, NULL);
	f->running = NULL;
	if (h->code == 255 || h->code < 0) {
		fleet__notice(f->ev, "joulebench: fleet: %s: ssh failed during the run (the host dropped "
				"or the connection broke)", h->entry);
		h->code = JB_EXIT_FAILED;
	}
	(void)fetch(f, h, "run.meta.json");
	if (fetch(f, h, "run.csv") && !h->code) {
		fleet__notice(f->ev, "joulebench: fleet: %s: fetching the CSV failed", h->entry);
		h->code = JB_EXIT_FAILED;
	}
cleanup:
	snprintf(cmd, sizeof(cmd), "rm -rf %s", h->rdir);
	(void)fleet__ssh_run(f, h, cmd, NULL, NULL);
}
