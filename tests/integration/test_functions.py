# SPDX-License-Identifier: MIT
"""Your own functions (issue 24, docs/functions.md), measured by the real CLI.

usage: test_functions.py pinned | container [RUNTIME] | microvm

A Lambda custom runtime in sh with curl as its HTTP client runs against joulebench-fn's
Runtime API (responses and errors).

pinned: a sh program speaking lines (validator command), a SeBS-layout directory of our
own run as it is in Python and in Node.js (events from input.py, verified by its
validate_output), each with verified cold and warm rows and the sidecar's file, digest
and interpreter; every failure mode (a handler that raises, exits, hangs, prints junk on
the protocol channel, returns an invalid or unserializable result, runs out of memory, or
whose import fails) is its row with the reason; bad function files are exit 2 with one
line naming the field; `list -f` shows the functions.
container RUNTIME: the same functions in an OCI bundle (runc or runsc), and `compare
--drivers pinned,container -f`; runsc runs the failure modes that depend on the sandbox
(exit, hang, memory, junk: SANDBOX_MODES), runc all of them.
microvm: under QEMU TCG (KVM does not boot nested guests here), from the root file system
the driver builds: the SeBS-layout Python function with verified rows and a cold row that
tells the instance's start (the VM's boot), the runtime's start, the import and the first
call apart, and a handler that raises as an error row, in one run; the sh lines program
through `compare --drivers pinned,microvm:tcg -f` (verified microVM rows); --vmm
firecracker refused for functions (exit 77, through the Firecracker test double); with
JB_TEST_MICROVM_ALL=1 also the Node.js handler and the Runtime API (curl). Guest time
under TCG is slow: each function boots one VM, about 5-10 s here.
"""
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

from jbtest import check, read_csv, read_meta, run, skip

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "..", "fixtures", "functions")
LINES = os.path.join(FIX, "lines-sh", "function.json")
SEBS = os.path.join(FIX, "900.fixture-page")
LAMBDA = os.path.join(FIX, "lambda-curl", "function.json")
FAULTY = os.path.join(FIX, "faulty")
QUICK = ["-s", "test", "-m", "model", "-r", "2", "--warmup", "1", "--batch", "3",
         "--idle-s", "0.05", "--min-window-s", "0.05", "--no-plot", "-q"]
tmp = tempfile.mkdtemp(prefix="jb-functions-")


def measured(out, name, phases=("cold", "warmup", "warm")):
    """Rows of NAME in OUT: one cold row and warm rows, each verified."""
    rows = [r for r in read_csv(out) if r["workload"] == name]
    for ph in phases:
        got = [r for r in rows if r["phase"] == ph]
        check(got, f"{name}: no {ph} row in {out}")
        for r in got:
            check(r["verified"] == "1", f"{name} {ph}: not verified: {r['status']} "
                                        f"{r['message']}")
            check(r["status"] in ("ok", "untrustworthy"), f"{name} {ph}: {r['status']} "
                                                           f"{r['message']}")
            # CPU time: the cold row always has some; a warm call of tens of µs can read
            # 0 where only clock ticks are kept (gVisor's /proc has no schedstat).
            check(int(r["wall_ns"]) > 0 and (int(r["cpu_ns"]) > 0 or ph != "cold"),
                  f"{name} {ph}: no wall or CPU time")
    return rows


def function_meta(out, name):
    for w in read_meta(out)["workloads"]:
        if w["name"] == name:
            check("function" in w, f"sidecar: {name} has no function record")
            return w["function"]
    return check(False, f"sidecar: no workload {name}")


