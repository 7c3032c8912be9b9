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
a SIGTERM to the batch shell before the run started (job.sh held at its test gate) and one
during its idle baseline, each leaving a sidecar that says so and a CSV header, named by
gather, completed by --resume; --signal=B:TERM@55 for real, its time limit brought near
(scontrol update) once the run is in its windows, stopping the run after its window
before the limit; and the same batch-shell SIGTERM sent by hand with `scancel --batch
--signal=TERM`. Every wait is for a state (a file, a sidecar, squeue), bounded and named:
none depends on when slurmctld looks at its limits.
Skipped (exit 77) when not root or when Slurm or munge is not installed."""
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jbtest import (check, check_complete_windows, read_csv, read_meta, run, skip,  # noqa: E402
                    wait_for)

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
    wait_for(lambda: subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True,
                                    text=True).stdout.strip() == "idle",
             lambda: "the node to come up (sinfo: idle): " +
             open(os.path.join(tmp, "log", "slurmctld.log")).read()[-2000:])


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
    wait_for(lambda: not subprocess.run(["squeue", "-h"], capture_output=True,
                                        text=True).stdout.strip(),
             lambda: "every job to finish: " +
             subprocess.run(["squeue"], capture_output=True, text=True).stdout, timeout)


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


def submit(args, env=None):
    p = run(["slurm"] + args, env=env)
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


def job_field(job, key):
    """KEY's value in `scontrol show job -o JOB`, or None."""
    out = subprocess.run(["scontrol", "show", "job", "-o", job], capture_output=True,
                         text=True).stdout
    return next((w.split("=", 1)[1] for w in out.split() if w.startswith(key + "=")), None)


def slurm_seconds(t):
    """Slurm's [D-]HH:MM:SS in seconds."""
    days, _, hms = t.rpartition("-")
    h, m, sec = (int(x) for x in hms.split(":"))
    return int(days or 0) * 86400 + h * 3600 + m * 60 + sec


def sidecar_ended(csv):
    """The `ended` of CSV's sidecar, or None while there is none (it is written by rename,
    so never seen half-written)."""
    try:
        return read_meta(csv)["ended"]
    except FileNotFoundError:
        return None


def sidecar(csv, what):
    check(os.path.exists(csv[:-4] + ".meta.json"), f"{what}: the task left no sidecar")
    return read_meta(csv)


def early_test(tmp):
    """A signal that comes before the run started, and one during its idle baseline, each
    sent by hand at a state waited for: the task ends with a sidecar that says where the
    stop found it and a CSV of its header alone; gather says it was interrupted before its
    first window; --resume then runs it whole."""
    # Before the start: job.sh waits at its test gate (JOULEBENCH_JOB_GATE), whose file
    # never comes; the task directory, made after job.sh set its trap, says it is there.
    env = dict(os.environ, JOULEBENCH_JOB_GATE=os.path.join(tmp, "no-such-gate"))
    d, task, csv, t, meta = signal_at(tmp, "early", ["-r", "3"], lambda task, csv:
                                      os.path.isdir(task), "job.sh to make its task "
                                      "directory (trap set)", env)
    check(t["exit"] == "1" and meta["ended"] == "interrupted" and meta["stopped_at"] == "start"
          and meta["windows_measured"] == 0, f"signalled before the start: {t} {meta}")
    check(read_csv(csv) == [] and open(csv).readline().startswith("schema_version,run_id,"),
          "signalled before the start: the CSV is not its header alone")
    log = open(task + ".out").read()
    check("interrupted: SIGINT or SIGTERM before the run started" in log, f"log: {log[-1500:]}")
    p = run(["gather", "-o", os.path.join(tmp, "early.csv"), d])
    check(p.returncode == 1 and f"INTERRUPTED nodes-0 on {NODE}: exit 1; interrupted before "
          "its first window (SIGINT or SIGTERM before the run started" in p.stderr,
          f"gather of a task signalled before its start: {p.returncode} {p.stderr}")
    p = run(["run", "--resume", csv, "-q", "--no-plot"])
    check(p.returncode == 0, f"--resume of a run signalled before its start: {p.stderr}")
    rows = read_csv(csv)
    check_complete_windows(rows, "resumed after a stop before the start")
    check(len({r["rep"] for r in rows if r["phase"] == "warm"}) == 3 and
          any(r["phase"] == "cold" for r in rows), "resumed: not the whole run")
    check(read_meta(csv)["ended"] == "completed", "resumed: not completed")

    # During the idle baseline: 300 s of it, and the signal once the first sidecar is
    # there (written as the baseline begins).
    d, task, csv, t, meta = signal_at(tmp, "baseline", ["-r", "2", "--idle-s", "300"],
                                      lambda task, csv: sidecar_ended(csv) == "running",
                                      "the run's first sidecar, written as its idle "
                                      "baseline begins")
    check(t["exit"] == "1" and meta["ended"] == "interrupted" and
          meta["stopped_at"] == "idle_baseline" and meta["idle_baseline"]["before_w"] is None,
          f"signalled in the baseline: {t} {meta['ended_reason']} {meta['idle_baseline']}")
    check(int(t["end_unix_s"]) - int(t["start_unix_s"]) < 150,
          f"the baseline was not cut short: {t}")
    check(read_csv(csv) == [], "signalled in the baseline: rows in the CSV")
    p = run(["gather", "-o", os.path.join(tmp, "baseline.csv"), d])
    check(p.returncode == 1 and "interrupted before its first window (SIGINT or SIGTERM "
          "during the idle baseline" in p.stderr, f"gather: {p.returncode} {p.stderr}")


