# SPDX-License-Identifier: MIT
"""The `harness` benchmark: the observer effect, what joulebench adds to an invocation.

For each workload at size small, ROUNDS rounds of, in this order (ABAB...):
  A bare        the kernel in a plain loop, pinned to a core (bare-loop): mean wall time
                per invocation over BARE_N invocations after one warmup;
  B joulebench  the same kernel under `joulebench run` (pinned driver on the same core,
                model meter): the metered windows' wall time divided by their invocations,
                so dispatch, protocol, verification and meter reads all count.
Bare and harnessed runs alternate, so a drift of a loaded machine hits both alike; each
round gives one ratio B/A, and the perturbation is the mean of those ratios minus 1 with a
seeded percentile-bootstrap 95% CI over the rounds. A CI that contains 0 is "not
distinguishable from 0". "in runner" is the invocation against the kernel's own wall_ns
inside joulebench's function runner (same process, same memory layout). "cpu vs bare" is
the kernel's CPU time per invocation inside the runner against the bare loop's, with its
CI: preemption by other load does not inflate CPU time, so on a loaded machine it shows
whether the kernel itself runs slower under joulebench (the wall-time figure, which is the
goal's, also counts the host's noise).

Goal: perturbation vs bare within +-0.5% for every workload at size small, shown by its CI:
"met" when the whole CI is inside +-0.5%; "MISSED" when the whole CI is outside (the
benchmark then exits 1); "not shown" when the CI straddles a bound (too noisy to tell:
more rounds, JB_HARNESS_ROUNDS, or a quieter machine).

Then the cost of the meters themselves: the read cost of every meter usable here and of
the fakes (rapl-perf on the fixture PMU, hwmon on the fixture tree), and the INA219
sampler's CPU cost on the register model (tests/unit/bench_meters.c, run as is).

JB_BENCH_SHORT=1 (CI): two workloads at size test, 2 rounds: the suite runs and its
ratios are finite and within a sanity bound (0.05x-20x), nothing more.
Arguments name workloads."""
import csv
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile

JOULEBENCH = os.environ["JOULEBENCH"]
BARE = os.environ["JB_BARE_LOOP"]
METERS = os.environ.get("JB_BENCH_METERS")
SHORT = os.environ.get("JB_BENCH_SHORT") == "1"
CORE = "1" if (os.cpu_count() or 1) > 1 else "0"
ROUNDS = int(os.environ.get("JB_HARNESS_ROUNDS", "2" if SHORT else "6"))
SIZE = "test" if SHORT else "small"
BARE_N = 10
GOAL = 0.005
# A sanity bound, not a goal: at size test an invocation takes milliseconds, so dispatch
# alone can double it, and a loaded machine can stall one side of a round for seconds.
PLAUSIBLE = (0.05, 20.0)
tmp = tempfile.mkdtemp(prefix="jb-harness-")
rng = random.Random(1)

names = [l.split()[0] for l in subprocess.run(
    [JOULEBENCH, "list", "workloads"], capture_output=True, text=True,
    check=True).stdout.splitlines()[1:] if l.startswith("  ")]
if SHORT:
    names = ["json", "compress"]  # the longest kernels at size test: a few ms each
if len(sys.argv) > 1:
    names = sys.argv[1:]


def bare(wl):
    out = subprocess.run([BARE, wl, SIZE, str(BARE_N), CORE], capture_output=True, text=True,
                         check=True).stdout
    fields = dict(kv.split("=") for kv in out.split())
    return int(fields["mean_ns"]) / 1e9, int(fields["cpu_mean_ns"]) / 1e9


def harnessed(wl, k):
    """Seconds per invocation over all metered windows, and the mean kernel wall_ns and
    cpu_ns of the same invocations inside the function runner."""
    path = os.path.join(tmp, f"{wl}-{k}.csv")
    args = [JOULEBENCH, "run", "-w", wl, "-s", SIZE, "-m", "model", "-r", "3", "--warmup", "1",
            "--idle-s", "0.2", "--cores", CORE, "-o", path, "--no-plot", "-q"]
    if SHORT:
        args += ["--min-window-s", "0.2"]
    subprocess.run(args, capture_output=True, check=True)
    windows = {}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            if r["phase"] == "warm":
                windows.setdefault(r["rep"], []).append(r)
    n = sum(len(w) for w in windows.values())
    per = sum(int(w[0]["window_wall_ns"]) for w in windows.values()) / n / 1e9
    kernel = sum(int(r["wall_ns"]) for w in windows.values() for r in w) / n / 1e9
    cpu = sum(int(r["cpu_ns"]) for w in windows.values() for r in w) / n / 1e9
    os.unlink(path)
    return per, kernel, cpu


