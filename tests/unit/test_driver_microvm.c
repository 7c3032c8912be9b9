/* SPDX-License-Identifier: MIT */
/*
 * The microvm driver's guest image, without a VM: the ELF needs of the real function
 * runner (its loader and libc among them, each an existing file), a file that is not an
 * ELF, and the newc archive (header magic, the entries the guest needs, the trailer),
 * read back independently of the writer by walking its headers. The QEMU backend's
 * command line per host architecture (x86-64: microvm; aarch64: virt) and its check on
 * an unsupported host and on a guest kernel of the wrong architecture.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "microvm.h"

Test(microvm, elf_needs_of_the_runner)
{
	char *libs[MICROVM_LIBS_MAX];
	struct jb_err err = { 0, "" };
	size_t n = 0, i;
	int libc = 0, loader = 0;

	cr_assert_eq(microvm_elf_needs(JB_FN_BUILD_PATH, libs, &n, MICROVM_LIBS_MAX, &err), 0,
		     "%s", err.msg);
	cr_assert_gt(n, 2);
	for (i = 0; i < n; i++) {
		cr_assert_eq(access(libs[i], R_OK), 0, "%s", libs[i]);
		libc |= strstr(libs[i], "/libc.so.") != NULL;
		loader |= strstr(libs[i], "/ld-linux") != NULL;
		free(libs[i]);
	}
	cr_assert(libc && loader);
}

Test(microvm, not_an_elf)
{
	char *libs[4];
	size_t n = 0;

	cr_assert_eq(microvm_elf_needs(JB_SOURCE_ROOT "/README.md", libs, &n, 4, NULL), -ENOEXEC);
	cr_assert_eq(n, 0);
}

/* Walk the newc headers of @buf: names into @names (joined by '|'); 0 when it ends in
 * the trailer and every header is well-formed. */
static int
newc_walk(const char *buf, size_t len, char *names, size_t nlen)
{
	size_t off = 0;

	names[0] = '\0';
	while (off + 110 <= len) {
		char field[9] = { 0 };
		unsigned long size, namesize;
		const char *name;

		if (memcmp(buf + off, "070701", 6))
			return -1;
		memcpy(field, buf + off + 54, 8);
		size = strtoul(field, NULL, 16);
		memcpy(field, buf + off + 94, 8);
		namesize = strtoul(field, NULL, 16);
		name = buf + off + 110;
		if (off + 110 + namesize > len || name[namesize - 1])
			return -1;
		if (!strcmp(name, "TRAILER!!!"))
			return 0;
		strncat(names, name, nlen - strlen(names) - 2);
		strcat(names, "|");
		off = (off + 110 + namesize + 3) & ~(size_t)3;
		off = (off + size + 3) & ~(size_t)3;
	}
	return -1;
}

Test(microvm, initramfs_is_newc_with_init_and_runner)
{
	char dir[] = "/tmp/jb-unit-ir-XXXXXX", path[128], names[8192];
	struct jb_err err = { 0, "" };
	char *buf;
	long len;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ir.cpio", dir);
	cr_assert_eq(microvm_initramfs_build(path, JB_FN_BUILD_PATH, JB_FN_BUILD_PATH, NULL, 0, &err), 0,
		     "%s", err.msg);
	f = fopen(path, "rb");
	cr_assert_not_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc((size_t)len);
	cr_assert_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	cr_assert_eq(len % 4, 0);
	cr_assert_eq(newc_walk(buf, (size_t)len, names, sizeof(names)), 0, "%s", names);
	cr_assert_not_null(strstr(names, "|init|"), "%s", names);
	cr_assert_not_null(strstr(names, "|joulebench-fn|"), "%s", names);
	cr_assert_not_null(strstr(names, "dev/console|"), "%s", names);
	cr_assert_not_null(strstr(names, "libc.so."), "%s", names);
	free(buf);
	/* The output may not exist already. */
	cr_assert_lt(microvm_initramfs_build(path, JB_FN_BUILD_PATH, JB_FN_BUILD_PATH, NULL, 0, NULL), 0);
	unlink(path);
	rmdir(dir);
}

