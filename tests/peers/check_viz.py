"""The heat maps' colour map (viridis in lib/viz/images.cpp, its table in viz/viridis_table.h) against
matplotlib's own viridis, through tests/peers/peers_probe.cpp (mis_peers_probe viridis):

  every one of the 256 entries (at each bin's centre), both sides of   matplotlib.colormaps["viridis"],
  every bin edge (k / 256 and the float32 just below), 0, 1, values    float32 rounding (1e-6 relative)
  outside [0, 1] (clipped), and 10,000 uniform random values

NaN differs by design: matplotlib paints it the "bad" colour (transparent), mis-spectral as 0.
Usage: check_viz.py PATH/TO/mis_peers_probe
"""
import os

import matplotlib
import numpy as np

import common


def check():
    probe = common.binary()
    work = common.scratch("viz")
    rng = np.random.default_rng(16)
    edges = np.arange(257, dtype=np.float32) / 256
    cases = {
        "bin centres": ((np.arange(256, dtype=np.float32) + 0.5) / 256).reshape(16, 16),
        "bin edges": edges[None, :],
        "just below the edges": np.nextafter(edges, np.float32(-1))[None, 1:],
        "ends and outside": np.array([[0, 1, -0.5, 1.5, -1e30, 1e30, 1e-30, 1 - 2 ** -24]], np.float32),
        "random": rng.random((100, 100), dtype=np.float32),
    }
    names = {f"a{i}": label for i, label in enumerate(cases)}
    np.savez(os.path.join(work, "in.npz"), **{k: cases[v] for k, v in names.items()})
    common.run(probe, "viridis", os.path.join(work, "in.npz"), os.path.join(work, "out.npz"))
    ours = np.load(os.path.join(work, "out.npz"))
    cmap = matplotlib.colormaps["viridis"]
    t = common.Tally(f"viridis: mis-spectral vs matplotlib {matplotlib.__version__}")
    t.equal("entries in the colour map", "N", 256, cmap.N)
    for key, label in names.items():
        t.close_all(f"RGB, {label}", label, ours[key], cmap(cases[label])[..., :3], rel=1e-6, abs_tol=1e-7)
    return t


if __name__ == "__main__":
    common.main(check)
