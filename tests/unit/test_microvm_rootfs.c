/* SPDX-License-Identifier: MIT */
/*
 * A function's microVM root file system (drivers/microvm_rootfs.h), without a VM: the
 * image of a function directory under /tmp holding a shell script, read back with
 * e2fsprogs' debugfs (not our code): the script under /.jbtmp, the shell it names and a
 * program its text names, with their loader; the cache (the same files: the same image,
 * found; a file touched: another); a missing program named in the error. A Python virtual
 * environment with two packages of our own: the one the function imports and the one
 * that imports at its top level are in the image, one imported only inside a function
 * (an optional import) is not, nor the standard library's test suite; pyvenv.cfg is. The
 * QEMU backend's virtio disk: acpi=on on x86's microvm, the drive read-only.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "jb_capture.h"
#include "microvm.h"
#include "microvm_rootfs.h"

static void
file_put(const char *dir, const char *name, const char *text, mode_t mode)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	cr_assert_not_null(f, "%s", p);
	fputs(text, f);
	fclose(f);
	chmod(p, mode);
}

/* debugfs's listing of @dir in @img (its own reader of ext4). */
static void
image_ls(const char *img, const char *dir, char *out, size_t len)
{
	char req[600];
	char *argv[] = { "/sbin/debugfs", "-R", req, (char *)img, NULL };

	snprintf(req, sizeof(req), "ls -l %s", dir);
	if (access(argv[0], X_OK))
		argv[0] = "debugfs";
	cr_assert_eq(jb_capture_run(argv, out, len, 60000000000ull), 0, "debugfs: %s", out);
}

static void
tree_remove(const char *dir)
{
	char *argv[] = { "rm", "-rf", (char *)dir, NULL };
	char out[256];

	(void)jb_capture_run(argv, out, sizeof(out), 60000000000ull);
}

