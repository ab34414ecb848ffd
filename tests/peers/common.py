"""Shared by the peer checks (tests/peers/README.md): run the binary, compare numbers, tell
what was compared, fail on the first disagreement."""
import atexit
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np


def binary():
    """The mis-spectral binary: argv[1], else $MIS_BIN."""
    path = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("MIS_BIN", "")
    if not path or not os.access(path, os.X_OK):
        sys.exit(f"usage: {sys.argv[0]} PATH/TO/mis-spectral  (got '{path}')")
    return os.path.abspath(path)


def run(bin_path, *args):
    """Runs `BINARY ARGS` (mis-spectral or mis_peers_probe); on failure prints its output and exits 1."""
    cmd = [bin_path, *map(str, args)]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        print(f"FAIL: {' '.join(cmd)} exited {p.returncode}:\n{p.stdout}")
        sys.exit(1)
    return p.stdout


def scratch(name):
    """A temporary folder, removed at exit unless MIS_PEERS_KEEP is set (to look at the cases)."""
    path = tempfile.mkdtemp(prefix=f"mis_peers_{name}_")
    if os.environ.get("MIS_PEERS_KEEP"):
        print(f"(keeping {path})")
    else:
        atexit.register(shutil.rmtree, path, True)
    return path


def load(path):
    with open(path) as f:
        return json.load(f)


class Mismatch(Exception):
    pass


class Tally:
    """Counts agreeing values per (what, peer); the first disagreement raises Mismatch with its case."""

    def __init__(self, title):
        self.title = title
        self.counts = {}
        self.worst = {}  # what -> the largest share of its tolerance an agreeing value used

    def _count(self, what):
        self.counts[what] = self.counts.get(what, 0) + 1

    def close(self, what, case, ours, theirs, rel=1e-6, abs_tol=1e-12):
        """ours == theirs to `rel` relative (and `abs_tol` absolute, for zeros); None/NaN only with None/NaN."""
        def missing(v):
            return v is None or (isinstance(v, float) and math.isnan(v))
        if missing(ours) or missing(theirs):
            ok = missing(ours) and missing(theirs)
        else:
            ours, theirs = float(ours), float(theirs)
            if math.isinf(ours) or math.isinf(theirs):
                ok = ours == theirs
            else:
                diff = abs(ours - theirs)
                allowed = max(rel * max(abs(ours), abs(theirs)), abs_tol)
                ok = diff <= allowed
                if ok and diff > 0:
                    self.worst[what] = max(self.worst.get(what, 0.0), diff / allowed)
        if not ok:
            raise Mismatch(f"{what}: {case}: mis-spectral {ours!r} vs peer {theirs!r} (tolerance {rel:g} relative)")
        self._count(what)

    def close_all(self, what, case, ours, theirs, rel=1e-6, abs_tol=1e-12):
        """close() for every element of two arrays of one shape (vectorised); the first disagreeing
        element raises Mismatch with its index. Counts one value per element."""
        ours, theirs = np.asarray(ours, np.float64), np.asarray(theirs, np.float64)
        if ours.shape != theirs.shape:
            raise Mismatch(f"{what}: {case}: mis-spectral shape {ours.shape} vs peer {theirs.shape}")
        diff = np.abs(ours - theirs)
        allowed = np.maximum(rel * np.maximum(np.abs(ours), np.abs(theirs)), abs_tol)
        bad = ~(diff <= allowed)
        if bad.any():
            idx = np.unravel_index(int(np.argmax(bad)), bad.shape)
            raise Mismatch(f"{what}: {case}, element {tuple(int(i) for i in idx)}: mis-spectral "
                           f"{ours[idx]!r} vs peer {theirs[idx]!r} (tolerance {rel:g} relative, {abs_tol:g} absolute)")
        if diff.size and diff.max() > 0:
            self.worst[what] = max(self.worst.get(what, 0.0), float((diff / allowed).max()))
        self.counts[what] = self.counts.get(what, 0) + diff.size

    def within(self, what, case, value, expected, bound):
        """|value - expected| <= bound (a statistic against its sampling bound)."""
        if not abs(value - expected) <= bound:
            raise Mismatch(f"{what}: {case}: mis-spectral {value!r} vs expected {expected!r} +- {bound:.3g}")
        if bound > 0:
            self.worst[what] = max(self.worst.get(what, 0.0), abs(value - expected) / bound)
        self._count(what)

    def equal(self, what, case, ours, theirs):
        if ours != theirs:
            raise Mismatch(f"{what}: {case}: mis-spectral {ours!r} vs peer {theirs!r} (must be equal)")
        self._count(what)

    def report(self):
        total = sum(self.counts.values())
        print(f"{self.title}: {total} values agreed")
        for what, n in self.counts.items():
            worst = f"  (at most {self.worst[what]:.1e} of the tolerance)" if what in self.worst else ""
            print(f"  {n:6d}  {what}{worst}")


def main(check):
    """Runs check() -> Tally, prints the counts, exits 1 with the first mismatch."""
    try:
        tally = check()
    except Mismatch as e:
        print(f"FAIL: {e}")
        sys.exit(1)
    tally.report()
    if not tally.counts:
        print("FAIL: nothing was compared")
        sys.exit(1)
