# SPDX-License-Identifier: MIT
"""`joulebench run --hosts FILE` against an OpenSSH server on loopback.

The test makes a host key and a user key in a temporary directory and starts
`/usr/sbin/sshd -D` on 127.0.0.1 only (root login by key only, StrictModes off for the
temporary files); joulebench's ssh gets a client config through JOULEBENCH_SSH. The hosts
file names the same server twice (`root@127.0.0.1:PORT`, and `localhost:PORT` with its arch
given), so gathering two hosts into one CSV of one run is exercised. Also: SIGINT during a
remote run (stopped and gathered like a local one, nothing left behind), a bad hosts
file (exit 2), an architecture with no binaries (exit 2), a host that does not answer
(exit 1). sshd is stopped and every file removed at the end, on failure too. Skipped
(exit 77) when not root or when sshd or ssh is missing. No traffic leaves 127.0.0.1."""
import glob
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jbtest import JOULEBENCH, check, read_csv, read_meta, run, skip  # noqa: E402

SSHD = "/usr/sbin/sshd"
if os.geteuid() != 0:
    skip("needs root: sshd on loopback with root login by key")
if not os.access(SSHD, os.X_OK) or not shutil.which("ssh") or not shutil.which("ssh-keygen"):
    skip("openssh-server or openssh-client is not installed (scripts/install-deps)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(tmp, state):
    for key in ("host_key", "user_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                        os.path.join(tmp, key)], check=True)
    shutil.copy(os.path.join(tmp, "user_key.pub"), os.path.join(tmp, "authorized_keys"))
    port = free_port()
    with open(os.path.join(tmp, "sshd_config"), "w") as f:
        f.write(f"""ListenAddress 127.0.0.1
HostKey {tmp}/host_key
AuthorizedKeysFile {tmp}/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile {tmp}/sshd.pid
""")
    with open(os.path.join(tmp, "ssh_config"), "w") as f:
        f.write(f"""Host *
  IdentityFile {tmp}/user_key
  IdentitiesOnly yes
  UserKnownHostsFile {tmp}/known_hosts
  StrictHostKeyChecking accept-new
  LogLevel ERROR
  AddressFamily inet
""")
    # sshd's privilege separation directory; made here only if the system has none.
    if not os.path.isdir("/run/sshd"):
        os.makedirs("/run/sshd", mode=0o755)
        state["made_run_sshd"] = True
    state["sshd"] = subprocess.Popen([SSHD, "-D", "-e", "-f", os.path.join(tmp, "sshd_config"),
                                      "-p", str(port)], stderr=open(os.path.join(tmp, "sshd.log"), "w"))
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            check(state["sshd"].poll() is None,
                  f"sshd exited: {open(os.path.join(tmp, 'sshd.log')).read()}")
            time.sleep(0.05)
    os.environ["JOULEBENCH_SSH"] = f"ssh -F {tmp}/ssh_config"
    before = set(glob.glob("/tmp/jb-fleet*"))

    hosts = os.path.join(tmp, "hosts")
    arch = platform.machine()
    with open(hosts, "w") as f:
        f.write(f"# two entries, one sshd\nroot@127.0.0.1:{port}\n\n"
                f"  localhost:{port} {arch}   # arch given, no uname\n")
    out = os.path.join(tmp, "fleet.csv")
    # A fixed batch of ~0.1 s against a 0.02 s minimum: the windows are trustworthy (ok).
    args = ["run", "--hosts", hosts, "-m", "model", "-s", "test", "-w", "matmul", "-r", "1",
            "--warmup", "1", "--batch", "1000", "--min-window-s", "0.02", "--idle-s", "0.05",
            "-o", out]
    p = run(args, timeout=120)
    check(p.returncode == 0, f"fleet run: exit {p.returncode}: {p.stderr}")
    check("matmul" in p.stdout, f"no summary table: {p.stdout}")
    rows = read_csv(out)
    names = {f"127.0.0.1:{port}", f"localhost:{port}"}
    check({r["host"] for r in rows} == names, f"host column {set(r['host'] for r in rows)}")
    check(len({r["run_id"] for r in rows}) == 1, "more than one run_id")
    for name in names:
        mine = [r for r in rows if r["host"] == name]
        check(any(r["phase"] == "warm" and r["status"] == "ok" and r["verified"] == "1"
                  for r in mine), f"{name}: no ok warm rows")
        check(all(r["arch"] == arch for r in mine), f"{name}: arch")
    with open(out) as f:
        header = f.readline()
    single = os.path.join(tmp, "single.csv")
    p = run(["run", "-m", "model", "-s", "test", "-w", "matmul", "-r", "1", "--batch", "10",
             "--min-window-s", "0.01", "--idle-s", "0.05", "-o", single, "-q", "--no-plot"])
    with open(single) as f:
        check(f.readline() == header, "the fleet CSV's header differs from a run's")
    meta = read_meta(out)
    check(meta["kind"] == "fleet" and len(meta["hosts"]) == 2, f"sidecar {meta}")
    for h in meta["hosts"]:
        check(h["exit"] == 0 and h["arch"] == arch and h["run"]["run_id"] and h["rows"] > 0,
              f"sidecar host {h}")
    check(sum(h["rows"] for h in meta["hosts"]) == len(rows), "row counts")
    check(set(glob.glob("/tmp/jb-fleet*")) == before, "a temporary directory was left behind")

    # SIGINT during the first host's run: the remote run is stopped like a local one (its
    # window finishes, its rows are kept and gathered), the second host is not started,
    # nothing is left on the "remote" side, exit 1.
    out2 = os.path.join(tmp, "stopped.csv")
    long_args = [a if a != out else out2 for a in args]
    long_args[long_args.index("-r") + 1] = "200"
    proc = subprocess.Popen([JOULEBENCH] + long_args + ["-q"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not [d for d in glob.glob("/tmp/jb-fleet.*/pid") if os.path.dirname(d) not in before]:
        check(time.monotonic() < deadline and proc.poll() is None, "the remote run never started")
        time.sleep(0.05)
    time.sleep(1.0)  # past the remote joulebench's start, into its windows
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    check(proc.returncode == 1 and "interrupted" in err, f"SIGINT: {proc.returncode}: {err}")
    meta = read_meta(out2)
    check(meta["ended"] == "interrupted" and meta["hosts"][0]["run"]["ended"] == "interrupted"
          and meta["hosts"][1]["exit"] == -1, f"sidecar after SIGINT: {meta}")
    rows = read_csv(out2)
    check(rows and all(r["host"] == f"127.0.0.1:{port}" for r in rows), "rows after SIGINT")
    check(set(glob.glob("/tmp/jb-fleet*")) == before, "SIGINT left a temporary directory")
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    check("/tmp/jb-fleet." not in ps, f"SIGINT left a remote process: {ps}")

    # Bad input: one line, exit 2; an unreachable host: exit 1.
    bad = os.path.join(tmp, "bad")
    for text, want, code in (("root@127.0.0.1:99999\n", "want '[user@]host", 2),
                             ("a b c\n", "want '[user@]host", 2),
                             ("# only a comment\n", "no hosts", 2),
                             (f"127.0.0.1:{port} sparc64\n", "no joulebench for sparc64", 2),
                             (f"127.0.0.1:{free_port()}\n", "uname -m` failed", 1)):
        with open(bad, "w") as f:
            f.write(text)
        p = run(["run", "--hosts", bad, "-m", "model", "-s", "test", "-w", "sha256", "-q",
                 "-o", os.path.join(tmp, "bad.csv"), "--force"], timeout=60)
        check(p.returncode == code and want in p.stderr,
              f"{text!r}: exit {p.returncode}, want {code}: {p.stderr}")
    p = run(["run", "--hosts", hosts, "--resume", out])
    check(p.returncode == 2 and "--resume" in p.stderr, f"--resume: {p.stderr}")
    check(set(glob.glob("/tmp/jb-fleet*")) == before, "a temporary directory was left behind")
    print("ok")


tmp = tempfile.mkdtemp(prefix="jb-fleettest-")
state = {}
try:
    main(tmp, state)
finally:
    if state.get("sshd"):
        state["sshd"].terminate()
        try:
            state["sshd"].wait(timeout=5)
        except subprocess.TimeoutExpired:
            state["sshd"].kill()
            state["sshd"].wait()
    if state.get("made_run_sshd"):
        shutil.rmtree("/run/sshd", ignore_errors=True)
    shutil.rmtree(tmp, ignore_errors=True)
