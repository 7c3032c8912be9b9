/* SPDX-License-Identifier: MIT */
/*
 * The microvm driver's Firecracker backend (`--vmm firecracker`): one `firecracker
 * --no-api --config-file <run dir>/<vm id>.json` process per VM, booting the same guest
 * and initramfs as QEMU's backend. Firecracker's contract as read in its source, release
 * v1.16.1 (github.com/firecracker-microvm/firecracker, tag v1.16.1):
 *
 * - The JSON file is `VmmConfig` (src/vmm/src/resources.rs), kebab-case sections; unknown
 *   sections are ignored, but `boot-source` and `drives` are required (no serde default),
 *   and `boot-source`, `machine-config` and `logger` reject unknown fields
 *   (deny_unknown_fields; vmm_config/boot_source.rs, vmm_config/machine_config.rs,
 *   logger/logging.rs). machine-config needs vcpu_count (1..32, MAX_SUPPORTED_VCPUS) and
 *   mem_size_mib (> 0); smt defaults to false.
 * - x86_64 loads an uncompressed ELF vmlinux only (arch/x86_64/mod.rs load_kernel, the
 *   ELF loader; bzImage support came after v1.16.1, CHANGELOG "Unreleased", #6037), and
 *   enters it through its PVH note when it has one (Debian's cloud kernel: CONFIG_PVH=y).
 *   scripts/fetch-guest-kernel extracts <guest dir>/vmlinux from the bzImage for it.
 * - The guest's 8250 UART (COM1) is Firecracker's stdin and stdout when no serial output
 *   file is configured (device_manager/mod.rs setup_serial_device; it sets O_NONBLOCK on
 *   stdout): the driver's socket pair, as with QEMU's `-serial stdio`.
 * - Firecracker's own log goes to stdout unless a log path is set (logger/logging.rs:
 *   no target = stdout), and its first line ("Running Firecracker v...") is written as
 *   soon as the command line's logger options are applied (src/firecracker/src/main.rs),
 *   before the JSON file is read: so the log path is given on the command line
 *   (`--log-path`, created if missing), never only in the file, or it would mix into the
 *   protocol. Fatal errors are also printed to stderr ("Error: ..."), the driver's log.
 * - A guest reboot ends the process with exit code 0: the kernel's `reboot=k` writes the
 *   CPU reset command 0xFE to the i8042 (devices/legacy/i8042.rs), which Firecracker
 *   takes as the VM's end. Its default boot arguments (vmm_config/boot_source.rs
 *   DEFAULT_KERNEL_CMDLINE: reboot=k panic=1 nomodule 8250.nr_uarts=0 i8042.noaux
 *   i8042.nomux i8042.dumbkbd swiotlb=noforce) would switch the 8250 off, so ours are
 *   given: the same without 8250.nr_uarts=0, no `console=` (the port carries the
 *   protocol alone, as with QEMU), and panic=-1 (reboot at once, as with QEMU). Firecracker
 *   adds `pci=off` itself.
 * - It runs guests under KVM only (builder.rs: Kvm::new, /dev/kvm): `--accel tcg` is
 *   refused, and the driver boots a first VM with a deadline, since a nested KVM guest
 *   hangs rather than fails (microvm.c accel_decide).
 * No real Firecracker was run for this backend: its test runs tests/integration/
 * fake_firecracker, a double that checks this contract and boots the guest in QEMU TCG.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "driver-private.h"
#include "jb_capture.h"
#include "microvm.h"

static int
fc_check(struct microvm_host *h, char *why, size_t why_len)
{
	static const unsigned char elf_magic[4] = { 0x7f, 'E', 'L', 'F' };
	unsigned char magic[4] = { 0 };
	FILE *f;

	/* Firecracker on aarch64 loads a PE/Image kernel and has no i8042 to end the VM on
	 * reboot: this backend's x86_64 contract (above) does not hold there. */
	if (strcmp(h->arch, "x86_64")) {
		snprintf(why, why_len, "--vmm firecracker: this backend is x86_64 only (the host is "
				       "%s): use --vmm qemu", h->arch[0] ? h->arch : "unknown");
		return -ENODEV;
	}
	if (driver_exe_find("firecracker", h->vmm_path, sizeof(h->vmm_path))) {
		snprintf(why, why_len, "--vmm firecracker: no firecracker binary on $PATH (not "
				       "packaged by Debian 12: install a release from "
				       "github.com/firecracker-microvm/firecracker)");
		return -ENODEV;
	}
	if (microvm_guest_file(h, "vmlinux", h->kernel, sizeof(h->kernel))) {
		snprintf(why, why_len, "--vmm firecracker: no uncompressed guest kernel at %s "
				       "(Firecracker on x86_64 loads an ELF vmlinux): run "
				       "scripts/fetch-guest-kernel", h->kernel);
		return -ENODEV;
	}
	f = fopen(h->kernel, "rbe");
	if (!f || fread(magic, 1, sizeof(magic), f) != sizeof(magic) ||
	    memcmp(magic, elf_magic, sizeof(magic))) {
		if (f)
			fclose(f);
		snprintf(why, why_len, "--vmm firecracker: %s is not an ELF file: remove it and run "
				       "scripts/fetch-guest-kernel", h->kernel);
		return -ENODEV;
	}
	fclose(f);
	return 0;
}

