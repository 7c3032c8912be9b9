/* SPDX-License-Identifier: MIT */
/*
 * The `container` driver: each instance is joulebench-fn in its own OCI container, started
 * by runc or crun (on a hybrid cgroup host in a v1 view, crun.c), co-located with other
 * instances on shared cores under a CPU quota and memory limit (software isolation). The
 * bundle is written here (oci_bundle.c). `<runtime> run -d --bundle DIR ID` starts it
 * detached with pass-through stdio (runc docs/terminals.md): the container's process
 * inherits the runtime's stdin and stdout, which are our line channel, so a warm
 * invocation is a request line straight to the function, as for `pinned`. (A foreground
 * `run` without a terminal copies stdio through pipes of its own: measured 3-5x the bare
 * round trip, see docs/drivers.md.) The harness is a child subreaper (prctl(2)
 * PR_SET_CHILD_SUBREAPER), so the container's process becomes our child when the runtime
 * exits, and its death and signal are seen as for `pinned`. A detached container stays
 * until `delete`, so an OOM kill can still be read from its cgroup. Every container is
 * deleted with `delete --force` when it stops, and the driver's teardown deletes any it
 * still knows of: no runtime state, cgroup or bundle stays. Ids and bundle directories
 * carry the harness's pid, so a later run removes what a killed (SIGKILL) one left.
 *
 * gVisor (`--runtime runsc`) takes the same bundle. runsc spells the detach flag
 * `--detach` and takes the platform as a global flag before the verb (gvisor.c picks and
 * checks it); `--pid-file` gets the sandbox's pid (the Sentry), which is what we follow: the
 * sandbox exits when the function does. runsc starts the Sentry and the Gofer inside the
 * bundle's cgroupsPath (runsc/container/container.go), so the cgroup's CPU time, which
 * splits a co-located window's energy, counts the isolation's own processes too.
 *
 * A user's function may name an OCI image as its files (docs/functions.md): prepare
 * unpacks each image of the run once (oci_image.c, umoci, cached by manifest digest), and
 * that function's containers take its rootfs as their read-only root.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "driver-private.h"
#include "isolated.h"
#include "jb_clock.h"
#include "oci_bundle.h"
#include "oci_image.h"
#include "oci_runtime.h"

#define CG_ROOT "/sys/fs/cgroup"
#define CG_PARENT "/joulebench"
#define LIVE_MAX 1024
#define START_TIMEOUT_NS 30000000000ull
#define IMAGES_MAX 64

/* An OCI image unpacked for this run (oci_image.c): the root of its function's containers. */
struct container_image {
	char digest[80];
	char rootfs[PATH_MAX];
};

struct container_state {
	struct isolated_host h;        /* first: isolated.c reads it */
	struct oci_runtime rt;
	char base_dir[256];            /* bundles live in <base_dir>/<container id> */
	char fn_path[PATH_MAX];
	const char *const *ro_paths;   /* driver_config's: bound read-only at the same path */
	char platform[32];             /* runsc: the gVisor platform; "" for runc/crun */
	char cpuset_hold[PATH_MAX];    /* "" or the empty cpuset child holding the parent */
	char live[LIVE_MAX][ISOLATED_ID_LEN]; /* ids of containers not yet deleted */
	struct container_image images[IMAGES_MAX];
	size_t n_images;
	struct oci_host_runner runner;       /* how joulebench-fn starts in an image's root */
};

struct container_inst {
	struct isolated_inst in;            /* first: isolated.c frees it */
	char bundle[PATH_MAX];
	char pidfile[PATH_MAX];
};

static const struct isolated_class container_class;

static int
container_probe(const struct jb_ctx *ctx, char *why, size_t why_len)
{
	struct oci_runtime rt;

	(void)ctx;
	return oci_runtime_pick(getenv("JOULEBENCH_RUNTIME"), CG_ROOT, &rt, why, why_len);
}

/*
 * cgroup v1 cpuset: a child's cpuset.cpus must lie within its parent's, and a new
 * parent's is empty (cgroup-v1/cpusets.rst). runc fills the parents it creates; runsc
 * does not ("write .../cpuset.cpus: permission denied"), so for runsc the shared parent
 * gets the root's cpus and mems first.
 */
