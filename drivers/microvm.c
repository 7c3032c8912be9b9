/* SPDX-License-Identifier: MIT */
/*
 * The `microvm` driver: each instance is joulebench-fn inside its own virtual machine,
 * the hardest rung of software isolation (DESIGN §1). The virtual machine monitor is a
 * backend (struct microvm_vmm: QEMU in microvm_qemu.c, its `microvm` machine on x86-64 and
 * `virt` on aarch64; Firecracker in microvm_firecracker.c). The guest is Debian's cloud
 * kernel (scripts/fetch-guest-kernel) with an initramfs joulebench builds for the run
 * (microvm_initramfs.c): joulebench-vminit as init, which starts the function runner on
 * the first serial port.
 *
 * Why the serial port: the UART is built into the guest kernel, so the guest needs no
 * module, no virtio transport and no host vhost device, and every VMM can connect it to
 * its stdio, which is our socket pair: the request/reply lines are the same bytes as for
 * `pinned`, through the same channel code (fn_channel.c). Its cost (a VM exit per byte)
 * is what the drivers benchmark's warm dispatch measures.
 *
 * A cold start is the VMM's start to the runner's `ready` (the whole boot). Memory is the
 * function's memory size and vCPUs one per 1769 MB (as AWS Lambda); the VMM process gets
 * a cgroup of its own with the same CPU quota as a container (microvm_cgroup.c), and the
 * cgroup's CPU time splits a co-located window's energy. A runner that dies in the guest
 * (crash, OOM) is reported by the guest's init (`died ... oom_kills=K`) before the VM
 * ends; a hang is a timeout and the VM is killed; each becomes a row and the runner
 * replaces the VM with a new cold start. Accelerator: KVM where it works, TCG where it
 * does not (`auto` boots the guest under KVM with a deadline first), always recorded:
 * the isolation is `microvm-kvm` or `microvm-tcg` (`firecracker-kvm` for Firecracker,
 * which has no TCG: a first guest boots with a deadline, and a hang is "not available"),
 * and TCG figures are emulation cost, not a microVM's.
 *
 * A user's function (docs/functions.md) needs files the guest cannot see: they reach it as
 * a read-only ext4 image on a virtio disk (microvm_rootfs.c), which the guest's init
 * mounts as its root; the resolved function files ride in the initramfs as /jb/spec/NAME,
 * and requests name them there.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "driver-private.h"
#include "isolated.h"
#include "microvm.h"
#include "oci_bundle.h"
#include "oci_runtime.h"

#define CG_ROOT MICROVM_CG_ROOT
#define CG_PARENT MICROVM_CG_PARENT
#define LIVE_MAX 256
/* TCG boots this guest to init in ~1.2-3.5 s here; a loaded CI machine needs margin. */
#define START_TIMEOUT_NS 90000000000ull
/* `auto`: a KVM guest that works reaches `ready` in well under a second; a nested one
 * that hangs after decompressing never does. */
#define KVM_PROBE_TIMEOUT_NS 8000000000ull
#define QUIT_GRACE_NS 2000000000ull
#define VCPUS_MAX 6 /* Lambda's largest function (10,240 MB) has 6 vCPUs */

struct microvm_state {
	struct isolated_host h;        /* first: isolated.c reads it */
	struct microvm_host host;      /* the VMM, the guest kernel and its version */
	char vmm_version[96];
	char initramfs[PATH_MAX];
	char base_dir[256];
	char accel[8];                 /* "kvm" or "tcg", as decided */
	char accel_why[48];            /* why `auto` chose it, for the sidecar; "" otherwise */
	unsigned vcpus;
	uint64_t quota_us;
	uint64_t tsc_khz;              /* the host's TSC rate, for a TCG guest; 0 = unknown */
	const char *fault;             /* test hook: kernel argument jb.fault=... */
	int fault_vms_left;            /* ...for this many more VMs (kill:MS:N); -1: every VM */
	int probing;                   /* an accelerator probe's VM boots: no test hook */
	struct microvm_fn_guest *fng;  /* users' functions: their guest's root; NULL = none */
	char live[LIVE_MAX][ISOLATED_ID_LEN];
};

static const struct isolated_class microvm_class;

