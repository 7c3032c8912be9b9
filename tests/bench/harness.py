# SPDX-License-Identifier: MIT
"""The `harness` benchmark: what joulebench adds to an invocation. For each workload at
size small, side by side in one run and interleaved (bare, joulebench, bare, joulebench,
...) so that drifts of a noisy machine hit both alike:
  bare        the kernel in a plain loop, pinned to a core (bare-loop);
  joulebench  the same kernel under `joulebench run` (pinned driver on the same core, model
              meter): per invocation, the metered window's wall time divided by its
              invocations, so dispatch, protocol and meter reads are all counted.
Prints, per workload, the medians of: the bare loop; the kernel alone inside joulebench's
function runner (its own wall_ns, same run); and the invocation as the harness sees it.
"harness" = invocation / kernel-in-runner: what joulebench adds around the kernel
(dispatch, protocol, verification, meter reads), in the same process and memory layout.
"vs bare" = invocation / bare loop: that plus any difference between two processes running
the same code (heap and page layout can move a memory-bound kernel by tens of percent;
measured here, not hidden). Goal for "harness": under 0.25%."""
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
    """Medians over windows of: the window's time per invocation, and the mean kernel
    wall_ns of the same invocations (so slow outliers weigh alike in both), in seconds."""
    path = os.path.join(tmp, f"{wl}-{k}.csv")
    subprocess.run([JOULEBENCH, "run", "-w", wl, "-s", "small", "-m", "model", "-r", "3",
                    "--warmup", "1", "--idle-s", "0.2", "--cores", CORE, "-o", path,
                    "--no-plot", "-q"], capture_output=True, check=True)
    windows = {}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            if r["phase"] == "warm":
                windows.setdefault(r["rep"], []).append(r)
    per = [int(w[0]["window_wall_ns"]) / len(w) / 1e9 for w in windows.values()]
    kernel = [sum(int(r["wall_ns"]) for r in w) / len(w) / 1e9 for w in windows.values()]
    return statistics.median(per), statistics.median(kernel)


print(f"{'workload':12} {'bare s':>10} {'kernel s':>10} {'invoc. s':>10} {'harness':>9} "
      f"{'vs bare':>9}")
harness, vs_bare = [], []
for wl in names:
    b, h, kern = [], [], []
    for k in range(ROUNDS):
        b.append(bare(wl))
        inv, ker = harnessed(wl, k)
        h.append(inv)
        kern.append(ker)
    hb, hh, hk = statistics.median(b), statistics.median(h), statistics.median(kern)
    harness.append(hh / hk)
    vs_bare.append(hh / hb)
    print(f"{wl:12} {hb:10.6f} {hk:10.6f} {hh:10.6f} {(hh / hk - 1) * 100:8.3f}% "
          f"{(hh / hb - 1) * 100:8.3f}%")
print(f"median over {len(names)} workloads: harness {(statistics.median(harness) - 1) * 100:.3f}% "
      f"(goal: under 0.25%), vs bare {(statistics.median(vs_bare) - 1) * 100:.3f}%")
