# SPDX-License-Identifier: MIT
"""The container driver on a real OCI runtime, one per run of this file: `runc` (the
runtime picked when none is named: runc, or crun where it runs as installed), `crun`
(`--runtime crun`: on a hybrid cgroup host in its v1 view, drivers/crun.c) or `runsc`
(gVisor, `--runtime runsc`). Shared steps:
  1. a missing runtime is exit 77 naming it (runsc: a platform the installed runsc does not
     offer is exit 2 naming the ones it does; --platform on pinned is exit 2);
  2. two co-located instances, inspected from the host while they run (runc: the
     function's pid, mount, network, ipc, uts and cgroup namespaces differ from ours, its
     network namespace holds only lo, no capabilities, noNewPrivileges, the quota, memory
     and pids limits; runsc: the Sentry and the Gofer are in the container's cgroup, so its
     CPU time, which splits the window's energy, counts the isolation's own processes);
     the function (runc) or the sandbox (runsc) killed is a `crashed` row, the instance is
     replaced and the run goes on; SIGTERM ends it with every row written, the shares of
     a window add up to it;
  3. a hang is a `timeout` row; an input beyond the memory limit is `oom-killed`;
after each: no runtime state, cgroup or bundle is left. Then per runtime: runc, idle
containers retired by the keep-alive under Poisson arrivals, and compare pinned vs
container; runsc, a run beside another run's close (which removes the shared cpuset parent once
empty) and a stale hold removed, then the ladder (pinned, runc and gVisor) through compare; crun, a crun that
refuses the host (a stand-in printing crun's own hybrid-mode refusal) is exit 77 with its
reason in one line. Skipped (77) when not root or the runtime is not installed, and for
crun when the real crun refuses this host (the reason is joulebench's one line)."""
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from jbtest import (JOULEBENCH, check, crashed_then, hang_and_oom, interrupt, read_csv, read_meta,
                    run, skip, stop_if_running, wait_for)

RT = sys.argv[1] if len(sys.argv) > 1 else "runc"
if RT not in ("runc", "runsc", "crun"):
    print(f"usage: {sys.argv[0]} runc|runsc|crun", file=sys.stderr)
    sys.exit(2)
GVISOR = RT == "runsc"
CRUN = RT == "crun"
tmp = tempfile.mkdtemp(prefix=f"jb-{RT}-")
BASE = ["-m", "model", "--idle-s", "0.05", "--no-plot"] + (["--runtime", RT] if RT != "runc"
                                                           else [])

if os.geteuid() != 0:
    skip("the container driver needs root")
# 1. A missing runtime is exit 77 with the reason.
p = run(["run", "-d", "container", "--runtime", f"/nonexistent/{RT}", "-m", "model",
         "-o", os.path.join(tmp, "none.csv")])
check(p.returncode == 77 and RT in p.stderr, f"missing {RT}: exit {p.returncode}: {p.stderr}")
check(GVISOR or "not found" in p.stderr, f"missing runtime: no reason: {p.stderr}")
if GVISOR:
    RUNTIMES = ["runsc"] if shutil.which("runsc") else []
    if not RUNTIMES:
        skip("runsc not installed: apt-get install runsc (scripts/install-deps --drivers)")
    p = run(["run", "-d", "container", "--platform", "nosuch", "-o",
             os.path.join(tmp, "x.csv")] + BASE)
    check(p.returncode == 2 and "ptrace" in p.stderr, f"bad platform: {p.returncode} {p.stderr}")
    p = run(["run", "-d", "pinned", "--platform", "ptrace", "-o", os.path.join(tmp, "x.csv")])
    check(p.returncode == 2, f"--platform on pinned: exit {p.returncode}")
    BASE += ["--platform", "ptrace"]
