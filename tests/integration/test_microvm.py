# SPDX-License-Identifier: MIT
"""The microvm driver under each VMM, one VMM per run of this file: `test_microvm.py qemu`
(the default; meson's microvm-qemu) runs the real QEMU under TCG (KVM does not boot nested
guests here); `test_microvm.py firecracker` (microvm-firecracker) runs `--vmm firecracker`
through tests/integration/fake_firecracker, a test double that checks Firecracker v1.16.1's
command-line and configuration contract strictly and boots the guest in QEMU TCG (no real
Firecracker runs here: Debian does not package it, and a nested KVM guest hangs). Through
the double this verifies the command line and JSON file the backend writes, the round trip
through the guest booted from the ELF vmlinux, the labels, the crash row, the bounded
refusal of a KVM that hangs and cleanup; not Firecracker's own device model, nor KVM, nor
any figure of Firecracker's cost.

The steps both VMMs share are written once, given the VMM's specifics (class Vmm: its
binary or double, the sidecar's runtime names, the rows' isolation label, the env):
  A. a missing VMM binary or guest kernel is exit 77 with what to install or run;
  B. one run carries the protocol round trip and a crash: verified rows through the guest,
     each window's energy split over its rows, the sidecar (runtime, path, version,
     accelerator, memory), the rows' isolation; a runner killed inside the guest (the guest init's
     jb.fault hook) is a `crashed` row and the VM is replaced; SIGINT ends the run with
     every row written and the run's note under the summary; no VMM process, cgroup or
     run directory is left;
  C. a harness killed with SIGKILL leaves its VM behind, and the next run reaps it;
  D. compare takes the VMM's rung, named by VMM and accelerator, with a server CSV.
QEMU only: --accel on pinned (exit 2), a guest kernel of another architecture (77); in B
two co-located VMs with --accel auto, inspected while they run (two QEMUs, each in a
cgroup of its own with the Lambda quota of 512 MB), their energy split by the cgroups' CPU
time, the guest's clock (the TSC, not jiffies) and CPU time in the rows; a hang inside the
guest as a `timeout` row and an allocation beyond the VM's memory as an `oom-killed` row
(the guest kernel's OOM kill), with the TCG note (it is C's next run).
Firecracker only: scripts/fetch-guest-kernel's vmlinux from bzImages of gzip, xz,
zstd and LZ4; the double is strict where Firecracker is (unknown field, missing section,
no ELF); no vmlinux and `--accel tcg` are 77; in B every start's command line and JSON
file (log in the run directory, ELF kernel, machine-config, file removed when its VM
goes), verified rows from the replacement VM; a KVM guest that hangs (the double's hang
mode) is exit 77 within the probe deadline (C's next run); compare boots no VM beyond its
probe and instance.
Skipped (77) without QEMU or the guest kernel (scripts/fetch-guest-kernel); firecracker
also without /dev/kvm (which Firecracker, and so the double, needs). JB_TEST_ARCH names
the architecture of the joulebench under test when it is not this machine's:
scripts/cross-check runs `test_microvm.py` (qemu) on the aarch64 build under qemu-user
(JOULEBENCH a wrapper), whose driver boots an arm64 guest in QEMU's virt machine; step D
is then left out (compare's pinned rung would start the aarch64 runner on this host,
which needs binfmt_misc)."""
import glob
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from jbtest import (JOULEBENCH, check, crashed_then, hang_and_oom, interrupt, read_meta, run,
                    skip, stop_if_running, trace, vm_crash_rows, vm_leftovers,
                    vm_processes_of, wait_for)

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = os.path.join(HERE, "fake_firecracker")
FETCH = os.path.join(HERE, "..", "..", "scripts", "fetch-guest-kernel")
GUEST = os.environ.get("JOULEBENCH_GUEST_DIR") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "joulebench", "guest")
ARCH = os.environ.get("JB_TEST_ARCH") or platform.machine()
# The QEMU binary and its Debian package per host architecture (drivers/microvm_qemu.c);
# another host has no machine at all.
QEMU, QEMU_PKG = {"x86_64": ("qemu-system-x86_64", "qemu-system-x86"),
                  "aarch64": ("qemu-system-aarch64", "qemu-system-arm")}.get(ARCH, (None, None))
