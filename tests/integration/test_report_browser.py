# SPDX-License-Identifier: MIT
"""joulebench report in a real browser: Debian's chromium, headless, loads the page of two
runs and must (1) log no console message at all (the page has no script, so any message is
an error: a blocked load, a CSP violation, a parse error), (2) hold every figure in its DOM
(as many <svg> elements as the report wrote), and (3) render a screenshot that is not blank
(decoded here with zlib; python3-pil is not needed). A positive control first: a page with
a deliberate console error and a blocked image must be caught by the same check, or the
check is blind and the test fails. Skips with its reason where chromium is absent or cannot
start."""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jbtest import check, fail, run, skip  # noqa: E402

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--enable-logging=stderr", "--v=0"]


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    skip("chromium is not installed (scripts/install-deps --tests installs it)")


def browse(exe, tmp, url, *extra):
    """Run headless chromium on URL with a fresh profile; (stdout, console lines)."""
    prof = tempfile.mkdtemp(prefix="prof-", dir=tmp)
    try:
        p = subprocess.run([exe] + FLAGS + [f"--user-data-dir={prof}"] + list(extra) + [url],
                           capture_output=True, text=True, timeout=120, cwd=tmp)
    except subprocess.TimeoutExpired:
        skip("chromium did not finish within 120 s here")
    finally:
        shutil.rmtree(prof, ignore_errors=True)
    console = [ln for ln in p.stderr.splitlines() if ":CONSOLE" in ln]
    return p, console


def png_colours(path):
    """The number of distinct pixel values of an 8-bit RGB(A) PNG, by decoding it (RFC 2083:
    chunks, zlib, per-scanline filters 0-4)."""
    with open(path, "rb") as f:
        data = f.read()
    check(data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG")
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        n, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if typ == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif typ == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    check(depth == 8 and ctype in (2, 6) and interlace == 0, f"unexpected PNG format {hdr}")
    bpp = 3 if ctype == 2 else 4
    raw, stride = zlib.decompress(idat), w * bpp
    prev, colours, i = bytearray(stride), set(), 0
    for _ in range(h):
        ft, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if ft == 1:
                line[x] = (line[x] + a) & 255
            elif ft == 2:
                line[x] = (line[x] + b) & 255
            elif ft == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ft == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pr) & 255
        for x in range(0, stride, bpp * 4):  # every fourth pixel is plenty
            colours.add(bytes(line[x:x + bpp]))
        prev = line
    return len(colours), w, h


def main():
    exe = chromium()
    tmp = tempfile.mkdtemp(prefix="jb-browser-")
    try:
        # Can chromium run here at all? A trivial page must come back in its DOM.
        hello = os.path.join(tmp, "hello.html")
        with open(hello, "w") as f:
            f.write("<!DOCTYPE html><title>t</title><p id=jb>hello</p>")
        p, _ = browse(exe, tmp, "file://" + hello, "--dump-dom")
        if p.returncode != 0 or "hello" not in p.stdout:
            last = (p.stderr.strip().splitlines() or ["no output"])[-1]
            skip(f"headless chromium cannot run here (exit {p.returncode}): {last}")

        # Positive control: the console check sees a script error and a blocked load.
        bad = os.path.join(tmp, "bad.html")
        with open(bad, "w") as f:
            f.write("<!DOCTYPE html><title>t</title><p>x</p><script>nosuchfn();</script>")
        _, console = browse(exe, tmp, "file://" + bad, "--dump-dom")
        check(console, "chromium logged nothing for a page with a script error: the console "
                       "check would be blind")

        a = os.path.join(tmp, "a.csv")
        p = run(["run", "-w", "sha256,matmul", "-s", "test", "-m", "model", "-r", "3",
                 "--min-window-s", "0.05", "--idle-s", "0.1", "--no-plot", "-q", "-o", a])
        check(p.returncode == 0, f"run: exit {p.returncode}: {p.stderr}")
        b = os.path.join(tmp, "b.csv")
        shutil.copy(a, b)
        html = os.path.join(tmp, "report.html")
        p = run(["report", a, b, "-o", html, "--resamples", "200"])
        check(p.returncode == 0, f"report: exit {p.returncode}: {p.stderr}")
        with open(html, encoding="utf-8") as f:
            want = f.read().count("<svg")
        check(want >= 3, f"the report has {want} figures; expected at least 3")

        p, console = browse(exe, tmp, "file://" + html, "--dump-dom")
        check(p.returncode == 0, f"chromium --dump-dom: exit {p.returncode}")
        check(not console, "console messages while loading the report:\n" + "\n".join(console))
        got = p.stdout.count("<svg")
        check(got == want, f"the DOM holds {got} <svg> figures, the file {want}")
        check("Distributions" in p.stdout and "Metadata" in p.stdout, "sections missing in DOM")

        shot = os.path.join(tmp, "shot.png")
        p, console = browse(exe, tmp, "file://" + html, f"--screenshot={shot}",
                            "--window-size=1280,2000", "--hide-scrollbars")
        check(p.returncode == 0 and os.path.exists(shot), f"no screenshot (exit {p.returncode})")
        check(not console, "console messages:\n" + "\n".join(console))
        n, w, h = png_colours(shot)
        check(n >= 8, f"the screenshot ({w}x{h}) has {n} colours: blank")
        keep = os.environ.get("JB_KEEP_SCREENSHOT")
        if keep:
            shutil.copy(shot, keep)
        print(f"report in chromium: no console messages, {got} figures, screenshot {w}x{h} "
              f"with {n} colours")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except SystemExit:
        raise
    except Exception as e:
        fail(f"{type(e).__name__}: {e}")
