# SPDX-License-Identifier: MIT
"""The pinned driver completed: two co-located instances get a core each and never share
one (every row of instance i is on core i, energy split by process CPU share); --exclusive
runs one instance on the whole machine and says so in the sidecar, which also lists the
SMT siblings kept idle; asking for more instances than --exclusive allows is exit 2."""
import os
import shutil
import tempfile

from jbtest import check, read_csv, read_meta, run, skip

if os.cpu_count() < 2 or len(os.sched_getaffinity(0)) < 2:
    skip("needs two usable CPUs")
cores = sorted(os.sched_getaffinity(0))[:2]
tmp = tempfile.mkdtemp(prefix="jb-pinned-")
out = os.path.join(tmp, "colo.csv")
p = run(["run", "-w", "matmul,float-ops", "-s", "test", "-c", "2", "-m", "model", "-r", "2",
         "--warmup", "1", "--idle-s", "0.05", "--min-window-s", "0.1",
         "--cores", f"{cores[0]},{cores[1]}", "-o", out, "--no-plot"])
check(p.returncode == 0, f"co-located pinned run: {p.returncode} {p.stderr}")
rows = read_csv(out)
meta = read_meta(out)
smt_idle = meta["driver"]["smt_siblings_idle"]
for r in rows:
    check(r["concurrency"] == "2", "concurrency")
    want = {"0": "matmul", "1": "float-ops"}[r["instance"]]
    check(r["workload"] == want, f"round-robin: instance {r['instance']} ran {r['workload']}")
    if not smt_idle:
        check(r["core"] == str(cores[int(r["instance"])]), f"instance on core {r['core']}")
warm = [r for r in rows if r["phase"] == "warm"]
check(warm and all(r["status"] == "ok" for r in warm), "warm rows not ok")
check(all(r["energy_method"] == "window-split-by-process-cpu-share" for r in warm), "method")
check({r["phase"] for r in rows} == {"cold", "warmup", "warm", "teardown"}, "phases")

out = os.path.join(tmp, "excl.csv")
p = run(["run", "-w", "matmul", "-s", "test", "--exclusive", "-m", "model", "-r", "1",
         "--warmup", "0", "--idle-s", "0.05", "--min-window-s", "0.05", "-o", out, "--no-plot"])
check(p.returncode == 0, f"exclusive run: {p.returncode} {p.stderr}")
meta = read_meta(out)
check(meta["driver"]["exclusive"] is True, "sidecar does not say exclusive")
check("smt_siblings_idle" in meta["driver"], "sidecar lacks smt_siblings_idle")
check(len(meta["driver"]["cores"].split(",")) == 1 and "-" not in meta["driver"]["cores"],
      f"exclusive uses cores {meta['driver']['cores']}")
check({r["instance"] for r in read_csv(out)} == {"0"}, "more than one instance")

for args, words in [(["--exclusive", "-c", "2"], "exclusive"),
                    (["-d", "container", "--exclusive"], "exclusive"),
                    (["--memory-mb", "512"], "memory-mb"),
                    (["-c", "0"], "--concurrency"),
                    (["--rate", "-1"], "--rate")]:
    p = run(["run"] + args + ["-o", os.path.join(tmp, "y.csv")])
    check(p.returncode == 2 and words in p.stderr, f"{args}: {p.returncode} {p.stderr}")
check(not os.path.exists(os.path.join(tmp, "y.csv")), "bad usage left a file")
p = run(["compare", "--help"])
check(p.returncode == 0 and "usage" in p.stdout and "--drivers" in p.stdout, "compare --help")
shutil.rmtree(tmp, ignore_errors=True)
print("ok")
