# SPDX-License-Identifier: MIT
"""The power a fake BMC reports: a faithful stand-in for a whole machine's wall power.

A real BMC sees the load of the machine it sits in. A simulator does not, so this model
makes its power follow CPU load: idle watts plus watts per busy core, with the busy cores
measured from the CPU time (utime + stime, /proc/PID/stat) of every process of one session
(the joulebench under test, started with start_new_session), or of the whole machine
(/proc/stat) when no session is given. The machine these tests run on is shared, so
following the tested session keeps other jobs' load out of the reading. Like a BMC, the
value is refreshed once an update period (1 s by default), with Gaussian noise, in whole
watts. Tests can pin the value (override), freeze it (a sensor that stops updating) or set
an out-of-range value."""
import os
import random
import subprocess
import threading
import time

from jbtest import check, first_warm_row, read_csv, read_meta, realtime_thread, trace

TICK = os.sysconf("SC_CLK_TCK")


def session_cpu_s(sid):
    """CPU seconds of every live process in session SID (its exited children included
    through cutime/cstime once reaped)."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command: state ppid pgrp session ... utime(12) stime(13) cutime cstime.
        if int(fields[3]) == sid:
            total += sum(int(x) for x in fields[11:15])
    return total / TICK


def machine_cpu_s():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v) - v[3] - v[4]) / TICK  # all but idle and iowait


class LoadPower:
    def __init__(self, idle_w=180.0, w_per_core=40.0, noise_w=0.8, update_s=1.0, seed=7,
                 on_update=None):
        self.idle_w, self.w_per_core, self.noise_w = idle_w, w_per_core, noise_w
        self.update_s = update_s
        self.sid = None
        self.override = None  # a fixed value (watts), or None
        self.frozen = False
        self.value = round(idle_w)
        self.updates = 0
        self.on_update = on_update
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def follow(self, sid):
        with self.lock:
            self.sid = sid

    def _cpu(self):
        sid = self.sid
        return session_cpu_s(sid) if sid else machine_cpu_s()

    def _run(self):
        realtime_thread()
        t0, c0 = time.monotonic(), self._cpu()
        while not self.stop.wait(self.update_s):
            t1, c1 = time.monotonic(), self._cpu()
            busy = max(0.0, (c1 - c0) / (t1 - t0)) if t1 > t0 else 0.0
            t0, c0 = t1, c1
            with self.lock:
                if self.frozen:
                    continue
                if self.override is not None:
                    v = self.override
                else:
                    v = round(self.idle_w + self.w_per_core * busy +
                              self.rng.gauss(0, self.noise_w))
                self.value = v
                self.updates += 1
            if self.on_update:
                self.on_update(v)

    def start(self):
        if self.on_update:
            self.on_update(self.value)
        self.thread.start()
        return self

    def close(self):
        self.stop.set()
        self.thread.join()


def measured(power, argv, at=None, timeout=400, after_warm_in=None):
    """Run ARGV (joulebench and its arguments) in a session of its own whose CPU POWER
    follows; AT is a list of (seconds, callable) run while it runs, the seconds counted from
    the start or, with AFTER_WARM_IN (the run's CSV), from its first warm row: on a loaded
    machine the liveness probe, the idle baseline and the cold start can take seconds, and a
    fault timed from the start would fall anywhere. Returns (rc, out, err)."""
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    power.follow(p.pid)
    done = threading.Event()

    def timeline():
        if after_warm_in:
            while not first_warm_row(after_warm_in, p):
                if done.wait(0.02):
                    return
        start = time.monotonic()
        for s, fn in sorted(at or [], key=lambda e: e[0]):
            if done.wait(max(0.0, start + s - time.monotonic())):
                return
            fn()

    events = threading.Thread(target=timeline, daemon=True)
    events.start()
    out, err = p.communicate(timeout=timeout)
    done.set()
    events.join()
    trace(argv[1:], t0, p.returncode)
    return p.returncode, out, err


def windows_ok(rows):
    """The warm windows of a measured run: at least one ok, and any other flagged only for
    its length. The runner sizes a window by the wall clock (1.25 x the meter's minimum,
    from the round trips so far), while a BMC meter's window spans its readings' times, up
    to one reading shorter; on this shared, loaded machine the two together sometimes end
    a window just short of the minimum, which is a correct flag, not a meter fault.
    Returns the reason when the rows fail, else None."""
    warm = [r for r in rows if r["phase"] == "warm"]
    ok = [r for r in warm if r["status"] == "ok"]
    other = [r for r in warm if r["status"] != "ok" and not (
        r["status"] == "untrustworthy" and r["message"].startswith("window ")
        and r["message"].endswith("s") and "shorter than the meter's minimum" in r["message"]
        and ";" not in r["message"])]
    if not ok or other:
        return f"{len(ok)} ok of {len(warm)}: {set((r['status'], r['message']) for r in warm)}"
    return None


def measured_run(power, joulebench, meter, opts, csv):
    """A measured run of METER at its own defaults (1 s readings, windows of ten) while
    POWER follows it: it must succeed with ok warm windows at the fake's idle power (180 W
    plus what the run itself costs). Returns (the ok warm rows, the sidecar)."""
    rc, out, err = measured(power, [joulebench, "run", "-m", meter, "-w", "float-ops", "-s",
                                    "test", "-r", "2", "--idle-s", "3", "-o", csv,
                                    "--meter-opts", opts])
    check(rc == 0, f"run -m {meter}: rc {rc}: {err}")
    rows = [r for r in read_csv(csv) if r["phase"] == "warm"]
    check(windows_ok(rows) is None, f"run -m {meter}: {windows_ok(rows)}")
    rows = [r for r in rows if r["status"] == "ok"]
    idle = float(rows[0]["idle_power_w"])
    # The fake idles at 180 W (noise 1.5 W, whole watts). The baseline starts two readings
    # after the liveness probe's load (protocol/session.c, idle_settle()): one begun at
    # once read the probe's load through the sensor's 1 s lag (230 W here, before).
    check(175 <= idle <= 195, f"run -m {meter}: idle power {idle} W; the fake idles at 180 W")
    # A sensor read once a second has one reading per noise slice: its idle noise is the
    # slices' spread, not a whole reading, and the run's load (about 100 W over idle) must
    # not be called a load the meter does not follow.
    check("does not follow this load" not in err, f"run -m {meter}: {err}")
    check(float(rows[0]["energy_uncertainty_j"]) > 0, "no uncertainty on a sampled meter")
    return rows, read_meta(csv)
