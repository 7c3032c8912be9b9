# SPDX-License-Identifier: MIT
"""The redfish meter against a Redfish mockup served over HTTPS on 127.0.0.1.

The test writes its own small mockup in the DMTF mockup layout (one index.json per
resource, modeled on the shape of DMTF's public-rackmount1 mockup: a Chassis collection,
a chassis with EnvironmentMetrics, the deprecated Power resource and a PowerSubsystem with
two supplies and their Metrics) and serves it with a small HTTPS server, TLS with a
certificate made here (passed as cacert=) and HTTP basic authentication. The power values
in the served resources come from fake_bmc_power.py: whole watts that follow the CPU load
of the joulebench under test, refreshed once a second, with noise; EnergyJoules is their
integral. Several chassis show what real BMCs differ in: "1U" (everything), "Legacy"
(Power only), "PSU" (PowerSubsystem only), "Energy" (an EnergyJoules counter) and "Blank"
(EnvironmentMetrics whose readings are null).

Checked: every source is found and read; wrong credentials, an unverifiable certificate,
an unreachable BMC, a BMC answering 500 and a chassis without readings fail at open with
77, a password option with 2; `check` passes; a measured `run` gives ok windows; a BMC that
turns slow (past timeout_ms), one that starts answering errors, one whose reading stops
updating and one out of the plausible range give flagged windows.
Skipped (77) without openssl, or a joulebench built without the redfish meter."""
import base64
import copy
import http.server
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jbtest import JOULEBENCH, check, read_csv, realtime_thread, run, skip  # noqa: E402
from fake_bmc_power import LoadPower, measured as measured_by, measured_run  # noqa: E402

if not shutil.which("openssl"):
    skip("openssl is not installed (scripts/install-deps --tests)")
if "  redfish " not in run(["list", "meters"]).stdout:
    skip("joulebench was built without the redfish meter (libcurl4-openssl-dev missing)")

tmp = tempfile.mkdtemp(prefix="jb-redfish-")
# A BMC's real rate is 1 s, and step 4 runs at it; the other steps read every FAST_MS (the
# meter's interval_ms, the fake's update_s), so that the probes take a second, not seven,
# and windows of ten readings take 1 s, not 10 (scripts/test's five minutes).
FAST_MS = 100
V1 = "/redfish/v1"


def link(path):
    return {"@odata.id": path}


def put(path, body):
    """One mockup resource, as DMTF's mockups store it: <path>/index.json."""
    d = os.path.join(tmp, "mockup", path.strip("/"))
    os.makedirs(d, exist_ok=True)
    body = dict(body, **{"@odata.id": path})
    with open(os.path.join(d, "index.json"), "w") as f:
        json.dump(body, f, indent=2)


def chassis(cid, env=None, power=False, subsystem=False):
    c = f"{V1}/Chassis/{cid}"
    body = {"@odata.type": "#Chassis.v1_22_0.Chassis", "Id": cid, "Name": f"Chassis {cid}",
            "ChassisType": "RackMount", "PowerState": "On",
            "Status": {"State": "Enabled", "Health": "OK"}}
    if env is not None:
        body["EnvironmentMetrics"] = link(c + "/EnvironmentMetrics")
        put(c + "/EnvironmentMetrics", dict({"@odata.type":
                                             "#EnvironmentMetrics.v1_3_0.EnvironmentMetrics",
                                             "Name": "Chassis Environment Metrics",
                                             "TemperatureCelsius": {"Reading": 39}}, **env))
    if power:
        body["Power"] = link(c + "/Power")
        put(c + "/Power", {"@odata.type": "#Power.v1_7_1.Power", "Id": "Power", "Name": "Power",
                           "PowerControl": [{"MemberId": "0", "Name": "System Input Power",
                                             "PowerConsumedWatts": None,
                                             "PowerCapacityWatts": 800}]})
    if subsystem:
        body["PowerSubsystem"] = link(c + "/PowerSubsystem")
        put(c + "/PowerSubsystem", {"@odata.type": "#PowerSubsystem.v1_1_0.PowerSubsystem",
                                    "Name": "Power Subsystem",
                                    "PowerSupplies": link(c + "/PowerSubsystem/PowerSupplies")})
        bays = [c + f"/PowerSubsystem/PowerSupplies/Bay{i}" for i in (1, 2)]
        put(c + "/PowerSubsystem/PowerSupplies",
            {"@odata.type": "#PowerSupplyCollection.PowerSupplyCollection",
             "Members": [link(b) for b in bays], "Members@odata.count": 2})
        for b in bays:
            put(b, {"@odata.type": "#PowerSupply.v1_5_0.PowerSupply", "Name": b[-4:],
                    "Metrics": link(b + "/Metrics")})
            put(b + "/Metrics", {"@odata.type": "#PowerSupplyMetrics.v1_1_0.PowerSupplyMetrics",
                                 "InputPowerWatts": {"Reading": None},
                                 "EnergykWh": {"Reading": 1234.5}})
    put(c, body)
    return c


