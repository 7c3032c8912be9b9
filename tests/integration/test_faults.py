# SPDX-License-Identifier: MIT
"""Faults injected into a running `joulebench run`, each of which must end in a clear row
status, a valid CSV holding every completed row, the right exit code, and nothing left
running:
  - the function runner is killed (a crash): a `crashed` row, the instance is replaced;
  - the function runner stops answering (a hang): a `timeout` row after --timeout-s, the
    hung process is killed and replaced;
  - (root) the OCI runtime fails every container start: an `error` row per workload with
    the runtime's own message, and the run goes on to the next workload;
  - (root, private mount namespace) the meter's counter file returns garbage, returns
    nothing (as a device that went away), and resets to 0 mid-run: the affected windows are
    `meter-error` or `untrustworthy` rows, the counter jumps are counted in the sidecar, and
    every row still marked `ok` carries the programmed power. A fault is never silently
    turned into energy."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jbtest import (JOULEBENCH, check, check_complete_windows, mount_tmpfs_over_sys_class,  # noqa: E402
                    first_warm_row, read_csv, read_meta, reexec_in_mount_namespace, wait_for)

tmp = tempfile.mkdtemp(prefix="jb-faults-")
# A copy of the function runner of our own, so that "runners left behind" below counts
# this test's runs only: scripts/test runs other tests beside it, with the build's runner.
FN = os.path.join(tmp, "joulebench-fn")
shutil.copy2(os.environ.get("JOULEBENCH_FN", "joulebench-fn"), FN)
os.environ["JOULEBENCH_FN"] = FN


def children_named(ppid, name):
    out = subprocess.run(["pgrep", "-P", str(ppid), "-x", name], capture_output=True,
                         text=True).stdout.split()
    return [int(p) for p in out]


def run_with(args, action, at_s, after_warm_in=None):
    """Start joulebench with ARGS, call ACTION(joulebench pid) after AT_S seconds; with
    AFTER_WARM_IN (the run's CSV), AT_S seconds after its first warm row, so that a loaded
    machine, on which the cold start alone can take seconds, cannot move the fault."""
    proc = subprocess.Popen([JOULEBENCH] + args, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    if after_warm_in:
        wait_for(lambda: first_warm_row(after_warm_in, proc), f"the first warm row in {after_warm_in}", timeout=120,
                 interval=0.02)
    time.sleep(at_s)
    action(proc.pid)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err


def kill_fn(sig):
    def act(pid):
        # Between a replaced runner's end and its successor's start there is none: wait
        # for the one runner (a loaded machine's slow invocation can meet --timeout-s).
        fns = wait_for(lambda: (lambda f: f if len(f) == 1 else None)(
            children_named(pid, "joulebench-fn")), "one joulebench-fn under the run",
            timeout=60, interval=0.02)
        os.kill(fns[0], sig)
    return act


if not os.environ.get("JB_IN_NAMESPACE"):
    # Crash and hang need no privileges: run them before (maybe) entering a namespace.
    # Size test: invocations of milliseconds, so that even a machine loaded twentyfold
    # keeps every invocation but the hung one far inside --timeout-s.
    base = ["run", "-w", "float-ops", "-s", "test", "-m", "model", "-r", "6", "--warmup", "1",
            "--idle-s", "0.2", "--min-window-s", "0.3", "--no-plot", "-q", "--cores", "0"]
    for sig, status, extra in [(signal.SIGKILL, "crashed", []),
                               (signal.SIGSTOP, "timeout", ["--timeout-s", "5"])]:
        out = os.path.join(tmp, f"{status}.csv")
        rc, err = run_with(base + extra + ["-o", out], kill_fn(sig), 0.2, after_warm_in=out)
        check(rc == 0, f"{status}: exit {rc}: {err}")
        rows = read_csv(out)
        check_complete_windows(rows, status)
        bad = [r for r in rows if r["status"] == status]
        check(len(bad) == 1, f"{status}: {len(bad)} rows of that status")
        if status == "crashed":
            check("signal 9" in bad[0]["message"], f"message {bad[0]['message']}")
        else:
            check("no reply within" in bad[0]["message"], f"message {bad[0]['message']}")
        after = [r for r in rows if int(r["invocation"]) > int(bad[0]["invocation"])
                 and r["status"] == "ok" and r["phase"] == "warm"]
        check(after, f"{status}: the run did not go on with a new instance")
        check(len({r["rep"] for r in rows if r["phase"] == "warm"}) == 6, f"{status}: windows")
        check(read_meta(out)["ended"] == "completed", f"{status}: sidecar")
        left = subprocess.run(["pgrep", "-f", FN],
                              capture_output=True, text=True).stdout.split()
        check(not left, f"{status}: function runners left behind: {left}")
        print(f"{status}: ok ({len(rows)} rows)")

    if os.geteuid() == 0:
        fake_rt = os.path.join(tmp, "failing-runc")
        with open(fake_rt, "w") as f:
            f.write("#!/bin/sh\n"
                    "[ \"$1\" = --version ] && { echo 'runc version 0 (fails every start)'; exit 0; }\n"
                    "for a in \"$@\"; do case $a in run|create|start)\n"
                    "  echo 'failing-runc: cannot start container' >&2; exit 1;; esac; done\n"
                    "exit 0\n")
        os.chmod(fake_rt, 0o755)
        out = os.path.join(tmp, "runtime.csv")
        p = subprocess.run([JOULEBENCH, "run", "-d", "container", "--runtime", fake_rt, "-w",
                            "matmul,sha256", "-s", "test", "-m", "model", "-r", "1",
                            "--idle-s", "0.1", "--no-plot", "-q", "-o", out],
                           capture_output=True, text=True, timeout=120)
        check(p.returncode == 0, f"failing runtime: exit {p.returncode}: {p.stderr}")
        rows = read_csv(out)
        check([r["workload"] for r in rows] == ["matmul", "sha256"], f"rows {len(rows)}")
        for r in rows:
            check(r["status"] == "error" and "cannot start container" in r["message"],
                  f"failing runtime row: {r['status']} {r['message']}")
        print("failing runtime: ok")

reexec_in_mount_namespace(__file__)
mount_tmpfs_over_sys_class()
from fake_powercap import FakePowercap  # noqa: E402

POWER = 40.0
fake = FakePowercap("/sys/class/powercap", [
    ("intel-rapl:0", "package-0", POWER, 262143328850, 1000),
])
fake.start(cpu=0)
out = os.path.join(tmp, "meter.csv")


def inject(pid):
    for fault in (b"garbage\n", b""):
        fake.fault = fault
        time.sleep(0.7)
        fake.fault = None
        time.sleep(1.0)
    fake.fault = 0          # the counter resets to 0 and counts on from there
    time.sleep(1.0)


args = ["run", "-m", "rapl-powercap", "-w", "matmul", "-s", "test", "-r", "20",
        "--warmup", "1", "--min-window-s", "0.3", "--idle-s", "0.5", "--no-plot", "-q",
        "-o", out] + (["--cores", "1"] if (os.cpu_count() or 1) > 1 else [])
# The faults start once the windows do (not a fixed time after the start: on a loaded
# machine the liveness probe and the baseline can take longer than that, and a fault there
# is another test, test_meter_liveness.py's).
rc, err = run_with(args, inject, 0.1, after_warm_in=out)
fake.stop()
check(rc == 0, f"meter faults: exit {rc}: {err}")
rows = read_csv(out)
check_complete_windows(rows, "meter faults")
meta = read_meta(out)
check(meta["ended"] == "completed", "sidecar ended")
statuses = {r["status"] for r in rows}
check("meter-error" in statuses or meta["meter"]["rejected_counter_jumps"] > 0,
      f"no fault was seen: {statuses}")
check(meta["meter"]["rejected_counter_jumps"] >= 1, "the reset was not counted")
tol = 0.01 + fake.max_gap_ns / 1e9 / 0.3 * 2
seen = set()
for r in rows:
    if r["status"] == "meter-error":
        check(r["energy_j"] == "", f"a meter-error row has energy {r['energy_j']}")
        check("meter read failed" in r["message"], f"message {r['message']}")
    if r["phase"] != "warm" or r["status"] != "ok" or r["rep"] in seen:
        continue
    seen.add(r["rep"])
    w = float(r["window_energy_j"]) / (int(r["window_wall_ns"]) / 1e9)
    check(abs(w - POWER) <= tol * POWER, f"an ok window measured {w} W, programmed {POWER}")
check(len(seen) >= 3, f"only {len(seen)} clean windows")
print(f"meter faults: ok ({len(rows)} rows, statuses {sorted(statuses)}, "
      f"{meta['meter']['rejected_counter_jumps']} counter jumps rejected)")
