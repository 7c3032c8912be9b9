# SPDX-License-Identifier: MIT
"""A results file on a disk that fills up mid-run: joulebench stops with exit 1 and one
clear line, the CSV stays valid and holds every window written before the disk filled
(each whole), and the sidecar says the run ended in an error and why. The disk is a small
tmpfs in a private mount namespace (root only; skipped otherwise). Also: a results file
that cannot be created at all is a usage error (exit 2) that writes nothing."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jbtest import (check, check_complete_windows, read_csv, read_meta, reexec_in_mount_namespace,  # noqa: E402
                    run)

p = run(["run", "-w", "matmul", "-s", "test", "-m", "model", "-o", "/proc/nope/r.csv"])
check(p.returncode == 2 and "cannot create" in p.stderr, f"unwritable: {p.returncode} {p.stderr}")

reexec_in_mount_namespace(__file__)
disk = "/mnt/jb-small-disk"
os.makedirs(disk, exist_ok=True)
r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=96k", "tmpfs", disk],
                   capture_output=True, text=True)
check(r.returncode == 0, f"mount: {r.stderr}")
out = os.path.join(disk, "r.csv")
# 40 rows of ~400 bytes per window: a few windows fit in 96 KiB, then the disk is full.
p = run(["run", "-w", "matmul", "-s", "test", "-m", "model", "-r", "50", "--batch", "40",
         "--warmup", "1", "--idle-s", "0.1", "--min-window-s", "0", "--no-plot", "-q",
         "-o", out])
check(p.returncode == 1, f"exit {p.returncode}: {p.stderr}")
check("No space left" in p.stderr, f"message: {p.stderr}")
rows = read_csv(out)
check(len(rows) > 40, f"only {len(rows)} rows kept")
check_complete_windows(rows, "disk full")
meta = read_meta(out)
check(meta["ended"] == "error", f"sidecar ended={meta['ended']}")
check("No space left" in meta["ended_reason"], f"reason {meta['ended_reason']}")
print(f"ok: {len(rows)} rows kept")
