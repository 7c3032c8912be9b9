# SPDX-License-Identifier: MIT
"""Meters you can trust, end to end on the real libpowercap over a fake powercap tree (in a
private mount namespace, where rapl-powercap is the only measured meter this machine has).

1. Every zone frozen (energy_uj never moves, as on a VM or a broken firmware): `list meters`
   says `dead` and why; `run -m rapl-powercap` exits 77 with the reason; a plain `run` (what
   scripts/quickstart runs, here with one small workload) says why it passed the meter over
   and ends on `model`, every row labelled modeled; `check` fails naming liveness.
2. One zone of two frozen: the meter is dead, and the frozen zone is named.
2b. A live counter that does not follow the load (a steady 15 W): `check` fails on its
   ladder; `run` uses it but warns, under the summary and in the sidecar.
3. A package whose power follows the load: its writer programs energy = idle x time +
   W/core x CPU seconds of the joulebench process under test (its threads' schedstat, so
   that the other work of a shared CI machine does not move it; the whole machine's
   /proc/stat would count that too). `check` passes and finds W/core; `calibrate` writes a
   profile whose idle_w and loaded_w are the programmed ones within 5%, and `run --meter
   model --meter-opts profile=FILE` uses it, labelled modeled.
Needs root for the mount namespace: skipped (exit 77) otherwise."""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jbtest import (JOULEBENCH, check, mount_tmpfs_over_sys_class, read_csv,  # noqa: E402
                    read_meta, reexec_in_mount_namespace, run)

reexec_in_mount_namespace(__file__)
mount_tmpfs_over_sys_class()

from fake_powercap import FakePowercap  # noqa: E402
from load_follower import LoadFollower  # noqa: E402

MAX_PKG = 262143328850
ROOT = "/sys/class/powercap"
tmp = tempfile.mkdtemp(prefix="jb-liveness-")
RUN = ["-w", "matmul", "-s", "test", "-r", "1", "--warmup", "0", "--idle-s", "0.2",
       "--no-plot"]


def fresh_tree():
    subprocess.run(["umount", "/sys/class"], check=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=755", "tmpfs", "/sys/class"],
                   check=True)


def one_line(err, what):
    check(len(err.strip().splitlines()) == 1, f"{what}: want one line, got {err!r}")


# ---- 1. every zone frozen ----
fake = FakePowercap(ROOT, [("intel-rapl:0", "package-0", 0, MAX_PKG, 123456789),
                           ("intel-rapl:1", "package-1", 0, MAX_PKG, 7)])
fake.start()
p = run(["list", "meters"])
check(p.returncode == 0, f"list: {p.stderr}")
line = [ln for ln in p.stdout.splitlines() if ln.strip().startswith("rapl-powercap")]
check(line and " dead " in line[0], f"list does not say dead: {p.stdout}")
check("package-0 did not advance" in p.stdout, f"list gives no reason: {p.stdout}")

p = run(["run", "-m", "rapl-powercap", "-o", os.path.join(tmp, "x.csv")] + RUN)
check(p.returncode == 77, f"explicit dead meter: exit {p.returncode}: {p.stderr}")
check("dead" in p.stderr and "did not advance in 0." in p.stderr and "core" in p.stderr,
      f"explicit dead meter: {p.stderr}")
one_line(p.stderr, "explicit dead meter")

out = os.path.join(tmp, "auto.csv")
p = run(["run", "-o", out] + RUN)
check(p.returncode == 0, f"auto run: exit {p.returncode}: {p.stderr}")
check("rapl-powercap: package-0 did not advance in" in p.stderr, f"no reason: {p.stderr}")
check("MODELED" in p.stderr, f"the fallback is not said to be modeled: {p.stderr}")
rows = read_csv(out)
check(rows and all(r["meter"] == "model" and r["meter_kind"] == "modeled" for r in rows),
      "auto run did not end on model")
check(read_meta(out)["meter"]["kind"] == "modeled", "sidecar meter kind")

