# SPDX-License-Identifier: MIT
"""Co-location on the protocol library (issue 12): --cold N gives N cold starts of each
instance, each metered alone, with a metered teardown between them and one at the end;
every warm row has a CPU time and the window's shares add up to its energy; every row of a
CPU-time split carries the attribution term in its uncertainty (|CPU share - equal share| x
the window's energy, computed here from the rows' cpu_ns), on top of its share of the
window's meter uncertainty (the same for every row of the window once divided by its share);
the sidecar records the N that was run."""
import os
import shutil
import tempfile

from jbtest import check, read_csv, read_meta, run, skip

if os.cpu_count() < 2 or len(os.sched_getaffinity(0)) < 2:
    skip("needs two usable CPUs")
cores = sorted(os.sched_getaffinity(0))[:2]
tmp = tempfile.mkdtemp(prefix="jb-colo-")
try:
    out = os.path.join(tmp, "colo.csv")
    p = run(["run", "-w", "matmul", "-s", "test", "-c", "2", "--cold", "3", "-m", "model",
             "-r", "2", "--warmup", "1", "--idle-s", "0.05", "--min-window-s", "0.1",
             "--cores", f"{cores[0]},{cores[1]}", "-o", out, "--no-plot"])
    check(p.returncode == 0, f"co-located run: {p.returncode} {p.stderr}")
    rows = read_csv(out)
    check(read_meta(out)["protocol"]["cold"] == 3, "sidecar cold")
    for inst in ("0", "1"):
        mine = [r for r in rows if r["instance"] == inst]
        colds = [r for r in mine if r["phase"] == "cold"]
        check(len(colds) == 3, f"instance {inst}: {len(colds)} cold rows, want 3")
        check(all(r["window_invocations"] == "1" and
                  r["energy_method"] == "cold-start+first-invocation" for r in colds),
              f"instance {inst}: a cold start not metered alone")
        teardowns = [r for r in mine if r["phase"] == "teardown"]
        check(len(teardowns) == 3, f"instance {inst}: {len(teardowns)} teardown rows, want 3")
    # Cold starts come before the windows; each instance's first two are followed by its
    # teardown before the next cold start.
    phases = [(r["instance"], r["phase"]) for r in rows]
    first_warm = min(i for i, (_, ph) in enumerate(phases) if ph in ("warm", "warmup"))
    check(sum(ph == "cold" for _, ph in phases[:first_warm]) == 6, f"order {phases}")
    warm = [r for r in rows if r["phase"] == "warm"]
    check(warm and all(r["status"] == "ok" and int(r["cpu_ns"]) > 0 for r in warm),
          f"warm rows: {[(r['status'], r['message']) for r in warm]}")
    for rep in {r["rep"] for r in warm}:
        win = [r for r in warm if r["rep"] == rep]
        tot = sum(float(r["energy_j"]) for r in win)
        check(abs(tot - float(win[0]["window_energy_j"])) <= 1e-6 * tot + 1e-9,
              f"window {rep}: shares {tot} != {win[0]['window_energy_j']}")
    # Attribution (results/README.md): every row of a CPU-time split, warmup included.
    split = [r for r in rows if r["energy_method"].endswith("-cpu-share")]
    check(split, "no row of a CPU-time split")
    for rep in {r["rep"] for r in split}:
        win = [r for r in split if r["rep"] == rep]
        cpu = sum(int(r["cpu_ns"]) for r in win)
        e_w = float(win[0]["window_energy_j"])
        meter = set()
        for r in win:
            share = int(r["cpu_ns"]) / cpu
            term = abs(share - 1 / len(win)) * e_w
            unc = float(r["energy_uncertainty_j"])
            check(term > 0 and unc >= term * (1 - 1e-6),
                  f"window {rep}: uncertainty {unc} lacks the attribution term {term}")
            meter.add(round((unc - term) / share, 6))
        check(len(meter) == 1 and min(meter) > 0,
              f"window {rep}: the meter's part of the uncertainty differs by row: {meter}")
    print(f"ok: {len(split)} rows of a CPU-time split carry the attribution term")
finally:
    shutil.rmtree(tmp, ignore_errors=True)