COMMON = ["-m", "model", "--idle-s", "0.05", "--no-plot"]


class Vmm:
    """What differs between the VMMs in the steps they share: `common`, the arguments of
    every run; `base`, those of most (B's run has crash_args instead of base's --accel)."""

    def __init__(self, name, **kw):
        self.name = name
        self.__dict__.update(kw)


QEMU_VMM = Vmm(
    "qemu", common=COMMON, base=COMMON + ["--accel", "tcg"], env=dict(os.environ),
    missing=f"apt-get install {QEMU_PKG} " if QEMU else f"no QEMU machine for a {ARCH} host",
    runtime="qemu-microvm", runtime_path="/" + str(QEMU), version_words=["guest"],
    prefix="microvm", accels=("tcg", "kvm"),
    # The run's note under its summary, by accelerator (KVM figures need none).
    notes={"tcg": "emulation, not a microVM's isolation cost"},
    # B: two VMs on one core, each under the quota of 512 MB (29% of a core), a crash
    # inside each of the two guests 6 s after its runner started (not in a replacement,
    # which must answer however slowly it boots); --accel auto: KVM when a KVM guest boots
    # within its deadline, else TCG (on nested VMs whose KVM guests hang, after 8 s). A
    # co-located instance's replacement has its own cold start.
    crash_args=["-c", "2", "--cores", "0", "--memory-mb", "512", "--accel", "auto"],
    concurrency=2, memory_mb=512, fault="kill:6000:2", replaced="cold",
    # D: three windows: compare's ratios rest on ok windows, and a first window sized from
    # a slow warmup can come out shorter than the minimum (flagged, counted out).
    rung="microvm:tcg", rung_label="microvm-tcg", rung_cold="2",
    rung_words=["emulation, not isolation", "cold-time"])
FC_VMM = Vmm(
    "firecracker", common=COMMON + ["--vmm", "firecracker"],
    base=COMMON + ["--vmm", "firecracker"], env=dict(os.environ),
    missing="no firecracker binary on $PATH", runtime="firecracker",
    runtime_path="/firecracker", version_words=["test double on QEMU TCG"],
    prefix="firecracker", accels=("kvm",), notes={"kvm": "test double"},
    # B: one VM of the default 1769 MB (a whole core: under TCG a boot takes seconds), its
    # runner killed 3 s after it started by the guest's clock (the first VM only, never the
    # probe's). One instance is replaced unmetered (protocol/single.c): the new VM answers.
    crash_args=[], concurrency=1, memory_mb=1769, fault="kill:3000:1", replaced="ok",
    rung="microvm:firecracker", rung_label="firecracker-kvm", rung_cold="1",
    rung_words=["test double", "cold-time"])
VMM = {"qemu": QEMU_VMM, "firecracker": FC_VMM}.get(sys.argv[1] if len(sys.argv) > 1 else "qemu")
if VMM is None:
    print(f"usage: test_microvm.py [qemu|firecracker], not {sys.argv[1:]}", file=sys.stderr)
    sys.exit(2)
tmp = tempfile.mkdtemp(prefix="jb-vm-" if VMM is QEMU_VMM else "jb-fc-")


def step_no_binary(vmm):
    """A: no VMM binary on PATH is exit 77 with what provides it."""
    p = run(["run", "-d", "microvm", "-o", os.path.join(tmp, "x.csv")] + vmm.base,
            env=dict(vmm.env, PATH="/nonexistent"))
    check(p.returncode == 77 and vmm.missing in p.stderr,
          f"{vmm.name}: no VMM binary: {p.returncode} {p.stderr}")


