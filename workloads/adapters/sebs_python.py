# SPDX-License-Identifier: MIT
"""joulebench's adapter for a SeBS-style Python handler (docs/functions.md, protocol 1).

usage: python3 sebs_python.py HANDLER_FILE

Loads HANDLER_FILE as the module `function` (its directory first on sys.path, as SeBS's
wrappers import `function.handler`), then reads one JSON event per line on stdin and
writes the JSON of `handler(event)` as one line on stdout. An exception in the handler
is the line {"errorType": ..., "errorMessage": ...} (the shape AWS Lambda uses), and the
process serves the next event. What the handler prints goes to stderr, so it cannot
corrupt the protocol channel. An import that fails ends the process with the module
that is missing on stderr.

Once the handler is loaded, and before the first event, it says so to joulebench-fn on
stdout: `jb-adapter-ready START_NS LOADED_NS`, CLOCK_MONOTONIC when this file began to run
(the interpreter had started) and when the handler's module was loaded (its imports
done), so that a cold row can tell the runtime's start from the handler's import.
"""
import time

START_NS = time.monotonic_ns()

import importlib.util  # noqa: E402 (after the clock: the adapter's imports are its own)
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402


def load(path):
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    spec = importlib.util.spec_from_file_location("function", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["function"] = mod
    try:
        spec.loader.exec_module(mod)
    except ModuleNotFoundError as e:
        sys.exit(f"sebs_python: {path} needs module '{e.name}', which {sys.executable} "
                 f"cannot import (install it for that interpreter, or name another with "
                 f"--interpreter)")
    handler = getattr(mod, "handler", None)
    if not callable(handler):
        sys.exit(f"sebs_python: {path} defines no function handler(event)")
    return handler


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: sebs_python.py HANDLER_FILE")
    channel = sys.stdout
    sys.stdout = sys.stderr
    handler = load(sys.argv[1])
    channel.write(f"jb-adapter-ready {START_NS} {time.monotonic_ns()}\n")
    channel.flush()
    # One encoder for all events: json.dumps(..., allow_nan=False) built one per call.
    encode = json.JSONEncoder(allow_nan=False).encode
    for line in sys.stdin:
        event = json.loads(line)
        try:
            text = encode(handler(event))
        except Exception as e:  # the row reports it; the function stays warm
            text = json.dumps({"errorType": type(e).__name__, "errorMessage": str(e)})
        channel.write(text + "\n")
        channel.flush()


if __name__ == "__main__":
    main()
