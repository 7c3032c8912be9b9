# SPDX-License-Identifier: MIT
"""The pinned driver completed: two co-located instances get a core each and never share
one (every row of instance i is on core i, energy split by process CPU share; the two cores
are chosen on different physical cores, so the check holds on SMT machines too, and no row
is on a sibling the sidecar lists as kept idle); --exclusive
runs one instance on the whole machine and says so in the sidecar, which also lists the
SMT siblings kept idle; asking for more instances than --exclusive allows is exit 2."""
import os
import shutil
import tempfile

from jbtest import check, read_csv, read_meta, run, skip



def cpu_list(text):
    """A kernel CPU list ("0-3,8") as a list of ints."""
    out = []
    for part in filter(None, text.strip().split(",")):
        lo, _, hi = part.partition("-")
        out += range(int(lo), int(hi or lo) + 1)
    return out


def siblings(cpu):
    try:
        with open(f"/sys/devices/system/cpu/cpu{cpu}/topology/thread_siblings_list") as f:
            return set(cpu_list(f.read()))
    except OSError:
        return {cpu}  # no topology: a core of its own, as the driver reads it


# Two CPUs on different physical cores: the driver keeps one thread per core, so two
# siblings would not be two cores.
cores, covered = [], set()
for c in sorted(os.sched_getaffinity(0)):
    if c not in covered and len(cores) < 2:
        cores.append(c)
        covered |= siblings(c)
if len(cores) < 2:
    skip("needs two usable CPUs on different physical cores")
tmp = tempfile.mkdtemp(prefix="jb-pinned-")
out = os.path.join(tmp, "colo.csv")
p = run(["run", "-w", "matmul,float-ops", "-s", "test", "-c", "2", "-m", "model", "-r", "2",
         "--warmup", "1", "--idle-s", "0.05", "--min-window-s", "0.1",
         "--cores", f"{cores[0]},{cores[1]}", "-o", out, "--no-plot"])
check(p.returncode == 0, f"co-located pinned run: {p.returncode} {p.stderr}")
rows = read_csv(out)
meta = read_meta(out)
smt_idle = cpu_list(str(meta["driver"]["smt_siblings_idle"] or ""))
check(cpu_list(meta["driver"]["cores"]) == cores,
      f"sidecar cores {meta['driver']['cores']}, asked for {cores}")
check(not set(smt_idle) & set(cores), f"a used core is listed as an idle sibling: {smt_idle}")
for r in rows:
    check(r["concurrency"] == "2", "concurrency")
    want = {"0": "matmul", "1": "float-ops"}[r["instance"]]
    check(r["workload"] == want, f"round-robin: instance {r['instance']} ran {r['workload']}")
    check(r["core"] == str(cores[int(r["instance"])]),
          f"instance {r['instance']} on core {r['core']}, want {cores[int(r['instance'])]}")
    check(int(r["core"]) not in smt_idle, f"a row on idle SMT sibling {r['core']}")
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
