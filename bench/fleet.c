/* SPDX-License-Identifier: MIT */
/*
 * `joulebench run --hosts FILE` (fleet.h): one `[user@]host[:port] [arch]` per line of FILE
 * (# comments). For each host in turn: its architecture (`uname -m` over ssh unless the
 * line names it), the matching binaries (this build for this machine's architecture, the
 * cross builds of scripts/cross-check for aarch64 and armv7l), copied with `cat` over ssh
 * into a `mktemp -d` directory (no scp: OpenSSH 9's scp needs the sftp subsystem), then
 * `joulebench run` there with the same options and -o in that directory, its CSV and
 * sidecar fetched back and the directory removed. The rows are gathered into one CSV of
 * one run (results/README.md, "Fleet runs"): the run_id is the fleet's, the host column
 * the host as FILE names it (boards often share a host name), everything else as measured.
 * Hosts run one after another, so the machine driving them is never busy during a run.
 * SIGINT/SIGTERM are blocked and collected with sigtimedwait (no handler, no global): the
 * remote run is then sent SIGTERM itself, so it ends like an interrupted local run (the
 * window in progress finishes, its rows are kept); they are gathered, the remote directory
 * removed, and no further host is started.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "fleet.h"
#include "report.h"
#include "results.h"
#include "summary.h"

extern char **environ;

#define FLEET_HOSTS_MAX 64
#define FLEET_ARGS_MAX 128
#define FLEET_SSH_WORDS 16

struct fleet_host {
	char entry[256];       /* the line as given, for messages and the sidecar */
	char target[256];      /* [user@]host for ssh */
	char name[256];        /* host[:port], the host column */
	char port[8];
	char arch[32];         /* uname -m of the host */
	char bin[PATH_MAX], fn[PATH_MAX];
	char rdir[256];        /* its temporary directory */
	int code;              /* exit code of its run; -1 not run */
	unsigned long rows;
	json_object *meta;     /* its run's sidecar, or NULL */
};

struct fleet {
	struct fleet_host host[FLEET_HOSTS_MAX];
	size_t n;
	char *args[FLEET_ARGS_MAX]; /* the options passed on */
	size_t n_args;
	const char *out, *fn;
	char out_buf[4096], run_id[160], ltmp[64], self[PATH_MAX];
	char *ssh[FLEET_SSH_WORDS]; /* $JOULEBENCH_SSH split on blanks, default "ssh" */
	char ssh_buf[1024];
	size_t n_ssh;
	int force, quiet;
	struct results_writer *w;
	sigset_t stop_set;
	int stopped;
	const struct fleet_host *running; /* the host whose `joulebench run` is under way */
};

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

static int
usage_err(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "joulebench run --hosts: ");
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	return CLI_EXIT_USAGE;
}

/* One hosts-file line into @h. Return 0 or -EINVAL. */
static int
host_parse(struct fleet_host *h, const char *line)
{
	char spec[256], arch[32] = "", extra[8] = "";
	char *at, *colon, *end;
	int n = sscanf(line, "%255s %31s %7s", spec, arch, extra);
	long port = 22;

	if (n < 1 || n > 2 || strchr(spec, '[') || strchr(spec, '\''))
		return -EINVAL;
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
		return usage_err("cannot read %s: %s", path, strerror(errno));
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
			return usage_err("%s: want '[user@]host[:port] [arch]' (at most 64 hosts), "
					 "got '%s'", where, strtok(p, "\r\n"));
		}
		f->n++;
	}
	fclose(fp);
	if (!f->n)
		return usage_err("%s%s: no hosts in it", path, "");
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
				 !strcmp(a, "--output") || !strcmp(a, "--fn");

		if (with_value && i + 1 >= argc)
			return usage_err("%s needs a value%s", a, "");
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
		else if (!strcmp(a, "--resume") || !strncmp(a, "--resume=", 9))
			return usage_err("%s cannot be used with --hosts%s", a, "");
		else if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return usage_err("%s: see joulebench run --help%s", a, "");
		else if (!strncmp(a, "--hosts", 7) || !strcmp(a, "--no-plot"))
			;
		else if (f->n_args + 1 < FLEET_ARGS_MAX)
			f->args[f->n_args++] = (char *)a;
		else
			return usage_err("too many options%s%s", "", "");
		if (!strcmp(a, "--force"))
			f->force = 1;
		if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
			f->quiet = 1;
		i += with_value;
	}
	return 0;
}