static void
cpuset_parent_fill(void)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	char buf[1024], p[256], cur[1024];
	size_t i;

	(void)mkdir(CG_ROOT "/cpuset" CG_PARENT, 0755);
	for (i = 0; i < 2; i++) {
		FILE *f;

		snprintf(p, sizeof(p), CG_ROOT "/cpuset" CG_PARENT "/%s", files[i]);
		if (!cgroup_file_read(p, cur, sizeof(cur)) && cur[0] && cur[0] != '\n')
			continue;
		snprintf(p, sizeof(p), CG_ROOT "/cpuset/%s", files[i]);
		if (cgroup_file_read(p, buf, sizeof(buf)))
			continue;
		snprintf(p, sizeof(p), CG_ROOT "/cpuset" CG_PARENT "/%s", files[i]);
		if ((f = fopen(p, "we"))) {
			fputs(buf, f);
			fclose(f);
		}
	}
}

/*
 * The shared parent goes once empty (container_close, microvm.c), so another run's close
 * could remove it between two of our containers, and runsc would make it anew, empty, and
 * fail on the next start as above (seen: container-runsc, once in eight full runs beside
 * the other container tests). An empty child named after this process holds the parent
 * for the run: a cgroup with a child cannot be removed (rmdir: EBUSY). Holds left by runs
 * that were killed are removed by the next container run, whatever its runtime, so that
 * the parent can go.
 */
