/* SPDX-License-Identifier: MIT */
/*
 * The boot protocol (boot.h). Each command runs as `sh -c` (or, in its argv form, as the
 * program itself, found on PATH, with no shell) in a process group
 * of its own (a timeout or a stop kills what it started too, such as an ssh), with the
 * stop signals, which the caller keeps blocked, collected by sigtimedwait while it waits.
 * A boot is metered from the meter read just before --power-on to the one just after the
 * first successful --ready; the board was off for --off-s before, so nothing is idle
 * baseline: all of it is boot energy (results/README.md, "Boot rows").
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "boot.h"
#include "jb_clock.h"
#include "sysinfo.h"
#include "tfp.h"
#include "window.h"

extern char **environ;

static void
boot_say(const struct boot_state *s, int error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
boot_say(const struct boot_state *s, int error, const char *fmt, ...)
{
	void (*fn)(void *, const char *) = error ? s->o->events.error : s->o->events.notice;
	char line[1024];
	va_list ap;

	if (!fn)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fn(s->o->events.arg, line);
}

/* Run `sh -c CMD`, or CMD's argv without a shell, in its own process group (so a timeout
 * kills what it started too, such as an ssh), stdin from /dev/null, its stdout on our
 * stderr: data stays off stdout. A program that cannot be started exits 127, as sh says.
 * Wait until it exits, @deadline_ns (CLOCK_MONOTONIC) passes, or a stop signal comes.
 * Return: the exit status (0-255, 128+N for a signal), -ETIMEDOUT, -EINTR (stopped), or
 * -errno when it could not start. */
