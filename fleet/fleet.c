/* SPDX-License-Identifier: MIT */
/*
 * `joulebench run --hosts FILE` (fleet.h): one `[user@]host[:port] [arch] [group=G]` per
 * line of FILE (# comments). For each host: its architecture (`uname -m` over ssh unless
 * the line names it), the matching binaries (this build for this machine's architecture,
 * the cross builds of scripts/cross-check for aarch64 and armv7l), copied with `cat` over
 * ssh into a `mktemp -d` directory (no scp: OpenSSH 9's scp needs the sftp subsystem), then
 * `joulebench run` there with the same options, the fleet's --run-id and -o in that
 * directory; its CSV and sidecar are fetched back into a local directory of that host's
 * own and the remote directory removed (fleet_ssh.c). --parallel N runs up to N hosts at
 * once, each in a process of its own; hosts of one group (a shared meter or power supply:
 * one's load would show in the other's energy) run one at a time. When all have ended,
 * fleet_gather.c makes one CSV of one run, the same code `joulebench gather` uses for a
 * Slurm fleet (results/README.md, "Fleet runs"): the run_id is the fleet's, the host
 * column the host as FILE names it (boards often share a host name).
 * SIGINT/SIGTERM are blocked and collected with sigtimedwait (no handler, no global): each
 * running host's process is sent SIGTERM, which it passes on to its remote run, so that
 * ends like an interrupted local run (the window in progress finishes, its rows are kept);
 * they are gathered, the remote directories removed, and no further host is started.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include <stdarg.h>

#include "fleet-private.h"
#include "jb_text.h"


const char *
fleet_hosts_arg(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--hosts"))
			return i + 1 < argc ? argv[i + 1] : "";
		if (!strncmp(argv[i], "--hosts=", 8))
			return argv[i] + 8;
	}
	return NULL;
}

static void
events_say(void (*say)(void *, const char *), void *arg, const char *fmt, va_list ap)
{
	char line[8192];

	if (!say)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	say(arg, line);
}

void
fleet__notice(const struct fleet_events *ev, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	events_say(ev->notice, ev->arg, fmt, ap);
	va_end(ap);
}

void
fleet__out(const struct fleet_events *ev, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	events_say(ev->out, ev->arg, fmt, ap);
	va_end(ap);
}

/* @fmt: one of the literals below, with two %s filled by @a and @b. */
static int
usage_err(const struct fleet *f, const char *fmt, const char *a, const char *b)
{
	char line[1024];

	snprintf(line, sizeof(line), fmt, a, b);
	fleet__notice(f->ev, "joulebench run --hosts: %s", line);
	return JB_EXIT_USAGE;
}

/* One hosts-file line into @h. Return 0 or -EINVAL. */
static int
host_parse(struct fleet_host *h, const char *line)
{
	char spec[256], w2[80] = "", w3[80] = "", extra[8] = "", *arch = "", *group = "";
	char *at, *colon, *end;
	int n = sscanf(line, "%255s %79s %79s %7s", spec, w2, w3, extra), i;
	long port = 22;

	if (n < 1 || n > 3 || strchr(spec, '[') || strchr(spec, '\''))
		return -EINVAL;
	for (i = 2; i <= n; i++) {
		char *w = i == 2 ? w2 : w3;

		if (!strncmp(w, "group=", 6) && w[6] && strlen(w + 6) < sizeof(h->group) && !*group)
			group = w + 6;
		else if (!strchr(w, '=') && strlen(w) < sizeof(h->arch) && !*arch)
			arch = w;
		else
			return -EINVAL;
	}
	n = *arch ? 2 : 1;
	snprintf(h->entry, sizeof(h->entry), "%.200s%s%.31s", spec, n == 2 ? " " : "", arch);
	at = strrchr(spec, '@');
	colon = strrchr(at ? at : spec, ':');
	if (colon) {
		errno = 0;
		port = strtol(colon + 1, &end, 10);
		if (errno || *end || port < 1 || port > 65535 || end == colon + 1)
			return -EINVAL;
		*colon = '\0';
	}
	if ((at && (at == spec || !at[1])) || !spec[0] || spec[0] == '-')
		return -EINVAL;
	snprintf(h->target, sizeof(h->target), "%s", spec);
	snprintf(h->port, sizeof(h->port), "%ld", port);
	snprintf(h->name, sizeof(h->name), "%.240s%s%.7s", at ? at + 1 : spec, colon ? ":" : "",
		 colon ? h->port : "");
	snprintf(h->arch, sizeof(h->arch), "%s", arch);
	snprintf(h->group, sizeof(h->group), "%s", group);
	h->code = -1;
	return 0;
}