static void
cpuset_holds_reap(void)
{
	const char *dir = CG_ROOT "/cpuset" CG_PARENT;
	struct dirent *e;
	DIR *d = opendir(dir);
	char p[PATH_MAX];
	long pid;

	while (d && (e = readdir(d))) {
		if (sscanf(e->d_name, "hold-%ld", &pid) != 1 || pid <= 0 ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(p, sizeof(p), "%s/%.64s", dir, e->d_name);
		(void)rmdir(p);
	}
	if (d)
		closedir(d);
}

/* Take this run's hold: 0, or -errno (the run goes on unheld, as before holds). */
static int
cpuset_parent_hold(struct container_state *s)
{
	const char *dir = CG_ROOT "/cpuset" CG_PARENT;
	int i;

	snprintf(s->cpuset_hold, sizeof(s->cpuset_hold), "%s/hold-%ld", dir, (long)getpid());
	/* Parent, then child: another run may remove the parent in between, once. */
	for (i = 0; i < 2; i++) {
		(void)mkdir(dir, 0755);
		if (mkdir(s->cpuset_hold, 0755) == 0 || errno == EEXIST)
			return 0;
	}
	s->cpuset_hold[0] = '\0';
	return -errno;
}

/*
 * The run's images unpacked (or found in the cache) and their mount points made, before
 * any container starts: a cold start never includes an unpack. A bad image is exit 2
 * (-EINVAL), a missing umoci exit 77 (-ENODEV).
 */
static int
images_prepare(struct container_state *s, const struct driver_config *cfg, struct jb_err *err)
{
	char umoci[PATH_MAX], cache[PATH_MAX];
	size_t i;
	int rc, have_umoci;

	if (!cfg->n_images)
		return 0;
	have_umoci = driver_exe_find("umoci", umoci, sizeof(umoci)) == 0;
	if (cfg->n_images > IMAGES_MAX)
		return jb_err_set(err, -EINVAL, "container: at most %d images in a run", IMAGES_MAX);
	if ((rc = oci_host_runner_find(s->fn_path, &s->runner, err)))
		return rc;
	oci_image_cache_dir(cache, sizeof(cache));
	for (i = 0; i < cfg->n_images; i++) {
		struct container_image *im = &s->images[s->n_images];
		struct oci_bundle_config bc = { .ro_paths = cfg->ro_paths };

		rc = oci_image_unpack(have_umoci ? umoci : NULL, cache, &cfg->images[i], im->rootfs,
				      sizeof(im->rootfs), err);
		bc.root_dir = im->rootfs;
		if (!rc)
			rc = oci_bundle_image_prepare(&bc, err);
		if (rc) {
			char why[sizeof(err->msg)]; /* err->msg cannot be source and destination */

			snprintf(why, sizeof(why), "%s", err ? err->msg : jb_strerror(rc));
			return jb_err_set(err, rc == -ENOMEM || rc == -ENODEV ? rc : -EINVAL,
					  "container: %.900s", why);
		}
		snprintf(im->digest, sizeof(im->digest), "%s", cfg->images[i].digest);
		s->n_images++;
	}
	return 0;
}

static int
container_prepare(const struct driver_config *cfg, void **drv, struct jb_err *err)
{
	struct container_state *s = calloc(1, sizeof(*s));
	char why[768];
	int rc;

	if (!s)
		return jb_err_set(err, -ENOMEM, "container: out of memory");
	rc = oci_runtime_pick(cfg->runtime ? cfg->runtime : getenv("JOULEBENCH_RUNTIME"), CG_ROOT,
			      &s->rt, why, sizeof(why));
	if (rc) {
		free(s);
		return jb_err_set(err, rc, "container: %s", why);
	}
	if (!cfg->fn_path || !realpath(cfg->fn_path, s->fn_path)) {
		free(s);
		return jb_err_set(err, -ENOENT, "container: function runner '%s' not found",
				  cfg->fn_path ? cfg->fn_path : "(none)");
	}
	if (!strcmp(s->rt.name, "runsc")) {
		rc = gvisor_platform_pick(s->rt.path, cfg->platform, s->platform,
					  sizeof(s->platform), why, sizeof(why));
		if (rc) {
			free(s);
			return jb_err_set(err, rc, "container: %s", why);
		}
	} else if (cfg->platform) {
		rc = jb_err_set(err, -EINVAL, "container: --platform is gVisor's (--runtime "
					      "runsc); %s has none", s->rt.name);
		free(s);
		return rc;
	}
	if ((rc = images_prepare(s, cfg, err))) {
		free(s);
		return rc;
	}
	s->ro_paths = cfg->ro_paths; /* the caller's, alive until teardown */
	s->h.cls = &container_class;
	s->h.cg_root = CG_ROOT;
	s->h.cg_version = s->rt.cg_version;
	s->h.memory_mb = cfg->memory_mb ? cfg->memory_mb : OCI_MB_PER_VCPU;
	s->h.timeout_ns = cfg->timeout_ns;
	s->h.live_max = LIVE_MAX;
	s->h.live = s->live;
	rc = isolated_cores_take(&s->h, cfg, err);
	if (rc) {
		free(s);
		return rc;
	}
	/* Bundles on a private directory of the host; the rootfs holds only mount points. */
	snprintf(s->base_dir, sizeof(s->base_dir), "%.200s/joulebench-ctr-%ld-XXXXXX",
		 oci_runtime_tmp_dir(), (long)getpid());
	if (!mkdtemp(s->base_dir)) {
		rc = jb_err_set(err, -errno, "container: mkdtemp %s: %s", s->base_dir, strerror(errno));
		free(s);
		return rc;
	}
	(void)chmod(s->base_dir, 0711);
	/* A detached container's process is re-parented to us when the runtime exits, so we
	 * can wait for it and learn how it died. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
		rc = jb_err_set(err, -errno, "container: PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
		(void)rmdir(s->base_dir);
		free(s);
		return rc;
	}
	if (s->rt.cg_version == 1)
		cpuset_holds_reap();
	if (s->platform[0] && s->h.cpuset[0] && s->rt.cg_version == 1) {
		/* Unheld, a run works as it did before holds: at the mercy of another's close. */
		(void)cpuset_parent_hold(s);
		cpuset_parent_fill();
	}
	pthread_mutex_init(&s->h.lock, NULL);
	oci_runtime_reap_stale(&s->rt, CG_ROOT, CG_PARENT);
	/* crun refuses some hosts only when it creates a container: find out now, once. */
	if (!strcmp(s->rt.name, "crun") &&
	    (rc = crun_probe(&s->rt, CG_ROOT, s->fn_path, s->base_dir, why, sizeof(why)))) {
		rc = jb_err_set(err, rc, "container: %s", why);
		pthread_mutex_destroy(&s->h.lock);
		(void)oci_bundle_remove(s->base_dir);
		free(s);
		return rc;
	}
	*drv = s;
	return 0;
}