p = run(["check", "-m", "rapl-powercap", "-o", os.path.join(tmp, "dead"), "--no-plot"])
check(p.returncode == 1, f"check on a dead meter: exit {p.returncode}: {p.stderr}")
check("FAILED: liveness" in p.stderr, f"check does not name liveness: {p.stderr}")
fake.stop()
print("all zones frozen: ok")

# ---- 2. one zone of two frozen ----
fresh_tree()
fake = FakePowercap(ROOT, [("intel-rapl:0", "package-0", 15.0, MAX_PKG, 1000),
                           ("intel-rapl:1", "package-1", 0, MAX_PKG, 2000)])
fake.start()
p = run(["run", "-m", "rapl-powercap", "-o", os.path.join(tmp, "y.csv")] + RUN)
check(p.returncode == 77 and "package-1 did not advance" in p.stderr,
      f"one frozen zone of two: exit {p.returncode}: {p.stderr}")
check("package-0 did not" not in p.stderr, f"the live zone was blamed: {p.stderr}")
# The run sums only package-0: its probe checks the domains it will sum, so it runs.
out_live = os.path.join(tmp, "y0.csv")
p = run(["run", "-m", "rapl-powercap", "--domain", "package-0", "-o", out_live] + RUN)
check(p.returncode == 0, f"--domain package-0 beside a frozen package-1: exit {p.returncode}: "
      f"{p.stderr}")
rows = [r for r in read_csv(out_live) if r["phase"] == "warm"]
check(rows and all(r["meter_kind"] == "measured" and r["domain"] == "package-0"
                   for r in rows), "rows not measured on package-0")
fake.stop()
print("one zone of two frozen: ok")

# ---- 2b. a live counter that does not follow the load: check fails on the ladder ----
fresh_tree()
fake = FakePowercap(ROOT, [("intel-rapl:0", "package-0", 15.0, MAX_PKG, 1000)])
fake.start(realtime=True)
p = run(["check", "-m", "rapl-powercap", "-o", os.path.join(tmp, "flat"), "--no-plot",
         "--idle-s", "1", "-q"])
check(p.returncode == 1 and "FAILED: ladder" in p.stderr,
      f"check on a flat counter: exit {p.returncode}: {p.stdout}{p.stderr}")
# A run on it: the pick says so even with -q, and so does the run, from its own evidence
# (warm windows no higher than idle within its noise): under the summary, in the sidecar.
out_flat = os.path.join(tmp, "flat-run.csv")
p = run(["run", "-m", "rapl-powercap", "-o", out_flat, "-q"] + RUN)
check(p.returncode == 0, f"run on a flat counter: exit {p.returncode}: {p.stderr}")
check("warning: meter rapl-powercap is alive, but does not follow load" in p.stderr,
      f"the pick does not warn: {p.stderr}")
check("does not follow this load" in p.stdout, f"no warning under the summary: {p.stdout}")
lf = read_meta(out_flat)["load_following"]
check(lf["flagged"] and "does not follow this load" in lf["reason"] and lf["loaded_w"] > 0,
      f"sidecar load_following: {lf}")
fake.stop()
print("flat counter: ok")


# ---- 3. power follows the load ----
IDLE_W, W_PER_CORE = 10.0, 5.0
ncores = len(os.sched_getaffinity(0))
fresh_tree()
follow = LoadFollower(IDLE_W, W_PER_CORE)
fake = FakePowercap(ROOT, [("intel-rapl:0", "package-0", follow.energy_uj, MAX_PKG, 1000)])
fake.start(realtime=True)


