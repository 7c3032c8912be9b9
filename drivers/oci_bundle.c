/* SPDX-License-Identifier: MIT */
/*
 * OCI bundle writer (oci_bundle.h). The configuration follows what `runc spec` writes
 * (runc-spec(8)) with every change the isolation needs: read-only root; pid, mount, ipc,
 * uts, network and cgroup namespaces (a new network namespace has only a loopback device,
 * so the function sees no network); no capabilities in any set; noNewPrivileges; an
 * unprivileged user; a tmpfs /tmp; and memory, pids and CPU bandwidth limits, the CPU quota
 * derived from the memory size as on AWS Lambda (research/workloads.md §3.1).
 */
#include "config.h"

#define _XOPEN_SOURCE_EXTENDED 1
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "oci_bundle.h"
#include "oci_image.h"

/* Host directories a dynamically linked joulebench-fn needs (its loader and libraries).
 * On a merged-/usr system the others are symlinks into /usr. */
static const char *const host_dirs[] = { "/usr", "/lib", "/lib64", "/lib32", "/libx32",
					 "/bin", "/sbin" };

/* runc spec's defaults: kernel interfaces hidden from, or read-only in, the container. */
static const char *const masked_paths[] = {
	"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
	"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
	"/proc/scsi",
};
static const char *const readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

#define FN_DEST "/joulebench-fn"
#define NOBODY_ID 65534

uint64_t
oci_cpu_quota_us(uint64_t memory_mb, uint64_t period_us)
{
	uint64_t q = (period_us * memory_mb + OCI_MB_PER_VCPU / 2) / OCI_MB_PER_VCPU;

	return q < OCI_CPU_QUOTA_MIN_US ? OCI_CPU_QUOTA_MIN_US : q;
}

static json_object *
str_array(const char *const *s, size_t n)
{
	json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(s[i]));
	return a;
}

