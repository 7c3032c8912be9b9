# SPDX-License-Identifier: MIT
"""The `energy` benchmark: the default suite. Every workload at size small under each
driver that is usable here (the microvm driver at size test where no KVM guest boots: see
TCG_SIZE below), with the best meter available; leaves each driver's CSV,
sidecar and figure under <build>/energy/ (JB_ENERGY_DIR, set by meson.build) and one
summary across drivers (`joulebench analyze` of all CSVs together, then `--ratios`) in
<build>/energy/summary.txt.

It checks what it measured, not only exit codes, reading each CSV with python's csv module:
  - every warm row verified (the function's checksum matched its reference), and none
    failed (error, crashed, timeout, oom-killed, meter-error); rows joulebench flagged
    `untrustworthy` (a window shorter than the meter's minimum on a loaded machine, a
    drift) are honest flags, counted and shown with their reason, not failures;
  - on a measured meter, every warm row's energy > 0;
  - every warm window's mean power within the meter's plausible range, for a measured
    meter: the summed range of its domains (the same table as meters/meter_plausible.c,
    which cites its sources);
  - for the model meter, every warm window's energy against an independent computation
    from the profile (the sidecar's idle and loaded watts and cores) and the invocations'
    own CPU time (`cpu_ns`, measured by the function runner, not by /proc/stat): at least
    idle x wall + dynamic-per-core x the window's summed cpu_ns (the machine was busy at
    least that long), at most idle x wall + dynamic-per-core x this machine's cores x wall
    (it cannot be busier than all its cores), each widened by the window's stated
    uncertainty plus one scheduler tick per core per read. A model that lost the dynamic
    part, double-counted it or mis-scaled its watts falls outside;
  - at most MAX_UNTRUSTWORTHY (JB_ENERGY_MAX_UNTRUSTWORTHY, default 0.2; 0.5 in the short
    form, whose 2 windows per workload make a share coarse: the first warm window is sized
    from the warmup, which in a container can run several times slower than the steady
    state, and comes out too short) of the warm windows flagged `untrustworthy`: a few
    flags are honest (a short window on a loaded machine), a suite mostly flagged measured
    nothing one can use;
  - one summary across drivers that names every driver run.
Goal: all of the above on every usable driver; any miss exits 1.

JB_ENERGY_DRIVERS=a,b limits the drivers. JB_ENERGY_FAULT forces a verdict to fail, as the
integration suite does (tests/integration/test_verdicts.py): `energy-scale=F` multiplies
every window energy read from the CSVs by F (a meter that under- or over-reports),
`untrustworthy` marks every warm window so.

JB_BENCH_SHORT=1 (CI): two workloads at size test, 2 windows each: the suite runs and its
numbers are plausible, nothing more."""
import csv
import json
import math
import os
import re
import subprocess
import sys

JOULEBENCH = os.environ["JOULEBENCH"]
SHORT = os.environ.get("JB_BENCH_SHORT") == "1"
out_dir = os.environ.get("JB_ENERGY_DIR") or os.path.join(os.getcwd(), "energy")
os.makedirs(out_dir, exist_ok=True)

# meters/meter_plausible.c: (domain prefix, min W, max W); METER_PLAUSIBLE_POWER_W = 5000.
RANGES = [("package", 0.05, 5000.0), ("psys", 0.05, 5000.0), ("dram", 0.01, 5000.0),
          ("core", 0.0, 5000.0), ("uncore", 0.0, 5000.0), ("board", 0.1, 5000.0)]
MAX_UNTRUSTWORTHY = float(os.environ.get("JB_ENERGY_MAX_UNTRUSTWORTHY",
                                         "0.5" if SHORT else "0.2"))
FAULT = os.environ.get("JB_ENERGY_FAULT", "")
TICK_S = 1 / os.sysconf("SC_CLK_TCK")  # /proc/stat's unit, the model's resolution
problems = []


def problem(msg):
    problems.append(msg)
    print(f"FAIL: {msg}")


def domain_range(name):
    for prefix, lo, hi in RANGES:
        if name == prefix or name.startswith(prefix + "-"):
            return lo, hi
    return 0.0, 5000.0


def model_profile(meta):
    """(idle W, dynamic W per core) of the model meter's profile, from the sidecar."""
    m = meta["meter"]
    got = re.search(r"idle ([0-9.]+) W, loaded ([0-9.]+) W, ([0-9]+) cores", m.get("detail", ""))
    if not got:
        problem(f"model meter: no idle/loaded power and cores in the sidecar: "
                f"{m.get('detail')!r}")
        return None
    idle, loaded, cores = float(got.group(1)), float(got.group(2)), int(got.group(3))
    return idle, (loaded - idle) / cores