static int
microvm_probe(const struct jb_ctx *ctx, char *why, size_t why_len)
{
	struct microvm_state *s = calloc(1, sizeof(*s));
	int rc;

	(void)ctx;
	if (!s) {
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	rc = microvm_host_check(getenv("JOULEBENCH_VMM"), NULL, &s->host, why, why_len);
	free(s);
	return rc;
}

struct pre_arg {
	const struct microvm_state *s;
	const struct isolated_inst *vi;
};

/* In the child: own process group (a terminal's ^C reaches only the harness, which then
 * stops the VMs in order), QEMU's stderr to a log, the cores, the VM's cgroup. */
static int
microvm_pre_exec(void *arg)
{
	const struct pre_arg *a = arg;
	int fd;

	if (setpgid(0, 0) != 0)
		return errno;
	fd = open(a->vi->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || dup2(fd, 2) < 0)
		return errno;
	if (a->s->h.n_cores) {
		cpu_set_t set;
		size_t i;

		CPU_ZERO(&set);
		for (i = 0; i < a->s->h.n_cores; i++)
			CPU_SET(a->s->h.cores[i], &set);
		if (sched_setaffinity(0, sizeof(set), &set) != 0)
			return errno;
	}
	if (a->s->h.cg_version)
		return microvm_cgroup_enter(CG_ROOT, a->s->h.cg_version, a->vi->cgroup);
	return 0;
}

static void
vm_destroy(void *drv, struct isolated_inst *vi)
{
	struct microvm_state *s = drv;

	if (vi->ch.pid > 0) {
		if (!vi->hung)
			(void)fn_channel_write(&vi->ch, "quit\n", 5, NULL);
		/* The guest's init reboots once the runner quits, which ends QEMU
		 * (-no-reboot); a hung or slow guest is killed. */
		if (vi->hung || fn_channel_wait(&vi->ch, QUIT_GRACE_NS))
			kill(vi->ch.pid, SIGKILL);
		fn_channel_close(&vi->ch, 0);
	}
	if (s->h.cg_version)
		microvm_cgroup_kill_all(CG_ROOT, s->h.cg_version, vi->cgroup);
	(void)unlink(vi->log);
	if (s->host.vmm->files_remove)
		s->host.vmm->files_remove(s->base_dir, vi->id);
	isolated_live_set(&s->h, vi->id, 0);
}

/* Boot one VM under @accel to the runner's `ready`, within @timeout_ns. */
/* Does this VM get the tests' crash hook? JOULEBENCH_MICROVM_FAULT=kill:MS kills the runner
 * of every VM MS ms after it starts; kill:MS:N of the first N only (not an accelerator
 * probe's), so that a replacement VM that boots slowly on a loaded machine is not killed
 * before it answers, which would end the run instead of testing the replacement. */
static int
vm_fault_take(struct microvm_state *s)
{
	int give;

	if (!s->fault || s->probing)
		return 0;
	pthread_mutex_lock(&s->h.lock);
	give = s->fault_vms_left != 0;
	if (s->fault_vms_left > 0)
		s->fault_vms_left--;
	pthread_mutex_unlock(&s->h.lock);
	return give;
}

static int
vm_boot(struct microvm_state *s, const char *accel, struct isolated_inst *vi,
	uint64_t timeout_ns, struct jb_err *err)
{
	char line[JB_PROTO_LINE_MAX], tail[256], argbuf[4096];
	char *argv[MICROVM_ARGV_MAX + 1];
	struct pre_arg pa = { s, vi };
	unsigned tries;
	int rc;

	isolated_name(&s->h, vi, "vm", CG_PARENT, s->base_dir);
	isolated_live_set(&s->h, vi->id, 1);
	if (s->h.cg_version &&
	    (rc = microvm_cgroup_create(CG_ROOT, s->h.cg_version, vi->cgroup, s->quota_us,
					OCI_CPU_PERIOD_US, err))) {
		isolated_live_set(&s->h, vi->id, 0);
		return rc;
	}
	{
		char extra[112] = "";
		struct microvm_boot b = { .accel = accel, .initramfs = s->initramfs,
					  .run_dir = s->base_dir, .id = vi->id,
					  .cmdline_extra = extra, .memory_mb = s->h.memory_mb,
					  .vcpus = s->vcpus, .tsc_khz = s->tsc_khz,
					  .rootfs = s->fng ? s->fng->image : NULL };

		/* jb.fault is the tests' crash hook, jb.root the function's disk
		 * (microvm_init.c). */
		if (vm_fault_take(s))
			snprintf(extra, sizeof(extra), "jb.fault=%.80s", s->fault);
		if (s->fng)
			snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra), "%sjb.root=vda",
				 extra[0] ? " " : "");
		rc = s->host.vmm->argv_build(&s->host, &b, argv, argbuf, sizeof(argbuf), err);
		if (rc) {
			vi->hung = 1;
			goto fail;
		}
	}
	rc = fn_channel_spawn(&vi->ch, argv, microvm_pre_exec, &pa, err);
	if (rc)
		goto fail;
	/* Anything before `ready` (there should be nothing) is skipped, boundedly. */
	for (tries = 0; tries < 64; tries++) {
		rc = fn_channel_read_line(&vi->ch, line, sizeof(line), timeout_ns, err);
		if (rc || !strncmp(line, "ready", 5))
			break;
	}
	if (rc) {
		char why[200];

		snprintf(why, sizeof(why), "%.199s", rc == -ETIMEDOUT ? "no `ready` in time"
							    : err ? err->msg : "");
		driver_log_tail(vi->log, tail, sizeof(tail));
		rc = jb_err_set(err, rc, "microVM %s (%s, %s) did not start: %s%s%s%s%.200s",
				vi->id, s->host.vmm->name, accel, why, tail[0] ? "; " : "",
				tail[0] ? s->host.vmm->name : "", tail[0] ? ": " : "", tail);
		goto fail;
	}
	if (!strncmp(line, "died", 4)) {
		rc = jb_err_set(err, -EPIPE, "microVM %s: the runner died at start: %.200s", vi->id,
				line);
		goto fail;
	}
	return 0;