/* Append @s to @buf single-quoted for the remote POSIX shell. 0 or -ENAMETOOLONG. */
static int
quote_append(char *buf, size_t len, const char *s)
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

static int ssh_run(struct fleet *f, const struct fleet_host *h, const char *cmd,
		   const char *in, const char *out);

/* A stop signal came during the remote run: pass it on as SIGTERM to the remote joulebench
 * (its pid is in its directory), so that it stops the way a local run stops. */
static void
remote_stop(struct fleet *f, const struct fleet_host *h)
{
	char cmd[400];

	fprintf(stderr, "joulebench: fleet: %s: stopping the remote run\n", h->entry);
	snprintf(cmd, sizeof(cmd), "kill -TERM $(cat %.200s/pid)", h->rdir);
	(void)ssh_run(f, h, cmd, NULL, NULL);
}

/* Run `ssh ... -p PORT TARGET CMD` with stdin from @in and stdout to @out (NULL: /dev/null
 * and our stderr), in a process group of its own so that a terminal's ^C reaches only us.
 * Return its exit status (255: ssh itself failed) or -errno. */
static int
ssh_run(struct fleet *f, const struct fleet_host *h, const char *cmd, const char *in,
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

/* ssh_run() into a small local file, whose first line lands in @buf. */
static int
ssh_line(struct fleet *f, const struct fleet_host *h, const char *cmd, char *buf, size_t len)
{
	char path[128];
	FILE *fp;
	int rc;

	snprintf(path, sizeof(path), "%s/line", f->ltmp);
	rc = ssh_run(f, h, cmd, NULL, path);
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

/* The binaries for @arch: ours for our own architecture, else the cross builds. */
static int
binaries_find(struct fleet *f, struct fleet_host *h)
{
	struct utsname u;
	const char *dir = NULL, *env = getenv("JOULEBENCH_CROSS_DIR");
	char base[PATH_MAX];

	uname(&u);
	if (!strcmp(h->arch, u.machine)) {
		const char *fn = cli_fn_path(f->fn);

		snprintf(h->bin, sizeof(h->bin), "%s", f->self);
		snprintf(h->fn, sizeof(h->fn), "%s", fn ? fn : "");
		return fn ? 0 : -ENOENT;
	}
	if (!strcmp(h->arch, "aarch64") || !strcmp(h->arch, "arm64"))
		dir = "build-cross-aarch64";
	else if (!strncmp(h->arch, "armv7", 5) || !strcmp(h->arch, "armhf"))
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

/* Copy @local to @name in the host's directory, executable. */
static int
copy_to(struct fleet *f, const struct fleet_host *h, const char *local, const char *name)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "cat > %.200s/%s && chmod 755 %.200s/%s", h->rdir, name,
		 h->rdir, name);
	return ssh_run(f, h, cmd, local, NULL);
}

/* ---- gathering: every host's rows into one CSV of one run ---- */

static int
set_STR(const char **d, const char *s)
{
	*d = s;
	return 0;
}

static int
set_U64(uint64_t *d, const char *s)
{
	char *e;

	errno = 0;
	*d = strtoull(s, &e, 10);
	return errno || e == s || *e ? -EINVAL : 0;
}

static int
set_I64(int64_t *d, const char *s)
{
	char *e;

	errno = 0;
	*d = strtoll(s, &e, 10);
	return errno || e == s || *e ? -EINVAL : 0;
}

static int
set_F64(double *d, const char *s)
{
	char *e;

	if (!*s) {
		*d = NAN; /* not measured, written back as an empty field */
		return 0;
	}
	*d = strtod(s, &e);
	return *e ? -EINVAL : 0;
}

static int
set_BOOL(int *d, const char *s)
{
	*d = s[0] == '1';
	return (s[0] == '0' || s[0] == '1') && !s[1] ? 0 : -EINVAL;
}

struct gather_ctx {
	struct fleet *f;
	struct fleet_host *h;
	const char *path;
	struct jb_err *err;
};

static int
gather_row(void *arg, const char *const *fields, unsigned long line)
{
	struct gather_ctx *g = arg;
	struct results_row row;
	int bad = 0;

	/* The columns come back typed as they were written; the values do not change
	 * (doubles were written with %.9g and are written so again). */
#define X(name, type, desc) bad |= set_##type(&row.name, fields[RESULTS_COL_INDEX_##name]) != 0;
	RESULTS_COLUMNS(X)
#undef X
	if (bad)
		return jb_err_set(g->err, -EINVAL, "%s (from %s) line %lu: a field does not parse",
				  g->path, g->h->entry, line);
	row.run_id = g->f->run_id;
	row.host = g->h->name;
	g->h->rows++;
	return results_writer_write(g->f->w, &row, g->err);
}

static int
gather_file(struct fleet *f, struct fleet_host *h, const char *path)
{
	struct jb_err err = { 0 };
	struct gather_ctx g = { f, h, path, &err };
	int rc = results_read(path, gather_row, &g, &err);

	if (!rc)
		rc = results_writer_flush(f->w, &err);
	if (rc)
		fprintf(stderr, "joulebench: fleet: %s: %s\n", h->entry, err.msg);
	else if (!f->quiet)
		fprintf(stderr, "joulebench: fleet: %s: %lu row(s) gathered\n", h->entry, h->rows);
	return rc;
}

static int
gather_meta_write(struct fleet *f, int argc, char **argv)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array(),
		    *hs = json_object_new_array();
	struct jb_err err = { 0 };
	size_t i;
	int rc;

	json_object_object_add(o, "schema_version", json_object_new_int(RESULTS_SCHEMA_VERSION));
	json_object_object_add(o, "kind", json_object_new_string("fleet"));
	json_object_object_add(o, "run_id", json_object_new_string(f->run_id));
	json_object_object_add(o, "joulebench_version", json_object_new_string(JB_VERSION));
	json_object_object_add(o, "git_revision", json_object_new_string(JB_GIT_REVISION));
	json_object_object_add(o, "ended", json_object_new_string(f->stopped ? "interrupted"
									      : "completed"));
	for (i = 0; i < (size_t)argc; i++)
		json_object_array_add(a, json_object_new_string(argv[i]));
	json_object_object_add(o, "argv", a);
	for (i = 0; i < f->n; i++) {
		struct fleet_host *h = &f->host[i];
		json_object *e = json_object_new_object();

		json_object_object_add(e, "entry", json_object_new_string(h->entry));
		json_object_object_add(e, "host", json_object_new_string(h->name));
		json_object_object_add(e, "ssh_target", json_object_new_string(h->target));
		json_object_object_add(e, "port", json_object_new_string(h->port));
		json_object_object_add(e, "arch", json_object_new_string(h->arch));
		json_object_object_add(e, "joulebench", json_object_new_string(h->bin));
		json_object_object_add(e, "joulebench_fn", json_object_new_string(h->fn));
		json_object_object_add(e, "exit", json_object_new_int(h->code));
		json_object_object_add(e, "rows", json_object_new_int64((int64_t)h->rows));
		/* The host's own sidecar, whole: its machine, meter, idle baseline, run_id. */
		json_object_object_add(e, "run", h->meta ? json_object_get(h->meta) : NULL);
		json_object_array_add(hs, e);
	}
	json_object_object_add(o, "hosts", hs);
	rc = results_meta_write(f->out, json_object_to_json_string_ext(o,
				JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE), &err);
	json_object_put(o);
	if (rc)
		fprintf(stderr, "joulebench run --hosts: %s\n", err.msg);
	return rc;
}

