# SPDX-License-Identifier: MIT
"""The bytes of the `tinkerforge` meter and of `boot-energy --relay`, checked by an
independent decoder: Wireshark's `tfp` dissector (tshark).

A session against fake_brickd.py (list meters with and without uid=, a UID nobody has, a
short measured run on each sensor bricklet, one boot switched by the relay) is recorded with
tshark on the loopback interface, filtered on the double's port, and decoded again with
`-d tcp.port==PORT,tfp`. Every TCP payload byte must belong to a TFP packet the dissector
decodes; each one must equal, field by field and in order per connection and direction,
the packet the double logged; each request must be a function the named device has
(documented ids: get_identity 255, enumerate 254; Energy Monitor 1 and 4; Voltage/Current
2.0 9 and 14; Industrial Dual Relay 6 and 2), with the documented payload size, to the UID
the dissector spells as we named it (base58); and the payload fields the dissector hands
over must decode, with the documented layouts, to what was meant (the relay switched on
channel 0 then off, the identities of the devices, the set powers).

Skipped (77) when tshark is not installed, or without the privilege to capture on lo."""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_brickd import (EnergyMonitor, FakeBrickd, IndustrialDualRelay,  # noqa: E402
                         VoltageCurrentV2, uid_decode)
from jbtest import check, fail, run, skip  # noqa: E402

if not shutil.which("tshark"):
    skip("tshark is not installed (Debian package tshark; scripts/install-deps --tests)")
if os.geteuid() != 0:
    skip("capturing on lo needs root (or dumpcap's capabilities)")

tmp = tempfile.mkdtemp(prefix="jb-tfp-tshark-")
em, vc, relay = EnergyMonitor("Em1", 120.0), VoltageCurrentV2("Vc2", 2.5), IndustrialDualRelay("Rd3")
brickd = FakeBrickd([em, vc, relay], lifetime_s=200)
port = brickd.port
base = f"host=127.0.0.1,port={port}"
cap = os.path.join(tmp, "session.pcap")

