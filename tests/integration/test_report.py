# SPDX-License-Identifier: MIT
"""joulebench report: the HTML page of one run and of several, checked against python's own
reading of the CSVs (medians by the statistics module, figure counts from the rows), for
self-containment (no script, nothing fetched), HTML escaping of hostile names, and bad
input. The browser check is test_report_browser.py."""
import csv
import os
import re
import shutil
import statistics
import sys
import tempfile
from html.parser import HTMLParser

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jbtest import check, fail, read_csv, run  # noqa: E402



def si(v, unit):
    """The report's number format: %.4g with an SI prefix (analysis/svg.c svg_unit_pick)."""
    for below, factor, prefix in ((1e-6, 1e9, "n"), (1e-3, 1e6, "u"), (1, 1e3, "m")):
        if abs(v) < below:
            return f"{v * factor:.4g} {prefix}{unit}"
    return f"{v:.4g} {unit}"


def groups(rows):
    """Per configuration, each ok warm window's energy per invocation (the observations
    the report's statistics are over) and the invocations behind them."""
    win = {}
    for r in rows:
        if r["phase"] == "warm":
            key = (r["workload"], r["size"], r["driver"], r["meter"])
            w = win.setdefault((key, r["run_id"], r["rep"]), [[], True])
            w[0].append(r)
            w[1] = w[1] and r["status"] == "ok" and r["energy_j"] != ""
    g = {}
    for (key, _, _), (rs, ok) in win.items():
        if ok:
            g.setdefault(key, [[], 0])
            g[key][0].append(sum(float(r["energy_j"]) for r in rs) / len(rs))
            g[key][1] += len(rs)
    return g