static void
gather_summary_print(struct fleet *f)
{
	struct summary s;
	struct jb_err err = { 0 };
	size_t i;

	memset(&s, 0, sizeof(s));
	if (summary_add_file(&s, f->out, &err) == 0)
		report_print_summary(stdout, &s);
	summary_fini(&s);
	for (i = 0; i < f->n && !f->quiet; i++)
		fprintf(stderr, "joulebench: fleet: %-30s %-8s exit %d, %lu row(s)\n",
			f->host[i].entry, f->host[i].arch[0] ? f->host[i].arch : "?",
			f->host[i].code, f->host[i].rows);
	if (!f->quiet)
		fprintf(stderr, "joulebench: fleet: rows of %zu host(s) in %s\n", f->n, f->out);
}

/* Everything for one host; sets h->code. */
static void
host_run(struct fleet *f, struct fleet_host *h)
{
	char cmd[8192], local[160];
	size_t i;
	int rc;

	if (!h->arch[0]) {
		rc = ssh_line(f, h, "uname -m", h->arch, sizeof(h->arch));
		if (rc || !h->arch[0]) {
			fprintf(stderr, "joulebench: fleet: %s: `ssh %s uname -m` failed (exit %d)\n",
				h->entry, h->target, rc);
			h->code = CLI_EXIT_FAILED;
			return;
		}
	}
	rc = binaries_find(f, h);
	if (rc) {
		fprintf(stderr, "joulebench: fleet: %s: no joulebench for %s%s%s\n", h->entry,
			h->arch, rc == -ENOENT ? " at " : " (aarch64, armv7l or this machine's)",
			rc == -ENOENT ? h->bin : "");
		if (rc == -ENOENT && strcmp(h->bin, f->self))
			fprintf(stderr, "joulebench: fleet: build it with scripts/cross-check, or "
					"set JOULEBENCH_CROSS_DIR to the tree holding build-cross-*\n");
		h->code = CLI_EXIT_USAGE;
		return;
	}
	rc = ssh_line(f, h, "mktemp -d /tmp/jb-fleet.XXXXXX", h->rdir, sizeof(h->rdir));
	if (rc || strncmp(h->rdir, "/tmp/jb-fleet.", 14) || strchr(h->rdir, '\'')) {
		fprintf(stderr, "joulebench: fleet: %s: mktemp over ssh failed (exit %d)\n",
			h->entry, rc);
		h->rdir[0] = '\0';
		h->code = CLI_EXIT_FAILED;
		return;
	}
	if (!f->quiet)
		fprintf(stderr, "joulebench: fleet: %s (%s): copying %s and %s to %s\n", h->entry,
			h->arch, h->bin, h->fn, h->rdir);
	if (copy_to(f, h, h->bin, "joulebench") || copy_to(f, h, h->fn, "joulebench-fn")) {
		fprintf(stderr, "joulebench: fleet: %s: copying the binaries failed\n", h->entry);
		h->code = CLI_EXIT_FAILED;
		goto cleanup;
	}
	/* exec: the shell's pid becomes joulebench's, which remote_stop() signals. */
	snprintf(cmd, sizeof(cmd), "cd %s && echo $$ > pid && exec ./joulebench run", h->rdir);
	rc = 0;
	for (i = 0; i < f->n_args && !rc; i++)
		rc = quote_append(cmd, sizeof(cmd), f->args[i]);
	if (rc) {
		fprintf(stderr, "joulebench: fleet: the options are too long for ssh\n");
		h->code = CLI_EXIT_USAGE;
		goto cleanup;
	}
	snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd),
		 " --fn %s/joulebench-fn -o %s/run.csv --no-plot", h->rdir, h->rdir);
	if (!f->quiet)
		fprintf(stderr, "joulebench: fleet: %s: joulebench run\n", h->entry);
	if (f->stopped)
		goto cleanup;
	f->running = h;
	h->code = ssh_run(f, h, cmd, NULL, NULL);
	f->running = NULL;
	if (h->code == 255 || h->code < 0) {
		fprintf(stderr, "joulebench: fleet: %s: ssh failed during the run\n", h->entry);
		h->code = CLI_EXIT_FAILED;
	}
	snprintf(local, sizeof(local), "%s/meta.json", f->ltmp);
	snprintf(cmd, sizeof(cmd), "cat %s/run.meta.json", h->rdir);
	if (ssh_run(f, h, cmd, NULL, local) == 0)
		h->meta = json_object_from_file(local);
	unlink(local);
	snprintf(local, sizeof(local), "%s/run.csv", f->ltmp);
	snprintf(cmd, sizeof(cmd), "cat %s/run.csv", h->rdir);
	if (ssh_run(f, h, cmd, NULL, local) == 0) {
		if (gather_file(f, h, local) && !h->code)
			h->code = CLI_EXIT_FAILED;
	} else if (!h->code) {
		fprintf(stderr, "joulebench: fleet: %s: fetching the CSV failed\n", h->entry);
		h->code = CLI_EXIT_FAILED;
	}
	unlink(local);