def boot_ci(xs, b=2000, level=0.95):
    """Percentile bootstrap CI of the mean of XS (seeded, so a rerun of the same numbers
    gives the same interval)."""
    means = sorted(statistics.fmean(rng.choices(xs, k=len(xs))) for _ in range(b))
    lo = means[int((1 - level) / 2 * b)]
    hi = means[min(b - 1, int((1 + level) / 2 * b))]
    return lo, hi


def verdict(lo, hi):
    if -GOAL <= lo and hi <= GOAL:
        return "met"
    if lo > GOAL or hi < -GOAL:
        return "MISSED"
    return "not shown"


print(f"harness: {len(names)} workload(s) at size {SIZE}, {ROUNDS} rounds of bare, "
      f"joulebench (ABAB...) on core {CORE}; load average at start "
      f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
print(f"{'workload':10} {'bare s':>9} {'joulebench s':>12} {'in runner':>9} "
      f"{'cpu vs bare':>11} {'95% CI':>19} {'vs bare':>8} {'95% CI':>19}  goal +-0.5%")
misses, implausible, rows = [], [], []
for wl in names:
    ratios, runner, cpu = [], [], []
    b_all, h_all = [], []
    for k in range(ROUNDS):
        b, b_cpu = bare(wl)
        h, kern, h_cpu = harnessed(wl, k)
        b_all.append(b)
        h_all.append(h)
        ratios.append(h / b)
        runner.append(h / kern)
        cpu.append(h_cpu / b_cpu)
    pert = [r - 1 for r in ratios]
    mean = statistics.fmean(pert)
    lo, hi = boot_ci(pert) if len(pert) > 1 else (-math.inf, math.inf)
    cpu_pert = [r - 1 for r in cpu]
    clo, chi = boot_ci(cpu_pert) if len(cpu) > 1 else (-math.inf, math.inf)
    v = verdict(lo, hi) if not SHORT else "not judged (short form)"
    note = " (not distinguishable from 0)" if lo <= 0 <= hi else ""
    print(f"{wl:10} {statistics.fmean(b_all):9.6f} {statistics.fmean(h_all):12.6f} "
          f"{(statistics.fmean(runner) - 1) * 100:+8.3f}% "
          f"{statistics.fmean(cpu_pert) * 100:+10.2f}% [{clo * 100:+7.2f}%, {chi * 100:+7.2f}%] "
          f"{mean * 100:+7.2f}% "
          f"[{lo * 100:+7.2f}%, {hi * 100:+7.2f}%]  {v}{note}")
    rows.append((wl, mean, lo, hi, v))
    if v == "MISSED":
        misses.append(wl)
    if not all(math.isfinite(r) and PLAUSIBLE[0] <= r <= PLAUSIBLE[1]
               for r in ratios + runner + cpu):
        implausible.append(wl)
met = sum(1 for r in rows if r[4] == "met")
if not SHORT:
    print(f"goal (perturbation vs bare within +-0.5% at size {SIZE}, by its 95% CI): met for "
          f"{met} of {len(rows)}; missed beyond the CI: {', '.join(misses) or 'none'}; "
          f"not shown (CI straddles a bound): "
          f"{', '.join(r[0] for r in rows if r[4] == 'not shown') or 'none'}")
print(f"load average at end {os.getloadavg()[0]:.2f}")

if METERS:
    print("\nthe meters' own cost (bench-meters):")
    p = subprocess.run([METERS], capture_output=True, text=True)
    print(p.stdout, end="")
    if p.returncode != 0:
        print(f"FAIL: bench-meters exited {p.returncode}: {p.stderr}")
        sys.exit(1)

if implausible:
    print(f"FAIL: implausible ratios (outside {PLAUSIBLE[0]}x-{PLAUSIBLE[1]}x or not finite) "
          f"for {implausible}")
    sys.exit(1)
if SHORT:
    print("short form: the suite runs and its ratios are plausible; the goal is judged "
          "only in the full run")
    sys.exit(0)
sys.exit(1 if misses else 0)
