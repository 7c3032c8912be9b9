# SPDX-License-Identifier: MIT
"""Faults of the protocol and its commands found by review (issue 23), one mode each, each
run against the built binaries:
  compare-meter-opts  compare shares run's option table: --meter-opts, --domain, --batch
                      and --timeout-s reach its runs (a profile chosen by --meter-opts is the
                      one the sidecars name; a wrong one is the meter's exit 2, not an
                      unknown option).
  resume-cold         --cold 1 --warmup 0, interrupted after the cold start, then --resume:
                      the resumed windows are sized to the minimum window (they were sized
                      from an uninitialised record: 1 invocation per window, or 10^6).
  resume-host         --resume on another host (a UTS namespace with another host name,
                      root) or with another function runner is refused, exit 2, one line
                      naming the difference; --resume-allow-host-change continues and the
                      sidecar records the change.
  sigint-pinned       SIGINT to the process group of a pinned run (a terminal's Ctrl-C,
                      `timeout -s INT`): the runners have their own process group, so the
                      run stops after the window in progress with a valid CSV and no crash
                      rows (they were killed by the signal and blamed).
  tmp-symlink         report and run's sidecar write through a mkstemp file in the
                      target's folder: a symlink planted at the old guessable temporary
                      path (<out>.tmp-<pid>, <sidecar>.tmp) is not followed."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jbtest import JOULEBENCH, JOULEBENCH_FN, check, check_complete_windows, read_csv, read_meta, run, skip  # noqa: E402,E501

SHORT = ["-s", "test", "--idle-s", "0.1", "--min-window-s", "0.2"]


def compare_meter_opts(tmp):
    pre = os.path.join(tmp, "cmp")
    # 400 invocations of sha256 test (~70 us each) fill a 0.02 s window: compare's ratios
    # need ok windows (a too-short window is untrustworthy and counted out).
    p = run(["compare", "--drivers", "pinned,pinned", "-m", "model", "-w", "sha256",
             "--meter-opts", "profile=raspberry-pi-4b", "--batch", "400", "--timeout-s", "30",
             "-r", "2", "--cold", "1", "--warmup", "1", "-o", pre] + SHORT +
            ["--min-window-s", "0.02"])
    check(p.returncode == 0, f"compare --meter-opts: exit {p.returncode}: {p.stderr}")
    check("note: one run: its interval holds" in p.stdout,
          f"compare's one-run intervals do not say what they leave out: {p.stdout}")
    meta = read_meta(pre + "-pinned.csv")
    desc = str(meta["meter"])
    check("raspberry-pi-4b" in desc, f"the sidecar's meter does not name the profile: {desc}")
    rows = [r for r in read_csv(pre + "-pinned.csv") if r["phase"] == "warm"]
    check(rows and all(r["window_invocations"] == "400" for r in rows),
          f"--batch 400 did not size compare's windows: "
          f"{sorted({r['window_invocations'] for r in rows})}")
    p = run(["compare", "--drivers", "pinned,pinned", "-m", "model",
             "--meter-opts", "profile=no-such-profile", "-o", pre + "2"] + SHORT)
    check(p.returncode == 2 and "no-such-profile" in p.stderr and "unknown option" not in p.stderr,
          f"a wrong --meter-opts profile: exit {p.returncode}: {p.stderr}")
    p = run(["compare", "--drivers", "pinned,pinned", "-m", "model", "--domain", "no-such",
             "-o", pre + "3"] + SHORT)
    check(p.returncode == 2 and "unknown option" not in p.stderr,
          f"compare --domain no-such: exit {p.returncode}: {p.stderr}")
    print("compare: --meter-opts, --batch, --timeout-s and --domain reach its runs")


def start_until_rows(args, out, n_rows, **kw):
    """Start joulebench ARGS; return the process once OUT holds N_ROWS rows (or it ended)."""
    proc = subprocess.Popen([JOULEBENCH] + args, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)
    t0 = time.monotonic()
    while proc.poll() is None and time.monotonic() - t0 < 60:
        try:
            with open(out, "rb") as f:
                if f.read().count(b"\n") > n_rows:
                    break
        except FileNotFoundError:
            pass
        time.sleep(0.01)
    return proc


def resume_cold(tmp):
    out = os.path.join(tmp, "cold.csv")
    min_s = 0.3
    interrupted_run(out, ["-w", "sha256", "-m", "model", "--cold", "1", "--warmup", "0",
                          "-r", "8"] + SHORT[:-1] + [str(min_s)])
    before = len(read_csv(out))
    try:
        p = run(["run", "--resume", out, "--no-plot"], timeout=120)
    except subprocess.TimeoutExpired:
        p = None
    check(p is not None, "resume ran past 120 s (a window of 10^6 invocations?)")
    check(p.returncode == 0, f"resume: exit {p.returncode}: {p.stderr}")
    rows = read_csv(out)
    check_complete_windows(rows, "resumed run")
    warm = [r for r in rows[before:] if r["phase"] == "warm"]
    check(warm, "the resume measured no warm window")
    # The first resumed window is sized by one invocation of this process (a fresh run's is
    # sized by its cold invocation, as slow): a first invocation is slower than a warm one,
    # so it may fall short, and is then flagged. Later windows are re-sized by the previous.
    first = warm[0]
    n_first = int(first["window_invocations"])
    check(10 < n_first < 100000,
          f"first resumed window: {n_first} invocation(s) over "
          f"{int(first['window_wall_ns']) / 1e9:.3f} s against a {min_s} s minimum")
    for r in warm:
        short = int(r["window_wall_ns"]) < min_s * 1e9
        check(not short or r["status"] != "ok",
              f"window rep {r['rep']} of {int(r['window_wall_ns']) / 1e9:.3f} s is short but ok")
    walls = sorted(int(r["window_wall_ns"]) for r in {r["rep"]: r for r in warm}.values())
    check(walls[len(walls) // 2] >= min_s * 1e9,
          f"the resumed windows' median is {walls[len(walls) // 2] / 1e9:.3f} s < {min_s} s")
    check(len({r["rep"] for r in rows if r["phase"] == "warm"}) == 8, "not 8 warm windows")
    print(f"resume after --cold 1 --warmup 0: {len(warm)} resumed warm rows, windows of "
          f"{sorted({int(r['window_invocations']) for r in warm})} invocations")


def interrupted_run(out, args):
    """A run of ARGS writing OUT, interrupted by SIGINT after its first row."""
    proc = start_until_rows(["run", "-o", out, "--no-plot"] + args, out, 1)
    check(proc.poll() is None, "the run ended before it could be interrupted")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    check(proc.returncode == 1 and "INTERRUPTED" in err, f"interrupt: {proc.returncode} {err}")


def resume_host(tmp):
    if os.geteuid() != 0 or not shutil.which("unshare"):
        skip("needs root and unshare(1) for a UTS namespace with another host name")
    if subprocess.run(["unshare", "-u", "true"]).returncode != 0:
        skip("unshare -u is refused here")
    out = os.path.join(tmp, "host.csv")
    interrupted_run(out, ["-w", "sha256", "-m", "model", "-r", "6"] + SHORT)
    here = read_meta(out)["host"]["host"]
    other = "jb-requeued-node"
    n_rows = len(read_csv(out))

    def resume_on(host, *extra):
        cmd = [JOULEBENCH, "run", "--resume", out, "--no-plot"] + list(extra)
        return subprocess.run(["unshare", "-u", "sh", "-c", 'hostname "$0" && exec "$@"', host]
                              + cmd, capture_output=True, text=True, timeout=120)

    p = resume_on(other)
    lines = p.stderr.strip().splitlines()
    check(p.returncode == 2, f"resume on {other}: exit {p.returncode}, want 2: {p.stderr}")
    check(len(lines) == 1 and here in lines[0] and other in lines[0] and "host" in lines[0],
          f"resume on {other}: want one line naming both hosts: {p.stderr}")
    check(len(read_csv(out)) == n_rows, "a refused resume changed the CSV")
    fn_copy = os.path.join(tmp, "other-fn")
    shutil.copy(JOULEBENCH_FN, fn_copy)
    p = run(["run", "--resume", out, "--no-plot", "--fn", fn_copy])
    lines = p.stderr.strip().splitlines()
    check(p.returncode == 2 and len(lines) == 1 and "function runner" in lines[0]
          and fn_copy in lines[0], f"resume with another --fn: exit {p.returncode}: {p.stderr}")
    p = resume_on(other, "--resume-allow-host-change", "-q")
    check(p.returncode == 0, f"resume with --resume-allow-host-change: {p.returncode} {p.stderr}")
    meta = read_meta(out)
    check(meta.get("host_changes") == [f"{here} -> {other}"],
          f"the sidecar's host_changes: {meta.get('host_changes')}")
    rows = read_csv(out)
    check_complete_windows(rows, "resumed on another host")
    check({r["host"] for r in rows} == {here, other}, f"hosts in rows: {({r['host'] for r in rows})}")
    print(f"resume: another host and another --fn refused (exit 2, one line); "
          f"--resume-allow-host-change recorded {meta['host_changes']}")


def sigint_pinned(tmp):
    out = os.path.join(tmp, "int.csv")
    args = ["run", "-w", "sha256", "-m", "model", "-r", "40", "-o", out, "--no-plot"] + SHORT
    # Its own session, so the group signalled is the run's alone (as a terminal's is).
    proc = start_until_rows(args, out, 20, start_new_session=True)
    check(proc.poll() is None, "the run ended before it could be interrupted")
    time.sleep(0.3)  # well inside a window
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    check(proc.returncode == 1 and "INTERRUPTED" in err,
          f"SIGINT to the group: exit {proc.returncode}: {err}")
    rows = read_csv(out)
    check_complete_windows(rows, "interrupted pinned run")
    bad = [r for r in rows if r["status"] not in ("ok", "untrustworthy")]
    check(not bad, f"{len(bad)} row(s) not ok after Ctrl-C, e.g. {bad[0]['status'] if bad else ''}"
                   f": {bad[0]['message'] if bad else ''}")
    check(read_meta(out)["ended"] == "interrupted", "the sidecar does not say interrupted")
    print(f"SIGINT to the process group: {len(rows)} rows, none crashed, ended interrupted")


def tmp_symlink(tmp):
    victim = os.path.join(tmp, "victim")
    with open(victim, "w") as f:
        f.write("precious\n")
    csv_path = os.path.join(tmp, "s.csv")
    # The sidecar's old temporary path was fixed: <sidecar>.tmp.
    os.symlink(victim, os.path.join(tmp, "s.meta.json.tmp"))
    p = run(["run", "-w", "sha256", "-m", "model", "-r", "2", "-o", csv_path, "--no-plot",
             "-q"] + SHORT)
    check(p.returncode == 0, f"run: {p.returncode} {p.stderr}")
    check(open(victim).read() == "precious\n", "the run's sidecar was written through a symlink")
    check(read_meta(csv_path)["ended"] == "completed", "the sidecar is not the run's")
    # report's was <out>.tmp-<pid>: a shell plants it for its own pid, then execs report.
    out = os.path.join(tmp, "r.html")
    wrap = ["valgrind", "-q", "--error-exitcode=99"] if os.environ.get("JB_VALGRIND") == "1" else []
    p = subprocess.run(["sh", "-c", 'ln -s "$0" "$1.tmp-$$" && shift && exec "$@"', victim, out] + wrap
                       + [JOULEBENCH, "report", csv_path, "-o", out],
                       capture_output=True, text=True, timeout=300)
    check(p.returncode == 0, f"report: {p.returncode} {p.stderr}")
    check(open(victim).read() == "precious\n", "report wrote through the planted symlink")
    check(not os.path.islink(out) and "<html" in open(out).read().lower(), "no report written")
    left = [n for n in os.listdir(tmp) if n.startswith(".")]
    check(not left, f"temporary files left behind: {left}")
    print("tmp-symlink: report and the sidecar left the planted symlinks' target alone")


MODES = {"compare-meter-opts": compare_meter_opts, "resume-cold": resume_cold,
         "resume-host": resume_host, "sigint-pinned": sigint_pinned,
         "tmp-symlink": tmp_symlink}

if __name__ == "__main__":
    check(len(sys.argv) == 2 and sys.argv[1] in MODES, f"usage: {sys.argv[0]} {'|'.join(MODES)}")
    with tempfile.TemporaryDirectory(prefix="jb-faults-") as d:
        MODES[sys.argv[1]](d)
