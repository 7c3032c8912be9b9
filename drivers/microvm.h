/* SPDX-License-Identifier: MIT */
/*
 * What the microvm driver's files share: the guest image (microvm_initramfs.c) and the
 * per-VM cgroup that holds a QEMU process and gives its CPU time (microvm_cgroup.c).
 */
#ifndef JB_MICROVM_H
#define JB_MICROVM_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "jb_err.h"

#define MICROVM_LIBS_MAX 64
#define MICROVM_CG_ROOT "/sys/fs/cgroup"
#define MICROVM_CG_PARENT "/joulebench"

/* What the host offers the driver (microvm_host.c and the VMM's own check). */
struct microvm_host {
	const struct microvm_vmm *vmm; /* the virtual machine monitor that runs the guests */
	char arch[16];                 /* the host's uname -m: "x86_64", "aarch64" (the guest's) */
	char vmm_path[PATH_MAX];       /* its binary: qemu-system-x86_64, firecracker, ... */
	char guest_dir[PATH_MAX];      /* where scripts/fetch-guest-kernel put the guest */
	char kernel[PATH_MAX];         /* the guest kernel in the form the VMM loads */
	char guest_version[96];        /* its kernel release, "" when unknown */
};

/* One VM to start: what the VMM's argv_build needs. */
struct microvm_boot {
	const char *accel;             /* "kvm" or "tcg" */
	const char *initramfs;
	const char *run_dir;           /* the run's private directory, for VMM files */
	const char *id;                /* the VM's name, "vm-<pid>-<n>" */
	const char *cmdline_extra;     /* appended to the kernel command line ("" = none) */
	uint64_t memory_mb;
	unsigned vcpus;
	uint64_t tsc_khz;              /* the host's TSC rate, for a TCG guest; 0 = unknown */
	/* A user's function: its root file system, an ext4 image the guest sees read-only
	 * as its first virtio disk, /dev/vda (microvm_rootfs.h); NULL = none. */
	const char *rootfs;
};

#define MICROVM_ARGV_MAX 48

/*
 * A virtual machine monitor (one file each: microvm_qemu.c, microvm_firecracker.c). The
 * guest, its init and the protocol on its first serial port are the same for all; a VMM
 * says how it is found, which kernel form it loads and how one VM is started.
 */
struct microvm_vmm {
	const char *name;              /* --vmm NAME */
	const char *runtime;           /* the sidecar's runtime, e.g. "qemu-microvm" */
	const char *isolation;         /* rows' isolation before "-<accel>": "microvm" */
	/* Find the binary and the guest kernel form it needs in h->guest_dir for a host
	 * (and guest) of architecture h->arch; fill h. 0, or -ENODEV with the reason and
	 * its fix in @why. */
	int (*check)(struct microvm_host *h, char *why, size_t why_len);
	/* Which accelerators it can use: 0 for a usable one, else -ENODEV with why. */
	int (*accel_check)(const char *accel, char *why, size_t why_len);
	/* The VMM's version, for the sidecar ("QEMU 7.2.22"). */
	void (*version)(const struct microvm_host *h, char *out, size_t len);
	/* The argv (NULL-terminated, at most MICROVM_ARGV_MAX) that boots @b with the
	 * guest's first serial port on stdin/stdout and its own log on stderr; strings
	 * live in @buf. The VM must end when the guest reboots. 0 or -errno. */
	int (*argv_build)(const struct microvm_host *h, const struct microvm_boot *b,
			  char **argv, char *buf, size_t buf_len, struct jb_err *err);
	/* Remove the files argv_build wrote for VM @id in @run_dir (NULL: it writes none);
	 * called when the VM is gone. */
	void (*files_remove)(const char *run_dir, const char *id);
};

extern const struct microvm_vmm microvm_vmm_qemu;
extern const struct microvm_vmm microvm_vmm_firecracker;

/** microvm_vmm_find() - the VMM called @name (NULL: "qemu"), or NULL. */
const struct microvm_vmm *microvm_vmm_find(const char *name);

/**
 * microvm_host_check() - can the driver work here with @vmm ("qemu", "firecracker" or
 * NULL) and the guest kernel in @guest_dir (NULL: $JOULEBENCH_GUEST_DIR, else the cache
 * scripts/fetch-guest-kernel fills)? Fills @h. Return: 0, or -ENODEV with the reason and
 * the package or command that fixes it in @why.
 */
int microvm_host_check(const char *vmm, const char *guest_dir, struct microvm_host *h,
		       char *why, size_t why_len);

/** microvm_argv_pack() - copy the @n strings of @args into @buf and point @argv at the
 * copies, NULL-terminated (an argv_build's result outlives its locals). 0 or -E2BIG. */
int microvm_argv_pack(const char *const *args, size_t n, char **argv, char *buf,
		      size_t buf_len);

