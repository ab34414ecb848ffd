"""`mis-spectral score` against medpy, MONAI and nnU-Net v2 on random and adversarial mask pairs.

Writes 2-D and 3-D label maps (NIfTI with anisotropic spacing in the header, and PNG) with up to
three foreground classes, scores them with `score` under each convention and HD95 variant, and
compares every case and class with the peers' own functions, to 1e-6 relative:

  score (nnunet, medpy)  dsc, iou, sensitivity, precision, hd95 (mm)  medpy dc, jc, sensitivity, precision, hd95
                         dsc, iou, voxel counts, per-class and        nnU-Net v2 compute_metrics and the
                         foreground means                              summary.json of compute_metrics_on_folder
                         dsc, iou                                      MONAI DiceMetric, MeanIoU
  score (nnunet, monai)  hd95 (mm)                                     MONAI HausdorffDistanceMetric(percentile=95)
  score (transunet)      dsc, hd95 (voxels)                            medpy dc, hd95 without spacing, as TransUNet's
                                                                       calculate_metric_percase calls them

Where a peer's empty-mask convention differs (docs/peers.md), the check asserts the documented
difference instead: each case falls in exactly one row of that table.
Usage: check_metrics.py PATH/TO/mis-spectral
"""
import os
import warnings

import numpy as np
import SimpleITK as sitk
import torch
from medpy.metric import binary as medpy
from monai.metrics import DiceMetric, HausdorffDistanceMetric, MeanIoU
from monai.metrics.hausdorff_distance import _compute_percentile_hausdorff_distance
from monai.metrics.utils import get_edge_surface_distance
from nnunetv2.evaluation.evaluate_predictions import compute_metrics_on_folder, load_summary_json
from nnunetv2.imageio.simpleitk_reader_writer import SimpleITKIO
from scipy import ndimage

import common

K = 4  # background + three foreground classes
CLASSES = [str(k) for k in range(1, K)]  # score names classes by value without a dataset.json


# ---- mask pairs -------------------------------------------------------------------------------

def blob(rng, shape, fraction):
    """A smooth random region covering about `fraction` of the image."""
    noise = ndimage.gaussian_filter(rng.standard_normal(shape), sigma=[max(0.5, s / 6) for s in shape])
    return noise > np.quantile(noise, 1 - fraction)


def box(rng, shape):
    lo = [rng.integers(0, s) for s in shape]
    hi = [rng.integers(a, s) + 1 for a, s in zip(lo, shape)]
    m = np.zeros(shape, bool)
    m[tuple(slice(a, b) for a, b in zip(lo, hi))] = True
    return m


def single(rng, shape):
    m = np.zeros(shape, bool)
    m[tuple(rng.integers(0, s) for s in shape)] = True
    return m


def perturb(rng, m):
    """A prediction near the reference: shifted, dilated, eroded, or with voxels flipped."""
    kind = rng.integers(0, 5)
    if kind == 0:
        return np.roll(m, tuple(int(rng.integers(-2, 3)) for _ in m.shape), axis=tuple(range(m.ndim)))
    if kind == 1:
        return ndimage.binary_dilation(m, iterations=int(rng.integers(1, 3)))
    if kind == 2:
        return ndimage.binary_erosion(m)
    if kind == 3:
        return m ^ (rng.random(m.shape) < 0.05)
    return m.copy()


SCENARIOS = ["near", "near", "near", "independent", "box", "single-same", "single-apart", "single-vs-blob",
             "ref-empty", "pred-empty", "both-empty", "full", "border-slab", "identical", "checker", "sparse", "line"]