static void
add_mount(json_object *mounts, const char *dest, const char *type, const char *src,
	  const char *const *opts, size_t n_opts)
{
	json_object *m = json_object_new_object();

	json_object_object_add(m, "destination", json_object_new_string(dest));
	json_object_object_add(m, "type", json_object_new_string(type));
	json_object_object_add(m, "source", json_object_new_string(src));
	json_object_object_add(m, "options", str_array(opts, n_opts));
	json_object_array_add(mounts, m);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
host_path(char *out, size_t len, const struct oci_bundle_config *cfg, const char *p)
{
	const char *root = cfg->host_root ? cfg->host_root : "/";

	snprintf(out, len, "%s%s", strcmp(root, "/") ? root : "", p);
}

static json_object *
build_mounts(const struct oci_bundle_config *cfg)
{
	static const char *const proc_o[] = { "nosuid", "noexec", "nodev" };
	static const char *const dev_o[] = { "nosuid", "strictatime", "mode=755", "size=65536k" };
	static const char *const shm_o[] = { "nosuid", "noexec", "nodev", "mode=1777",
					     "size=65536k" };
	static const char *const sys_o[] = { "nosuid", "noexec", "nodev", "ro" };
	static const char *const cg_o[] = { "nosuid", "noexec", "nodev", "relatime", "ro" };
	static const char *const dir_o[] = { "rbind", "ro", "nosuid", "nodev" };
	static const char *const fn_o[] = { "bind", "ro", "nosuid", "nodev" };
	json_object *mounts = json_object_new_array();
	char tmp_size[64], p[PATH_MAX];
	const char *tmp_o[4] = { "nosuid", "nodev", "mode=1777", tmp_size };
	struct stat st;
	size_t i;

	snprintf(tmp_size, sizeof(tmp_size), "size=%llum",
		 (unsigned long long)(cfg->tmp_size_mb ? cfg->tmp_size_mb : 64));
	add_mount(mounts, "/proc", "proc", "proc", proc_o, N(proc_o));
	add_mount(mounts, "/dev", "tmpfs", "tmpfs", dev_o, N(dev_o));
	add_mount(mounts, "/dev/shm", "tmpfs", "shm", shm_o, N(shm_o));
	add_mount(mounts, "/sys", "sysfs", "sysfs", sys_o, N(sys_o));
	add_mount(mounts, "/sys/fs/cgroup", "cgroup", "cgroup", cg_o, N(cg_o));
	add_mount(mounts, "/tmp", "tmpfs", "tmpfs", tmp_o, N(tmp_o));
	for (i = 0; i < N(host_dirs); i++) {
		char dest[64];

		host_path(p, sizeof(p), cfg, host_dirs[i]);
		/* Symlinks are recreated in the root instead (oci_bundle_write); in an image's
		 * root the host's directories are the runner's, apart from the image's own. */
		snprintf(dest, sizeof(dest), "%s%s", cfg->root_dir ? OCI_HOST_DIR : "", host_dirs[i]);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			add_mount(mounts, dest, "bind", p, dir_o, N(dir_o));
	}
	add_mount(mounts, FN_DEST, "bind", cfg->fn_path, fn_o, N(fn_o));
	/* After /tmp's tmpfs, so that a directory under /tmp shows through it. */
	for (i = 0; cfg->ro_paths && cfg->ro_paths[i]; i++)
		add_mount(mounts, cfg->ro_paths[i], "bind", cfg->ro_paths[i], dir_o, N(dir_o));
	return mounts;
}

static json_object *
build_process(const struct oci_bundle_config *cfg)
{
	static const char *const env[] = { "PATH=/usr/bin:/bin", "LC_ALL=C" };
	static const char *const cap_sets[] = { "bounding", "effective", "inheritable",
						"permitted", "ambient" };
	json_object *p = json_object_new_object(), *u = json_object_new_object();
	json_object *args = json_object_new_array(), *caps = json_object_new_object();
	json_object *rl = json_object_new_array(), *nofile = json_object_new_object();
	size_t i;

	json_object_object_add(p, "terminal", json_object_new_boolean(0));
	json_object_object_add(u, "uid", json_object_new_int(NOBODY_ID));
	json_object_object_add(u, "gid", json_object_new_int(NOBODY_ID));
	json_object_object_add(p, "user", u);
	/* In an image's root the host's loader starts the runner with the host's libraries
	 * (ld.so(8)): not the image's ld.so.cache, and no LD_LIBRARY_PATH that the function
	 * it starts would inherit. */
	if (cfg->root_dir && cfg->loader && cfg->loader[0]) {
		json_object_array_add(args, json_object_new_string(cfg->loader));
		json_object_array_add(args, json_object_new_string("--inhibit-cache"));
		json_object_array_add(args, json_object_new_string("--library-path"));
		json_object_array_add(args, json_object_new_string(cfg->lib_path ? cfg->lib_path
										   : ""));
	}
	json_object_array_add(args, json_object_new_string(FN_DEST));
	for (i = 0; i < OCI_ARGS_MAX && cfg->args[i]; i++)
		json_object_array_add(args, json_object_new_string(cfg->args[i]));
	json_object_object_add(p, "args", args);
	json_object_object_add(p, "env", str_array(env, N(env)));
	json_object_object_add(p, "cwd", json_object_new_string("/"));
	for (i = 0; i < N(cap_sets); i++)
		json_object_object_add(caps, cap_sets[i], json_object_new_array());
	json_object_object_add(p, "capabilities", caps);
	json_object_object_add(nofile, "type", json_object_new_string("RLIMIT_NOFILE"));
	json_object_object_add(nofile, "hard", json_object_new_int(1024));
	json_object_object_add(nofile, "soft", json_object_new_int(1024));
	json_object_array_add(rl, nofile);
	json_object_object_add(p, "rlimits", rl);
	json_object_object_add(p, "noNewPrivileges", json_object_new_boolean(1));
	return p;
}

static json_object *
build_linux(const struct oci_bundle_config *cfg)
{
	static const char *const ns[] = { "pid", "network", "ipc", "uts", "mount", "cgroup" };
	json_object *l = json_object_new_object(), *nss = json_object_new_array();
	json_object *res = json_object_new_object(), *mem = json_object_new_object();
	json_object *cpu = json_object_new_object(), *pids = json_object_new_object();
	json_object *devs = json_object_new_array(), *deny = json_object_new_object();
	size_t i;

	for (i = 0; i < N(ns); i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "type", json_object_new_string(ns[i]));
		json_object_array_add(nss, o);
	}
	json_object_object_add(l, "namespaces", nss);
	json_object_object_add(l, "cgroupsPath", json_object_new_string(cfg->cgroups_path));
	json_object_object_add(deny, "allow", json_object_new_boolean(0));
	json_object_object_add(deny, "access", json_object_new_string("rwm"));
	json_object_array_add(devs, deny);
	json_object_object_add(res, "devices", devs);
	json_object_object_add(mem, "limit",
			       json_object_new_int64((int64_t)(cfg->memory_mb << 20)));
	json_object_object_add(res, "memory", mem);
	json_object_object_add(cpu, "quota", json_object_new_int64(
		(int64_t)oci_cpu_quota_us(cfg->memory_mb, OCI_CPU_PERIOD_US)));
	json_object_object_add(cpu, "period", json_object_new_int64(OCI_CPU_PERIOD_US));
	if (cfg->cpuset && *cfg->cpuset)
		json_object_object_add(cpu, "cpus", json_object_new_string(cfg->cpuset));
	json_object_object_add(res, "cpu", cpu);
	json_object_object_add(pids, "limit",
			       json_object_new_int64((int64_t)(cfg->pids_limit ? cfg->pids_limit : 64)));
	json_object_object_add(res, "pids", pids);
	json_object_object_add(l, "resources", res);
	json_object_object_add(l, "maskedPaths", str_array(masked_paths, N(masked_paths)));
	json_object_object_add(l, "readonlyPaths", str_array(readonly_paths, N(readonly_paths)));
	return l;
}

