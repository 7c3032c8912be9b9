# SPDX-License-Identifier: MIT
"""The ipmi meter against OpenIPMI's BMC simulator, ipmi_sim, over lanplus on 127.0.0.1.

The simulator's BMC holds one threshold sensor in watts, "Pwr Consumption" (sensor type
Current, as Dell's iDRAC names it; SDR M = 2, so 2 W steps), whose value ipmi_sim polls
from a file that fake_bmc_power.py writes: whole watts that follow the CPU load of the
joulebench under test, refreshed once a second as a BMC does. ipmi_sim has no DCMI (its
lanserv answers Get Power Reading with "invalid command", checked below), so the meter's
sensor path is what runs here; DCMI is not exercised by any test. FreeIPMI needs its
"opensesspriv" workaround to open a session with ipmi_sim (as ipmi-sensors does).

Checked: ipmitool (an independent reader) and joulebench read the same pinned value;
wrong credentials, an unreachable BMC and a password given as an option fail at open with
77, 77 and 2; `check` passes (liveness, update interval, idle noise, a ladder whose rise is
seen through the simulator); a measured `run` gives ok windows at the simulated power; a
sensor that stops updating and a reading out of the plausible range give flagged windows.
Skipped (77) without ipmi_sim, sdrcomp or ipmitool, or a joulebench built without ipmi."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jbtest import JOULEBENCH, check, read_csv, run, skip, wait_for  # noqa: E402
from fake_bmc_power import LoadPower, measured as measured_by, measured_run  # noqa: E402

for tool in ("ipmi_sim", "sdrcomp", "ipmitool"):
    if not shutil.which(tool):
        skip(f"{tool} is not installed (scripts/install-deps --tests: openipmi, ipmitool)")
p = run(["list", "meters"])
if "  ipmi " not in p.stdout:
    skip("joulebench was built without the ipmi meter (libfreeipmi-dev missing)")

SDRS = """
sdr type 18
	device_slave_address 0x20
	device_channel_number 0
	chassis true
	ipmb_event_gen false
	ipmb_event_recv false
	fru_inventory false
	sel true
	sdr true
	sensor true
	entity_id system_board
	entity_instance 1
	id_string "jbtest BMC"
endsdr
sdr type 1
	sensor_owner_id 0x20
	sensor_owner_lun 0
	channel_number 0
	sensor_number 1
	entity_id power_supply
	entity_instance 1
	sensor_type Current
	init_scanning true
	init_sensor_type true
	default_sensor_scan_on true
	event_reading_type_code 1
	analog_data_format unsigned
	rate_unit none
	modifier_unit none
	percentage false
	base_unit Watts
	modifier_unit_code unspecified
	linearization linear
	m 2
	tolerance 0
	b 0
	accuracy 1
	accuracy_exp 0
	sensor_direction input
	r_exp 0
	b_exp 0
	sensor_maximum 255
	sensor_minimum 0
	id_string "Pwr Consumption"
endsdr
"""


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


tmp = tempfile.mkdtemp(prefix="jb-ipmi-")
port = free_udp_port()
val = os.path.join(tmp, "power.val")
os.makedirs(os.path.join(tmp, "state", "ipmi_sim", "jbtest"))
with open(os.path.join(tmp, "sim.sdrs"), "w") as f:
    f.write(SDRS)
subprocess.run(["sdrcomp", "-o", os.path.join(tmp, "state", "ipmi_sim", "jbtest", "sdr.20.main"),
                os.path.join(tmp, "sim.sdrs")], check=True)
with open(os.path.join(tmp, "lan.conf"), "w") as f:
    f.write(f"""name "jbtest"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 {port}
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  user 2 true "jbuser" "s3cret-pw" admin 10 none md2 md5 straight
""")
# The sensor's raw value is watts / 2 (SDR M = 2); ipmi_sim polls the file every FAST_MS.
# A BMC's real rate is 1 s, and step 4 runs at it; the other steps read every 100 ms (the
# meter's interval_ms, the fake's update_s) so that their windows of ten readings take 1 s,
# not 10 (scripts/test's five minutes).
FAST_MS = 100
with open(os.path.join(tmp, "sim.emu"), "w") as f:
    f.write(f"""mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