put(V1, {"@odata.type": "#ServiceRoot.v1_15_0.ServiceRoot", "Id": "RootService",
         "RedfishVersion": "1.17.0", "Chassis": link(V1 + "/Chassis")})
ids = ["1U", "Legacy", "PSU", "Energy", "Blank"]
put(V1 + "/Chassis", {"@odata.type": "#ChassisCollection.ChassisCollection",
                      "Members": [link(f"{V1}/Chassis/{i}") for i in ids],
                      "Members@odata.count": len(ids)})
chassis("1U", env={"PowerWatts": {"Reading": None}, "EnergykWh": {"Reading": 36166}},
        power=True, subsystem=True)
chassis("Legacy", power=True)
chassis("PSU", subsystem=True)
chassis("Energy", env={"PowerWatts": {"Reading": None}, "EnergyJoules": {"Reading": None}})
chassis("Blank", env={"PowerWatts": {"Reading": None}})

# The BMC's state, set by the test: mode ok | error | slow; the energy integral.
bmc = {"mode": "ok", "energy_j": 1.0e6, "requests": 0, "t": time.monotonic()}
lock = threading.Lock()


def on_update(w):
    # W is the mean power since the last update: the counter integrates it over the time
    # that really passed (a thread woken late on a loaded machine made a counter that added
    # one nominal period a tick read 89 W on a fake idling at 180 W).
    now = time.monotonic()
    with lock:
        bmc["energy_j"] += w * (now - bmc["t"])
        bmc["t"] = now


power = LoadPower(idle_w=180, w_per_core=200, noise_w=1.5, update_s=FAST_MS / 1000,
                  on_update=on_update)
AUTH = "Basic " + base64.b64encode(b"jbuser:rf-s3cret").decode()


class Handler(http.server.BaseHTTPRequestHandler):
    def setup(self):
        # A BMC answers from a processor of its own, whatever the host's load: the mockup
        # server's threads run SCHED_FIFO (root), or CI's ASan suite, six tests at once
        # beside check's two busy cores, starved it into "Connection timed out".
        realtime_thread()
        super().setup()

    def log_message(self, *a):
        pass

    def do_GET(self):
        with lock:
            bmc["requests"] += 1
            mode = bmc["mode"]
            energy = bmc["energy_j"]
        if self.headers.get("Authorization") != AUTH:
            return self.reply(401, {"error": {"code": "Base.1.0.NoValidSession"}})
        if mode == "error":
            return self.reply(500, {"error": {"code": "Base.1.0.InternalError"}})
        if mode == "slow":
            time.sleep(3)
        path = self.path.split("?")[0].rstrip("/")
        f = os.path.join(tmp, "mockup", path.strip("/"), "index.json")
        if not path.startswith(V1) or ".." in path or not os.path.exists(f):
            return self.reply(404, {"error": {"code": "Base.1.0.ResourceMissingAtURI"}})
        with open(f) as fh:
            body = json.load(fh)
        w = power.value
        cid = path.split("/")[4] if path.count("/") >= 4 else ""
        if path.endswith("/EnvironmentMetrics") and cid != "Blank":
            if cid == "Energy":
                body["EnergyJoules"]["Reading"] = round(energy)
            else:
                body["PowerWatts"]["Reading"] = w
        elif path.endswith("/Power"):
            body = copy.deepcopy(body)
            body["PowerControl"][0]["PowerConsumedWatts"] = w
        elif path.endswith("/Metrics") and "PowerSupplies" in path:
            body["InputPowerWatts"]["Reading"] = w / 2
        self.reply(200, body)

    def reply(self, code, body):
        data = json.dumps(body).encode()
        try:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("OData-Version", "4.0")
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass


key, cert = os.path.join(tmp, "key.pem"), os.path.join(tmp, "cert.pem")
subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext",
                "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
srv.daemon_threads = True
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
port = srv.server_address[1]
threading.Thread(target=lambda: (realtime_thread(), srv.serve_forever()), daemon=True).start()
power.start()

pwfile = os.path.join(tmp, "pw")
with open(pwfile, "w") as f:
    f.write("rf-s3cret\n")
BASE = f"host=https://127.0.0.1:{port},user=jbuser,password_file={pwfile},cacert={cert}"


def measured(args, at=None, timeout=400, after_warm_in=None):
    return measured_by(power, [JOULEBENCH] + args, at, timeout, after_warm_in)



def free_tcp_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def probe(opts, env=None):
    opts += f",interval_ms={FAST_MS}"
    p = subprocess.run([JOULEBENCH, "list", "meters", "--meter-opts", opts], capture_output=True,
                       text=True, env=env, timeout=120)
    return p.stdout[p.stdout.index("  redfish"):]


def run_rc(opts, env=None):
    p = subprocess.run([JOULEBENCH, "run", "-m", "redfish", "-w", "float-ops", "-s", "test",
                        "-r", "1", "--meter-opts", opts], capture_output=True, text=True,
                       env=env, timeout=120)
    return p.returncode, p.stderr


def flagged(name, opts, at):
    csv = os.path.join(tmp, name + ".csv")
    rc, out, err = measured(["run", "-m", "redfish", "-w", "float-ops", "-s", "test", "-r", "4",
                             "--idle-s", "1", "-o", csv, "--meter-opts", opts], at=at,
                            after_warm_in=csv)
    rows = read_csv(csv) if os.path.exists(csv) else []
    bad = [r for r in rows if r["status"] != "ok" and r["phase"] == "warm"]
    check(bad, f"{name}: every warm row ok (rc {rc}): {err}")
    print(f"{name}:", sorted(set((r["status"], r["message"][:90]) for r in bad)))
    return bad