def step_refused(vmm, cases):
    """A: runs this host cannot serve (a guest kernel missing or unusable), each case
    (ARGS, ENV, WORDS): exit 77 with WORDS, the reason and what provides the right one."""
    for args, env, words in cases:
        p = run(["run", "-d", "microvm", "-o", os.path.join(tmp, "x.csv")] + args + vmm.base,
                env=dict(vmm.env, **env))
        check(p.returncode == 77 and all(w in p.stderr for w in words),
              f"{vmm.name}: guest {args} {env}: {p.returncode} {p.stderr} (want {words})")


def step_crash(vmm, out, inspect=None, replaced=None):
    """B: the run with a crash in the guest, stopped by SIGINT once the VM is replaced.
    INSPECT(proc) looks at the running VMs; REPLACED(proc), once the replacement is seen,
    returns what the caller checks later. Every check both VMMs share is made here;
    returns the rows, the crashed rows and REPLACED's value."""
    args = ["run", "-d", "microvm", "-w", "matmul", "-s", "test", "-r", "100000", "--warmup",
            "0", "--min-window-s", "0.2", "-o", out] + vmm.common + vmm.crash_args
    t0 = time.monotonic()
    proc = subprocess.Popen([JOULEBENCH] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=dict(vmm.env, JOULEBENCH_MICROVM_FAULT=vmm.fault))
    seen = None
    try:
        if inspect:
            inspect(proc)
        wait_for(lambda: crashed_then(out, proc, vmm.replaced),
                 f"a crashed row and then the replacement VM's {vmm.replaced} row", 120)
        if replaced and proc.poll() is None:
            seen = replaced(proc)
        # The run's output to its end: its summary comes with it.
        stdout = interrupt(proc, signal.SIGINT, (1, 130))
    finally:
        stop_if_running(proc)
    trace(args, t0, proc.returncode)
    rows, crashed = vm_crash_rows(out)
    done = [r for r in rows if r["phase"] in ("cold", "warm") and r["status"] in
            ("ok", "untrustworthy")]
    warm = [r for r in done if r["phase"] == "warm"]
    check(warm, f"no ok warm rows: {[(r['status'], r['message']) for r in rows[:3]]}")
    check(all(r["verified"] == "1" for r in warm), "checksums not verified inside the VM")
    cold = [r for r in rows if r["phase"] == "cold"]
    check(sum(r in done for r in cold) >= vmm.concurrency,
          f"not {vmm.concurrency} ok cold row(s): {[(r['status'], r['message']) for r in cold]}")
    if vmm.concurrency == 1:
        check(len(cold) == 1, f"{len(cold)} cold rows: the replacement is not a cold start")
    check({r["instance"] for r in rows} >= {str(i) for i in range(vmm.concurrency)},
          f"rows of {vmm.concurrency} instance(s)")
    meta = read_meta(out)
    drv = meta["driver"]
    check(drv["runtime"] == vmm.runtime and drv["runtime_path"].endswith(vmm.runtime_path),
          f"sidecar runtime {drv}")
    accel = [a for a in vmm.accels if f"accel {a}" in drv["runtime_version"]]
    check(len(accel) == 1 and all(w in drv["runtime_version"] for w in vmm.version_words),
          f"sidecar runtime_version {drv['runtime_version']}")
    check(drv["memory_mb"] == vmm.memory_mb, f"memory in the sidecar: {drv['memory_mb']}")
    label = f"{vmm.prefix}-{accel[0]}"
    check(all(r["isolation"] == label for r in rows),
          f"rows' isolation: {sorted(set(r['isolation'] for r in rows))}, want {label}")
    if accel[0] in vmm.notes:
        check(vmm.notes[accel[0]] in stdout, f"no note under the summary: {stdout}")
    # Each window's energy split over its rows (by the VMs' cgroups' CPU time where they are
    # co-located); cold starts inside a window (a replaced VM) take their share of it too.
    warm = [r for r in rows if r["phase"] == "warm" and r["energy_j"]]
    check(warm, "no warm rows with energy")
    check(all(r["energy_method"].startswith("window-split-by") for r in warm),
          f"split method: {sorted(set(r['energy_method'] for r in warm))}")
    for rep in {r["rep"] for r in warm}:
        win_j = [w for w in warm if w["rep"] == rep][0]["window_energy_j"]
        win = [r for r in rows if r["rep"] == rep and r["phase"] in ("warm", "cold")
               and r["energy_j"] and r["window_energy_j"] == win_j]
        tot = sum(float(r["energy_j"]) for r in win)
        check(abs(tot - float(win_j)) <= 1e-6 * tot + 1e-9, f"shares of window {rep}")
    check(meta["ended"] == "interrupted", f"sidecar ended {meta['ended']}")
    check(not vm_leftovers(proc.pid), f"left behind after SIGINT: {vm_leftovers(proc.pid)}")
    return rows, crashed, seen


