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
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "fleet-private.h"
#include "fleet.h"


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

/* Everything for one host; sets h->code. */
static void
host_run(struct fleet *f, struct fleet_host *h)
{
	char cmd[8192], local[160];
	size_t i;
	int rc;

	if (!h->arch[0]) {
		rc = fleet__ssh_line(f, h, "uname -m", h->arch, sizeof(h->arch));
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
	rc = fleet__ssh_line(f, h, "mktemp -d /tmp/jb-fleet.XXXXXX", h->rdir, sizeof(h->rdir));
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
	if (fleet__copy_to(f, h, h->bin, "joulebench") || fleet__copy_to(f, h, h->fn, "joulebench-fn")) {
		fprintf(stderr, "joulebench: fleet: %s: copying the binaries failed\n", h->entry);
		h->code = CLI_EXIT_FAILED;
		goto cleanup;
	}
	/* exec: the shell's pid becomes joulebench's, which remote_stop() signals. */
	snprintf(cmd, sizeof(cmd), "cd %s && echo $$ > pid && exec ./joulebench run", h->rdir);
	rc = 0;
	for (i = 0; i < f->n_args && !rc; i++)
		rc = fleet__quote_append(cmd, sizeof(cmd), f->args[i]);
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
	h->code = fleet__ssh_run(f, h, cmd, NULL, NULL);
	f->running = NULL;
	if (h->code == 255 || h->code < 0) {
		fprintf(stderr, "joulebench: fleet: %s: ssh failed during the run\n", h->entry);
		h->code = CLI_EXIT_FAILED;
	}
	snprintf(local, sizeof(local), "%s/meta.json", f->ltmp);
	snprintf(cmd, sizeof(cmd), "cat %s/run.meta.json", h->rdir);
	if (fleet__ssh_run(f, h, cmd, NULL, local) == 0)
		h->meta = json_object_from_file(local);
	unlink(local);
	snprintf(local, sizeof(local), "%s/run.csv", f->ltmp);
	snprintf(cmd, sizeof(cmd), "cat %s/run.csv", h->rdir);
	if (fleet__ssh_run(f, h, cmd, NULL, local) == 0) {
		if (fleet__gather_file(f, h, local) && !h->code)
			h->code = CLI_EXIT_FAILED;
	} else if (!h->code) {
		fprintf(stderr, "joulebench: fleet: %s: fetching the CSV failed\n", h->entry);
		h->code = CLI_EXIT_FAILED;
	}
	unlink(local);
cleanup:
	snprintf(cmd, sizeof(cmd), "rm -rf %s", h->rdir);
	(void)fleet__ssh_run(f, h, cmd, NULL, NULL);
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
	if (fleet__gather_meta_write(f, argc, argv))
		code = CLI_EXIT_FAILED;
	fleet__gather_summary_print(f);
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
