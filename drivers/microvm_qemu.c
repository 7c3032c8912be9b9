/* SPDX-License-Identifier: MIT */
/*
 * The microvm driver's QEMU backend. What differs between host architectures is data, one
 * row of qemu_arches[] per architecture, chosen at run time from uname(2)'s machine
 * (struct microvm_host.arch), so an aarch64 build run under qemu-user on x86-64 takes
 * the aarch64 path, as it would on an ARM server:
 *
 * x86-64: QEMU's `microvm` machine (Firecracker's class of VM: no PCI, no firmware to
 * run, a kernel loaded directly; QEMU docs/system/i386/microvm.rst) booting Debian's
 * linux-image-cloud-amd64 bzImage. Its first serial port is the 8250 UART, the guest's
 * ttyS0.
 *
 * aarch64: QEMU has no arm `microvm` (the machine is i386 only); the closest is `virt`
 * (QEMU docs/system/arm/virt.rst), the generic paravirtual board: a GIC, one PL011 UART,
 * a PL031 RTC, a PL061 GPIO with the power key, fw_cfg, two empty flash banks, 32 empty
 * virtio-mmio transports and an empty PCIe host bridge (which virt cannot leave out);
 * with -nodefaults no device sits on any bus. The boards QEMU models instead (raspi*,
 * sbsa-ref) need firmware or emulate a whole SoC. `-kernel` boots Debian's
 * linux-image-cloud-arm64 Image directly (QEMU's arm loader, hw/arm/boot.c: no firmware,
 * the device tree QEMU generates; PSCI for CPUs and reset). acpi=off: no firmware would
 * pass the tables anyway; its=off: the GIC's ITS only serves PCI MSIs, and there is no
 * PCI device. GIC: the host's under KVM (a Raspberry Pi 4's GIC-400 is a GICv2, servers
 * have GICv3), a GICv3 under TCG. CPU: the host's under KVM, `max` under TCG with
 * pauth-impdef=on (QEMU docs/system/arm/cpu-features.rst: QEMU's own pointer-auth hash
 * instead of the architected QARMA, which is slow to emulate; the guest cannot tell).
 * The first serial port is the PL011, the guest's ttyAMA0 (CONFIG_SERIAL_AMBA_PL011=y in
 * Debian's cloud-arm64 kernel). A reboot or `panic=-1` is a PSCI SYSTEM_RESET, which
 * -no-reboot turns into QEMU's exit. The guest's clock is the architected timer
 * (arch_sys_counter), which needs no rate from the host, unlike the x86 TSC under TCG.
 *
 * On both, the first serial port is QEMU's stdio (`-serial stdio`), which the driver
 * connects to its socket pair, and the guest's init is told its name (jb.tty=, read by
 * microvm_init.c). Kernel messages must never reach it (an OOM kill's report in the
 * middle of a reply line breaks the protocol). x86: without `console=` the kernel's
 * console is the VT (tty0, a dummy without a display). arm64: without `console=` the
 * kernel takes the device tree's /chosen/stdout-path, which QEMU's virt sets to the PL011
 * (drivers/of/base.c of_console_check), so `console=tty0` is given (Debian's kernel has
 * no ttynull). Other hosts (armhf, ...) have no row: exit 77 with the reason.
 *
 * A user's function's root file system (microvm_rootfs.c) is a read-only virtio block
 * device on a virtio-mmio transport (`-device virtio-blk-device`). The guest learns where
 * the transports are from the device tree on arm's virt, and on x86's microvm from the
 * ACPI tables QEMU writes with acpi=on (the "LNRO0005" devices of QEMU's
 * hw/i386/acpi-microvm.c, which the virtio_mmio driver matches); the other way, the
 * kernel command line (virtio_mmio.device=), needs CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES,
 * which Debian's cloud kernel does not set. So a function's VM is a microvm with ACPI.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "driver-private.h"
#include "jb_capture.h"
#include "microvm.h"

struct qemu_arch {
	const char *machine;      /* uname -m */
	const char *binary;       /* the QEMU system emulator */
	const char *package;      /* the Debian package that has it */
	const char *guest_arch;   /* the Debian architecture of the guest kernel */
	const char *qemu_machine; /* -M under KVM, then under TCG */
	const char *qemu_machine_tcg;
	const char *cpu_tcg;      /* -cpu under TCG (KVM: host) */
	const char *tty;          /* the guest's name for the first serial port */
	const char *cmdline;      /* what ends the VM on panic and reboot (with -no-reboot),
				   * and keeps kernel messages off the first serial port */
	int tsc_rate;             /* a TCG guest needs the host's TSC rate (x86) */
	int disk_acpi;            /* a virtio disk needs acpi=on (x86's microvm) */
};

