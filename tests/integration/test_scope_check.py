# SPDX-License-Identifier: MIT
"""`joulebench check` with two live meters of different scopes (issue 25): a fake INA219
under hwmon (board-dc, a tmpfs over /sys/class in a private mount namespace: root) and a
TinkerForge Energy Monitor at 80 W (wall-ac, fake_brickd.py on 127.0.0.1). Their agreement
is not judged: check prints their ratio, `scope ratio ... (different scopes: reported, not
judged)`, writes a `scope_ratio` row of result `info`, and names no agreement failure. The
ratio must be what the two sensors showed: the hwmon energy over the Energy Monitor's.
(The ladder of a meter on this shared machine may fail or pass; it is not what this test is
about, so check's exit code is not asserted.)"""
import csv
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jbtest import JOULEBENCH, check, mount_tmpfs_over_sys_class, reexec_in_mount_namespace  # noqa: E402,E501
from fake_brickd import EnergyMonitor, FakeBrickd  # noqa: E402
from fake_hwmon import FakePowerSensor, write_tree  # noqa: E402

reexec_in_mount_namespace(__file__)
mount_tmpfs_over_sys_class()
write_tree("/sys", {"hwmon0/name": "ina219", "hwmon0/power1_input": "2500000"})
sensor = FakePowerSensor("/sys/class/hwmon/hwmon0/power1_input", idle_w=2.5, w_per_cpu=0.5)
sensor.start()
brickd = FakeBrickd([EnergyMonitor("Em1", 80.0)], lifetime_s=250)
tmp = tempfile.mkdtemp(prefix="jb-scope-check-")
p = subprocess.run([JOULEBENCH, "check", "--meter-opts",
                    f"host=127.0.0.1,port={brickd.port},uid=Em1", "-o",
                    os.path.join(tmp, "c"), "--no-plot", "--step-s", "1", "--idle-s", "1", "-q"],
                   capture_output=True, text=True, timeout=280)
line = [l for l in p.stdout.splitlines() if l.startswith("scope ratio ")]
check(len(line) == 1, f"no scope ratio line (exit {p.returncode}): {p.stdout}\n{p.stderr}")
check("hwmon (board-dc) / tinkerforge (wall-ac)" in line[0] and "not judged" in line[0],
      f"scope ratio line: {line[0]}")
check("agreement" not in p.stderr, f"a scope difference was judged as disagreement: {p.stderr}")
f = line[0].split()
ratio, a_j, b_j = float(f[8]), float(f[9]), float(f[12])
check(abs(ratio - a_j / b_j) <= 1e-3 * ratio, f"ratio {ratio} is not {a_j} J / {b_j} J")
# The sensors: the hwmon one at 2.5 W and up with load, the Energy Monitor at 80 W.
check(2.4 / 80 <= ratio <= 4.0 / 80, f"ratio {ratio}: not 2.5-4 W over 80 W")
rows = [r for r in csv.DictReader(open(os.path.join(tmp, "c.csv")))
        if r["measure"] == "scope_ratio"]
check(len(rows) == 1 and rows[0]["result"] == "info" and rows[0]["other_meter"] ==
      "tinkerforge" and abs(float(rows[0]["value"]) - ratio) <= 1e-3 * ratio,
      f"check CSV: {rows}")
print(f"check: hwmon (board-dc) / tinkerforge (wall-ac) = {ratio:.4g}, reported, not judged")
brickd.stop()
