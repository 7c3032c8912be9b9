# SPDX-License-Identifier: MIT
"""Helpers shared by the python integration tests: where the binaries are, running the
real CLI, reading its CSV with python's own csv module (an independent reader), and the
meson exit codes (77 = skipped)."""
import csv
import json
import os
import subprocess
import sys
import time

SKIP = 77
JOULEBENCH = os.environ.get("JOULEBENCH", "joulebench")
JOULEBENCH_FN = os.environ.get("JOULEBENCH_FN", "joulebench-fn")


def skip(reason):
    print(f"SKIP: {reason}")
    sys.exit(SKIP)


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def realtime_thread():
    """Make the calling thread SCHED_FIFO where we may (root): the writer threads of the
    fake sensors (a BMC, a bricklet, an hwmon file) must keep the real sensor's rate however
    loaded the machine is. scripts/test runs six tests at once on two cores, and a starved
    writer lags the load it follows by seconds, which no real sensor does. They sleep
    between updates, so they take little from the tests beside them."""
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))
    except (OSError, AttributeError):
        pass


def first_warm_row(csv, proc):
    """True once CSV (a running joulebench's) holds a warm row, or PROC has ended: the
    moment to inject a fault into a run, which a fixed time after its start is not on a
    loaded machine (the liveness probe, the baseline and the cold start can take seconds)."""
    if proc.poll() is not None:
        return True
    try:
        with open(csv) as f:
            return ",warm," in f.read()
    except FileNotFoundError:
        return False


def wait_for(cond, what, timeout=30, interval=0.1):
    """Poll COND() until it returns a true value, and return that value; after TIMEOUT
    seconds fail, naming WHAT (a string, or a function giving one, called then: e.g. the
    state seen last). For a state that another process (slurmctld, a VM, a container
    runtime, ssh) reaches in its own time: never a fixed sleep taken as enough."""
    deadline = time.monotonic() + timeout
    while True:
        got = cond()
        if got:
            return got
        if time.monotonic() >= deadline:
            fail(f"timed out after {timeout:g} s waiting for {what() if callable(what) else what}")
        time.sleep(interval)


# `meson test --setup valgrind` sets JB_VALGRIND=1: every joulebench (and the function
# runners it starts) then runs under memcheck, and any error fails the test (exit 99).
VALGRIND = ["valgrind", "-q", "--error-exitcode=99", "--leak-check=full",
            "--errors-for-leak-kinds=definite", "--trace-children=yes",
            "--trace-children-skip=/bin/sh,/usr/bin/sh,*gnuplot*"]


def trace(argv, t0_s, rc):
    """JBTEST_TRACE=1: say on stderr how long each joulebench command of a test took, so
    that the time of a slow test can be put where it goes (scripts/test's goal is five
    minutes for the whole suite)."""
    if os.environ.get("JBTEST_TRACE") == "1":
        print(f"jbtest: {time.monotonic() - t0_s:6.1f} s  rc {rc}  "
              f"{' '.join(str(a) for a in argv)[:160]}", file=sys.stderr, flush=True)


def run(args, **kw):
    """Run joulebench with ARGS; return the CompletedProcess (text mode)."""
    wrap = VALGRIND if os.environ.get("JB_VALGRIND") == "1" else []
    t0 = time.monotonic()
    p = subprocess.run(wrap + [JOULEBENCH] + args, capture_output=True, text=True,
                       timeout=kw.pop("timeout", 600), **kw)
    trace(args, t0, p.returncode)
    if p.returncode == 99 and wrap:
        fail(f"valgrind found errors in joulebench {' '.join(args)}:\n{p.stderr}")
    return p


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def rows_so_far(path):
    """The rows a running joulebench has written to PATH so far; [] while there is no file
    yet (or, read mid-write, none that parses)."""
    try:
        return read_csv(path)
    except (OSError, ValueError):
        return []


def read_meta(csv_path):
    base = csv_path[:-4] if csv_path.endswith(".csv") else csv_path
    with open(base + ".meta.json") as f:
        return json.load(f)


def check_complete_windows(rows, what):
    """Every window in the file is whole (as many rows as its window_invocations), and each
    workload's invocation indices are unique and contiguous from 0: no completed row lost,
    none written twice."""
    by_window = {}
    by_workload = {}
    for r in rows:
        by_window.setdefault((r["workload"], r["rep"]), []).append(r)
        by_workload.setdefault(r["workload"], []).append(int(r["invocation"]))
    for key, win in by_window.items():
        want = int(win[0]["window_invocations"])
        check(len(win) == want, f"{what}: window {key} has {len(win)} of {want} rows")
    for wl, inv in by_workload.items():
        check(len(inv) == len(set(inv)), f"{what}: {wl} has duplicate invocation indices")
        check(sorted(inv) == list(range(len(inv))), f"{what}: {wl} misses invocations")