static int
hosts_load(struct fleet *f, const char *path)
{
	char line[512];
	unsigned long no = 0;
	FILE *fp = fopen(path, "r");

	if (!fp)
		return usage_err(f, "cannot read %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), fp)) {
		char *hash = strchr(line, '#'), *p = line;

		no++;
		if (hash)
			*hash = '\0';
		p += strspn(p, " \t\r\n");
		if (!*p)
			continue;
		if (f->n == FLEET_HOSTS_MAX || host_parse(&f->host[f->n], p)) {
			char where[300];

			fclose(fp);
			snprintf(where, sizeof(where), "%.256s:%lu", path, no);
			return usage_err(f, "%s: want '[user@]host[:port] [arch] [group=G]' (at most 256 hosts), "
					 "got '%s'", where, strtok(p, "\r\n"));
		}
		f->n++;
	}
	fclose(fp);
	if (!f->n)
		return usage_err(f, "%s%s: no hosts in it", path, "");
	return 0;
}

/* The options for the remote `joulebench run`: ours without --hosts, -o and --fn, which
 * name local files. Return 0 or an exit code. */
static int
args_build(struct fleet *f, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		int with_value = !strcmp(a, "--hosts") || !strcmp(a, "-o") ||
				 !strcmp(a, "--output") || !strcmp(a, "--fn") ||
				 !strcmp(a, "--parallel") || !strcmp(a, "--run-id");
		unsigned long long u;

		if (with_value && i + 1 >= argc)
			return usage_err(f, "%s needs a value%s", a, "");
		if (!strcmp(a, "-o") || !strcmp(a, "--output"))
			f->out = argv[i + 1];
		else if (!strncmp(a, "--output=", 9))
			f->out = a + 9;
		else if (!strncmp(a, "-o", 2) && a[2])
			f->out = a + 2;
		else if (!strcmp(a, "--fn"))
			f->fn = argv[i + 1];
		else if (!strncmp(a, "--fn=", 5))
			f->fn = a + 5;
		else if (!strcmp(a, "--parallel") || !strncmp(a, "--parallel=", 11)) {
			if (jb_text_parse_uint(a[10] ? a + 11 : argv[i + 1], FLEET_HOSTS_MAX, &u) || !u)
				return usage_err(f, "bad value '%s' for --parallel: a count from 1 to "
						 "256%s", a[10] ? a + 11 : argv[i + 1], "");
			f->parallel = (unsigned)u;
		} else if (!strcmp(a, "--run-id"))
			snprintf(f->run_id, sizeof(f->run_id), "%s", argv[i + 1]);
		else if (!strncmp(a, "--run-id=", 9))
			snprintf(f->run_id, sizeof(f->run_id), "%s", a + 9);
		else if (!strcmp(a, "--resume") || !strncmp(a, "--resume=", 9))
			return usage_err(f, "%s cannot be used with --hosts%s", a, "");
		else if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return usage_err(f, "%s: see joulebench run --help%s", a, "");
		else if (!strncmp(a, "--hosts", 7) || !strcmp(a, "--no-plot"))
			;
		else if (f->n_args + 1 < FLEET_ARGS_MAX)
			f->args[f->n_args++] = (char *)a;
		else
			return usage_err(f, "too many options%s%s", "", "");
		if (!strcmp(a, "--force"))
			f->force = 1;
		if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
			f->quiet = 1;
		i += with_value && !strchr(a, '=');
	}
	return 0;
}

