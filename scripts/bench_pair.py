#!/usr/bin/env python3
"""Times the C++ and the Python training step in lockstep and prints their ratio as JSON.

Both programs run with --paced: before each step they print "ready N" and wait for a line on
stdin. This script lets them take turns, one step each, flipping the order every round, so the
i-th C++ step and the i-th Python step run on the same machine state. On a shared machine the
step time drifts by tens of percent between runs minutes apart (measured on the 2-core VM of
results/bench/), which swamps a few-percent difference between two separate runs; the ratio of
paired steps cancels most of that drift. After its last step each program waits once more and is
let go (its stdin closed) one after the other, so that what it does next (the C++ bench times
inference) never runs beside the other's last step: before they waited, that overlap made the
last pair's second step up to 2.9x slower. Each program writes its own JSON (--json-out), from
which the per-step times are read.

Usage: bench_pair.py CPP_JSON PY_JSON --steps N --cpp "COMMAND" --py "COMMAND" [--cpp-report FILE]
  (the commands include --paced and --json-out CPP_JSON / PY_JSON themselves; see scripts/bench.sh)
Prints {"pairs", "ratio_median", "ratio_min", "ratio_max", "cpp_median_s", "python_median_s"},
where ratio = Python step time / C++ step time (above 1: C++ is faster).
"""
import argparse
import json
import shlex
import statistics
import subprocess
import sys
import tempfile


class Paced:
    """One --paced program: started, stepped, finished."""

    def __init__(self, name, command):
        self.name = name
        self.log = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(shlex.split(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, text=True, bufsize=1)

    def fail(self, why):
        self.proc.kill()
        self.log.seek(0)
        tail = self.log.read()[-2000:]
        sys.exit(f"bench_pair: {self.name}: {why}\n{tail}")

    def wait_ready(self, step):
        for line in self.proc.stdout:
            if line.strip() == f"ready {step}":
                return
        self.fail(f"exited (status {self.proc.wait()}) before step {step}")

    def go(self, step):
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()
        self.wait_ready(step + 1)

    def finish(self):
        """Lets the program run to its end; returns what it printed after its last step."""
        self.proc.stdin.close()
        rest = self.proc.stdout.read()
        if self.proc.wait() != 0:
            self.fail(f"exited with status {self.proc.returncode}")
        return rest


def step_seconds(report):
    """The timed steps of a mis-spectral bench report or of a pytorch_reference.py one."""
    return report["train"]["step_seconds"] if "train" in report else report["step_seconds"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cpp_json")
    ap.add_argument("py_json")
    ap.add_argument("--cpp", required=True, help="the mis-spectral bench command, with --paced")
    ap.add_argument("--py", required=True, help="the pytorch_reference.py command, with --paced")
    ap.add_argument("--steps", type=int, required=True, help="warm-up + timed steps both commands run")
    ap.add_argument("--cpp-report", help="file for what the C++ command prints after its steps (its table)")
    a = ap.parse_args()

    # One after the other, so neither's set-up (peak rates, imports) overlaps the other's.
    cpp = Paced("C++", a.cpp)
    cpp.wait_ready(0)
    py = Paced("Python", a.py)
    py.wait_ready(0)
    for step in range(a.steps):
        for program in ((cpp, py) if step % 2 == 0 else (py, cpp)):
            program.go(step)
    py.finish()
    report = cpp.finish()
    if a.cpp_report:
        with open(a.cpp_report, "w") as f:
            f.write(report)

    cpp_s, py_s = (step_seconds(json.load(open(f))) for f in (a.cpp_json, a.py_json))
    if len(cpp_s) != len(py_s) or not cpp_s:
        sys.exit(f"bench_pair: {len(cpp_s)} C++ and {len(py_s)} Python timed steps; expected the same number")
    ratios = [p / c for p, c in zip(py_s, cpp_s)]
    print(json.dumps({"pairs": len(ratios), "ratios": ratios, "ratio_median": statistics.median(ratios),
                      "ratio_min": min(ratios), "ratio_max": max(ratios),
                      "cpp_median_s": statistics.median(cpp_s), "python_median_s": statistics.median(py_s)}))


if __name__ == "__main__":
    main()
