# SPDX-License-Identifier: MIT
"""`--vmm firecracker` of the microvm driver, through tests/integration/fake_firecracker:
a test double that checks Firecracker v1.16.1's command-line and configuration contract
strictly and boots the guest in QEMU TCG (no real Firecracker can run here: not packaged
by Debian, and a nested KVM guest hangs). What this verifies: the command line and JSON
file the backend writes are accepted by that contract, the protocol round trip through the
guest booted from the ELF vmlinux, the labels, the crash row and VM replacement, the
bounded refusal of a KVM that hangs, cleanup. What it cannot: Firecracker's own device
model, KVM, and any figure of Firecracker's cost.
  0. scripts/fetch-guest-kernel's vmlinux from bzImages of gzip, xz, zstd and LZ4;
  1. the double is strict where Firecracker is (unknown field, missing section, no ELF);
  2. missing vmlinux and `--accel tcg` are exit 77 with the reason;
  3. verified rows through the guest; the sidecar records runtime `firecracker` and the
     double's version, rows' isolation `firecracker-kvm`; the run notes the double;
  4. a crash in the guest is a `crashed` row and the VM is replaced; SIGINT; no process,
     per-VM config file, cgroup or directory left; after a harness killed with SIGKILL,
     the next run reaps its VM and files;
  5. a KVM guest that hangs (the double's hang mode) is exit 77 within the probe deadline;
  6. compare takes a `microvm:firecracker` rung.
Skipped (77) without QEMU, the guest kernel, or /dev/kvm (which Firecracker, and so the
double, needs)."""
import glob
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

from jbtest import (JOULEBENCH, check, crashed_then, interrupt, read_csv, read_meta, rows_so_far,
                    run, skip, stop_if_running, vm_crash_rows, vm_leftovers, vm_processes_of,
                    wait_for)

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = os.path.join(HERE, "fake_firecracker")
FETCH = os.path.join(HERE, "..", "..", "scripts", "fetch-guest-kernel")
GUEST = os.environ.get("JOULEBENCH_GUEST_DIR") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "joulebench", "guest")
tmp = tempfile.mkdtemp(prefix="jb-fc-")
BASE = ["-m", "model", "--idle-s", "0.05", "--no-plot", "--vmm", "firecracker"]


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


def compressor(cmd):
    return lambda data: (subprocess.run(cmd, input=data, capture_output=True, check=True).stdout,
                         cmd[0] != "gzip")


# 0. scripts/fetch-guest-kernel writes vmlinux from a bzImage of each compression it knows.
tried = []
for cmd in (["gzip", "-9c"], ["xz", "--check=crc32", "-c"], ["zstd", "-qc"], ["lz4", "-lc"]):
    if not shutil.which(cmd[0]):
        continue
    tried.append(cmd[0])
    d = os.path.join(tmp, "bz-" + cmd[0])
    os.mkdir(d)
    elf = bzimage(compressor(cmd), os.path.join(d, "vmlinuz"))
    with open(os.path.join(d, "version"), "w") as f:
        f.write("linux-image-test 6.1.0-test\n")
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
TRACE = os.path.join(tmp, "trace.jsonl")
ENV = dict(os.environ, PATH=bindir + ":" + os.environ["PATH"], JOULEBENCH_FAKE_FIRECRACKER_TRACE=TRACE,
           # The double boots under TCG (1-5 s here), not KVM (well under 1 s).
           JOULEBENCH_MICROVM_PROBE_S="90")


def fake(args, config=None):
    """Run the double with ARGS (CONFIG written to a file for --config-file)."""
    if config is not None:
        path = os.path.join(tmp, "c.json")
        with open(path, "w") as f:
            f.write(config if isinstance(config, str) else json.dumps(config))
        args = args + ["--config-file", path]
    return subprocess.run([FAKE] + args, capture_output=True, text=True, timeout=30)


# 1. The double refuses what Firecracker refuses (before any boot).
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
p = fake(["--no-api", "--log-path", os.path.join(tmp, "l")], bad)
check(p.returncode == 1 and "unknown field `console`" in p.stderr, f"unknown field: {p.stderr}")
bad = {k: v for k, v in good.items() if k != "drives"}
p = fake(["--no-api", "--log-path", os.path.join(tmp, "l")], bad)
check(p.returncode == 1 and "missing field `drives`" in p.stderr, f"no drives: {p.stderr}")
bad = json.loads(json.dumps(good))
bad["machine-config"]["vcpu_count"] = 33
p = fake(["--no-api", "--log-path", os.path.join(tmp, "l")], bad)
check(p.returncode == 1 and "InvalidVcpuCount" in p.stderr, f"33 vCPUs: {p.stderr}")
# An unknown section is ignored (VmmConfig has no deny_unknown_fields): the file is taken,
# and the bzImage is refused only when the kernel is loaded (v1.16.1 loads ELF only).
bad = dict(json.loads(json.dumps(good)), **{"some-future-section": {"x": 1}})
bad["boot-source"]["kernel_image_path"] = os.path.join(GUEST, "vmlinuz")
p = fake(["--no-api", "--log-path", os.path.join(tmp, "l")], bad)
if os.access("/dev/kvm", os.R_OK | os.W_OK):
    check(p.returncode == 1 and "InvalidElfMagicNumber" in p.stderr, f"bzImage: {p.stderr}")