def signal_at(tmp, name, run_args, ready, what, env=None):
    """A one-task submission under DIR tmp/NAME running RUN then RUN_ARGS; once
    READY(task directory, its run.csv) (waited for, named WHAT), SIGTERM to its batch
    shell by hand. Returns the directory, the task directory, its CSV, its task record and
    its sidecar once it ended."""
    d = os.path.join(tmp, name)
    out = submit(["--dir", d, "--nodes", "1", "--no-gather", "-q", "--"] + RUN + run_args,
                 env=env)
    job = array_job(out) + "_0"
    task = os.path.join(d, "tasks", "nodes-0")
    csv = os.path.join(task, "run.csv")
    wait_for(lambda: ready(task, csv), what, 60)
    subprocess.run(["scancel", "--batch", "--signal=TERM", job], check=True)
    wait_for(lambda: task_restart(task) is not None, f"the task {name}, signalled, to end", 60)
    squeue_empty()
    return d, task, csv, task_file(task), sidecar(csv, f"{name}, signalled")


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
    early_test(tmp)

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

    # --signal=B:TERM@S for real, mid-run. slurmctld looks at time limits every 30 s and
    # sends --signal's SIGTERM up to that much early (sbatch(1): "up to 60 seconds
    # earlier"), which no fixed --time can place in the run's windows on a loaded machine.
    # So the task starts under a distant limit, and once it is in its windows, its limit
    # is brought near (scontrol update TimeLimit, in minutes), leaving at least 50 s: the
    # signal then comes at a check within 30 s, in the windows and 20 s or more before the
    # limit, and the run stops itself before Slurm would.
    d = os.path.join(tmp, "timelimit")
    out = submit(["--dir", d, "--nodes", "1", "--no-gather", "-q", "--time", "30",
                  "--stop-before-s", "55", "--", "-r", "100000"] + RUN)
    job = array_job(out) + "_0"
    task = os.path.join(d, "tasks", "nodes-0")
    csv = os.path.join(task, "run.csv")
    wait_for(lambda: os.path.exists(csv) and len(warm_rows(csv)) >= 200,
             "the time-limit task's metered windows", 60)
    limit_min = math.ceil((slurm_seconds(job_field(job, "RunTime")) + 50) / 60)
    subprocess.run(["scontrol", "update", f"JobId={job}", f"TimeLimit={limit_min}"],
                   check=True)
    wait_for(lambda: task_restart(task) is not None,
             f"the --signal=B:TERM@55 SIGTERM to end the task (limit now {limit_min} min)",
             60 * limit_min + 30)
    squeue_empty()
    t = task_file(task)
    meta = sidecar(csv, "after --signal")
    log = open(task + ".out").read()
    check(t["exit"] == "1" and meta["ended"] == "interrupted" and
          meta["stopped_at"] == "windows" and meta["windows_measured"] > 0,
          f"--signal=B:TERM@55 under a {limit_min} min limit: {t} {meta['ended_reason']}")
    check(job_field(job, "JobState") != "TIMEOUT" and "TIME LIMIT" not in log,
          f"Slurm ended the task at its limit, not the run itself: {log[-1500:]}")
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