def pair(rng, shape, scenario):
    empty = np.zeros(shape, bool)
    frac = float(rng.uniform(0.05, 0.4))
    if scenario == "near":
        r = blob(rng, shape, frac)
        return r, perturb(rng, r)
    if scenario == "independent":
        return blob(rng, shape, frac), blob(rng, shape, float(rng.uniform(0.05, 0.4)))
    if scenario == "box":
        return box(rng, shape), box(rng, shape)
    if scenario == "single-same":
        r = single(rng, shape)
        return r, r.copy()
    if scenario == "single-apart":
        return single(rng, shape), single(rng, shape)
    if scenario == "single-vs-blob":
        return (single(rng, shape), blob(rng, shape, frac))[:: 1 if rng.random() < 0.5 else -1]
    if scenario == "ref-empty":
        return empty, blob(rng, shape, frac)
    if scenario == "pred-empty":
        return blob(rng, shape, frac), empty
    if scenario == "both-empty":
        return empty, empty.copy()
    if scenario == "full":  # the whole image: every border voxel is surface
        return np.ones(shape, bool), (blob(rng, shape, 0.7) if rng.random() < 0.5 else np.ones(shape, bool))
    if scenario == "border-slab":
        r = np.zeros(shape, bool)
        axis = int(rng.integers(0, len(shape)))
        idx = [slice(None)] * len(shape)
        idx[axis] = slice(0, int(rng.integers(1, 3))) if rng.random() < 0.5 else slice(-int(rng.integers(1, 3)), None)
        r[tuple(idx)] = True
        return r, perturb(rng, r)
    if scenario == "identical":
        r = blob(rng, shape, frac)
        return r, r.copy()
    if scenario == "checker":
        r = (np.indices(shape).sum(0) % 2) == 0
        return r, perturb(rng, r)
    if scenario == "sparse":
        return rng.random(shape) < 0.03, rng.random(shape) < 0.03
    if scenario == "line":
        r = np.zeros(shape, bool)
        idx = [int(rng.integers(0, s)) for s in shape]
        idx[int(rng.integers(0, len(shape)))] = slice(None)
        r[tuple(idx)] = True
        return r, perturb(rng, r)
    raise ValueError(scenario)


def label_pair(rng, shape):
    """Reference and prediction label maps; later classes overwrite earlier ones."""
    ref, pred = np.zeros(shape, np.uint8), np.zeros(shape, np.uint8)
    scenarios = []
    for k in range(1, int(rng.integers(2, K + 1))):
        s = SCENARIOS[int(rng.integers(0, len(SCENARIOS)))]
        r, p = pair(rng, shape, s)
        ref[r], pred[p] = k, k
        scenarios.append(s)
    return ref, pred, "+".join(scenarios)


def random_spacing(rng, dims):
    if rng.random() < 0.2:
        return (1.0,) * dims
    return tuple(float(np.round(rng.uniform(0.3, 3.0), 3)) for _ in range(dims))


def write(array, spacing_xyz, path):
    """array [Z, Y, X] or [Y, X]; spacing in SimpleITK's (x, y[, z]) order."""
    image = sitk.GetImageFromArray(array)
    if not path.endswith(".png"):
        image.SetSpacing(spacing_xyz)
    sitk.WriteImage(image, path)


def read(path):
    """The array [Z, Y, X] / [Y, X] and its spacing in the same order, as the header stores it."""
    image = sitk.ReadImage(path)
    return sitk.GetArrayFromImage(image), tuple(reversed(image.GetSpacing()))


