# SPDX-License-Identifier: MIT
"""Our own files, damaged the way editors, full disks and bad copies damage files, are bad
input: one line on stderr and exit 2, never a crash and never a result. Each shipped power
profile (meters/profiles/, read by `run --profile`) and each overhead preset
(sim/presets/, read by `overhead --params`) is damaged in turn: emptied, cut in the
middle of a line, a value made non-numeric, infinite, NaN or out of range, a source
removed, NUL bytes and non-UTF-8 bytes inserted, seeded random bytes written over it, a
1 MiB line, a directory in its place. Damage that can leave a valid file (a cut at a line
end) may also run, but never crashes. The seed is JB_DAMAGE_SEED.

The fleet's gathered files (fleet/fleet_gather.c): a stand-in for ssh (JOULEBENCH_SSH, no
sshd, no root) runs each remote command here but sends a damaged run.csv or run.meta.json
back; a CSV that cannot be read must fail that host with a line naming it (exit 1, the run
failed); a sidecar that is not a JSON object is a warning naming the host, the file and
what is wrong, and the host's rows are kept; no damage may crash the fleet."""
import glob
import json
import os
import random
import re
import shutil
import subprocess
import tempfile

from jbtest import JOULEBENCH, check


def run(args, timeout=120, **kw):
    """joulebench ARGS; stdout and stderr decoded without newline translation: messages
    quote the damaged bytes, which need not be UTF-8 and may hold a carriage return (text
    mode would turn it into a line break)."""
    p = subprocess.run([os.path.abspath(JOULEBENCH)] + args, capture_output=True,
                       timeout=timeout, **kw)
    return subprocess.CompletedProcess(p.args, p.returncode,
                                       p.stdout.decode("utf-8", "replace"),
                                       p.stderr.decode("utf-8", "replace"))

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
seed = int(os.environ.get("JB_DAMAGE_SEED", "20261201"))
rng = random.Random(seed)
print(f"seed {seed}")
tmp = tempfile.mkdtemp(prefix="jb-damage-")


