# SPDX-License-Identifier: MIT
"""--resume reads an interrupted run's .meta.json sidecar. A sidecar damaged the way an
editor or a full disk damages files must give one line naming the file and the field, and
exit 2; never a crash (it was SIGSEGV on `"ended": null` and on a null in argv). An
undamaged interrupted sidecar must still resume."""
import json
import os
import shutil
import tempfile

import jbtest
from jbtest import check

tmp = tempfile.mkdtemp(prefix="jb-resume-sidecar-")
try:
    csv_path = os.path.join(tmp, "run.csv")
    p = jbtest.run(["run", "-q", "--meter", "model", "-w", "float-ops", "-s", "test",
                    "--runs", "2", "--idle-s", "0.1", "-o", csv_path])
    check(p.returncode == 0, f"baseline run failed: {p.stderr}")
    meta_path = csv_path[:-4] + ".meta.json"
    good = jbtest.read_meta(csv_path)
    # Pretend the run was interrupted after its first window (rows kept as they are).
    good["ended"] = "interrupted"

    def with_sidecar(doc, raw=None):
        with open(meta_path, "w") as f:
            f.write(raw if raw is not None else json.dumps(doc))
        return jbtest.run(["run", "--resume", csv_path])

    damaged = {
        "ended null": (dict(good, ended=None), "ended"),
        "ended a number": (dict(good, ended=3), "ended"),
        "ended unknown": (dict(good, ended="exploded"), "ended"),
        "argv holds a null": (dict(good, argv=good["argv"] + [None]), "argv"),
        "argv a string": (dict(good, argv="joulebench run"), "argv"),
        "argv empty": (dict(good, argv=[]), "argv"),
        "run_id null": (dict(good, run_id=None), "run_id"),
        "run_id an object": (dict(good, run_id={"a": 1}), "run_id"),
        "started negative": (dict(good, started_unix_ns=-5), "started_unix_ns"),
        "started a string": (dict(good, started_unix_ns="now"), "started_unix_ns"),
        "resumed holds a null": (dict(good, resumed_unix_ns=[1, None]), "resumed_unix_ns"),
        "resumed an object": (dict(good, resumed_unix_ns={}), "resumed_unix_ns"),
    }
    for what, (doc, field) in damaged.items():
        p = with_sidecar(doc)
        check(p.returncode == 2, f"{what}: exit {p.returncode}, want 2:\n{p.stderr}")
        lines = p.stderr.strip().splitlines()
        check(len(lines) == 1, f"{what}: want one line, got:\n{p.stderr}")
        check(field in lines[0] and "meta.json" in lines[0],
              f"{what}: the line does not name the file and field {field}: {lines[0]}")
    for what, raw in {"truncated": json.dumps(good)[:40], "empty": "",
                      "a list": "[1, 2]", "binary": "\x00\xff{"}.items():
        p = with_sidecar(None, raw)
        check(p.returncode == 2, f"{what}: exit {p.returncode}, want 2:\n{p.stderr}")
        check(len(p.stderr.strip().splitlines()) == 1, f"{what}: want one line:\n{p.stderr}")
    # The undamaged interrupted sidecar still resumes (nothing missing: rows stay valid).
    rows_before = len(jbtest.read_csv(csv_path))
    p = with_sidecar(good)
    check(p.returncode == 0, f"undamaged sidecar: exit {p.returncode}:\n{p.stderr}")
    check(len(jbtest.read_csv(csv_path)) >= rows_before, "resume lost rows")
    check(jbtest.read_meta(csv_path)["ended"] == "completed", "resume did not complete")
finally:
    shutil.rmtree(tmp, ignore_errors=True)
print("ok")
