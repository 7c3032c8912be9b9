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
p = run(["run", "-w", "matmul", "-s", "test", "-m", "model", "-r", "6", "--warmup", "1",
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

# No pair that differs in the driver only: --ratios says so.
p = run(["analyze", a, "--ratios"])
check(p.returncode == 0 and "no ratio" in p.stdout, f"no pair: {p.stdout}")

# Runs at -c 1 and -c 2: two groups, and one line naming the factor that split them.
c2 = os.path.join(tmp, "c2.csv")
p = run(["run", "-w", "matmul", "-s", "test", "-m", "model", "-r", "3", "--warmup", "1",
         "-c", "2", "--idle-s", "0.2", "--min-window-s", "0.2", "--no-plot", "-q", "-o", c2])
check(p.returncode == 0, f"run -c 2: {p.stderr}")
p = run(["analyze", a, c2, "--csv"])
g2 = list(csv.DictReader(io.StringIO(p.stdout)))
check(sorted(x["concurrency"] for x in g2) == ["1", "2"], f"-c 1, -c 2: {len(g2)} groups")
check("differ in concurrency 1 vs 2" in p.stderr, f"no line names the split: {p.stderr}")
p = run(["analyze", a, c2])
splits = [l for l in p.stdout.splitlines() if l.startswith("not pooled:")]
check(len(splits) == 1 and "concurrency 1 vs 2" in splits[0], f"split lines: {splits}")

# Two runs of one configuration: one group, both runs counted.
a2 = os.path.join(tmp, "a2.csv")
p = run(["run", "-w", "matmul", "-s", "test", "-m", "model", "-r", "3", "--warmup", "1",
         "--idle-s", "0.2", "--min-window-s", "0.2", "--no-plot", "-q", "-o", a2])
check(p.returncode == 0, f"second run: {p.stderr}")
p = run(["analyze", a, a2, "--csv"])
g2 = list(csv.DictReader(io.StringIO(p.stdout)))
check(len(g2) == 1 and g2[0]["n_runs"] == "2", f"two runs: {[(x['n'], x['n_runs']) for x in g2]}")
n_ok = len(ok_windows) + len([1 for rs, ok in windows_of(read_csv(a2)).values() if ok])
check(int(g2[0]["n_windows"]) == n_ok, f"two runs: {g2[0]['n_windows']} windows, want {n_ok}")
# One run's interval says what it leaves out; two runs' does not need to.
p1, p2 = run(["analyze", a]), run(["analyze", a, a2])
check("one run: its interval holds" in p1.stdout, f"one run, no note: {p1.stdout}")
check("one run:" not in p2.stdout.replace("(one run: on its windows)", ""),
      f"two runs, yet the one-run note: {p2.stdout}")

# Flagged windows: one untrustworthy, one meter-error; the headline counts them out and
# says so, and a negative dynamic energy is explained.
fl = os.path.join(tmp, "flagged.csv")
# Two of the ok windows (a loaded machine may already have flagged others).
reps = sorted({rs[0]["rep"] for rs in ok_windows}, key=int)
check(len(reps) >= 3, f"only {len(reps)} ok windows to flag")
untrusted = len({r["rep"] for r in rows if r["phase"] == "warm" and r["status"] == "untrustworthy"})
with open(fl, "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=header)
    w.writeheader()
    for r in rows:
        r2 = dict(r)
        if r["phase"] == "warm" and r["rep"] == reps[0]:
            r2.update(status="untrustworthy", message="counter jump")
        elif r["phase"] == "warm" and r["rep"] == reps[1]:
            r2.update(status="meter-error", message="read failed", energy_j="",
                      dynamic_energy_j="")
        elif r2["dynamic_energy_j"]:
            r2["dynamic_energy_j"] = repr(-abs(float(r2["dynamic_energy_j"])) - 1e-6)
        w.writerow(r2)
p = run(["analyze", fl, "--csv"])
gf = list(csv.DictReader(io.StringIO(p.stdout)))[0]
check(int(gf["n_windows"]) == len(ok_windows) - 2, f"flagged: {gf['n_windows']} windows")
check(int(gf["windows_untrustworthy"]) == untrusted + 1 and gf["windows_meter_error"] == "1",
      f"flagged: {gf['windows_untrustworthy']} untrustworthy, {gf['windows_meter_error']} meter-error")
check(float(gf["dynamic_median_j"]) < 0 and "negative dynamic energy" in gf["dynamic_note"],
      f"negative dynamic energy not explained: {gf['dynamic_note']!r}")
p = run(["analyze", fl])
left = [l for l in p.stdout.splitlines() if "left out:" in l]
check(len(left) == 1 and "1 meter-error" in left[0] and f"{untrusted + 1} untrustworthy" in left[0],
      f"flagged: the text does not say what was left out: {p.stdout}")
check("negative dynamic energy" in p.stdout, "the text does not explain the negative energy")

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
open(v2, "w").write("\n".join([lines[0]] + ["3" + l[1:] for l in lines[1:3]]) + "\n")
p = run(["analyze", v2])
check(p.returncode == 2 and "schema_version 3" in p.stderr, f"schema: {p.stderr}")
p = run(["analyze", os.path.join(tmp, "none.csv")])
check(p.returncode == 2 and "none.csv" in p.stderr, f"missing file: {p.stderr}")
p = run(["analyze", a, "--seed", "x"])
check(p.returncode == 2, "bad seed")
print("ok")
