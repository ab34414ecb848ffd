"""Shows that each peer check can fail: runs it against a wrapper of the binary that changes one
number (or one convention) in what a command writes, and requires the check to fail naming it.
Not part of `make peers` (it runs every check once per mutant); run it after changing a check:

    .venv/bin/python tests/peers/mutants.py BUILD_DIR [MUTANT...]   (BUILD_DIR as for run.sh)
"""
import atexit
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

# name -> (check, what the failure must mention, the mutation: applied by the wrapper below)
MUTANTS = {
    "hd95 x (1 + 2e-6)": ("metrics", "hd95 (mm) vs medpy.hd95"),
    "both-empty dsc 1 instead of null": ("metrics", "both empty: dsc null"),
    "--hd95 monai computed as medpy's pooled percentile": ("metrics", "hd95 --hd95 monai"),
    "--compat transunet HD95 in mm": ("metrics", "--compat transunet hd95 (voxels)"),
    "summary mean dsc x (1 + 2e-6)": ("metrics", "foreground mean dsc"),
    "Wilcoxon p x (1 + 1e-8)": ("stats", "Wilcoxon p"),
    "sample sd -> population sd": ("stats", "sample sd over seeds"),
    "ECE x (1 + 2e-6)": ("calibration", "ECE vs torchmetrics"),
    "temperature x (1 + 3e-4)": ("calibration", "T vs LBFGS"),
    "one pixel moved to the next bin": ("calibration", "bin counts"),
    "spectral: real-imag computed as complex": ("spectral", "mode real-imag"),
    "spectral: one gradient element x (1 + 1e-7)": ("spectral", "d loss / d logits (float64)"),
    "spectral: background always included": ("spectral", "background off"),
    "noise: level 0 not the identity (one voxel 1 ulp off)": ("noise", "level 0: output identical"),
    "noise: gaussian sd x 1.05": ("noise", "gaussian: residual sd"),
    "noise: gaussian from another stream (numpy normal, same sd)": ("noise", "gaussian: replay"),
    "noise: gaussian, one voxel x (1 + 5e-7)": ("noise", "gaussian: replay"),
    "noise: salt_pepper level x 1.25": ("noise", "salt_pepper: fraction replaced"),
    "noise: salt_pepper always salt (hi)": ("noise", "salt_pepper: share set to hi"),
    "noise: speckle on x instead of x - lo": ("noise", "speckle: (x' - x)/((x - lo) level) sd"),
    "noise: poisson clipped to hi": ("noise", "poisson: replay"),
    "noise: poisson with P = 1/level": ("noise", "poisson: sum((k - uP)^2) = sum(uP)"),
    "noise: blur sigma x 1.02": ("noise", "blur vs scipy.ndimage.gaussian_filter"),
    "noise: blur with scipy's 'mirror' border": ("noise", "blur vs scipy.ndimage.gaussian_filter"),
    "noise: gamma exponent 1/(1 + level)": ("noise", "gamma: lo + R u^(1 + level)"),
    "noise: seed ignored (always 0)": ("noise", "gaussian: replay"),
    "noise: corruption_seed ignores the case id": ("noise", "another seed (case_b vs case_a)"),
    "transunet: root kernel read as [w, h, i, o] (not flipped)": ("transunet", "skip/2"),
    "transunet: query and key of block 5 exchanged": ("transunet", "hidden/5"),
    "transunet: class token's position embedding kept (grid shifted by one)": ("transunet", "embeddings"),
    "transunet: projection GroupNorm scale of block2/unit1 given to gn3": ("transunet", "skip/0"),
    "viz: lookup rounds to the nearest entry (floor(255 v + 0.5))": ("viz", "RGB"),
}