# Without --log-path, Firecracker logs to stdout (the reason the backend gives one).
p = fake(["--no-api", "--bogus"])
check("UnexpectedArgument" in p.stdout, f"log lines on stdout without --log-path: {p.stdout}")

# 2. A guest directory without vmlinux, and --accel tcg: exit 77 with the reason.
nodir = os.path.join(tmp, "guest")
os.mkdir(nodir)
shutil.copy(os.path.join(GUEST, "version"), nodir)
p = run(["run", "-d", "microvm", "--guest-dir", nodir, "-o", os.path.join(tmp, "x.csv")] + BASE,
        env=ENV)
check(p.returncode == 77 and "vmlinux" in p.stderr and "fetch-guest-kernel" in p.stderr,
      f"no vmlinux: {p.returncode} {p.stderr}")
p = run(["run", "-d", "microvm", "--accel", "tcg", "-o", os.path.join(tmp, "x.csv")] + BASE,
        env=ENV)
check(p.returncode == 77 and "KVM only" in p.stderr, f"--accel tcg: {p.returncode} {p.stderr}")
if not os.access("/dev/kvm", os.R_OK | os.W_OK):
    p = run(["run", "-d", "microvm", "-o", os.path.join(tmp, "x.csv")] + BASE, env=ENV)
    check(p.returncode == 77 and "/dev/kvm" in p.stderr, f"no KVM: {p.returncode} {p.stderr}")
    skip("no usable /dev/kvm: Firecracker (and its double) need KVM")


def traced():
    with open(TRACE) as f:
        return [json.loads(line) for line in f]


# 3. Verified rows through the guest, the labels, the double named in the sidecar.
out = os.path.join(tmp, "rt.csv")
p = run(["run", "-d", "microvm", "-w", "sha256", "-s", "test", "-r", "2", "--warmup", "1",
         "--min-window-s", "0.1", "-o", out] + BASE, env=ENV)
check(p.returncode == 0, f"round trip: exit {p.returncode}: {p.stderr}")
rows = read_csv(out)
warm = [r for r in rows if r["phase"] == "warm"]
check(warm and all(r["status"] in ("ok", "untrustworthy") and r["verified"] == "1"
                  for r in warm),
      f"warm rows: {[(r['status'], r['message']) for r in warm[:3]]}")
cold = [r for r in rows if r["phase"] == "cold"]
check(len(cold) == 1 and cold[0]["status"] in ("ok", "untrustworthy"), f"cold row: {cold}")
check(all(r["isolation"] == "firecracker-kvm" for r in rows),
      f"isolation: {sorted(set(r['isolation'] for r in rows))}")
meta = read_meta(out)["driver"]
check(meta["runtime"] == "firecracker", f"sidecar runtime {meta}")
check("test double on QEMU TCG" in meta["runtime_version"] and "accel kvm" in
      meta["runtime_version"], f"sidecar runtime_version {meta['runtime_version']}")
check(meta["runtime_path"].endswith("/firecracker"), f"runtime_path {meta['runtime_path']}")
check("test double" in p.stdout, f"no test-double note under the summary: {p.stdout}")
# Every start had its log on --log-path in the run directory and a JSON file there; the
# probe VM and the run's VM both booted from the ELF vmlinux.
starts = traced()
check(len(starts) == 2, f"{len(starts)} starts, want the probe and the instance")
for s in starts:
    a = s["argv"]
    check("--log-path" in a and "/joulebench-vm-" in a[a.index("--log-path") + 1], f"log: {a}")
    check(s["config"]["boot-source"]["kernel_image_path"].endswith("/vmlinux"), "kernel")
    check(s["config"]["machine-config"] == {"vcpu_count": 1, "mem_size_mib": 1769, "smt": False},
          f"machine-config {s['config']['machine-config']}")
    check(not os.path.exists(a[a.index("--config-file") + 1]), "config file left")