/* The Firecracker backend's command line and per-VM configuration (the VmmConfig of
 * Firecracker v1.16.1's resources.rs), read back with json-c; and the files it wrote are
 * gone after files_remove. */
Test(microvm, firecracker_config)
{
	const struct microvm_vmm *fc = microvm_vmm_find("firecracker");
	struct microvm_host h = { .vmm = fc, .vmm_path = "/opt/fc/firecracker",
				  .kernel = "/guest/vmlinux" };
	char dir[] = "/tmp/jb-fc-unit-XXXXXX", json[256], log[256], buf[4096];
	char *argv[MICROVM_ARGV_MAX + 1];
	struct microvm_boot b = { .accel = "kvm", .initramfs = "/run/x/initramfs.cpio",
				  .id = "vm-42-7", .cmdline_extra = "jb.fault=kill:10",
				  .memory_mb = 3538, .vcpus = 2 };
	struct jb_err err = { 0, "" };
	json_object *root, *bs, *mc, *v;
	char why[256];
	size_t i;
	int log_at = -1;

	cr_assert(fc && !strcmp(fc->runtime, "firecracker") && fc->files_remove);
	cr_assert_neq(fc->accel_check("tcg", why, sizeof(why)), 0);
	cr_assert(strstr(why, "KVM only"), "%s", why);
	cr_assert_eq(fc->accel_check("kvm", why, sizeof(why)), 0);
	cr_assert_not_null(mkdtemp(dir));
	b.run_dir = dir;
	cr_assert_eq(fc->argv_build(&h, &b, argv, buf, sizeof(buf), &err), 0, "%s", err.msg);
	snprintf(json, sizeof(json), "%s/vm-42-7.json", dir);
	cr_assert_str_eq(argv[0], "/opt/fc/firecracker");
	cr_assert_str_eq(argv[1], "--no-api");
	cr_assert_str_eq(argv[2], "--config-file");
	cr_assert_str_eq(argv[3], json);
	for (i = 0; argv[i]; i++)
		if (!strcmp(argv[i], "--log-path"))
			log_at = (int)i + 1;
	/* The log goes to a file from the command line on (never stdout, the protocol's). */
	cr_assert_geq(log_at, 0);
	snprintf(log, sizeof(log), "%s", argv[log_at]);
	cr_assert(!strncmp(log, dir, strlen(dir)), "%s", log);
	root = json_object_from_file(json);
	cr_assert_not_null(root);
	cr_assert(json_object_object_get_ex(root, "boot-source", &bs));
	cr_assert(json_object_object_get_ex(root, "machine-config", &mc));
	cr_assert(json_object_object_get_ex(root, "drives", &v) &&
		  json_object_is_type(v, json_type_array) && json_object_array_length(v) == 0);
	cr_assert_eq(json_object_object_length(bs), 3);
	cr_assert(json_object_object_get_ex(bs, "kernel_image_path", &v));
	cr_assert_str_eq(json_object_get_string(v), "/guest/vmlinux");
	cr_assert(json_object_object_get_ex(bs, "initrd_path", &v));
	cr_assert_str_eq(json_object_get_string(v), "/run/x/initramfs.cpio");
	cr_assert(json_object_object_get_ex(bs, "boot_args", &v));
	/* reboot=k: the i8042 reset ends Firecracker; no console=, no 8250.nr_uarts=0. */
	cr_assert(strstr(json_object_get_string(v), "reboot=k"));
	cr_assert(strstr(json_object_get_string(v), "panic=-1"));
	cr_assert(strstr(json_object_get_string(v), " jb.fault=kill:10"));
	cr_assert_null(strstr(json_object_get_string(v), "console="));
	cr_assert_null(strstr(json_object_get_string(v), "8250"));
	cr_assert(json_object_object_get_ex(mc, "vcpu_count", &v) && json_object_get_int(v) == 2);
	cr_assert(json_object_object_get_ex(mc, "mem_size_mib", &v) &&
		  json_object_get_int64(v) == 3538);
	json_object_put(root);
	fc->files_remove(dir, b.id);
	cr_assert_neq(access(json, F_OK), 0);
	cr_assert_neq(access(log, F_OK), 0);
	cr_assert_eq(rmdir(dir), 0, "files left in %s", dir);
	/* TCG is refused at build time too. */
	b.accel = "tcg";
	cr_assert_neq(fc->argv_build(&h, &b, argv, buf, sizeof(buf), &err), 0);
}

