# SPDX-License-Identifier: MIT
"""Fake hwmon power sensors for tests of the `hwmon` meter: files laid out as the kernel's
(Documentation/hwmon/sysfs-interface.rst) under any root, rewritten in place, since the
meter keeps powerN_input open and re-reads it with pread at offset 0.

FakePowerSensor behaves like an INA219 on the supply of the machine it runs on: a new
reading every conversion pair (2 x 1.06 ms at 12 bits with 2 samples averaged, TI SBOS448
Table 5), equal to an idle power plus a power per busy CPU of this machine (from
/proc/stat, whose 10 ms ticks are re-read every 20 ms), plus Gaussian noise, rounded to
1 mW. Every value written is logged with its CLOCK_MONOTONIC time, so that a test can
integrate what the sensor really showed over any interval (energy_j). A sensor stuck at one
value is a plain file written once (write_tree)."""
import os
import random
import threading
import time

from jbtest import realtime_thread

# One conversion pair of an INA219 at 12 bits, 2 samples averaged (SBOS448 Table 5).
INA219_UPDATE_S = 2 * 1.06e-3


def write_tree(root, files):
    """files: {"hwmonN/attr": text}; creates root/class/hwmon/... with a newline each."""
    for rel, text in files.items():
        path = os.path.join(root, "class", "hwmon", rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(f"{text}\n")


def busy_cpus(prev):
    """Busy CPUs of the machine since @prev (the /proc/stat counters of the last call)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    busy, total = sum(v) - v[3] - v[4], sum(v)  # everything but idle and iowait
    if prev[0] is None or total == prev[1]:
        cpus = 0.0
    else:
        cpus = (busy - prev[0]) / (total - prev[1]) * (os.cpu_count() or 1)
    prev[0], prev[1] = busy, total
    return cpus


class FakePowerSensor:
    def __init__(self, path, idle_w, w_per_cpu, noise_w=0.01, update_s=INA219_UPDATE_S,
                 seed=1):
        self.path, self.idle_w, self.w_per_cpu = path, idle_w, w_per_cpu
        self.noise_w, self.update_s = noise_w, update_s
        self.rng = random.Random(seed)
        self.log = []  # (monotonic ns, W) of every value written
        self._stop = threading.Event()
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        while not self.log:
            time.sleep(0.001)

    def _run(self):
        realtime_thread()
        fd = os.open(self.path, os.O_WRONLY)
        prev, cpus, next_stat = [None, None], 0.0, 0.0
        busy_cpus(prev)
        while not self._stop.is_set():
            now = time.monotonic()
            if now >= next_stat:
                cpus, next_stat = busy_cpus(prev), now + 0.02
            w = self.idle_w + self.w_per_cpu * cpus + self.rng.gauss(0, self.noise_w)
            uw = max(0, int(round(w * 1e3)) * 1000)
            data = f"{uw}\n".encode()
            # Write, then cut stale digits: a reader never sees an empty file, and one
            # between the two calls stops at the newline.
            os.pwrite(fd, data, 0)
            os.ftruncate(fd, len(data))
            self.log.append((time.monotonic_ns(), uw / 1e6))
            time.sleep(self.update_s)
        os.close(fd)

    def stop(self):
        self._stop.set()
        if self._thread:
            self._thread.join()

    def energy_j(self, t0_ns, t1_ns):
        """What the sensor showed between two CLOCK_MONOTONIC times, as a step function."""
        e, log = 0.0, self.log
        for i, (t, w) in enumerate(log):
            t_next = log[i + 1][0] if i + 1 < len(log) else t1_ns
            a, b = max(t, t0_ns), min(t_next, t1_ns)
            if b > a:
                e += w * (b - a) / 1e9
        return e