Test(microvm_rootfs, shell_function_image_and_cache)
{
	char base[] = "/tmp/jb-rootfs-unit-XXXXXX", fn[300], cache[300], run[300], ls[16384];
	const char *dirs[] = { fn, NULL }, *progs[] = { "/bin/sh", NULL };
	struct microvm_rootfs_req q = { .dirs = dirs, .programs = progs, .run_dir = run,
					.cache_dir = cache };
	struct microvm_rootfs_info a, b, c;
	struct jb_err err = { 0, "" };
	const char *name;

	cr_assert_not_null(mkdtemp(base));
	snprintf(fn, sizeof(fn), "%s/fn", base);
	snprintf(cache, sizeof(cache), "%s/cache", base);
	snprintf(run, sizeof(run), "%s/run", base);
	cr_assert_eq(mkdir(fn, 0755), 0);
	cr_assert_eq(mkdir(run, 0755), 0);
	/* `cat` is a command of the script; the other words name no program. */
	file_put(fn, "run.sh", "#!/bin/sh\nwhile read -r l; do printf '%s\\n' \"$l\" | cat; "
			       "done\n# zzjbnotaprogram\n", 0755);
	cr_assert_eq(microvm_rootfs_get(&q, &a, &err), 0, "%s", err.msg);
	cr_assert_eq(a.cached, 0);
	cr_assert(a.files > 5 && a.bytes > 0, "%zu files, %llu bytes", a.files,
		  (unsigned long long)a.bytes);
	cr_assert_eq(access(a.path, R_OK), 0, "%s", a.path);
	/* Under /tmp on the host: under /.jbtmp in the image (the guest's /tmp is a tmpfs). */
	name = base + strlen("/tmp/");
	snprintf(fn, sizeof(fn), "/.jbtmp/%s/fn", name);
	image_ls(a.path, fn, ls, sizeof(ls));
	cr_assert_not_null(strstr(ls, "run.sh"), "%s", ls);
	snprintf(fn, sizeof(fn), "%s/fn", base);
	/* The shell and cat, where the host has them (merged /usr or not), with the loader. */
	image_ls(a.path, "/usr/bin", ls, sizeof(ls));
	if (!strstr(ls, " cat"))
		image_ls(a.path, "/bin", ls, sizeof(ls));
	cr_assert_not_null(strstr(ls, " cat"), "%s", ls);
	cr_assert_null(strstr(ls, "zzjbnotaprogram"));
	image_ls(a.path, "/", ls, sizeof(ls));
	cr_assert(strstr(ls, " dev") && strstr(ls, " proc") && strstr(ls, " jb") &&
		  strstr(ls, " joulebench-fn"), "mount points: %s", ls);
	/* The same files: the same image, from the cache. */
	cr_assert_eq(microvm_rootfs_get(&q, &b, &err), 0, "%s", err.msg);
	cr_assert_eq(b.cached, 1);
	cr_assert_str_eq(a.path, b.path);
	/* A file touched (its time changes): another image. */
	{
		struct timeval tv[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
		char p[400];

		snprintf(p, sizeof(p), "%s/run.sh", fn);
		cr_assert_eq(utimes(p, tv), 0);
	}
	cr_assert_eq(microvm_rootfs_get(&q, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(c.cached, 0);
	cr_assert_str_neq(a.digest, c.digest);
	/* A program that is not there is an error naming it. */
	progs[0] = "jb-no-such-program";
	cr_assert_eq(microvm_rootfs_get(&q, &c, &err), -ENOENT);
	cr_assert_not_null(strstr(err.msg, "jb-no-such-program"), "%s", err.msg);
	tree_remove(base);
}

Test(microvm_rootfs, python_venv_imports)
{
	char base[] = "/tmp/jb-rootfs-py-XXXXXX", fn[300], cache[300], run[300], venv[300];
	char site[600], py[400], ls[16384], out[4096], pkg[700];
	const char *dirs[] = { fn, NULL }, *progs[] = { py, NULL };
	struct microvm_rootfs_req q = { .dirs = dirs, .programs = progs, .run_dir = run,
					.cache_dir = cache };
	struct microvm_rootfs_info a;
	struct jb_err err = { 0, "" };
	char *mk[] = { "/usr/bin/python3", "-m", "venv", "--without-pip", venv, NULL };
	char *where[] = { py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
			  NULL };

	cr_assert_not_null(mkdtemp(base));
	snprintf(fn, sizeof(fn), "%s/fn", base);
	snprintf(cache, sizeof(cache), "%s/cache", base);
	snprintf(run, sizeof(run), "%s/run", base);
	snprintf(venv, sizeof(venv), "%s/venv", base);
	snprintf(py, sizeof(py), "%s/bin/python3", venv);
	cr_assert_eq(mkdir(fn, 0755), 0);
	cr_assert_eq(mkdir(run, 0755), 0);
	if (access(mk[0], X_OK) || jb_capture_run(mk, out, sizeof(out), 120000000000ull) ||
	    jb_capture_run(where, site, sizeof(site), 60000000000ull)) {
		tree_remove(base);
		cr_skip_test("no /usr/bin/python3 with venv here");
	}
	site[strcspn(site, "\n")] = '\0';
	/* jbpa imports jbpb at its top level, and jbpc only inside a function. */
	snprintf(pkg, sizeof(pkg), "%s/jbpa", site);
	cr_assert_eq(mkdir(pkg, 0755), 0);
	file_put(pkg, "__init__.py", "import os\nfrom jbpb import x\n\ndef f():\n"
				     "    import jbpc\n", 0644);
	file_put(site, "jbpb.py", "x = 1\n", 0644);
	file_put(site, "jbpc.py", "y = 2\n", 0644);
	file_put(site, "jbpd.py", "z = 3\n", 0644); /* imported by nobody */
	file_put(fn, "handler.py", "import json\nimport jbpa\n\ndef handler(e):\n"
				   "    return jbpa.x\n", 0644);
	cr_assert_eq(microvm_rootfs_get(&q, &a, &err), 0, "%s", err.msg);
	snprintf(pkg, sizeof(pkg), "/.jbtmp/%s%s", site + strlen("/tmp/"), "");
	image_ls(a.path, pkg, ls, sizeof(ls));
	cr_assert(strstr(ls, " jbpa") && strstr(ls, " jbpb.py"), "%s", ls);
	cr_assert_null(strstr(ls, " jbpc.py"), "%s", ls);
	cr_assert_null(strstr(ls, " jbpd.py"), "%s", ls);
	snprintf(pkg, sizeof(pkg), "/.jbtmp/%s/venv", base + strlen("/tmp/"));
	image_ls(a.path, pkg, ls, sizeof(ls));
	cr_assert_not_null(strstr(ls, " pyvenv.cfg"), "%s", ls);
	tree_remove(base);
}

/* The QEMU argv with a function's disk. */
static void
qemu_disk_argv(const char *arch, char *out, size_t len)
{
	struct microvm_host h = { .vmm = &microvm_vmm_qemu };
	struct microvm_boot b = { .accel = "tcg", .initramfs = "/tmp/ir.cpio", .run_dir = "/tmp",
				  .id = "vm-1-0", .cmdline_extra = "jb.root=vda", .memory_mb = 512,
				  .vcpus = 1, .rootfs = "/c/fn-0123.ext4" };
	char *argv[MICROVM_ARGV_MAX + 1], buf[4096];
	struct jb_err err = { 0, "" };
	size_t i;

	snprintf(h.arch, sizeof(h.arch), "%s", arch);
	snprintf(h.vmm_path, sizeof(h.vmm_path), "/usr/bin/qemu-system-x");
	snprintf(h.kernel, sizeof(h.kernel), "/g/vmlinuz");
	out[0] = '\0';
	cr_assert_eq(microvm_vmm_qemu.argv_build(&h, &b, argv, buf, sizeof(buf), &err), 0, "%s",
		     err.msg);
	for (i = 0; argv[i]; i++)
		snprintf(out + strlen(out), len - strlen(out), "%s%s", i ? " " : "", argv[i]);
}

Test(microvm_rootfs, qemu_disk)
{
	static const char drive[] = " -drive file=/c/fn-0123.ext4,if=none,id=jbroot,format=raw,"
				    "readonly=on -device virtio-blk-device,drive=jbroot";
	char a[2048];

	qemu_disk_argv("x86_64", a, sizeof(a));
	cr_assert_not_null(strstr(a, " -M microvm,acpi=on,x-option-roms=off "), "%s", a);
	cr_assert_not_null(strstr(a, drive), "%s", a);
	cr_assert_not_null(strstr(a, " jb.root=vda"), "%s", a);
	qemu_disk_argv("aarch64", a, sizeof(a));
	cr_assert_not_null(strstr(a, " -M virt,gic-version=3,acpi=off,its=off "), "%s", a);
	cr_assert_not_null(strstr(a, drive), "%s", a);
}
