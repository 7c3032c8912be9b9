#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""CLI test of `joulebench overhead`: a small generated day, a sweep, the Azure 2019 and
2021 fixtures, and bad input (one clear line on stderr, exit 2). Checks the CSVs it
writes: conservation (total = useful + overhead parts), the reduction printed against
the breakdown, and that every parameter names a source."""
import csv
import os
import shutil
import subprocess
import sys
import tempfile

JB = os.environ["JOULEBENCH"]
FIX = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
PARTS = ["useful", "idle", "overprovisioned", "keepalive", "coldstart", "isolation"]


def run(args, code=0):
    p = subprocess.run([JB, "overhead"] + args, capture_output=True, text=True, timeout=60)
    if p.returncode != code:
        sys.exit(f"FAIL: joulebench overhead {' '.join(args)}: exit {p.returncode}, "
                 f"wanted {code}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p


def check_breakdown(prefix):
    rows = list(csv.DictReader(open(prefix + ".breakdown.csv")))
    e = {(r["platform"], r["part"]): float(r["energy_j"]) for r in rows}
    for plat in ("software", "hardware"):
        total = e[(plat, "total")]
        s = sum(e[(plat, p)] for p in PARTS)
        assert abs(s - total) <= 1e-6 * total, f"{plat}: parts {s} != total {total}"
        assert abs(e[(plat, "overhead")] - (total - e[(plat, "useful")])) <= 1e-6 * total
    return 1 - e[("hardware", "overhead")] / e[("software", "overhead")]


def main():
    tmp = tempfile.mkdtemp(prefix="jb-overhead-")
    try:
        pre = os.path.join(tmp, "gen")
        p = run(["--functions", "80", "--hours", "3", "--seed", "5", "-o", pre,
                 "--sweep", "keep_alive_s=60,600", "--no-plot"])
        red = check_breakdown(pre)
        line = [l for l in p.stdout.splitlines() if l.startswith("reduction of overhead")][0]
        assert abs(float(line.split(":")[1].strip().rstrip("%")) - 100 * red) < 0.01, line
        params = list(csv.DictReader(open(pre + ".params.csv")))
        assert len(params) > 20 and all(r["source"].strip() for r in params)
        sweep = list(csv.DictReader(open(pre + ".sweep.csv")))
        assert [float(r["value"]) for r in sweep] == [60, 600], sweep
        ts = list(csv.DictReader(open(pre + ".timeseries.csv")))
        assert len(ts) == 2 * 36, len(ts)  # 3 h in 300 s steps, two platforms

        # Same seed, same numbers.
        run(["--functions", "80", "--hours", "3", "--seed", "5", "-o", pre + "2", "--no-plot"])
        assert open(pre + ".breakdown.csv").read() == open(pre + "2.breakdown.csv").read()

        # Parameter files and overrides are listed with their sources.
        p = run(["--functions", "20", "--hours", "1", "--no-plot", "-o", pre + "3",
                 "--params", os.path.join(FIX, "..", "..", "analysis", "presets", "arm-board.params"),
                 "--set", "board_boot_j=0.5"])
        assert "board_boot_j                 = 0.5          | command line --set" in p.stdout

        # Azure fixtures.
        pre = os.path.join(tmp, "az19")
        p = run(["--azure2019-invocations", os.path.join(FIX, "azure2019_invocations.csv"),
                 "--azure2019-durations", os.path.join(FIX, "azure2019_durations.csv"),
                 "--azure2019-memory", os.path.join(FIX, "azure2019_memory.csv"),
                 "-o", pre, "--no-plot"])
        assert "2 functions, 10 invocations" in p.stderr, p.stderr
        check_breakdown(pre)
        pre = os.path.join(tmp, "az21")
        run(["--azure2021", os.path.join(FIX, "azure2021_invocations.csv"), "-o", pre,
             "--no-plot"])
        check_breakdown(pre)

        # Figures, when gnuplot is here.
        if shutil.which("gnuplot"):
            pre = os.path.join(tmp, "fig")
            run(["--functions", "30", "--hours", "2", "-o", pre, "--sweep", "board_boot_j=1,10"])
            for f in ("energy.png", "energy.svg", "power.png", "power.svg", "sweep.png",
                      "sweep.svg"):
                assert os.path.getsize(f"{pre}.{f}") > 0, f

        # Bad input: exit 2 and one line naming the problem.
        bad = [
            (["--set", "no_such_key=1"], "unknown parameter 'no_such_key'"),
            (["--set", "keep_alive_s=-5"], "outside"),
            (["--azure2021", os.path.join(FIX, "azure2021_bad.csv")],
             "azure2021_bad.csv: line 4, column 4 (duration)"),
            (["--azure2019-invocations", os.path.join(FIX, "azure2019_invocations_bad.csv"),
              "--azure2019-durations", os.path.join(FIX, "azure2019_durations.csv")],
             "line 3, column 15"),
            (["--azure2021", os.path.join(tmp, "missing.csv")], "missing.csv"),
            (["--sweep", "keep_alive_s"], "--sweep wants"),
            (["--hours", "x"], "bad value for --hours: 'x'"),
            (["--bogus", "1"], "unknown option '--bogus'"),
        ]
        for args, want in bad:
            p = run(args + ["--no-plot", "-o", os.path.join(tmp, "bad")], code=2)
            lines = p.stderr.strip().splitlines()
            assert len(lines) == 1 and want in lines[0], f"{args}: {p.stderr!r}"
        src = os.path.join(tmp, "nosrc.params")
        open(src, "w").write("keep_alive_s = 60\n")
        p = run(["--params", src, "--no-plot"], code=2)
        assert "nosrc.params: line 1" in p.stderr and "no source" in p.stderr, p.stderr
    finally:
        shutil.rmtree(tmp)
    print("ok")


if __name__ == "__main__":
    main()