static const struct qemu_arch qemu_arches[] = {
	{ "x86_64", "qemu-system-x86_64", "qemu-system-x86", "amd64",
	  "microvm,acpi=off,x-option-roms=off", "microvm,acpi=off,x-option-roms=off", "max",
	  "ttyS0", "panic=-1 reboot=t", 1, 1 },
	{ "aarch64", "qemu-system-aarch64", "qemu-system-arm", "arm64",
	  "virt,gic-version=host,acpi=off,its=off", "virt,gic-version=3,acpi=off,its=off",
	  "max,pauth-impdef=on", "ttyAMA0", "panic=-1 console=tty0", 0, 0 },
};

static const struct qemu_arch *
qemu_arch_find(const char *machine)
{
	size_t i;

	for (i = 0; i < sizeof(qemu_arches) / sizeof(qemu_arches[0]); i++)
		if (!strcmp(qemu_arches[i].machine, machine))
			return &qemu_arches[i];
	return NULL;
}

static int
qemu_check(struct microvm_host *h, char *why, size_t why_len)
{
	const struct qemu_arch *a = qemu_arch_find(h->arch);
	char path[PATH_MAX], version[128] = "", other[32];
	size_t i;

	if (!a) {
		snprintf(why, why_len, "no QEMU machine for a %s host (x86_64: microvm, aarch64: "
				       "virt)", h->arch[0] ? h->arch : "unknown");
		return -ENODEV;
	}
	if (driver_exe_find(a->binary, h->vmm_path, sizeof(h->vmm_path))) {
		snprintf(why, why_len, "%s not found: apt-get install %s (scripts/install-deps "
				       "--drivers)", a->binary, a->package);
		return -ENODEV;
	}
	if (microvm_guest_file(h, "vmlinuz", h->kernel, sizeof(h->kernel))) {
		snprintf(why, why_len, "no guest kernel at %s: run scripts/fetch-guest-kernel "
				       "(Debian's linux-image-cloud-%s, never installed on the host)",
			 h->kernel, a->guest_arch);
		return -ENODEV;
	}
	/* "linux-image-6.1.0-N-cloud-arm64 6.1.0-N-cloud-arm64": a guest of another
	 * architecture in the table would not boot (QEMU would say little about why). A
	 * version that names none (a kernel of one's own) is taken as it is. */
	if (microvm_guest_file(h, "version", path, sizeof(path)) ||
	    cgroup_file_read(path, version, sizeof(version)))
		return 0;
	for (i = 0; i < sizeof(qemu_arches) / sizeof(qemu_arches[0]); i++) {
		snprintf(other, sizeof(other), "-%s ", qemu_arches[i].guest_arch);
		if (&qemu_arches[i] == a || !strstr(version, other))
			continue;
		version[strcspn(version, " \n")] = '\0';
		snprintf(why, why_len, "the guest kernel in %s is %s, not an %s kernel: run "
				       "scripts/fetch-guest-kernel --arch %s DIR and give --guest-dir DIR",
			 h->guest_dir, version, a->guest_arch, a->guest_arch);
		return -ENODEV;
	}
	return 0;
}

static int
qemu_accel_check(const char *accel, char *why, size_t why_len)
{
	(void)accel;
	(void)why;
	(void)why_len;
	return 0; /* KVM and TCG both */
}

static void
qemu_version(const struct microvm_host *h, char *out, size_t len)
{
	const struct qemu_arch *a = qemu_arch_find(h->arch);
	char *argv[] = { (char *)h->vmm_path, "--version", NULL };
	char buf[256] = "", *v;

	/* "QEMU emulator version 7.2.22 (Debian ...)" -> "QEMU 7.2.22 -M virt". */
	(void)jb_capture_run(argv, buf, sizeof(buf), 10000000000ull);
	v = strstr(buf, "version ");
	snprintf(out, len, "QEMU %.*s -M %.*s", v ? (int)strcspn(v + 8, " \n") : 0,
		 v ? v + 8 : "", a ? (int)strcspn(a->qemu_machine, ",") : 1,
		 a ? a->qemu_machine : "?");
}