/** microvm_guest_file() - "<h->guest_dir>/<name>" into @out; 0 if it is readable, else
 * -ENOENT. */
int microvm_guest_file(const struct microvm_host *h, const char *name, char *out, size_t len);

/** microvm_vminit_find() - joulebench-vminit: $JOULEBENCH_VMINIT, beside @fn_path
 * (installed), the build tree, or the configured paths. 0 or -ENOENT. */
int microvm_vminit_find(const char *fn_path, char *out, size_t len);

/** microvm_stale_reap() - kill the QEMUs of harnesses that no longer exist (by their
 * cgroups under hierarchy @cg_version, 0 = none, and their command lines) and remove
 * their cgroups and run directories. */
void microvm_stale_reap(int cg_version);

/** microvm_host_tsc_khz() - the host's TSC rate in kHz (x86-64; 0 elsewhere). */
uint64_t microvm_host_tsc_khz(void);

/**
 * microvm_elf_needs() - the files the ELF executable or library @path needs at run time:
 * its interpreter (PT_INTERP) and its DT_NEEDED libraries, resolved as the loader would
 * (DT_RUNPATH/DT_RPATH, then the multiarch and classic system directories, skipping a
 * library built for another machine than @path's), recursively.
 * @out gets up to @max host paths (each malloc'd, caller frees), @n their count; paths
 * already in @out are not added twice. Return: 0, -ENOENT (a library was not found, named
 * in @err), -ENOEXEC (not a 64-bit ELF), -E2BIG, -errno.
 */
int microvm_elf_needs(const char *path, char **out, size_t *n, size_t max, struct jb_err *err);

/* A file the initramfs carries besides the runner: its name there, and on the host. */
struct microvm_initramfs_file {
	char name[128];                /* relative: "jb/spec/hello.json" */
	char host[PATH_MAX];
};

/**
 * microvm_initramfs_build() - write a newc cpio archive (the kernel's initramfs format,
 * Documentation/driver-api/early-userspace/buffer-format.rst) to @out: /init (@init_path),
 * /joulebench-fn (@fn_path), the libraries and loader both need at their host paths,
 * mount points and /dev/console, and the @n_extra files of @extra (may be NULL).
 * Return: 0 or -errno with a message in @err.
 */
int microvm_initramfs_build(const char *out, const char *init_path, const char *fn_path,
			    const struct microvm_initramfs_file *extra, size_t n_extra,
			    struct jb_err *err);

/*
 * A guest for users' functions (microvm_rootfs.c): its root file system, and what its
 * initramfs adds (the virtio modules, the resolved function files as /jb/spec/NAME).
 */
#define MICROVM_FN_EXTRA_MAX 96
#define MICROVM_SPEC_GUEST_DIR "/jb/spec"

struct microvm_fn_guest {
	char image[PATH_MAX];
	char about[192];               /* what the image holds, for the sidecar */
	struct microvm_initramfs_file extra[MICROVM_FN_EXTRA_MAX];
	size_t n_extra;
};

struct driver_config;

/**
 * microvm_fn_guest_prepare() - @g for the functions of @cfg (guest_dirs, guest_programs,
 * spec_dir), the guest kernel's modules from @h's guest directory, the image staged in
 * @run_dir. Return: 0, -ENODEV (this VMM or guest cannot: the reason and its fix in
 * @err), or what microvm_rootfs_get() returns.
 */
int microvm_fn_guest_prepare(const struct driver_config *cfg, const struct microvm_host *h,
			     const char *run_dir, const char *fn_path, struct microvm_fn_guest *g,
			     struct jb_err *err);

/**
 * microvm_cgroup_create() - make cgroup @path ("/joulebench/vm-...") with a CPU quota of
 * @quota_us per @period_us (0 = none) in hierarchy @version (1: cpu and cpuacct; 2: the
 * unified tree, +cpu enabled on the way down). Return: 0 or -errno with a message.
 */
int microvm_cgroup_create(const char *root, int version, const char *path, uint64_t quota_us,
			  uint64_t period_us, struct jb_err *err);

/** microvm_cgroup_enter() - move the calling process into @path (between fork and exec).
 * Return: 0 or a positive errno (for the pre-exec hook). */
int microvm_cgroup_enter(const char *root, int version, const char *path);

/** microvm_cgroup_kill_all() - SIGKILL every process still in @path (a harness that was
 * killed left its QEMU behind), then remove it. */
void microvm_cgroup_kill_all(const char *root, int version, const char *path);

/** microvm_tasks_cpu_ns() - CPU time of all threads of @pid (sum of
 * /proc/PID/task/x/schedstat run times), for hosts without a usable cgroup. */
int microvm_tasks_cpu_ns(pid_t pid, uint64_t *cpu_ns, struct jb_err *err);

#endif