WRAPPER = r'''#!{python}
import json, subprocess, sys
real, mutant = {real!r}, {mutant!r}
args = sys.argv[1:]
if mutant == "--hd95 monai computed as medpy's pooled percentile" and "monai" in args:
    args[args.index("monai")] = "medpy"
if mutant == "--compat transunet HD95 in mm" and "transunet" in args:
    args[args.index("transunet")] = "nnunet"
if args[0] == "spectral":  # mis_peers_probe spectral IN JOBS OUT
    jobs = json.load(open(args[2]))
    for job in jobs:
        if mutant == "spectral: real-imag computed as complex" and job["mode"] == "real-imag":
            job["mode"] = "complex"
        if mutant == "spectral: background always included":
            job["include_background"] = True
    json.dump(jobs, open(args[2], "w"))
    rc = subprocess.call([real] + args)
    if rc == 0 and mutant == "spectral: one gradient element x (1 + 1e-7)":
        import numpy as np
        out = dict(np.load(args[3]))
        g = out["j0/grad"]
        g.flat[int(abs(g).argmax())] *= 1 + 1e-7
        np.savez(args[3], **out)
    sys.exit(rc)
if args[0] == "transunet":  # mis_peers_probe transunet PRESET WEIGHTS IN OUT: a loader mistake, replayed on the file
    import numpy as np
    w = dict(np.load(args[2]))
    if mutant.startswith("transunet: root kernel"):
        w["conv_root/kernel"] = np.ascontiguousarray(w["conv_root/kernel"].transpose(1, 0, 2, 3))
    if mutant.startswith("transunet: query and key"):
        b = "Transformer/encoderblock_5/MultiHeadDotProductAttention_1/"
        for leaf in ("kernel", "bias"):
            w[b + "query/" + leaf], w[b + "key/" + leaf] = w[b + "key/" + leaf], w[b + "query/" + leaf]
    if mutant.startswith("transunet: class token"):
        pos = w["Transformer/posembed_input/pos_embedding"]
        w["Transformer/posembed_input/pos_embedding"] = np.concatenate([pos[:, -1:], pos[:, :-1]], 1)
    if mutant.startswith("transunet: projection GroupNorm"):
        w["block2/unit1/gn3/scale"] = w["block2/unit1/gn_proj/scale"].copy()
    mutated = args[2] + ".mutant.npz"
    np.savez(mutated, **w)
    sys.exit(subprocess.call([real, args[0], args[1], mutated] + args[3:]))
if args[0] == "viridis":  # mis_peers_probe viridis IN OUT
    import numpy as np
    from matplotlib import _cm_listed
    table = np.asarray(_cm_listed._viridis_data, np.float32)
    inp = dict(np.load(args[1]))
    out = dict((k, table[np.floor(np.clip(v, 0, 1) * 255 + 0.5).astype(int)]) for k, v in inp.items())
    np.savez(args[2], **out)
    sys.exit(0)
if args[0] == "corrupt":  # mis_peers_probe corrupt IN JOBS OUT
    import numpy as np
    from scipy import ndimage
    jobs = json.load(open(args[2]))
    for job in jobs:
        if mutant == "noise: salt_pepper level x 1.25" and job["type"] == "salt_pepper":
            job["level"] = min(1.0, job["level"] * 1.25)
        if mutant == "noise: poisson with P = 1/level" and job["type"] == "poisson":
            job["level"] = job["level"] ** 0.5
        if mutant == "noise: blur sigma x 1.02" and job["type"] == "blur":
            job["level"] *= 1.02
        if mutant == "noise: seed ignored (always 0)":
            job["seed"] = 0
            job.pop("case", None)
        if mutant == "noise: corruption_seed ignores the case id" and "case" in job:
            job["case"] = "same"
    json.dump(jobs, open(args[2], "w"))
    rc = subprocess.call([real] + args)
    if rc != 0:
        sys.exit(rc)
    inp, out = dict(np.load(args[1])), dict(np.load(args[3]))
    first = True
    for job in json.load(open(args[2])):
        x = inp[job["input"]].astype(np.float64)
        o = out[job["name"]].astype(np.float64)
        lo, hi, kind, level = x.min(), x.max(), job["type"], job["level"]
        if level == 0 or hi == lo:
            if mutant.startswith("noise: level 0") and level == 0 and first:
                out[job["name"]].flat[0] = np.nextafter(out[job["name"]].flat[0], np.float32(np.inf))
                first = False
            continue
        r = hi - lo
        if kind == "gaussian" and mutant == "noise: gaussian sd x 1.05":
            o = x + 1.05 * (o - x)
        if kind == "gaussian" and mutant == "noise: gaussian from another stream (numpy normal, same sd)":
            o = x + np.random.default_rng(1).normal(0, level * r, x.shape)
        if kind == "gaussian" and mutant == "noise: gaussian, one voxel x (1 + 5e-7)" and first:
            o.flat[0] *= 1 + 5e-7
            first = False
        if kind == "salt_pepper" and mutant == "noise: salt_pepper always salt (hi)":
            o[(o == lo) & (x != lo)] = hi
        if kind == "speckle" and mutant == "noise: speckle on x instead of x - lo":
            ok = x != lo
            o[ok] = x[ok] + (o - x)[ok] * x[ok] / (x - lo)[ok]
        if kind == "poisson" and mutant == "noise: poisson clipped to hi":
            o = np.minimum(o, hi)
        if kind == "blur" and mutant == "noise: blur with scipy's 'mirror' border":
            for c in range(x.shape[0]):
                for z in range(x.shape[1]):
                    o[c, z] = ndimage.gaussian_filter(x[c, z], level, mode="mirror", truncate=4.0)
        if kind == "gamma" and mutant == "noise: gamma exponent 1/(1 + level)":
            o = lo + r * np.clip((x - lo) / r, 0, 1) ** (1 / (1 + level))
        out[job["name"]] = o.astype(np.float32)  # float32 values round-trip: unchanged where not mutated
    np.savez(args[3], **out)
    sys.exit(0)
rc = subprocess.call([real] + args)
out = None
for flag in ("-o", "--out"):
    if flag in args:
        out = args[args.index(flag) + 1]
cmd = args[0]
if rc != 0 or out is None or cmd not in ("score", "report", "eval", "calibrate"):
    sys.exit(rc)
if cmd == "report":
    out += "/report.json"
doc = json.load(open(out))
if cmd == "score" and "--compat" in sys.argv and sys.argv[sys.argv.index("--compat") + 1] == "transunet":
    if mutant == "--compat transunet HD95 in mm":  # nnunet's numbers, passed off as transunet's
        doc["convention"] = "transunet"
e = doc["evaluations"][0] if "evaluations" in doc else None
def first(pred):
    for c in e["cases"]:
        for m in c["metrics"].values():
            if pred(m):
                return m
if cmd == "score" and sys.argv[sys.argv.index("--compat") + 1] == "nnunet" and \
        sys.argv[sys.argv.index("--hd95") + 1] == "medpy":
    if mutant == "hd95 x (1 + 2e-6)":
        m = first(lambda m: isinstance(m["hd95"], float) and m["hd95"] > 0)
        m["hd95"] *= 1 + 2e-6
    if mutant == "both-empty dsc 1 instead of null":
        first(lambda m: m["reference_voxels"] == 0 and m["predicted_voxels"] == 0)["dsc"] = 1.0
    if mutant == "summary mean dsc x (1 + 2e-6)":
        e["summary"]["mean"]["dsc"] *= 1 + 2e-6
if cmd == "report":
    head = next(t for t in doc["tables"] if t["id"] == "headline")
    for row in head["rows"]:
        if mutant == "Wilcoxon p x (1 + 1e-8)" and isinstance(row[5], dict):
            row[5]["value"] *= 1 + 1e-8
            break
        if mutant == "sample sd -> population sd" and isinstance(row[2], dict) and row[2]["sd"] is not None \
                and row[2]["n"] > 1:
            n = row[2]["n"]
            row[2]["sd"] *= ((n - 1) / n) ** 0.5
            break
if cmd in ("eval", "calibrate"):
    if mutant == "ECE x (1 + 2e-6)" and cmd == "eval":
        e["calibration"]["ece"] *= 1 + 2e-6
    if mutant == "temperature x (1 + 3e-4)" and cmd == "calibrate":
        doc["temperature"]["temperature"] *= 1 + 3e-4
    if mutant == "one pixel moved to the next bin" and cmd == "eval":
        count = e["calibration"]["bins"]["count"]
        b = next(i for i, c in enumerate(count) if c > 0)
        count[b] -= 1
        count[b + 1] += 1
json.dump(doc, open(out, "w"))
'''


