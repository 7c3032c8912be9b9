/* SPDX-License-Identifier: MIT */
/*
 * The OpenSSH client side of `joulebench run --hosts` (fleet-private.h): every remote
 * command is one `ssh ... -p PORT -- TARGET CMD` with BatchMode (a password prompt would
 * hang the run) and a connect timeout. Files travel as `cat` over ssh, not scp: OpenSSH 9's
 * scp speaks SFTP and needs the server's sftp subsystem. Stop signals are collected with
 * sigtimedwait while a command runs; during the remote run they are passed on to it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
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

	fprintf(stderr, "joulebench: fleet: %s: stopping the remote run\n", h->entry);
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
	char path[128];
	FILE *fp;
	int rc;

	snprintf(path, sizeof(path), "%s/line", f->ltmp);
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
int
fleet__copy_to(struct fleet *f, const struct fleet_host *h, const char *local,
	       const char *name)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "cat > %.200s/%s && chmod 755 %.200s/%s", h->rdir, name,
		 h->rdir, name);
	return fleet__ssh_run(f, h, cmd, local, NULL);
}
