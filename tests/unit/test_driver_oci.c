/* SPDX-License-Identifier: MIT */
/*
 * The OCI bundle of the container driver, parsed back with json-c: namespaces (pid, mount,
 * ipc, uts, network, cgroup), read-only root and bind mounts, a tmpfs /tmp, no capabilities,
 * noNewPrivileges, and the memory, pids and CPU limits with Lambda's quota formula; the
 * bundle on disk (mount points, merged-/usr symlinks) and its removal; an OCI image as the
 * root (the host's directories for the runner only, its loader first), mount points made
 * in an image without leaving it, and the host loader found from the runner's ELF header.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <json-c/json.h>

#include "oci_bundle.h"
#include "oci_image.h"

static json_object *
get(json_object *o, const char *path)
{
	char buf[256], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && o; tok = strtok_r(NULL, ".", &save)) {
		json_object *next = NULL;

		if (!json_object_object_get_ex(o, tok, &next))
			return NULL;
		o = next;
	}
	return o;
}

static json_object *
config_for(const struct oci_bundle_config *cfg)
{
	char *s = NULL;
	json_object *o;

	cr_assert_eq(oci_bundle_config_json(cfg, &s, NULL), 0);
	o = json_tokener_parse(s);
	free(s);
	cr_assert_not_null(o);
	return o;
}

static json_object *
mount_at(json_object *o, const char *dest)
{
	json_object *m = get(o, "mounts");
	size_t i;

	for (i = 0; m && i < json_object_array_length(m); i++) {
		json_object *e = json_object_array_get_idx(m, i);

		if (!strcmp(json_object_get_string(get(e, "destination")), dest))
			return e;
	}
	return NULL;
}

static int
has_option(json_object *mnt, const char *opt)
{
	json_object *a = get(mnt, "options");
	size_t i;

	for (i = 0; a && i < json_object_array_length(a); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(a, i)), opt))
			return 1;
	return 0;
}

static const struct oci_bundle_config base = {
	.fn_path = "/usr/bin/true", .cgroups_path = "/joulebench/t", .memory_mb = 512,
	.cpuset = "1", .hostname = "t",
};

Test(driver_oci, quota_formula)
{
	/* research/workloads.md §3.1: period 100,000 µs -> 128 MB: 7,236; 256: 14,471;
	 * 512: 28,943; 1,024: 57,886; 1,769: 100,000. */
	cr_assert_eq(oci_cpu_quota_us(128, 100000), 7236);
	cr_assert_eq(oci_cpu_quota_us(256, 100000), 14471);
	cr_assert_eq(oci_cpu_quota_us(512, 100000), 28943);
	cr_assert_eq(oci_cpu_quota_us(1024, 100000), 57886);
	cr_assert_eq(oci_cpu_quota_us(1769, 100000), 100000);
	cr_assert_eq(oci_cpu_quota_us(3538, 100000), 200000);
	cr_assert_eq(oci_cpu_quota_us(1, 100000), OCI_CPU_QUOTA_MIN_US);
}

Test(driver_oci, namespaces_and_process)
{
	static const char *const want[] = { "pid", "network", "ipc", "uts", "mount", "cgroup" };
	json_object *o = config_for(&base), *ns = get(o, "linux.namespaces"), *caps;
	size_t i, j;

	cr_assert_eq(json_object_array_length(ns), 6);
	for (i = 0; i < 6; i++) {
		int found = 0;

		for (j = 0; j < json_object_array_length(ns); j++) {
			json_object *e = json_object_array_get_idx(ns, j);

			found |= !strcmp(json_object_get_string(get(e, "type")), want[i]);
			/* No path: a new namespace, never a join of the host's. */
			cr_assert_null(get(e, "path"));
		}
		cr_assert(found, "namespace %s missing", want[i]);
	}
	cr_assert(json_object_get_boolean(get(o, "process.noNewPrivileges")));
	cr_assert_not(json_object_get_boolean(get(o, "process.terminal")));
	cr_assert_eq(json_object_get_int(get(o, "process.user.uid")), 65534);
	caps = get(o, "process.capabilities");
	json_object_object_foreach(caps, key, val) {
		(void)key;
		cr_assert_eq(json_object_array_length(val), 0, "capability set %s not empty", key);
	}
	cr_assert_str_eq(json_object_get_string(json_object_array_get_idx(get(o, "process.args"), 0)),
			 "/joulebench-fn");
	cr_assert(json_object_get_boolean(get(o, "root.readonly")));
	cr_assert_str_eq(json_object_get_string(get(o, "linux.cgroupsPath")), "/joulebench/t");
	json_object_put(o);
}

