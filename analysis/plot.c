/* SPDX-License-Identifier: MIT */
/*
 * The energy figure (plot.h). The data and the script are plain files handed to gnuplot,
 * the tool our users already have, rather than a plotting library linked in. The y axis is
 * logarithmic because kernels differ by orders of magnitude in joules per invocation, so a
 * median that is zero or not a number cannot be drawn: such groups are listed as comments
 * in the data file, and when no group is left the caller is told why there is no figure
 * (never a gnuplot error on the terminal). gnuplot is started with posix_spawnp(3), no
 * shell; paths reach its script as single-quoted strings with each quote doubled (the
 * only escape gnuplot's single-quoted strings know; a backslash is literal), and a path
 * holding a newline, which would end the command, is refused. gnuplot's own messages are
 * captured and the last line of them returned, not printed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "plot.h"
#include "stats.h"

extern char **environ;

static int
plot_write_data(struct summary *s, const char *path, int *modeled, struct jb_err *err)
{
	FILE *f = fopen(path, "we");
	size_t i, rows = 0, groups = 0;

	if (!f)
		return jb_err_set(err, -errno, "cannot create %s: %s", path, strerror(errno));
	fprintf(f, "# label median_j ci95_lo_j ci95_hi_j q1_j q3_j n_windows n_runs (energy per\n"
		   "# invocation of each ok warm window; the CI of the median is analysis/stats.c's:\n"
		   "# t on the runs' medians, or on one run's windows)\n");
	for (i = 0; i < s->n; i++) {
		struct summary_group *g = &s->group[i];
		const struct summary_key *k = &g->key;
		struct summary_stats st;
		struct stats_interval ci;
		const char *skip = "";
		char extra[48] = "";

		summary_group_stats(g, &st);
		if (!st.n_windows)
			continue;
		groups++;
		if (summary_group_ci(g, WINDOWS_ENERGY, 0.95, &ci))
			ci.lo = ci.hi = st.energy_median_j;
		/* The axis is logarithmic: a median <= 0 or NaN has no place on it. */
		if (!isfinite(st.energy_median_j) || st.energy_median_j <= 0)
			skip = "# not drawn (median not > 0 on a log axis): ";
		else
			*modeled |= strcmp(k->meter_kind, "modeled") == 0;
		if (!(ci.lo > 0))
			ci.lo = st.energy_median_j; /* a whisker to 0 cannot be drawn either */
		/* Groups differ in more than these three; the commonest other split is named. */
		if (k->concurrency > 1)
			snprintf(extra, sizeof(extra), " c%llu", (unsigned long long)k->concurrency);
		if (ci.flag)
			snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
				 " (%zu win!)", st.n_windows);
		fprintf(f, "%s\"%s %s\\n%s%s\" %.9g %.9g %.9g %.9g %.9g %zu %zu\n", skip,
			k->workload, k->size, k->driver, extra, st.energy_median_j, ci.lo, ci.hi,
			st.energy_q1_j, st.energy_q3_j, st.n_windows, st.n_runs);
		rows += !*skip;
	}
	if (fclose(f) != 0)
		return jb_err_set(err, -EIO, "writing %s failed", path);
	if (!groups)
		return jb_err_set(err, -ENODATA,
				  "no ok warm window with an energy to plot (every window left "
				  "out, or every energy is not a number)");
	if (!rows)
		return jb_err_set(err, -ENODATA,
				  "every median energy per invocation is zero or not a number (%zu "
				  "group(s)), which a logarithmic axis cannot show; the numbers are "
				  "in %s",
				  groups, path);
	return 0;
}

int
plot_gnuplot_quote(const char *in, char *out, size_t len, struct jb_err *err)
{
	size_t o = 0;

	if (len < 3)
		return jb_err_set(err, -ENAMETOOLONG, "path too long for gnuplot: %s", in);
	out[o++] = '\'';
	for (; *in; in++) {
		if (*in == '\n' || *in == '\r')
			return jb_err_set(err, -EINVAL,
					  "the figure's path holds a line break, which gnuplot "
					  "cannot take; choose another name (or --no-plot)");
		if (o + 4 > len)
			return jb_err_set(err, -ENAMETOOLONG, "path too long for gnuplot");
		if (*in == '\'')
			out[o++] = '\'';
		out[o++] = *in;
	}
	out[o++] = '\'';
	out[o] = '\0';
	return 0;
}