int
oci_bundle_config_json(const struct oci_bundle_config *cfg, char **json, struct jb_err *err)
{
	json_object *o, *root;

	if (!cfg->fn_path || !cfg->cgroups_path || !cfg->memory_mb)
		return jb_err_set(err, -EINVAL, "oci: fn_path, cgroups_path and memory_mb are needed");
	o = json_object_new_object();
	root = json_object_new_object();
	json_object_object_add(o, "ociVersion", json_object_new_string("1.0.2"));
	json_object_object_add(o, "process", build_process(cfg));
	json_object_object_add(root, "path", json_object_new_string(cfg->root_dir ? cfg->root_dir
										     : "rootfs"));
	json_object_object_add(root, "readonly", json_object_new_boolean(1));
	json_object_object_add(o, "root", root);
	json_object_object_add(o, "hostname",
			       json_object_new_string(cfg->hostname ? cfg->hostname : "fn"));
	json_object_object_add(o, "mounts", build_mounts(cfg));
	json_object_object_add(o, "linux", build_linux(cfg));
	*json = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return *json ? 0 : jb_err_set(err, -ENOMEM, "oci: out of memory");
}

static int
mkdir_in(const char *dir, const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	return (mkdir(p, 0755) == 0 || errno == EEXIST) ? 0 : -errno;
}