def sebs_runs(driver_args, tag):
    out = os.path.join(tmp, f"lines-{tag}.csv")
    p = run(["run", "-f", LINES] + driver_args + QUICK + ["-o", out])
    check(p.returncode == 0, f"lines function ({tag}): exit {p.returncode}: {p.stderr}")
    measured(out, "sh-doubler")
    f = function_meta(out, "sh-doubler")
    check(len(f["sha256"]) == 64 and f["protocol"] == "lines", f"sidecar: {f}")

    out = os.path.join(tmp, f"sebs-py-{tag}.csv")
    p = run(["run", "-f", SEBS] + driver_args + QUICK + ["-o", out])
    check(p.returncode == 0, f"SeBS python ({tag}): exit {p.returncode}: {p.stderr}")
    measured(out, "900.fixture-page")
    f = function_meta(out, "900.fixture-page")
    check(f["interpreter_version"].startswith("Python 3"), f"interpreter: {f}")
    check(os.path.isabs(f["interpreter"]), f"interpreter path: {f}")

    if shutil.which("curl"):
        # The Runtime API with curl as the client: verified rows, and an .../error POST
        # (size large: n = -1) as an error row with Lambda's errorType and errorMessage.
        out = os.path.join(tmp, f"lambda-{tag}.csv")
        p = run(["run", "-f", LAMBDA] + driver_args + QUICK + ["-o", out])
        check(p.returncode == 0, f"lambda ({tag}): exit {p.returncode}: {p.stderr}")
        measured(out, "lambda-curl")
        out = os.path.join(tmp, f"lambda-err-{tag}.csv")
        p = run(["run", "-f", LAMBDA] + driver_args + QUICK + ["-s", "large", "-o", out])
        rows = [r for r in read_csv(out) if r["phase"] in ("cold", "warm")]
        check(rows and all(r["status"] == "error" and
                           "handler raised ValueError: n is negative" in r["message"]
                           for r in rows), f"lambda error ({tag}): {rows[:1]}")
    else:
        print(f"note: no curl: the Runtime API is not run ({tag})")

    if not shutil.which("node"):
        print(f"note: no node on PATH: the Node.js handler is not run ({tag})")
        return
    out = os.path.join(tmp, f"sebs-node-{tag}.csv")
    p = run(["run", "-f", SEBS, "--language", "nodejs"] + driver_args + QUICK + ["-o", out])
    check(p.returncode == 0, f"SeBS nodejs ({tag}): exit {p.returncode}: {p.stderr}")
    measured(out, "900.fixture-page-nodejs")
    f = function_meta(out, "900.fixture-page-nodejs")
    check(f["interpreter_version"].startswith("Node.js v"), f"interpreter: {f}")


def faulty_file(mode, handler="handler.py", **extra):
    spec = {"name": f"faulty-{mode}", "protocol": "sebs-python", "dir": FAULTY,
            "handler": handler, "events": {"test": {"mode": mode}},
            "check": {"path": "ok", "value": True}, "timeout_s": 8, "memory_mb": 400}
    spec.update(extra)
    path = os.path.join(tmp, f"faulty-{mode}.json")
    with open(path, "w") as f:
        json.dump(spec, f)
    return path


# mode -> (status, a piece of the message)
FAILURES = {
    "raise": ("error", "handler raised ValueError: told to raise"),
    "exit": ("crashed", "exited with code 3: faulty: exiting as told"),
    "hang": ("timeout", "no result within"),
    "junk": ("crashed", "not JSON"),
    "invalid": ("failed", "ok of the result is false"),
    "unserializable": ("error", "handler raised TypeError"),
    "memory": ("error", "MemoryError"),
    "missing": ("crashed", "needs module 'jb_no_such_module'"),
}


# The modes whose path depends on the sandbox: how the process ends (exit), how a hung one
# is stopped (hang), how the memory limit bites (memory; gVisor has its own), and what the
# harness reads off its stdout (junk). A raise, an invalid or unserializable result and a
# failed import are the adapter's, inside the sandbox, the same in every runtime: pinned
# and runc run every mode, runsc (twice as slow to start each) these four.
SANDBOX_MODES = ("exit", "hang", "memory", "junk")


def failure_rows(driver_args, tag, modes=tuple(FAILURES)):
    args = []
    for mode in modes:
        args += ["-f", faulty_file(mode, "missing_module.py" if mode == "missing"
                                   else "handler.py")]
    out = os.path.join(tmp, f"faulty-{tag}.csv")
    p = run(["run"] + args + driver_args + QUICK + ["-o", out])
    check(p.returncode == 0, f"failure modes ({tag}): exit {p.returncode}: {p.stderr}")
    rows = read_csv(out)
    for mode in modes:
        status, piece = FAILURES[mode]
        mine = [r for r in rows if r["workload"] == f"faulty-{mode}" and r["phase"] == "cold"]
        check(mine, f"{mode}: no cold row")
        if mode == "memory" and tag == "runsc" and mine[0]["status"] in ("timeout", "crashed",
                                                                          "oom-killed"):
            # gVisor does not enforce RLIMIT_DATA: the 4 GiB allocation runs into the
            # container's memory limit instead, which stalls, kills or OOM-kills it (a row
            # with its reason either way; which one depends on how fast the Sentry grows).
            continue
        check(mine[0]["status"] == status and piece in mine[0]["message"],
              f"{mode}: want {status} '{piece}', got {mine[0]['status']} "
              f"'{mine[0]['message']}'")
        check(mine[0]["verified"] == "0", f"{mode}: verified")