def derive(src, dst, scale=1.0, **set_cols):
    """A copy of run SRC with columns replaced and energies scaled: a second 'run' whose
    true ratio to the first is known exactly."""
    rows = read_csv(src)
    with open(dst, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        for r in rows:
            r = dict(r, **set_cols)
            for col in ("energy_j", "dynamic_energy_j"):
                if r[col]:
                    r[col] = repr(float(r[col]) * scale)
            w.writerow(r)


class TagBalance(HTMLParser):
    """Every element the report opens is closed, in order (it writes no optional end tag
    away), so the page parses the same in any browser."""
    VOID = {"meta", "br", "hr", "img", "input", "link", "wbr"}

    def __init__(self):
        super().__init__()
        self.stack, self.errors = [], []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> at {self.getpos()} closes {self.stack[-1:]}")
        else:
            self.stack.pop()


def self_contained(html, what):
    tb = TagBalance()
    tb.feed(html)
    check(not tb.errors and not tb.stack, f"{what}: unbalanced tags {tb.errors[:3]} {tb.stack}")
    tags = re.findall(r"<[a-zA-Z][^>]*>", html)
    for t in tags:
        name = re.match(r"<([a-zA-Z0-9]+)", t).group(1).lower()
        check(name not in ("script", "link", "img", "iframe", "object", "embed", "image",
                           "use", "base"), f"{what}: has a <{name}>: not self-contained")
        for attr, val in re.findall(r"\s(src|href|xlink:href|on[a-z]+)=\"([^\"]*)\"", t):
            check(attr == "href" and val.startswith("#"), f"{what}: {t}: not self-contained")
    for bad in ("@import", "url("):
        check(bad not in html.lower(), f"{what}: has {bad!r}: not self-contained")
    urls = set(re.findall(r"https?://[^\s\"'<>]+", html))
    check(urls <= {"http://www.w3.org/2000/svg"}, f"{what}: refers to {urls}")
    check("Content-Security-Policy" in html, f"{what}: no Content-Security-Policy")


def report(args, tmp, name):
    out = os.path.join(tmp, name)
    p = run(["report"] + args + ["-o", out, "--resamples", "200"])
    check(p.returncode == 0, f"report {args}: exit {p.returncode}: {p.stderr}")
    with open(out, encoding="utf-8") as f:
        return f.read()


def main():
    tmp = tempfile.mkdtemp(prefix="jb-report-")
    try:
        a = os.path.join(tmp, "a.csv")
        p = run(["run", "-w", "sha256,matmul", "-s", "test", "-m", "model", "-r", "3",
                 "--min-window-s", "0.05", "--idle-s", "0.1", "--no-plot", "-q", "-o", a])
        check(p.returncode == 0, f"run: exit {p.returncode}: {p.stderr}")

        # One run: its summary, one figure per workload and size, its metadata.
        html = report([a], tmp, "one.html")
        self_contained(html, "one run")
        g = groups(read_csv(a))
        check(len(g) == 2, f"expected 2 configurations, got {list(g)}")
        n_figs = len({(k[0], k[1]) for k in g})
        check(html.count("<svg") == n_figs, f"one run: {html.count('<svg')} figures, want {n_figs}")
        for key, (vals, inv) in g.items():
            med = si(statistics.median(vals), "J")
            check(f">{med}<" in html, f"one run: median {med} of {key} not in the page")
            check(f"<td class=\"n\">{inv}</td>" in html, f"one run: n={inv} of {key}")
            check(f"<td class=\"n\">{len(vals)}</td>" in html,
                  f"one run: {len(vals)} windows of {key}")
        meta = run(["--version"]).stdout.split()[1]
        check(f"<td>joulebench_version</td><td>{meta}</td>" in html,
              "one run: the sidecar's joulebench_version is not in the metadata table")
        check("MODELED" in html and "(modeled)" in html, "a model run is not labelled modeled")
        check("No check results" in html, "no check CSV, but the page does not say so")

        # Two drivers (the second's energies exactly 1.25 x the first's): driver ratios.
        b = os.path.join(tmp, "b.csv")
        derive(a, b, 1.25, driver="container", isolation="container")
        html = report([a, b], tmp, "two.html")
        self_contained(html, "two drivers")
        check("<h2 id=\"ratios\">" in html and "pinned / container" in html,
              "two drivers: no driver ratio")
        # pinned / container = 1 / 1.25 exactly, of energy and of dynamic energy alike.
        check(html.count(">0.8000<") == 2 * len(g),
              f"two drivers: the ratio 0.8000 is printed {html.count('>0.8000<')} times")
        check(html.count("<svg") == n_figs + 1, f"two drivers: {html.count('<svg')} figures")

        # Two runs of the same configurations: a comparison, ratio 1 for an identical copy.
        c = os.path.join(tmp, "c.csv")
        shutil.copy(a, c)
        html = report([a, c], tmp, "cmp.html")
        check("<h2 id=\"comparison\">" in html, "two runs: no comparison section")
        check(html.count(">1.0000<") >= 2 * len(g), "two runs: identical runs' ratio is not 1")
        check(html.count("<svg") == n_figs + 1, f"two runs: {html.count('<svg')} figures")

        # Hostile strings from the CSV and the check CSV come out escaped.
        h = os.path.join(tmp, "h.csv")
        derive(a, h, 1.0, workload="<script>alert(1)</script>", host="\"'&<>")
        with open(os.path.join(tmp, "h.check.csv"), "w") as f:
            f.write("check,result\nliveness,\"<img src=x onerror=alert(1)>\"\n")
        html = report([h], tmp, "hostile.html")
        self_contained(html, "hostile names")
        check("&lt;script&gt;alert(1)&lt;/script&gt;" in html, "hostile workload not escaped")
        check("&lt;img src=x onerror=alert(1)&gt;" in html, "hostile check cell not escaped")
        check("h.check.csv" in html, "the check CSV next to the run was not read")

        # A run whose every invocation failed: no figure, no number, and it says so.
        fl = os.path.join(tmp, "failed.csv")
        derive(a, fl, 1.0, status="crashed", energy_j="", dynamic_energy_j="")
        html = report([fl], tmp, "failed.html")
        check(html.count("<svg") == 0, "all-failed run: a figure of nothing")
        check("no ok warm window" in html,
              "all-failed run: the page does not say why there is no figure")
        check(not re.search(r"\d[\d.]* [num]?J\b", html), "all-failed run: an energy figure")

        # An explicit --check for a run, and bad input: one line on stderr, exit 2.
        chk = os.path.join(tmp, "chk.csv")
        with open(chk, "w") as f:
            f.write("meter,measure,result\nmodel,consistent-1234,pass\nmodel,r2,fail\n")
        html = report([a, "--check", chk], tmp, "chk.html")
        check("consistent-1234" in html, "--check FILE was not shown")
        check('<td class="fail">fail</td>' in html and '<td class="pass">pass</td>' in html,
              "check verdicts are not marked")
        for args, why in (([], "no run"), ([os.path.join(tmp, "none.csv")], "missing file"),
                          ([a, "--bogus"], "unknown option"), ([a, "--level", "2"], "bad level"),
                          ([a, "--check", chk, "--check", chk], "more checks than runs")):
            p = run(["report"] + args + ["-o", os.path.join(tmp, "bad.html")])
            check(p.returncode == 2, f"{why}: exit {p.returncode}, want 2")
            check(p.stderr.strip(), f"{why}: nothing on stderr")
        bad = os.path.join(tmp, "bad.csv")
        with open(bad, "w") as f:
            f.write("schema_version,run_id\n1,\"unterminated\n")
        p = run(["report", bad, "-o", os.path.join(tmp, "bad.html")])
        check(p.returncode == 2 and "bad.csv" in p.stderr, f"malformed CSV: {p.returncode} {p.stderr}")
        check(not os.path.exists(os.path.join(tmp, "bad.html")), "a failed report left a file")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("report: ok")


if __name__ == "__main__":
    try:
        main()
    except SystemExit:
        raise
    except Exception as e:  # an unexpected error is a failure, with its message
        fail(f"{type(e).__name__}: {e}")