elif CRUN:
    RUNTIMES = ["crun"] if shutil.which("crun") else []
    if not RUNTIMES:
        skip("crun not installed: apt-get install crun (scripts/install-deps --drivers)")
    # A crun that refuses the host: exit 77, its own reason in one line.
    fake = os.path.join(tmp, "fake", "crun")
    os.makedirs(os.path.dirname(fake))
    with open(fake, "w") as f:
        f.write('#!/bin/sh\ncase "$1" in\n--version) echo "crun version 1.8.1";;\n'
                'run) echo "cgroups in hybrid mode not supported, drop all controllers from '
                'cgroupv2" >&2; exit 1;;\nesac\nexit 0\n')
    os.chmod(fake, 0o755)
    p = run(["run", "-d", "container", "--runtime", fake, "-w", "sha256", "-s", "test",
             "-o", os.path.join(tmp, "refused.csv")] + BASE[:-2])
    lines = p.stderr.strip().splitlines()
    check(p.returncode == 77 and len(lines) == 1 and
          "cgroups in hybrid mode not supported" in lines[0],
          f"refusing crun: exit {p.returncode}, want 77 and one line: {p.stderr!r}")
    # The real one: measured here, or skipped with joulebench's reason where it refuses.
    p = run(["run", "-d", "container", "-w", "sha256", "-s", "test", "-r", "1", "-o",
             os.path.join(tmp, "probe.csv")] + BASE)
    if p.returncode == 77:
        skip(p.stderr.strip())
    check(p.returncode == 0, f"crun: exit {p.returncode}: {p.stderr}")
else:
    RUNTIMES = [x for x in ("runc", "crun") if shutil.which(x)]
    if not RUNTIMES:
        skip("no OCI runtime (runc or crun) installed: scripts/install-deps installs runc")


def runtime_ids(prefix):
    ids = []
    for r in RUNTIMES:
        # runsc's flags are Go's: -quiet or --quiet, no -q.
        out = subprocess.run([r, "list", "--quiet" if r == "runsc" else "-q"],
                             capture_output=True, text=True).stdout
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


def function_inspected(prefix, ids):
    """runc: the function's process seen from the host, isolated as the bundle asks; its
    pid, to kill."""
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
    return pid


def sandbox_inspected(prefix, ids):
    """runsc: the Sentry and the Gofer in the container's cgroup, under the quota; the
    Sentry's pid, to kill."""
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
    return int([p_ for p_ in procs
                if open(f"/proc/{p_}/cmdline").read().startswith("runsc-sandbox")][0])


# 2. A co-located run of two instances, inspected while it runs.
out = os.path.join(tmp, "colo.csv")
proc = subprocess.Popen([JOULEBENCH, "run", "-d", "container", "-w", "matmul", "-s", "small",
                         "-c", "2", "-r", "100000", "--warmup", "0", "--min-window-s", "0.1",
                         "--cores", "0", "--memory-mb", "512", "-o", out] + BASE,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
prefix = f"jb-{proc.pid}-"
try:
    wait_for(lambda: len(runtime_ids(prefix)) >= 2 or proc.poll() is not None,
             "two containers of the run at once (the runtime's list)", 60)
    ids = [i for _, i in runtime_ids(prefix)]
    check(len(ids) >= 2, f"expected 2 containers at once, saw {ids}")
    pid = sandbox_inspected(prefix, ids) if GVISOR else function_inspected(prefix, ids)
    # Kill it: a crashed row, the instance replaced, the run goes on. Rows are written
    # per window: wait for the crash and a later window (a loaded CI machine can take
    # seconds), then stop the run.
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: crashed_then(out, proc, "window"),
             "the crashed row and a window after it in the CSV", 60)
    interrupt(proc, signal.SIGTERM, (1,))
finally:
    stop_if_running(proc)
    cleanup(prefix)

rows = read_csv(out)
meta = read_meta(out)
check(meta["ended"] == "interrupted", f"sidecar ended={meta['ended']}")
if GVISOR:
    check(meta["driver"]["runtime"] == "runsc" and
          "platform ptrace" in meta["driver"]["runtime_version"], f"sidecar: {meta['driver']}")
    check(all(r["isolation"] == "gvisor-ptrace" for r in rows),
          f"rows' isolation: {sorted(set(r['isolation'] for r in rows))}")
