# SPDX-License-Identifier: MIT
"""End to end with the model meter: the real `joulebench run` measures two workloads
through the pinned driver; python's csv module reads the CSV back. Every row must be
complete and labelled modeled, energies must add up per window, and bad input must give
exit 2 (unknown names, bad numbers) or 77 (a meter that is not usable here)."""
import math
import os
import tempfile

from jbtest import check, fail, read_csv, read_meta, run

tmp = tempfile.mkdtemp(prefix="jb-model-")
out = os.path.join(tmp, "r.csv")
p = run(["run", "-w", "float-ops,matmul", "-s", "test", "-m", "model", "-r", "3",
         "--warmup", "2", "--idle-s", "0.3", "--min-window-s", "0.2", "--cores", "1",
         "-o", out])
check(p.returncode == 0, f"run failed ({p.returncode}): {p.stderr}")
check("modeled" in p.stdout, "summary does not say modeled")
rows = read_csv(out)
meta = read_meta(out)
check(meta["ended"] == "completed", f"sidecar ended={meta['ended']}")
check(meta["meter"]["kind"] == "modeled", "sidecar meter kind")
check(meta["meter"]["scope"] == "modeled" and
      all(d["scope"] == "modeled" for d in meta["meter"]["domains"]), "sidecar meter scope")
header = open(out).readline().strip().split(",")
check(len(rows) > 10, f"only {len(rows)} rows")
for r in rows:
    check(None not in r.values() and len(r) == len(header), f"short row {r}")
    check(r["meter_kind"] == "modeled" and r["meter"] == "model", "row not labelled modeled")
    check(r["schema_version"] == "2", "schema_version")
    check(r["scope"] == "modeled", f"scope {r['scope']}")
    check(r["core"] == "1", f"instance not on core 1: {r['core']}")
    check(r["run_id"] == meta["run_id"], "run_id differs from sidecar")

for wl in ("float-ops", "matmul"):
    mine = [r for r in rows if r["workload"] == wl]
    phases = [r["phase"] for r in mine]
    check(phases.count("cold") == 1, f"{wl}: cold rows {phases.count('cold')}")
    check(phases.count("warmup") == 2, f"{wl}: warmup rows")
    warm = [r for r in mine if r["phase"] == "warm"]
    check(len({r["rep"] for r in warm}) == 3, f"{wl}: expected 3 windows")
    for rep in {r["rep"] for r in warm}:
        win = [r for r in warm if r["rep"] == rep]
        check(len(win) == int(win[0]["window_invocations"]), f"{wl}: window size")
        total = sum(float(r["energy_j"]) for r in win)
        wtotal = float(win[0]["window_energy_j"])
        check(math.isclose(total, wtotal, rel_tol=1e-6), f"{wl}: shares {total} != {wtotal}")
        wall_s = int(win[0]["window_wall_ns"]) / 1e9
        # Windows are sized from the invocations before them; on a noisy machine one can
        # still come out short, and then every row of it must say so.
        short = wall_s < 0.2
        power = wtotal / wall_s
        # The generic-x86-server profile: 35.52 W idle, 168 W with all 48 threads busy.
        check(35.0 < power < 168.0, f"{wl}: modeled power {power} W outside the profile")
        for r in win:
            want = "untrustworthy" if short else "ok"
            check(r["status"] == want, f"{wl}: status {r['status']} {r['message']}")
            check(not short or "shorter than the meter's minimum" in r["message"], "message")
            check(r["verified"] == "1", f"{wl}: not verified")
            check(float(r["energy_uncertainty_j"]) > 0, "no uncertainty")
            dyn = float(r["energy_j"]) - float(r["idle_power_w"]) * wall_s * \
                float(r["energy_j"]) / wtotal
            # The CSV holds nine significant digits (results/csv_writer.c), and dyn is the
            # difference of two terms near energy_j: when the dynamic part is a sliver of
            # it (a loaded machine gave 1.9e-5 J of a row's 9.5 J), printing alone moves dyn
            # by a few 1e-9 of energy_j.
            tol = 1e-8 * float(r["energy_j"]) + 1e-12
            check(math.isclose(dyn, float(r["dynamic_energy_j"]), rel_tol=1e-5, abs_tol=tol),
                  f"{wl}: dynamic energy {r['dynamic_energy_j']} != {dyn} "
                  f"(energy {r['energy_j']}, window of {r['window_invocations']})")

# Refuses to overwrite a finished run.
p = run(["run", "-w", "matmul", "-s", "test", "-m", "model", "-r", "1", "-o", out])
check(p.returncode == 2 and "exists" in p.stderr, f"overwrite: {p.returncode} {p.stderr}")
check(len(read_csv(out)) == len(rows), "the old run was touched")

# Bad input: one line, exit 2; a meter that cannot work here: 77.
for args, code, words in [
    (["run", "-w", "nosuch"], 2, "unknown workload"),
    (["run", "-m", "nosuch"], 2, "unknown meter"),
    (["run", "-d", "nosuch"], 2, "unknown driver"),
    (["run", "-s", "huge"], 2, "size"),
    (["run", "-r", "0"], 2, "--runs"),
    (["run", "--cores", "1,1"], 2, "--cores"),
    (["run", "--idle-s", "abc"], 2, "--idle-s"),
    (["run", "--bogus"], 2, "unknown option"),
    (["nosuch"], 2, "unknown command"),
    (["run", "-m", "model", "--profile", "nosuch", "-w", "matmul"], 2, "nosuch"),
]:
    p = run(args + ["-o", os.path.join(tmp, "x.csv")] if args[0] == "run" else args)
    check(p.returncode == code, f"{args}: exit {p.returncode}, want {code}: {p.stderr}")
    check(words in p.stderr, f"{args}: message {p.stderr!r} lacks {words!r}")
    check(len(p.stderr.strip().splitlines()) <= 2, f"{args}: more than a line: {p.stderr}")
check(not os.path.exists(os.path.join(tmp, "x.csv")), "bad input left a file")

if not os.path.isdir("/sys/class/powercap/intel-rapl"):
    p = run(["run", "-m", "rapl-powercap", "-o", os.path.join(tmp, "y.csv")])
    check(p.returncode == 77, f"rapl-powercap without powercap: exit {p.returncode}")

p = run(["list", "meters"])
check(p.returncode == 0 and "model" in p.stdout and "rapl-powercap" in p.stdout, "list")
for sub in ("run", "list", "plot"):
    p = run([sub, "--help"])
    check(p.returncode == 0 and "usage" in p.stdout, f"{sub} --help")
p = run(["--version"])
check(p.returncode == 0 and "joulebench" in p.stdout, "--version")
print("ok")