cleanup:
	snprintf(cmd, sizeof(cmd), "rm -rf %s", h->rdir);
	(void)ssh_run(f, h, cmd, NULL, NULL);
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
		return usage_err("--hosts needs a value%s%s", "", "");
	if ((code = hosts_load(f, hosts_path)) || (code = args_build(f, argc, argv)))
		return code;
	snprintf(f->ssh_buf, sizeof(f->ssh_buf), "%s", env && *env ? env : "ssh");
	for (tok = strtok_r(f->ssh_buf, " \t", &save); tok && f->n_ssh < FLEET_SSH_WORDS;
	     tok = strtok_r(NULL, " \t", &save))
		f->ssh[f->n_ssh++] = tok;
	if (!f->n_ssh)
		return usage_err("JOULEBENCH_SSH is blank%s%s", "", "");
	n = readlink("/proc/self/exe", f->self, sizeof(f->self) - 1);
	if (n <= 0)
		return usage_err("cannot find this executable: %s%s", strerror(errno), "");
	f->self[n] = '\0';
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(f->run_id, sizeof(f->run_id), "%s-fleet-%ld", stamp, (long)getpid());
	if (!f->out) {
		if (mkdir("runs", 0755) != 0 && errno != EEXIST)
			return usage_err("cannot create runs/: %s%s", strerror(errno), "");
		snprintf(f->out_buf, sizeof(f->out_buf), "runs/%s.csv", f->run_id);
		f->out = f->out_buf;
	}
	snprintf(f->ltmp, sizeof(f->ltmp), "/tmp/jb-fleet-local.XXXXXX");
	if (!mkdtemp(f->ltmp))
		return usage_err("mkdtemp: %s%s", strerror(errno), "");
	return 0;
}