tshark = subprocess.Popen(["tshark", "-i", "lo", "-f", f"tcp port {port}", "-w", cap],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
# tshark says "Capturing on 'Loopback: lo'" once dumpcap is capturing.
deadline = time.monotonic() + 30
line = ""
while time.monotonic() < deadline and "Capturing on" not in line:
    line = tshark.stderr.readline()
    if not line and tshark.poll() is not None:
        skip(f"tshark cannot capture on lo: exit {tshark.returncode}")
check("Capturing on" in line, "tshark did not start capturing within 30 s")
time.sleep(0.5)

RUN = ["-w", "aes", "-s", "test", "-r", "1", "--warmup", "0", "--min-window-s", "0.5",
       "--idle-s", "0.3", "-q", "--no-plot", "--cores", "1"]
p = run(["list", "meters", "--meter-opts", base + ",uid=Em1"])
check(p.returncode == 0, f"list: {p.stderr}")
p = run(["list", "meters", "--meter-opts", base])
p = run(["run", "-m", "tinkerforge", "--meter-opts", base + ",uid=Zz9", "-o",
         os.path.join(tmp, "none.csv")] + RUN)
check(p.returncode == 77, f"wrong uid: {p.returncode} {p.stderr}")
for uid in ("Em1", "Vc2"):
    p = run(["run", "-m", "tinkerforge", "--meter-opts", f"{base},uid={uid}", "-o",
             os.path.join(tmp, f"{uid}.csv")] + RUN)
    check(p.returncode == 0, f"run {uid}: {p.stderr}")
p = run(["boot-energy", "--relay", base + ",uid=Rd3,channel=0", "--ready", "true", "-m",
         "tinkerforge", "--meter-opts", base + ",uid=Vc2", "-r", "1", "--off-s", "0", "-o",
         os.path.join(tmp, "boot.csv"), "-q"])
check(p.returncode == 0, f"boot-energy: {p.stderr}")
time.sleep(1.0)
tshark.terminate()
tshark.wait(timeout=30)
brickd.stop()

# ---- decode with the dissector ----
pdml = subprocess.run(["tshark", "-r", cap, "-d", f"tcp.port=={port},tfp", "-T", "pdml"],
                      capture_output=True, text=True, timeout=120)
check(pdml.returncode == 0, f"tshark -r: {pdml.stderr}")
decoded = {}  # (direction, client port) -> [(uid, uid string, len, fid, seq, r, e, payload)]
for pkt in ET.fromstring(pdml.stdout).iter("packet"):
    fields = {}
    for proto in pkt.iter("proto"):
        if proto.get("name") == "tcp":
            fields = {f.get("name"): f for f in proto.iter("field")}
    if not fields:
        continue
    src, dst = int(fields["tcp.srcport"].get("show")), int(fields["tcp.dstport"].get("show"))
    key = ("out", dst) if src == port else ("in", src)
    tcp_len = int(fields["tcp.len"].get("show"))
    tfps = [pr for pr in pkt.iter("proto") if pr.get("name") == "tfp"]
    got = 0
    for pr in tfps:
        f = {x.get("name"): x for x in pr.iter("field")}
        payload = bytes.fromhex(f["tfp.payload"].get("value")) if "tfp.payload" in f else b""
        # The dissector's sequence number is the one of its summary line ("..., Seq: N",
        # the header's bits 4-7). Its tfp.seq, tfp.r and tfp.e items number the bits from
        # the other end of the byte (proto_tree_add_bits_item with ENC_LITTLE_ENDIAN in
        # packet-tfp.c: tfp.seq shows bits 0-3), so the flags are read, as the protocol
        # documents them, from the raw bytes those items cover.
        opt, err = int(f["tfp.seq"].get("value"), 16), int(f["tfp.e"].get("value"), 16)
        rec = (int(f["tfp.uid_numeric"].get("show")), f["tfp.uid"].get("show"),
               int(f["tfp.len"].get("show")), int(f["tfp.fid"].get("show")),
               int(re.search(r"Seq: (\d+)$", pr.get("showname")).group(1)),
               (opt >> 3) & 1, err >> 6, payload)
        decoded.setdefault(key, []).append(rec)
        got += rec[2]
    # Every byte of the segment is inside a decoded TFP packet: nothing left undecoded.
    check(got == tcp_len, f"frame {pkt.find('proto').find('field').get('show')}: {tcp_len} TCP "
          f"bytes, the dissector decoded TFP packets of {got}")

logged = {}
for direction, cport, raw in brickd.log:
    uid, n, fid, so, eu = struct.unpack("<IBBBB", raw[:8])
    logged.setdefault((direction, cport), []).append((uid, n, fid, so >> 4, (so >> 3) & 1,
                                                      eu >> 6, raw[8:]))
check(set(decoded) == set(logged), f"connections: dissector {sorted(decoded)}, double "
      f"{sorted(logged)}")

UIDS = {em.uid_num: ("Em1", {1: (0, 28), 4: (0, 2)}),
        vc.uid_num: ("Vc2", {9: (0, 4), 14: (0, 3)}),
        relay.uid_num: ("Rd3", {6: (2, 0), 2: (0, 2)})}
COMMON = {255: (0, 25)}  # get_identity: request payload, response payload
n_pkts, relay_sets, fids = 0, [], set()
for key, recs in decoded.items():
    log = logged[key]
    check(len(recs) == len(log), f"{key}: dissector decoded {len(recs)} packets, double "
          f"logged {len(log)}")
    for rec, lg in zip(recs, log):
        uid, uid_s, n, fid, seq, r, e, payload = rec
        check((uid, n, fid, seq, r, e, payload) == lg, f"{key}: dissector {rec} != double {lg}")
        n_pkts += 1
        fids.add(fid)
        if uid == 0:
            # enumerate (request, no answer expected) and its callbacks (sequence 0)
            check((key[0] == "in" and fid == 254 and r == 0 and not payload) or
                  (key[0] == "out" and fid == 253 and seq == 0 and len(payload) == 26),
                  f"broadcast packet {rec}")
            continue
        if key[0] == "out" and fid == 253:
            check(seq == 0 and len(payload) == 26 and uid in UIDS, f"enumerate callback {rec}")
            name = payload[:8].rstrip(b"\0").decode()
            check(uid_decode(name) == uid, f"enumerate callback names {name} for uid {uid}")
            continue
        if uid not in UIDS:
            check(uid == uid_decode("Zz9") and uid_s == "Zz9" and fid == 255 and
                  key[0] == "in", f"a packet for an unknown UID: {rec}")
            continue
        name, funcs = UIDS[uid]
        check(uid_s == name, f"the dissector spells uid {uid} '{uid_s}', we named {name}")
        check(fid in funcs or fid in COMMON, f"{name}: function {fid} is not one we meant")
        req_len, resp_len = (funcs.get(fid) or COMMON[fid])
        if key[0] == "in":
            check(seq != 0 and r == 1 and len(payload) == req_len,
                  f"request {rec}: want sequence 1-15, response expected, {req_len} bytes")
            if fid == 6:
                relay_sets.append(struct.unpack("<B?", payload))
        else:
            check(e == 0 and len(payload) == resp_len, f"response {rec}: want {resp_len} bytes")
            if fid == 255:
                ident = struct.unpack("<8s8sc3B3BH", payload)
                check(ident[0].rstrip(b"\0").decode() == name, f"identity of {name}: {ident}")
            elif fid == 1:
                w = struct.unpack("<iiiiiiHH", payload)[3] / 100
                check(abs(w - 120.0) < 2.0, f"Energy Monitor real power {w} W")
            elif fid == 9:
                w = struct.unpack("<i", payload)[0] / 1000
                check(abs(w - 2.5) < 0.05, f"Voltage/Current power {w} W")
check(relay_sets == [(0, False), (0, True), (0, False)],
      f"relay switched {relay_sets}, want channel 0 off, on, off")
for want in (253, 254, 255, 1, 4, 9, 14, 6, 2):
    if want not in fids:
        fail(f"function {want} never seen in the session")
print(f"ok: {n_pkts} TFP packets in {len(decoded)} connection directions, each decoded by "
      f"Wireshark's tfp dissector as the double logged it and as meant")