def check_model_windows(what, windows, meta):
    """Each warm window's model energy against the bounds computed here from the profile
    and the rows' own cpu_ns (see the module's docstring)."""
    prof = model_profile(meta)
    if not prof:
        return
    idle_w, dyn_w = prof
    ncpu = os.cpu_count() or 1
    worst = 0.0
    for (wl, rep), rows in sorted(windows.items()):
        e = float(rows[0]["window_energy_j"] or "nan")
        t = int(rows[0]["window_wall_ns"]) / 1e9
        cpu_s = sum(int(r["cpu_ns"] or 0) for r in rows) / 1e9
        tol = sum(float(r["energy_uncertainty_j"] or 0) for r in rows) + \
            2 * ncpu * TICK_S * dyn_w
        lo = idle_w * t + dyn_w * cpu_s - tol
        hi = idle_w * t + dyn_w * ncpu * t + tol
        if not (lo <= e <= hi):
            problem(f"{what}: {wl} window {rep}: model energy {e:.4g} J outside "
                    f"[{lo:.4g}, {hi:.4g}] J computed from the profile and the rows' cpu_ns "
                    f"({cpu_s:.4g} s of CPU in {t:.4g} s)")
        worst = max(worst, (e - (lo + tol)) / t if t > 0 else 0)
    print(f"{what}: {len(windows)} model windows against the profile and cpu_ns: power above "
          f"idle + the invocations' own CPU at most {worst:.3g} W (others' load on this "
          f"machine's {ncpu} cores counts too)")


def plausible_power_w(meta):
    """The range a measured window's mean power must lie in, from the sidecar."""
    m = meta["meter"]
    summed = [d["name"] for d in m.get("domains", []) if d.get("summed")]
    if not summed:
        problem(f"meter {m.get('name')}: the sidecar lists no summed domain")
        return None
    lo = sum(domain_range(d)[0] for d in summed)
    hi = sum(domain_range(d)[1] for d in summed)
    return lo, hi


def check_run(driver, csv_path):
    with open(csv_path, newline="") as f:
        rows = list(csv.DictReader(f))
    with open(csv_path[:-4] + ".meta.json") as f:
        meta = json.load(f)
    apply_fault(rows)
    warm = [r for r in rows if r["phase"] == "warm"]
    what = f"driver {driver}"
    if not warm:
        problem(f"{what}: no warm rows")
        return
    bad = [r for r in warm if r["verified"] != "1"]
    if bad:
        problem(f"{what}: {len(bad)} of {len(warm)} warm rows not verified "
                f"(first: {bad[0]['workload']} {bad[0]['status']} {bad[0]['message']})")
    bad = [r for r in warm if r["status"] not in ("ok", "untrustworthy")]
    if bad:
        problem(f"{what}: {len(bad)} of {len(warm)} warm rows failed "
                f"(first: {bad[0]['workload']} {bad[0]['status']}: {bad[0]['message']})")
    measured = meta["meter"].get("kind") == "measured"
    if measured:
        bad = [r for r in warm if not (float(r["energy_j"] or "nan") > 0)]
        if bad:
            problem(f"{what}: {len(bad)} warm rows with energy <= 0 on the measured meter "
                    f"{meta['meter']['name']}")
    windows = {}
    for r in warm:
        windows.setdefault((r["workload"], r["rep"]), []).append(r)
    flagged = [k for k, rs in windows.items() if any(r["status"] == "untrustworthy" for r in rs)]
    share = len(flagged) / len(windows)
    print(f"{what}: {len(flagged)} of {len(windows)} warm windows flagged untrustworthy by "
          f"joulebench (at most {MAX_UNTRUSTWORTHY:.0%} allowed)" +
          (f"; first: {windows[flagged[0]][0]['workload']}: "
           f"{windows[flagged[0]][0]['message']}" if flagged else ""))
    if share > MAX_UNTRUSTWORTHY:
        problem(f"{what}: {share:.0%} of the warm windows are untrustworthy, more than "
                f"{MAX_UNTRUSTWORTHY:.0%}")
    if meta["meter"].get("name") == "model":
        check_model_windows(what, windows, meta)
        return
    rng = plausible_power_w(meta)
    powers = []
    for (wl, rep), rs in sorted(windows.items()):
        e, t = float(rs[0]["window_energy_j"] or "nan"), int(rs[0]["window_wall_ns"]) / 1e9
        p = e / t if t > 0 else math.nan
        powers.append(p)
        if rng and not (rng[0] <= p <= rng[1]):
            problem(f"{what}: {wl} window {rep}: mean power {p:.4g} W outside the "
                    f"plausible {rng[0]:.4g}-{rng[1]:.4g} W of meter {meta['meter']['name']}")
    if rng and powers:
        print(f"{what}: {len(warm)} warm rows verified, {len(windows)} windows, "
              f"power {min(powers):.2f}-{max(powers):.2f} W (plausible {rng[0]:.4g}-"
              f"{rng[1]:.4g} W, meter {meta['meter']['name']}, {meta['meter'].get('kind')})")


