# SPDX-License-Identifier: MIT
"""The container driver with the real runc (or crun): while a co-located run is going, two
containers run at once; one function's process is inspected from the host (its pid, mount,
network, ipc, uts and cgroup namespaces differ from ours, its network namespace holds only
lo, its cgroup has the quota and memory limit asked for, no capabilities, noNewPrivileges)
and then killed, which must become a `crashed` row while the run goes on. SIGTERM ends the
run with every row written. A hung function is a `timeout` row. Nothing stays behind:
no runtime state, cgroups or bundles. Skipped (77) when not root or no runtime is found."""
import glob
import json
import os
import shutil
import signal
import subprocess
import tempfile

from jbtest import (JOULEBENCH, check, fail, read_csv, read_meta, rows_so_far, run, skip,
                    wait_for)

if os.geteuid() != 0:
    skip("the container driver needs root")
if not shutil.which("runc") and not shutil.which("crun"):
    skip("no OCI runtime (runc or crun) installed: scripts/install-deps installs runc")
tmp = tempfile.mkdtemp(prefix="jb-ctr-")
RUNTIMES = [x for x in ("runc", "crun") if shutil.which(x)]


def runtime_ids(prefix):
    ids = []
    for r in RUNTIMES:
        out = subprocess.run([r, "list", "-q"], capture_output=True, text=True).stdout
        ids += [(r, i) for i in out.split() if i.startswith(prefix)]
    return ids


def leftovers(prefix):
    left = [f"{r}: {i}" for r, i in runtime_ids(prefix)]
    left += glob.glob(f"/sys/fs/cgroup/*/joulebench/{prefix}*")
    left += glob.glob(f"/sys/fs/cgroup/joulebench/{prefix}*")
    left += glob.glob(f"/tmp/joulebench-ctr-{prefix[3:]}*")
    return left


def cleanup(prefix):
    for r, i in runtime_ids(prefix):
        subprocess.run([r, "delete", "--force", i], capture_output=True)


def cgroup_file(pid, controller, name):
    """Read a cgroup file of process PID (v1: per controller; v2: the unified path)."""
    with open(f"/proc/{pid}/cgroup") as f:
        lines = [ln.strip().split(":", 2) for ln in f]
    for _, ctrls, path in lines:
        if controller in ctrls.split(","):
            p = f"/sys/fs/cgroup/{controller}{path}/{name}"
            if os.path.exists(p):
                return open(p).read().strip()
    for _, ctrls, path in lines:
        if ctrls == "":
            p = f"/sys/fs/cgroup{path}/{name}"
            if os.path.exists(p):
                return open(p).read().strip()
    return None


# 1. A missing runtime is exit 77 with the reason.
p = run(["run", "-d", "container", "--runtime", "/nonexistent/runc", "-m", "model",
         "-o", os.path.join(tmp, "none.csv")])
check(p.returncode == 77, f"missing runtime: exit {p.returncode}: {p.stderr}")
check("not found" in p.stderr, f"missing runtime: no reason: {p.stderr}")

# 2. A co-located run of two instances, inspected while it runs.
out = os.path.join(tmp, "colo.csv")
args = [JOULEBENCH, "run", "-d", "container", "-w", "matmul", "-s", "small", "-c", "2",
        "-m", "model", "-r", "100000", "--warmup", "0", "--idle-s", "0.1",
        "--min-window-s", "0.1", "--cores", "0", "--memory-mb", "512", "-o", out, "--no-plot"]
proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
prefix = f"jb-{proc.pid}-"
try:
    wait_for(lambda: len(runtime_ids(prefix)) >= 2 or proc.poll() is not None,
             "two containers of the run at once (the runtime's list)", 60)
    ids = [i for _, i in runtime_ids(prefix)]
    check(len(ids) >= 2, f"expected 2 containers at once, saw {ids}")
    r0 = RUNTIMES[0] if runtime_ids(prefix)[0][0] == RUNTIMES[0] else RUNTIMES[-1]
    state = json.loads(subprocess.run([r0, "state", ids[0]], capture_output=True,
                                      text=True).stdout)
    pid = state["pid"]
    for ns in ("pid", "mnt", "net", "ipc", "uts", "cgroup"):
        inside = os.readlink(f"/proc/{pid}/ns/{ns}")
        outside = os.readlink(f"/proc/self/ns/{ns}")
        check(inside != outside, f"{ns} namespace is shared with the host: {inside}")
    with open(f"/proc/{pid}/net/dev") as f:
        ifaces = [ln.split(":")[0].strip() for ln in f.readlines()[2:]]
    check(ifaces == ["lo"], f"network interfaces in the container: {ifaces}")
    status = dict(ln.split(":", 1) for ln in open(f"/proc/{pid}/status").read().splitlines())
    check(int(status["CapEff"].strip(), 16) == 0, f"capabilities {status['CapEff']}")
    check(int(status["CapBnd"].strip(), 16) == 0, f"bounding set {status['CapBnd']}")
    check(status["NoNewPrivs"].strip() == "1", "noNewPrivileges not set")
    check(status["Uid"].split()[0] == "65534", f"uid {status['Uid']}")
    # 512 MB: quota = 100000 us x 512 / 1769 = 28943 us (1 vCPU per 1769 MB).
    quota = cgroup_file(pid, "cpu", "cpu.cfs_quota_us")
    if quota is not None:
        check(quota == "28943", f"cpu.cfs_quota_us {quota}")
        check(cgroup_file(pid, "memory", "memory.limit_in_bytes") == str(512 << 20),
              "memory limit")
        check(cgroup_file(pid, "cpuset", "cpuset.cpus") == "0", "cpuset")
    else:
        check(cgroup_file(pid, "cpu", "cpu.max") == "28943 100000", "cpu.max")
        check(cgroup_file(pid, "memory", "memory.max") == str(512 << 20), "memory.max")
    check(cgroup_file(pid, "pids", "pids.max") == "64", "pids.max")
    # 3. Kill the function: a crashed row, the instance replaced, the run goes on.
    os.kill(pid, signal.SIGKILL)
    # Rows are written per window: wait for the crash and a later window (a loaded CI
    # machine can take seconds), then stop the run.
    def crash_then_window():
        seen = rows_so_far(out)
        crash = [r for r in seen if r["status"] == "crashed"]
        return proc.poll() is not None or crash and any(
            int(r["rep"]) > int(crash[0]["rep"]) for r in seen if r["phase"] == "warm")
    wait_for(crash_then_window, "the crashed row and a window after it in the CSV", 60)
    check(proc.poll() is None, "the run ended when one function died")
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    check(proc.returncode == 1, f"interrupted run exit {proc.returncode}: {err}")
finally:
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    cleanup(prefix)

rows = read_csv(out)
meta = read_meta(out)
check(meta["ended"] == "interrupted", f"sidecar ended={meta['ended']}")
check(meta["driver"]["runtime"] in ("runc", "crun"), f"runtime {meta['driver']}")
check(meta["driver"]["runtime_version"], "no runtime version")
check(meta["driver"]["cpu_quota_us"] == 28943, "quota in the sidecar")
check({r["instance"] for r in rows} == {"0", "1"}, "rows of two instances")
check(all(r["concurrency"] == "2" for r in rows), "concurrency column")
crashed = [r for r in rows if r["status"] == "crashed"]
check(crashed, "no crashed row after killing a function")
check("killed by signal" in crashed[0]["message"] or "exited" in crashed[0]["message"],
      f"crash message {crashed[0]['message']}")
warm = [r for r in rows if r["phase"] == "warm" and r["status"] == "ok"]
check(warm, "no ok warm rows")
check(all(r["energy_method"] == "window-split-by-cgroup-cpu-share" for r in warm),
      "energy method")
check(all(int(r["cpu_ns"]) > 0 for r in warm), "cgroup CPU time missing")
after = [r for r in rows if int(r["start_unix_ns"]) > int(crashed[0]["start_unix_ns"])]
check(any(r["phase"] == "cold" and r["instance"] == crashed[0]["instance"] for r in after),
      "the crashed instance was not replaced")
check(any(r["status"] == "ok" for r in after if r["phase"] == "warm"), "run did not go on")
check(sum(r["phase"] == "teardown" for r in rows) >= 2, "teardown rows")
# Within a window the shares add up to the window's energy.
for rep in {r["rep"] for r in warm}:
    win = [r for r in rows if r["rep"] == rep and r["energy_j"]]
    tot = sum(float(r["energy_j"]) for r in win)
    check(abs(tot - float(win[0]["window_energy_j"])) <= 1e-6 * tot + 1e-9, f"shares {rep}")
check(not leftovers(prefix), f"left behind: {leftovers(prefix)}")

