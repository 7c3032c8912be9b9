/* SPDX-License-Identifier: MIT */
/*
 * A Slurm fleet's submission and its reading back (fleet.h; docs/fleet.md): the groups of
 * a --fleet file, the binaries per architecture in DIR/bin, one job array per group by
 * sbatch (--exclusive: nothing else on the node while it is metered, and sacct's energy
 * then describes the job; --requeue; --signal=B:TERM@S, which job.sh passes on to
 * `joulebench run`), DIR/fleet.json naming the run id, groups, tasks and job ids, and the
 * afterany job that runs `joulebench gather`. fleet_slurm_load() reads DIR/fleet.json back
 * for the gathering. sbatch runs without a shell (posix_spawnp), its job id read from
 * --parsable. The command line and its checks are bench/cmd_slurm.c's.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "fleet-private.h"
#include "jb_text.h"

extern char **environ;

int
fleet_slurm_word_ok(const char *s, const char *extra)
{
	static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

	for (; *s; s++)
		if (!strchr(alnum, *s) && !strchr(extra, *s))
			return 0;
	return 1;
}

/* One `NAME NODES [partition=P] [constraint=C] [-- RUN OPTIONS]` line. 0 or -EINVAL. */
static int
group_parse(struct slurm_group *g, char *line)
{
	char *dash = strstr(line, " -- "), *tok, *save = NULL;
	unsigned long long u;
	int k = 0;

	if (dash) {
		*dash = '\0';
		snprintf(g->run_extra, sizeof(g->run_extra), "%s", dash + 4);
	}
	for (tok = strtok_r(line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save), k++) {
		if (k == 0 && fleet_slurm_word_ok(tok, "_-") && strlen(tok) < sizeof(g->name))
			snprintf(g->name, sizeof(g->name), "%s", tok);
		else if (k == 1 && !jb_text_parse_uint(tok, 1000, &u) && u)
			g->nodes = u;
		else if (k > 1 && !strncmp(tok, "partition=", 10) && fleet_slurm_word_ok(tok + 10, "_-,.")
			 && strlen(tok + 10) < sizeof(g->partition))
			snprintf(g->partition, sizeof(g->partition), "%s", tok + 10);
		else if (k > 1 && !strncmp(tok, "constraint=", 11) &&
			 fleet_slurm_word_ok(tok + 11, "_-&|[]*.") && strlen(tok + 11) < sizeof(g->constraint))
			snprintf(g->constraint, sizeof(g->constraint), "%s", tok + 11);
		else
			return -EINVAL;
	}
	return k >= 2 ? 0 : -EINVAL;
}

int
fleet_slurm_groups_load(struct slurm_sub *s, struct jb_err *err)
{
	char line[2048];
	unsigned long no = 0;
	FILE *fp = fopen(s->fleet_file, "r");

	if (!fp)
		return jb_err_set(err, -errno, "cannot read the --fleet file: %s", s->fleet_file);
	while (fgets(line, sizeof(line), fp)) {
		char *hash = strchr(line, '#'), *p = line;

		no++;
		if (hash && (hash == line || hash[-1] == ' ' || hash[-1] == '\t'))
			*hash = '\0';
		p[strcspn(p, "\r\n")] = '\0';
		p += strspn(p, " \t");
		if (!*p)
			continue;
		if (s->n == SLURM_GROUPS_MAX || group_parse(&s->g[s->n], p)) {
			fclose(fp);
			return jb_err_set(err, -EINVAL, "%s:%lu: want 'NAME NODES [partition=P] "
					  "[constraint=C] [-- RUN OPTIONS]' (at most %d groups)",
					  s->fleet_file, no, SLURM_GROUPS_MAX);
		}
		for (size_t i = 0; i < s->n; i++)
			if (!strcmp(s->g[i].name, s->g[s->n].name)) {
				fclose(fp);
				return jb_err_set(err, -EINVAL, "a group is named twice: %s",
						  s->g[i].name);
			}
		s->n++;
	}
	fclose(fp);
	return s->n ? 0 : jb_err_set(err, -EINVAL, "no groups in the --fleet file: %s",
				     s->fleet_file);
}

