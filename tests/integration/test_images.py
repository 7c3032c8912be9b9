# SPDX-License-Identifier: MIT
"""A function whose files are an OCI image layout (issue 24, docs/functions.md), under the
container driver with one runtime per run of this file: runc, crun or runsc.

The image is built here, with no network, by umoci itself (init, new, unpack, files copied
into the rootfs, repack, config): the host's dash and the libraries it links, a lines
program in sh (fn.sh) and its validator (check.sh), with Entrypoint, Env and WorkingDir
set in the image config. The function file names only the image and a tag, its events,
`check.command` ["./check.sh"] and one variable of `env`; the validator, which runs inside
the image too, verifies that the result came from the image's root (no host /usr), in
its WorkingDir, with the image's Env and the file's env over it. Checked: verified cold and
warm rows, the sidecar's image digest (the tag's manifest in index.json), one cache entry
under $JOULEBENCH_IMAGE_CACHE. runc also checks that a second run reuses it, and the
refusals: the
pinned driver and compare with a pinned rung (exit 2 naming 'image'), a missing tag or
layout and a damaged manifest (exit 2, one line naming 'image'), a damaged layer (exit 2
with umoci's reason), and no umoci on PATH (exit 77 naming it).
Skipped (77) when not root, or umoci or the runtime is not installed; crun also when it
refuses this host (joulebench's one line is the reason)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from jbtest import check, read_csv, read_meta, run, skip

RT = sys.argv[1] if len(sys.argv) > 1 else "runc"
if RT not in ("runc", "crun", "runsc"):
    print(f"usage: {sys.argv[0]} runc|crun|runsc", file=sys.stderr)
    sys.exit(2)
if os.geteuid() != 0:
    skip("the container driver needs root")
for prog in (RT, "umoci", "ldd"):
    if not shutil.which(prog):
        skip(f"{prog} is not installed (scripts/install-deps --drivers)")

tmp = tempfile.mkdtemp(prefix=f"jb-images-{RT}-")
ENV = dict(os.environ, JOULEBENCH_IMAGE_CACHE=os.path.join(tmp, "cache"))
QUICK = ["-s", "test", "-m", "model", "-r", "2", "--warmup", "1", "--batch", "3",
         "--idle-s", "0.05", "--min-window-s", "0.05", "--no-plot", "-q"]
ARGS = ["-d", "container", "--runtime", RT, "--memory-mb", "256"]

FN_SH = r"""#!/bin/sh
# A lines function: {"n": N} -> the double, and what it sees of its environment.
while IFS= read -r line; do
	n=${line#*\"n\":}
	n=${n%%[!0-9 ]*}
	usr=no; [ -e /usr/bin/python3 ] && usr=yes
	printf '{"double": %d, "mode": "%s", "greeting": "%s", "cwd": "%s", "host_usr": "%s"}\n' \
		$((n * 2)) "$JB_MODE" "$JB_GREETING" "$PWD" "$usr"
done
"""
CHECK_SH = r"""#!/bin/sh
# The validator, run inside the image: builtins only (the image holds no cat).
IFS= read -r got
n=${JB_EVENT#*\"n\":}
n=${n%%[!0-9 ]*}
want="{\"double\": $((n * 2)), \"mode\": \"image\", \"greeting\": \"from the file\", \"cwd\": \"/fn\", \"host_usr\": \"no\"}"
[ "$got" = "$want" ] && exit 0
echo "want $want, got $got"
exit 1
"""


def sh(*args):
    p = subprocess.run(list(args), capture_output=True, text=True)
    check(p.returncode == 0, f"{' '.join(args)}: {p.returncode} {p.stderr}")
    return p.stdout


def build_image(layout, tag):
    """An image of the host's dash, its libraries and the two scripts, made by umoci."""
    bundle = os.path.join(tmp, "bundle")
    sh("umoci", "init", "--layout", layout)
    sh("umoci", "new", "--image", f"{layout}:{tag}")
    sh("umoci", "unpack", "--image", f"{layout}:{tag}", bundle)
    root = os.path.join(bundle, "rootfs")
    dash = os.path.realpath("/bin/sh")
    files = [(dash, "/bin/sh")]
    for ln in sh("ldd", dash).splitlines():
        path = ln.split("=>")[-1].split("(")[0].strip()
        if path.startswith("/"):
            files.append((os.path.realpath(path), path))
    for src, dst in files:
        os.makedirs(os.path.dirname(root + dst), exist_ok=True)
        shutil.copy(src, root + dst)
    os.makedirs(os.path.join(root, "fn"))
    for name, text in (("fn.sh", FN_SH), ("check.sh", CHECK_SH)):
        with open(os.path.join(root, "fn", name), "w") as f:
            f.write(text)
        os.chmod(os.path.join(root, "fn", name), 0o755)
    sh("umoci", "repack", "--image", f"{layout}:{tag}", bundle)
    sh("umoci", "config", "--image", f"{layout}:{tag}", "--config.entrypoint", "/fn/fn.sh",
       "--config.env", "JB_MODE=image", "--config.env", "JB_GREETING=from the image",
       "--config.workingdir", "/fn")
    shutil.rmtree(bundle)
    index = json.load(open(os.path.join(layout, "index.json")))
    return [m["digest"] for m in index["manifests"]
            if m["annotations"]["org.opencontainers.image.ref.name"] == tag][0]


def function_file(name, image, **extra):
    spec = {"name": name, "image": image, "events": {"test": {"n": 21}},
            "check": {"command": ["./check.sh"]}, "env": {"JB_GREETING": "from the file"}}
    spec.update(extra)
    path = os.path.join(tmp, f"{name}.json")
    with open(path, "w") as f:
        json.dump(spec, f)
    return path


def one_line(p, code, words, what):
    lines = p.stderr.strip().splitlines()
    check(p.returncode == code and len(lines) == 1 and all(w in lines[0] for w in words),
          f"{what}: want exit {code} and one line with {words}, got {p.returncode} "
          f"{p.stderr!r}")


layout = os.path.join(tmp, "layout")
digest = build_image(layout, "fn")
fn = function_file("img-doubler", "layout:fn")

out = os.path.join(tmp, "run1.csv")
p = run(["run", "-f", fn, "-o", out] + ARGS + QUICK, env=ENV)
if RT == "crun" and p.returncode == 77:
    skip(p.stderr.strip())
check(p.returncode == 0, f"image function ({RT}): exit {p.returncode}: {p.stderr}")
rows = [r for r in read_csv(out) if r["workload"] == "img-doubler"]
for ph in ("cold", "warmup", "warm"):
    got = [r for r in rows if r["phase"] == ph]
    check(got, f"no {ph} row: {rows}")
    for r in got:
        check(r["verified"] == "1" and r["status"] in ("ok", "untrustworthy"),
              f"{ph}: {r['status']} verified={r['verified']} {r['message']}")
f = [w for w in read_meta(out)["workloads"] if w["name"] == "img-doubler"][0]["function"]
check(f["image_digest"] == digest and f["image"].endswith("layout:fn") and
      f["command"] == ["/fn/fn.sh"] and f["dir"] == "/fn", f"sidecar: {f}")
check(read_meta(out)["driver"]["runtime"] == RT, "sidecar: runtime")
cache = os.path.join(tmp, "cache")
entry = os.path.join(cache, "sha256-" + digest[7:])
check(os.listdir(cache) == [os.path.basename(entry)] and
      os.path.isdir(os.path.join(entry, "rootfs")), f"cache: {os.listdir(cache)}")

if RT == "runc":
    inode = os.stat(entry).st_ino
    p = run(["run", "-f", fn, "-o", os.path.join(tmp, "run2.csv")] + ARGS + QUICK, env=ENV)
    check(p.returncode == 0 and os.stat(entry).st_ino == inode and
          len(os.listdir(cache)) == 1,
          f"second run: exit {p.returncode}, the cache entry was not reused: {p.stderr}")
    never = ["-o", os.path.join(tmp, "never.csv")] + QUICK
    one_line(run(["run", "-f", fn, "-d", "pinned"] + never, env=ENV), 2,
             ["'image'", "pinned"], "pinned")
    one_line(run(["compare", "--drivers", "pinned,container", "-f", fn, "-m", "model",
                  "-o", os.path.join(tmp, "cmp")], env=ENV), 2, ["'image'"], "compare")
    one_line(run(["run", "-f", function_file("no-tag", "layout:nosuch")] + ARGS + never,
                 env=ENV), 2, ["'image'", "no tag 'nosuch'", "fn"], "missing tag")
    one_line(run(["run", "-f", function_file("no-layout", "nowhere:fn")] + ARGS + never,
                 env=ENV), 2, ["'image'", "No such file"], "missing layout")
    # A damaged manifest is found when the file is read; a damaged layer, which only
    # umoci reads, when the driver unpacks it.
    bad = os.path.join(tmp, "bad")
    shutil.copytree(layout, bad)
    with open(os.path.join(bad, "blobs", "sha256", digest[7:]), "a") as f:
        f.write(" ")
    one_line(run(["run", "-f", function_file("bad-manifest", "bad:fn")] + ARGS + never,
                 env=ENV), 2, ["'image'", "does not match its digest"], "damaged manifest")
    shutil.rmtree(bad)
    shutil.copytree(layout, bad)
    blobs = os.path.join(bad, "blobs", "sha256")
    layer = max(os.listdir(blobs), key=lambda b: os.path.getsize(os.path.join(blobs, b)))
    with open(os.path.join(blobs, layer), "r+b") as f:
        f.seek(100)
        f.write(b"\0" * 64)
    # Its manifest is the good one's: a fresh cache, or the good unpack would serve it.
    fresh = dict(ENV, JOULEBENCH_IMAGE_CACHE=os.path.join(tmp, "cache2"))
    one_line(run(["run", "-f", function_file("bad-layer", "bad:fn")] + ARGS + never,
                 env=fresh), 2, ["umoci unpack", "bad:fn"], "damaged layer")
    check(os.listdir(os.path.join(tmp, "cache2")) == [], "a failed unpack left "
          f"{os.listdir(os.path.join(tmp, 'cache2'))}")
    # No umoci on PATH (runc given by its path): a cached image runs, a new one is exit
    # 77 naming umoci.
    bare = dict(ENV, PATH=os.path.join(tmp, "nobin"))
    args = ARGS[:2] + ["--runtime", shutil.which("runc")]
    p = run(["run", "-f", fn, "-o", os.path.join(tmp, "run3.csv")] + args + QUICK, env=bare)
    check(p.returncode == 0, f"cached image without umoci: exit {p.returncode}: {p.stderr}")
    one_line(run(["run", "-f", fn] + args + never, env=dict(fresh, PATH=bare["PATH"])), 77,
             ["umoci is not installed"], "no umoci")

shutil.rmtree(tmp, ignore_errors=True)
print("ok")
