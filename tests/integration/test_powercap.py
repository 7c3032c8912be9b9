# SPDX-License-Identifier: MIT
"""The rapl-powercap meter end to end on the real libpowercap, reading a fake powercap tree
in a private mount namespace while a thread advances every energy_uj at a known power.

Two packages whose zone numbers are not in package order (intel-rapl:0 is package-1), a
dram subzone, and package-1 starting just below its max_energy_range_uj so that it wraps
during the run. The power joulebench measures must match the programmed power within 1%:
both packages summed (the default domain), one package by name, and dram. Then, as an
unprivileged user, the meter must be refused with the CVE-2020-8694 explanation (exit 77).
Then a laptop: package-0 with core, uncore and dram subzones, psys (which contains the
package), and the same package through intel-rapl-mmio; psys and mmio-package-0 are
measured, and summing a parent with its child (psys + package, mmio + MSR package) is
refused with exit 2.
Needs root for the mount namespace: skipped (exit 77) otherwise."""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jbtest import (JOULEBENCH, check, fail, mount_tmpfs_over_sys_class, read_csv,  # noqa: E402
                    read_meta, reexec_in_mount_namespace, run, skip)

reexec_in_mount_namespace(__file__)
# In our own mount namespace from here on: nothing we mount is seen outside.
mount_tmpfs_over_sys_class()

from fake_powercap import FakePowercap  # noqa: E402

MAX_PKG = 262143328850     # a real package max_energy_range_uj (2^32 x 61.035 µJ)
MAX_DRAM = 65712999613     # a real dram max_energy_range_uj (meters.md §5)
P1, P0, PD = 20.0, 30.0, 5.0
# package-1 wraps ~1.5 s after start: during the first workload of the first run.
fake = FakePowercap("/sys/class/powercap", [
    ("intel-rapl:0", "package-1", P1, MAX_PKG, MAX_PKG - int(P1 * 1.5e6)),
    ("intel-rapl:0/intel-rapl:0:0", "dram", PD, MAX_DRAM, 12345),
    ("intel-rapl:1", "package-0", P0, MAX_PKG, 7),
])
ncpu = os.cpu_count() or 1
fake.start(cpu=0)
tmp = tempfile.mkdtemp(prefix="jb-powercap-")


def tolerance(win_s):
    """1%, plus what the fake's own stalls allow: each endpoint of a window may read a
    value as old as the fake's longest pause between updates (a python thread on a shared,
    possibly loaded, machine)."""
    return 0.01 + 2 * fake.max_gap_ns / 1e9 / win_s


def measure(domain, expect_w, name, quick=False):
    out = os.path.join(tmp, f"{name}.csv")
    runs = 2 if quick else 3
    idle_s = 0.5 if quick else 1.0
    args = ["run", "-m", "rapl-powercap", "-w", "matmul", "-s", "test", "-r", str(runs),
            "--warmup", "1" if quick else "2", "--min-window-s", "1.0",
            "--idle-s", str(idle_s), "-o", out, "-q", "--no-plot"]
    if ncpu > 1:
        args += ["--cores", "1"]   # keep the function off the fake's core
    if domain:
        args += ["--domain", domain]
    p = run(args)
    check(p.returncode == 0, f"{name}: exit {p.returncode}: {p.stderr}")
    rows = read_csv(out)
    meta = read_meta(out)
    check(meta["meter"]["rejected_counter_jumps"] == 0, f"{name}: rejected counter jumps")
    check(all(r["meter_kind"] == "measured" for r in rows), f"{name}: not measured")
    idle = float(rows[0]["idle_power_w"])
    check(abs(idle - expect_w) <= tolerance(idle_s) * expect_w,
          f"{name}: idle {idle} W, want {expect_w} (tolerance {100 * tolerance(idle_s):.2f}%)")
    check(abs(meta["idle_baseline"]["after_w"] - expect_w) <= tolerance(idle_s) * expect_w,
          f"{name}: idle after {meta['idle_baseline']['after_w']}")
    seen = set()
    for r in rows:
        if r["phase"] != "warm" or r["rep"] in seen:
            continue
        seen.add(r["rep"])
        win_s = int(r["window_wall_ns"]) / 1e9
        w = float(r["window_energy_j"]) / win_s
        tol = tolerance(win_s)
        check(abs(w - expect_w) <= tol * expect_w,
              f"{name}: window power {w} W, want {expect_w} (tolerance {100 * tol:.2f}%)")
    check(len(seen) == runs, f"{name}: {len(seen)} warm windows")
    return meta, rows