Test(driver_oci, mounts)
{
	json_object *o = config_for(&base), *m;

	m = mount_at(o, "/tmp");
	cr_assert_not_null(m);
	cr_assert_str_eq(json_object_get_string(get(m, "type")), "tmpfs");
	m = mount_at(o, "/usr");
	cr_assert_not_null(m, "/usr is not bind-mounted");
	cr_assert(has_option(m, "ro") && has_option(m, "rbind"));
	m = mount_at(o, "/joulebench-fn");
	cr_assert_not_null(m);
	cr_assert_str_eq(json_object_get_string(get(m, "source")), "/usr/bin/true");
	cr_assert(has_option(m, "ro"));
	cr_assert_not_null(mount_at(o, "/proc"));
	cr_assert(has_option(mount_at(o, "/sys"), "ro"));
	json_object_put(o);
}

Test(driver_oci, limits)
{
	json_object *o = config_for(&base);

	cr_assert_eq(json_object_get_int64(get(o, "linux.resources.memory.limit")), 512ll << 20);
	cr_assert_eq(json_object_get_int64(get(o, "linux.resources.cpu.quota")), 28943);
	cr_assert_eq(json_object_get_int64(get(o, "linux.resources.cpu.period")), 100000);
	cr_assert_str_eq(json_object_get_string(get(o, "linux.resources.cpu.cpus")), "1");
	cr_assert_eq(json_object_get_int64(get(o, "linux.resources.pids.limit")), 64);
	json_object_put(o);
}

Test(driver_oci, no_cpuset_when_none_given)
{
	struct oci_bundle_config c = base;
	json_object *o;

	c.cpuset = NULL;
	o = config_for(&c);
	cr_assert_null(get(o, "linux.resources.cpu.cpus"));
	json_object_put(o);
}

Test(driver_oci, missing_fields_rejected)
{
	struct oci_bundle_config c = base;
	char *s = NULL;

	c.cgroups_path = NULL;
	cr_assert_eq(oci_bundle_config_json(&c, &s, NULL), -EINVAL);
}

Test(driver_oci, bundle_on_disk_and_removed)
{
	char dir[] = "/tmp/jb-oci-test-XXXXXX", b[PATH_MAX], p[PATH_MAX + 32];
	struct stat st;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(b, sizeof(b), "%s/bundle", dir);
	cr_assert_eq(oci_bundle_write(b, &base, NULL), 0);
	snprintf(p, sizeof(p), "%s/config.json", b);
	cr_assert_eq(stat(p, &st), 0);
	snprintf(p, sizeof(p), "%s/rootfs/joulebench-fn", b);
	cr_assert_eq(stat(p, &st), 0);
	snprintf(p, sizeof(p), "%s/rootfs/usr", b);
	cr_assert(lstat(p, &st) == 0 && S_ISDIR(st.st_mode));
	/* /lib is a symlink on merged-/usr systems: the same symlink in the root. */
	if (lstat("/lib", &st) == 0 && S_ISLNK(st.st_mode)) {
		snprintf(p, sizeof(p), "%s/rootfs/lib", b);
		cr_assert(lstat(p, &st) == 0 && S_ISLNK(st.st_mode));
	}
	cr_assert_eq(oci_bundle_write(b, &base, NULL) < 0, 1, "an existing bundle is reused");
	cr_assert_eq(oci_bundle_remove(b), 0);
	cr_assert_neq(lstat(b, &st), 0);
	cr_assert_eq(rmdir(dir), 0);
}