/* The QEMU argv for a host of @arch under @accel, joined by spaces into @out. */
static int
qemu_argv_of(const char *arch, const char *accel, uint64_t tsc_khz, char *out, size_t len)
{
	struct microvm_host h = { .vmm = &microvm_vmm_qemu };
	struct microvm_boot b = { .accel = accel, .initramfs = "/tmp/ir.cpio", .run_dir = "/tmp",
				  .id = "vm-1-0", .cmdline_extra = "", .memory_mb = 1769,
				  .vcpus = 1, .tsc_khz = tsc_khz };
	char *argv[MICROVM_ARGV_MAX + 1], buf[4096];
	struct jb_err err = { 0, "" };
	size_t i;
	int rc;

	snprintf(h.arch, sizeof(h.arch), "%s", arch);
	snprintf(h.vmm_path, sizeof(h.vmm_path), "/usr/bin/qemu-system-x");
	snprintf(h.kernel, sizeof(h.kernel), "/g/vmlinuz");
	out[0] = '\0';
	rc = microvm_vmm_qemu.argv_build(&h, &b, argv, buf, sizeof(buf), &err);
	for (i = 0; !rc && argv[i]; i++)
		snprintf(out + strlen(out), len - strlen(out), "%s%s", i ? " " : "", argv[i]);
	return rc;
}

Test(microvm, qemu_argv_x86_64)
{
	char a[2048];

	cr_assert_eq(qemu_argv_of("x86_64", "tcg", 2400000, a, sizeof(a)), 0);
	cr_assert_not_null(strstr(a, " -M microvm,acpi=off,x-option-roms=off -accel tcg -cpu max "),
			   "%s", a);
	cr_assert_not_null(strstr(a, "panic=-1 reboot=t jb.tty=ttyS0 tsc=reliable "
				     "tsc_early_khz=2400000"), "%s", a);
	cr_assert_eq(qemu_argv_of("x86_64", "kvm", 2400000, a, sizeof(a)), 0);
	cr_assert_not_null(strstr(a, "-accel kvm -cpu host "), "%s", a);
	cr_assert_null(strstr(a, "tsc"), "%s", a); /* kvmclock under KVM */
}

Test(microvm, qemu_argv_aarch64)
{
	char a[2048];

	cr_assert_eq(qemu_argv_of("aarch64", "tcg", 0, a, sizeof(a)), 0);
	cr_assert_not_null(strstr(a, " -M virt,gic-version=3,acpi=off,its=off -accel tcg "
				     "-cpu max,pauth-impdef=on "), "%s", a);
	cr_assert_not_null(strstr(a, "-serial stdio -no-reboot -kernel /g/vmlinuz -initrd "
				     "/tmp/ir.cpio -append quiet panic=-1 console=tty0 jb.tty=ttyAMA0"), "%s", a);
	/* The x86 parameters stay x86 (a TSC rate given by mistake is not passed). */
	cr_assert_eq(qemu_argv_of("aarch64", "tcg", 2400000, a, sizeof(a)), 0);
	cr_assert_null(strstr(a, "tsc"), "%s", a);
	cr_assert_null(strstr(a, "reboot=t"), "%s", a);
	cr_assert_eq(qemu_argv_of("aarch64", "kvm", 0, a, sizeof(a)), 0);
	cr_assert_not_null(strstr(a, " -M virt,gic-version=host,acpi=off,its=off -accel kvm "
				     "-cpu host "), "%s", a);
	cr_assert_lt(qemu_argv_of("armv7l", "tcg", 0, a, sizeof(a)), 0);
}

