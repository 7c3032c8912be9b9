# SPDX-License-Identifier: MIT
"""A protocol-level test double of a Brick Daemon (brickd) with three bricklets, for the
`tinkerforge` meter and `boot-energy --relay`: TinkerForge's TCP/IP protocol (TFP) on
127.0.0.1 only, on a port of its own, for a bounded time.

It speaks the protocol as TinkerForge documents it ("TCP/IP Protocol"; each device's TCP/IP
API page): 8-byte header (uid uint32 LE, length, function id, sequence number << 4 |
response expected << 3, error code << 6), get_identity (255) for every device, enumerate
(254) answered by enumerate callbacks (253, sequence number 0), error code 2 for a function
a device does not have, and silence for a UID nobody has (as brickd: the request goes to
every stack and no device answers).

Its sensors behave like the real ones: each makes a new measurement at its documented rate
(Energy Monitor: 10 mains periods, 200 ms at 50 Hz; Voltage/Current 2.0: 64 x (1.1 + 1.1)
ms at its default configuration), each reading is the mean of the set power over its
period plus gaussian noise, and getters between two measurements return the last one. The
Energy Monitor also keeps its energy counter in 0.01 Wh. A test sets what the power is
(`device.power = 42.0`, or a callable (t0, t1) -> mean watts, to follow the load), can
freeze a sensor (`device.frozen = True`: it answers, with its last value, forever), and
the relay's channels call `on_switch(channel, value)`.

Every packet it receives and sends is logged (`brickd.log`: (direction, the client's TCP
port, bytes)) so that a test can set an independent decoder's view of the session against
it."""
import random
import socket
import struct
import threading
import time

from jbtest import realtime_thread

ALPHABET = "123456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"


def uid_decode(s):
    v = 0
    for ch in s:
        v = v * 58 + ALPHABET.index(ch)
    return v


class Device:
    device_id = 0
    functions = {}

    def __init__(self, uid, position="a", fw=(2, 0, 3)):
        self.uid, self.uid_num, self.position, self.fw = uid, uid_decode(uid), position, fw
        self.lock = threading.Lock()

    def identity(self):
        return struct.pack("<8s8sc3B3BH", self.uid.encode(), b"6Jq2Rz", self.position.encode(),
                           1, 0, 0, *self.fw, self.device_id)

    def tick(self, now):
        pass

    def call(self, fid, payload):
        """(payload bytes, or None for no such function). The device's state is brought up
        to the time of the call first: a real bricklet's MCU updates on its own clock, so an
        answer is never older than its update period, however late our ticker thread runs
        (a Python thread waits for the GIL whatever its priority)."""
        self.tick(time.monotonic())
        fn = self.functions.get(fid)
        return None if fn is None else fn(self, payload)


class Sensor(Device):
    """A sensor measuring power over periods of update_s, with noise of noise_w (sd)."""
    update_s = 0.2
    noise_w = 0.0

    def __init__(self, uid, power, seed=1, **kw):
        super().__init__(uid, **kw)
        self.power, self.frozen, self.rng = power, False, random.Random(seed)
        self.t_last = time.monotonic()
        self.energy_j = 0.0
        self.reading_w = self.mean_power(self.t_last - self.update_s, self.t_last)
        self.measurements = 0

    def mean_power(self, t0, t1):
        p = self.power
        return float(p(t0, t1) if callable(p) else p)

    def tick(self, now):
        # Measurements on the sensor's own grid of update_s, as the real one makes them: a
        # late tick catches up one update at a time, never one long update (whose energy
        # step, 600 J at 1500 W after a 0.4 s stall, no real Energy Monitor makes).
        with self.lock:
            while now - self.t_last >= self.update_s:
                t0 = self.t_last
                self.t_last = t0 + self.update_s
                if self.frozen:
                    continue
                true_w = self.mean_power(t0, self.t_last)
                self.energy_j += true_w * self.update_s
                self.reading_w = true_w + self.rng.gauss(0.0, self.noise_w)
                self.measure()
                self.measurements += 1

    def measure(self):
        """The other quantities of a new measurement (under the lock)."""


class EnergyMonitor(Sensor):
    """Energy Monitor Bricklet (2152). Readings in its units: 10 mV, 10 mA, 10 mWh, 10 mW,
    power factor in 1/1000, frequency in 10 mHz."""
    device_id = 2152
    update_s = 10 / 50.0  # 10 zero-crossing periods of 50 Hz mains
    noise_w = 0.15
    transformers = (1, 1)
    volts = 230.0

    def measure(self):
        self.volts = 230.0 + self.rng.gauss(0, 0.3)

    def energy_data(self, _):
        with self.lock:
            w, e, v = self.reading_w, self.energy_j, self.volts
        pf = 0.95
        i = abs(w) / v / pf
        return struct.pack("<iiiiiiHH", round(v * 100), round(i * 100), int(e / 36.0),
                           round(w * 100), round(v * i * 100), round(w * 0.33 * 100),
                           round(pf * 1000), 5000)

    functions = {1: energy_data,
                 4: lambda self, _: struct.pack("<??", *self.transformers)}


