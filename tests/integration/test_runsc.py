# SPDX-License-Identifier: MIT
"""gVisor through the container driver (`--runtime runsc`), on the real runsc:
  1. a missing runsc is exit 77 naming runsc; a platform the installed runsc does not
     offer is exit 2 naming the ones it does;
  2. two co-located gVisor sandboxes, inspected while they run: the Sentry and the Gofer
     of each are in the container's cgroup (so its CPU time, which splits the window's
     energy, counts the isolation's own processes), with the Lambda quota; the sidecar
     records the platform; killing a sandbox is a `crashed` row and it is replaced;
     SIGTERM ends the run with every row written;
  3. a hang is a `timeout` row; an allocation beyond the memory limit is `oom-killed`;
after each: no sandbox, cgroup or bundle is left. Skipped (77) when not root or runsc is
not installed."""
import glob
import os
import shutil
import signal
import subprocess
import tempfile

from jbtest import JOULEBENCH, check, read_csv, read_meta, rows_so_far, run, skip, wait_for

tmp = tempfile.mkdtemp(prefix="jb-runsc-")
BASE = ["-m", "model", "--idle-s", "0.05", "--no-plot", "--runtime", "runsc"]

if os.geteuid() != 0:
    skip("the container driver needs root")
p = run(["run", "-d", "container", "--runtime", "/nonexistent/runsc", "-m", "model",
         "-o", os.path.join(tmp, "x.csv")])
check(p.returncode == 77 and "runsc" in p.stderr, f"missing runsc: {p.returncode} {p.stderr}")
if not shutil.which("runsc"):
    skip("runsc not installed: apt-get install runsc (scripts/install-deps --drivers)")
p = run(["run", "-d", "container", "--platform", "nosuch", "-o", os.path.join(tmp, "x.csv")]
        + BASE)
check(p.returncode == 2 and "ptrace" in p.stderr, f"bad platform: {p.returncode} {p.stderr}")
p = run(["run", "-d", "pinned", "--platform", "ptrace", "-o", os.path.join(tmp, "x.csv")])
check(p.returncode == 2, f"--platform on pinned: exit {p.returncode}")


def sandboxes(prefix):
    out = subprocess.run(["runsc", "list", "--quiet"], capture_output=True, text=True).stdout
    return [i for i in out.split() if i.startswith(prefix)]


def leftovers(prefix):
    left = [f"runsc: {i}" for i in sandboxes(prefix)]
    left += glob.glob(f"/sys/fs/cgroup/*/joulebench/{prefix}*")
    left += glob.glob(f"/sys/fs/cgroup/joulebench/{prefix}*")
    left += glob.glob(f"/tmp/joulebench-ctr-{prefix[3:]}*")
    return left


def cleanup(prefix):
    for i in sandboxes(prefix):
        subprocess.run(["runsc", "delete", "--force", i], capture_output=True)


