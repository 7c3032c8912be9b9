# SPDX-License-Identifier: MIT
"""A SeBS benchmark's input.py, called for joulebench (docs/functions.md).

usage: sebs_input.py generate DIR            the event for size $JB_SIZE, as JSON on stdout
       sebs_input.py validate DIR LANGUAGE   the function's output (JSON) on stdin, the
                                             event in $JB_EVENT: exit 0 when
                                             validate_output() returns None, else 1 with its
                                             reason on stdout

generate_input(data_dir, size, benchmarks_bucket, input_paths, output_paths, upload_func,
nosql_func) gets None for everything but the size: joulebench refuses benchmarks that use
SeBS's storage (config.json 'modules'), so nothing is uploaded.
"""
import importlib.util
import json
import os
import sys


def load(bench_dir):
    spec = importlib.util.spec_from_file_location("sebs_input",
                                                  os.path.join(bench_dir, "input.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "generate":
        mod = load(sys.argv[2])
        size = os.environ.get("JB_SIZE", "small")
        json.dump(mod.generate_input(None, size, None, None, None, None, None), sys.stdout)
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "validate":
        mod = load(sys.argv[2])
        event = json.loads(os.environ["JB_EVENT"])
        why = mod.validate_output(None, event, json.load(sys.stdin), sys.argv[3])
        if why is None:
            return 0
        print(why)
        return 1
    print("usage: sebs_input.py generate DIR | validate DIR LANGUAGE", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