# 4. A function slower than --timeout-s: timeout rows; again nothing left.
out2 = os.path.join(tmp, "timeout.csv")
proc = subprocess.Popen([JOULEBENCH, "run", "-d", "container", "-w", "matmul", "-s", "large",
                         "--timeout-s", "0.01", "-m", "model", "-r", "1", "--warmup", "0",
                         "--idle-s", "0.05", "-o", out2, "--no-plot"],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
_, err = proc.communicate(timeout=60)
prefix = f"jb-{proc.pid}-"
cleanup(prefix)
check(proc.returncode == 0, f"timeout run exit {proc.returncode}: {err}")
rows = read_csv(out2)
check(any(r["status"] == "timeout" for r in rows), f"expected a timeout row: {rows[:1]}")
check(not leftovers(prefix), f"left behind after timeouts: {leftovers(prefix)}")

# 5. Poisson arrivals with a keep-alive shorter than the gaps: idle containers are
# retired (teardown rows that say so) and the next arrival starts a new one (cold rows).
out3 = os.path.join(tmp, "poisson.csv")
proc = subprocess.Popen([JOULEBENCH, "run", "-d", "container", "-w", "matmul", "-s", "test",
                         "-c", "2", "--rate", "30", "--keep-alive-s", "0.02", "-m", "model",
                         "-r", "2", "--warmup", "0", "--cold", "0", "--idle-s", "0.05",
                         "--min-window-s", "0.4", "-o", out3, "--no-plot"],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
_, err = proc.communicate(timeout=60)
prefix = f"jb-{proc.pid}-"
cleanup(prefix)
check(proc.returncode == 0, f"poisson run exit {proc.returncode}: {err}")
rows = read_csv(out3)
retired = [r for r in rows if r["phase"] == "teardown" and "keep-alive" in r["message"]]
check(retired, "no instance was retired by the keep-alive")
check(sum(r["phase"] == "cold" for r in rows) > len({r["instance"] for r in rows}),
      "retired instances were not started again")
check(read_meta(out3)["driver"]["rate_per_s"] == 30, "rate in the sidecar")
check(not leftovers(prefix), f"left behind after keep-alive: {leftovers(prefix)}")

# 6. An input larger than the memory limit: float-ops large holds 28 M doubles (224 MB)
# in a 128 MB container, so the kernel's OOM killer ends it while it prepares: an
# oom-killed row, read from the container's cgroup, and nothing left behind.
out4 = os.path.join(tmp, "oom.csv")
proc = subprocess.Popen([JOULEBENCH, "run", "-d", "container", "-w", "float-ops", "-s", "large",
                         "--memory-mb", "128", "-m", "model", "-r", "1", "--warmup", "0",
                         "--idle-s", "0.05", "-o", out4, "--no-plot"],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
_, err = proc.communicate(timeout=60)
prefix = f"jb-{proc.pid}-"
cleanup(prefix)
check(proc.returncode == 0, f"oom run exit {proc.returncode}: {err}")
rows = read_csv(out4)
check(rows and rows[0]["status"] == "oom-killed" and "128 MB" in rows[0]["message"],
      f"expected an oom-killed row: {[(r['status'], r['message']) for r in rows]}")
check(not leftovers(prefix), f"left behind after the OOM kill: {leftovers(prefix)}")

# 7. compare: pinned vs container on one core; ratios with bootstrap intervals.
p = run(["compare", "-w", "matmul", "-s", "test", "-m", "model", "-r", "2", "--warmup", "1",
         "--idle-s", "0.05", "--min-window-s", "0.1", "--bootstrap", "200",
         "-o", os.path.join(tmp, "cmp")])
check(p.returncode == 0, f"compare: exit {p.returncode}: {p.stderr}")
lines = {ln.split()[0]: ln.split() for ln in p.stdout.splitlines() if ln.strip()}
for metric in ("energy", "dynamic", "wall"):
    check(metric in lines, f"compare output lacks {metric}: {p.stdout}")
    ratio = float(lines[metric][5])
    lo, hi = float(lines[metric][6].strip("[,")), float(lines[metric][7].strip("]"))
    check(lo <= ratio <= hi or metric == "dynamic", f"{metric}: {ratio} outside [{lo}, {hi}]")
for name in ("cmp-pinned.csv", "cmp-container.csv"):
    check(os.path.exists(os.path.join(tmp, name)), f"{name} missing")
p = run(["compare", "--drivers", "pinned,nosuch", "-o", os.path.join(tmp, "cmp2")])
check(p.returncode == 2 and "nosuch" in p.stderr, f"compare bad driver: {p.returncode}")
shutil.rmtree(tmp, ignore_errors=True)
print("ok")