# 2. Two co-located sandboxes.
out = os.path.join(tmp, "colo.csv")
proc = subprocess.Popen([JOULEBENCH, "run", "-d", "container", "-w", "matmul", "-s", "small",
                         "-c", "2", "-r", "100000", "--warmup", "0", "--min-window-s", "0.1",
                         "--cores", "0", "--memory-mb", "512", "--platform", "ptrace", "-o",
                         out] + BASE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
prefix = f"jb-{proc.pid}-"
try:
    wait_for(lambda: len(sandboxes(prefix)) >= 2 or proc.poll() is not None,
             "two gVisor sandboxes of the run at once (runsc list)", 60)
    ids = sandboxes(prefix)
    check(len(ids) >= 2, f"expected 2 sandboxes at once, saw {ids}")
    cg = f"/sys/fs/cgroup/cpuacct/joulebench/{ids[0]}"
    if not os.path.exists(cg):
        cg = f"/sys/fs/cgroup/joulebench/{ids[0]}"

    def argv0s():
        """argv[0] of each process in the sandbox's cgroup."""
        argv0 = set()
        for p_ in open(os.path.join(cg, "cgroup.procs")).read().split():
            try:
                argv0.add(open(f"/proc/{p_}/cmdline").read().split("\0")[0])
            except OSError:
                pass
        return argv0
    # The Sentry runs as "exe" re-executed from /proc/self/exe, argv0 runsc-sandbox;
    # the Gofer's argv0 is runsc-gofer (runsc/sandbox/sandbox.go, container.go). Both
    # join the cgroup as runsc starts them, after `runsc list` shows the sandbox.
    wait_for(lambda: {"runsc-sandbox", "runsc-gofer"} <= argv0s(),
             lambda: f"the Sentry and the Gofer in {cg}: {argv0s()}", 30)
    procs = open(os.path.join(cg, "cgroup.procs")).read().split()
    quota = f"/sys/fs/cgroup/cpu/joulebench/{ids[0]}/cpu.cfs_quota_us"
    if os.path.exists(quota):
        check(open(quota).read().strip() == "28943", "quota")
    pid = [p_ for p_ in procs if open(f"/proc/{p_}/cmdline").read().startswith("runsc-sandbox")][0]
    os.kill(int(pid), signal.SIGKILL)
    def crash_then_window():
        seen = rows_so_far(out)
        crash = [r for r in seen if r["status"] == "crashed"]
        return proc.poll() is not None or crash and any(
            int(r["rep"]) > int(crash[0]["rep"]) for r in seen if r["phase"] == "warm")
    wait_for(crash_then_window, "the crashed row and a window after it in the CSV", 60)
    check(proc.poll() is None, "the run ended when one sandbox died")
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    check(proc.returncode == 1, f"interrupted run exit {proc.returncode}: {err}")
finally:
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    cleanup(prefix)
rows = read_csv(out)
meta = read_meta(out)["driver"]
check(meta["runtime"] == "runsc" and "platform ptrace" in meta["runtime_version"],
      f"sidecar: {meta}")
check(any(r["status"] == "crashed" for r in rows), "no crashed row after killing a sandbox")
check(all(r["isolation"] == "gvisor-ptrace" for r in rows),
      f"rows' isolation: {sorted(set(r['isolation'] for r in rows))}")
warm = [r for r in rows if r["phase"] == "warm" and r["status"] == "ok"]
check(warm and all(r["energy_method"] == "window-split-by-cgroup-cpu-share" for r in warm),
      "energy method")
check(all(int(r["cpu_ns"]) > 0 for r in warm), "cgroup CPU time missing")
check(not leftovers(prefix), f"left behind: {leftovers(prefix)}")

# 3. A hang and an OOM kill inside the sandbox.
for name, args, status in (
        ("hang", ["-w", "matmul", "-s", "large", "--timeout-s", "0.05"], "timeout"),
        ("oom", ["-w", "float-ops", "-s", "large", "--memory-mb", "128"], "oom-killed")):
    out = os.path.join(tmp, name + ".csv")
    proc = subprocess.Popen([JOULEBENCH, "run", "-d", "container", "-r", "1", "--warmup", "0",
                             "-o", out] + args + BASE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    _, err = proc.communicate(timeout=120)
    prefix = f"jb-{proc.pid}-"
    cleanup(prefix)
    check(proc.returncode == 0, f"{name}: exit {proc.returncode}: {err}")
    rows = read_csv(out)
    check(any(r["status"] == status for r in rows),
          f"{name}: {[(r['status'], r['message']) for r in rows]}")
    check(not leftovers(prefix), f"left behind after {name}: {leftovers(prefix)}")
# 4. The ladder: pinned, runc and gVisor on one core; ratios with intervals for warm
# invocations and cold starts, the figure's data, a server CSV per isolation that
# `overhead --server-csv` reads.
pre = os.path.join(tmp, "lad")
p = run(["compare", "--drivers", "pinned,container:runc,container:runsc", "--platform", "ptrace",
         "-w", "sha256", "-s", "test", "-m", "model", "-r", "2", "--cold", "3", "--warmup", "1",
         "--idle-s", "0.05", "--min-window-s", "0.1", "--bootstrap", "200", "-o", pre])
check(p.returncode == 0, f"ladder: exit {p.returncode}: {p.stderr}")
blocks = p.stdout.split("\n\n")
for label in ("container-runc", "gvisor-ptrace"):
    b = [x for x in blocks if x.startswith(f"{label} vs pinned")]
    check(b, f"no block for {label}: {p.stdout}")
    rows = {ln.split()[0]: ln.split() for ln in b[0].splitlines()[2:] if ln.strip()}
    for metric in ("energy", "wall", "cold-energy", "cold-time"):
        check(metric in rows, f"{label}: no {metric} line: {b[0]}")
        ratio, lo, hi = (float(rows[metric][5]), float(rows[metric][6].strip("[,")),
                         float(rows[metric][7].strip("]")))
        check(ratio > 0 and lo <= hi, f"{label} {metric}: {ratio} [{lo}, {hi}]")
        # Three cold starts give a coarse interval; the warm ones must hold the ratio.
        check(lo <= ratio <= hi or metric.startswith("cold"),
              f"{label} {metric}: {ratio} outside [{lo}, {hi}]")
    check(os.path.exists(f"{pre}-server-{label}.csv"), f"server CSV of {label}")
dat = open(pre + "-ladder.dat").read().split("\n")
check(dat[1].startswith("container-runc ") and dat[2].startswith("gvisor-ptrace "), f"{dat}")
# Each server CSV holds the baseline's rows and that isolation's, nothing else.
srv = read_csv(f"{pre}-server-gvisor-ptrace.csv")
check({r["driver"] for r in srv} == {"pinned", "container"}, "server CSV drivers")
check(len(srv) == len(read_csv(pre + "-pinned.csv")) + len(read_csv(pre + "-container-runsc.csv")),
      "server CSV rows")
p = run(["compare", "--drivers", "pinned,container:runsc", "--platform", "nosuch", "-o",
         os.path.join(tmp, "bad")])
check(p.returncode == 2, f"ladder with a bad platform: exit {p.returncode}: {p.stderr}")
shutil.rmtree(tmp, ignore_errors=True)
print("ok")