def step_sigkill(vmm):
    """C, first half: a harness killed with SIGKILL while its VM runs (QEMU started, in its
    cgroup) leaves the VM behind. Returns the dead harness's pid: the caller's next run must
    reap its VM (its cgroup, or the run directory on the VMM's command line) and files."""
    args = ["run", "-d", "microvm", "-w", "matmul", "-s", "test", "-r", "100000", "--warmup",
            "0", "-o", os.path.join(tmp, "killed.csv")] + vmm.base
    t0 = time.monotonic()
    proc = subprocess.Popen([JOULEBENCH] + args, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=vmm.env)

    def qemu_running():
        for q in vm_processes_of(proc.pid):
            try:
                if os.path.basename(os.readlink(f"/proc/{q}/exe")).startswith("qemu-system"):
                    return True
            except OSError:
                pass
        return proc.poll() is not None
    try:
        wait_for(qemu_running, "a running QEMU of the run's VM", 60)
        check(proc.poll() is None and vm_processes_of(proc.pid), "no running VM to leave behind")
    finally:
        proc.kill()
        proc.wait()
    trace(args, t0, proc.returncode)
    check(vm_processes_of(proc.pid), "the VM did not outlive its harness (nothing to reap)")
    return proc.pid


def check_reaped(pid, by):
    """C, second half: after the run BY, nothing of the killed harness PID is left."""
    check(not vm_leftovers(pid), f"left behind by a killed harness after {by}: "
          f"{vm_leftovers(pid)}")


def step_compare(vmm):
    """D: compare with the VMM's rung beside pinned."""
    pre = os.path.join(tmp, "lad")
    p = run(["compare", "--drivers", "pinned," + vmm.rung, "-w", "sha256", "-s", "test",
             "-m", "model", "-r", "3", "--cold", vmm.rung_cold, "--warmup", "1",
             "--idle-s", "0.05", "--min-window-s", "0.1", "--bootstrap", "200", "-o", pre],
            env=vmm.env)
    check(p.returncode == 0, f"compare: exit {p.returncode}: {p.stderr}")
    check(f"{vmm.rung_label} vs pinned" in p.stdout and all(w in p.stdout
                                                             for w in vmm.rung_words),
          f"compare output (want {vmm.rung_words}): {p.stdout}")
    check(os.path.exists(f"{pre}-server-{vmm.rung_label}.csv"), "server CSV of the rung")


def traced():
    """The double's starts so far: argv and configuration of each."""
    with open(TRACE) as f:
        return [json.loads(line) for line in f]