else:
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


# 3. A function slower than --timeout-s, and an input larger than the memory limit, killed
# while it prepares (runc: the kernel's OOM killer, read from the cgroup; gVisor: the
# Sentry ends the sandbox at the limit, read from the limit's hit counter).
def hang_oom_left(name, proc, _):
    prefix = f"jb-{proc.pid}-"
    cleanup(prefix)
    check(not leftovers(prefix), f"left behind after {name}: {leftovers(prefix)}")


hang_and_oom("container", BASE, tmp, 120, hang_oom_left)
if CRUN:
    check(read_meta(out)["driver"]["runtime"] == "crun", "sidecar: runtime is not crun")
    shutil.rmtree(tmp, ignore_errors=True)
    print("ok")
    sys.exit(0)


def compare(args, what):
    """Run compare; its ratio lines as {metric: words}, per block. Four windows after three
    warmups: compare's ratios rest on ok windows, and a container's first windows, sized
    from invocations that are still speeding up, can come out just under the minimum."""
    p = run(["compare", "-s", "test", "-m", "model", "-r", "4", "--warmup", "3",
             "--idle-s", "0.05", "--min-window-s", "0.1", "--bootstrap", "200"] + args)
    check(p.returncode == 0, f"{what}: exit {p.returncode}: {p.stderr}")
    return p.stdout