def damages(text, numeric_key, complete):
    """(name, bytes, must_fail) for TEXT, a `key = value | source` file whose NUMERIC_KEY
    holds a number; COMPLETE: the file must hold every key (a profile), so an empty one is
    damaged; a params file only overrides defaults, so an empty one is valid."""
    b = text.encode()
    line = re.search(rf"^{numeric_key}\s*=.*$", text, re.M)
    cut = line.start() + (line.end() - line.start()) // 2
    value = re.search(rf"^({numeric_key}\s*=\s*)([^|\s]+)", text, re.M)

    def with_value(v):
        return (text[:value.start(2)] + v + text[value.end(2):]).encode()

    yield "empty", b"", complete
    yield "cut mid-line", b[:line.start() + len(numeric_key) + 2], True
    yield "cut at a random byte", b[:rng.randrange(1, len(b))], False
    yield "cut at half", b[:cut], False
    for v in ("abc", "nan", "inf", "-inf", "1e999", "-1e999", "0x", "--1", "1.2.3"):
        yield f"{numeric_key} = {v}", with_value(v), True
    yield "source removed", re.sub(rf"^({numeric_key}\s*=\s*[^|\n]*)\|.*$", r"\1", text,
                                   flags=re.M).encode(), True
    yield "NUL in a value", with_value("1\0" + "2"), True
    yield "non-UTF-8 in a value", with_value("1") .replace(b"= 1", b"= \xff\xfe1", 1), True
    noise = bytearray(b)
    for _ in range(max(8, len(b) // 20)):
        noise[rng.randrange(len(noise))] = rng.randrange(256)
    yield "random bytes over it", bytes(noise), False
    yield "random bytes only", bytes(rng.randrange(256) for _ in range(512)), True
    yield "1 MiB line", b + b"x" * (1 << 20) + b"\n", True
    yield "CRLF line ends", text.replace("\n", "\r\n").encode(), False


# Deviations found by this test and not fixed yet, kept visible here (none now: a
# directory given as --params, once a "read error" and exit 1, is exit 2).
KNOWN = set()


def expect(what, p, must_fail, out):
    check(p.returncode >= 0, f"{what}: killed by signal {-p.returncode}: {p.stderr[-500:]}")
    if (what, p.returncode) in KNOWN:
        print(f"KNOWN: {what}: exit {p.returncode}, want 2: {p.stderr.strip()}")
        return 2
    check(p.returncode in (0, 2), f"{what}: exit {p.returncode}: {p.stderr[-500:]}")
    if p.returncode == 2:
        lines = p.stderr.strip().split("\n")  # \n only: the message may quote control bytes
        check(len(lines) == 1 and lines[0].startswith("joulebench"),
              f"{what}: not one line: {p.stderr[:500]!r}")
        check(not out or not glob.glob(out + "*"), f"{what}: output written on bad input")
    check(p.returncode == 2 or not must_fail, f"{what}: accepted (exit 0)")
    return p.returncode


def try_profile(name, path):
    out = os.path.join(tmp, "p-out")
    p = run(["run", "--profile", path, "-m", "model", "-w", "matmul", "-s", "test", "-r", "1",
             "--warmup", "0", "--idle-s", "0.05", "--min-window-s", "0.05", "--no-plot", "-q",
             "-o", out + ".csv"], timeout=120)
    for f in glob.glob(out + "*"):
        os.unlink(f)
    return p, out


def try_params(name, path):
    out = os.path.join(tmp, "o-out")
    p = run(["overhead", "--params", path, "--functions", "5", "--hours", "1", "--no-plot",
             "-o", out], timeout=120)
    ok = p.returncode == 0
    for f in glob.glob(out + "*"):
        os.unlink(f)
    return p, (None if ok else out)


counts = {0: 0, 2: 0}
for kind, files, key, tries in (
        ("profile", sorted(glob.glob(os.path.join(ROOT, "meters", "profiles", "*.profile"))),
         "idle_w", try_profile),
        ("preset", sorted(glob.glob(os.path.join(ROOT, "sim", "presets", "*.params"))),
         None, try_params)):
    check(files, f"no shipped {kind} found under {ROOT}")
    for src in files:
        text = open(src, encoding="utf-8").read()
        k = key or re.search(r"^(\w+)\s*=\s*[0-9]", text, re.M).group(1)
        p, _ = tries("intact", src)
        check(p.returncode == 0, f"{kind} {os.path.basename(src)} intact: {p.stderr}")
        for name, data, must_fail in damages(text, k, kind == "profile"):
            path = os.path.join(tmp, os.path.basename(src))
            with open(path, "wb") as f:
                f.write(data)
            p, out = tries(name, path)
            counts[expect(f"{kind} {os.path.basename(src)}, {name}", p, must_fail,
                          out if p.returncode else None)] += 1
        path = os.path.join(tmp, "a-directory")
        os.makedirs(path, exist_ok=True)
        p, out = tries("a directory", path)
        counts[expect(f"{kind}: a directory in its place", p, True, out)] += 1
        print(f"{kind} {os.path.basename(src)}: every damage refused or run, none crashed")
    p, out = tries("missing", os.path.join(tmp, "missing-file"))
    counts[expect(f"{kind}: a missing file", p, True, out)] += 1
print(f"{counts[2]} damaged files refused with one line and exit 2, {counts[0]} still valid "
      f"and run")

# The fleet's gathered files.
fake_ssh = os.path.join(tmp, "ssh")
with open(fake_ssh, "w") as f:
    f.write("#!/bin/sh\n# ssh stand-in: the remote command runs here; FAKE_CSV / FAKE_META\n"
            "# replace what `cat DIR/run.csv` / `cat DIR/run.meta.json` send back.\n"
            "for a; do cmd=$a; done\n"
            "case \"$cmd\" in\n"
            "*/run.csv) [ -z \"$FAKE_CSV\" ] || exec cat \"$FAKE_CSV\" ;;\n"
            "*/run.meta.json) [ -z \"$FAKE_META\" ] || exec cat \"$FAKE_META\" ;;\n"
            "esac\nexec sh -c \"$cmd\"\n")
os.chmod(fake_ssh, 0o755)
hosts = os.path.join(tmp, "hosts")
with open(hosts, "w") as f:
    f.write(f"fakehost {os.uname().machine}\n")
QUICK = ["-w", "matmul", "-s", "test", "-m", "model", "-r", "1", "--warmup", "0",
         "--idle-s", "0.05", "--min-window-s", "0.05", "-q", "--no-plot", "--force"]
good = os.path.join(tmp, "good.csv")
p = run(["run"] + QUICK + ["-o", good])
check(p.returncode == 0, f"a host's run: {p.stderr}")
data = open(good, "rb").read()
meta = open(good[:-4] + ".meta.json", "rb").read()
head, rows = data.split(b"\n", 1)
noise = bytes(rng.randrange(256) for _ in range(2000))
# (name, csv bytes or None, meta bytes or None, the host must fail; for a damaged sidecar,
# what its warning must say)
# A cut after the fifth field of a record in the middle of the file (a record short of
# fields must be refused), and one inside a record's last field (reported: see the docs).
rec = data.index(b"\n", len(data) // 2) + 1
mid_record = rec
for _ in range(5):
    mid_record = data.index(b",", mid_record) + 1
last_field = data.index(b"\n", rec) - 1


def nulled(o):
    """@o with every value null, its keys kept."""
    return {k: nulled(v) for k, v in o.items()} if isinstance(o, dict) else None


fleet_cases = [
    ("csv empty", b"", None, True),
    ("csv cut mid-record", data[:mid_record], None, True),
    ("csv cut in a record's last field", data[:last_field], None, False),
    ("csv random bytes", noise, None, True),
    ("csv another header", b"a,b,c\n1,2,3\n", None, True),
    ("csv a column short", b"\n".join(l.rsplit(b",", 1)[0] for l in data.split(b"\n") if l)
     + b"\n", None, True),
    ("csv text in a number", head + b"\n" + re.sub(rb"(,warm,\d+,\d+,\d+,\d+,)\d+",
                                                 rb"\1x", rows, count=1), None, True),
    ("csv header only", head + b"\n", None, False),
    ("csv NUL in a field", data.replace(b",model,", b",mo\0el,", 1), None, False),
    ("csv 1 MiB field", data.replace(b",matmul,", b"," + b"m" * (1 << 20) + b",", 1), None,
     False),
    ("meta empty", None, b"", False, "(empty)"),
    ("meta null", None, b"null", False, "(a JSON null, not an object)"),
    ("meta an array", None, b"[1, 2]", False, "(a JSON array, not an object)"),
    # The sidecar is padded with blanks (written in place, results/meta.c): cut the JSON.
    ("meta cut", None, meta.rstrip()[:len(meta.rstrip()) // 2], False, "(cut short"),
    ("meta random bytes", None, b"\x01" + noise[:500], False, "(not JSON: "),
    # Valid JSON, every value null: embedded as it is, no warning.
    ("meta every field null", None, json.dumps(nulled(json.loads(meta))).encode(), False),
]
# A damaged sidecar's host must keep all its rows: with --batch the count is fixed, so
# a run here says how many.
BATCH = ["--batch", "20"]
p = run(["run"] + QUICK + BATCH + ["-o", good])
check(p.returncode == 0, f"a host's run with {BATCH}: {p.stderr}")
with open(good, "rb") as f:
    good_rows = len(f.read().strip().split(b"\n")) - 1
fleet_out = os.path.join(tmp, "fleet.csv")
for name, c, m, must_fail, *warning in fleet_cases:
    env = dict(os.environ, JOULEBENCH_SSH=fake_ssh)
    for var, content in (("FAKE_CSV", c), ("FAKE_META", m)):
        if content is not None:
            env[var] = os.path.join(tmp, var)
            with open(env[var], "wb") as f:
                f.write(content)
    check(c != data and m != meta, f"fleet, {name}: the damage changed nothing")
    p = run(["run", "--hosts", hosts, "-o", fleet_out] + QUICK + (BATCH if warning else []),
            env=env, cwd=tmp)
    last = (p.stderr.strip().split("\n") or [""])[-1]
    check(p.returncode >= 0, f"fleet, {name}: killed by signal {-p.returncode}: {p.stderr}")
    check(p.returncode in (0, 1), f"fleet, {name}: exit {p.returncode}: {p.stderr[-400:]}")
    if must_fail:
        check(p.returncode == 1 and "fakehost" in p.stderr,
              f"fleet, {name}: not failed with the host named: {p.returncode} {p.stderr!r}")
    if warning:
        w = [l for l in p.stderr.split("\n") if "warning" in l]
        check(p.returncode == 0 and len(w) == 1 and "host fakehost" in w[0] and
              "run.meta.json" in w[0] and warning[0] in w[0],
              f"fleet, {name}: no one warning naming the host, the file and {warning[0]!r}: "
              f"{p.returncode} {p.stderr!r}")
        with open(fleet_out, "rb") as f:
            kept = [l for l in f.read().split(b"\n")[1:] if b",fakehost," in l]
        check(len(kept) == good_rows, f"fleet, {name}: {len(kept)} of {good_rows} rows kept")
        last = w[0] if w else last
    elif m is not None:
        check("warning" not in p.stderr, f"fleet, {name}: warned: {p.stderr!r}")
    print(f"fleet, {name}: exit {p.returncode}" +
          (f": {last[:200]}" if p.returncode or warning else ""))
shutil.rmtree(tmp, ignore_errors=True)
print("ok")