static int
sh_run(struct boot_state *s, const struct boot_cmd *cmd, uint64_t deadline_ns)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none;
	char *sh_argv[] = { "sh", "-c", (char *)cmd->text, NULL };
	pid_t pid;
	int rc, st;

	sigemptyset(&none);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, 2, 1);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
				      POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &s->stop_set);
	rc = cmd->argv ? posix_spawnp(&pid, cmd->argv[0], &fa, &at, cmd->argv, environ)
		       : posix_spawn(&pid, "/bin/sh", &fa, &at, sh_argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (rc && cmd->argv)
		return 127; /* not found or not executable: what sh -c would have said */
	if (rc)
		return -rc;
	for (;;) {
		struct timespec tick = { 0, 10 * 1000 * 1000 };

		rc = (int)waitpid(pid, &st, WNOHANG);
		if (rc == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (rc < 0 && errno != EINTR)
			return -errno;
		/* The wait between polls doubles as the check for SIGINT and SIGTERM. */
		if (s->finishing)
			nanosleep(&tick, NULL);
		else if (!s->stopped && sigtimedwait(&s->stop_set, NULL, &tick) > 0)
			s->stopped = 1;
		if ((s->stopped && !s->finishing) || jb_clock_mono_ns() >= deadline_ns) {
			(void)kill(-pid, SIGKILL);
			(void)waitpid(pid, &st, 0);
			return s->stopped && !s->finishing ? -EINTR : -ETIMEDOUT;
		}
	}
}

/* Sleep @ns unless a stop signal comes first. */
static void
nap(struct boot_state *s, uint64_t ns)
{
	uint64_t end = jb_clock_mono_ns() + ns, now;

	while (!s->stopped && (now = jb_clock_mono_ns()) < end) {
		uint64_t left = end - now;
		struct timespec ts = { (time_t)(left / 1000000000u), (long)(left % 1000000000u) };

		if (sigtimedwait(&s->stop_set, NULL, &ts) > 0)
			s->stopped = 1;
	}
}

/* Switch the --relay bricklet. 0 or -errno (said as an error). */
static int
relay_switch(struct boot_state *s, int on)
{
	struct tfp_target t;
	char why[512];
	int rc = tfp_target_parse(s->o->relay, 1, 1, &t, why, sizeof(why));

	if (!rc)
		rc = tfp_relay_switch(&t, on, why, sizeof(why));
	if (rc)
		boot_say(s, 1, "--relay: switching %s: %s", on ? "on" : "off", why);
	return rc;
}

int
boot_energy_power(struct boot_state *s, const char *what, const struct boot_cmd *cmd)
{
	int rc;

	if (s->o->relay)
		return relay_switch(s, !strcmp(what, "--power-on"));
	/* A power switch that hangs for longer than a boot may take is broken. */
	rc = sh_run(s, cmd, jb_clock_mono_ns() + (uint64_t)(s->o->timeout_s * 1e9));

	if (rc && rc != -EINTR)
		boot_say(s, 1, "%s command %s %s %d", what, cmd->text, rc < 0 ? "failed:" : "exited",
			 rc < 0 ? -rc : rc);
	return rc;
}

/* Switch off, wait --off-s, and meter the switched-off board over that time. */
int
boot_energy_power_off(struct boot_state *s)
{
	struct meter_sample a, b;
	int rc = boot_energy_power(s, "--power-off", &s->o->off);

	if (rc)
		return rc == -EINTR ? rc : -EIO;
	if (meter_sample(&s->m, &a) == 0) {
		nap(s, (uint64_t)(s->o->off_s * 1e9));
		if (!s->stopped && s->o->off_s > 0 && meter_sample(&s->m, &b) == 0 &&
		    s->n_off < BOOT_RUNS_MAX && b.t_ns > a.t_ns)
			s->off_w[s->n_off++] = (b.energy_j - a.energy_j) /
					       ((double)(b.t_ns - a.t_ns) / 1e9);
	} else {
		nap(s, (uint64_t)(s->o->off_s * 1e9));
	}
	return 0;
}

static int
boot_emit(struct boot_state *s, unsigned i, uint64_t start_unix_ns, uint64_t wall_ns,
	  double energy_j, double unc_j, const char *status, const char *msg)
{
	struct results_row row = { 0 };
	struct jb_err err = { 0 };
	int rc;

	row.schema_version = RESULTS_SCHEMA_VERSION;
	row.run_id = s->run_id;
	row.host = s->o->board;
	row.arch = "unknown";
	row.driver = "board";
	row.isolation = "hardware";
	row.meter = s->m.ops->name;
	row.meter_kind = s->m.ops->kind == METER_KIND_MODELED ? "modeled" : "measured";
	row.domain = s->m.selection;
	row.scope = s->m.scope;
	row.workload = "boot";
	row.size = "-";
	row.concurrency = 1;
	row.instance = i;
	row.core = -1;
	row.phase = "boot";
	row.rep = i;
	row.invocation = i;
	row.window_invocations = 1;
	row.start_unix_ns = start_unix_ns;
	row.wall_ns = row.window_wall_ns = wall_ns;
	row.work_units = 1;
	row.work_unit = "boot";
	row.window_energy_j = row.energy_j = energy_j;
	/* No idle baseline: the board is off before a boot, so all of it is boot energy. */
	row.idle_power_w = row.dynamic_energy_j = NAN;
	row.energy_method = "power-on-to-ready";
	row.energy_uncertainty_j = unc_j;
	row.status = status;
	row.message = msg;
	row.checksum = "";
	rc = results_writer_write(s->w, &row, &err);
	if (!rc)
		rc = results_writer_flush(s->w, &err);
	if (rc)
		boot_say(s, 1, "%s", err.msg);
	s->n_rows++;
	return rc;
}

/* One boot: power on, poll --ready, row. The boot is one window of the window engine,
 * from the read just before --power-on to the one just after the first successful
 * --ready, checked like every window (a failed read, a counter jump, an implausible energy
 * or power for the meter's domain). Return 0, or -errno for a fatal error. */
int
boot_energy_boot_one(struct boot_state *s, unsigned i)
{
	const struct boot_opts *o = s->o;
	uint64_t unix0 = jb_clock_unix_ns(), deadline, prev_try, this_try, next, now, t0;
	char msg[WINDOW_WHY_MAX + 256] = "";
	const char *status = "ok";
	struct window w;
	int rc, tries = 0;
	double e, p, unc;

	/* No minimum length: a boot lasts what it lasts and is not repeated to fill a window;
	 * the meter's update interval is in its uncertainty instead. */
	window_begin(&w, &s->m, 0);
	t0 = w.first.t_ns; /* stamped even when the read failed */
	deadline = t0 + (uint64_t)(o->timeout_s * 1e9);
	rc = boot_energy_power(s, "--power-on", &o->on);
	if (rc == -EINTR)
		return rc;
	if (rc) {
		snprintf(msg, sizeof(msg), "--power-on command failed (%d)", rc);
		return boot_emit(s, i, unix0, jb_clock_mono_ns() - t0, NAN, NAN, "error", msg);
	}
	this_try = t0;
	for (;;) {
		prev_try = tries ? this_try : t0;
		this_try = jb_clock_mono_ns();
		tries++;
		rc = sh_run(s, &o->ready, deadline);
		if (rc == 0 || rc == -EINTR || rc == -ETIMEDOUT || rc == -ENOENT)
			break;
		next = this_try + (uint64_t)(o->poll_s * 1e9);
		if (next >= deadline) {
			/* No check fits before the deadline: the row spans the whole timeout. */
			next = deadline;
			rc = -ETIMEDOUT;
		}
		now = jb_clock_mono_ns();
		nap(s, next > now ? next - now : 0);
		if (rc == -ETIMEDOUT && !s->stopped)
			break;
		if (s->stopped) {
			rc = -EINTR;
			break;
		}
	}
	if (rc == -EINTR)
		return rc;
	window_span_end(&w);
	window_check(&w, "boot");
	if (rc == -ETIMEDOUT) {
		status = "timeout";
		snprintf(msg, sizeof(msg), "not ready after %.3g s (%d readiness check(s))",
			 o->timeout_s, tries);
	} else if (rc) {
		status = "error";
		snprintf(msg, sizeof(msg), "--ready command could not run: %s", strerror(-rc));
	}
	if (w.why[0]) {
		if (!strcmp(status, "ok"))
			status = window_status(&w);
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), "%s%s", msg[0] ? "; " : "",
			 w.why);
	}
	if (w.meter_error)
		return boot_emit(s, i, unix0, w.window_ns, NAN, NAN, status, msg);
	e = w.energy_j;
	p = w.window_ns ? e / ((double)w.window_ns / 1e9) : 0;
	/* The board became ready after the previous failed check started (it was not ready
	 * then) and before this one returned; that span at the mean power, plus the meter's
	 * own endpoint error (window_uncertainty()), bounds the energy's error. */
	unc = window_uncertainty(&w) + p * (double)(t0 + w.window_ns - prev_try) / 1e9;
	if (!strcmp(status, "ok") && s->n_ok < BOOT_RUNS_MAX) {
		s->boot_j[s->n_ok] = e;
		s->boot_s[s->n_ok++] = (double)w.window_ns / 1e9;
	}
	boot_say(s, 0, "boot %u: %s after %.3f s, %.4g J (+- %.2g J), %d check(s)", i + 1, status,
		 (double)w.window_ns / 1e9, e, unc, tries);
	return boot_emit(s, i, unix0, w.window_ns, e, unc, status, msg);
}