try:
    # 1. Every source, as each chassis offers it (the first chassis by default: 1U).
    for cid, want in ((None, "/redfish/v1/Chassis/1U/EnvironmentMetrics"),
                      ("Legacy", "/redfish/v1/Chassis/Legacy/Power"),
                      ("PSU", "the power supplies' Metrics"),
                      ("Energy", "/redfish/v1/Chassis/Energy/EnvironmentMetrics")):
        out = probe(BASE + (f",chassis={cid}" if cid else ""))
        check("usable" in out.split("\n")[0] and want in out, f"chassis {cid}: {out}")
    out = probe(BASE + ",source=power")
    check("/redfish/v1/Chassis/1U/Power " in out, f"source=power: {out}")

    # 2. Failing well at open.
    bad = os.path.join(tmp, "bad")
    with open(bad, "w") as f:
        f.write("wrong\n")
    cases = [
        ("wrong password", BASE.replace(pwfile, bad), None, 77, "HTTP 401"),
        ("wrong password from the environment",
         f"host=https://127.0.0.1:{port},user=jbuser,cacert={cert}",
         dict(os.environ, JOULEBENCH_BMC_PASSWORD="nope"), 77, "HTTP 401"),
        ("an unverifiable certificate", BASE.replace(f",cacert={cert}", ""), None, 77,
         "certificate"),
        ("an unreachable BMC", f"host=https://127.0.0.1:{free_tcp_port()},user=jbuser,"
         f"password_file={pwfile},timeout_ms=1000", None, 77, "redfish"),
        ("a chassis without readings", BASE + ",chassis=Blank", None, 77, "no power reading"),
        ("a password option", BASE + ",password=rf-s3cret", None, 2, "never an option"),
        ("a host that is no URL", "host=127.0.0.1", None, 2, "want a URL"),
    ]
    for what, opts, env, want_rc, want in cases:
        rc, err = run_rc(opts, env)
        check(rc == want_rc and want in err, f"{what}: rc {rc} (want {want_rc}): {err}")
    bmc["mode"] = "error"
    rc, err = run_rc(BASE)
    bmc["mode"] = "ok"
    check(rc == 77 and "HTTP 500" in err, f"a BMC answering 500: rc {rc}: {err}")

    # 3. check, with readings every 250 ms to keep its windows of ten readings short. Not
    # FAST_MS: four intervals without a good reading mean the BMC is gone (meters/bmc.c),
    # and in the ASan suite, beside check's two busy cores, a read at FAST_MS said
    # "Connection timed out" (400 ms without a reply is the likelier cause: the HTTP
    # timeout is 5 s).
    power.update_s = 0.25
    rc, out, err = measured(["check", "-m", "redfish", "--step-s", "3", "--idle-s", "5",
                             "--no-plot", "-o", os.path.join(tmp, "check"), "--meter-opts",
                             BASE + ",interval_ms=250"])
    print(out, err)
    check(rc == 0, f"check -m redfish: rc {rc}")

    # 4. A measured run at a BMC's rate (1 s) with the meter's own windows (10 s), from the
    # energy counter (`check` above read the power reading of chassis 1U).
    power.update_s = 1.0
    csv = os.path.join(tmp, "run-energy.csv")
    rows, meta = measured_run(power, JOULEBENCH, "redfish", BASE + ",chassis=Energy", csv)
    detail = meta["meter"]["detail"]
    check("wall-ac" in detail and "energy counter" in detail, f"meter detail: {detail}")
    check("rf-s3cret" not in open(csv).read() and "rf-s3cret" not in json.dumps(meta),
          "the password reached the CSV or the sidecar")
    check(all(r["scope"] == "wall-ac" for r in read_csv(csv)), "run -m redfish: rows not of scope wall-ac")

    # 5. Faults during a run (readings every FAST_MS; windows of 1 s), each 0.3 s after the
    # run's first warm row.
    power.update_s = FAST_MS / 1000
    # Only the slow BMC needs a timeout below its 3 s reply; the others keep the default
    # 5 s, so a loaded machine's late reply to the meter's open is not taken for a fault
    # (timeout_ms=1000 for all of them failed 'range' at open on an overloaded run).
    fast = BASE + f",interval_ms={FAST_MS}"

    def mode(m):
        return lambda: bmc.__setitem__("mode", m)

    flagged("slow", fast + ",timeout_ms=2000", [(0.3, mode("slow"))])
    bmc["mode"] = "ok"
    flagged("errors", fast, [(0.3, mode("error"))])
    bmc["mode"] = "ok"
    flagged("stale", fast + ",stale_s=2", [(0.3, lambda: setattr(power, "frozen", True))])
    power.frozen = False
    rows = flagged("range", fast, [(0.3, lambda: setattr(power, "override", 9000))])
    power.override = None
    check(any("plausib" in r["message"] for r in rows), "9 kW was not flagged as implausible")
    print(f"redfish: pass ({bmc['requests']} requests served)")
finally:
    power.close()
    srv.shutdown()
    shutil.rmtree(tmp, ignore_errors=True)
