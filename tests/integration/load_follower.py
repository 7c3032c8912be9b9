# SPDX-License-Identifier: MIT
"""A power source that follows the load of one process: what a meter on a machine whose
power rises with its busy cores would read. Shared by the fake meters of the integration
tests (a fake powercap counter, the fake brickd's Energy Monitor)."""
import os


class LoadFollower:
    """energy (µJ) = idle_w x time + w_per_core x CPU seconds of the watched processes. The CPU
    time is each thread's own, in ns, from /proc/PID/task/TID/schedstat (proc(5)); a thread
    that has exited keeps its last value, so the counter never goes back. (/proc/PID/stat
    counts in 10 ms ticks, too coarse for a 1 s step of a fraction of a core.)"""

    def __init__(self, idle_w, w_per_core):
        self.idle_w, self.w_per_core = idle_w, w_per_core
        self.pid, self.cpu_ns, self.fds, self.scanned_ns = None, {}, {}, 0

    def watch(self, pid):
        self.pid = pid

    def energy_uj(self, dt_ns):
        pid = self.pid
        # New threads are looked for every 5 ms; the known ones are re-read with pread on
        # an open file, so that an update stays well under the meter's declared 1 ms.
        if pid is not None and dt_ns - self.scanned_ns > 5_000_000:
            self.scanned_ns = dt_ns
            try:
                tids = os.listdir(f"/proc/{pid}/task")
            except OSError:
                tids = []
            for tid in tids:
                if (pid, tid) not in self.fds:
                    try:
                        self.fds[(pid, tid)] = os.open(f"/proc/{pid}/task/{tid}/schedstat",
                                                       os.O_RDONLY)
                    except OSError:
                        pass
        for key, fd in list(self.fds.items()):
            try:
                self.cpu_ns[key] = int(os.pread(fd, 128, 0).split()[0])
            except (OSError, IndexError, ValueError):
                os.close(fd)  # exited: keep its last CPU time
                del self.fds[key]
        cpu_s = sum(self.cpu_ns.values()) / 1e9
        return self.idle_w * dt_ns / 1e3 + self.w_per_core * cpu_s * 1e6
