# SPDX-License-Identifier: MIT
"""Scopes on energy numbers (issue 25), through the real CLI:
- a schema 1 CSV written by the previous release (tests/fixtures/schema1, joulebench 057ae74,
  model meter) still reads: analyze (its scope derived as `modeled`), report, overhead
  --server-csv;
- numbers of different scopes are refused with exit 2 and one line by overhead
  --server-csv/--board-csv (two files, and two scopes in one file), report and analyze
  --ratios, and let through by --allow-scope-mix with the words on every output;
- --carbon-intensity G in analyze and report: grams CO2e = J x G / 3.6e6, labelled, and
  absent without the option.
No RAPL here: the cpu-package side is the fixture's rows relabelled as a rapl-powercap
package run, whose scope the schema 1 reader derives; the wall-ac side of the --ratios case
is a schema 2 file whose scope column says so."""
import csv
import os
import shutil
import tempfile

from jbtest import check, read_csv, run

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "fixtures", "schema1", "model-pinned.csv")
tmp = tempfile.mkdtemp(prefix="jb-scope-")
OVH = ["--functions", "5", "--hours", "0.1", "--no-plot"]


def one_line(p, what, *words):
    err = p.stderr.strip()
    check(p.returncode == 2, f"{what}: exit {p.returncode}, not 2: {p.stderr}")
    check(err and "\n" not in err, f"{what}: not one line: {p.stderr!r}")
    for w in words:
        check(w in err, f"{what}: '{w}' not in {err!r}")


def write(path, rows, header):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


s1 = os.path.join(tmp, "model.csv")
shutil.copy(FIXTURE, s1)
shutil.copy(FIXTURE[:-4] + ".meta.json", s1[:-4] + ".meta.json")
header1 = open(s1).readline().strip().split(",")
check("scope" not in header1 and read_csv(s1)[0]["schema_version"] == "1",
      "the fixture is not a schema 1 file")

# --- schema 1 still reads ---
p = run(["analyze", s1, "--csv"])
check(p.returncode == 0, f"analyze of a schema 1 file: {p.returncode} {p.stderr}")
groups = list(csv.DictReader(p.stdout.splitlines()))
check(len(groups) == 1 and groups[0]["scope"] == "modeled",
      f"schema 1 scope not derived as modeled: {groups}")
p = run(["report", s1, "-o", os.path.join(tmp, "s1.html")])
check(p.returncode == 0, f"report of a schema 1 file: {p.returncode} {p.stderr}")
p = run(["overhead", "--server-csv", s1, "-o", os.path.join(tmp, "s1-ovh")] + OVH)
check(p.returncode == 0, f"overhead --server-csv of a schema 1 file: {p.returncode} {p.stderr}")
check("measured: " + s1 in p.stdout, "overhead took no parameter from the schema 1 file")
print("schema 1: analyze (scope modeled), report and overhead --server-csv read it")

# A package run's rows (schema 1: the reader derives cpu-package from meter and domain).
rapl = os.path.join(tmp, "rapl.csv")
rows = read_csv(s1)
for r in rows:
    r.update(meter="rapl-powercap", meter_kind="measured", domain="package")
write(rapl, rows, header1)
p = run(["analyze", rapl, "--csv"])
check(p.returncode == 0 and list(csv.DictReader(p.stdout.splitlines()))[0]["scope"] ==
      "cpu-package", f"rapl-powercap package not derived as cpu-package: {p.stdout}")

# --- overhead: server against board, and two scopes in one file ---
p = run(["overhead", "--server-csv", rapl, "--board-csv", s1, "-o", os.path.join(tmp, "o1")]
        + OVH)
one_line(p, "overhead server/board", "'cpu-package'", "'modeled'", "--allow-scope-mix")
both = os.path.join(tmp, "both.csv")
write(both, read_csv(s1) + rows, header1)
p = run(["overhead", "--server-csv", both, "-o", os.path.join(tmp, "o2")] + OVH)
one_line(p, "overhead, two scopes in one file", "'modeled'", "'cpu-package'")
pre = os.path.join(tmp, "o3")
p = run(["overhead", "--server-csv", rapl, "--board-csv", s1, "--allow-scope-mix", "-o", pre]
        + OVH)
check(p.returncode == 0, f"overhead --allow-scope-mix: {p.returncode} {p.stderr}")
check("warning: scope mix allowed (--allow-scope-mix)" in p.stdout,
      f"overhead --allow-scope-mix: no warning on stdout: {p.stdout[:400]}")
srcs = [r["source"] for r in read_csv(pre + ".params.csv") if "measured:" in r["source"]]
check(srcs and all(s.startswith("[scope mix allowed") for s in srcs),
      f"overhead --allow-scope-mix: a measured source does not say so: {srcs}")