Test(driver_oci, image_root)
{
	struct oci_bundle_config c = base;
	json_object *o, *args, *m;

	c.root_dir = "/cache/sha256-x/rootfs";
	c.loader = OCI_HOST_DIR "/usr/lib/ld.so";
	c.lib_path = OCI_HOST_DIR "/usr/lib";
	o = config_for(&c);
	cr_assert_str_eq(json_object_get_string(get(o, "root.path")), c.root_dir);
	cr_assert(json_object_get_boolean(get(o, "root.readonly")));
	/* The host's /usr for the runner only, under OCI_HOST_DIR; the image keeps its own. */
	cr_assert_null(mount_at(o, "/usr"));
	m = mount_at(o, OCI_HOST_DIR "/usr");
	cr_assert(m && has_option(m, "ro"));
	cr_assert_not_null(mount_at(o, "/joulebench-fn"));
	args = get(o, "process.args");
	cr_assert_str_eq(json_object_get_string(json_object_array_get_idx(args, 0)), c.loader);
	cr_assert_str_eq(json_object_get_string(json_object_array_get_idx(args, 1)),
			 "--inhibit-cache");
	cr_assert_str_eq(json_object_get_string(json_object_array_get_idx(args, 3)), c.lib_path);
	cr_assert_str_eq(json_object_get_string(json_object_array_get_idx(args, 4)),
			 "/joulebench-fn");
	json_object_put(o);
}

Test(driver_oci, image_mount_points_never_leave_the_root)
{
	static const char *const dirs[] = { "/proc", "/a/b/c", NULL };
	static const char *const files[] = { "/joulebench-fn", NULL };
	static const char *const out[] = { "/tmp/x", NULL };
	char root[] = "/tmp/jb-oci-root-XXXXXX", p[PATH_MAX], target[] = "/tmp/jb-oci-out-XXXXXX";
	struct jb_err err = { 0 };
	struct stat st;

	cr_assert_not_null(mkdtemp(root));
	cr_assert_not_null(mkdtemp(target));
	cr_assert_eq(oci_image_mountpoints(root, dirs, files, &err), 0, "%s", err.msg);
	snprintf(p, sizeof(p), "%s/a/b/c", root);
	cr_assert(stat(p, &st) == 0 && S_ISDIR(st.st_mode));
	snprintf(p, sizeof(p), "%s/joulebench-fn", root);
	cr_assert(stat(p, &st) == 0 && S_ISREG(st.st_mode));
	/* An image's /tmp that links out of it: refused, nothing made where it points. */
	snprintf(p, sizeof(p), "%s/tmp", root);
	cr_assert_eq(symlink(target, p), 0);
	cr_assert_eq(oci_image_mountpoints(root, out, NULL, &err), -ENOTDIR);
	cr_assert_not_null(strstr(err.msg, "symbolic link"), "%s", err.msg);
	snprintf(p, sizeof(p), "%s/x", target);
	cr_assert_neq(stat(p, &st), 0, "a mount point was made outside the root");
	cr_assert_eq(rmdir(target), 0);
	snprintf(p, sizeof(p), "rm -rf %s", root);
	cr_assert_eq(system(p), 0);
}

Test(driver_oci, host_runner_found)
{
	struct oci_host_runner r;
	struct jb_err err = { 0 };

	cr_assert_eq(oci_host_runner_find("/bin/sh", &r, &err), 0, "%s", err.msg);
	cr_assert_eq(strncmp(r.loader, OCI_HOST_DIR "/", strlen(OCI_HOST_DIR) + 1), 0, "%s",
		     r.loader);
	cr_assert_eq(access(r.loader + strlen(OCI_HOST_DIR), X_OK), 0, "%s", r.loader);
	cr_assert_not_null(strstr(r.lib_path, OCI_HOST_DIR "/"), "%s", r.lib_path);
}