int
fleet_run(const char *hosts_path, int argc, char **argv)
{
	struct fleet *f = calloc(1, sizeof(*f));
	struct jb_err err = { 0 };
	size_t i, n_ok = 0, n_unavail = 0;
	int code;

	if (!f)
		return CLI_EXIT_FAILED;
	code = fleet_setup(f, hosts_path, argc, argv);
	if (code)
		goto out;
	if (results_writer_open(f->out, f->force, &f->w, &err)) {
		fprintf(stderr, "joulebench run --hosts: %s\n", err.msg);
		code = CLI_EXIT_USAGE;
		goto out_tmp;
	}
	if (!f->quiet)
		fprintf(stderr, "joulebench: fleet run %s: %zu host(s) from %s\n", f->run_id, f->n,
			hosts_path);
	sigemptyset(&f->stop_set);
	sigaddset(&f->stop_set, SIGINT);
	sigaddset(&f->stop_set, SIGTERM);
	sigprocmask(SIG_BLOCK, &f->stop_set, NULL);
	for (i = 0; i < f->n && !f->stopped; i++) {
		host_run(f, &f->host[i]);
		n_ok += f->host[i].code == 0;
		n_unavail += f->host[i].code == CLI_EXIT_UNAVAILABLE;
		if (f->host[i].code == CLI_EXIT_USAGE)
			code = CLI_EXIT_USAGE;
	}
	if (results_writer_close(f->w, &err)) {
		fprintf(stderr, "joulebench run --hosts: %s\n", err.msg);
		code = CLI_EXIT_FAILED;
	}
	if (gather_meta_write(f, argc, argv))
		code = CLI_EXIT_FAILED;
	gather_summary_print(f);
	if (!code && n_ok < f->n)
		code = n_unavail == f->n ? CLI_EXIT_UNAVAILABLE : CLI_EXIT_FAILED;
	if (f->stopped) {
		fprintf(stderr, "joulebench run --hosts: interrupted; the rows so far are in %s\n",
			f->out);
		code = CLI_EXIT_FAILED;
	}
	sigprocmask(SIG_UNBLOCK, &f->stop_set, NULL);
out_tmp:
	rmdir(f->ltmp);
out:
	for (i = 0; i < f->n; i++)
		json_object_put(f->host[i].meta);
	free(f);
	return code;
}