def bad_files():
    cases = [
        ({"command": ["x"]}, "'name'"),
        ({"name": "a", "command": ["x"], "colour": 1}, "'colour'"),
        ({"name": "a"}, "'command'"),
        ({"name": "a", "command": ["x"], "check": {"path": "x"}}, "'check.value'"),
        ({"name": "a", "command": "x"}, "'command'"),
        ({"name": "a", "command": ["x"], "events": {"huge": {}}}, "'events'"),
        ({"name": "a", "protocol": "sebs-python", "dir": FAULTY}, "'handler'"),
        ({"name": "a", "command": ["./no-such-program"]}, "'command'"),
        ({"name": "matmul", "command": ["/bin/cat"]}, "'name'"),
        ({"name": "a", "protocol": "sebs-python", "dir": FAULTY, "handler": "handler.py",
          "interpreter": "no-such-python"}, "'interpreter'"),
    ]
    for i, (spec, field) in enumerate(cases):
        path = os.path.join(tmp, f"bad{i}.json")
        with open(path, "w") as f:
            json.dump(spec, f)
        p = run(["run", "-f", path, "-o", os.path.join(tmp, "never.csv")] + QUICK)
        lines = p.stderr.strip().splitlines()
        check(p.returncode == 2, f"bad file {spec}: exit {p.returncode}, want 2: {p.stderr}")
        check(len(lines) == 1 and field in lines[0], f"bad file {spec}: want one line naming "
                                                      f"{field}, got {p.stderr!r}")
    with open(os.path.join(tmp, "notjson.json"), "w") as f:
        f.write("{ name: ")
    p = run(["run", "-f", os.path.join(tmp, "notjson.json")] + QUICK)
    check(p.returncode == 2 and "not valid JSON" in p.stderr, f"not JSON: {p.stderr}")
    # A SeBS benchmark that needs SeBS's storage is refused with one line.
    store = os.path.join(tmp, "210.needs-storage")
    shutil.copytree(SEBS, store)
    with open(os.path.join(store, "config.json"), "w") as f:
        json.dump({"timeout": 10, "memory": 128, "languages": ["python"],
                   "modules": ["storage"]}, f)
    p = run(["run", "-f", store] + QUICK)
    check(p.returncode == 2 and "storage" in p.stderr and len(p.stderr.splitlines()) == 1,
          f"storage benchmark: {p.returncode} {p.stderr}")


def slow_start_windows():
    """A function whose first invocations are slower than the rest (caches, an
    interpreter's own warmup): the first window, sized by the slow warmup, goes on past its
    batch while it is shorter than the minimum (protocol/single.c), and the next is sized
    by the whole window's mean round trip, not by its slow start, so it is not short. The
    first five calls take 15x the rest: at 3x, a loaded machine (six tests and two busy
    loops on two cores) slowed the rest enough that the batch alone filled the window."""
    prog = os.path.join(tmp, "slow_start.py")
    with open(prog, "w") as f:
        f.write("import sys, time\n"
                "for i, line in enumerate(sys.stdin):\n"
                "    end = time.perf_counter() + (3e-3 if i < 5 else 200e-6)\n"
                "    while time.perf_counter() < end:\n"
                "        pass\n"
                "    sys.stdout.write('{\"ok\": true}\\n')\n"
                "    sys.stdout.flush()\n")
    spec = os.path.join(tmp, "slow-start.json")
    with open(spec, "w") as f:
        json.dump({"name": "slow-start", "command": [sys.executable, prog],
                   "check": {"path": "ok", "value": True}}, f)
    out = os.path.join(tmp, "slow-start.csv")
    p = run(["run", "-f", spec, "-d", "pinned", "-s", "test", "-m", "model", "-r", "2",
             "--warmup", "3", "--idle-s", "0.05", "--min-window-s", "0.2", "--no-plot",
             "-o", out])
    check(p.returncode == 0, f"slow start: exit {p.returncode}: {p.stderr}")
    batch = int(p.stderr.split(" invocation(s) per window")[0].rsplit(" ", 1)[1])
    warm = [r for r in read_csv(out) if r["phase"] == "warm"]
    first = [r for r in warm if r["rep"] == warm[0]["rep"]]
    check(int(first[0]["window_invocations"]) > batch,
          f"the first window did not go on past its batch of {batch} "
          f"({first[0]['window_invocations']} invocations, {first[0]['message']})")
    # The second window is sized by the first's mean round trip. (The first may still come
    # out short on a loaded machine, where the warmup's round trips can be more than the 4x
    # it may go on by slower than the rest: CI's ASan suite saw one at 0.086 s of 0.2 s.)
    second = [r for r in warm if r["rep"] != warm[0]["rep"]]
    short = {(r["rep"], r["message"]) for r in second if "shorter than" in r["message"]}
    check(second and not short, f"the second warm window flagged short: {short}")