def watched(args):
    proc = subprocess.Popen([JOULEBENCH] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    follow.watch(proc.pid)
    out_text, err_text = proc.communicate(timeout=300)
    return proc.returncode, out_text, err_text


prefix = os.path.join(tmp, "check")
rc, so, se = watched(["check", "-m", "rapl-powercap", "-o", prefix, "--step-s", "1",
                      "--idle-s", "1", "-q"])
check(rc == 0, f"check on a live package: exit {rc}: {so}{se}")
print(so, end="")
check("liveness        pass  alive: " in so and "does not follow" not in so,
      f"a package that follows the load was not judged to: {so}")
res = {r["measure"]: r for r in read_csv(prefix + ".csv")}
wpc = float(res["w_per_core"]["value"])
check(abs(wpc - W_PER_CORE) <= 0.10 * W_PER_CORE, f"check: {wpc} W/core, want {W_PER_CORE}")
check(res["r2"]["result"] == "pass", f"check: R^2 {res['r2']['value']}")
idle = float(res["idle_power_w"]["value"])
check(abs(idle - IDLE_W) <= 0.05 * IDLE_W, f"check: idle {idle} W, want {IDLE_W}")
if shutil.which("gnuplot"):
    check(os.path.exists(prefix + ".png") and os.path.exists(prefix + ".svg"), "no figure")
print(f"check: ok ({wpc:.3f} W/core, idle {idle:.3f} W)")

prof = os.path.join(tmp, "this-box.profile")
rc, so, se = watched(["calibrate", "-m", "rapl-powercap", "-o", prof, "--step-s", "1", "-q"])
check(rc == 0, f"calibrate: exit {rc}: {so}{se}")
vals, comments = {}, []
with open(prof) as f:
    for ln in f:
        if ln.startswith("#"):
            comments.append(ln)
        elif "=" in ln:
            k, v = ln.split("=", 1)
            vals[k.strip()] = v.split("|", 1)[0].strip()
got_idle, got_loaded = float(vals["idle_w"]), float(vals["loaded_w"])
want_loaded = IDLE_W + W_PER_CORE * ncores
check(abs(got_idle - IDLE_W) <= 0.05 * IDLE_W, f"calibrate: idle_w {got_idle}, want {IDLE_W}")
check(abs(got_loaded - want_loaded) <= 0.05 * want_loaded,
      f"calibrate: loaded_w {got_loaded}, want {want_loaded}")
check(int(vals["cores"]) == ncores, f"calibrate: cores {vals['cores']}, want {ncores}")
text = "".join(comments)
for what in ("# cpu_model:", "# kernel:", "# date:", "# meter: rapl-powercap"):
    check(what in text, f"profile lacks provenance {what!r}")
print(f"calibrate: ok (idle_w {got_idle:.3f}, loaded_w {got_loaded:.3f}, want "
      f"{IDLE_W}, {want_loaded})")

out = os.path.join(tmp, "calibrated.csv")
p = run(["run", "--meter", "model", "--meter-opts", f"profile={prof}", "-o", out] + RUN)
check(p.returncode == 0, f"run with the calibrated profile: {p.stderr}")
rows = read_csv(out)
check(rows and all(r["meter_kind"] == "modeled" for r in rows), "calibrated rows not modeled")
check(prof in read_meta(out)["meter"]["detail"], "the sidecar does not name the profile")
fake.stop()
print("calibrated model: ok")

# ---- 4. no meter at all; bad input ----
fresh_tree()
p = run(["check"])
check(p.returncode == 77 and "no measured meter" in p.stderr, f"check: {p.returncode} {p.stderr}")
p = run(["check", "-m", "rapl-powercap"])
check(p.returncode == 77, f"check -m absent: {p.returncode} {p.stderr}")
p = run(["calibrate", "-m", "rapl-powercap", "-o", prof])
check(p.returncode == 77, f"calibrate -m absent: {p.returncode} {p.stderr}")
for args, words in ((["calibrate", "-m", "model", "-o", prof], "measured meter"),
                    (["calibrate", "-m", "rapl-powercap"], "needs -m METER and -o"),
                    (["check", "--step-s", "x"], "--step-s"),
                    (["check", "-m", "nosuch"], "unknown meter")):
    p = run(args)
    check(p.returncode == 2 and words in p.stderr, f"{args}: {p.returncode} {p.stderr}")
    one_line(p.stderr, str(args))
print("absent meter and bad input: ok")
