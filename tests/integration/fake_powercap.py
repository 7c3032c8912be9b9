# SPDX-License-Identifier: MIT
"""A fake /sys/class/powercap tree that looks like the kernel's, for tests that run the
real libpowercap in a private mount namespace (a tmpfs over /sys/class).

Layout as on a real machine: /sys/class/powercap/intel-rapl is the control type (with
`enabled`), zones are directories intel-rapl/intel-rapl:N (with subzones inside), and
/sys/class/powercap/intel-rapl:N are links to them. A zone path that starts with another
control type ("intel-rapl-mmio:0") lives under that control type the same way. Values are
plain decimal with a newline, as sysfs prints them (libpowercap parses with base 0: a
zero-padded value would read as octal). libpowercap keeps energy_uj open and re-reads it with pread at offset 0,
so the advancing thread rewrites each file in place and never replaces it."""
import os
import threading
import time


class Zone:
    def __init__(self, path, name, power_w, max_uj, start_uj):
        self.path = path
        self.name = name
        self.power_w = power_w
        self.max_uj = max_uj
        self.start_uj = start_uj
        self.wraps = 0
        self.last = start_uj
        self.fd = None


class FakePowercap:
    """zones: list of (relative dir, name, power W, max_energy_range_uj, start µJ). The power
    may instead be a callable f(dt_ns) -> µJ counted since start (a power that follows the
    machine's load, tests/integration/test_meter_liveness.py); 0 W is a frozen counter."""

    def __init__(self, root, zones, mode=0o444):
        self.root = root
        self.zones = []
        for rel, name, power_w, max_uj, start_uj in zones:
            # The control type is the zone's prefix: intel-rapl:0:1 -> intel-rapl.
            ctl_name = rel.split("/")[0].split(":")[0]
            ctl = os.path.join(root, ctl_name)
            os.makedirs(ctl, exist_ok=True)
            self._write(os.path.join(ctl, "enabled"), "1\n")
            d = os.path.join(ctl, rel)
            os.makedirs(d, exist_ok=True)
            self._write(os.path.join(d, "name"), name + "\n")
            self._write(os.path.join(d, "enabled"), "1\n")
            self._write(os.path.join(d, "max_energy_range_uj"), f"{max_uj}\n")
            self._write(os.path.join(d, "energy_uj"), f"{start_uj}\n")
            os.chmod(os.path.join(d, "energy_uj"), mode)
            top = rel.split("/")[-1]
            link = os.path.join(root, top)
            if not os.path.lexists(link):
                os.symlink(os.path.join(ctl_name, rel), link)
            self.zones.append(Zone(os.path.join(d, "energy_uj"), name, power_w, max_uj,
                                   start_uj))
        self._stop = threading.Event()
        self._thread = None
        # The longest pause between two updates: a reader may see values this old, which
        # bounds how far a short window's measured power can be off (the thread is python
        # and shares its core with whatever the scheduler puts there).
        self.max_gap_ns = 0
        # Fault injection (tests/integration/test_faults.py): while set, every zone's
        # energy_uj holds this instead of its counter: b"garbage\n", b"" (a read of
        # nothing, as from a device that went away), or an int to jump the counter to.
        self.fault = None

    @staticmethod
    def _write(path, text):
        with open(path, "w") as f:
            f.write(text)

    def start(self, cpu=None, realtime=True):
        """realtime: run the writer thread SCHED_FIFO (root), so that a CPU load (the test's
        own, or the other tests' that scripts/test runs beside it) cannot delay its updates
        (it sleeps most of the time): a real RAPL counter advances every millisecond however
        loaded the machine is, and a writer starved for a quarter second made CI's liveness
        probe call the fake dead ("package-0 did not advance in 0.23 s")."""
        for z in self.zones:
            z.fd = os.open(z.path, os.O_WRONLY)
        self.t0 = time.monotonic_ns()
        self._thread = threading.Thread(target=self._run, args=(cpu, realtime), daemon=True)
        self._thread.start()

    def _run(self, cpu, realtime=False):
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})
        if realtime:
            try:
                os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))
            except OSError:
                pass
        last = time.monotonic_ns()
        while not self._stop.is_set():
            now = time.monotonic_ns()
            self.max_gap_ns = max(self.max_gap_ns, now - last)
            last = now
            dt_ns = now - self.t0
            fault = self.fault
            if isinstance(fault, bytes):
                for z in self.zones:
                    os.ftruncate(z.fd, 0)
                    os.pwrite(z.fd, fault, 0)
                time.sleep(0.0005)
                continue
            if isinstance(fault, int):
                # Count on from the new value: a reset, or a jump backwards.
                for z in self.zones:
                    z.start_uj = fault - z.power_w * dt_ns // 1000
                self.fault = None
            for z in self.zones:
                # µJ = W * ns / 1000, counted from start and wrapped at the range.
                if callable(z.power_w):
                    total = z.start_uj + int(z.power_w(dt_ns))
                else:
                    total = z.start_uj + z.power_w * dt_ns // 1000
                v = total % z.max_uj
                z.wraps = total // z.max_uj
                data = f"{v}\n".encode()
                os.pwrite(z.fd, data, 0)
                # A shorter value (after a wrap) leaves stale digits after the newline,
                # which a reader ignores; truncate them away all the same.
                if v < z.last:
                    os.ftruncate(z.fd, len(data))
                z.last = v
            time.sleep(0.0005)

    def stop(self):
        self._stop.set()
        if self._thread:
            self._thread.join()
        for z in self.zones:
            if z.fd is not None:
                os.close(z.fd)
