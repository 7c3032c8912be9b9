# SPDX-License-Identifier: MIT
"""The `energy` benchmark: the default suite. Every workload at size small under each
driver that is usable here, with the best meter available; leaves each driver's CSV,
sidecar and figure under <build>/energy/ and the summaries in <build>/energy/summary.txt."""
import os
import subprocess

JOULEBENCH = os.environ["JOULEBENCH"]
out_dir = os.path.join(os.environ["MESON_BUILD_ROOT"], "energy")
os.makedirs(out_dir, exist_ok=True)
listing = subprocess.run([JOULEBENCH, "list", "drivers"], capture_output=True, text=True,
                         check=True).stdout.splitlines()
drivers = [l.split()[0] for l in listing if l.startswith("  ") and len(l.split()) > 1
           and l.split()[1] == "usable"]
with open(os.path.join(out_dir, "summary.txt"), "w") as summary:
    for d in drivers:
        csv_path = os.path.join(out_dir, f"{d}.csv")
        p = subprocess.run([JOULEBENCH, "run", "-d", d, "-s", "small", "-o", csv_path,
                            "--force"], capture_output=True, text=True)
        print(p.stderr, end="")
        print(p.stdout, end="")
        summary.write(f"== driver {d} (exit {p.returncode})\n{p.stdout}\n")
        if p.returncode != 0:
            raise SystemExit(p.returncode)
print(f"CSVs and summary.txt in {out_dir}")
