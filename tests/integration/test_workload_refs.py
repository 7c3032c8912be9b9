#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check workload outputs against tools that share no code with joulebench.

joulebench-fn --dump-input and --dump-output write a workload's generated input and the
output of one invocation (formats in docs/workloads.md); this script feeds them to
sha256sum, openssl, gzip, python's zlib, json and html modules, and to small reference
algorithms written here in python (PageRank, BFS, Kruskal, residual of a solve).
`refs` (the default) runs those; `warm` sends many request lines to one joulebench-fn
and checks that every reply verified. Exit 77 (meson: skipped) when a reference tool is
missing; a missing or unrunnable joulebench-fn is a failure (meson always builds it, so its
absence is a broken build, not an absent tool). Checks go through ensure(), not `assert`,
so that `python -O` cannot strip them.
"""
import hashlib
import heapq
import html
import json
import os
import re
import shutil
import subprocess
import sys
import zlib
from collections import deque

FN = os.environ.get("JOULEBENCH_FN")
SEED = "7"


def ensure(cond, detail="check failed"):
    """A check that `python -O` keeps (a bare assert is stripped by -O)."""
    if not cond:
        raise AssertionError(detail)


def fn(*args):
    return subprocess.run([FN, *args], check=True, stdout=subprocess.PIPE).stdout


def dumps(workload, size="test", seed=SEED):
    return (fn("--dump-input", workload, size, seed),
            fn("--dump-output", workload, size, seed))


def require(*tools):
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        print("SKIP: missing tool(s): " + ", ".join(missing))
        sys.exit(77)


def check_sha256():
    msg, out = dumps("sha256")
    want = subprocess.run(["sha256sum"], input=msg, check=True,
                          stdout=subprocess.PIPE).stdout.split()[0]
    ensure(out.strip() == want, (out, want))
    ensure(out.strip().decode() == hashlib.sha256(msg).hexdigest())


def check_aes():
    inp, out = dumps("aes")
    head, _, msg = inp.partition(b"\n")
    f = dict(kv.split("=") for kv in head.decode().split())
    ensure(len(msg) == int(f["bytes"]))
    ct = subprocess.run(["openssl", "enc", "-aes-128-ctr", "-K", f["key"], "-iv", f["iv"]],
                        input=msg, check=True, stdout=subprocess.PIPE).stdout
    ensure(ct == out, "ciphertext differs from openssl enc -aes-128-ctr")
    # SP 800-38A F.5.1 through the same openssl command, so the check above is sound.
    nist = subprocess.run(
        ["openssl", "enc", "-aes-128-ctr", "-K", "2b7e151628aed2a6abf7158809cf4f3c",
         "-iv", "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"],
        input=bytes.fromhex("6bc1bee22e409f96e93d7e117393172a"), check=True,
        stdout=subprocess.PIPE).stdout
    ensure(nist.hex() == "874d6191b620e3261bef6864990db6ce", nist.hex())


def check_compress():
    inp, out = dumps("compress")
    back = subprocess.run(["gzip", "-d", "-c"], input=out, check=True,
                          stdout=subprocess.PIPE).stdout
    ensure(back == inp, "gzip -d did not give the input back")
    ensure(zlib.decompress(out, wbits=31) == inp)
    ensure(len(out) < len(inp) / 2, "text-like input should compress well")


def check_json():
    inp, out = dumps("json")
    records = json.loads(out.decode("utf-8"))
    lines = inp.decode("utf-8").splitlines()
    ensure(len(records) == len(lines) > 0)
    for rec, line in zip(records, lines):
        rid, score, active, name, tags = line.split("\t")
        ensure(rec == {"id": int(rid), "name": name, "score": float(score),
                       "active": active == "1", "tags": tags.split(",")}, (rec, line))


def check_html():
    inp, out = dumps("html")
    lines = inp.decode().splitlines()
    user, when, numbers = lines[0], lines[1], lines[2:]
    page = out.decode()
    ensure(page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>"))
    items = re.findall(r"<li>(\d+)</li>", page)
    ensure(items == numbers, "list items differ from the input numbers")
    m = re.search(r"<p>Welcome (.*)!</p>", page)
    ensure(m and html.unescape(m.group(1)) == user)
    ensure(not re.search(r"[<>\"']", m.group(1)), "username not escaped")
    ensure("Data generated at: %s!" % when in page)


def check_thumbnail():
    inp, out = dumps("thumbnail")

    def sof_size(jpeg):
        ensure(jpeg[:2] == b"\xff\xd8" and jpeg[-2:] == b"\xff\xd9")
        i = 2
        while i < len(jpeg):
            ensure(jpeg[i] == 0xFF)
            marker, length = jpeg[i + 1], int.from_bytes(jpeg[i + 2:i + 4], "big")
            if marker in (0xC0, 0xC1, 0xC2):
                return (int.from_bytes(jpeg[i + 7:i + 9], "big"),
                        int.from_bytes(jpeg[i + 5:i + 7], "big"))
            i += 2 + length
        raise AssertionError("no SOF marker")

    ensure(sof_size(inp) == (320, 240), sof_size(inp))
    ensure(sof_size(out) == (200, 200), sof_size(out))


def read_graph(text, weighted=False):
    rows = text.decode().split("\n")
    n, m = map(int, rows[0].split())
    edges = [tuple(map(int, r.split())) for r in rows[1:1 + m]]
    ensure(len(edges) == m)
    adj = [[] for _ in range(n)]
    for e in edges:
        adj[e[0]].append(e[1])
        adj[e[1]].append(e[0])
    return n, edges, adj


def check_pagerank():
    inp, out = dumps("pagerank")
    n, _, adj = read_graph(inp)
    pr = [1.0 / n] * n
    for _ in range(300):  # far past convergence (0.85^300 ~ 1e-21)
        share = [pr[u] / len(adj[u]) for u in range(n)]
        pr = [0.15 / n + 0.85 * sum(share[u] for u in adj[v]) for v in range(n)]
    got = [float(x) for x in out.split()]
    ensure(len(got) == n)
    ensure(abs(sum(got) - 1.0) < 1e-9, sum(got))
    ensure(sum(abs(a - b) for a, b in zip(got, pr)) < 1e-8)


def check_bfs():
    inp, out = dumps("bfs")
    n, _, adj = read_graph(inp)
    level = [-1] * n
    level[0] = 0
    q = deque([0])
    while q:
        u = q.popleft()
        for w in adj[u]:
            if level[w] < 0:
                level[w] = level[u] + 1
                q.append(w)
    got = [tuple(map(int, r.split())) for r in out.decode().splitlines()]
    ensure([g[0] for g in got] == level)
    for v, (lv, parent) in enumerate(got):
        ensure(v == 0 or (parent in adj[v] and level[parent] == lv - 1))


def check_mst():
    inp, out = dumps("mst")
    n, edges, adj = read_graph(inp, weighted=True)
    # Prim with a heap: a different algorithm from the kernel's Kruskal.
    nbr = [[] for _ in range(n)]
    for u, v, w in edges:
        nbr[u].append((w, v))
        nbr[v].append((w, u))
    seen, total, heap = [False] * n, 0, [(0, 0)]
    while heap:
        w, v = heapq.heappop(heap)
        if seen[v]:
            continue
        seen[v] = True
        total += w
        for e in nbr[v]:
            if not seen[e[1]]:
                heapq.heappush(heap, e)
    rows = out.decode().splitlines()
    ensure(int(rows[0]) == total)
    tree = [tuple(map(int, r.split())) for r in rows[1:]]
    ensure(len(tree) == n - 1 and sum(t[2] for t in tree) == total)
    ensure(set(tree) <= set(edges))


def check_linpack():
    inp, out = dumps("linpack")
    vals = inp.split()
    n = int(vals[0])
    a = [float(x) for x in vals[1:1 + n * n]]
    b = [float(x) for x in vals[1 + n * n:1 + n * n + n]]
    x = [float(v) for v in out.split()]
    r = max(abs(sum(a[i * n + j] * x[j] for j in range(n)) - b[i]) for i in range(n))
    anorm = max(sum(abs(a[i * n + j]) for j in range(n)) for i in range(n))
    xnorm = max(abs(v) for v in x)
    ensure(r <= 1e-10 * anorm * xnorm, (r, anorm, xnorm))
    ensure(all(abs(v - 1.0) < 1e-9 for v in x))


def refs():
    require("sha256sum", "openssl", "gzip")
    for check in (check_sha256, check_aes, check_compress, check_json, check_html,
                  check_thumbnail, check_pagerank, check_bfs, check_mst, check_linpack):
        check()
        print("ok", check.__name__)


def warm():
    names = [line.split()[0] for line in fn("--list").decode().splitlines()]
    ensure(len(names) >= 12, names)
    reqs = []
    for rep in range(3):
        for name in names:
            for seed in (1, 2):
                reqs.append("invoke workload=%s size=test seed=%d" % (name, seed))
    reqs.append("quit")
    p = subprocess.run([FN], input=("\n".join(reqs) + "\n").encode(), check=True,
                       stdout=subprocess.PIPE, timeout=120)
    lines = p.stdout.decode().splitlines()
    ensure(lines[0].startswith("ready "), lines[0])
    replies = lines[1:]
    ensure(len(replies) == len(reqs) - 1, (len(replies), len(reqs)))
    sums = {}
    for req, rep in zip(reqs, replies):
        f = dict(kv.split("=", 1) for kv in rep.split()[1:] if "=" in kv)
        ensure(rep.startswith("result ") and f["status"] == "ok" and f["verified"] == "1",
               (req, rep))
        # Warm invocations of the same input give the same checksum.
        ensure(sums.setdefault(req, f["checksum"]) == f["checksum"], (req, rep))
    print("ok", len(replies), "warm invocations verified")


if __name__ == "__main__":
    if not FN or not os.access(FN, os.X_OK):
        print(f"FAIL: JOULEBENCH_FN ({FN!r}) is not an executable: the build is broken")
        sys.exit(1)
    {"refs": refs, "warm": warm}[sys.argv[1] if len(sys.argv) > 1 else "refs"]()