def qemu_steps(vmm):
    p = run(["run", "-d", "pinned", "--accel", "tcg", "-o", os.path.join(tmp, "x.csv")])
    check(p.returncode == 2, f"--accel on pinned: exit {p.returncode}")
    step_no_binary(vmm)
    if not QEMU:
        skip(f"no QEMU machine for a {ARCH} host (x86_64 and aarch64 only)")
    if not shutil.which(QEMU):
        skip(f"{QEMU} not installed: apt-get install {QEMU_PKG} (scripts/install-deps --drivers)")
    # A guest kernel of the other architecture (a cache filled with --arch): 77, not a QEMU
    # that says nothing useful.
    other = "amd64" if ARCH == "aarch64" else "arm64"
    mine = "arm64" if other == "amd64" else "amd64"
    wrong = os.path.join(tmp, "wrong-guest")
    os.mkdir(wrong)
    open(os.path.join(wrong, "vmlinuz"), "w").close()
    with open(os.path.join(wrong, "version"), "w") as f:
        f.write(f"linux-image-6.1.0-1-cloud-{other} 6.1.0-1-cloud-{other}\n")
    step_refused(vmm, [([], {"JOULEBENCH_GUEST_DIR": "/nonexistent"}, ["fetch-guest-kernel"]),
                        (["--guest-dir", wrong], {}, [f"fetch-guest-kernel --arch {mine}"])])
    if not os.path.exists(os.path.join(GUEST, "vmlinuz")):
        skip(f"no guest kernel in {GUEST}: run scripts/fetch-guest-kernel")

    def colocated(proc):
        """Two VMs of the run at once, each a QEMU in a cgroup of its own, its CPU quota
        Lambda's for 512 MB."""
        def vm_cgroups():
            return [c for c in glob.glob(f"/sys/fs/cgroup/cpu/joulebench/vm-{proc.pid}-*")
                    + glob.glob(f"/sys/fs/cgroup/joulebench/vm-{proc.pid}-*")
                    if open(os.path.join(c, "cgroup.procs")).read().strip()]
        wait_for(lambda: len(vm_cgroups()) >= 2 or proc.poll() is not None,
                 "two VMs of the run at once (their cgroups with a process)", 90)
        cgs = vm_cgroups()
        check(len(cgs) >= 2, f"expected 2 VMs at once, saw {cgs}")
        for c in cgs:
            def exe_in(c=c):
                procs = open(os.path.join(c, "cgroup.procs")).read().split()
                try:
                    return os.path.basename(os.readlink(f"/proc/{procs[0]}/exe"))
                except (OSError, IndexError):
                    return "?"
            # The child enters the cgroup before it execs QEMU: wait for the exec.
            wait_for(lambda: exe_in().startswith("qemu-system"),
                     lambda: f"QEMU in {c} (it holds {exe_in()})", 30)
            # 512 MB: quota = 100000 us x 512 / 1769 = 28943 us (1 vCPU per 1769 MB).
            if os.path.exists(os.path.join(c, "cpu.cfs_quota_us")):
                check(open(os.path.join(c, "cpu.cfs_quota_us")).read().strip() == "28943",
                      "quota")
            else:
                check(open(os.path.join(c, "cpu.max")).read().split()[0] == "28943", "cpu.max")
    out = os.path.join(tmp, "colo.csv")
    rows = step_crash(vmm, out, inspect=colocated)[0]
    check("(auto: " in read_meta(out)["driver"]["runtime_version"],
          "--accel auto not said in the sidecar")
    # The guest's clock: the TSC, at the rate the driver measured under TCG (the guest
    # cannot calibrate it), so wall times are not 4 ms jiffies; CPU time as the guest
    # counts it. (The Firecracker double's TCG guest has no such rate, where Firecracker's
    # has kvm-clock: its times are jiffies, not checked.)
    warm = [r for r in rows if r["phase"] == "warm" and r["status"] in ("ok", "untrustworthy")]
    check(all(int(r["wall_ns"]) > 0 for r in warm), "guest wall time missing")
    check(any(int(r["wall_ns"]) % 4000000 not in (0, 250) for r in warm),
          "jiffies clock in guest")
    check(all(int(r["cpu_ns"]) > 0 for r in warm if r["status"] == "ok"), "VM CPU time missing")
    killed = step_sigkill(vmm)

    # A hang (a slower invocation than --timeout-s) and an OOM kill inside the guest; under
    # TCG the run says its figures are emulation. The first of them reaps C's VM.
    def hang_oom_left(name, proc, stdout):
        check(vmm.notes["tcg"] in stdout, f"{name}: no TCG note: {stdout}")
        check(not vm_leftovers(proc.pid), f"left behind after {name}: {vm_leftovers(proc.pid)}")
        check_reaped(killed, name)
    hang_and_oom("microvm", vmm.base, tmp, 180, hang_oom_left, "no reply")
    if ARCH != platform.machine():
        print(f"ok ({ARCH} build: steps A-C, hang and OOM; step D, compare with pinned, "
              f"needs an {ARCH} host)")
        return
    step_compare(vmm)
    print("ok")