sel_enable 0x20 1000 0x0a
sensor_add 0x20 0 1 0x03 0x01 poll {FAST_MS} file "{val}" div=2
mc_enable 0x20
""")
pwfile = os.path.join(tmp, "pw")
with open(pwfile, "w") as f:
    f.write("s3cret-pw\n")
os.chmod(pwfile, 0o600)


def write_val(w):
    with open(val + ".tmp", "w") as f:
        f.write(f"{int(w)}\n")
    os.replace(val + ".tmp", val)


# 200 W a busy core: on this shared 2-core machine the ladder's load gets a fraction of a
# core, and its rise must stand out of the 2 W steps of the sensor.
power = LoadPower(idle_w=180, w_per_core=200, noise_w=1.5, update_s=FAST_MS / 1000,
                  on_update=write_val)
power.start()
sims = []


# A BMC has a processor of its own: as root the simulator runs SCHED_FIFO (chrt), so that
# the host's load (six tests at once, check's busy cores) cannot starve its answers.
CHRT = ["chrt", "-f", "10"] if os.geteuid() == 0 and shutil.which("chrt") else []


def sim_start():
    sims.append(subprocess.Popen(CHRT + ["ipmi_sim", "-c", os.path.join(tmp, "lan.conf"), "-f",
                                  os.path.join(tmp, "sim.emu"), "-s",
                                  os.path.join(tmp, "state"), "-n"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))


def sim_stop():
    sims[-1].terminate()
    sims[-1].wait(timeout=10)


sim_start()
# -C 3 (RAKP-HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128, which ipmi_sim offers): without it
# ipmitool first asks for the channel's cipher suites, a command ipmi_sim does not answer,
# and waits 10 s for each call ("Unable to Get Channel Cipher Suites").
IPMITOOL = ["ipmitool", "-I", "lanplus", "-H", "127.0.0.1", "-p", str(port), "-U", "jbuser",
            "-C", "3", "-E"]
TOOL_ENV = dict(os.environ, IPMI_PASSWORD="s3cret-pw")
OPTS = f"host=127.0.0.1:{port},user=jbuser,password_file={pwfile},workaround=opensesspriv"


def sdr_watts():
    p = subprocess.run(IPMITOOL + ["sdr", "get", "Pwr Consumption"], capture_output=True,
                       text=True, env=TOOL_ENV, timeout=30)
    for line in p.stdout.splitlines():
        if "Sensor Reading" in line:
            return float(line.split(":")[1].split()[0])
    return None


def measured(args, at=None, timeout=400, after_warm_in=None):
    return measured_by(power, [JOULEBENCH] + args, at, timeout, after_warm_in)


try:
    for _ in range(50):
        if sdr_watts() is not None:
            break
        time.sleep(0.2)
    # DCMI: ipmi_sim has none, so the meter must fall back to the sensor (said above).
    p = subprocess.run(IPMITOOL + ["dcmi", "power", "reading"], capture_output=True, text=True,
                       env=TOOL_ENV, timeout=30)
    check(p.returncode != 0, f"ipmi_sim answered DCMI now; extend this test: {p.stdout}")

    # 1. The same pinned value through ipmitool and through joulebench.
    power.override = 212
    tool_w = wait_for(lambda: sdr_watts() == 212.0 and 212.0, "ipmitool to read 212 W", 30)
    p = run(["list", "meters", "--meter-opts", OPTS + f",interval_ms={FAST_MS}"])
    check(tool_w == 212.0, f"ipmitool read {tool_w} W, want 212")
    check("Pwr Consumption reads 212 W" in p.stdout, f"joulebench's probe: {p.stdout}")
    power.override = None

    # 2. Failing well at open.
    bad = os.path.join(tmp, "bad")
    with open(bad, "w") as f:
        f.write("wrong\n")
    p = run(["run", "-m", "ipmi", "-w", "float-ops", "-s", "test", "-r", "1", "--meter-opts",
             OPTS.replace(pwfile, bad)])
    check(p.returncode == 77 and "password invalid" in p.stderr,
          f"wrong password: rc {p.returncode}: {p.stderr}")
    p = run(["run", "-m", "ipmi", "-w", "float-ops", "-s", "test", "-r", "1", "--meter-opts",
             f"host=127.0.0.1:{free_udp_port()},user=jbuser,password_file={pwfile},"
             "timeout_ms=1500"])
    check(p.returncode == 77 and "timeout" in p.stderr,
          f"unreachable BMC: rc {p.returncode}: {p.stderr}")
    p = run(["run", "-m", "ipmi", "-w", "float-ops", "-s", "test", "-r", "1", "--meter-opts",
             f"host=127.0.0.1:{port},user=jbuser,password=s3cret-pw"])
    check(p.returncode == 2 and "never an option" in p.stderr,
          f"password as an option: rc {p.returncode}: {p.stderr}")
    p = subprocess.run([JOULEBENCH, "run", "-m", "ipmi", "-w", "float-ops", "-s", "test", "-r",
                        "1", "--meter-opts", f"host=127.0.0.1:{port},user=jbuser,"
                        "workaround=opensesspriv"], capture_output=True, text=True,
                       env=dict(os.environ, JOULEBENCH_BMC_PASSWORD="wrong"), timeout=120)
    check(p.returncode == 77 and "password invalid" in p.stderr,
          f"wrong password from the environment: rc {p.returncode}: {p.stderr}")

    # 3. check: the simulated power follows the ladder's load. Faster updates (FAST_MS, the
    # file and the meter's poll) keep the check's windows of ten updates short.
    power.update_s = FAST_MS / 1000
    rc, out, err = measured(["check", "-m", "ipmi", "--step-s", "3", "--idle-s", "5",
                             "--no-plot", "-o", os.path.join(tmp, "check"), "--meter-opts",
                             OPTS + f",interval_ms={FAST_MS}"])
    print(out, err)
    if rc != 0:
        print(open(os.path.join(tmp, "check.csv")).read())
    check(rc == 0, f"check -m ipmi: rc {rc}")
    power.update_s = 1.0

    # 4. A measured run at the BMC's real rate (1 s, the meter's default).
    csv = os.path.join(tmp, "run.csv")
    rows, meta = measured_run(power, JOULEBENCH, "ipmi", OPTS, csv)
    check(all(r["scope"] == "wall-ac" for r in read_csv(csv)), "run -m ipmi: rows not of scope wall-ac")
    check("Pwr Consumption" in meta["meter"]["detail"] and "wall-ac" in meta["meter"]["detail"],
          f"meter detail: {meta['meter']['detail']}")
    check("s3cret" not in open(csv).read() and "s3cret" not in str(meta),
          "the password reached the CSV or the sidecar")

    # 5. A sensor that stops updating (stale_s=2: the meter's read fails, and the run ends
    # with its rows kept) and one that reads 0 W: flagged windows, each with its reason
    # (readings every FAST_MS, so windows of 1 s), the faults timed from the first warm row.
    power.update_s = FAST_MS / 1000
    fast = OPTS + f",interval_ms={FAST_MS}"

    def flagged(name, opts, fault, status, piece):
        csv = os.path.join(tmp, name + ".csv")
        rc, out, err = measured(["run", "-m", "ipmi", "-w", "float-ops", "-s", "test", "-r",
                                 "6", "--idle-s", "1", "-o", csv, "--meter-opts", opts],
                                at=[(0.3, fault)], after_warm_in=csv)
        power.frozen, power.override = False, None
        warm = [r for r in read_csv(csv) if r["phase"] == "warm"] if os.path.exists(csv) else []
        print(f"{name}:", sorted(set((r["status"], r["message"][:80]) for r in warm
                                     if r["status"] != "ok")))
        check(any(r["status"] == status and piece in r["message"] for r in warm),
              f"{name}: no warm window {status} with '{piece}' (rc {rc}): {err}")

    flagged("stale", fast + ",stale_s=2", lambda: setattr(power, "frozen", True),
            "meter-error", "No data available")
    flagged("zero", fast, lambda: setattr(power, "override", 0), "untrustworthy",
            "energy 0 J <= 0")

    # 6. The BMC restarts mid-run: the windows of the outage are meter-error (the energy
    # across it would be interpolated, not read), the session is reopened, later ones ok.
    csv = os.path.join(tmp, "restart.csv")
    rc, out, err = measured(["run", "-m", "ipmi", "-w", "float-ops", "-s", "test", "-r", "8",
                             "--idle-s", "1", "-o", csv, "--meter-opts", fast],
                            at=[(0.5, sim_stop), (3.0, sim_start)], after_warm_in=csv)
    if sims[-1].poll() is not None:
        sim_start()             # the run ended before the timeline restarted the BMC
    warm = [r for r in read_csv(csv) if r["phase"] == "warm"] if os.path.exists(csv) else []
    lost = [int(r["rep"]) for r in warm if r["status"] == "meter-error"]
    after = [r for r in warm if lost and int(r["rep"]) > max(lost) and r["status"] == "ok"]
    check(lost and after, f"BMC restart: rc {rc}, meter-error windows {sorted(set(lost))}, "
          f"{len(after)} ok rows after them: {err}")
    print(f"ipmi: pass (ipmitool and joulebench agree at 212 W; {power.updates} updates)")
finally:
    power.close()
    for p in sims:
        if p.poll() is None:
            p.terminate()
            p.wait(timeout=10)
    shutil.rmtree(tmp, ignore_errors=True)
