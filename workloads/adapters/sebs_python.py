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

import os  # noqa: E402 (after the clock: the adapter's imports are its own)
import sys  # noqa: E402

try:
    # importlib.util's two functions, from the import system's own modules, which every
    # CPython has loaded before the first line runs (importlib._bootstrap and
    # _bootstrap_external are these): importing importlib.util (contextlib, collections)
    # cost 3-4 ms of a cold start where Debian's python3 starts in 10, importlib 0.7 ms.
    module_from_spec = sys.modules["_frozen_importlib"].module_from_spec
    spec_from_file_location = sys.modules["_frozen_importlib_external"].spec_from_file_location
except (KeyError, AttributeError):  # an interpreter laid out otherwise
    from importlib.util import module_from_spec, spec_from_file_location  # noqa: E402


def load(path):
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    spec = spec_from_file_location("function", path)
    mod = module_from_spec(spec)
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


def codec():
    """decode(text) and encode(value) as json.loads and json.dumps(allow_nan=False) do.

    json.dumps and json.loads run CPython's C accelerator _json; the json package around it
    imports re and enum, 5-10 ms of a cold start where Debian's python3 starts in 10 (the
    functions benchmark). So _json is called as json calls it, checked on a sample at
    start; where it is missing or answers otherwise (another interpreter or version), and
    for any text the fast path does not take whole, json itself does the work.
    """
    def slow():
        import json
        return json.loads, json.JSONEncoder(allow_nan=False).encode

    try:
        import _json

        class Context:  # json.decoder.JSONDecoder's attributes that _json reads
            strict = True
            object_hook = object_pairs_hook = None
            parse_float, parse_int = float, int
            parse_constant = {"-Infinity": float("-inf"), "Infinity": float("inf"),
                              "NaN": float("nan")}.__getitem__

        scan, quote = _json.make_scanner(Context()), _json.encode_basestring_ascii

        def default(o):  # json.JSONEncoder.default's error
            raise TypeError(f"Object of type {o.__class__.__name__} is not JSON serializable")

        def decode(text):
            t = text.strip(" \t\n\r")
            try:
                value, end = scan(t, 0)
                if end == len(t):
                    return value
            except Exception:
                pass
            return slow()[0](text)  # json's own value, or its error

        def encode(value):
            if isinstance(value, str):
                return quote(value)
            # A new encoder per value: its circular-reference markers start empty.
            return "".join(_json.make_encoder({}, default, quote, None, ": ", ", ", False,
                                              False, False)(value, 0))

        sample = '{"a": [1, -2.5e-07, "\\u00e9\\n", null, true, false], "b": {}}'
        if encode(decode(sample)) != sample:
            return slow()
        return decode, encode
    except Exception:
        return slow()


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: sebs_python.py HANDLER_FILE")
    channel = sys.stdout
    sys.stdout = sys.stderr
    decode, encode = codec()
    handler = load(sys.argv[1])
    channel.write(f"jb-adapter-ready {START_NS} {time.monotonic_ns()}\n")
    channel.flush()
    for line in sys.stdin:
        event = decode(line)
        try:
            text = encode(handler(event))
        except Exception as e:  # the row reports it; the function stays warm
            text = encode({"errorType": type(e).__name__, "errorMessage": str(e)})
        channel.write(text + "\n")
        channel.flush()


if __name__ == "__main__":
    main()