def bzimage(payload_of, path):
    """A minimal bzImage around an x86-64 ELF (/bin/true): setup header fields of
    Documentation/arch/x86/boot.rst (setup_sects, HdrS, payload_offset and _length) and
    the payload as the kernel build makes it (compressed, then the size unless gzip)."""
    elf = open("/bin/true", "rb").read()
    comp, size_appended = payload_of(elf)
    payload = comp + (len(elf).to_bytes(4, "little") if size_appended else b"")
    img = bytearray(1024 + 16)
    img[0x1f1] = 1                                     # setup_sects: code at 2 * 512
    img[0x202:0x206] = b"HdrS"
    img[0x206:0x208] = (0x020f).to_bytes(2, "little")
    img[0x248:0x24c] = (16).to_bytes(4, "little")      # payload_offset
    img[0x24c:0x250] = len(payload).to_bytes(4, "little")
    with open(path, "wb") as f:
        f.write(bytes(img) + payload + b"\0" * 64)
    return elf


def fetch_vmlinux():
    """scripts/fetch-guest-kernel writes vmlinux from a bzImage of each compression it
    knows, and refuses what is not a bzImage. (The version names no Debian package: the
    script then fetches no modules for it, which would be an apt-get download per case.)"""
    tried = []
    for cmd in (["gzip", "-9c"], ["xz", "--check=crc32", "-c"], ["zstd", "-qc"],
                ["lz4", "-lc"]):
        if not shutil.which(cmd[0]):
            continue
        tried.append(cmd[0])
        d = os.path.join(tmp, "bz-" + cmd[0])
        os.mkdir(d)
        elf = bzimage(lambda data, cmd=cmd: (subprocess.run(cmd, input=data, capture_output=True,
                                                            check=True).stdout,
                                             cmd[0] != "gzip"), os.path.join(d, "vmlinuz"))
        with open(os.path.join(d, "version"), "w") as f:
            f.write("own-kernel-test 6.1.0-test\n")
        p = subprocess.run([FETCH, d], capture_output=True, text=True)
        check(p.returncode == 0 and open(os.path.join(d, "vmlinux"), "rb").read() == elf,
              f"fetch-guest-kernel with {cmd[0]}: {p.stderr}")
    check("gzip" in tried and "xz" in tried, f"compressors tried: {tried}")
    print(f"fetch-guest-kernel: vmlinux from bzImages of {', '.join(tried)}")
    d = os.path.join(tmp, "bz-bad")
    os.mkdir(d)
    with open(os.path.join(d, "vmlinuz"), "wb") as f:
        f.write(b"not a kernel" * 100)
    open(os.path.join(d, "version"), "w").write("x y\n")
    p = subprocess.run([FETCH, d], capture_output=True, text=True)
    check(not os.path.exists(os.path.join(d, "vmlinux")) and "not a bzImage" in p.stderr,
          f"fetch-guest-kernel on a non-bzImage: {p.stderr}")