print(f"overhead: refused (exit 2, one line) twice; allowed with the warning on stdout and "
      f"in {len(srcs)} parameter sources")

# --- report ---
p = run(["report", s1, rapl, "-o", os.path.join(tmp, "mix.html")])
one_line(p, "report", "'modeled'", "'cpu-package'")
check(not os.path.exists(os.path.join(tmp, "mix.html")), "a refused report wrote a page")
p = run(["report", s1, rapl, "--allow-scope-mix", "-o", os.path.join(tmp, "mix.html")])
check(p.returncode == 0, f"report --allow-scope-mix: {p.returncode} {p.stderr}")
page = open(os.path.join(tmp, "mix.html")).read()
check("Warning: scope mix allowed (--allow-scope-mix)" in page, "report: no banner")
print("report: refused (exit 2, one line); allowed with a banner")

# --- analyze --ratios: two groups that differ in the driver and in scope ---
header2 = header1[:9] + ["scope"] + header1[9:]
a = [dict(r, schema_version="2", scope="modeled") for r in read_csv(s1)]
b = [dict(r, schema_version="2", scope="wall-ac", driver="container", isolation="container",
          run_id=r["run_id"] + "-b") for r in read_csv(s1)]
fa, fb, fb_same = (os.path.join(tmp, n) for n in ("a.csv", "b.csv", "b-same.csv"))
write(fa, a, header2)
write(fb, b, header2)
write(fb_same, [dict(r, scope="modeled") for r in b], header2)
p = run(["analyze", fa, fb_same, "--ratios"])
check(p.returncode == 0 and "pinned / container" in p.stdout,
      f"--ratios of one scope gives no ratio: {p.returncode} {p.stdout} {p.stderr}")
p = run(["analyze", fa, fb, "--ratios"])
one_line(p, "analyze --ratios", "'modeled'", "'wall-ac'")
check(not p.stdout, f"analyze --ratios printed before refusing: {p.stdout}")
p = run(["analyze", fa, fb, "--ratios", "--allow-scope-mix"])
check(p.returncode == 0 and "pinned / container" in p.stdout and
      "warning: scope mix allowed (--allow-scope-mix)" in p.stdout,
      f"--ratios --allow-scope-mix: {p.returncode} {p.stdout} {p.stderr}")
p = run(["analyze", fa, fb, "--ratios", "--allow-scope-mix", "--csv"])
r = list(csv.DictReader(p.stdout.splitlines()))
check(p.returncode == 0 and len(r) == 1 and r[0]["scope_a"] != r[0]["scope_b"] and
      r[0]["scope_note"].startswith("scope mix allowed") and "scope mix" in p.stderr,
      f"--ratios --csv --allow-scope-mix: {p.stdout} {p.stderr}")
print("analyze --ratios: refused (exit 2, one line, nothing on stdout); allowed with a "
      "warning in the table and in the CSV's scope_note")

# --- carbon ---
p = run(["analyze", s1])
check(p.returncode == 0 and "CO2e" not in p.stdout, "analyze gives CO2e by default")
p = run(["analyze", s1, "--csv", "--carbon-intensity", "400"])
g = list(csv.DictReader(p.stdout.splitlines()))[0]
want = float(g["energy_median_j"]) * 400 / 3.6e6
check(abs(float(g["co2e_g_per_invocation"]) - want) <= 1e-6 * want and
      abs(float(g["co2e_g_per_million_invocations"]) - want * 1e6) <= 1e-6 * want * 1e6 and
      g["carbon_intensity_g_per_kwh"] == "400",
      f"CO2e: {g['co2e_g_per_invocation']} g, want {want} g")
p = run(["analyze", s1, "--carbon-intensity", "400"])
check("CO2e at your 400 g/kWh" in p.stdout and "not a measurement" in p.stdout,
      f"analyze --carbon-intensity: no labelled line: {p.stdout}")
p = run(["analyze", s1, "--carbon-intensity", "-3"])
check(p.returncode == 2, f"a negative intensity: exit {p.returncode}")
p = run(["report", s1, "--carbon-intensity", "400", "-o", os.path.join(tmp, "c.html")])
check(p.returncode == 0 and "Carbon at 400 g CO<sub>2</sub>e/kWh" in
      open(os.path.join(tmp, "c.html")).read(), f"report --carbon-intensity: {p.stderr}")
check("Carbon at" not in open(os.path.join(tmp, "s1.html")).read(),
      "report has a carbon section by default")
print(f"carbon: {want:.4g} g CO2e per invocation at 400 g/kWh (= J x 400 / 3.6e6), "
      "labelled, not by default")
shutil.rmtree(tmp)