def main():
    build = os.path.abspath(sys.argv[1])
    real, probe = os.path.join(build, "mis-spectral"), os.path.join(build, "tests", "mis_peers_probe")
    only = sys.argv[2:]
    survived = []
    for name, (check, expected) in MUTANTS.items():
        if only and name not in only:
            continue
        d = tempfile.mkdtemp(prefix="mis_mutant_")
        atexit.register(shutil.rmtree, d, True)
        wrapper = os.path.join(d, "mis-spectral")
        target = probe if check in ("spectral", "noise", "transunet", "viz") else real
        with open(wrapper, "w") as f:
            f.write(WRAPPER.format(python=sys.executable, real=target, mutant=name))
        os.chmod(wrapper, os.stat(wrapper).st_mode | stat.S_IEXEC)
        p = subprocess.run([sys.executable, os.path.join(HERE, f"check_{check}.py"), wrapper],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        fail_line = next((l for l in p.stdout.splitlines() if l.startswith("FAIL")), "")
        caught = p.returncode != 0 and expected in fail_line
        print(f"{'caught  ' if caught else 'SURVIVED'} {name}: check_{check}.py -> {fail_line or 'passed'}")
        if not caught:
            survived.append(name)
    if survived:
        print(f"{len(survived)} mutant(s) survived: {survived}")
        sys.exit(1)
    print("every mutant was caught")


if __name__ == "__main__":
    main()