def listing():
    p = run(["list", "workloads", "-f", LINES, "-f", SEBS])
    check(p.returncode == 0, f"list -f: {p.returncode} {p.stderr}")
    check("sh-doubler" in p.stdout and "900.fixture-page" in p.stdout and "matmul" in p.stdout,
          f"list -f: {p.stdout}")


def microvm_runs():
    guest = os.environ.get("JOULEBENCH_GUEST_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "joulebench", "guest")
    qemu = {"x86_64": "qemu-system-x86_64", "aarch64": "qemu-system-aarch64"}.get(
        platform.machine())
    if not qemu or not shutil.which(qemu):
        skip(f"no QEMU for {platform.machine()} (scripts/install-deps --drivers)")
    if not os.path.exists(os.path.join(guest, "modules", "order")):
        skip(f"no guest kernel with its virtio modules in {guest}: run "
             "scripts/fetch-guest-kernel (it keeps them since functions run in microVMs)")
    t0 = time.time()
    # Firecracker (its test double here) is refused for functions, with the reason: it
    # announces disks on the kernel command line, which Debian's kernel does not read.
    if os.path.exists(os.path.join(guest, "vmlinux")):
        fc = os.path.join(tmp, "fcbin")
        os.mkdir(fc)
        os.symlink(os.path.join(HERE, "fake_firecracker"), os.path.join(fc, "firecracker"))
        p = run(["run", "-d", "microvm", "--vmm", "firecracker", "-f", LINES, "-o",
                 os.path.join(tmp, "fc.csv")] + QUICK,
                env=dict(os.environ, PATH=fc + os.pathsep + os.environ["PATH"]))
        check(p.returncode == 77 and "does not run users' functions" in p.stderr,
              f"--vmm firecracker -f: {p.returncode} {p.stderr}")
    base = ["-d", "microvm", "--accel", "tcg", "-s", "test", "-m", "model", "--idle-s", "0.05",
            "--no-plot", "-q"]
    # One VM per function: the SeBS-layout Python function and a handler that raises (an
    # error row, the VM stays up), each with a cold start, a warmup and two windows.
    # Python's start under TCG takes seconds, beyond SeBS's 20 s timeout on a loaded machine
    # (seen: a cold start's `timeout`): the benchmark's copy under /tmp gets 300 s (and
    # its files reach the guest under /.jbtmp, shown at their /tmp paths).
    raises = faulty_file("raise", timeout_s=120)
    sebs = os.path.join(tmp, "900.fixture-page")
    shutil.copytree(SEBS, sebs)
    with open(os.path.join(sebs, "config.json")) as f:
        config = json.load(f)
    config["timeout"] = 300
    with open(os.path.join(sebs, "config.json"), "w") as f:
        json.dump(config, f)
    out = os.path.join(tmp, "vm.csv")
    p = run(["run", "-f", sebs, "-f", raises, "-r", "2", "--warmup", "1", "--batch", "2",
             "--min-window-s", "0.05", "-o", out] + base)
    check(p.returncode == 0, f"microvm functions: exit {p.returncode}: {p.stderr}")
    rows = measured(out, "900.fixture-page")
    check(all(r["isolation"] == "microvm-tcg" for r in rows), "isolation is not microvm-tcg")
    cold = [r for r in rows if r["phase"] == "cold"][0]["message"]
    # Where the time of a cold start went: the VM's boot, Python's start, the import of the
    # handler, the first call (each a number with its unit).
    for piece in ("instance start ", "; cold: runtime ", ", import ", ", first call "):
        check(piece in cold, f"cold row's message: no '{piece}': {cold}")
    drv = read_meta(out)["driver"]
    check(drv.get("guest_root", "").startswith("fn-") and " files, " in drv["guest_root"],
          f"sidecar: guest_root {drv.get('guest_root')}")
    err = [r for r in read_csv(out) if r["workload"] == "faulty-raise"]
    check(err and all(r["status"] == "error" and "handler raised ValueError: told to raise"
                      in r["message"] for r in err if r["phase"] in ("cold", "warm")),
          f"raise in a microVM: {[(r['phase'], r['status'], r['message']) for r in err]}")
    t1 = time.time()
    # compare with a microVM rung for a function: its rows verified, the ratios printed.
    pre = os.path.join(tmp, "vmcmp")
    # Windows sized by the runner (a window still short when its batch is done goes on,
    # protocol/single.c): a fixed --batch 200 came out at 6 ms of the 10 ms minimum once
    # the runner's warm call got cheaper, leaving compare no ok pinned window.
    p = run(["compare", "--drivers", "pinned,microvm:tcg", "-f", LINES, "-s", "test", "-m",
             "model", "-r", "2", "--cold", "2", "--warmup", "1",
             "--idle-s", "0.05", "--min-window-s", "0.01", "--bootstrap", "200", "-o", pre])
    check(p.returncode == 0, f"compare -f with microvm:tcg: {p.returncode} {p.stderr}")
    check("microvm-tcg vs pinned" in p.stdout and "sh-doubler" in p.stdout,
          f"compare -f: {p.stdout}")
    measured(pre + "-microvm-tcg.csv", "sh-doubler")
    t2 = time.time()
    if os.environ.get("JB_TEST_MICROVM_ALL") == "1":
        if shutil.which("node"):
            out = os.path.join(tmp, "vm-node.csv")
            p = run(["run", "-f", SEBS, "--language", "nodejs", "-r", "1", "--warmup", "1",
                     "--batch", "2", "--min-window-s", "0.05", "-o", out] + base)
            check(p.returncode == 0, f"microvm nodejs: exit {p.returncode}: {p.stderr}")
            measured(out, "900.fixture-page-nodejs")
        if shutil.which("curl"):
            out = os.path.join(tmp, "vm-lambda.csv")
            p = run(["run", "-f", LAMBDA, "-r", "1", "--warmup", "1", "--batch", "1",
                     "--min-window-s", "0.05", "-o", out] + base)
            check(p.returncode == 0, f"microvm lambda: exit {p.returncode}: {p.stderr}")
            rows = measured(out, "lambda-curl")
            cold = [r for r in rows if r["phase"] == "cold"][0]["message"]
            check("runtime init " in cold, f"lambda cold row: {cold}")
    print(f"note: microvm functions took {time.time() - t0:.0f} s (Python and a raising "
          f"handler {t1 - t0:.0f} s, compare {t2 - t1:.0f} s)")


def main():
    what = sys.argv[1] if len(sys.argv) > 1 else "pinned"
    if what == "pinned":
        sebs_runs(["-d", "pinned"], "pinned")
        failure_rows(["-d", "pinned"], "pinned")
        bad_files()
        listing()
        slow_start_windows()
    elif what == "container":
        runtime = sys.argv[2] if len(sys.argv) > 2 else "runc"
        if os.geteuid() != 0:
            skip("the container driver needs root")
        if not shutil.which(runtime):
            skip(f"{runtime} is not installed (scripts/install-deps --drivers)")
        args = ["-d", "container", "--runtime", runtime, "--memory-mb", "512"]
        sebs_runs(args, runtime)
        failure_rows(args, runtime, SANDBOX_MODES if runtime == "runsc" else tuple(FAILURES))
        if runtime == "runc":
            out = os.path.join(tmp, "compare")
            p = run(["compare", "--drivers", "pinned,container", "-f", LINES, "-s", "test",
                     "-m", "model", "-r", "2", "--idle-s", "0.05", "-o", out, "-q"])
            check(p.returncode == 0, f"compare -f: {p.returncode} {p.stderr}")
            check("sh-doubler" in p.stdout, f"compare -f: {p.stdout}")
    elif what == "microvm":
        microvm_runs()
    shutil.rmtree(tmp, ignore_errors=True)
    print("ok")


if __name__ == "__main__":
    main()