int
plot_gnuplot_run(const char *script, size_t len, const char *what, struct jb_err *err)
{
	char *argv[] = { "gnuplot", NULL };
	posix_spawn_file_actions_t fa;
	sigset_t pipe_set, old_set;
	int in[2], er[2], rc, st = 0;
	ssize_t got, k, n = (ssize_t)len;
	size_t used = 0;
	char msg[512];
	pid_t pid;

	if (pipe2(in, O_CLOEXEC))
		return jb_err_set(err, -errno, "pipe: %s", strerror(errno));
	if (pipe2(er, O_CLOEXEC)) {
		rc = -errno;
		close(in[0]);
		close(in[1]);
		return jb_err_set(err, rc, "pipe: %s", strerror(-rc));
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, er[1], 1);
	posix_spawn_file_actions_adddup2(&fa, er[1], 2);
	rc = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(er[1]);
	if (rc) {
		close(in[1]);
		close(er[0]);
		if (rc == ENOENT)
			return jb_err_set(err, -ENOENT,
					  "gnuplot is not installed (apt-get install gnuplot-nox)");
		return jb_err_set(err, -rc, "cannot run gnuplot: %s", strerror(rc));
	}
	/* The script is far below a pipe's 64 KiB, so this write cannot wait on gnuplot. A
	 * gnuplot that died at once makes it EPIPE: SIGPIPE is held back and taken here, so
	 * that it cannot kill a caller that did not ignore it. */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
	for (k = 0; k < n; k += got)
		if ((got = write(in[1], script + k, (size_t)(n - k))) <= 0)
			break;
	if (k < n && errno == EPIPE)
		(void)sigtimedwait(&pipe_set, NULL, &(struct timespec){ 0, 0 });
	pthread_sigmask(SIG_SETMASK, &old_set, NULL);
	close(in[1]);
	while (used + 1 < sizeof(msg) && (got = read(er[0], msg + used, sizeof(msg) - 1 - used)) > 0)
		used += (size_t)got;
	msg[used] = '\0';
	close(er[0]); /* anything gnuplot writes after the first 511 bytes gets EPIPE */
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return jb_err_set(err, -errno, "gnuplot: %s", strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || k < n) {
		char *line;

		/* gnuplot echoes the command, a caret, then the message: keep the last line. */
		while (used && (msg[used - 1] == '\n' || msg[used - 1] == ' '))
			msg[--used] = '\0';
		line = strrchr(msg, '\n') ? strrchr(msg, '\n') + 1 : msg;
		return jb_err_set(err, -EIO, "gnuplot failed writing %s%s%s", what,
				  *line ? ": " : "", line);
	}
	return 0;
}

int
plot_gnuplot_figures(const char *base, const char *term_opts, const char *script,
		     struct jb_err *err)
{
	static const char *const term[][2] = { { "pngcairo", "png" }, { "svg", "svg" } };
	char out[4200], q_out[8500];
	unsigned t;
	int rc, n;

	for (t = 0; t < 2; t++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *m;

		n = snprintf(out, sizeof(out), "%s.%s", base, term[t][1]);
		if (n < 0 || (size_t)n >= sizeof(out))
			return jb_err_set(err, -ENAMETOOLONG, "path too long for gnuplot");
		if ((rc = plot_gnuplot_quote(out, q_out, sizeof(q_out), err)))
			return rc;
		if (!(m = open_memstream(&buf, &len)))
			return jb_err_set(err, -ENOMEM, "out of memory");
		fprintf(m, "set terminal %s %s\nset output %s\n%s", term[t][0], term_opts, q_out,
			script);
		if (fclose(m) != 0) {
			free(buf);
			return jb_err_set(err, -ENOMEM, "out of memory");
		}
		rc = plot_gnuplot_run(buf, len, out, err);
		free(buf);
		if (rc)
			return rc;
	}
	return 0;
}

int
plot_energy(struct summary *s, const char *prefix, struct jb_err *err)
{
	char dat[4096], q_dat[8200], script[9000];
	int modeled = 0, rc, n;

	snprintf(dat, sizeof(dat), "%s.dat", prefix);
	rc = plot_write_data(s, dat, &modeled, err);
	if (rc)
		return rc;
	if ((rc = plot_gnuplot_quote(dat, q_dat, sizeof(q_dat), err)))
		return rc;
	n = snprintf(script, sizeof(script),
		     "set title 'joulebench: energy per invocation, median of windows with its "
		     "95%% CI%s' noenhanced\n"
		     "set ylabel 'energy per invocation (J)'\n"
		     "set logscale y\n"
		     "set style fill solid 0.5\n"
		     "set boxwidth 0.6\n"
		     "set xtics rotate by -30 noenhanced\n"
		     "set grid ytics\n"
		     "unset key\n"
		     "plot %s using 0:2:xtic(1) with boxes lc rgb '#4477aa', "
		     "'' using 0:2:3:4 with yerrorbars lc rgb '#222222' pt 0\n",
		     modeled ? " (MODELED, not measured)" : "", q_dat);
	if (n < 0 || (size_t)n >= sizeof(script))
		return jb_err_set(err, -ENAMETOOLONG, "path too long for gnuplot");
	return plot_gnuplot_figures(prefix, "size 1000,600 font ',11'", script, err);
}