static int
write_rootfs(const char *dir, const struct oci_bundle_config *cfg, struct jb_err *err)
{
	static const char *const points[] = { "rootfs", "rootfs/proc", "rootfs/dev", "rootfs/sys",
					      "rootfs/tmp" };
	char p[PATH_MAX], link[PATH_MAX], q[PATH_MAX];
	struct stat st;
	size_t i;
	ssize_t n;
	int rc, fd;

	for (i = 0; i < N(points); i++)
		if ((rc = mkdir_in(dir, points[i])))
			return jb_err_set(err, rc, "oci: mkdir %s/%s: %s", dir, points[i], jb_strerror(rc));
	for (i = 0; i < N(host_dirs); i++) {
		host_path(p, sizeof(p), cfg, host_dirs[i]);
		if (lstat(p, &st) != 0)
			continue;
		snprintf(q, sizeof(q), "%s/rootfs%s", dir, host_dirs[i]);
		if (S_ISLNK(st.st_mode)) {
			n = readlink(p, link, sizeof(link) - 1);
			if (n < 0)
				return jb_err_set(err, -errno, "oci: readlink %s: %s", p, strerror(errno));
			link[n] = '\0';
			if (symlink(link, q) != 0)
				return jb_err_set(err, -errno, "oci: symlink %s: %s", q, strerror(errno));
		} else if (S_ISDIR(st.st_mode) && mkdir(q, 0755) != 0) {
			return jb_err_set(err, -errno, "oci: mkdir %s: %s", q, strerror(errno));
		}
	}
	/* Mount points of the function's directories (those under /tmp the runtime makes in
	 * the tmpfs): every level created, each world-traversable. */
	for (i = 0; cfg->ro_paths && cfg->ro_paths[i]; i++) {
		char *slash;

		if (strncmp(cfg->ro_paths[i], "/tmp/", 5) == 0)
			continue;
		n = snprintf(q, sizeof(q), "%s/rootfs", dir);
		if (n < 0 || snprintf(q + n, sizeof(q) - (size_t)n, "%s", cfg->ro_paths[i]) >=
				     (int)sizeof(q) - n)
			return jb_err_set(err, -ENAMETOOLONG, "oci: %s: too long", cfg->ro_paths[i]);
		for (slash = strchr(q + n + 1, '/'); ; slash = strchr(slash + 1, '/')) {
			if (slash)
				*slash = '\0';
			if (mkdir(q, 0755) != 0 && errno != EEXIST)
				return jb_err_set(err, -errno, "oci: mkdir %s: %s", q, strerror(errno));
			if (!slash)
				break;
			*slash = '/';
		}
	}
	snprintf(q, sizeof(q), "%s/rootfs" FN_DEST, dir);
	fd = open(q, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	if (fd < 0)
		return jb_err_set(err, -errno, "oci: create %s: %s", q, strerror(errno));
	close(fd);
	return 0;
}

int
oci_bundle_write(const char *dir, const struct oci_bundle_config *cfg, struct jb_err *err)
{
	char p[PATH_MAX], *json = NULL;
	FILE *f;
	int rc;

	rc = oci_bundle_config_json(cfg, &json, err);
	if (rc)
		return rc;
	if (mkdir(dir, 0711) != 0) {
		rc = jb_err_set(err, -errno, "oci: mkdir %s: %s", dir, strerror(errno));
		free(json);
		return rc;
	}
	rc = cfg->root_dir ? 0 : write_rootfs(dir, cfg, err);
	if (!rc) {
		snprintf(p, sizeof(p), "%s/config.json", dir);
		f = fopen(p, "wex");
		if (!f) {
			rc = jb_err_set(err, -errno, "oci: create %s: %s", p, strerror(errno));
		} else {
			fputs(json, f);
			if (fclose(f) != 0)
				rc = jb_err_set(err, -EIO, "oci: writing %s failed", p);
		}
	}
	free(json);
	if (rc)
		(void)oci_bundle_remove(dir);
	return rc;
}

int
oci_bundle_image_prepare(const struct oci_bundle_config *cfg, struct jb_err *err)
{
	static const char *const files[] = { FN_DEST, NULL };
	const char *dirs[N(host_dirs) + 8 + 64 + 1];
	char host[N(host_dirs)][64], p[PATH_MAX];
	size_t n = 0, i;
	struct stat st;

	dirs[n++] = "/proc", dirs[n++] = "/dev", dirs[n++] = "/sys", dirs[n++] = "/tmp";
	for (i = 0; i < N(host_dirs); i++) {
		host_path(p, sizeof(p), cfg, host_dirs[i]);
		if (lstat(p, &st) != 0 || !S_ISDIR(st.st_mode))
			continue;
		snprintf(host[i], sizeof(host[i]), OCI_HOST_DIR "%s", host_dirs[i]);
		dirs[n++] = host[i];
	}
	/* Those under /tmp are made by the runtime, in the container's tmpfs. */
	for (i = 0; cfg->ro_paths && cfg->ro_paths[i] && n + 1 < N(dirs); i++)
		if (strncmp(cfg->ro_paths[i], "/tmp/", 5) != 0)
			dirs[n++] = cfg->ro_paths[i];
	dirs[n] = NULL;
	return oci_image_mountpoints(cfg->root_dir, dirs, files, err);
}

static int
remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	/* FTW_MOUNT keeps the walk on this file system; a failure is reported, not fatal. */
	if (type == FTW_DP)
		return rmdir(path) == 0 ? 0 : -errno;
	return unlink(path) == 0 ? 0 : -errno;
}

int
oci_bundle_remove(const char *dir)
{
	struct stat st;

	if (lstat(dir, &st) != 0)
		return errno == ENOENT ? 0 : -errno;
	return nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}
