# SPDX-License-Identifier: MIT
"""`joulebench slurm` and `joulebench gather` against a real Slurm the test starts.

A one-node cluster in a temporary directory: munged on its own socket and key, slurmctld
and slurmd (Debian's slurm-wlm) on free ports with their own state, spool, pid and log
files (SlurmUser=root, proctrack/linuxproc, task/none, select/cons_tres: no cgroup setup),
every client command pointed at it through SLURM_CONF. Nothing else on the machine is
used or changed; every daemon is stopped and every file removed at the end, on failure too.

How "nodes" map here: the cluster has one node, so a fleet's tasks are array tasks that run
on that node in turn (--exclusive lets only one run at a time, as each would own a real
node); --label %N-%g%a gives each its own host label, and each has its own task directory.
Covered: a submission of two groups (two arrays) under one run id, one of them a task that
fails on its node (a meter that is not there: exit 77) and gathered by the afterany job into
one CSV with the failed task named; gather by hand; Slurm's energy where it accounts none
(one line) and, from a stand-in `sacct` on PATH, the agreement line's arithmetic; `scancel`
mid-run leaving a valid CSV that `run --resume` completes; `scontrol requeue` mid-run, after
which job.sh resumes the task itself, and again once it completed (left as it is);
--signal=B:TERM@55 under a one-minute --time, stopping the run after its window before the
limit; and the same batch-shell SIGTERM sent at once with `scancel --batch --signal=TERM`.
Skipped (exit 77) when not root or when Slurm or munge is not installed."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jbtest import (JOULEBENCH, check, check_complete_windows, read_csv, read_meta, run,  # noqa: E402
                    skip)

if os.geteuid() != 0:
    skip("needs root: slurmd runs jobs as root (SlurmUser=root)")
for tool in ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "scancel", "scontrol", "sinfo"):
    if not shutil.which(tool, path=os.environ.get("PATH", "") + ":/usr/sbin"):
        skip(f"{tool} is not installed (scripts/install-deps --tests: slurm-wlm, munge)")

NODE = socket.gethostname().split(".")[0]
RUN = ["-m", "model", "-s", "test", "-w", "matmul", "--warmup", "1", "--batch", "200",
       "--min-window-s", "0.02", "--idle-s", "0.05"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sbin(tool):
    return shutil.which(tool, path=os.environ.get("PATH", "") + ":/usr/sbin")


def cluster_start(tmp, state):
    for d in ("munge", "state", "spool", "log"):
        os.makedirs(os.path.join(tmp, d), mode=0o700)
    key = os.path.join(tmp, "munge", "key")
    with open(key, "wb") as f:
        f.write(os.urandom(1024))
    os.chmod(key, 0o400)
    sock = os.path.join(tmp, "munge", "sock")
    state["munge_pid"] = os.path.join(tmp, "munge", "pid")
    subprocess.run([sbin("munged"), "--force", f"--socket={sock}", f"--key-file={key}",
                    f"--pid-file={state['munge_pid']}", f"--log-file={tmp}/munge/log",
                    f"--seed-file={tmp}/munge/seed"], check=True)
    with open(os.path.join(tmp, "slurm.conf"), "w") as f:
        f.write(f"""ClusterName=jbtest