if GVISOR:
    # 4. The ladder: pinned, runc and gVisor on one core; ratios with intervals for warm
    # invocations and cold starts, the figure's data, a server CSV per isolation that
    # `overhead --server-csv` reads.
    pre = os.path.join(tmp, "lad")
    blocks = compare(["--drivers", "pinned,container:runc,container:runsc", "--platform",
                      "ptrace", "-w", "sha256", "--cold", "3", "-o", pre],
                     "ladder").split("\n\n")
    for label in ("container-runc", "gvisor-ptrace"):
        b = [x for x in blocks if x.startswith(f"{label} vs pinned")]
        check(b, f"no block for {label}: {blocks}")
        lines = {ln.split()[0]: ln.split() for ln in b[0].splitlines()[2:] if ln.strip()}
        for metric in ("energy", "wall", "cold-energy", "cold-time"):
            check(metric in lines, f"{label}: no {metric} line: {b[0]}")
            ratio, lo, hi = (float(lines[metric][5]), float(lines[metric][6].strip("[,")),
                             float(lines[metric][7].strip("]")))
            check(ratio > 0 and lo <= hi, f"{label} {metric}: {ratio} [{lo}, {hi}]")
            # Three cold starts give a coarse interval; the warm ones must hold the ratio.
            check(lo <= ratio <= hi or metric.startswith("cold"),
                  f"{label} {metric}: {ratio} outside [{lo}, {hi}]")
        check(os.path.exists(f"{pre}-server-{label}.csv"), f"server CSV of {label}")
    dat = open(pre + "-ladder.dat").read().split("\n")
    check(dat[1].startswith("container-runc ") and dat[2].startswith("gvisor-ptrace "),
          f"{dat}")
    # Each server CSV holds the baseline's rows and that isolation's, nothing else.
    srv = read_csv(f"{pre}-server-gvisor-ptrace.csv")
    check({r["driver"] for r in srv} == {"pinned", "container"}, "server CSV drivers")
    check(len(srv) == len(read_csv(pre + "-pinned.csv"))
          + len(read_csv(pre + "-container-runsc.csv")), "server CSV rows")
    # Another run's close removes the shared cpuset parent once it is empty, and runsc
    # makes it anew, empty, and refuses to start ("cpuset.cpus: permission denied"): a
    # run holds the parent with an empty child of its own. Hammered from before the run
    # starts, as a second run's close beside this one would; then a hold left by a killed
    # run (a pid that cannot be alive) is removed by the next run, and ours goes with it.
    par = "/sys/fs/cgroup/cpuset/joulebench"
    if os.path.isdir("/sys/fs/cgroup/cpuset") and os.path.isdir("/sys/fs/cgroup/cpu"):
        stop, removed = threading.Event(), []
        os.makedirs(par, exist_ok=True)

        def hammer():
            while not stop.is_set():
                try:
                    os.rmdir(par)
                    removed.append(time.monotonic())
                except OSError:
                    pass
                time.sleep(0.001)
        th = threading.Thread(target=hammer)
        th.start()
        try:
            p = run(["run", "-d", "container", "-w", "sha256", "-s", "test", "-r", "2",
                     "--warmup", "1", "--cold", "2", "--cores", "0", "--min-window-s", "0.05",
                     "-o", os.path.join(tmp, "held.csv")] + BASE)
        finally:
            stop.set()
            th.join()
        held = read_csv(os.path.join(tmp, "held.csv"))
        bad = [r["message"] for r in held if r["status"] == "error"]
        check(p.returncode == 0 and not bad and
              any(r["phase"] == "warm" and r["status"] == "ok" for r in held),
              f"a run beside a closing one: exit {p.returncode}, errors {bad[:1]}: {p.stderr}")
        # The hammer's own check: it removed the empty parent made before the run (once the
        # run holds it, nothing can), so it would have removed it under an unheld run too.
        check(removed, "the hammer could not remove even an empty parent: it tests nothing")
        os.makedirs(par + "/hold-999999999", exist_ok=True)
        p = run(["run", "-d", "container", "-w", "sha256", "-s", "test", "-r", "1",
                 "--cores", "0", "-o", os.path.join(tmp, "held2.csv")] + BASE)
        check(p.returncode == 0, f"run after a stale hold: exit {p.returncode}: {p.stderr}")
        check(not glob.glob(par + "/hold-*"), f"holds left: {glob.glob(par + '/hold-*')}")

    # The pinned rung runs before the gVisor rung refuses the platform: a small one (with
    # compare's defaults it took 30 s of this test's 160), but with two windows after one
    # warmup, since compare stops at a rung without an ok window (a single window sized
    # from the cold start can come out too short, and is counted out).
    p = run(["compare", "--drivers", "pinned,container:runsc", "--platform", "nosuch", "-w",
             "sha256", "-s", "test", "-m", "model", "-r", "2", "--warmup", "1", "--cold", "1",
             "--idle-s", "0.05", "--min-window-s", "0.05", "-o", os.path.join(tmp, "bad")])
    check(p.returncode == 2, f"ladder with a bad platform: exit {p.returncode}: {p.stderr}")
    shutil.rmtree(tmp, ignore_errors=True)
    print("ok")
    sys.exit(0)

# 4. Poisson arrivals with a keep-alive shorter than the gaps: idle containers are
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

# 5. compare: pinned vs container on one core; ratios with their intervals.
stdout = compare(["-w", "matmul", "-o", os.path.join(tmp, "cmp")], "compare")
lines = {ln.split()[0]: ln.split() for ln in stdout.splitlines() if ln.strip()}
for metric in ("energy", "dynamic", "wall"):
    check(metric in lines, f"compare output lacks {metric}: {stdout}")
    ratio = float(lines[metric][5])
    lo, hi = float(lines[metric][6].strip("[,")), float(lines[metric][7].strip("]"))
    check(lo <= ratio <= hi or metric == "dynamic", f"{metric}: {ratio} outside [{lo}, {hi}]")
for name in ("cmp-pinned.csv", "cmp-container.csv"):
    check(os.path.exists(os.path.join(tmp, name)), f"{name} missing")
p = run(["compare", "--drivers", "pinned,nosuch", "-o", os.path.join(tmp, "cmp2")])
check(p.returncode == 2 and "nosuch" in p.stderr, f"compare bad driver: {p.returncode}")
shutil.rmtree(tmp, ignore_errors=True)
print("ok")