/* Copy @from to @to, executable. 0 or -errno. */
static int
file_copy(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out, rc = 0;
	ssize_t n;

	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (out < 0) {
		rc = -errno;
		close(in);
		return rc;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			rc = -EIO;
			break;
		}
	if (n < 0)
		rc = -errno;
	close(in);
	if (close(out) && !rc)
		rc = -errno;
	return rc;
}

/* DIR/bin/<arch>/ for this machine's architecture and every cross build there is. */
static int
binaries_place(struct slurm_sub *s, struct fleet *f)
{
	static const char *const arches[] = { "aarch64", "armv7l" };
	struct utsname u;
	struct fleet_host h;
	char d[PATH_MAX], p[PATH_MAX + 32];
	size_t i;
	int placed = 0;

	uname(&u);
	for (i = 0; i <= sizeof(arches) / sizeof(arches[0]); i++) {
		const char *arch = i ? arches[i - 1] : u.machine;

		if (i && !strcmp(arch, u.machine))
			continue;
		memset(&h, 0, sizeof(h));
		if (fleet__binaries_find(f, &h, arch))
			continue;
		snprintf(d, sizeof(d), "%.3900s/bin/%s", s->dir, arch);
		if ((mkdir(d, 0755) && errno != EEXIST)) {
			fleet__notice(s->ev, "joulebench slurm: mkdir %s: %s", d, strerror(errno));
			return JB_EXIT_FAILED;
		}
		snprintf(p, sizeof(p), "%s/joulebench", d);
		if (file_copy(h.bin, p) == 0) {
			snprintf(p, sizeof(p), "%s/joulebench-fn", d);
			if (file_copy(h.fn, p) == 0) {
				placed++;
				if (!s->quiet)
					fleet__notice(s->ev, "joulebench: slurm: %s binaries in %s", arch,
						      d);
				continue;
			}
		}
		fleet__notice(s->ev, "joulebench slurm: copying the %s binaries to %s: %s", arch, d,
			      strerror(errno));
		return JB_EXIT_FAILED;
	}
	if (!placed)
	{
		fleet__notice(s->ev, "joulebench slurm: no joulebench-fn to copy (build it, or set "
			      "JOULEBENCH_FN)");
		return JB_EXIT_USAGE;
	}
	return 0;
}

/* Run sbatch with @argv (--parsable), no shell; its job id into @id. Return 0 or an exit
 * code. */
static int
sbatch_run(struct slurm_sub *s, char **argv, char *id, size_t len)
{
	posix_spawn_file_actions_t fa;
	int fd[2], st, rc;
	ssize_t n;
	pid_t pid;

	if (pipe2(fd, O_CLOEXEC))
		return JB_EXIT_FAILED;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fd[1]);
	if (rc) {
		close(fd[0]);
		fleet__notice(s->ev, "joulebench slurm: cannot run %s: %s (is Slurm's client, "
			      "slurm-client, installed?)", argv[0], strerror(rc));
		fleet__notice(s->ev, "joulebench slurm: sbatch failed (exit 127)");
		return JB_EXIT_FAILED;
	}
	n = read(fd[0], id, len - 1);
	close(fd[0]);
	id[n > 0 ? n : 0] = '\0';
	id[strcspn(id, ";\r\n")] = '\0'; /* --parsable: "id" or "id;cluster" */
	while (waitpid(pid, &st, 0) < 0)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) || !id[0] || strspn(id, "0123456789") != strlen(id)) {
		fleet__notice(s->ev, "joulebench slurm: sbatch failed (exit %d)",
			      WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		return JB_EXIT_FAILED;
	}
	return 0;
}