def apply_fault(rows):
    """JB_ENERGY_FAULT: corrupt what was read, so that a test can see a verdict fail."""
    if FAULT.startswith("energy-scale="):
        f = float(FAULT.split("=", 1)[1])
        for r in rows:
            for col in ("window_energy_j", "energy_j"):
                if r[col]:
                    r[col] = repr(float(r[col]) * f)
    elif FAULT == "untrustworthy":
        for r in rows:
            if r["phase"] == "warm" and r["status"] == "ok":
                r["status"], r["message"] = "untrustworthy", "JB_ENERGY_FAULT=untrustworthy"
    elif FAULT:
        print(f"FAIL: unknown JB_ENERGY_FAULT {FAULT!r}")
        sys.exit(2)


listing = subprocess.run([JOULEBENCH, "list", "drivers"], capture_output=True, text=True,
                         check=True).stdout.splitlines()
drivers = [l.split()[0] for l in listing if l.startswith("  ") and len(l.split()) > 1
           and l.split()[1] == "usable"]
if os.environ.get("JB_ENERGY_DRIVERS"):
    drivers = [d for d in drivers if d in os.environ["JB_ENERGY_DRIVERS"].split(",")]
if not drivers:
    print("FAIL: no usable driver (joulebench list drivers, JB_ENERGY_DRIVERS)")
    sys.exit(1)
sel = ["-w", "float-ops,matmul", "-s", "test", "-r", "2", "--idle-s", "0.2",
       "--min-window-s", "0.2"] if SHORT \
    else ["-s", "small"]
# Without KVM the microvm driver emulates the guest's CPU (QEMU TCG), so a workload runs
# many times slower there and what it measures is emulation, not a microVM's cost: size
# test keeps the driver's path covered and the suite within minutes on 2 cores (issue 26).
# Its groups then differ from the others' in size, so --ratios pairs none of them.
TCG_SIZE = ["-s", "test"]


def microvm_accel(meta_path):
    """The accelerator a microvm run used, from its sidecar: a /dev/kvm whose nested
    guests do not boot (an Intel or AMD cloud guest) makes `--accel auto` fall back to TCG,
    which /dev/kvm's presence alone does not tell."""
    try:
        with open(meta_path) as f:
            v = json.load(f)["driver"]["runtime_version"]
    except (OSError, ValueError, KeyError):
        return None
    return "kvm" if "accel kvm" in v else "tcg" if "accel tcg" in v else None
csvs = []
with open(os.path.join(out_dir, "summary.txt"), "w") as summary:
    for d in drivers:
        csv_path = os.path.join(out_dir, f"{d}.csv")
        this_sel = sel
        if d == "microvm" and not SHORT:
            # Size test first: under TCG that is the run; under KVM, size small follows.
            this_sel = TCG_SIZE
        p = subprocess.run([JOULEBENCH, "run", "-d", d, "-o", csv_path, "--force", "-q"]
                           + this_sel
                           + (["--no-plot"] if SHORT else []), capture_output=True, text=True)
        if d == "microvm" and not SHORT and p.returncode == 0:
            if microvm_accel(csv_path[:-4] + ".meta.json") == "kvm":
                p = subprocess.run([JOULEBENCH, "run", "-d", d, "-o", csv_path, "--force",
                                    "-q"] + sel, capture_output=True, text=True)
            else:
                print(f"{d}: no working KVM here (TCG emulation): size test, not small")
        print(p.stderr, end="")
        summary.write(f"== driver {d} (exit {p.returncode})\n{p.stdout}\n")
        if p.returncode != 0:
            problem(f"joulebench run -d {d} exited {p.returncode}")
            continue
        csvs.append(csv_path)
        check_run(d, csv_path)
    if csvs:
        a = subprocess.run([JOULEBENCH, "analyze"] + csvs, capture_output=True, text=True)
        r = subprocess.run([JOULEBENCH, "analyze", "--ratios"] + csvs, capture_output=True,
                           text=True) if len(csvs) > 1 else None
        summary.write(f"== all drivers: joulebench analyze {' '.join(csvs)}\n{a.stdout}\n")
        print(a.stdout, end="")
        if r:
            summary.write(f"== driver ratios: joulebench analyze --ratios\n{r.stdout}\n")
            print(r.stdout, end="")
        if a.returncode != 0 or (r and r.returncode != 0):
            problem(f"joulebench analyze failed: {a.stderr}{r.stderr if r else ''}")
        missing = [d for d in drivers if os.path.join(out_dir, f"{d}.csv") in csvs
                   and not re.search(rf"\b{re.escape(d)}\b", a.stdout)]
        if missing:
            problem(f"the summary across drivers lacks {missing}")
print(f"CSVs and summary.txt in {out_dir}")
print(f"goal: every warm row verified and none failed, energy > 0 on a measured meter, "
      f"power in the meter's plausible range (model: within the bounds from the profile and "
      f"cpu_ns), at most {MAX_UNTRUSTWORTHY:.0%} of warm windows untrustworthy, one summary over {len(drivers)} driver(s): "
      + ("met" if not problems else f"MISSED ({len(problems)} problem(s))"))
sys.exit(1 if problems else 0)
