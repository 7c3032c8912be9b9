# SPDX-License-Identifier: MIT
"""Benchmark verdicts that can fail (issue 22): each verdict is forced to its failing side
by a fault or an environment variable set here, and the benchmark must then exit non-zero
(77 where it measured nothing); each is also run once on its passing side, so that the
failure is the fault's doing:
  - `bench-isolation` with no QEMU and no runsc on PATH measures nothing: exit 77, not 0;
  - `overhead-bench` in its full form: a per-core goal it meets (JB_OVERHEAD_BENCH_GOAL_RATE
    =1) exits 0, one it cannot meet exits 1 ("NOT met"); on one core
    (JB_OVERHEAD_BENCH_CORES=1) it says that the projection is not judged instead of
    assuming an efficiency;
  - the energy suite (short form, pinned driver, model meter): window energies scaled by
    0.5 or 3 (JB_ENERGY_FAULT=energy-scale=F, a meter that under- or over-reports) fall
    outside the bounds computed from the profile and cpu_ns; every warm window flagged
    (JB_ENERGY_FAULT=untrustworthy) exceeds the untrustworthy share. Each exits 1;
  - `bench-stats --cell`: a cell whose intervals cover the truth (10 independent windows)
    exits 0, one whose windows drift (autocorrelated: one run's intervals over its windows
    are too narrow) is printed as MISSED and exits 1.
Arguments: bench-isolation overhead-bench energy.py bench-stats."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jbtest import check  # noqa: E402

isolation, overhead, energy, stats = sys.argv[1:5]
tmp = tempfile.mkdtemp(prefix="jb-verdicts-")
base = {k: v for k, v in os.environ.items() if not k.startswith(("JB_BENCH_SHORT", "JB_ENERGY",
                                                                  "JB_OVERHEAD"))}


def bench(argv, what, **env):
    p = subprocess.run(argv, capture_output=True, text=True, env={**base, **env},
                       timeout=300, cwd=tmp)
    print(f"{what}: exit {p.returncode}")
    return p


# bench-isolation: nothing to run with (an empty PATH) is a SKIP, never a pass.
empty = os.path.join(tmp, "empty-path")
os.mkdir(empty)
p = bench([isolation], "isolation, no QEMU nor runsc", PATH=empty, JB_BENCH_SHORT="1")
check(p.returncode == 77 and "nothing measured" in p.stdout,
      f"bench-isolation with every part skipped: exit {p.returncode}, not 77:\n{p.stdout}")

# overhead-bench, full form on a small trace.
small = [overhead, "100", "1e4", "1"]
p = bench(small, "overhead, goal met", JB_OVERHEAD_BENCH_CORES="1",
          JB_OVERHEAD_BENCH_GOAL_RATE="1")
check(p.returncode == 0 and "NOT met" not in p.stdout,
      f"overhead-bench with a goal it meets: exit {p.returncode}:\n{p.stdout}{p.stderr}")
check("projection not judged" in p.stdout and "none measured" in p.stdout,
      f"overhead-bench on one core does not say the projection is unjudged:\n{p.stdout}")
p = bench(small, "overhead, goal NOT met", JB_OVERHEAD_BENCH_CORES="1",
          JB_OVERHEAD_BENCH_GOAL_RATE="1e15")
check(p.returncode == 1 and "NOT met" in p.stdout,
      f"overhead-bench with a goal it cannot meet: exit {p.returncode}, not 1:\n{p.stdout}")

# The energy suite, short form, pinned driver, model meter: passing first, then faults.
py = "/usr/bin/python3"
common = dict(JB_BENCH_SHORT="1", JB_ENERGY_DRIVERS="pinned",
              JB_ENERGY_DIR=os.path.join(tmp, "energy"))
p = bench([py, energy], "energy, no fault", JB_ENERGY_MAX_UNTRUSTWORTHY="1", **common)
check(p.returncode == 0, f"energy suite without a fault: exit {p.returncode}:\n{p.stdout}")
check("model windows against the profile and cpu_ns" in p.stdout,
      f"energy suite did not check the model windows:\n{p.stdout}")
for fault, says in (("energy-scale=0.5", "computed from the profile and the rows' cpu_ns"),
                    ("energy-scale=3", "computed from the profile and the rows' cpu_ns"),
                    ("untrustworthy", "of the warm windows are untrustworthy")):
    limit = {} if fault == "untrustworthy" else {"JB_ENERGY_MAX_UNTRUSTWORTHY": "1"}
    p = bench([py, energy], f"energy, JB_ENERGY_FAULT={fault}", JB_ENERGY_FAULT=fault,
              **common, **limit)
    check(p.returncode == 1 and says in p.stdout,
          f"energy suite with JB_ENERGY_FAULT={fault}: exit {p.returncode}, not 1:\n{p.stdout}")
# The stats suite's verdict, on one cell each way (fixed seed).
p = bench([stats, "--cell", "10", "1", "independent", "200"], "stats, covering cell")
check(p.returncode == 0 and ": met" in p.stdout, f"bench-stats covering cell: {p.stdout}")
p = bench([stats, "--cell", "10", "1", "drifting-idle", "200"], "stats, drifting cell")
check(p.returncode == 1 and "MISSED" in p.stdout, f"bench-stats drifting cell: {p.stdout}")
print("every verdict failed when forced to, and passed otherwise")