static int
group_submit(struct slurm_sub *s, struct slurm_group *g)
{
	char array[32], out[PATH_MAX], sig[32], name[80], job[PATH_MAX + 16];
	char part[160], cons[280], tl[80];
	char *argv[32 + SLURM_SBATCH_MAX];
	size_t n = 0, i;

	snprintf(array, sizeof(array), "--array=0-%lu", g->nodes - 1);
	snprintf(out, sizeof(out), "--output=%.3900s/tasks/%s-%%a.out", s->dir, g->name);
	snprintf(sig, sizeof(sig), "--signal=B:TERM@%lu", s->stop_before_s);
	snprintf(name, sizeof(name), "--job-name=jb-%s", g->name);
	snprintf(job, sizeof(job), "%.4000s/job.sh", s->dir);
	argv[n++] = "sbatch";
	argv[n++] = "--parsable";
	argv[n++] = array;
	argv[n++] = "--nodes=1";
	argv[n++] = "--exclusive";
	argv[n++] = "--requeue";
	argv[n++] = sig;
	argv[n++] = name;
	argv[n++] = out;
	argv[n++] = "--open-mode=append"; /* a requeued task's log follows its first one */
	if (g->partition[0]) {
		snprintf(part, sizeof(part), "--partition=%s", g->partition);
		argv[n++] = part;
	}
	if (g->constraint[0]) {
		snprintf(cons, sizeof(cons), "--constraint=%s", g->constraint);
		argv[n++] = cons;
	}
	if (s->time) {
		snprintf(tl, sizeof(tl), "--time=%.70s", s->time);
		argv[n++] = tl;
	}
	for (i = 0; i < s->n_sbatch; i++)
		argv[n++] = (char *)s->sbatch[i];
	argv[n++] = job;
	argv[n++] = g->name;
	argv[n] = NULL;
	return sbatch_run(s, argv, g->job_id, sizeof(g->job_id));
}

static int
gather_submit(struct slurm_sub *s)
{
	char dep[1024] = "--dependency=afterany", out[PATH_MAX], part[160], job[PATH_MAX + 16];
	char *argv[16 + SLURM_SBATCH_MAX];
	size_t n = 0, i;

	for (i = 0; i < s->n; i++)
		snprintf(dep + strlen(dep), sizeof(dep) - strlen(dep), ":%s", s->g[i].job_id);
	snprintf(out, sizeof(out), "--output=%.4000s/gather.out", s->dir);
	snprintf(job, sizeof(job), "%.4000s/job.sh", s->dir);
	argv[n++] = "sbatch";
	argv[n++] = "--parsable";
	argv[n++] = dep;
	argv[n++] = "--kill-on-invalid-dep=no";
	argv[n++] = "--job-name=jb-gather";
	argv[n++] = "--nodes=1";
	argv[n++] = out;
	if (s->g[0].partition[0]) {
		snprintf(part, sizeof(part), "--partition=%s", s->g[0].partition);
		argv[n++] = part;
	}
	for (i = 0; i < s->n_sbatch; i++)
		argv[n++] = (char *)s->sbatch[i];
	argv[n++] = job;
	argv[n++] = "--gather";
	argv[n] = NULL;
	return sbatch_run(s, argv, s->gather_job, sizeof(s->gather_job));
}

static int
fleet_json_write(struct slurm_sub *s, int argc, char **argv)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array(),
		    *gs = json_object_new_array(), *ts = json_object_new_array();
	char path[PATH_MAX], entry[128];
	size_t i;
	unsigned long k;
	int rc;

	json_object_object_add(o, "kind", json_object_new_string("joulebench-slurm"));
	json_object_object_add(o, "run_id", json_object_new_string(s->run_id));
	json_object_object_add(o, "joulebench_version", json_object_new_string(JB_VERSION));
	for (i = 0; i < (size_t)argc; i++)
		json_object_array_add(a, json_object_new_string(argv[i]));
	json_object_object_add(o, "argv", a);
	for (i = 0; i < s->n; i++) {
		json_object *g = json_object_new_object();

		json_object_object_add(g, "name", json_object_new_string(s->g[i].name));
		json_object_object_add(g, "nodes", json_object_new_int64((int64_t)s->g[i].nodes));
		json_object_object_add(g, "partition", json_object_new_string(s->g[i].partition));
		json_object_object_add(g, "constraint", json_object_new_string(s->g[i].constraint));
		json_object_object_add(g, "run_options", json_object_new_string(s->g[i].run_extra));
		json_object_object_add(g, "job_id", json_object_new_string(s->g[i].job_id));
		json_object_array_add(gs, g);
		for (k = 0; k < s->g[i].nodes; k++) {
			json_object *t = json_object_new_object();

			snprintf(entry, sizeof(entry), "%s-%lu", s->g[i].name, k);
			json_object_object_add(t, "entry", json_object_new_string(entry));
			json_object_object_add(t, "group", json_object_new_string(s->g[i].name));
			json_object_array_add(ts, t);
		}
	}
	json_object_object_add(o, "groups", gs);
	json_object_object_add(o, "tasks", ts);
	snprintf(path, sizeof(path), "%.4000s/fleet.json", s->dir);
	rc = json_object_to_file_ext(path, o, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	json_object_put(o);
	return rc ? -EIO : 0;
}

