# SPDX-License-Identifier: MIT
"""Co-location on the protocol library (issue 12): --cold N gives N cold starts of each
instance, each metered alone, with a metered teardown between them and one at the end;
every warm row has a CPU time and the window's shares add up to its energy; the sidecar
records the N that was run."""
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
    print("ok")
finally:
    shutil.rmtree(tmp, ignore_errors=True)
