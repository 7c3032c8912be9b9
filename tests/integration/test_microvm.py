# SPDX-License-Identifier: MIT
"""The microvm driver with the real QEMU (TCG: KVM does not boot nested guests here):
  1. a missing QEMU, a missing guest kernel and --vmm firecracker without a firecracker
     binary are exit 77 with the reason and what to install;
  2. two co-located microVMs, inspected while they run (two QEMUs, each in a cgroup of its
     own with the Lambda quota), their energy split by the cgroups' CPU time; a runner
     killed inside the guest (the guest init's jb.fault hook) is a `crashed` row and the
     VM is replaced; SIGINT ends the run with every row written; the same guests carry
     the protocol round trip: verified rows, the sidecar names QEMU, the guest kernel and
     the accelerator;
  3. a hang inside the guest is a `timeout` row; an allocation beyond the VM's memory is
     an `oom-killed` row (the guest kernel's OOM kill, reported by the guest init); the
     TCG note under the summary;
after each: no QEMU, cgroup or temporary file is left. Skipped (77) when QEMU or the
guest kernel (scripts/fetch-guest-kernel) is missing. JB_TEST_ARCH names the architecture
of the joulebench under test when it is not this machine's: scripts/cross-check runs this
test on the aarch64 build under qemu-user (JOULEBENCH a wrapper), whose driver boots an
arm64 guest in QEMU's virt machine; step 4 is then left out (compare's pinned rung would
start the aarch64 runner on this host, which needs binfmt_misc)."""
import glob
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile

from jbtest import (JOULEBENCH, check, crashed_then, hang_and_oom, interrupt, read_meta, run,
                    skip, stop_if_running, vm_crash_rows, vm_leftovers, wait_for)

GUEST = os.environ.get("JOULEBENCH_GUEST_DIR") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "joulebench", "guest")
ARCH = os.environ.get("JB_TEST_ARCH") or platform.machine()
# The QEMU binary and its Debian package per host architecture (drivers/microvm_qemu.c);
# another host has no machine at all.
QEMU, QEMU_PKG = {"x86_64": ("qemu-system-x86_64", "qemu-system-x86"),
                  "aarch64": ("qemu-system-aarch64", "qemu-system-arm")}.get(ARCH, (None, None))
tmp = tempfile.mkdtemp(prefix="jb-vm-")
BASE = ["-m", "model", "--idle-s", "0.05", "--no-plot", "--accel", "tcg"]

# 1. What is missing is exit 77 with the package or command that provides it.
p = run(["run", "-d", "microvm", "-o", os.path.join(tmp, "x.csv")] + BASE,
        env=dict(os.environ, PATH="/nonexistent"))
check(p.returncode == 77 and (f"apt-get install {QEMU_PKG} " in p.stderr if QEMU else
                              f"no QEMU machine for a {ARCH} host" in p.stderr),
      f"no qemu: {p.returncode} {p.stderr}")
if not shutil.which("firecracker"):
    p = run(["run", "-d", "microvm", "--vmm", "firecracker", "-o", os.path.join(tmp, "x.csv")]
            + BASE)
    check(p.returncode == 77 and "firecracker" in p.stderr, f"no firecracker: {p.stderr}")
p = run(["run", "-d", "pinned", "--accel", "tcg", "-o", os.path.join(tmp, "x.csv")])
check(p.returncode == 2, f"--accel on pinned: exit {p.returncode}")
if not QEMU:
    skip(f"no QEMU machine for a {ARCH} host (x86_64 and aarch64 only)")
if not shutil.which(QEMU):
    skip(f"{QEMU} not installed: apt-get install {QEMU_PKG} (scripts/install-deps --drivers)")
p = run(["run", "-d", "microvm", "-o", os.path.join(tmp, "x.csv")] + BASE,
        env=dict(os.environ, JOULEBENCH_GUEST_DIR="/nonexistent"))
check(p.returncode == 77 and "fetch-guest-kernel" in p.stderr, f"no kernel: {p.returncode} {p.stderr}")
# A guest kernel of the other architecture (a cache filled with --arch): 77, not a QEMU
# that says nothing useful.
other = "amd64" if ARCH == "aarch64" else "arm64"
mine = "arm64" if other == "amd64" else "amd64"
wrong = os.path.join(tmp, "wrong-guest")
os.mkdir(wrong)
open(os.path.join(wrong, "vmlinuz"), "w").close()
with open(os.path.join(wrong, "version"), "w") as f:
    f.write(f"linux-image-6.1.0-1-cloud-{other} 6.1.0-1-cloud-{other}\n")
p = run(["run", "-d", "microvm", "--guest-dir", wrong, "-o", os.path.join(tmp, "x.csv")] + BASE)
check(p.returncode == 77 and f"fetch-guest-kernel --arch {mine}" in p.stderr,
      f"guest of another arch: {p.returncode} {p.stderr}")

if not os.path.exists(os.path.join(GUEST, "vmlinuz")):
    skip(f"no guest kernel in {GUEST}: run scripts/fetch-guest-kernel")