static const char *
jget(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

int
fleet_slurm_load(struct fleet *f, const char *dir, json_object **out, struct jb_err *err)
{
	char path[PATH_MAX];
	json_object *o, *tasks = NULL;
	const char *run_id;
	size_t i, n;

	snprintf(path, sizeof(path), "%.4000s/fleet.json", dir);
	o = json_object_from_file(path);
	if (!o || !(run_id = jget(o, "run_id")) || !json_object_object_get_ex(o, "tasks", &tasks) ||
	    !json_object_is_type(tasks, json_type_array)) {
		json_object_put(o);
		return jb_err_set(err, -EINVAL, "%s: not the fleet.json of a joulebench slurm "
				  "submission", path);
	}
	snprintf(f->run_id, sizeof(f->run_id), "%s", run_id);
	n = json_object_array_length(tasks);
	for (i = 0; i < n && f->n < FLEET_HOSTS_MAX; i++) {
		json_object *t = json_object_array_get_idx(tasks, i);
		const char *entry = jget(t, "entry"), *group = jget(t, "group");
		struct fleet_host *h = &f->host[f->n];

		if (!entry || !group || strchr(entry, '/')) {
			json_object_put(o);
			return jb_err_set(err, -EINVAL, "%s: task %zu has no entry or group", path,
					  i);
		}
		snprintf(h->entry, sizeof(h->entry), "%s", entry);
		snprintf(h->name, sizeof(h->name), "%s", entry); /* until its task file names it */
		snprintf(h->group, sizeof(h->group), "%s", group);
		snprintf(h->dir, sizeof(h->dir), "%.3000s/tasks/%s", dir, entry);
		h->code = -1;
		f->n++;
	}
	*out = o;
	return 0;
}

int
fleet_slurm_submit(struct slurm_sub *s, char **run_argv, int run_argc, int argc, char **argv)
{
	struct fleet *f = calloc(1, sizeof(*f));
	size_t i;
	ssize_t n;
	int code, rc;

	if (!f)
		return JB_EXIT_FAILED;
	f->ev = s->ev;
	n = readlink("/proc/self/exe", f->self, sizeof(f->self) - 1);
	f->self[n > 0 ? n : 0] = '\0';
	if ((code = binaries_place(s, f)))
		goto out;
	rc = fleet__job_script_write(s, run_argv, run_argc);
	if (rc) {
		fleet__notice(s->ev, "joulebench slurm: writing %s/job.sh: %s", s->dir,
			      strerror(-rc));
		code = JB_EXIT_FAILED;
		goto out;
	}
	for (i = 0; i < s->n; i++) {
		if ((code = group_submit(s, &s->g[i])))
			goto out;
		fleet__out(s->ev, "group %s: job array %s, %lu task(s)%s%s%s%s", s->g[i].name,
			   s->g[i].job_id, s->g[i].nodes, s->g[i].partition[0] ? ", partition " : "",
			   s->g[i].partition, s->g[i].constraint[0] ? ", constraint " : "",
			   s->g[i].constraint);
	}
	if (fleet_json_write(s, argc, argv)) {
		fleet__notice(s->ev, "joulebench slurm: writing %s/fleet.json failed", s->dir);
		code = JB_EXIT_FAILED;
		goto out;
	}
	if (!s->no_gather) {
		if ((code = gather_submit(s)))
			goto out;
		fleet__out(s->ev, "gather: job %s (afterany), into %s/fleet.csv", s->gather_job,
			   s->dir);
	}
out:
	free(f);
	return code;
}
