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
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jbtest import JOULEBENCH, check, read_csv, read_meta, rows_so_far, run, skip, wait_for  # noqa: E402

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
    # sshd's privilege separation directory; made here if the system has none, and left
    # (an empty directory Debian's openssh-server makes at boot): removing it at the end
    # would break a concurrent run of this test, whose sshd needs it for every connection.
    if not os.path.isdir("/run/sshd"):
        os.makedirs("/run/sshd", mode=0o755)
    state["sshd"] = subprocess.Popen([SSHD, "-D", "-e", "-f", os.path.join(tmp, "sshd_config"),
                                      "-p", str(port)], stderr=open(os.path.join(tmp, "sshd.log"), "w"))
    def sshd_listens():
        check(state["sshd"].poll() is None,
              f"sshd exited: {open(os.path.join(tmp, 'sshd.log')).read()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            return False
    wait_for(sshd_listens, f"sshd to listen on port {port}", 30, 0.05)
    os.environ["JOULEBENCH_SSH"] = f"ssh -F {tmp}/ssh_config"
    # Other fleet tests may run at the same time: only the directories named in our own
    # runs' stderr are ours to check ("copying ... to /tmp/jb-fleet.XXXXXX"), and our local
    # ones go under a TMPDIR of our own.
    local = os.path.join(tmp, "local")
    os.makedirs(local)
    os.environ["TMPDIR"] = local
    ours = set()

    def note(text):
        ours.update(re.findall(r" to (/tmp/jb-fleet\.[A-Za-z0-9]+)\n", text))
        return text

    def left_behind():
        return [d for d in ours if os.path.exists(d)] + os.listdir(local)

    class Started:
        """A fleet run in the background whose stderr is read as it comes."""
        def __init__(self, argv, env=None):
            self.proc = subprocess.Popen([JOULEBENCH] + argv, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, text=True, env=env)
            self.err = []
            self.reader = threading.Thread(target=lambda: self.err.extend(self.proc.stderr))
            self.reader.start()

        def remote_pid(self):
            """The remote directory and the pid of the run in it, once it started."""
            def started():
                check(self.proc.poll() is None, f"the fleet run ended: {''.join(self.err)}")
                dirs = re.findall(r" to (/tmp/jb-fleet\.[A-Za-z0-9]+)\n", "".join(self.err))
                if dirs and os.path.exists(f"{dirs[0]}/pid") and open(f"{dirs[0]}/pid").read().strip():
                    return dirs[0]
                return None
            rdir = wait_for(started, lambda: "the remote run to start (its pid file): " +
                            "".join(self.err), 120, 0.05)
            ours.add(rdir)
            return rdir, int(open(f"{rdir}/pid").read())

        def wait(self, timeout):
            self.proc.wait(timeout=timeout)
            self.reader.join()
            return self.proc.returncode, note("".join(self.err))

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
    note(p.stderr)
    check(p.returncode == 0 and len(ours) == 2, f"fleet run: exit {p.returncode}: {p.stderr}")
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
    check(not left_behind(), f"a temporary directory was left behind: {left_behind()}")

    # SIGINT during the first host's run: the remote run is stopped like a local one (its
    # window finishes, its rows are kept and gathered), the second host is not started,
    # nothing is left on the "remote" side, exit 1.
    out2 = os.path.join(tmp, "stopped.csv")
    long_args = [a if a != out else out2 for a in args]
    long_args[long_args.index("-r") + 1] = "200"
    started = Started(long_args)
    rdir, rpid = started.remote_pid()
    wait_for(lambda: any(r["phase"] == "warm" for r in rows_so_far(f"{rdir}/run.csv")),
             "the remote run's first window (a warm row in its run.csv)", 60)
    started.proc.send_signal(signal.SIGINT)
    # The remote window finishes and its rows come back over ssh first: with other tests
    # beside it on a loaded 2-core machine that took over 30 s (scripts/test, issue 26).
    code, err = started.wait(120)
    check(code == 1 and "interrupted" in err, f"SIGINT: {code}: {err}")
    meta = read_meta(out2)
    check(meta["ended"] == "interrupted" and meta["hosts"][0]["run"]["ended"] == "interrupted"
          and meta["hosts"][1]["exit"] == -1, f"sidecar after SIGINT: {meta}")
    rows = read_csv(out2)
    check(rows and all(r["host"] == f"127.0.0.1:{port}" for r in rows), "rows after SIGINT")
    check(not left_behind(), f"SIGINT left a temporary directory: {left_behind()}")
    check(not os.path.exists(f"/proc/{rpid}"), "SIGINT left the remote process")

    # --parallel 2: both hosts run at once (their rows' spans overlap); with both in one
    # group (a shared meter or power supply) they run one at a time even so.
    def spans(path):
        """Whether the two hosts' runs (their sidecars' start to end) overlapped."""
        hs = read_meta(path)["hosts"]
        check(len(hs) == 2 and all(h["run"] for h in hs), f"{path}: hosts {hs}")
        (a0, a1), (b0, b1) = [(h["run"]["started_unix_ns"], h["run"]["ended_unix_ns"]) for h in hs]
        return a0 < b1 and b0 < a1, f"{(a0 - b0) / 1e9:.2f} s apart, lasting {(a1 - a0) / 1e9:.2f} s"
    par = [a if a != out else os.path.join(tmp, "par.csv") for a in args]
    par[par.index("-r") + 1] = "3"
    par[par.index("--batch") + 1] = "300"
    par[par.index("--idle-s") + 1] = "2"
    # Both at once, seen as it happens rather than assumed from how long a run lasts
    # (under load the hosts' starts drift apart by seconds): each remote run's first
    # sidecar says "running" while the other's does too, in an idle baseline of 600 s
    # that neither leaves by itself; then SIGINT.
    longer = list(par)
    longer[longer.index("--idle-s") + 1] = "600"
    started = Started(longer + ["--parallel", "2", "--run-id", "par-1"])

    def both_running():
        dirs = set(re.findall(r" to (/tmp/jb-fleet\.[A-Za-z0-9]+)\n", "".join(started.err)))
        ours.update(dirs)
        ended = []
        for d in dirs:
            try:
                ended.append(json.load(open(f"{d}/run.meta.json"))["ended"])
            except (OSError, ValueError):
                ended.append(None)
        return ended == ["running", "running"]
    wait_for(both_running, lambda: "both hosts' runs at once (each remote sidecar "
             f"'running'): {''.join(started.err)}", 120)
    started.proc.send_signal(signal.SIGINT)
    code, err = started.wait(60)
    check(code == 1 and "interrupted" in err, f"--parallel 2, SIGINT: {code}: {err}")
    check(all(h["run"]["run_id"] == "par-1"
              for h in read_meta(os.path.join(tmp, "par.csv"))["hosts"]),
          "--run-id: each host's own run id")
    overlap, how = spans(os.path.join(tmp, "par.csv"))
    check(overlap, f"--parallel 2: the hosts did not overlap: {how}")
    grouped = os.path.join(tmp, "grouped")
    with open(grouped, "w") as f:
        f.write(f"root@127.0.0.1:{port} group=psu1\nlocalhost:{port} {arch} group=psu1\n")
    par[par.index("--hosts") + 1] = grouped
    p = run(par + ["--parallel", "2", "--force", "--run-id", "par-1"], timeout=120)
    note(p.stderr)
    check(p.returncode == 0, f"a group: exit {p.returncode}: {p.stderr}")
    rows = read_csv(os.path.join(tmp, "par.csv"))
    check({r["run_id"] for r in rows} == {"par-1"}, "--run-id: the run id of the rows")
    overlap, how = spans(os.path.join(tmp, "par.csv"))
    check(not overlap, f"hosts of one group overlapped: {how}")
    check(not left_behind(), f"--parallel left a temporary directory: {left_behind()}")

    # A host that drops mid-run (its sshd session stopped: no packet answers) is a failed
    # host once the keep-alives go unanswered, not a hang. The test shortens them to 1 s x 2
    # ($JOULEBENCH_SSH's options come first and win; joulebench's own are 5 s x 3).
    one = os.path.join(tmp, "one")
    with open(one, "w") as f:
        f.write(f"root@127.0.0.1:{port}\n")
    drop = [a if a != out2 else os.path.join(tmp, "drop.csv") for a in long_args]
    drop[drop.index("--hosts") + 1] = one
    env = dict(os.environ, JOULEBENCH_SSH=os.environ["JOULEBENCH_SSH"] +
               " -o ServerAliveInterval=1 -o ServerAliveCountMax=2")
    started = Started(drop, env=env)
    rdir, remote_pid = started.remote_pid()
    sessions = subprocess.run(["pgrep", "-P", str(state["sshd"].pid)], capture_output=True,
                              text=True).stdout.split()
    kids = []
    for pid in sessions:
        kids += subprocess.run(["pgrep", "-P", pid], capture_output=True, text=True).stdout.split()
    stopped = [int(x) for x in sessions + kids]
    t0 = time.monotonic()
    for pid in stopped:
        os.kill(pid, signal.SIGSTOP)
    try:
        code, err = started.wait(60)
    finally:
        for pid in stopped:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
    took = time.monotonic() - t0
    check(code == 1 and "ssh failed during the run" in err and took < 30,
          f"dropped host: exit {code} after {took:.1f} s: {err}")
    check(os.path.exists(os.path.join(tmp, "drop.meta.json")), f"dropped: no sidecar: {err}")
    check(read_meta(os.path.join(tmp, "drop.csv"))["hosts"][0]["exit"] == 1, "dropped: exit")
    # The orphaned remote run (the host came back) is not the fleet's to stop: end it here.
    try:
        os.kill(remote_pid, signal.SIGTERM)
    except ProcessLookupError:
        pass

    def remote_ended():
        try:
            return rdir not in open(f"/proc/{remote_pid}/cmdline").read()
        except OSError:
            return True
    wait_for(remote_ended, "the dropped host's run to end after SIGTERM", 20)
    shutil.rmtree(rdir, ignore_errors=True)
    p = run(args + ["--parallel", "0"])
    check(p.returncode == 2 and "--parallel" in p.stderr, f"--parallel 0: {p.stderr}")
    p = run(args + ["--run-id", "x';reboot;'"])
    check(p.returncode == 2 and "--run-id" in p.stderr, f"--run-id with a quote: {p.stderr}")

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
    check(not left_behind(), f"a temporary directory was left behind: {left_behind()}")
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
    shutil.rmtree(tmp, ignore_errors=True)
