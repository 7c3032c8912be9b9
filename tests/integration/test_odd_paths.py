# SPDX-License-Identifier: MIT
"""Paths are paths, never command lines (joulebench runs as root): no shell between
joulebench and the programs it starts.

`figure`: a results path holding a quote, a double quote, a backslash, spaces and
`$(touch ...)` gives its CSV, PNG and SVG there (gnuplot gets the path as a quoted string)
and runs nothing; a path with a line break, which gnuplot cannot take, is refused with a
clear line and the run still completes; a figure of all-zero or all-NaN energies is one
line saying why there is no figure, exit 2, and no gnuplot error on the terminal.
`runtime` (root, runc): the container driver probes, runs and cleans up with an OCI runtime
whose path holds the same characters (posix_spawn with an argv, no popen)."""
import csv
import os
import shutil
import sys
import tempfile

from jbtest import check, read_csv, run, skip

ODD = "it's a \"b\\c\" $(touch PWNED) `touch PWNED2`"
tmp = tempfile.mkdtemp(prefix="jb-odd-")
odd_dir = os.path.join(tmp, ODD)
os.makedirs(odd_dir)
QUICK = ["-w", "matmul", "-s", "test", "-m", "model", "-r", "1", "--warmup", "0",
         "--idle-s", "0.05", "--min-window-s", "0.05", "-q"]


def no_shell_ran():
    for d in (tmp, odd_dir, os.getcwd()):
        for m in ("PWNED", "PWNED2"):
            check(not os.path.exists(os.path.join(d, m)), f"a shell ran: {d}/{m} exists")


def figure():
    if not shutil.which("gnuplot"):
        skip("gnuplot is not installed (scripts/install-deps installs gnuplot-nox)")
    out = os.path.join(odd_dir, "r'1\\.csv")
    # Three windows, not one: a figure needs one ok window, and on a loaded machine (the
    # model meter's idle baseline reads all of its CPU time) a lone window was flagged.
    fig = QUICK[:QUICK.index("-r") + 1] + ["3"] + QUICK[QUICK.index("-r") + 2:]
    p = run(["run"] + fig + ["-o", out])
    check(p.returncode == 0, f"run with an odd output path: {p.returncode} {p.stderr}")
    check("no figure" not in p.stderr, f"no figure for an odd path: {p.stderr}")
    for ext in (".csv", ".png", ".svg"):
        f = out[:-4] + ext
        check(os.path.exists(f) and os.path.getsize(f) > 0, f"{ext} missing at the odd path")
    no_shell_ran()

    out = os.path.join(tmp, "line\nbreak.csv")
    p = run(["run"] + fig + ["-o", out])
    check(p.returncode == 0, f"run with a line break in the path: {p.returncode} {p.stderr}")
    check(os.path.exists(out) and len(read_csv(out)) > 0, "the run's CSV is missing")
    lines = [l for l in p.stderr.splitlines() if "figure" in l]
    check(len(lines) == 1 and "line break" in lines[0], f"no clear refusal: {p.stderr!r}")
    check(not os.path.exists(out[:-4] + ".png"), "a figure at a path gnuplot cannot take")

    # The same rows with every energy zero, then not a number: no figure, one line, exit 2.
    rows = read_csv(os.path.join(odd_dir, "r'1\\.csv"))
    for name, val in (("zero", "0"), ("nan", "nan")):
        path = os.path.join(tmp, f"{name}.csv")
        with open(path, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
            w.writeheader()
            for r in rows:
                w.writerow(dict(r, energy_j=val, window_energy_j=val, dynamic_energy_j=val))
        p = run(["plot", path, "-o", os.path.join(tmp, f"fig-{name}")])
        err = p.stderr.strip().splitlines()
        check(p.returncode == 2, f"plot of all-{name} energies: exit {p.returncode}")
        check(len(err) == 1 and "plot" in err[0] and "gnuplot" not in err[0]
              and not p.stdout.strip(), f"plot of all-{name}: not one clear line: {p.stderr!r}"
              f" {p.stdout!r}")
        check(not os.path.exists(os.path.join(tmp, f"fig-{name}.png")), f"all-{name}: a png")
        print(f"all-{name}: {err[0]}")
    # overhead's figures embed their data files' paths in gnuplot's script: a backslash
    # and spaces work; a quote is refused with one line, exit 2, and nothing is run.
    bs_dir = os.path.join(tmp, "back\\slash $(touch PWNED)")
    os.makedirs(bs_dir)
    p = run(["overhead", "--functions", "5", "--hours", "0.1", "-o",
             os.path.join(bs_dir, "ovh")])
    check(p.returncode == 0, f"overhead with a backslash prefix: {p.returncode} {p.stderr}")
    for ext in (".energy.png", ".energy.svg"):
        check(os.path.exists(os.path.join(bs_dir, "ovh" + ext)), f"overhead {ext} missing")
    p = run(["overhead", "--functions", "5", "--hours", "0.1", "-o",
             os.path.join(odd_dir, "ovh")])
    lines = [l for l in p.stderr.splitlines() if "quote" in l]
    check(p.returncode == 2 and len(lines) == 1 and "gnuplot" in lines[0],
          f"overhead with a quote in its prefix: {p.returncode} {p.stderr!r}")
    no_shell_ran()
    print("ok figure")


def runtime():
    if os.geteuid() != 0:
        skip("the container driver needs root")
    real = shutil.which("runc")
    if not real:
        skip("runc is not installed")
    rt = os.path.join(odd_dir, "runc")
    os.symlink(real, rt)
    p = run(["list", "drivers"], env=dict(os.environ, JOULEBENCH_RUNTIME=rt))
    line = next((l for l in p.stdout.splitlines() if l.split()[:1] == ["container"]), "")
    check(p.returncode == 0 and "usable" in line, f"probe with an odd runtime path: {p.stdout}")
    check(ODD in p.stdout, f"the runtime's path is not listed as given: {p.stdout}")
    out = os.path.join(tmp, "ctr.csv")
    p = run(["run", "-d", "container", "--runtime", rt, "--no-plot"] + QUICK + ["-o", out])
    check(p.returncode == 0, f"container run with an odd runtime path: {p.returncode} {p.stderr}")
    warm = [r for r in read_csv(out) if r["phase"] == "warm"]
    # Verified is what this test needs; a window may be short for the meter (status
    # untrustworthy) under the container's quota, which is not about paths.
    check(warm and all(r["verified"] == "1" for r in warm), "container rows not verified")
    no_shell_ran()
    print("ok runtime")


{"figure": figure, "runtime": runtime}[sys.argv[1]]()
shutil.rmtree(tmp, ignore_errors=True)
