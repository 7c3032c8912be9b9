# SPDX-License-Identifier: MIT
"""The `harness` benchmark: what joulebench adds to an invocation. For each workload at
size small, side by side in one run and interleaved (bare, joulebench, bare, joulebench,
...) so that drifts of a noisy machine hit both alike:
  bare        the kernel in a plain loop, pinned to a core (bare-loop);
  joulebench  the same kernel under `joulebench run` (pinned driver on the same core, model
              meter): per invocation, the metered window's wall time divided by its
              invocations, so dispatch, protocol and meter reads are all counted.
Prints the ratio of the medians and the overhead in percent. Goal: under 0.25%."""
import csv
import os
import statistics
import subprocess
import sys
import tempfile

JOULEBENCH = os.environ["JOULEBENCH"]
BARE = os.environ["JB_BARE_LOOP"]
CORE = "1" if (os.cpu_count() or 1) > 1 else "0"
ROUNDS = int(os.environ.get("JB_HARNESS_ROUNDS", "3"))
tmp = tempfile.mkdtemp(prefix="jb-harness-")

names = [l.split()[0] for l in subprocess.run(
    [JOULEBENCH, "list", "workloads"], capture_output=True, text=True,
    check=True).stdout.splitlines()[1:] if l.startswith("  ")]
if len(sys.argv) > 1:
    names = sys.argv[1:]


def bare(wl):
    out = subprocess.run([BARE, wl, "small", "10", CORE], capture_output=True, text=True,
                         check=True).stdout
    return int(out.split()[0].split("=")[1]) / 1e9


def harnessed(wl, k):
    path = os.path.join(tmp, f"{wl}-{k}.csv")
    subprocess.run([JOULEBENCH, "run", "-w", wl, "-s", "small", "-m", "model", "-r", "3",
                    "--warmup", "1", "--idle-s", "0.2", "--cores", CORE, "-o", path,
                    "--no-plot", "-q"], capture_output=True, check=True)
    per = []
    seen = set()
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            if r["phase"] == "warm" and r["rep"] not in seen:
                seen.add(r["rep"])
                per.append(int(r["window_wall_ns"]) / int(r["window_invocations"]) / 1e9)
    return statistics.median(per)


print(f"{'workload':12} {'bare s/inv':>12} {'joulebench s/inv':>17} {'ratio':>8} {'overhead':>9}")
ratios = []
for wl in names:
    b, h = [], []
    for k in range(ROUNDS):
        b.append(bare(wl))
        h.append(harnessed(wl, k))
    ratio = statistics.median(h) / statistics.median(b)
    ratios.append(ratio)
    print(f"{wl:12} {statistics.median(b):12.6f} {statistics.median(h):17.6f} {ratio:8.4f} "
          f"{(ratio - 1) * 100:8.3f}%")
print(f"median overhead over {len(ratios)} workloads: "
      f"{(statistics.median(ratios) - 1) * 100:.3f}% (goal: under 0.25%)")