struct pre_arg {
	const char *log;
	const struct oci_runtime *rt;
};

/* In the child: its own process group, so a terminal's ^C reaches only the harness, which
 * then stops the containers in order; the runtime's and function's stderr go to a log. */
static int
container_pre_exec(void *arg)
{
	const struct pre_arg *a = arg;
	int fd;

	if (setpgid(0, 0) != 0)
		return errno;
	fd = open(a->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;
	if (dup2(fd, 2) < 0)
		return errno;
	return a->rt->v1_view ? crun_view_enter(a->rt->cg_root) : 0;
}

static void
container_destroy(void *drv, struct isolated_inst *in)
{
	struct container_state *s = drv;
	struct container_inst *ci = (struct container_inst *)in;

	/* Ask politely, then kill through the runtime (it signals the container's whole pid
	 * namespace), then delete the container, its cgroup and its bundle. */
	if (ci->in.ch.pid > 0) {
		if (!ci->in.hung)
			(void)fn_channel_write(&ci->in.ch, "quit\n", 5, NULL);
		if (ci->in.hung || fn_channel_wait(&ci->in.ch, 1000000000u)) {
			(void)oci_runtime_cmd(&s->rt, "kill", ci->in.id, "KILL");
			(void)fn_channel_wait(&ci->in.ch, 2000000000u);
		}
		fn_channel_close(&ci->in.ch, 0); /* SIGKILLs and reaps what is still there */
	}
	(void)oci_runtime_cmd(&s->rt, "delete", "--force", ci->in.id);
	cgroup_dir_remove(CG_ROOT, s->rt.cg_version, ci->in.cgroup);
	isolated_live_set(&s->h, ci->in.id, 0);
	(void)oci_bundle_remove(ci->bundle);
}

/*
 * The runtime started the container and exits: check that it did, then follow the
 * container's process (now our child, as we are a subreaper) on the channel instead.
 */
static int
runtime_detached(struct container_state *s, struct container_inst *ci, struct jb_err *err)
{
	char tail[256], buf[32];
	long pid;
	int rc;

	rc = fn_channel_wait(&ci->in.ch, START_TIMEOUT_NS);
	if (rc) {
		(void)oci_runtime_cmd(&s->rt, "kill", ci->in.id, "KILL");
		return jb_err_set(err, -ETIMEDOUT, "%s run of %s did not return within %llu s",
				  s->rt.name, ci->in.id, START_TIMEOUT_NS / 1000000000ull);
	}
	if (!WIFEXITED(ci->in.ch.status) || WEXITSTATUS(ci->in.ch.status) != 0) {
		driver_log_tail(ci->in.log, tail, sizeof(tail));
		return jb_err_set(err, -ECHILD, "%s run of %s failed (status %d): %.300s", s->rt.name,
				  ci->in.id, ci->in.ch.status, tail[0] ? tail : "no message");
	}
	if (cgroup_file_read(ci->pidfile, buf, sizeof(buf)) || (pid = strtol(buf, NULL, 10)) <= 0)
		return jb_err_set(err, -EPROTO, "%s wrote no pid for %s", s->rt.name, ci->in.id);
	ci->in.ch.pid = (pid_t)pid;
	ci->in.ch.status = -1;
	return 0;
}

static int
container_start_instance(void *drv, unsigned id, struct driver_instance *inst,
			 struct jb_err *err)
{
	struct container_state *s = drv;
	struct container_inst *ci = calloc(1, sizeof(*ci));
	struct oci_bundle_config bc = { 0 };
	struct jb_fn_ready ready;
	struct pre_arg pa;
	char line[JB_PROTO_LINE_MAX], tail[256];
	char *argv[12], platform_flag[48];
	int a = 0;
	int rc;

	if (!ci)
		return jb_err_set(err, -ENOMEM, "container: out of memory");
	isolated_name(&s->h, &ci->in, "jb", CG_PARENT, s->base_dir);
	snprintf(ci->bundle, sizeof(ci->bundle), "%.255s/%.47s", s->base_dir, ci->in.id);
	snprintf(ci->pidfile, sizeof(ci->pidfile), "%.255s/%.47s.pid", s->base_dir, ci->in.id);
	bc.fn_path = s->fn_path;
	bc.hostname = ci->in.id;
	bc.cgroups_path = ci->in.cgroup;
	bc.memory_mb = s->h.memory_mb;
	bc.ro_paths = s->ro_paths;
	/* A user's function starts processes and threads of its own (Node.js: about ten), and
	 * under runsc the Sentry's own threads count in the same cgroup: the bundle's default
	 * of 64 made gVisor's exec fail with EAGAIN. Lambda's quota is 1,024 processes and
	 * threads (docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html). */
	if (s->ro_paths)
		bc.pids_limit = 1024;
	bc.cpuset = s->h.cpuset[0] ? s->h.cpuset : NULL;
	if (inst->image) {
		size_t i;

		for (i = 0; i < s->n_images && strcmp(s->images[i].digest, inst->image); i++)
			;
		if (i == s->n_images) {
			free(ci);
			return jb_err_set(err, -EINVAL, "container: image %s was not prepared",
					  inst->image);
		}
		bc.root_dir = s->images[i].rootfs;
		bc.loader = s->runner.loader;
		bc.lib_path = s->runner.lib_path;
	}
	rc = oci_bundle_write(ci->bundle, &bc, err);
	if (rc) {
		free(ci);
		return rc;
	}
	isolated_live_set(&s->h, ci->in.id, 1);
	argv[a++] = s->rt.path;
	if (s->platform[0]) {
		snprintf(platform_flag, sizeof(platform_flag), "--platform=%s", s->platform);
		argv[a++] = platform_flag;
		/* runsc does not create the bundle's new network namespace itself (it wants a
		 * path) and refuses the host's; `none` gives the Sentry's netstack loopback
		 * only, the same no-network function as under runc. */
		argv[a++] = "--network=none";
	}
	argv[a++] = "run";
	argv[a++] = s->platform[0] ? "--detach" : "-d";
	argv[a++] = "--pid-file";
	argv[a++] = ci->pidfile;
	argv[a++] = "--bundle";
	argv[a++] = ci->bundle;
	argv[a++] = ci->in.id;
	argv[a] = NULL;
	pa.log = ci->in.log;
	pa.rt = &s->rt;
	/* gVisor imports each donated stdio fd with the host's file status flags, then sets
	 * O_NONBLOCK on it for its own poller (pkg/sentry/fsimpl/host/host.go, NewFD). On one
	 * socket for stdin and stdout (one open file description) the second import sees the
	 * first one's O_NONBLOCK, and the function's stdin came out non-blocking: a read before
	 * our next request arrived got EAGAIN, getline() failed, joulebench-fn took it for EOF
	 * and exited 0 (runsc --strace: `read(0x0 host:[3], ...) = 0 errno=11`), a spurious
	 * `crashed` row whenever the harness was slower than the function. Separate pairs for
	 * stdin and stdout keep the flags apart. */
	rc = s->platform[0] ? fn_channel_spawn_split(&ci->in.ch, argv, container_pre_exec, &pa, err)
			    : fn_channel_spawn(&ci->in.ch, argv, container_pre_exec, &pa, err);
	if (rc)
		goto fail;
	rc = runtime_detached(s, ci, err);
	if (rc)
		goto fail;
	rc = fn_channel_read_line(&ci->in.ch, line, sizeof(line),
				  s->h.timeout_ns > START_TIMEOUT_NS ? s->h.timeout_ns
								      : START_TIMEOUT_NS,
				  err);
	if (rc) {
		char why[200]; /* err->msg cannot be both a source and the destination */

		snprintf(why, sizeof(why), "%.199s", err ? err->msg : jb_strerror(rc));
		driver_log_tail(ci->in.log, tail, sizeof(tail));
		rc = jb_err_set(err, rc, "container %s did not start: %s%s%.200s", ci->in.id, why,
				tail[0] ? "; runtime: " : "", tail);
		goto fail;
	}
	rc = jb_proto_ready_parse(line, &ready, err);
	if (rc)
		goto fail;
	isolated_fill(&s->h, &ci->in, id, ready.cpus_allowed, inst);
	(void)unlink(ci->in.log);
	(void)unlink(ci->pidfile);
	return 0;
fail:
	container_destroy(s, &ci->in);
	(void)unlink(ci->in.log);
	(void)unlink(ci->pidfile);
	free(ci);
	return rc;
}

/* The function died: was it the OOM killer? The kept cgroup still counts it. */
static int
container_ended(void *drv, struct isolated_inst *in, struct jb_err *err)
{
	struct container_state *s = drv;
	uint64_t kills = 0;

	if (!cgroup_oom_kills_read(CG_ROOT, s->rt.cg_version, in->cgroup, &kills) && kills)
		return jb_err_set(err, -ENOMEM, "OOM-killed: the function exceeded its memory "
						"limit of %llu MB (container %s)",
				  (unsigned long long)s->h.memory_mb, in->id);
	/* gVisor: the Sentry may end the sandbox itself when the host refuses it memory at
	 * the cgroup's limit, so no OOM kill is counted; the limit's hit counter is. */
	if (s->platform[0] &&
	    !cgroup_limit_hits_read(CG_ROOT, s->rt.cg_version, in->cgroup, &kills) && kills)
		return jb_err_set(err, -ENOMEM, "out of memory: the gVisor sandbox ended after its "
						"memory use hit the limit of %llu MB %llu time(s) "
						"(container %s)",
				  (unsigned long long)s->h.memory_mb, (unsigned long long)kills,
				  in->id);
	return -EPIPE;
}

static const struct isolated_class container_class = {
	.driver = "container",
	.ended = container_ended,
	.destroy = container_destroy,
};

static void
container_describe(void *drv, struct driver_info *info)
{
	struct container_state *s = drv;
	char version[sizeof(info->runtime_version)];

	/* The sidecar keeps runtime_version; gVisor's platform rides along with it. */
	if (s->platform[0])
		snprintf(version, sizeof(version), "%.90s; platform %.20s", s->rt.version,
			 s->platform);
	else if (s->rt.v1_view)
		snprintf(version, sizeof(version), "%.90s; cgroup v1 view", s->rt.version);
	else
		snprintf(version, sizeof(version), "%s", s->rt.version);
	isolated_describe(&s->h, s->rt.name, version, s->rt.path, info);
	if (s->platform[0]) {
		snprintf(info->isolation, sizeof(info->isolation), "gvisor-%.20s", s->platform);
		snprintf(info->accel, sizeof(info->accel), "%.15s", s->platform);
	}
}

static void
container_teardown(void *drv)
{
	struct container_state *s = drv;
	size_t i;

	if (!s)
		return;
	/* Containers whose stop never came (an aborted run): delete them by id. */
	for (i = 0; i < LIVE_MAX; i++) {
		if (!s->live[i][0])
			continue;
		(void)oci_runtime_cmd(&s->rt, "delete", "--force", s->live[i]);
		{
			char cg[96], b[PATH_MAX];

			snprintf(cg, sizeof(cg), CG_PARENT "/%s", s->live[i]);
			cgroup_dir_remove(CG_ROOT, s->rt.cg_version, cg);
			snprintf(b, sizeof(b), "%.255s/%.47s", s->base_dir, s->live[i]);
			(void)oci_bundle_remove(b);
		}
	}
	if (s->cpuset_hold[0])
		(void)rmdir(s->cpuset_hold);
	/* The shared parent goes once empty; another run's containers keep it busy. */
	cgroup_dir_remove(CG_ROOT, s->rt.cg_version, CG_PARENT);
	(void)oci_bundle_remove(s->base_dir);
	pthread_mutex_destroy(&s->h.lock);
	free(s);
}

const struct driver_ops driver_container = {
	.name = "container",
	.summary = "joulebench-fn in OCI containers (runc, crun, or gVisor's runsc), co-located "
		   "on shared cores under a CPU quota",
	.isolation = "container",
	.probe = container_probe,
	.prepare = container_prepare,
	.start_instance = container_start_instance,
	.invoke = isolated_invoke,
	.stop_instance = isolated_stop,
	.teardown = container_teardown,
	.cpu_ns = isolated_cpu_ns,
	.describe = container_describe,
	.runs_images = 1,
};