fail:
	vi->hung = 1;
	vm_destroy(s, vi);
	return rc;
}

/* The deadline of a probing boot under KVM: KVM_PROBE_TIMEOUT_NS, or
 * $JOULEBENCH_MICROVM_PROBE_S seconds (a slow host; the tests' Firecracker double, which
 * boots under TCG). */
static uint64_t
probe_timeout_ns(void)
{
	const char *env = getenv("JOULEBENCH_MICROVM_PROBE_S");
	double sec = env ? strtod(env, NULL) : 0;

	return sec > 0 && sec < 3600 ? (uint64_t)(sec * 1e9) : KVM_PROBE_TIMEOUT_NS;
}

/* A VMM that runs under KVM only (Firecracker): KVM or nothing. A nested KVM guest hangs
 * instead of failing, so a first guest boots with a deadline here: a hang is "not
 * available" (exit 77) in seconds, with the reason, rather than every start's timeout. */
static int
accel_kvm_only(struct microvm_state *s, struct jb_err *err)
{
	struct isolated_inst probe = { 0 };
	struct jb_err e = { 0 };
	uint64_t t = probe_timeout_ns();
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC), rc;

	if (fd < 0)
		return jb_err_set(err, -ENODEV, "microvm: %s needs KVM: /dev/kvm: %s",
				  s->host.vmm->name, strerror(errno));
	close(fd);
	snprintf(s->accel, sizeof(s->accel), "kvm");
	s->probing = 1;
	rc = vm_boot(s, "kvm", &probe, t, &e);
	s->probing = 0;
	if (rc == 0) {
		vm_destroy(s, &probe);
		return 0;
	}
	if (rc == -ETIMEDOUT)
		return jb_err_set(err, -ENODEV, "microvm: %s runs guests under KVM only, and a KVM "
						"guest did not boot here within %.0f s (a nested KVM "
						"guest hangs after the kernel decompresses): %.300s",
				  s->host.vmm->name, (double)t / 1e9, e.msg);
	return jb_err_set(err, rc, "microvm: %.900s", e.msg);
}

