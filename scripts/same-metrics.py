#!/usr/bin/env python3
"""Do two results folders hold the same numbers? (issue 17: a refactoring must leave `make demo`'s
metrics identical.)

Usage: scripts/same-metrics.py A B
  A, B: results folders (an experiment's results/NAME, or a `make demo` folder).

Compares, for every result JSON present in both (matched by relative path), the "evaluations"
blocks (per-case metrics, summaries, calibration) and every run's train_log.jsonl (losses per
step); timings, dates, runtime descriptions and absolute paths are not compared. Prints one line
per file and exits 1 on the first difference, naming the file and the JSON path.
"""
import json
import os
import sys

IGNORED_KEYS = {"seconds", "created", "runtime", "elapsed_seconds", "seconds_per_step", "images", "location",
                "checkpoint_file", "wall_seconds", "time", "timestamp", "elapsed_s", "images_per_s"}


def first_difference(a, b, path=""):
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key in IGNORED_KEYS:
                continue
            if key not in a or key not in b:
                return f"{path}/{key}: only in {'B' if key not in a else 'A'}"
            found = first_difference(a[key], b[key], f"{path}/{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} vs {len(b)} entries"
        for i, (x, y) in enumerate(zip(a, b)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if a == b else f"{path}: {a!r} vs {b!r}"


def files_under(root, suffixes):
    for folder, _, names in os.walk(root):
        for name in names:
            if name.endswith(suffixes):
                yield os.path.relpath(os.path.join(folder, name), root)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    a_root, b_root = sys.argv[1:]
    compared = 0
    for rel in sorted(files_under(a_root, (".json", ".jsonl"))):
        other = os.path.join(b_root, rel)
        if not os.path.exists(other):
            continue
        with open(os.path.join(a_root, rel)) as fa, open(other) as fb:
            if rel.endswith(".jsonl"):
                a = [json.loads(line) for line in fa if line.strip()]
                b = [json.loads(line) for line in fb if line.strip()]
            else:
                a, b = json.load(fa), json.load(fb)
                if not (isinstance(a, dict) and "evaluations" in a):
                    continue
                a, b = a["evaluations"], b["evaluations"]
        found = first_difference(a, b)
        if found:
            print(f"DIFFERENT {rel}: {found}")
            sys.exit(1)
        print(f"same      {rel}")
        compared += 1
    if compared == 0:
        sys.exit(f"no result files in common under {a_root} and {b_root}")
    print(f"{compared} files: identical metrics and training logs")


if __name__ == "__main__":
    main()