# 4. A crash in the guest (the runner killed 3 s after it started, by the guest's clock),
# the VM replaced; SIGINT.
os.unlink(TRACE)
out = os.path.join(tmp, "crash.csv")
proc = subprocess.Popen([JOULEBENCH, "run", "-d", "microvm", "-w", "matmul", "-s", "test",
                         "-r", "100000", "--warmup", "0", "--min-window-s", "0.2",
                         "--memory-mb", "512", "-o", out] + BASE,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                        env=dict(ENV, JOULEBENCH_MICROVM_FAULT="kill:3000"))
live_json = None
try:
    # One instance is replaced unmetered (protocol/single.c): the new VM answers.
    wait_for(lambda: crashed_then(out, proc, "ok"),
             "a crashed row and an ok warm row of the replacement VM", 120)
    if proc.poll() is None:
        # The crashed VM's configuration is gone; the replacement's is there.
        live_json = glob.glob(f"/tmp/joulebench-vm-{proc.pid}-*/vm-*.json")
    interrupt(proc, signal.SIGINT, (1, 130))
finally:
    stop_if_running(proc)
rows, crashed = vm_crash_rows(out)
check(all(r["isolation"] == "firecracker-kvm" for r in rows), "isolation after the crash")
after = [r for r in rows if r["phase"] == "warm" and r["status"] == "ok" and
         int(r["start_unix_ns"]) > int(crashed[0]["start_unix_ns"])]
check(after and all(r["verified"] == "1" for r in after), "no verified rows from the new VM")
check(live_json is not None and len(live_json) == 1, f"per-VM configs while running: {live_json}")
configs = [s["argv"][s["argv"].index("--config-file") + 1] for s in traced()]
check(len(configs) >= 3, f"starts: {configs}")  # probe, first VM, replacement
check(not any(os.path.exists(c) for c in configs), "a per-VM config file was left")
check(not vm_leftovers(proc.pid), f"left behind after SIGINT: {vm_leftovers(proc.pid)}")

# 4b. A harness killed with SIGKILL leaves its VM behind; the next run reaps it (its
# cgroup, or the run directory on a `firecracker` command line) and removes its files.
out = os.path.join(tmp, "killed.csv")
proc = subprocess.Popen([JOULEBENCH, "run", "-d", "microvm", "-w", "matmul", "-s", "test",
                         "-r", "100000", "--warmup", "0", "-o", out] + BASE,
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
try:
    wait_for(lambda: proc.poll() is not None or any(r["phase"] == "warm" for r in
                                                    rows_so_far(out)),
             "the run's first warm window", 120)
    check(proc.poll() is None and vm_processes_of(proc.pid), "no running VM to leave behind")
finally:
    proc.kill()
    proc.wait()
check(vm_processes_of(proc.pid), "the VM did not outlive its harness (nothing to reap)")
p = run(["run", "-d", "microvm", "--accel", "tcg", "-o", os.path.join(tmp, "x.csv")] + BASE,
        env=ENV)
check(p.returncode == 77, f"reaping run: {p.returncode} {p.stderr}")
check(not vm_leftovers(proc.pid), f"left behind by a killed harness: {vm_leftovers(proc.pid)}")

# 5. A KVM guest that hangs: exit 77 with the reason once the probe's deadline passes.
t0 = time.time()
p = run(["run", "-d", "microvm", "-o", os.path.join(tmp, "hang.csv")] + BASE,
        env=dict(ENV, JOULEBENCH_FAKE_FIRECRACKER_HANG="1", JOULEBENCH_MICROVM_PROBE_S="3"))
check(p.returncode == 77 and "KVM only" in p.stderr and "did not boot" in p.stderr,
      f"hang: {p.returncode} {p.stderr}")
check(time.time() - t0 < 30, f"hang took {time.time() - t0:.0f} s")

# 6. compare with a Firecracker rung. Three windows, as in test_microvm.py: compare's ratios
# rest on ok windows, and a lone first window sized from one fast warmup invocation can come
# out shorter than the minimum on a loaded machine (flagged, counted out: "no ok warm window").
pre = os.path.join(tmp, "lad")
p = run(["compare", "--drivers", "pinned,microvm:firecracker", "-w", "sha256", "-s", "test",
         "-m", "model", "-r", "3", "--cold", "1", "--warmup", "1", "--idle-s", "0.05",
         "--min-window-s", "0.1", "--bootstrap", "200", "-o", pre], env=ENV)
check(p.returncode == 0, f"compare: exit {p.returncode}: {p.stderr}")
check("firecracker-kvm vs pinned" in p.stdout and "test double" in p.stdout,
      f"compare output: {p.stdout}")
check(os.path.exists(pre + "-server-firecracker-kvm.csv"), "server CSV of the Firecracker rung")
shutil.rmtree(tmp, ignore_errors=True)
print("ok")