def fake(args, config=None):
    """Run the double with ARGS (CONFIG written to a file for --config-file)."""
    if config is not None:
        path = os.path.join(tmp, "c.json")
        with open(path, "w") as f:
            f.write(config if isinstance(config, str) else json.dumps(config))
        args = args + ["--config-file", path]
    return subprocess.run([FAKE] + args, capture_output=True, text=True, timeout=30)


def fake_strict():
    """The double refuses what Firecracker refuses (before any boot)."""
    log = ["--log-path", os.path.join(tmp, "l")]
    good = {"boot-source": {"kernel_image_path": os.path.join(GUEST, "vmlinux"),
                            "boot_args": "reboot=k"}, "drives": [],
            "machine-config": {"vcpu_count": 1, "mem_size_mib": 128}}
    p = fake(["--version"])
    check(p.returncode == 0 and "test double" in p.stdout.splitlines()[0], f"version: {p.stdout}")
    p = fake(["--no-api"])
    check(p.returncode == 153 and "config-file" in p.stderr, f"--no-api alone: {p.returncode}")
    p = fake(["--no-api", "--bogus"], good)
    check(p.returncode == 153, f"unknown argument: {p.returncode}")
    bad = json.loads(json.dumps(good))
    bad["boot-source"]["console"] = "ttyS0"
    p = fake(["--no-api"] + log, bad)
    check(p.returncode == 1 and "unknown field `console`" in p.stderr, f"unknown field: {p.stderr}")
    bad = {k: v for k, v in good.items() if k != "drives"}
    p = fake(["--no-api"] + log, bad)
    check(p.returncode == 1 and "missing field `drives`" in p.stderr, f"no drives: {p.stderr}")
    bad = json.loads(json.dumps(good))
    bad["machine-config"]["vcpu_count"] = 33
    p = fake(["--no-api"] + log, bad)
    check(p.returncode == 1 and "InvalidVcpuCount" in p.stderr, f"33 vCPUs: {p.stderr}")
    # An unknown section is ignored (VmmConfig has no deny_unknown_fields): the file is
    # taken, and the bzImage is refused only when the kernel is loaded (v1.16.1 loads ELF
    # only).
    bad = dict(json.loads(json.dumps(good)), **{"some-future-section": {"x": 1}})
    bad["boot-source"]["kernel_image_path"] = os.path.join(GUEST, "vmlinuz")
    p = fake(["--no-api"] + log, bad)
    if os.access("/dev/kvm", os.R_OK | os.W_OK):
        check(p.returncode == 1 and "InvalidElfMagicNumber" in p.stderr, f"bzImage: {p.stderr}")
    # Without --log-path, Firecracker logs to stdout (the reason the backend gives one).
    p = fake(["--no-api", "--bogus"])
    check("UnexpectedArgument" in p.stdout, f"log lines on stdout without --log-path: {p.stdout}")


def check_starts(starts):
    """Every start had its log on --log-path in the run directory and its JSON file there,
    booted the ELF vmlinux with the default machine, and its file is gone with its VM."""
    for s in starts:
        a = s["argv"]
        check("--log-path" in a and "/joulebench-vm-" in a[a.index("--log-path") + 1],
              f"log: {a}")
        check(s["config"]["boot-source"]["kernel_image_path"].endswith("/vmlinux"), "kernel")
        check(s["config"]["machine-config"] == {"vcpu_count": 1, "mem_size_mib": 1769,
                                                "smt": False},
              f"machine-config {s['config']['machine-config']}")
        check(not os.path.exists(a[a.index("--config-file") + 1]), "a per-VM config file left")