static int
qemu_argv_build(const struct microvm_host *h, const struct microvm_boot *b, char **argv,
		char *buf, size_t buf_len, struct jb_err *err)
{
	const struct qemu_arch *arch = qemu_arch_find(h->arch);
	char mem[32], smp[16], append[384], machine[96], drive[PATH_MAX + 64], *acpi;
	const char *args[MICROVM_ARGV_MAX];
	size_t a = 0;
	int kvm = !strcmp(b->accel, "kvm");

	if (!arch)
		return jb_err_set(err, -ENODEV, "microvm: no QEMU machine for a %s host", h->arch);
	snprintf(mem, sizeof(mem), "%lluM", (unsigned long long)b->memory_mb);
	snprintf(smp, sizeof(smp), "%u", b->vcpus);
	snprintf(append, sizeof(append), "quiet %s jb.tty=%s%s%s", arch->cmdline, arch->tty,
		 b->cmdline_extra[0] ? " " : "", b->cmdline_extra);
	/* x86, KVM: the host's CPU model (and kvmclock). TCG: `max`; its TSC is the host's
	 * (QEMU's rdtsc helper), but the guest cannot calibrate it (no HPET or PM timer on
	 * microvm, and the emulated PIT is too irregular: "tsc: Unable to calibrate against
	 * PIT ... Marking TSC unstable") and falls back to jiffies, 4 ms steps that make the
	 * runner's wall_ns useless. So the host's TSC rate is given (tsc_early_khz=, kernel
	 * admin-guide/kernel-parameters.txt) and the guest keeps the TSC clocksource. */
	if (!kvm && arch->tsc_rate && b->tsc_khz)
		snprintf(append + strlen(append), sizeof(append) - strlen(append),
			 " tsc=reliable tsc_early_khz=%llu", (unsigned long long)b->tsc_khz);
	snprintf(machine, sizeof(machine), "%s", kvm ? arch->qemu_machine : arch->qemu_machine_tcg);
	if (b->rootfs && arch->disk_acpi && (acpi = strstr(machine, "acpi=off"))) {
		memcpy(acpi, "acpi=on", 7);
		memmove(acpi + 7, acpi + 8, strlen(acpi + 8) + 1);
	}
	args[a++] = h->vmm_path;
	args[a++] = "-M";
	args[a++] = machine;
	args[a++] = "-accel";
	args[a++] = b->accel;
	args[a++] = "-cpu";
	args[a++] = kvm ? "host" : arch->cpu_tcg;
	args[a++] = "-m";
	args[a++] = mem;
	args[a++] = "-smp";
	args[a++] = smp;
	args[a++] = "-nodefaults";
	args[a++] = "-no-user-config";
	args[a++] = "-display";
	args[a++] = "none";
	args[a++] = "-serial";
	args[a++] = "stdio";
	args[a++] = "-no-reboot";
	args[a++] = "-kernel";
	args[a++] = h->kernel;
	args[a++] = "-initrd";
	args[a++] = b->initramfs;
	args[a++] = "-append";
	args[a++] = append;
	if (b->rootfs) {
		/* A comma in the path would end QEMU's option; the cache's path has none. */
		if (strchr(b->rootfs, ','))
			return jb_err_set(err, -EINVAL, "microvm: a comma in %s", b->rootfs);
		snprintf(drive, sizeof(drive), "file=%s,if=none,id=jbroot,format=raw,readonly=on",
			 b->rootfs);
		args[a++] = "-drive";
		args[a++] = drive;
		args[a++] = "-device";
		args[a++] = "virtio-blk-device,drive=jbroot";
	}
	if (microvm_argv_pack(args, a, argv, buf, buf_len))
		return jb_err_set(err, -E2BIG, "microvm: QEMU command line too long");
	return 0;
}

const struct microvm_vmm microvm_vmm_qemu = {
	.name = "qemu",
	.runtime = "qemu-microvm",
	.isolation = "microvm",
	.check = qemu_check,
	.accel_check = qemu_accel_check,
	.version = qemu_version,
	.argv_build = qemu_argv_build,
};