def make_cases(root, seed=20260213, n2d=120, n3d=120, npng=16):
    rng = np.random.default_rng(seed)
    nii_ref, nii_pred = os.path.join(root, "nii", "ref"), os.path.join(root, "nii", "pred")
    png_ref, png_pred = os.path.join(root, "png", "ref"), os.path.join(root, "png", "pred")
    for d in (nii_ref, nii_pred, png_ref, png_pred):
        os.makedirs(d)
    described = {}
    cases = []
    # Hand-made first: every class present somewhere (score finds the classes in the references),
    # and the shapes where surfaces are degenerate.
    full3 = np.zeros((3, 5, 6), np.uint8)
    full3[:, :, :2], full3[:, :, 2:4], full3[:, :, 4:] = 1, 2, 3
    cases.append(("hand_all_classes", full3, np.roll(full3, 1, axis=2), (0.7, 1.1, 2.5)))
    cases.append(("hand_one_voxel_image", np.ones((1, 1, 1), np.uint8), np.ones((1, 1, 1), np.uint8), (1.0, 1.0, 1.0)))
    cases.append(("hand_both_empty", np.zeros((4, 4, 4), np.uint8), np.zeros((4, 4, 4), np.uint8), (0.5, 0.5, 3.0)))
    far = np.zeros((5, 20, 20), np.uint8)
    far[0, 0, 0] = 1
    far2 = np.zeros_like(far)
    far2[4, 19, 19] = 1
    cases.append(("hand_opposite_corners", far, far2, (0.8, 0.9, 4.0)))
    thin = np.zeros((2, 8, 8), np.uint8)  # two slices: in 3-D every voxel is surface
    thin[:, 2:6, 2:6] = 2
    cases.append(("hand_two_slices", thin, np.roll(thin, 1, axis=1), (1.0, 1.0, 5.0)))
    for i in range(n3d):
        shape = (int(rng.integers(2, 12)), int(rng.integers(3, 28)), int(rng.integers(3, 28)))
        ref, pred, s = label_pair(rng, shape)
        cases.append((f"vol{i:03d}", ref, pred, random_spacing(rng, 3)))
        described[f"vol{i:03d}"] = s
    for i in range(n2d):
        shape = (int(rng.integers(1, 40)), int(rng.integers(1, 40)))
        ref, pred, s = label_pair(rng, shape)
        cases.append((f"img{i:03d}", ref, pred, random_spacing(rng, 2)))
        described[f"img{i:03d}"] = s
    for cid, ref, pred, spacing_xyz in cases:
        write(ref, spacing_xyz, os.path.join(nii_ref, cid + ".nii.gz"))
        write(pred, spacing_xyz, os.path.join(nii_pred, cid + ".nii.gz"))
    for i in range(npng):
        shape = (int(rng.integers(1, 40)), int(rng.integers(1, 40)))
        ref, pred, s = label_pair(rng, shape)
        write(ref, None, os.path.join(png_ref, f"png{i:03d}.png"))
        write(pred, None, os.path.join(png_pred, f"png{i:03d}.png"))
        described[f"png{i:03d}"] = s
    return described


# ---- peers --------------------------------------------------------------------------------------

def monai_scores(ref, pred, spacing):
    """MONAI's DiceMetric, MeanIoU (both ignore_empty settings) and HD95 per foreground class."""
    def onehot(a):
        t = torch.from_numpy(a.astype(np.int64))
        return torch.nn.functional.one_hot(t, K).movedim(-1, 0)[None].float()  # [1, K, ...]
    y, yp = onehot(ref), onehot(pred)
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MONAI warns about empty masks, which are the point here
        for empty in (True, False):
            out[f"dsc_ignore_empty={empty}"] = DiceMetric(include_background=False, reduction="none",
                                                          ignore_empty=empty)(yp, y)[0].tolist()
            out[f"iou_ignore_empty={empty}"] = MeanIoU(include_background=False, reduction="none",
                                                       ignore_empty=empty)(yp, y)[0].tolist()
        out["hd95"] = HausdorffDistanceMetric(include_background=False, percentile=95, reduction="none")(
            yp, y, spacing=list(spacing))[0].tolist()
        # HausdorffDistanceMetric keeps its distances and torch.quantile's interpolation in float32:
        # the interpolation position 0.95 * (n - 1) is off by up to n * 2^-23, which moves the result
        # by that fraction of the gap between two neighbouring distances (1e-4 relative on a few
        # hundred surface voxels). The same MONAI stages with the quantile taken in float64 agree
        # to 1e-6; the public metric is held to the float32 bound.
        out["hd95_float64_quantile"], out["hd95_float32_bound"] = [], []
        for k in range(1, K):
            r, p = torch.from_numpy(ref == k), torch.from_numpy(pred == k)
            if not r.any() or not p.any():
                out["hd95_float64_quantile"].append(None)
                out["hd95_float32_bound"].append(None)
                continue
            _, distances, _ = get_edge_surface_distance(p, r, spacing=list(spacing), symmetric=True, class_index=k)
            out["hd95_float64_quantile"].append(max(
                float(_compute_percentile_hausdorff_distance(d.double(), 95)) for d in distances))
            n = max(len(d) for d in distances)
            out["hd95_float32_bound"].append(4 * n * 2.0 ** -24 * max(float(d.max()) for d in distances))
    return out


def as_2d(a, spacing):
    """score treats a one-slice volume as a 2-D image; give the peers the 2-D array, as a 2-D tool would."""
    if a.ndim == 3 and a.shape[0] == 1:
        return a[0], spacing[1:]
    return a, spacing


