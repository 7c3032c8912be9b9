# SPDX-License-Identifier: MIT
"""The man pages and --help agree: for joulebench and for every command that
`joulebench --help` lists (so a new command is checked without an edit here), the page
joulebench-COMMAND(1) exists and names exactly the options that `joulebench COMMAND --help`
prints. Pages come from JB_MAN_DIR (an installed tree: /usr/share/man/man1) or are written
now by man/gen-man (help2man) from the joulebench under test."""
import gzip
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jbtest import JOULEBENCH, check, run, skip  # noqa: E402

OPT = re.compile(r"(?<![\w-])(--?[a-zA-Z][a-zA-Z0-9-]*)")


def commands():
    out = run(["--help"]).stdout
    block = out.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    return [ln.split()[0] for ln in block.splitlines() if ln.startswith("  ")]


def page_text(d, name):
    for fn in (f"{name}.1", f"{name}.1.gz"):
        p = os.path.join(d, fn)
        if os.path.exists(p):
            raw = gzip.open(p).read() if fn.endswith(".gz") else open(p, "rb").read()
            return raw.decode()
    return None


def roff_options(text):
    """Options named in a page's text, with roff's font escapes and \\- undone; the
    SEE ALSO and EXIT STATUS sections (written by gen-man, not --help) are left out."""
    body = re.split(r"^\.SH \"?(?:SEE ALSO|EXIT STATUS)", text, flags=re.M)[0]
    body = re.sub(r"\\f[BIRP]", "", body).replace("\\-", "-").replace("\\(aq", "'")
    lines = [ln for ln in body.splitlines() if not ln.startswith((".TH", ".\\\""))]
    return set(OPT.findall("\n".join(lines)))


def main():
    d = os.environ.get("JB_MAN_DIR")
    tmp = None
    if not d:
        gen = os.environ.get("JB_GEN_MAN")
        check(gen and os.path.exists(gen), "JB_GEN_MAN (man/gen-man) is not set")
        tmp = tempfile.TemporaryDirectory(prefix="jb-man-")
        d = tmp.name
        p = subprocess.run([gen, JOULEBENCH, d], capture_output=True, text=True)
        if p.returncode == 77:
            skip(p.stderr.strip())
        check(p.returncode == 0, f"gen-man failed ({p.returncode}): {p.stderr}")
    cmds = commands()
    check(len(cmds) >= 7, f"only {cmds} in joulebench --help")
    main_page = page_text(d, "joulebench")
    check(main_page is not None, f"no joulebench(1) in {d}")
    for c in cmds:
        check(re.search(rf"joulebench-{re.escape(c)}\b", main_page),
              f"joulebench(1) does not refer to joulebench-{c}(1)")
    check(roff_options(main_page) == set(OPT.findall(run(["--help"]).stdout)),
          "joulebench(1) and joulebench --help name different options")
    for c in cmds:
        text = page_text(d, f"joulebench-{c}")
        check(text is not None, f"no joulebench-{c}(1) in {d}")
        h = run([c, "--help"])
        check(h.returncode == 0, f"joulebench {c} --help: exit {h.returncode}")
        want, got = set(OPT.findall(h.stdout)), roff_options(text)
        check(want, f"joulebench {c} --help names no option")
        check(got == want, f"joulebench-{c}(1) and --help differ: only in the page "
                           f"{sorted(got - want)}, only in --help {sorted(want - got)}")
    print(f"man: {len(cmds) + 1} pages agree with --help ({d})")
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
