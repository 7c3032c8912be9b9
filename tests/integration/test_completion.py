# SPDX-License-Identifier: MIT
"""bash completion (completion/joulebench) in a real bash with bash-completion loaded: set
COMP_WORDS/COMP_CWORD as readline would, call the completion function, read COMPREPLY. The
expected words are computed here from the binary under test (`joulebench --help`,
`joulebench COMMAND --help`, `joulebench list --names KIND`), so the test checks that the
script offers exactly what joulebench has, with no copy of its names. JB_COMPLETION names
the script (installed: /usr/share/bash-completion/completions/joulebench)."""
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jbtest import JOULEBENCH, check, run, skip  # noqa: E402

BASH_COMPLETION = "/usr/share/bash-completion/bash_completion"


def complete(script, words):
    """COMPREPLY for the command line WORDS (the last one is being completed)."""
    arr = " ".join(shlex.quote(w) for w in words)
    prog = f"""
source {shlex.quote(BASH_COMPLETION)}
source {shlex.quote(script)}
COMP_WORDS=({arr})
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_LINE="${{COMP_WORDS[*]}}"
COMP_POINT=${{#COMP_LINE}}
COMPREPLY=()
_joulebench joulebench "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    # In an empty directory: file-name completion (-o, --runtime PATH) must add nothing.
    with tempfile.TemporaryDirectory(prefix="jb-compl-") as cwd:
        p = subprocess.run(["bash", "--norc", "--noprofile", "-c", prog], capture_output=True,
                           text=True, timeout=60, cwd=cwd)
    check(p.returncode == 0, f"bash failed on {words}: {p.stderr}")
    return sorted(w for w in p.stdout.splitlines() if w)


def names(kind):
    p = run(["list", "--names", kind])
    check(p.returncode == 0 and p.stdout.split(), f"list --names {kind}: {p.returncode}")
    return p.stdout.split()


def options(cmd):
    """The long options that --help's option lines begin with (not those its prose names)."""
    out = set()
    for line in run([cmd, "--help"]).stdout.splitlines():
        m = re.match(r"\s+(?:-[a-zA-Z],\s*)?(--[a-zA-Z][a-zA-Z0-9-]*)", line)
        if m:
            out.add(m.group(1))
    return out


def main():
    if not shutil.which("bash"):
        skip("bash is not installed")
    if not os.path.exists(BASH_COMPLETION):
        skip(f"{BASH_COMPLETION} is missing (apt-get install bash-completion)")
    script = os.path.abspath(os.environ.get("JB_COMPLETION", "completion/joulebench"))
    check(os.path.exists(script), f"no completion script {script}")
    jb = os.path.abspath(shutil.which(JOULEBENCH) or JOULEBENCH)

    out = run(["--help"]).stdout
    cmds = [ln.split()[0] for ln in out.split("commands:\n", 1)[1].split("\n\n")[0].splitlines()]
    got = complete(script, [jb, ""])
    check(got == sorted(cmds + ["--help", "--version"]), f"commands: {got}, want {cmds}")
    check(complete(script, [jb, "rep"]) == ["report"], "'rep' does not complete to report")
    check(complete(script, [jb, "zzz"]) == [], "'zzz' completes to something")

    cases = [
        (["run", "-w", ""], names("workloads") + ["all"]),
        (["run", "--workload", "m"], [w for w in names("workloads") + ["all"] if w.startswith("m")]),
        (["run", "-s", ""], names("sizes")),
        (["compare", "--size", "s"], [s for s in names("sizes") if s.startswith("s")]),
        (["run", "-d", ""], names("drivers")),
        (["run", "-m", ""], names("meters") + ["auto"]),
        (["run", "--runtime", "zz-"], []),
        (["run", "--runtime", "r"], [r for r in names("runtimes") if r.startswith("r")]),
        (["compare", "--drivers", "pinned,"], ["pinned," + d for d in names("drivers")]),
        (["run", "-w", "matmul,s"], ["matmul," + w for w in names("workloads")
                                     if w.startswith("s")]),
    ]
    for words, want in cases:
        got = complete(script, [jb] + words)
        check(got == sorted(want), f"{' '.join(words)!r}: got {got}, want {sorted(want)}")
    check(names("runtimes"), "no runtimes listed")

    for cmd in cmds:
        want = options(cmd)
        got = set(complete(script, [jb, cmd, "--"]))
        check(got == want, f"{cmd} --: got {sorted(got)}, want {sorted(want)}")
    print(f"completion: {len(cmds)} commands, their options and {len(cases)} name cases agree "
          f"with the binary")


if __name__ == "__main__":
    main()
