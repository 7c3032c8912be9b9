#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""CLI test of `joulebench overhead`: a one-invocation trace whose energies are computed by
hand below under both accountings (the printed reductions, totals and fleet saving are
checked against those numbers, not against the tool's own CSV), a small generated day,
bit-identical output for 1, 2 and 3 threads, a sweep and a 2-D map (a map point equals a
single run), the Azure 2019 (one day, two days) and 2021 fixtures, and bad input (one
clear line on stderr, exit 2). Checks that the parts in the CSVs it writes partition the
total (the same bins give both: a guard against a lost part, not an independent check;
the hand-computed trace is that) and that every parameter names a source."""
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


# Round parameters for the hand-computed trace (tests/fixtures/azure2021_hand.csv: one
# invocation of 10 s at time 0; the trace covers 60 s).
HAND = ["bin_s=1", "server_cores=2", "server_memory_mb=1024", "instance_memory_mb=256",
        "server_idle_w=100", "server_loaded_w=140", "headroom_frac=0", "keep_alive_s=60",
        "container_create_j=5", "isolation_frac=0.1", "instance_idle_w=0.5",
        "board_idle_w=2", "board_active_w=3", "board_off_w=0.1", "board_boot_s=2",
        "board_boot_j=6", "board_keep_alive_s=0", "board_slowdown=3",
        "board_isolation_frac=0"]


def hand_expected(memory_only=False):
    """The hand computation. Server: one server for 60 s at 100 W = 6000 J static; the run
    10 s x 20 W/core = 200 J dynamic, +10% isolation = 20 J; 5 J container creation; warm
    [10, 60) at 0.5 W = 25 J. Total 6250 J. The run's share of the server is the scarcer
    resource's, max(1/2 cores, 256/1024 MB) = 1/2: 10 s x 100 W x 1/2 = 500 J (1/4 and
    250 J by memory only). Paper accounting: useful 200 + 500 = 700 J; strict: 200 J.
    Board: boot [0, 2) 6 J, runs 30 s at 3 W = 90 J (30 J above idle), off 28 s at 0.1 W
    = 2.8 J. Total 98.8 J; useful 90 J (paper), 30 J (strict)."""
    sw_total, hw_total = 6000 + 220 + 25 + 5, 6 + 90 + 2.8
    share = 250 if memory_only else 500
    sw_over = {"paper": sw_total - (200 + share), "strict": sw_total - 200}
    hw_over = {"paper": hw_total - 90, "strict": hw_total - 30}
    red = {a: 100 * (1 - hw_over[a] / sw_over[a]) for a in ("paper", "strict")}
    return sw_total, hw_total, sw_over, hw_over, red


def printed_pct(out, label):
    line = [l for l in out.splitlines() if l.strip().startswith(label)][0]
    return [float(x.rstrip("%")) for x in line.split() if x.endswith("%")]


def check_hand(tmp):
    pre = os.path.join(tmp, "hand")
    args = ["--azure2021", os.path.join(FIX, "azure2021_hand.csv"), "--no-plot",
            "--fleet-invocations-per-day", "14400"]
    for kv in HAND:
        args += ["--set", kv]
    p = run(args + ["-o", pre])
    sw_total, hw_total, sw_over, hw_over, red = hand_expected()
    paper, strict = printed_pct(p.stdout, "reduction of overhead  ")[:2]
    assert abs(paper - red["paper"]) < 0.005 and abs(strict - red["strict"]) < 0.005, \
        (paper, strict, red)
    assert f"(1 - hardware/software): {red['paper']:.2f}% (paper" in p.stdout, p.stdout
    e = {(r["platform"], r["part"]): float(r["energy_j"])
         for r in csv.DictReader(open(pre + ".breakdown.csv"))}
    assert abs(e[("software", "total")] - sw_total) < 1e-6, e
    assert abs(e[("hardware", "total")] - hw_total) < 1e-6, e
    for a in ("paper", "strict"):
        assert abs(e[("software", "overhead_" + a)] - sw_over[a]) < 1e-6, (a, e)
        assert abs(e[("hardware", "overhead_" + a)] - hw_over[a]) < 1e-6, (a, e)
    assert f"hardware/software = {hw_total / sw_total:.4g}" in p.stdout, p.stdout
    # 1 invocation in 60 s = 1440 a day; the fleet's 14400 make fleet_scale 10.
    mw = (sw_over["paper"] - hw_over["paper"]) / 60 * 10 / 1e6
    assert f"x fleet_scale 10): {mw:.6g} MW (paper accounting" in p.stdout, p.stdout
    assert "the paper's 70.8 MW" in p.stdout
    # Strict selected: the same two numbers, the headline is the strict one.
    p = run(args + ["-o", pre + "s", "--set", "static_is_useful=0"])
    assert f"(1 - hardware/software): {red['strict']:.2f}% (strict" in p.stdout, p.stdout
    # Memory-only static share.
    p = run(args + ["-o", pre + "m", "--set", "static_share_memory_only=1"])
    red_m = hand_expected(memory_only=True)[4]
    assert abs(printed_pct(p.stdout, "reduction of overhead  ")[0] - red_m["paper"]) < 0.005
    assert abs(red_m["paper"] - red["paper"]) > 0.001  # the rule matters here


def main():
    tmp = tempfile.mkdtemp(prefix="jb-overhead-")
    try:
        check_hand(tmp)
        pre = os.path.join(tmp, "gen")
        p = run(["--functions", "80", "--hours", "3", "--seed", "5", "-o", pre,
                 "--sweep", "keep_alive_s=60,600", "--no-plot"])
        check_breakdown(pre)
        params = list(csv.DictReader(open(pre + ".params.csv")))
        assert len(params) > 20 and all(r["source"].strip() for r in params)
        sweep = list(csv.DictReader(open(pre + ".sweep.csv")))
        assert [float(r["value"]) for r in sweep] == [60, 600], sweep
        ts = list(csv.DictReader(open(pre + ".timeseries.csv")))
        assert len(ts) == 2 * 36, len(ts)  # 3 h in 300 s steps, two platforms

        # Same seed, same numbers, whatever the thread count: bit-identical files.
        for n in ("1", "2", "3"):
            run(["--functions", "80", "--hours", "3", "--seed", "5", "-o", pre + "t" + n,
                 "--no-plot", "--threads", n, "--set", "load_scale=1.5"])
        for n in ("2", "3"):
            for f in (".breakdown.csv", ".timeseries.csv"):
                assert open(pre + "t1" + f).read() == open(pre + "t" + n + f).read(), (n, f)

        # A 2-D map: every point, and a point equals the single run with those values.
        pm = os.path.join(tmp, "map")
        p = run(["--functions", "40", "--hours", "2", "-o", pm, "--no-plot",
                 "--sweep", "board_boot_j=1,30", "--sweep", "load_scale=0.5,1,2"])
        rows = list(csv.DictReader(open(pm + ".map.csv")))
        assert [(float(r["x"]), float(r["y"])) for r in rows] == \
            [(x, y) for x in (1, 30) for y in (0.5, 1, 2)], rows
        assert all(r["x_parameter"] == "board_boot_j" and r["y_parameter"] == "load_scale"
                   for r in rows)
        run(["--functions", "40", "--hours", "2", "-o", pm + "1", "--no-plot",
             "--set", "board_boot_j=30", "--set", "load_scale=2"])
        e = {(r["platform"], r["part"]): float(r["energy_j"])
             for r in csv.DictReader(open(pm + "1.breakdown.csv"))}
        one = 1 - e[("hardware", "overhead_paper")] / e[("software", "overhead_paper")]
        assert abs(float(rows[5]["reduction_paper"]) - one) < 1e-8, (rows[5], one)
        assert abs(float(rows[5]["total_software_j"]) - e[("software", "total")]) < \
            1e-6 * e[("software", "total")]

        # Parameter files and overrides are listed with their sources.
        p = run(["--functions", "20", "--hours", "1", "--no-plot", "-o", pre + "3",
                 "--params", os.path.join(FIX, "..", "..", "sim", "presets", "arm-board.params"),
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
        # Two days from a directory (both memory layouts: tests/fixtures/README.md).
        p = run(["--azure2019-dir", os.path.join(FIX, "azure2019-2days"), "-o", pre + "2d",
                 "--no-plot"])
        assert "3 functions, 6 invocations, 48 h" in p.stderr, p.stderr
        check_breakdown(pre + "2d")
        pre = os.path.join(tmp, "az21")
        run(["--azure2021", os.path.join(FIX, "azure2021_invocations.csv"), "-o", pre,
             "--no-plot"])
        check_breakdown(pre)

        # Figures, when gnuplot is here.
        if shutil.which("gnuplot"):
            pre = os.path.join(tmp, "fig")
            run(["--functions", "30", "--hours", "2", "-o", pre, "--sweep", "board_boot_j=1,10"])
            run(["--functions", "30", "--hours", "2", "-o", pre, "--sweep", "board_boot_j=1,10",
                 "--sweep", "keep_alive_s=60,600"])
            for f in ("energy.png", "energy.svg", "power.png", "power.svg", "sweep.png",
                      "sweep.svg", "map.png", "map.svg"):
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
            (["--sweep", "keep_alive_s=1,2", "--sweep", "keep_alive_s=3"], "a map needs two keys"),
            (["--azure2019-dir", tmp], "no invocations_per_function_md"),
            (["--threads", "0"], "bad value for --threads"),
            (["--fleet-invocations-per-day", "-1"], "fleet_invocations_per_day"),
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