def firecracker_steps(vmm):
    fetch_vmlinux()
    step_no_binary(vmm)
    if not shutil.which("qemu-system-x86_64"):
        skip("qemu-system-x86_64 not installed (the double boots in QEMU): apt-get install "
             "qemu-system-x86 (scripts/install-deps --drivers)")
    if not os.path.exists(os.path.join(GUEST, "vmlinuz")):
        skip(f"no guest kernel in {GUEST}: run scripts/fetch-guest-kernel")
    # The ELF vmlinux Firecracker loads: extracted from the cached bzImage (no download).
    p = subprocess.run([FETCH, GUEST], capture_output=True, text=True)
    if not os.path.exists(os.path.join(GUEST, "vmlinux")):
        skip(f"no vmlinux in {GUEST}: {p.stderr.strip()}")
    bindir = os.path.join(tmp, "bin")
    os.mkdir(bindir)
    os.symlink(FAKE, os.path.join(bindir, "firecracker"))
    vmm.env = dict(os.environ, PATH=bindir + ":" + os.environ["PATH"],
                   JOULEBENCH_FAKE_FIRECRACKER_TRACE=TRACE,
                   # The double boots under TCG (1-5 s here), not KVM (well under 1 s).
                   JOULEBENCH_MICROVM_PROBE_S="90")
    fake_strict()

    nodir = os.path.join(tmp, "guest")
    os.mkdir(nodir)
    shutil.copy(os.path.join(GUEST, "version"), nodir)
    step_refused(vmm, [([], {"JOULEBENCH_GUEST_DIR": "/nonexistent"}, ["fetch-guest-kernel"]),
                        (["--guest-dir", nodir], {}, ["vmlinux", "fetch-guest-kernel"]),
                        (["--accel", "tcg"], {}, ["KVM only"])])
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        step_refused(vmm, [([], {}, ["/dev/kvm"])])
        skip("no usable /dev/kvm: Firecracker (and its double) need KVM")

    def live_configs(proc):
        # The crashed VM's configuration is gone; the replacement's is there.
        return glob.glob(f"/tmp/joulebench-vm-{proc.pid}-*/vm-*.json")
    rows, crashed, live = step_crash(vmm, os.path.join(tmp, "crash.csv"), replaced=live_configs)
    after = [r for r in rows if r["phase"] == "warm" and r["status"] == "ok" and
             int(r["start_unix_ns"]) > int(crashed[0]["start_unix_ns"])]
    check(after and all(r["verified"] == "1" for r in after), "no verified rows from the new VM")
    check(live is not None and len(live) == 1, f"per-VM configs while running: {live}")
    starts = traced()
    check(len(starts) == 3, f"{len(starts)} starts: want the probe, the first VM and its "
          "replacement")
    check_starts(starts)

    # C, then a KVM guest that hangs (the double's hang mode): exit 77 with the reason once
    # the probe's deadline passes, after it reaped the killed harness's VM.
    killed = step_sigkill(vmm)
    t0 = time.time()
    p = run(["run", "-d", "microvm", "-o", os.path.join(tmp, "hang.csv")] + vmm.base,
            env=dict(vmm.env, JOULEBENCH_FAKE_FIRECRACKER_HANG="1", JOULEBENCH_MICROVM_PROBE_S="3"))
    check(p.returncode == 77 and "KVM only" in p.stderr and "did not boot" in p.stderr,
          f"hang: {p.returncode} {p.stderr}")
    check(time.time() - t0 < 30, f"hang took {time.time() - t0:.0f} s")
    check_reaped(killed, "the KVM-hang run")

    # D; the rung's run boots no VM beyond its probe and the instance its cold start made.
    os.unlink(TRACE)
    step_compare(vmm)
    starts = traced()
    check(len(starts) == 2, f"{len(starts)} starts, want the probe and the instance")
    check_starts(starts)
    print("ok")


TRACE = os.path.join(tmp, "trace.jsonl")
try:
    (qemu_steps if VMM is QEMU_VMM else firecracker_steps)(VMM)
finally:
    shutil.rmtree(tmp, ignore_errors=True)