# 2. Two co-located VMs with a crash inside each guest 6 s after its runner started (the
# VMs share one core, each under the quota of 512 MB: 29% of a core), then SIGINT. The
# same guests carry the protocol round trip, with --accel auto: KVM when a KVM guest boots
# within its deadline, else TCG (on nested VMs whose KVM guests hang, after 8 s). (One run
# for both: under TCG each guest's boot is most of a case's time.)
out = os.path.join(tmp, "colo.csv")
env = dict(os.environ, JOULEBENCH_MICROVM_FAULT="kill:6000")
proc = subprocess.Popen([JOULEBENCH, "run", "-d", "microvm", "-w", "matmul", "-s", "test",
                         "-c", "2", "-r", "100000", "--warmup", "0", "--min-window-s", "0.2",
                         "--cores", "0", "--memory-mb", "512", "-o", out] + BASE[:-1]
                        + ["auto"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                        env=env)
try:
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
            check(open(os.path.join(c, "cpu.cfs_quota_us")).read().strip() == "28943", "quota")
        else:
            check(open(os.path.join(c, "cpu.max")).read().split()[0] == "28943", "cpu.max")
    wait_for(lambda: crashed_then(out, proc, "cold"),
             "a crashed row and the cold start of its replacement VM", 120)
    interrupt(proc, signal.SIGINT, (1, 130))
finally:
    stop_if_running(proc)
rows, crashed = vm_crash_rows(out)
# The round trip: verified rows, the guest's clock, the sidecar names QEMU, the guest kernel
# and the accelerator.
done = [r for r in rows if r["phase"] in ("cold", "warm") and r["status"] in ("ok",
                                                                             "untrustworthy")]
warm = [r for r in done if r["phase"] == "warm"]
check(warm, f"no ok warm rows: {[(r['status'], r['message']) for r in rows[:3]]}")
check(all(r["verified"] == "1" for r in warm), "checksums not verified inside the VM")
check(all(int(r["wall_ns"]) > 0 for r in warm), "guest wall time missing")
# The guest keeps a fine clocksource (under TCG, the TSC at the rate the driver measured):
# wall times are not 4 ms jiffies.
check(any(int(r["wall_ns"]) % 4000000 not in (0, 250) for r in warm), "jiffies clock in guest")
check(sum(r["phase"] == "cold" for r in done) >= 2, "no ok cold rows of the two VMs")
meta = read_meta(out)["driver"]
check(meta["runtime"] == "qemu-microvm" and meta["runtime_path"].endswith("/" + QEMU),
      f"sidecar runtime {meta}")
check(("accel tcg" in meta["runtime_version"] or "accel kvm" in meta["runtime_version"])
      and "guest" in meta["runtime_version"], f"sidecar runtime_version {meta['runtime_version']}")
check(meta["memory_mb"] == 512, "memory in the sidecar")
accel = "tcg" if "accel tcg" in meta["runtime_version"] else "kvm"
check(all(r["isolation"] == "microvm-" + accel for r in rows),
      f"rows' isolation: {sorted(set(r['isolation'] for r in rows))}, want microvm-{accel}")
check({r["instance"] for r in rows} >= {"0", "1"}, "rows of two instances")
warm = [r for r in rows if r["phase"] == "warm" and r["energy_j"]]
check(warm, "no warm rows with energy")
check(all(r["energy_method"].startswith("window-split-by") for r in warm), "split method")
check(all(int(r["cpu_ns"]) > 0 for r in warm if r["status"] == "ok"), "VM CPU time missing")
for rep in {r["rep"] for r in warm}:
    # Cold starts inside a window (a replaced VM) take their share of it too.
    win = [r for r in rows if r["rep"] == rep and r["phase"] in ("warm", "cold")
           and r["energy_j"] and r["window_energy_j"] == [w for w in warm
                                                          if w["rep"] == rep][0]["window_energy_j"]]
    tot = sum(float(r["energy_j"]) for r in win)
    check(abs(tot - float(win[0]["window_energy_j"])) <= 1e-6 * tot + 1e-9, f"shares {rep}")
check(read_meta(out)["ended"] == "interrupted", "sidecar ended")
check(not vm_leftovers(proc.pid), f"left behind after SIGINT: {vm_leftovers(proc.pid)}")

# 3. A hang (a slower invocation than --timeout-s) and an OOM kill inside the guest; under
# TCG the run says its figures are emulation.
def hang_oom_left(name, proc, stdout):
    check("emulation, not a microVM's isolation cost" in stdout, f"{name}: no TCG note: {stdout}")
    check(not vm_leftovers(proc.pid), f"left behind after {name}: {vm_leftovers(proc.pid)}")


hang_and_oom("microvm", BASE, tmp, 180, hang_oom_left, "no reply")

if ARCH != platform.machine():
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"ok ({ARCH} build: steps 1-3; step 4, compare with pinned, needs an {ARCH} host)")
    sys.exit(0)

# 4. compare with a microVM rung: named by its accelerator, the TCG caveat printed. Three
# windows: compare's ratios rest on ok windows, and a first window sized from a slow warmup
# can come out shorter than the minimum (flagged, counted out).
pre = os.path.join(tmp, "lad")
p = run(["compare", "--drivers", "pinned,microvm:tcg", "-w", "sha256", "-s", "test", "-m",
         "model", "-r", "3", "--cold", "2", "--warmup", "1", "--idle-s", "0.05",
         "--min-window-s", "0.1", "--bootstrap", "200", "-o", pre])
check(p.returncode == 0, f"compare: exit {p.returncode}: {p.stderr}")
check("microvm-tcg vs pinned" in p.stdout and "emulation, not isolation" in p.stdout,
      f"compare output: {p.stdout}")
check("cold-time" in p.stdout and os.path.exists(pre + "-server-microvm-tcg.csv"),
      "cold-start line or server CSV missing")
shutil.rmtree(tmp, ignore_errors=True)
print("ok")
