# SPDX-License-Identifier: MIT
"""The `load` benchmark (issue 9): co-location at 4x the core count for several minutes
(JB_LOAD_SECONDS, default 180) with the container driver, then the machine must hold the
same number of processes, open files, containers, joulebench cgroups and bundles as
before, and about the same available memory; joulebench's own descriptor count must not
grow during the run. Needs root and an OCI runtime (skipped with the reason otherwise).
Goal: nothing left behind and no descriptor growth; any miss exits 1. What is attributable
to this run always counts: containers, cgroups, bundles, joulebench's own descriptors, and
processes of ours (joulebench, joulebench-fn, runc, crun) started during the run and left
orphaned after it. The machine-wide counts (processes, open files, memory) also count
other users' work; JB_SHARED_MACHINE=1 (a machine others are using) reports them without
failing on them (containers, cgroups and bundles of other runs among them).
JB_BENCH_SHORT=1 (CI's short form): 10 s unless JB_LOAD_SECONDS says otherwise."""
import csv
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

JOULEBENCH = os.environ["JOULEBENCH"]
SHORT = os.environ.get("JB_BENCH_SHORT") == "1"
SHARED = os.environ.get("JB_SHARED_MACHINE") == "1"
OURS = ("joulebench", "joulebench-fn", "runc", "crun")
SECONDS = int(os.environ.get("JB_LOAD_SECONDS", "10" if SHORT else "180"))


def skip(why):
    print(f"SKIP: {why}")
    sys.exit(77)


def fail(why):
    print(f"FAIL: {why}")
    sys.exit(1)


if os.geteuid() != 0:
    skip("the container driver needs root")
runtimes = [r for r in ("runc", "crun") if shutil.which(r)]
if not runtimes:
    skip("no OCI runtime installed")


def snapshot():
    procs = len([p for p in os.listdir("/proc") if p.isdigit()])
    files = int(open("/proc/sys/fs/file-nr").read().split()[0])
    ctrs = sum(len(subprocess.run([r, "list", "-q"], capture_output=True, text=True)
                   .stdout.split()) for r in runtimes)
    cgroups = len([d for d in glob.glob("/sys/fs/cgroup/*/joulebench/*") +
                   glob.glob("/sys/fs/cgroup/joulebench/*") if os.path.isdir(d)])
    bundles = len(glob.glob("/tmp/joulebench-ctr-*"))
    mem_kb = next(int(l.split()[1]) for l in open("/proc/meminfo")
                  if l.startswith("MemAvailable:"))
    return {"processes": procs, "open files": files, "containers": ctrs,
            "cgroups": cgroups, "bundles": bundles, "MemAvailable kB": mem_kb}


def boot_ticks():
    """Now, in the clock ticks /proc/PID/stat counts process start times in."""
    return float(open("/proc/uptime").read().split()[0]) * os.sysconf("SC_CLK_TCK")


def orphans_since(tick):
    """Processes of ours started at or after TICK whose parent is now init: left behind."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = open(f"/proc/{pid}/stat").read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        rest = stat[stat.rindex(")") + 2:].split()
        if (comm in OURS or comm.startswith("runc:")) and rest[1] == "1" \
                and int(rest[19]) >= tick:
            found.append(f"{pid} {comm}")
    return found


conc = 4 * (os.cpu_count() or 1)
tmp = tempfile.mkdtemp(prefix="jb-load-")
out = os.path.join(tmp, "load.csv")
before = snapshot()
start_tick = boot_ticks() - 1
# Windows of at least 1 s; co-located, one lasts until every instance has done its batch:
# about 2.5 s each here (120 windows took 325 s), so SECONDS x 2/5 windows last about
# SECONDS.
args = [JOULEBENCH, "run", "-d", "container", "-c", str(conc), "-w",
        "matmul,json,sha256,compress,html,bfs", "-s", "test", "-m", "model",
        "-r", str(max(2, SECONDS * 2 // 5)), "--min-window-s", "1", "--idle-s", "1", "--no-plot", "-q",
        "-o", out]
print(f"load: {conc} containers on {os.cpu_count()} cores for about {SECONDS} s")
proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
fds = []


def watch():
    while proc.poll() is None:
        try:
            fds.append(len(os.listdir(f"/proc/{proc.pid}/fd")))
        except OSError:
            pass
        time.sleep(5)


t = threading.Thread(target=watch, daemon=True)
t.start()
_, err = proc.communicate(timeout=SECONDS * 4 + 300)
t.join()
if proc.returncode != 0:
    fail(f"joulebench exited {proc.returncode}: {err}")
time.sleep(2)
after = snapshot()
# Streamed: 120 s of eight instances write over a million rows (1.6 GB as a list of dicts).
by_status, instances, n_rows = {}, set(), 0
with open(out, newline="") as f:
    for r in csv.DictReader(f):
        n_rows += 1
        by_status[r["status"]] = by_status.get(r["status"], 0) + 1
        instances.add(r["instance"])
print(f"rows: {n_rows} {by_status}; instances seen: {len(instances)}")
print(f"joulebench descriptors during the run (every 5 s): min {min(fds)}, max {max(fds)}")
steady = fds[2:-1] or fds
if max(steady) - min(steady) > 2:
    fail(f"joulebench's descriptors grew during the run: {steady}")
for k in before:
    print(f"{k:16} before {before[k]:>10} after {after[k]:>10}")
# Ours by name: container ids and cgroups jb-<joulebench pid>-N, bundles
# joulebench-ctr-<pid>-XXXXXX (drivers/container.c), whoever else is running containers.
tag = f"jb-{proc.pid}-"
ours = {"containers": [i for r in runtimes for i in subprocess.run(
            [r, "list", "-q"], capture_output=True, text=True).stdout.split()
            if i.startswith(tag)],
        "cgroups": [d for d in glob.glob("/sys/fs/cgroup/*/joulebench/*")
                    + glob.glob("/sys/fs/cgroup/joulebench/*")
                    if os.path.basename(d).startswith(tag)],
        "bundles": glob.glob(f"/tmp/joulebench-ctr-{proc.pid}-*")}
for k, v in ours.items():
    if v:
        fail(f"{k} of this run left behind: {v}")
left = orphans_since(start_tick)
print(f"processes of ours started during the run and orphaned: {left or 'none'}")
if left:
    fail(f"processes left behind: {left}")
# Machine-wide counts: a small slack for other sessions' processes; on a machine others
# are using (JB_SHARED_MACHINE=1) they are reported, not judged.
wide = [f"{k}: {before[k]} -> {after[k]}" for k in ("containers", "cgroups", "bundles")
        if after[k] != before[k]]
if after["processes"] > before["processes"] + 5:
    wide.append(f"processes: {before['processes']} -> {after['processes']}")
if after["open files"] > before["open files"] + 64:
    wide.append(f"open files: {before['open files']} -> {after['open files']}")
if after["MemAvailable kB"] < before["MemAvailable kB"] - 100 * 1024:
    wide.append("more than 100 MiB of memory did not come back")
if wide and SHARED:
    print(f"machine-wide changes not judged (JB_SHARED_MACHINE=1): {'; '.join(wide)}")
elif wide:
    fail("; ".join(wide))
print("goal (nothing left behind, joulebench's descriptors steady): met")
print("ok")