meta, rows = measure(None, P0 + P1, "both")
check(fake.zones[0].wraps >= 1, "package-1 did not wrap during the run")
names = {d["name"]: d for d in meta["meter"]["domains"]}
check(set(names) == {"package-0", "package-1", "dram-1"}, f"domains {sorted(names)}")
check(names["package-1"]["max_energy_range_uj"] == MAX_PKG, "max range of package-1")
check(names["package-0"]["summed"] and names["package-1"]["summed"], "packages summed")
check(not names["dram-1"]["summed"], "dram must not be summed by default")
check(rows[0]["domain"] == "package", f"domain column {rows[0]['domain']}")
check(all(r["scope"] == "cpu-package" for r in rows), f"scope column {rows[0]['scope']}")

measure("package-1", P1, "pkg1")
meta, rows = measure("dram", PD, "dram")
check(rows[0]["domain"] == "dram", "domain column for dram")
check(all(r["scope"] == "dram" for r in rows), f"scope column for dram {rows[0]['scope']}")

# A meter whose counters only root may read (mode 0400, CVE-2020-8694) is refused for an
# ordinary user with the reason and the fix; the fake runs as root, so chmod and drop.
fake.stop()
for z in fake.zones:
    os.chmod(z.path, 0o400)
setpriv = shutil.which("setpriv")
if setpriv:
    user = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    p = subprocess.run(user + [JOULEBENCH, "list", "meters"], capture_output=True, text=True)
    check(p.returncode == 0, f"list as nobody: {p.stderr}")
    check("CVE-2020-8694" in p.stdout and "udev" in p.stdout, f"no EACCES advice: {p.stdout}")
    p = subprocess.run(user + [JOULEBENCH, "run", "-m", "rapl-powercap", "-o",
                               "/nonexistent/x.csv"], capture_output=True, text=True)
    check(p.returncode == 77, f"rapl-powercap as nobody: exit {p.returncode}: {p.stderr}")
    check("CVE-2020-8694" in p.stderr, f"no reason: {p.stderr}")
else:
    print("note: setpriv missing, EACCES case not checked")

# A laptop: psys above the package, core/uncore inside it, dram beside it, and the package
# again through intel-rapl-mmio. A fresh tmpfs, so no file of the first tree is left over.
subprocess.run(["umount", "/sys/class"], check=True)
subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=755", "tmpfs", "/sys/class"], check=True)
PP, PC, PU, PDR, PS = 10.0, 6.0, 1.0, 2.0, 15.0
fake = FakePowercap("/sys/class/powercap", [
    ("intel-rapl:0", "package-0", PP, MAX_PKG, 1000),
    ("intel-rapl:0/intel-rapl:0:0", "core", PC, MAX_PKG, 2000),
    ("intel-rapl:0/intel-rapl:0:1", "uncore", PU, MAX_PKG, 3000),
    ("intel-rapl:0/intel-rapl:0:2", "dram", PDR, MAX_DRAM, 4000),
    ("intel-rapl:1", "psys", PS, MAX_PKG, 5000),
    ("intel-rapl-mmio:0", "package-0", PP, MAX_PKG, 6000),
])
fake.start(cpu=0)
meta, rows = measure("psys", PS, "psys", quick=True)
names = {d["name"]: d for d in meta["meter"]["domains"]}
check(set(names) == {"package-0", "core-0", "uncore-0", "dram-0", "psys", "mmio-package-0"},
      f"laptop domains {sorted(names)}")
check(names["package-0"]["parent"] == "psys", "psys must contain the package")
check(names["core-0"]["parent"] == "package-0", "core inside the package")
check(names["uncore-0"]["parent"] == "package-0", "uncore inside the package")
check(names["dram-0"]["parent"] == "", "dram beside the package")
check(names["mmio-package-0"]["parent"] == "package-0", "mmio is the same package")
check(rows[0]["domain"] == "psys", "domain column for psys")
check(all(r["scope"] == "psys" for r in rows), f"scope column for psys {rows[0]['scope']}")
measure("mmio-package-0", PP, "mmio", quick=True)
for bad in ("psys,package", "package-0,mmio-package-0", "package,core"):
    p = run(["run", "-m", "rapl-powercap", "--domain", bad, "-w", "matmul", "-s", "test",
             "-r", "1", "--idle-s", "0.1", "-o", os.path.join(tmp, "bad.csv"), "-q",
             "--no-plot"])
    check(p.returncode == 2 and "overlap" in p.stderr,
          f"--domain {bad}: exit {p.returncode}: {p.stderr}")
p = run(["list", "meters"])
check("intel-rapl-mmio" in p.stdout, f"list does not mention mmio: {p.stdout}")
fake.stop()
print(f"ok (the laptop fake's longest stall: {fake.max_gap_ns / 1e6:.1f} ms)")