static int
cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

static double
median(double *v, unsigned n)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static json_object *
num(double x)
{
	return isfinite(x) ? json_object_new_double(x) : NULL;
}

void
boot_energy_medians(struct boot_state *s, double *boot_j, double *boot_s)
{
	*boot_j = median(s->boot_j, s->n_ok);
	*boot_s = median(s->boot_s, s->n_ok);
}

/* A command in the sidecar: a shell line as a string, an argv as an array of strings. */
static json_object *
meta_cmd(const struct boot_cmd *c)
{
	json_object *a;
	size_t i;

	if (!c->text) /* switched by --relay: no command */
		return NULL;
	if (!c->argv)
		return json_object_new_string(c->text);
	a = json_object_new_array();
	for (i = 0; c->argv[i]; i++)
		json_object_array_add(a, json_object_new_string(c->argv[i]));
	return a;
}

int
boot_energy_meta_write(struct boot_state *s, char *const *command, size_t n_command,
		       const char *ended, char *json_path, size_t len, struct jb_err *err)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array(), *m, *p;
	char path[4200];
	size_t i;
	int rc;
	double mj, ms;

	boot_energy_medians(s, &mj, &ms);

	json_object_object_add(o, "schema_version", json_object_new_int(RESULTS_SCHEMA_VERSION));
	json_object_object_add(o, "kind", json_object_new_string("boot-energy"));
	json_object_object_add(o, "run_id", json_object_new_string(s->run_id));
	json_object_object_add(o, "joulebench_version", json_object_new_string(JB_VERSION));
	json_object_object_add(o, "git_revision", json_object_new_string(JB_GIT_REVISION));
	json_object_object_add(o, "ended", json_object_new_string(ended));
	for (i = 0; i < n_command; i++)
		json_object_array_add(a, json_object_new_string(command[i]));
	json_object_object_add(o, "argv", a);
	json_object_object_add(o, "board", json_object_new_string(s->o->board));
	m = json_object_new_object();
	json_object_object_add(m, "name", json_object_new_string(s->m.ops->name));
	json_object_object_add(m, "detail", json_object_new_string(s->m.info.detail));
	json_object_object_add(m, "domains_summed", json_object_new_string(s->m.selection));
	json_object_object_add(m, "resolution_j", json_object_new_double(s->m.info.resolution_j));
	json_object_object_add(m, "update_interval_ns",
			       json_object_new_int64((int64_t)s->m.info.update_interval_ns));
	json_object_object_add(o, "meter", m);
	p = json_object_new_object();
	json_object_object_add(p, "power_on", meta_cmd(&s->o->on));
	json_object_object_add(p, "power_off", meta_cmd(&s->o->off));
	json_object_object_add(p, "relay", s->o->relay ? json_object_new_string(s->o->relay) : NULL);
	json_object_object_add(p, "ready", meta_cmd(&s->o->ready));
	json_object_object_add(p, "runs", json_object_new_int((int)s->o->runs));
	json_object_object_add(p, "poll_s", json_object_new_double(s->o->poll_s));
	json_object_object_add(p, "timeout_s", json_object_new_double(s->o->timeout_s));
	json_object_object_add(p, "off_s", json_object_new_double(s->o->off_s));
	json_object_object_add(o, "protocol", p);
	json_object_object_add(o, "boots_ok", json_object_new_int((int)s->n_ok));
	json_object_object_add(o, "boot_j_median", num(mj));
	json_object_object_add(o, "boot_s_median", num(ms));
	/* The standby power of a switched-off board: the overhead model's board_off_w. */
	json_object_object_add(o, "off_power_w_median", num(median(s->off_w, s->n_off)));
	if (s->o->append) {
		/* The CSV's own sidecar belongs to the run that made it. */
		snprintf(path, sizeof(path), "%s.boot", s->path);
		rc = results_meta_write(path, json_object_to_json_string_ext(o,
				JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE), err);
		snprintf(json_path, len, "%s.meta.json", path);
	} else {
		rc = results_meta_write(s->path, json_object_to_json_string_ext(o,
				JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE), err);
		results_meta_path(s->path, json_path, len);
	}
	json_object_put(o);
	return rc;
}

int
boot_energy_open_output(struct boot_state *s, struct jb_err *err)
{
	struct sysinfo_host h;
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	sysinfo_read(&h);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(s->run_id, sizeof(s->run_id), "%s-%.40s-boot-%ld", stamp, h.host, (long)getpid());
	if (s->o->out) {
		snprintf(s->path, sizeof(s->path), "%s", s->o->out);
	} else {
		if (mkdir("runs", 0755) != 0 && errno != EEXIST) {
			int e = errno;

			return jb_err_set(err, -e, "cannot create runs/: %s", strerror(e));
		}
		snprintf(s->path, sizeof(s->path), "runs/%s-boot-%ld.csv", stamp, (long)getpid());
	}
	return s->o->append ? results_writer_open_append(s->path, &s->w, err)
			    : results_writer_open(s->path, s->o->force, &s->w, err);
}
