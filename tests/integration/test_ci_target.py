# SPDX-License-Identifier: MIT
"""`joulebench run --ci-target P` (issue 22): windows are added until the 95% interval of
the median energy per invocation is within P% of it, or a cap. Checked on the model meter:
  - a target no run can reach (0.001%) stops at --max-windows, and the summary and the
    sidecar say "not reached" with the windows run, which the CSV holds;
  - a loose target (90%) is reached once 15 ok windows (CI_TARGET_WINDOWS_MIN: stopping on
    fewer biased the interval) are in, and says so;
  - co-located (-c 2, two workloads): one outcome for the run, every workload judged,
    each workload's summary line, as many warm windows in the CSV as the outcome says;
  - --max-time-s stops adding windows (a target that cannot be reached, a short limit);
  - the interval the sidecar's outcome rests on is recomputed here from the CSV's windows
    (energy per invocation of each ok warm window): reached means half-width <= P% of
    the median (here by a percentile bootstrap of the windows: an independent check of its
    order of magnitude, not the same formula);
  - bad usage: --max-windows without --ci-target, --max-windows below -r: exit 2."""
import os
import random
import shutil
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jbtest import check, read_csv, read_meta, run  # noqa: E402

tmp = tempfile.mkdtemp(prefix="jb-ci-")
base = ["run", "-w", "float-ops", "-s", "test", "-m", "model", "--warmup", "1",
        "--idle-s", "0.05", "--min-window-s", "0.1", "--no-plot", "-q"]


def windows_of(path):
    """Energy per invocation of each ok warm window, and the warm windows in all."""
    wins = {}
    for r in read_csv(path):
        if r["phase"] == "warm":
            wins.setdefault(r["rep"], []).append(r)
    ok = [sum(float(r["energy_j"]) for r in w) / len(w) for w in wins.values()
          if all(r["status"] == "ok" for r in w)]
    return ok, len(wins)


def half_width(xs, b=2000):
    rng = random.Random(1)
    meds = sorted(statistics.median(rng.choices(xs, k=len(xs))) for _ in range(b))
    return (meds[int(0.975 * b) - 1] - meds[int(0.025 * b)]) / 2


def outcome(path):
    ci = read_meta(path)["protocol"]["ci_target"]
    check(len(ci["outcomes"]) == 1, f"outcomes {ci}")
    return ci, ci["outcomes"][0]


try:
    # Unreachable: stops at the cap, says so everywhere.
    out = os.path.join(tmp, "tight.csv")
    p = run(base + ["--ci-target", "0.001", "-r", "3", "--max-windows", "6", "-o", out])
    check(p.returncode == 0, f"tight target: exit {p.returncode}: {p.stderr}")
    ci, o = outcome(out)
    ok, n = windows_of(out)
    check(ci["target_pct"] == 0.001 and ci["min_windows"] == 3 and ci["max_windows"] == 6,
          f"sidecar rule {ci}")
    check(o["workload"] == "float-ops" and not o["reached"] and o["ended_by"] == "max-windows"
          and o["windows"] == 6 == n, f"tight outcome {o}, {n} windows in the CSV")
    check("ci-target 0.001%: float-ops NOT reached after 6 window(s) (stopped by max-windows)"
          in p.stdout, f"summary line: {p.stdout}")

    # Loose: reached, and the interval recomputed here agrees.
    out = os.path.join(tmp, "loose.csv")
    p = run(base + ["--ci-target", "90", "-r", "3", "--max-windows", "40", "-o", out])
    check(p.returncode == 0, f"loose target: exit {p.returncode}: {p.stderr}")
    ci, o = outcome(out)
    ok, n = windows_of(out)
    check(o["reached"] and o["ended_by"] == "target" and 15 <= o["windows"] == n <= 40,
          f"loose outcome {o}, {n} windows in the CSV")
    check(f"float-ops reached after {n} window(s)" in p.stdout, f"summary line: {p.stdout}")
    hw = half_width(ok)
    check(hw <= 0.9 * statistics.median(ok) * 1.5,
          f"reached, but the windows' interval half-width {hw} is far above 90% of "
          f"{statistics.median(ok)}")

    # Co-located: one outcome for the whole run, a line per workload.
    if len(os.sched_getaffinity(0)) >= 2:
        out = os.path.join(tmp, "colo.csv")
        p = run(base[:2] + ["matmul,float-ops", "-c", "2"] + base[3:] +
                ["--ci-target", "0.001", "--max-windows", "6", "-o", out])
        check(p.returncode == 0, f"co-located: exit {p.returncode}: {p.stderr}")
        ci, o = outcome(out)
        check(o["workload"] == "" and o["windows"] == 6 and o["ended_by"] == "max-windows",
              f"co-located outcome {o}")
        reps = {r["rep"] for r in read_csv(out) if r["phase"] == "warm"}
        check(len(reps) == 6, f"co-located: {len(reps)} warm windows in the CSV, want 6")
        for wl in ("matmul", "float-ops"):
            check(f"ci-target 0.001%: {wl} NOT reached after 6 window(s)" in p.stdout,
                  f"co-located summary lacks {wl}: {p.stdout}")

    # A time limit.
    out = os.path.join(tmp, "time.csv")
    p = run(base + ["--ci-target", "0.001", "-r", "2", "--max-windows", "1000",
                    "--max-time-s", "0.5", "-o", out])
    ci, o = outcome(out)
    check(p.returncode == 0 and o["ended_by"] == "max-time" and not o["reached"] and
          o["windows"] < 1000, f"time limit outcome {o}")

    # Bad usage.
    for args in (["--max-windows", "5"], ["--ci-target", "5", "-r", "10", "--max-windows", "5"],
                 ["--ci-target", "0"], ["--max-time-s", "3"]):
        p = run(base + args + ["-o", os.path.join(tmp, "bad.csv")])
        check(p.returncode == 2 and p.stderr.count("\n") == 1,
              f"{args}: exit {p.returncode}, stderr {p.stderr!r}")
    print("ok")
finally:
    shutil.rmtree(tmp, ignore_errors=True)