SlurmctldHost={NODE}(127.0.0.1)
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket={sock}
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
StateSaveLocation={tmp}/state
SlurmdSpoolDir={tmp}/spool
SlurmctldPidFile={tmp}/slurmctld.pid
SlurmdPidFile={tmp}/slurmd.pid
SlurmctldLogFile={tmp}/log/slurmctld.log
SlurmdLogFile={tmp}/log/slurmd.log
MailProg=/bin/true
ReturnToService=2
KillWait=10
JobRequeue=1
MinJobAge=600
NodeName={NODE} NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
""")
    os.environ["SLURM_CONF"] = os.path.join(tmp, "slurm.conf")
    state["pids"] = [os.path.join(tmp, "slurmd.pid"), os.path.join(tmp, "slurmctld.pid")]
    subprocess.run([sbin("slurmctld"), "-i"], check=True)
    subprocess.run([sbin("slurmd")], check=True)
    deadline = time.monotonic() + 30
    while True:
        p = subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True, text=True)
        if p.stdout.strip() == "idle":
            return
        check(time.monotonic() < deadline, f"the node never came up: {p.stdout} {p.stderr}"
              f"{open(os.path.join(tmp, 'log', 'slurmctld.log')).read()[-2000:]}")
        time.sleep(0.2)


def cluster_stop(state):
    if "SLURM_CONF" in os.environ:
        subprocess.run(["scancel", "--full", "--user=root"], capture_output=True)
    for pidfile in state.get("pids", []) + [state.get("munge_pid", "")]:
        try:
            pid = int(open(pidfile).read())
        except (OSError, ValueError):
            continue
        try:
            os.kill(pid, signal.SIGTERM)
            for _ in range(100):
                os.kill(pid, 0)
                time.sleep(0.05)
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def squeue_empty(timeout=60):
    deadline = time.monotonic() + timeout
    while subprocess.run(["squeue", "-h"], capture_output=True, text=True).stdout.strip():
        check(time.monotonic() < deadline, "jobs never finished: " +
              subprocess.run(["squeue"], capture_output=True, text=True).stdout)
        time.sleep(0.2)


def wait_for(cond, what, timeout=30):
    deadline = time.monotonic() + timeout
    while not cond():
        check(time.monotonic() < deadline, f"timed out waiting for {what}")
        time.sleep(0.1)


def task_restart(d):
    """The restart count in D's task record, or None while there is none (job.sh writes it
    atomically when the task ends)."""
    try:
        with open(os.path.join(d, "task")) as f:
            return dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line).get(
                "restart")
    except FileNotFoundError:
        return None


def task_file(d):
    check(os.path.exists(os.path.join(d, "task")), f"{d}: job.sh wrote no task file")
    with open(os.path.join(d, "task")) as f:
        return dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)


def warm_rows(path):
    return [r for r in read_csv(path) if r["phase"] == "warm"]


def submit(args):
    p = run(["slurm"] + args)
    check(p.returncode == 0, f"joulebench slurm {args}: exit {p.returncode}: {p.stderr}")
    return p.stdout


def array_job(out):
    return out.split("job array ")[1].split(",")[0]


def fleet_test(tmp):
    """Two groups in one submission, a task that fails on its node, the afterany gather."""
    d = os.path.join(tmp, "fleet")
    fleet = os.path.join(tmp, "fleet.groups")
    with open(fleet, "w") as f:
        f.write("# name nodes [partition=P] [constraint=C] [-- run options of the group]\n"
                "small 2 partition=test\n"
                "broken 1 partition=test -- -m ina219 --meter-opts bus=99\n")
    out = submit(["--dir", d, "--fleet", fleet, "--label", "%N-%g%a", "--run-id", "fleet-1",
                  "--", "-r", "2"] + RUN)
    check(out.count("job array") == 2 and "gather: job" in out, f"submission: {out}")
    squeue_empty()
    gout = open(os.path.join(d, "gather.out")).read()
    rows = read_csv(os.path.join(d, "fleet.csv"))
    hosts = {r["host"] for r in rows}
    check(hosts == {f"{NODE}-small0", f"{NODE}-small1"}, f"host column {hosts}: {gout}")
    check({r["run_id"] for r in rows} == {"fleet-1"}, "one run id, the one given")
    for h in hosts:
        mine = [r for r in rows if r["host"] == h]
        check_complete_windows(mine, h)
        check(len({r["rep"] for r in mine if r["phase"] == "warm"}) == 2, f"{h}: 2 windows")
    meta = read_meta(os.path.join(d, "fleet.csv"))
    check(meta["kind"] == "fleet" and meta["launcher"] == "slurm" and len(meta["hosts"]) == 3,
          f"sidecar {meta}")
    by = {h["entry"]: h for h in meta["hosts"]}
    check(by["broken-0"]["exit"] == 77 and by["broken-0"]["rows"] == 0 and
          by["broken-0"]["node"] == NODE, f"the failed task in the sidecar: {by['broken-0']}")
    check(by["small-0"]["exit"] == 0 and by["small-0"]["run"]["run_id"] == "fleet-1" and
          by["small-0"]["slurm_job"].endswith("_0"), f"a task in the sidecar: {by['small-0']}")
    check(f"FAILED broken-0 on {NODE}: exit 77; left 0 row(s)" in gout,
          f"the gather job does not name the failed task: {gout}")
    check("slurm energy: none to compare: sacct failed: Slurm accounting storage is disabled"
          in gout, f"no line on Slurm's energy: {gout}")
    check("ina219" in open(os.path.join(d, "tasks", "broken-0.out")).read(),
          "the failed task's log does not say why")

    # By hand: the same CSV (exit 1: a task failed), and with a stand-in sacct that
    # accounts energy, the comparison's arithmetic.
    fake = os.path.join(tmp, "fakebin")
    os.makedirs(fake)
    jobs = {h["entry"]: h["slurm_job"] for h in meta["hosts"]}
    with open(os.path.join(fake, "sacct"), "w") as f:
        f.write("#!/bin/sh\n" f"echo '{jobs['small-0']}|{NODE}|5000|30'\n"
                f"echo '{jobs['small-1']}|{NODE}|0|30'\necho '{jobs['broken-0']}|{NODE}||1'\n")
    os.chmod(os.path.join(fake, "sacct"), 0o755)
    env = dict(os.environ, PATH=fake + ":" + os.environ["PATH"])
    mine = os.path.join(tmp, "by-hand.csv")
    p = run(["gather", "-o", mine, d], env=env)
    check(p.returncode == 1, f"gather by hand: exit {p.returncode}: {p.stderr}")
    check(read_csv(mine) == rows, "gathering again gives other rows")
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("slurm energy small-0")]
    check(len(lines) == 1 and "small-1" not in p.stdout, f"comparison lines: {p.stdout}")
    small0 = [r for r in rows if r["host"] == f"{NODE}-small0"]
    spans = sorted((int(r["start_unix_ns"]), int(r["start_unix_ns"]) + int(r["wall_ns"]))
                   for r in small0)
    covered, cs, ce = 0, spans[0][0], spans[0][1]
    for s, e in spans[1:]:
        if s <= ce:
            ce = max(ce, e)
        else:
            covered, cs, ce = covered + ce - cs, s, e
    covered = (covered + ce - cs) / 1e9
    ours = sum(float(r["energy_j"]) for r in small0 if r["energy_j"]) + \
        float(small0[-1]["idle_power_w"]) * (30 - covered)
    want = f"{100 * ours / 5000:.1f}%"
    check(lines[0].endswith(want), f"agreement: want {want}: {lines[0]}")
    p = run(["gather", "-o", mine, d])
    check(p.returncode == 2 and "exists" in p.stderr, f"gather over a file: {p.stderr}")
    p = run(["gather", tmp])
    check(p.returncode == 2 and "fleet.json" in p.stderr, f"gather of a non-fleet: {p.stderr}")


def interrupt_test(tmp, name, stop):
    """A long task stopped mid-run by @stop(job id); return its task directory."""
    d = os.path.join(tmp, name)
    out = submit(["--dir", d, "--nodes", "1", "--no-gather", "-q", "--", "-r", "60"] + RUN)
    job = array_job(out) + "_0"
    csv = os.path.join(d, "tasks", "nodes-0", "run.csv")
    wait_for(lambda: os.path.exists(csv) and len(warm_rows(csv)) >= 200, "warm rows")
    stop(job)
    return d, job, csv


def main(tmp, state):
    cluster_start(os.path.join(tmp, "cluster"), state)
    p = run(["slurm", "--nodes", "1", "--", "-r", "1"])
    check(p.returncode == 2 and "--dir" in p.stderr, f"no --dir: {p.stderr}")
    p = run(["slurm", "--dir", os.path.join(tmp, "x"), "--", "-o", "a.csv"])
    check(p.returncode == 2 and "set per task" in p.stderr, f"-o given: {p.stderr}")
    with open(os.path.join(tmp, "bad.groups"), "w") as f:
        f.write("a 1 -- -s test --output=elsewhere.csv\n")
    p = run(["slurm", "--dir", os.path.join(tmp, "x"), "--fleet", os.path.join(tmp, "bad.groups")])
    check(p.returncode == 2 and "--output=elsewhere.csv" in p.stderr, f"a group's -o: {p.stderr}")
    with open(os.path.join(tmp, "bad.groups"), "w") as f:
        f.write("a 0\n")
    p = run(["slurm", "--dir", os.path.join(tmp, "x"), "--fleet", os.path.join(tmp, "bad.groups")])
    check(p.returncode == 2 and "bad.groups:1" in p.stderr, f"a group of 0 nodes: {p.stderr}")
    p = run(["run", "--run-id", "a b", "-o", os.path.join(tmp, "x.csv")])
    check(p.returncode == 2 and "--run-id" in p.stderr, f"run --run-id 'a b': {p.stderr}")
    fleet_test(tmp)

    # scancel mid-run: the run ends after its window, a valid CSV that --resume completes.
    d, job, csv = interrupt_test(tmp, "cancel", lambda j: subprocess.run(["scancel", j]))
    squeue_empty()
    t = task_file(os.path.join(d, "tasks", "nodes-0"))
    meta = read_meta(csv)
    check(meta["ended"] == "interrupted", f"after scancel: {meta['ended']} {t}")
    rows = read_csv(csv)
    check_complete_windows(rows, "after scancel")
    check(len({r["rep"] for r in rows if r["phase"] == "warm"}) < 60, "not interrupted")
    p = run(["run", "--resume", csv, "-q", "--no-plot"])
    check(p.returncode == 0, f"--resume after scancel: {p.returncode}: {p.stderr}")
    rows = read_csv(csv)
    check_complete_windows(rows, "resumed")
    check(len({r["rep"] for r in rows if r["phase"] == "warm"}) == 60, "not completed")

    # scontrol requeue mid-run: job.sh starts again and resumes by itself.
    def requeue(j):
        subprocess.run(["scontrol", "requeue", j], check=True)
        # Slurm holds a requeued job back for a while (its BeginTime); release it now, but
        # in a later second than its kill or end: slurmd revokes a job's credential with
        # a one-second clock and refuses a launch whose credential is from that same
        # second ("Job N already killed, do not launch batch job"; slurmctld.log: "Job
        # credential revoked"), which the hold is there to avoid.
        wait_for(lambda: "PENDING" in subprocess.run(["scontrol", "show", "job", j],
                 capture_output=True, text=True).stdout, "the requeued job")
        time.sleep(1.1)
        subprocess.run(["scontrol", "update", f"jobid={j}", "StartTime=now"], check=True)
    d, job, csv = interrupt_test(tmp, "requeue", requeue)
    # The task's own record of its restarted run, not an empty squeue (seen empty before a
    # released job ran).
    wait_for(lambda: task_restart(os.path.join(d, "tasks", "nodes-0")) == "1",
             "the requeued task to finish", timeout=90)
    squeue_empty()
    t = task_file(os.path.join(d, "tasks", "nodes-0"))
    check(t["exit"] == "0" and t["restart"] == "1", f"requeued task: {t}")
    meta = read_meta(csv)
    check(meta["ended"] == "completed" and len(meta["resumed_unix_ns"]) == 1, f"sidecar {meta}")
    rows = read_csv(csv)
    check_complete_windows(rows, "requeued")
    check(len({r["rep"] for r in rows if r["phase"] == "warm"}) == 60, "requeue: not completed")
    log = open(os.path.join(d, "tasks", "nodes-0.out")).read()
    check("resuming" in log and "JOB REQUEUE" in log, f"task log: {log[-1500:]}")
    # Requeued once more after it completed: job.sh leaves the finished run as it is.
    before = read_csv(csv)
    requeue(job)
    # Wait for the task's own record of this start: squeue was seen empty (under ASan)
    # before the released job had run.
    wait_for(lambda: task_restart(os.path.join(d, "tasks", "nodes-0")) == "2",
             "the task requeued after it completed to run", timeout=90)
    squeue_empty()
    t = task_file(os.path.join(d, "tasks", "nodes-0"))
    check(t["exit"] == "0" and t["restart"] == "2" and read_csv(csv) == before,
          f"a completed task requeued: {t}")

    # --signal=B:TERM@S for real: a one-minute limit and S = 55 s. slurmctld checks the
    # limits every 30 s, so SIGTERM reaches the batch shell 5 to ~35 s in (sbatch(1): "up
    # to 60 seconds earlier"); the shell passes it on and the run stops after its window,
    # well before the limit, when Slurm would end the job itself.
    d = os.path.join(tmp, "timelimit")
    submit(["--dir", d, "--nodes", "1", "--no-gather", "-q", "--time", "1",
            "--stop-before-s", "55", "--", "-r", "100000"] + RUN)
    squeue_empty(timeout=90)
    t = task_file(os.path.join(d, "tasks", "nodes-0"))
    took = int(t["end_unix_s"]) - int(t["start_unix_s"])
    csv = os.path.join(d, "tasks", "nodes-0", "run.csv")
    check(t["exit"] == "1" and read_meta(csv)["ended"] == "interrupted" and took < 57,
          f"--signal=B:TERM@55 with --time 1: {t}, {took} s")
    check_complete_windows(read_csv(csv), "after --signal")

    # The same signal now, by hand: SIGTERM to the batch shell only, which passes it on.
    d, job, csv = interrupt_test(tmp, "signal", lambda j: subprocess.run(
        ["scancel", "--batch", "--signal=TERM", j], check=True))
    squeue_empty()
    t = task_file(os.path.join(d, "tasks", "nodes-0"))
    check(t["exit"] == "1" and read_meta(csv)["ended"] == "interrupted", f"B:TERM: {t}")
    check_complete_windows(read_csv(csv), "after B:TERM")
    log = open(os.path.join(d, "tasks", "nodes-0.out")).read()
    check("INTERRUPTED" in log, f"the run did not stop after its window: {log[-1500:]}")
    with open(os.path.join(d, "job.sh")) as f:
        check("kill -TERM $pid" in f.read(), "job.sh does not pass SIGTERM on")


if __name__ == "__main__":
    state = {}
    tmp = tempfile.mkdtemp(prefix="jb-slurm-test.")
    try:
        main(tmp, state)
    finally:
        cluster_stop(state)
        shutil.rmtree(tmp, ignore_errors=True)
    print("ok")