static int
fc_accel_check(const char *accel, char *why, size_t why_len)
{
	if (!strcmp(accel, "kvm"))
		return 0;
	snprintf(why, why_len, "Firecracker runs guests under KVM only (no %s): use --accel kvm "
			       "or auto, or --vmm qemu for TCG", accel);
	return -ENODEV;
}

static void
fc_version(const struct microvm_host *h, char *out, size_t len)
{
	char *argv[] = { (char *)h->vmm_path, "--version", NULL };
	char buf[256] = "";

	/* "Firecracker v1.16.1" (main.rs prints it and an empty line): the first line. */
	(void)jb_capture_run(argv, buf, sizeof(buf), 10000000000ull);
	buf[strcspn(buf, "\n")] = '\0';
	snprintf(out, len, "%s", buf[0] ? buf : "Firecracker (version unknown)");
}

/* The per-VM files: its configuration and Firecracker's own log. */
static void
fc_paths(const char *run_dir, const char *id, char *json, size_t json_len, char *log,
	 size_t log_len)
{
	snprintf(json, json_len, "%.200s/%.47s.json", run_dir, id);
	snprintf(log, log_len, "%.200s/%.47s.fc.log", run_dir, id);
}

static void
fc_files_remove(const char *run_dir, const char *id)
{
	char json[PATH_MAX], log[PATH_MAX];

	fc_paths(run_dir, id, json, sizeof(json), log, sizeof(log));
	(void)unlink(json);
	(void)unlink(log);
}

/* VmmConfig (resources.rs) for @b: boot-source, machine-config, no drives. */
static int
fc_config_write(const struct microvm_host *h, const struct microvm_boot *b, const char *path,
		struct jb_err *err)
{
	json_object *root = json_object_new_object(), *boot = json_object_new_object();
	json_object *machine = json_object_new_object();
	char args[384];
	int rc = 0;

	if (!root || !boot || !machine) {
		json_object_put(root);
		json_object_put(boot);
		json_object_put(machine);
		return jb_err_set(err, -ENOMEM, "microvm: out of memory");
	}
	snprintf(args, sizeof(args), "quiet panic=-1 reboot=k nomodule i8042.noaux i8042.nomux "
				     "i8042.dumbkbd swiotlb=noforce%s%s",
		 b->cmdline_extra[0] ? " " : "", b->cmdline_extra);
	json_object_object_add(boot, "kernel_image_path", json_object_new_string(h->kernel));
	json_object_object_add(boot, "initrd_path", json_object_new_string(b->initramfs));
	json_object_object_add(boot, "boot_args", json_object_new_string(args));
	json_object_object_add(machine, "vcpu_count", json_object_new_int((int)b->vcpus));
	json_object_object_add(machine, "mem_size_mib", json_object_new_int64((int64_t)b->memory_mb));
	json_object_object_add(machine, "smt", json_object_new_boolean(0));
	json_object_object_add(root, "boot-source", boot);
	json_object_object_add(root, "machine-config", machine);
	json_object_object_add(root, "drives", json_object_new_array());
	if (json_object_to_file_ext(path, root, JSON_C_TO_STRING_PRETTY) != 0)
		rc = jb_err_set(err, -EIO, "microvm: writing %s: %s", path, json_util_get_last_err());
	json_object_put(root);
	return rc;
}

static int
fc_argv_build(const struct microvm_host *h, const struct microvm_boot *b, char **argv,
	      char *buf, size_t buf_len, struct jb_err *err)
{
	char json[PATH_MAX], log[PATH_MAX];
	const char *args[16];
	size_t a = 0;
	int rc;

	if (strcmp(b->accel, "kvm"))
		return jb_err_set(err, -ENODEV, "microvm: Firecracker runs guests under KVM only");
	if (b->vcpus < 1 || b->vcpus > 32)
		return jb_err_set(err, -EINVAL, "microvm: Firecracker takes 1 to 32 vCPUs, not %u",
				  b->vcpus);
	fc_paths(b->run_dir, b->id, json, sizeof(json), log, sizeof(log));
	rc = fc_config_write(h, b, json, err);
	if (rc)
		return rc;
	args[a++] = h->vmm_path;
	args[a++] = "--no-api";
	args[a++] = "--config-file";
	args[a++] = json;
	args[a++] = "--id";
	args[a++] = b->id;
	args[a++] = "--log-path";
	args[a++] = log;
	args[a++] = "--level";
	args[a++] = "Warning";
	args[a++] = "--show-level";
	if (microvm_argv_pack(args, a, argv, buf, buf_len)) {
		fc_files_remove(b->run_dir, b->id);
		return jb_err_set(err, -E2BIG, "microvm: Firecracker command line too long");
	}
	return 0;
}

const struct microvm_vmm microvm_vmm_firecracker = {
	.name = "firecracker",
	.runtime = "firecracker",
	.isolation = "firecracker",
	.check = fc_check,
	.accel_check = fc_accel_check,
	.version = fc_version,
	.argv_build = fc_argv_build,
	.files_remove = fc_files_remove,
};