/* The accelerator, and for `auto` why (the sidecar's runtime_version carries it). */
static int
accel_decide(struct microvm_state *s, const char *want, struct jb_err *err)
{
	struct isolated_inst probe = { 0 };
	char why[256];
	int fd, rc;

	s->accel_why[0] = '\0';
	if (want && strcmp(want, "auto") && s->host.vmm->accel_check(want, why, sizeof(why)))
		return jb_err_set(err, -ENODEV, "microvm: --accel %s: %s", want, why);
	if (want && !strcmp(want, "tcg")) {
		snprintf(s->accel, sizeof(s->accel), "tcg");
		return 0;
	}
	if (s->host.vmm->accel_check("tcg", why, sizeof(why)))
		return accel_kvm_only(s, err);
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
	if (want && !strcmp(want, "kvm")) {
		if (fd < 0)
			return jb_err_set(err, -ENODEV, "microvm: --accel kvm: /dev/kvm: %s",
					  strerror(errno));
		snprintf(s->accel, sizeof(s->accel), "kvm");
		return 0;
	}
	s->probing = 1;
	rc = fd >= 0 ? vm_boot(s, "kvm", &probe, probe_timeout_ns(), NULL) : -ENODEV;
	s->probing = 0;
	if (rc == 0) {
		vm_destroy(s, &probe);
		snprintf(s->accel, sizeof(s->accel), "kvm");
		snprintf(s->accel_why, sizeof(s->accel_why), " (auto: a KVM guest booted)");
		return 0;
	}
	snprintf(s->accel, sizeof(s->accel), "tcg");
	if (fd < 0)
		snprintf(s->accel_why, sizeof(s->accel_why), " (auto: no usable /dev/kvm)");
	else
		snprintf(s->accel_why, sizeof(s->accel_why), " (auto: KVM guest did not boot in "
							     "%.0f s)", (double)probe_timeout_ns() / 1e9);
	return 0;
}

static void
state_free(struct microvm_state *s)
{
	if (s->base_dir[0])
		(void)oci_bundle_remove(s->base_dir);
	free(s->fng);
	free(s);
}

static int
microvm_prepare(const struct driver_config *cfg, void **drv, struct jb_err *err)
{
	struct microvm_state *s = calloc(1, sizeof(*s));
	char why[768], fn[PATH_MAX], init[PATH_MAX];
	int rc;

	if (!s)
		return jb_err_set(err, -ENOMEM, "microvm: out of memory");
	rc = microvm_host_check(cfg->vmm ? cfg->vmm : getenv("JOULEBENCH_VMM"), cfg->guest_dir, &s->host, why,
			   sizeof(why));
	if (rc) {
		free(s);
		return jb_err_set(err, rc, "microvm: %s", why);
	}
	if (!cfg->fn_path || !realpath(cfg->fn_path, fn)) {
		free(s);
		return jb_err_set(err, -ENOENT, "microvm: function runner '%s' not found",
				  cfg->fn_path ? cfg->fn_path : "(none)");
	}
	if (microvm_vminit_find(fn, init, sizeof(init))) {
		free(s);
		return jb_err_set(err, -ENOENT, "microvm: joulebench-vminit not found beside %s "
						"(or set JOULEBENCH_VMINIT)", fn);
	}
	s->host.vmm->version(&s->host, s->vmm_version, sizeof(s->vmm_version));
	s->h.cls = &microvm_class;
	s->h.cg_root = CG_ROOT;
	s->h.live_max = LIVE_MAX;
	s->h.live = s->live;
	s->h.memory_mb = cfg->memory_mb ? cfg->memory_mb : OCI_MB_PER_VCPU;
	s->vcpus = (unsigned)((s->h.memory_mb + OCI_MB_PER_VCPU - 1) / OCI_MB_PER_VCPU);
	if (s->vcpus > VCPUS_MAX)
		s->vcpus = VCPUS_MAX;
	s->quota_us = oci_cpu_quota_us(s->h.memory_mb, OCI_CPU_PERIOD_US);
	s->h.timeout_ns = cfg->timeout_ns;
	s->fault = getenv("JOULEBENCH_MICROVM_FAULT");
	s->fault_vms_left = -1;
	if (s->fault && !strncmp(s->fault, "kill:", 5) && strchr(s->fault + 5, ':'))
		s->fault_vms_left = atoi(strchr(s->fault + 5, ':') + 1);
	rc = isolated_cores_take(&s->h, cfg, err);
	if (rc) {
		free(s);
		return rc;
	}
	s->h.cg_version = geteuid() == 0 ? cgroup_version_detect(CG_ROOT) : 0;
	if (s->h.cg_version < 0)
		s->h.cg_version = 0;
	microvm_stale_reap(s->h.cg_version);
	snprintf(s->base_dir, sizeof(s->base_dir), "%.200s/joulebench-vm-%ld-XXXXXX",
		 oci_runtime_tmp_dir(), (long)getpid());
	if (!mkdtemp(s->base_dir)) {
		rc = jb_err_set(err, -errno, "microvm: mkdtemp %s: %s", s->base_dir, strerror(errno));
		s->base_dir[0] = '\0';
		state_free(s);
		return rc;
	}
	snprintf(s->initramfs, sizeof(s->initramfs), "%.200s/initramfs.cpio", s->base_dir);
	/* Users' functions: their root file system, built (or found) before any VM boots. */
	if ((cfg->guest_dirs && cfg->guest_dirs[0]) ||
	    (cfg->guest_programs && cfg->guest_programs[0])) {
		if (!(s->fng = malloc(sizeof(*s->fng))))
			rc = jb_err_set(err, -ENOMEM, "microvm: out of memory");
		else
			rc = microvm_fn_guest_prepare(cfg, &s->host, s->base_dir, fn, s->fng, err);
		if (rc) {
			state_free(s);
			return rc;
		}
	}
	rc = microvm_initramfs_build(s->initramfs, init, fn, s->fng ? s->fng->extra : NULL,
				     s->fng ? s->fng->n_extra : 0, err);
	if (rc) {
		state_free(s);
		return rc;
	}
	pthread_mutex_init(&s->h.lock, NULL);
	s->tsc_khz = microvm_host_tsc_khz();
	rc = accel_decide(s, cfg->accel, err);
	if (rc) {
		pthread_mutex_destroy(&s->h.lock);
		state_free(s);
		return rc;
	}
	*drv = s;
	return 0;
}

