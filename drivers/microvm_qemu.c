/* SPDX-License-Identifier: MIT */
/*
 * The microvm driver's QEMU backend: QEMU's `microvm` machine (Firecracker's class of VM:
 * no PCI, no firmware to run, a kernel loaded directly; QEMU docs/system/i386/microvm.rst)
 * booting Debian's cloud kernel, the bzImage scripts/fetch-guest-kernel keeps as
 * <guest dir>/vmlinuz, with the run's initramfs. The guest's first serial port, the 8250
 * UART, is QEMU's stdio (`-serial stdio`), which the driver connects to its socket pair.
 * Kernel messages never reach it: no `console=` is given, so the kernel has no serial
 * console. `panic=-1 reboot=t` with `-no-reboot` makes a guest panic or reboot end QEMU.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "driver-private.h"
#include "jb_capture.h"
#include "microvm.h"

static int
qemu_check(struct microvm_host *h, char *why, size_t why_len)
{
	struct utsname u;

	if (uname(&u) == 0 && strcmp(u.machine, "x86_64")) {
		snprintf(why, why_len, "QEMU's microvm machine is x86 only; this host is %s "
				       "(not supported yet)", u.machine);
		return -ENODEV;
	}
	if (microvm_exe_find("qemu-system-x86_64", h->vmm_path, sizeof(h->vmm_path))) {
		snprintf(why, why_len, "qemu-system-x86_64 not found: apt-get install "
				       "qemu-system-x86 (scripts/install-deps --drivers)");
		return -ENODEV;
	}
	if (microvm_guest_file(h, "vmlinuz", h->kernel, sizeof(h->kernel))) {
		snprintf(why, why_len, "no guest kernel at %s: run scripts/fetch-guest-kernel "
				       "(Debian's linux-image-cloud-amd64, never installed on the host)",
			 h->kernel);
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
	char *argv[] = { (char *)h->vmm_path, "--version", NULL };
	char buf[256] = "", *v;

	/* "QEMU emulator version 7.2.22 (Debian ...)" -> "QEMU 7.2.22". */
	(void)jb_capture_run(argv, buf, sizeof(buf), 10000000000ull);
	v = strstr(buf, "version ");
	snprintf(out, len, "QEMU %.*s", v ? (int)strcspn(v + 8, " \n") : 0, v ? v + 8 : "");
}

/* Copy @str into @buf at *@used; NULL when it does not fit. */
static char *
str_put(char *buf, size_t len, size_t *used, const char *str)
{
	size_t n = strlen(str) + 1;
	char *p;

	if (*used + n > len)
		return NULL;
	p = memcpy(buf + *used, str, n);
	*used += n;
	return p;
}

static int
qemu_argv_build(const struct microvm_host *h, const struct microvm_boot *b, char **argv,
		char *buf, size_t buf_len, struct jb_err *err)
{
	char mem[32], smp[16], append[384];
	const char *args[MICROVM_ARGV_MAX];
	size_t a = 0, used = 0, i;
	int kvm = !strcmp(b->accel, "kvm");

	snprintf(mem, sizeof(mem), "%lluM", (unsigned long long)b->memory_mb);
	snprintf(smp, sizeof(smp), "%u", b->vcpus);
	snprintf(append, sizeof(append), "quiet panic=-1 reboot=t%s%s",
		 b->cmdline_extra[0] ? " " : "", b->cmdline_extra);
	/* KVM: the host's CPU model (and kvmclock). TCG: `max`; its TSC is the host's
	 * (QEMU's rdtsc helper), but the guest cannot calibrate it (no HPET or PM timer on
	 * microvm, and the emulated PIT is too irregular: "tsc: Unable to calibrate against
	 * PIT ... Marking TSC unstable") and falls back to jiffies, 4 ms steps that make the
	 * runner's wall_ns useless. So the host's TSC rate is given (tsc_early_khz=, kernel
	 * admin-guide/kernel-parameters.txt) and the guest keeps the TSC clocksource. */
	if (!kvm && b->tsc_khz)
		snprintf(append + strlen(append), sizeof(append) - strlen(append),
			 " tsc=reliable tsc_early_khz=%llu", (unsigned long long)b->tsc_khz);
	args[a++] = h->vmm_path;
	args[a++] = "-M";
	args[a++] = "microvm,acpi=off,x-option-roms=off";
	args[a++] = "-accel";
	args[a++] = b->accel;
	args[a++] = "-cpu";
	args[a++] = kvm ? "host" : "max";
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
	for (i = 0; i < a; i++)
		if (!(argv[i] = str_put(buf, buf_len, &used, args[i])))
			return jb_err_set(err, -E2BIG, "microvm: QEMU command line too long");
	argv[a] = NULL;
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