class VoltageCurrentV2(Sensor):
    """Voltage/Current Bricklet 2.0 (2105): mW, mA, mV; default configuration
    (averaging 64, conversion times 1.1 ms) = one measurement per 140.8 ms."""
    device_id = 2105
    update_s = 64 * (1.1e-3 + 1.1e-3)
    noise_w = 0.004
    volts = 5.1

    def _power(self, _):
        with self.lock:
            return struct.pack("<i", max(0, round(self.reading_w * 1000)))

    def _voltage(self, _):
        return struct.pack("<i", round(self.volts * 1000))

    def _current(self, _):
        with self.lock:
            return struct.pack("<i", round(self.reading_w / self.volts * 1000))

    functions = {1: _current, 5: _voltage, 9: _power,
                 14: lambda self, _: struct.pack("<BBB", 3, 4, 4)}


class IndustrialDualRelay(Device):
    """Industrial Dual Relay Bricklet (284): set_value (1), get_value (2),
    set_selected_value (6)."""
    device_id = 284

    def __init__(self, uid, on_switch=None, **kw):
        super().__init__(uid, **kw)
        self.value, self.on_switch, self.switches = [False, False], on_switch, []

    def _set(self, ch, v):
        self.value[ch] = v
        self.switches.append((time.monotonic(), ch, v))
        if self.on_switch:
            self.on_switch(ch, v)

    def set_value(self, p):
        a, b = struct.unpack("<??", p)
        self._set(0, a)
        self._set(1, b)
        return b""

    def set_selected(self, p):
        ch, v = struct.unpack("<B?", p)
        if ch > 1:
            raise ValueError("channel")
        self._set(ch, v)
        return b""

    functions = {1: set_value, 2: lambda self, _: struct.pack("<??", *self.value),
                 6: set_selected}


class FakeBrickd:
    def __init__(self, devices, lifetime_s=300.0, port=0):
        self.devices = {d.uid_num: d for d in devices}
        self.enum_delay_s = 0.0  # how late the enumerate callbacks come (a slow brickd)
        self.log, self.log_lock = [], threading.Lock()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.stop_ev = threading.Event()
        self.deadline = time.monotonic() + lifetime_s
        self.clients = []
        self.threads = [threading.Thread(target=self._accept, daemon=True),
                        threading.Thread(target=self._ticker, daemon=True)]
        for t in self.threads:
            t.start()

    def _ticker(self):
        realtime_thread()
        while not self.stop_ev.is_set() and time.monotonic() < self.deadline:
            now = time.monotonic()
            for d in self.devices.values():
                d.tick(now)
            time.sleep(0.005)
        self.stop()

    def _accept(self):
        self.sock.settimeout(0.2)
        while not self.stop_ev.is_set():
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            # One TFP packet per TCP segment, as brickd sends them (and as Wireshark's tfp
            # dissector, which takes a segment for one packet, needs them).
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.clients.append(c)
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _send(self, c, pkt):
        with self.log_lock:
            self.log.append(("out", c.getpeername()[1], pkt))
        c.sendall(pkt)

    def _serve(self, c):
        buf = b""
        c.settimeout(0.2)
        try:
            while not self.stop_ev.is_set():
                try:
                    data = c.recv(4096)
                except socket.timeout:
                    continue
                if not data:
                    break
                buf += data
                while len(buf) >= 8 and len(buf) >= buf[4]:
                    n = buf[4]
                    if n < 8:
                        return  # framing lost: a real brickd drops the client too
                    pkt, buf = buf[:n], buf[n:]
                    with self.log_lock:
                        self.log.append(("in", c.getpeername()[1], pkt))
                    self._handle(c, pkt)
        except OSError:
            pass
        finally:
            c.close()

    def _handle(self, c, pkt):
        uid, n, fid, seq_opt, _ = struct.unpack("<IBBBB", pkt[:8])
        payload = pkt[8:n]
        if uid == 0 and fid == 254:
            time.sleep(self.enum_delay_s)
            for d in self.devices.values():
                body = d.identity() + b"\x00"  # enumeration_type 0: available
                self._send(c, struct.pack("<IBBBB", d.uid_num, 8 + len(body), 253, 0, 0) + body)
            return
        d = self.devices.get(uid)
        if d is None:
            return  # nobody has this UID: no answer, the client times out
        err = 0
        try:
            out = d.identity() if fid == 255 else d.call(fid, payload)
            if out is None:
                out, err = b"", 2  # function not supported
        except (struct.error, ValueError):
            out, err = b"", 1  # invalid parameter
        # Getters always answer; setters (empty answer) only when asked to.
        if out or err or (seq_opt & 0x08):
            self._send(c, struct.pack("<IBBBB", uid, 8 + len(out), fid, seq_opt, err << 6) + out)

    def stop(self):
        self.stop_ev.set()
        try:
            self.sock.close()
        except OSError:
            pass