static int
microvm_start_instance(void *drv, unsigned id, struct driver_instance *inst, struct jb_err *err)
{
	struct microvm_state *s = drv;
	struct isolated_inst *vi = calloc(1, sizeof(*vi));
	uint64_t t = s->h.timeout_ns > START_TIMEOUT_NS ? s->h.timeout_ns : START_TIMEOUT_NS;
	int rc;

	if (!vi)
		return jb_err_set(err, -ENOMEM, "microvm: out of memory");
	rc = vm_boot(s, s->accel, vi, t, err);
	if (rc) {
		free(vi);
		return rc;
	}
	/* The host cores the VM may run on; the guest's own view is its vCPUs. */
	isolated_fill(&s->h, vi, id, s->h.cpuset, inst);
	return 0;
}

/* The guest init's report of a dead runner: "died pid=N signal=S code=C oom_kills=K". */
static int
died_parse(void *drv, struct isolated_inst *vi, const char *line, struct jb_err *err)
{
	const struct microvm_state *s = drv;
	int sig = 0, code = 0;
	unsigned long oom = 0;
	const char *p;

	if ((p = strstr(line, "signal=")))
		sig = atoi(p + 7);
	if ((p = strstr(line, "code=")))
		code = atoi(p + 5);
	if ((p = strstr(line, "oom_kills=")))
		oom = strtoul(p + 10, NULL, 10);
	if (oom)
		return jb_err_set(err, -ENOMEM, "OOM-killed: the function exceeded the microVM's "
						"memory of %llu MB (%s, guest kernel's oom_kill %lu)",
				  (unsigned long long)s->h.memory_mb, vi->id, oom);
	if (sig)
		return jb_err_set(err, -EPIPE, "function runner in microVM %s killed by signal %d "
					       "(%s)", vi->id, sig, strsignal(sig));
	return jb_err_set(err, -EPIPE, "function runner in microVM %s exited with code %d", vi->id,
			  code);
}

/* The VMM's channel ended (-EPIPE): the runner died between requests, or as the request
 * went out; the guest's init said how before the VM ended, and its line waits unread (a
 * write to the ended VMM fails before anything is read). */