def reexec_in_mount_namespace(script):
    """Re-run SCRIPT in a private mount namespace (root only), or skip."""
    import shutil
    if os.geteuid() != 0:
        skip("needs root for a private mount namespace (unshare -m)")
    if os.environ.get("JB_IN_NAMESPACE") == "1":
        return
    if not shutil.which("unshare"):
        skip("unshare (util-linux) is not installed")
    env = dict(os.environ, JB_IN_NAMESPACE="1")
    p = subprocess.run(["unshare", "-m", "--propagation", "private", sys.executable,
                        os.path.abspath(script)], env=env)
    sys.exit(p.returncode)


def mount_tmpfs_over_sys_class():
    """In a private mount namespace: hide the real /sys/class under a tmpfs for a fake tree,
    or skip when that cannot be done."""
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=755", "tmpfs", "/sys/class"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        skip(f"cannot mount a tmpfs over /sys/class: {r.stderr.strip()}")


def vm_processes_of(harness_pid):
    """The microvm driver's VMM processes (QEMU, Firecracker) whose command line names the
    harness's run directory, /tmp/joulebench-vm-<pid>-..."""
    out = subprocess.run(["pgrep", "-f", f"joulebench-vm-{harness_pid}-"], capture_output=True,
                         text=True).stdout.split()
    return [int(x) for x in out]


def vm_leftovers(harness_pid):
    """What a microvm run of @harness_pid left: VMM processes, VM cgroups, run directories."""
    import glob
    left = [f"vmm {q}" for q in vm_processes_of(harness_pid)]
    left += glob.glob(f"/sys/fs/cgroup/*/joulebench/vm-{harness_pid}-*")
    left += glob.glob(f"/sys/fs/cgroup/joulebench/vm-{harness_pid}-*")
    left += glob.glob(f"/tmp/joulebench-vm-{harness_pid}-*")
    return left


def crashed_then(path, proc, after):
    """For wait_for: the run PROC has ended, or its CSV at PATH holds a `crashed` row and
    after it: "window", a later window's warm row (the run went on); "cold", a cold start
    (the replacement instance); "ok", an ok warm row (the replacement answered)."""
    if proc.poll() is not None:
        return True
    seen = rows_so_far(path)
    crash = [r for r in seen if r["status"] == "crashed"]
    if not crash:
        return False
    if after == "window":
        return any(int(r["rep"]) > int(crash[0]["rep"]) for r in seen if r["phase"] == "warm")
    t = int(crash[0]["start_unix_ns"])
    return any(int(r["start_unix_ns"]) > t and (r["phase"] == "cold" if after == "cold" else
                                                r["phase"] == "warm" and r["status"] == "ok")
               for r in seen)


def stop_if_running(proc):
    """In a `finally`: kill the run PROC that a failed check left running."""
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def vm_crash_rows(path):
    """The rows of a microvm run at PATH whose guest's runner was killed (the guest init's
    jb.fault hook) and its `crashed` rows, checked to say how and where."""
    rows = read_csv(path)
    crashed = [r for r in rows if r["status"] == "crashed"]
    check(crashed and "killed by signal 9" in crashed[0]["message"] and "microVM" in
          crashed[0]["message"], f"crash rows: {[r['message'] for r in crashed[:2]]}")
    return rows, crashed


def interrupt(proc, sig, codes, timeout=60):
    """Stop the run PROC with SIG once it has shown what the test waited for (it must still
    be running), and check that it ends with one of the exit CODES. Returns its stdout."""
    if proc.poll() is not None:
        fail(f"the run ended when one instance died: exit {proc.returncode}: "
             f"{proc.communicate()[1]}")
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=timeout)
    check(proc.returncode in codes, f"interrupted run exit {proc.returncode}: {err}")
    return out


def hang_and_oom(driver, base, tmp, timeout, after, hang_words=""):
    """The failure path the isolating drivers share, one run each: a function slower than
    --timeout-s is a `timeout` row (its message with HANG_WORDS); float-ops large holds
    28 M doubles (224 MB), so in 128 MB it is an `oom-killed` row naming the limit.
    AFTER(name, proc, stdout) cleans up and checks what the driver left."""
    for name, args, status, words in (
            ("hang", ["-w", "matmul", "-s", "large", "--timeout-s", "0.05"], "timeout",
             hang_words),
            ("oom", ["-w", "float-ops", "-s", "large", "--memory-mb", "128"], "oom-killed",
             "128 MB")):
        out = os.path.join(tmp, name + ".csv")
        proc = subprocess.Popen([JOULEBENCH, "run", "-d", driver, "-r", "1", "--warmup", "0",
                                 "-o", out] + args + base, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        stdout, err = proc.communicate(timeout=timeout)
        after(name, proc, stdout)
        check(proc.returncode == 0, f"{name}: exit {proc.returncode}: {err}")
        rows = read_csv(out)
        check(any(r["status"] == status and words in r["message"] for r in rows),
              f"{name}: {[(r['status'], r['message']) for r in rows]}")
