# SPDX-License-Identifier: MIT
"""Interruptions at random points leave a CSV that python's csv module reads, holding every
completed window whole, with no row lost or written twice; the sidecar says why the run
ended; `--resume` then completes the run without duplicating a row. SIGINT and SIGTERM
stop after the window in progress; SIGKILL stops anywhere. The points are drawn from a
seeded generator (JB_DURABILITY_SEED) so a failure can be replayed.

Every trial must hit: the signal is sent once the run has written its first rows, after a
random delay, and a run that finished before its signal is tried again (up to TRIES
times); a trial that never hits fails the test, so it cannot pass without interrupting."""
import os
import random
import signal
import subprocess
import tempfile
import time

from jbtest import (JOULEBENCH, check, check_complete_windows, fail, read_csv, read_meta,
                    run, wait_for)

seed = int(os.environ.get("JB_DURABILITY_SEED", "20261127"))
rng = random.Random(seed)
print(f"seed {seed}")
tmp = tempfile.mkdtemp(prefix="jb-durable-")
RUNS = 4
base = ["run", "-w", "float-ops,matmul", "-s", "test", "-m", "model", "-r", str(RUNS),
        "--warmup", "2", "--min-window-s", "0.25", "--idle-s", "0.2", "--no-plot", "-q",
        "--cores", "0"]

TRIES = 5


def start_and_signal(args, out, sig, first_rows, max_delay):
    """Start joulebench ARGS writing OUT; once OUT holds FIRST_ROWS rows (the run is
    measuring), wait a random 0..MAX_DELAY s and send SIG. Returns (process, stderr, what),
    or None when the run finished before the signal landed (a miss)."""
    proc = subprocess.Popen([JOULEBENCH] + args + ["-o", out], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    def measuring():
        try:
            with open(out, "rb") as f:
                return f.read().count(b"\n") > first_rows  # the header plus FIRST_ROWS rows
        except FileNotFoundError:
            return False
    wait_for(lambda: measuring() or proc.poll() is not None, f"{first_rows} rows in {out}", 60,
             0.02)
    delay = rng.uniform(0, max_delay)
    time.sleep(delay)
    if proc.poll() is not None:
        proc.communicate()
        return None
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        return None
    return proc, err, f"{sig.name} {delay:.2f} s after row {first_rows}"


def hit(args, out, sig, first_rows, max_delay, what):
    for attempt in range(1, TRIES + 1):
        if os.path.exists(out):
            os.unlink(out)
        r = start_and_signal(args, out, sig, first_rows, max_delay)
        if r:
            print(f"{what}: hit on attempt {attempt} ({r[2]})")
            return r[0], r[1]
        print(f"{what}: attempt {attempt}: the run finished before the signal")
        max_delay /= 2
    fail(f"{what}: no signal landed in {TRIES} attempts: nothing was tested")


trials = [(signal.SIGINT, "interrupted"), (signal.SIGINT, "interrupted"),
          (signal.SIGTERM, "interrupted"), (signal.SIGKILL, "running")]
for n, (sig, ended) in enumerate(trials):
    out = os.path.join(tmp, f"t{n}.csv")
    what = f"trial {n} ({sig.name})"
    # From the first row (a cold start) on, at a random point of the about 2 s left.
    proc, err = hit(base, out, sig, rng.randint(1, 3), 1.5, what)
    check(os.path.exists(out), f"{what}: no CSV although rows were seen")
    if sig == signal.SIGKILL:
        # A kill can land in the middle of a window's write: the partial record is not
        # a completed row, and --resume cuts it off. Trim it here the same way to read.
        data = open(out, "rb").read()
        if not data.endswith(b"\n"):
            open(out, "wb").write(data[:data.rfind(b"\n") + 1])
    else:
        check(proc.returncode == 1, f"{what}: exit {proc.returncode}: {err}")
    rows = read_csv(out)
    check_complete_windows(rows, what)
    meta = read_meta(out)
    check(meta["ended"] == ended, f"{what}: sidecar ended={meta['ended']}")
    before = len(rows)

    p = run(["run", "--resume", out, "--no-plot", "-q"])
    check(p.returncode == 0, f"{what}: resume exit {p.returncode}: {p.stderr}")
    rows = read_csv(out)
    check(len(rows) >= before, f"{what}: resume lost rows")
    check_complete_windows(rows, what + " + resume")
    meta = read_meta(out)
    check(meta["ended"] == "completed", f"{what}: after resume ended={meta['ended']}")
    check(len(meta["resumed_unix_ns"]) == 1, f"{what}: resume not recorded")
    check(len({r["run_id"] for r in rows}) == 1, f"{what}: more than one run id")
    for wl in ("float-ops", "matmul"):
        warm = {r["rep"] for r in rows if r["workload"] == wl and r["phase"] == "warm"}
        check(len(warm) == RUNS, f"{what}: {wl} has {len(warm)} warm windows, want {RUNS}")
        cold = [r for r in rows if r["workload"] == wl and r["phase"] == "cold"]
        check(len(cold) == 1, f"{what}: {wl} has {len(cold)} cold rows")
    print(f"{what}: {before} rows kept, {len(rows)} after resume")

    p = run(["run", "--resume", out, "--no-plot", "-q"])
    check(p.returncode == 2 and "completed" in p.stderr, "resuming a completed run")

# A co-located run (two pinned instances, windows numbered across workloads) interrupted
# and resumed: every window whole, invocation indices unique and contiguous over the file,
# and exactly RUNS warm windows in the end.
out = os.path.join(tmp, "colo.csv")
COLO_RUNS = 12
colo = ["run", "-d", "pinned", "-c", "2", "-w", "float-ops,matmul", "-s", "test", "-m", "model",
        "-r", str(COLO_RUNS), "--warmup", "1", "--min-window-s", "0.25", "--idle-s", "0.2",
        "--no-plot", "-q"]
proc, err = hit(colo, out, signal.SIGINT, 1, 1.0, "co-located")
check(proc.returncode == 1, f"co-located: exit {proc.returncode}: {err}")
before = len(read_csv(out))
warm_before = len({r["rep"] for r in read_csv(out) if r["phase"] == "warm"})
check(warm_before < COLO_RUNS, f"co-located: {warm_before} windows before the resume")
p = run(["run", "--resume", out, "--no-plot", "-q"])
check(p.returncode == 0, f"co-located resume: exit {p.returncode}: {p.stderr}")
rows = read_csv(out)
windows = {}
for r in rows:
    windows.setdefault(r["rep"], []).append(r)
for rep, win in windows.items():
    check(len(win) == int(win[0]["window_invocations"]), f"co-located window {rep} torn")
inv = sorted(int(r["invocation"]) for r in rows)
check(inv == list(range(len(inv))), "co-located invocation indices not unique and contiguous")
warm = {r["rep"] for r in rows if r["phase"] == "warm"}
check(len(warm) == COLO_RUNS, f"co-located: {len(warm)} warm windows, want {COLO_RUNS}")
check(read_meta(out)["ended"] == "completed", "co-located: sidecar")
print(f"co-located: {before} rows kept, {len(rows)} after resume")

p = run(["run", "--resume", os.path.join(tmp, "t0.csv"), "-w", "matmul"])
check(p.returncode == 2 and "cannot be given" in p.stderr, f"resume with options: {p.stderr}")
p = run(["run", "--resume", os.path.join(tmp, "missing.csv")])
check(p.returncode == 2, f"resume of a missing file: {p.returncode}")
print("ok")