static int
vm_ended(void *drv, struct isolated_inst *vi, struct jb_err *err)
{
	struct microvm_state *s = drv;
	char why[256], rest[JB_PROTO_LINE_MAX], tail[200];
	int k;

	snprintf(why, sizeof(why), "%.255s", err ? err->msg : "QEMU exited");
	for (k = 0; k < 8; k++) {
		if (fn_channel_read_line(&vi->ch, rest, sizeof(rest), 200000000u, NULL))
			break;
		if (!strncmp(rest, "died ", 5))
			return died_parse(s, vi, rest, err);
	}
	/* The VMM itself ended: a guest panic, or it was killed. */
	driver_log_tail(vi->log, tail, sizeof(tail));
	return jb_err_set(err, -EPIPE, "microVM %s (%s) ended: %.200s%s%s%s%s", vi->id,
			  s->host.vmm->name, why, tail[0] ? "; " : "",
			  tail[0] ? s->host.vmm->name : "", tail[0] ? ": " : "", tail);
}

/* A user's function's request names its resolved file where the guest has it. */
static int
microvm_invoke(void *drv, struct driver_instance *inst, const struct jb_fn_request *req,
	       struct jb_fn_result *res, struct jb_err *err)
{
	const struct microvm_state *s = drv;
	struct jb_fn_request guest;
	const char *base;

	if (!s->fng || !req->spec[0])
		return isolated_invoke(drv, inst, req, res, err);
	guest = *req;
	base = strrchr(req->spec, '/');
	snprintf(guest.spec, sizeof(guest.spec), MICROVM_SPEC_GUEST_DIR "/%.200s",
		 base ? base + 1 : req->spec);
	return isolated_invoke(drv, inst, &guest, res, err);
}

static const struct isolated_class microvm_class = {
	.driver = "microvm",
	.ended = vm_ended,
	.died = died_parse,
	.destroy = vm_destroy,
};

static void
microvm_describe(void *drv, struct driver_info *info)
{
	struct microvm_state *s = drv;
	char version[sizeof(info->runtime_version)], rest[112];
	/* The sidecar keeps runtime_version: the VMM, the guest and the accelerator; the
	 * VMM's version gets what the rest leaves (a test double says so in it). */
	int n = snprintf(rest, sizeof(rest), "; guest %.32s; accel %s%s", s->host.guest_version,
			 s->accel, s->accel_why);

	n = n < 0 || n > 100 ? 100 : n;
	snprintf(version, sizeof(version), "%.*s%s", (int)sizeof(version) - 1 - n,
		 s->vmm_version, rest);
	isolated_describe(&s->h, s->host.vmm->runtime, version, s->host.vmm_path, info);
	/* "microvm-kvm", "microvm-tcg" (QEMU), "firecracker-kvm": rows of two VMMs on one
	 * accelerator are different rungs of the ladder. */
	snprintf(info->isolation, sizeof(info->isolation), "%.20s-%s", s->host.vmm->isolation,
		 s->accel);
	snprintf(info->accel, sizeof(info->accel), "%s", s->accel);
	info->vcpus = s->vcpus;
	if (s->fng)
		snprintf(info->guest_root, sizeof(info->guest_root), "%s", s->fng->about);
}

static void
microvm_teardown(void *drv)
{
	struct microvm_state *s = drv;
	size_t i;

	if (!s)
		return;
	for (i = 0; i < LIVE_MAX; i++) {
		char cg[96];

		if (!s->live[i][0] || !s->h.cg_version)
			continue;
		snprintf(cg, sizeof(cg), CG_PARENT "/%s", s->live[i]);
		microvm_cgroup_kill_all(CG_ROOT, s->h.cg_version, cg);
	}
	if (s->h.cg_version)
		cgroup_dir_remove(CG_ROOT, s->h.cg_version, CG_PARENT);
	pthread_mutex_destroy(&s->h.lock);
	state_free(s);
}

const struct driver_ops driver_microvm = {
	.name = "microvm",
	.summary = "joulebench-fn in QEMU virtual machines (microvm on x86-64, virt on aarch64; "
		   "KVM, or TCG where KVM does not work; or Firecracker with --vmm), one per "
		   "instance, co-located on shared cores under a CPU quota",
	.isolation = "microvm",
	.probe = microvm_probe,
	.prepare = microvm_prepare,
	.start_instance = microvm_start_instance,
	.invoke = microvm_invoke,
	.stop_instance = isolated_stop,
	.teardown = microvm_teardown,
	.cpu_ns = isolated_cpu_ns,
	.describe = microvm_describe,
};
