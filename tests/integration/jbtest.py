# SPDX-License-Identifier: MIT
"""Helpers shared by the python integration tests: where the binaries are, running the
real CLI, reading its CSV with python's own csv module (an independent reader), and the
meson exit codes (77 = skipped)."""
import csv
import json
import os
import subprocess
import sys

SKIP = 77
JOULEBENCH = os.environ.get("JOULEBENCH", "joulebench")
JOULEBENCH_FN = os.environ.get("JOULEBENCH_FN", "joulebench-fn")


def skip(reason):
    print(f"SKIP: {reason}")
    sys.exit(SKIP)


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def run(args, **kw):
    """Run joulebench with ARGS; return the CompletedProcess (text mode)."""
    return subprocess.run([JOULEBENCH] + args, capture_output=True, text=True,
                          timeout=kw.pop("timeout", 300), **kw)


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def read_meta(csv_path):
    base = csv_path[:-4] if csv_path.endswith(".csv") else csv_path
    with open(base + ".meta.json") as f:
        return json.load(f)
