# SPDX-License-Identifier: MIT
"""Faults of the protocol and its commands found by review (issue 23), one mode each, each
run against the built binaries:
  compare-meter-opts  compare shares run's option table: --meter-opts, --domain, --batch
                      and --timeout-s reach its runs (a profile chosen by --meter-opts is the
                      one the sidecars name; a wrong one is the meter's exit 2, not an
                      unknown option)."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jbtest import check, read_csv, read_meta, run  # noqa: E402

SHORT = ["-s", "test", "--idle-s", "0.1", "--min-window-s", "0.2"]


def compare_meter_opts(tmp):
    pre = os.path.join(tmp, "cmp")
    p = run(["compare", "--drivers", "pinned,pinned", "-m", "model", "-w", "sha256",
             "--meter-opts", "profile=raspberry-pi-4b", "--batch", "4", "--timeout-s", "30",
             "-r", "2", "--cold", "1", "--warmup", "1", "-o", pre] + SHORT)
    check(p.returncode == 0, f"compare --meter-opts: exit {p.returncode}: {p.stderr}")
    meta = read_meta(pre + "-pinned.csv")
    desc = str(meta["meter"])
    check("raspberry-pi-4b" in desc, f"the sidecar's meter does not name the profile: {desc}")
    rows = [r for r in read_csv(pre + "-pinned.csv") if r["phase"] == "warm"]
    check(rows and all(r["window_invocations"] == "4" for r in rows),
          f"--batch 4 did not size compare's windows: "
          f"{sorted({r['window_invocations'] for r in rows})}")
    p = run(["compare", "--drivers", "pinned,pinned", "-m", "model",
             "--meter-opts", "profile=no-such-profile", "-o", pre + "2"] + SHORT)
    check(p.returncode == 2 and "no-such-profile" in p.stderr and "unknown option" not in p.stderr,
          f"a wrong --meter-opts profile: exit {p.returncode}: {p.stderr}")
    p = run(["compare", "--drivers", "pinned,pinned", "-m", "model", "--domain", "no-such",
             "-o", pre + "3"] + SHORT)
    check(p.returncode == 2 and "unknown option" not in p.stderr,
          f"compare --domain no-such: exit {p.returncode}: {p.stderr}")
    print("compare: --meter-opts, --batch, --timeout-s and --domain reach its runs")


MODES = {"compare-meter-opts": compare_meter_opts}

if __name__ == "__main__":
    check(len(sys.argv) == 2 and sys.argv[1] in MODES, f"usage: {sys.argv[0]} {'|'.join(MODES)}")
    with tempfile.TemporaryDirectory(prefix="jb-faults-") as d:
        MODES[sys.argv[1]](d)