/* A scratch guest directory with a vmlinuz, the given version file and a stand-in for
 * each QEMU binary on $PATH. */
static void
guest_dir_make(char *dir, const char *version)
{
	static const char *const bins[] = { "qemu-system-x86_64", "qemu-system-aarch64" };
	char p[256];
	size_t i;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/vmlinuz", dir);
	f = fopen(p, "w");
	cr_assert_not_null(f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/version", dir);
	f = fopen(p, "w");
	cr_assert_not_null(f);
	fputs(version, f);
	fclose(f);
	for (i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, bins[i]);
		f = fopen(p, "w");
		cr_assert_not_null(f);
		fclose(f);
		cr_assert_eq(chmod(p, 0755), 0);
	}
	cr_assert_eq(setenv("PATH", dir, 1), 0);
}

static void
guest_dir_remove(const char *dir)
{
	static const char *const names[] = { "vmlinuz", "version", "qemu-system-x86_64",
					     "qemu-system-aarch64" };
	char p[256];
	size_t i;

	for (i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
}

Test(microvm, qemu_check_per_arch)
{
	struct microvm_host h = { .vmm = &microvm_vmm_qemu };
	char dir[] = "/tmp/jb-unit-guest-XXXXXX", why[512];

	guest_dir_make(dir, "linux-image-6.1.0-57-cloud-arm64 6.1.0-57-cloud-arm64\n");
	snprintf(h.guest_dir, sizeof(h.guest_dir), "%s", dir);
	snprintf(h.arch, sizeof(h.arch), "aarch64");
	cr_assert_eq(microvm_vmm_qemu.check(&h, why, sizeof(why)), 0, "%s", why);
	cr_assert_not_null(strstr(h.vmm_path, "/qemu-system-aarch64"), "%s", h.vmm_path);
	/* An arm64 guest on an x86-64 host: exit 77 with the command that fetches the
	 * right one. */
	snprintf(h.arch, sizeof(h.arch), "x86_64");
	cr_assert_eq(microvm_vmm_qemu.check(&h, why, sizeof(why)), -ENODEV);
	cr_assert_not_null(strstr(why, "fetch-guest-kernel --arch amd64"), "%s", why);
	/* A version that names no architecture of the table (a kernel of one's own): taken. */
	{
		char p[256];
		FILE *f;

		snprintf(p, sizeof(p), "%s/version", dir);
		f = fopen(p, "w");
		cr_assert_not_null(f);
		fputs("linux-image-test 6.1.0-test\n", f);
		fclose(f);
		cr_assert_eq(microvm_vmm_qemu.check(&h, why, sizeof(why)), 0, "%s", why);
	}
	/* No machine for 32-bit ARM. */
	snprintf(h.arch, sizeof(h.arch), "armv7l");
	cr_assert_eq(microvm_vmm_qemu.check(&h, why, sizeof(why)), -ENODEV);
	cr_assert_not_null(strstr(why, "armv7l"), "%s", why);
	guest_dir_remove(dir);
	/* No QEMU: the package of the host's architecture. */
	cr_assert_eq(setenv("PATH", "/nonexistent", 1), 0);
	snprintf(h.arch, sizeof(h.arch), "aarch64");
	cr_assert_eq(microvm_vmm_qemu.check(&h, why, sizeof(why)), -ENODEV);
	cr_assert_not_null(strstr(why, "apt-get install qemu-system-arm"), "%s", why);
	snprintf(h.arch, sizeof(h.arch), "x86_64");
	cr_assert_eq(microvm_vmm_qemu.check(&h, why, sizeof(why)), -ENODEV);
	cr_assert_not_null(strstr(why, "apt-get install qemu-system-x86 "), "%s", why);
	/* Firecracker's backend is x86_64 only: said before looking for its binary. */
	snprintf(h.arch, sizeof(h.arch), "aarch64");
	cr_assert_eq(microvm_vmm_firecracker.check(&h, why, sizeof(why)), -ENODEV);
	cr_assert_not_null(strstr(why, "x86_64 only"), "%s", why);
}