def check():
    bin_path = common.binary()
    work = common.scratch("metrics")
    described = make_cases(work)
    t = common.Tally("segmentation metrics: mis-spectral score vs medpy 0.5, MONAI, nnU-Net v2")

    results = {}
    for folder in ("nii", "png"):
        for compat, hd in (("nnunet", "medpy"), ("nnunet", "monai"), ("transunet", "medpy")):
            out = os.path.join(work, f"{folder}_{compat}_{hd}.json")
            common.run(bin_path, "score", "--pred", os.path.join(work, folder, "pred"), "--ref",
                       os.path.join(work, folder, "ref"), "--compat", compat, "--hd95", hd, "--threads", "1", "-o", out)
            doc = common.load(out)
            t.equal("result classes (values found in the references)", out, doc["classes"], ["background"] + CLASSES)
            results[(folder, compat, hd)] = doc["evaluations"][0]

    for folder, ending in (("nii", ".nii.gz"), ("png", ".png")):
        base = results[(folder, "nnunet", "medpy")]
        by_id = {(c, hd): {x["id"]: x["metrics"] for x in results[(folder, c, hd)]["cases"]}
                 for c, hd in (("nnunet", "medpy"), ("nnunet", "monai"), ("transunet", "medpy"))}
        for case in base["cases"]:
            cid = case["id"]
            ref, spacing = read(os.path.join(work, folder, "ref", cid + ending))
            pred, _ = read(os.path.join(work, folder, "pred", cid + ending))
            ref, spacing = as_2d(ref, spacing)
            pred, _ = as_2d(pred, spacing)
            mon = monai_scores(ref, pred, spacing)
            for k, cls in enumerate(CLASSES, start=1):
                where = f"case {cid} ({described.get(cid, 'hand-made')}), class {cls}, shape {ref.shape}, spacing {spacing}"
                r, p = ref == k, pred == k
                ours = by_id[("nnunet", "medpy")][cid][cls]
                ours_monai_hd = by_id[("nnunet", "monai")][cid][cls]["hd95"]
                ours_t = by_id[("transunet", "medpy")][cid][cls]
                r_empty, p_empty = not r.any(), not p.any()
                t.equal("voxel counts vs numpy", where, (ours["reference_voxels"], ours["predicted_voxels"]),
                        (int(r.sum()), int(p.sum())))
                # medpy: both empty gives dc NaN (0/0, with a warning) and jc 1; nnU-Net's convention
                # says null for both (docs/peers.md).
                if r_empty and p_empty:
                    with np.errstate(invalid="ignore"):
                        t.close("both empty: dsc null, medpy.dc NaN", where, ours["dsc"], medpy.dc(p, r))
                    t.equal("both empty: iou null where medpy.jc says 1", where, (ours["iou"], medpy.jc(p, r)),
                            (None, 1.0))
                else:
                    t.close("dsc vs medpy.dc", where, ours["dsc"], medpy.dc(p, r))
                    t.close("iou vs medpy.jc", where, ours["iou"], medpy.jc(p, r))
                with np.errstate(invalid="ignore"):  # medpy: 0/0 = NaN where mis-spectral says null
                    t.close("sensitivity vs medpy.sensitivity (null = NaN)", where, ours["sensitivity"],
                            medpy.sensitivity(p, r))
                    t.close("precision vs medpy.precision (null = NaN)", where, ours["precision"],
                            medpy.precision(p, r))
                t.equal("missed structure = reference non-empty, prediction empty", where, ours["missed"],
                        (not r_empty) and p_empty)
                if r_empty or p_empty:  # medpy raises; nnU-Net's rule: null
                    t.equal("hd95 null when a mask is empty (medpy raises)", where,
                            (ours["hd95"], ours_monai_hd), (None, None))
                else:
                    t.close("hd95 (mm) vs medpy.hd95(voxelspacing)", where, ours["hd95"],
                            medpy.hd95(p, r, voxelspacing=spacing, connectivity=1))
                    t.close("hd95 --hd95 monai (mm) vs MONAI get_edge_surface_distance + percentile (float64)",
                            where, ours_monai_hd, mon["hd95_float64_quantile"][k - 1])
                    t.close("hd95 --hd95 monai (mm) vs MONAI HausdorffDistanceMetric(percentile=95), float32 bound",
                            where, ours_monai_hd, mon["hd95"][k - 1], abs_tol=mon["hd95_float32_bound"][k - 1])
                # MONAI: ignore_empty=True leaves every empty reference out (NaN); ignore_empty=False
                # scores both-empty 1. nnU-Net's rule agrees with the first when the reference is
                # non-empty and with the second when exactly one is empty.
                for m, ours_v in (("dsc", ours["dsc"]), ("iou", ours["iou"])):
                    peer = "DiceMetric" if m == "dsc" else "MeanIoU"
                    ignore, keep = mon[f"{m}_ignore_empty=True"][k - 1], mon[f"{m}_ignore_empty=False"][k - 1]
                    if not r_empty:
                        t.close(f"{m} vs MONAI {peer}(ignore_empty=True)", where, ours_v, ignore)
                    else:
                        t.close(f"{m}, empty reference: MONAI {peer}(ignore_empty=True) NaN", where, None, ignore)
                    if not (r_empty and p_empty):
                        t.close(f"{m} vs MONAI {peer}(ignore_empty=False)", where, ours_v, keep)
                    else:
                        t.equal(f"{m}, both empty: null (MONAI {peer}(ignore_empty=False) 1)", where,
                                (ours_v, keep), (None, 1.0))
                # TransUNet's calculate_metric_percase (utils.py of Beckschen/TransUNet): medpy's dc
                # and hd95 without a spacing when both are non-empty, else (1, 0) or (0, 0).
                if not r_empty and not p_empty:
                    t.close("--compat transunet dsc vs medpy.dc", where, ours_t["dsc"], medpy.dc(p, r))
                    t.close("--compat transunet hd95 (voxels) vs medpy.hd95 (no spacing)", where, ours_t["hd95"],
                            medpy.hd95(p, r))
                else:
                    expected = (1.0, 0.0) if (not p_empty and r_empty) else (0.0, 0.0)
                    t.equal("--compat transunet empty rule (dsc, hd95)", where, (ours_t["dsc"], ours_t["hd95"]),
                            expected)

        # nnU-Net v2's evaluator on the same folders: per case, per class, and its summary.json.
        summary_file = os.path.join(work, f"{folder}_nnunet_summary.json")
        compute_metrics_on_folder(os.path.join(work, folder, "ref"), os.path.join(work, folder, "pred"), summary_file,
                                  SimpleITKIO(), ending, list(range(1, K)), num_processes=2)
        nn = load_summary_json(summary_file)
        ours_cases = {x["id"]: x["metrics"] for x in base["cases"]}
        for c in nn["metric_per_case"]:
            cid = os.path.basename(c["reference_file"])[: -len(ending)]
            for k, cls in enumerate(CLASSES, start=1):
                m, ours = c["metrics"][k], ours_cases[cid][cls]
                where = f"case {cid} ({described.get(cid, 'hand-made')}), class {cls}"
                t.close("dsc vs nnU-Net compute_metrics Dice", where, ours["dsc"], m["Dice"])
                t.close("iou vs nnU-Net compute_metrics IoU", where, ours["iou"], m["IoU"])
                t.equal("voxel counts vs nnU-Net n_ref, n_pred", where,
                        (ours["reference_voxels"], ours["predicted_voxels"]), (m["n_ref"], m["n_pred"]))
        t.equal("cases scored (nnU-Net, mis-spectral)", folder, len(nn["metric_per_case"]), len(base["cases"]))
        for k, cls in enumerate(CLASSES, start=1):
            for metric, theirs in (("dsc", "Dice"), ("iou", "IoU")):
                t.close(f"per-class mean {metric} vs nnU-Net summary.json mean", f"{folder} class {cls}",
                        base["summary"]["per_class"][cls][metric]["mean"], nn["mean"][k][theirs])
        t.close("foreground mean dsc vs nnU-Net summary.json foreground_mean", folder, base["summary"]["mean"]["dsc"],
                nn["foreground_mean"]["Dice"])
        t.close("foreground mean iou vs nnU-Net summary.json foreground_mean", folder, base["summary"]["mean"]["iou"],
                nn["foreground_mean"]["IoU"])
    return t


if __name__ == "__main__":
    common.main(check)