static int
fleet_setup(struct fleet *f, const char *hosts_path, int argc, char **argv)
{
	const char *env = getenv("JOULEBENCH_SSH");
	char stamp[32], *tok, *save = NULL;
	time_t now = time(NULL);
	struct tm tm;
	ssize_t n;
	int code;

	if (!*hosts_path)
		return usage_err(f, "--hosts needs a value%s%s", "", "");
	if ((code = hosts_load(f, hosts_path)) || (code = args_build(f, argc, argv)))
		return code;
	/* It is put in the remote command line: the characters `run --run-id` takes. */
	if (f->run_id[0] && (strlen(f->run_id) > 100 || f->run_id[strspn(f->run_id,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")]))
		return usage_err(f, "bad value '%s' for --run-id: %s", f->run_id,
				 "1 to 100 of A-Z a-z 0-9 . _ -");
	snprintf(f->ssh_buf, sizeof(f->ssh_buf), "%s", env && *env ? env : "ssh");
	for (tok = strtok_r(f->ssh_buf, " \t", &save); tok && f->n_ssh < FLEET_SSH_WORDS;
	     tok = strtok_r(NULL, " \t", &save))
		f->ssh[f->n_ssh++] = tok;
	if (!f->n_ssh)
		return usage_err(f, "JOULEBENCH_SSH is blank%s%s", "", "");
	n = readlink("/proc/self/exe", f->self, sizeof(f->self) - 1);
	if (n <= 0)
		return usage_err(f, "cannot find this executable: %s%s", strerror(errno), "");
	f->self[n] = '\0';
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	if (!f->run_id[0])
		snprintf(f->run_id, sizeof(f->run_id), "%s-fleet-%ld", stamp, (long)getpid());
	if (!f->out) {
		if (mkdir("runs", 0755) != 0 && errno != EEXIST)
			return usage_err(f, "cannot create runs/: %s%s", strerror(errno), "");
		snprintf(f->out_buf, sizeof(f->out_buf), "runs/%s.csv", f->run_id);
		f->out = f->out_buf;
	}
	env = getenv("TMPDIR");
	snprintf(f->ltmp, sizeof(f->ltmp), "%.3000s/jb-fleet-local.XXXXXX", env && *env ? env : "/tmp");
	if (!mkdtemp(f->ltmp))
		return usage_err(f, "mkdtemp: %s%s", strerror(errno), "");
	return 0;
}

/* Hosts of one group run one at a time: is one of @h's group running? */
static int
group_busy(const struct fleet *f, const struct fleet_host *h)
{
	size_t i;

	for (i = 0; i < f->n && h->group[0]; i++)
		if (f->host[i].pid > 0 && !strcmp(f->host[i].group, h->group))
			return 1;
	return 0;
}

/* Run host @i in a process of its own, with its own local directory. */
static int
host_start(struct fleet *f, size_t i)
{
	struct fleet_host *h = &f->host[i];
	pid_t pid;

	snprintf(h->dir, sizeof(h->dir), "%s/h%zu", f->ltmp, i);
	if (mkdir(h->dir, 0700) != 0)
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		fleet__host_run(f, h);
		(void)fleet__task_write(h);
		fflush(NULL);
		_exit(h->code < 0 ? JB_EXIT_FAILED : h->code & 0xff);
	}
	h->pid = pid;
	return 0;
}

/* Start hosts as --parallel and the groups allow, until all have ended. */
static void
hosts_schedule(struct fleet *f)
{
	char started[FLEET_HOSTS_MAX] = { 0 };
	size_t i, running = 0, left = f->n;

	while (left) {
		struct timespec tick = { 0, 50 * 1000 * 1000 };
		int st;
		pid_t pid;

		for (i = 0; i < f->n && !f->stopped && running < f->parallel; i++) {
			if (started[i] || group_busy(f, &f->host[i]))
				continue;
			started[i] = 1;
			if (host_start(f, i)) {
				fleet__notice(f->ev, "joulebench: fleet: %s: cannot start: %s",
					f->host[i].entry, strerror(errno));
				f->host[i].code = JB_EXIT_FAILED;
				left--;
				continue;
			}
			running++;
		}
		if (f->stopped && !running)
			break;
		pid = waitpid(-1, &st, WNOHANG);
		if (pid > 0) {
			for (i = 0; i < f->n; i++)
				if (f->host[i].pid == pid) {
					f->host[i].pid = 0;
					f->host[i].code = WIFEXITED(st) ? WEXITSTATUS(st)
									: JB_EXIT_FAILED;
					running--;
					left--;
				}
			continue;
		}
		if (sigtimedwait(&f->stop_set, NULL, &tick) > 0 && !f->stopped) {
			f->stopped = 1;
			for (i = 0; i < f->n; i++)
				if (f->host[i].pid > 0)
					kill(f->host[i].pid, SIGTERM);
		}
	}
}

/* Remove the local directories: each holds only the files fleet_ssh.c fetched. */
static void
ltmp_remove(struct fleet *f)
{
	static const char *const files[] = { "run.csv", "run.meta.json", "task", "line" };
	char path[PATH_MAX + 32];
	size_t i, k;

	for (i = 0; i < f->n; i++) {
		if (!f->host[i].dir[0])
			continue;
		for (k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
			snprintf(path, sizeof(path), "%s/%s", f->host[i].dir, files[k]);
			unlink(path);
		}
		rmdir(f->host[i].dir);
	}
	rmdir(f->ltmp);
}

int
fleet_run(const char *hosts_path, int argc, char **argv, const struct fleet_events *ev)
{
	struct fleet *f = calloc(1, sizeof(*f));
	struct stat st;
	size_t i;
	int code;

	if (!f)
		return JB_EXIT_FAILED;
	f->parallel = 1;
	f->kind = "ssh";
	f->ev = ev;
	code = fleet_setup(f, hosts_path, argc, argv);
	if (code)
		goto out;
	if (!f->force && stat(f->out, &st) == 0) {
		fleet__notice(f->ev, "joulebench run --hosts: %s exists (give --force to overwrite it)",
			f->out);
		code = JB_EXIT_USAGE;
		goto out_tmp;
	}
	if (!f->quiet)
		fleet__notice(f->ev, "joulebench: fleet run %s: %zu host(s) from %s, %u at a time",
			f->run_id, f->n, hosts_path, f->parallel);
	sigemptyset(&f->stop_set);
	sigaddset(&f->stop_set, SIGINT);
	sigaddset(&f->stop_set, SIGTERM);
	sigprocmask(SIG_BLOCK, &f->stop_set, NULL);
	hosts_schedule(f);
	/* A host's directory exists once it was started; one never started stays at -1. */
	for (i = 0; i < f->n; i++)
		if (!f->host[i].dir[0])
			snprintf(f->host[i].dir, sizeof(f->host[i].dir), "%s/h%zu", f->ltmp, i);
	code = fleet_gather(f, argc, argv);
	if (f->stopped) {
		fleet__notice(f->ev, "joulebench run --hosts: interrupted; the rows so far are in %s",
			f->out);
		code = JB_EXIT_FAILED;
	}
	sigprocmask(SIG_UNBLOCK, &f->stop_set, NULL);
out_tmp:
	ltmp_remove(f);
out:
	for (i = 0; i < f->n; i++)
		json_object_put(f->host[i].meta);
	free(f);
	return code;
}
