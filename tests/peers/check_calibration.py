"""Pixel calibration of `eval` and `calibrate` against torchmetrics and scikit-learn, and
temperature scaling against a reference fit in PyTorch.

A small UNet is trained briefly on a tiny synthetic benchmark; `eval --save-probabilities` writes
the very probability maps its calibration was pooled from, and `calibrate --temperature-split test`
fits T on every pixel of the same test split. On those pixels (IID and OOD, each pooled):

  ECE, 15 bins, top-label       torchmetrics' calibration error (update + _ce_compute, norm="l1") 1e-6 relative
                                in float64; MulticlassCalibrationError(n_bins=15, norm="l1")    N * 2^-24 (float32)
  MCE                           the same with norm="max"                                         the same
  per-bin count, accuracy,      torchmetrics' own binning (_binning_bucketize)                  exact / 1e-6
  confidence
  Brier (multi-class sum)       sklearn.metrics.brier_score_loss(scale_by_half=False)           1e-6
  NLL                           sklearn.metrics.log_loss                                         1e-6
  pixel accuracy                torchmetrics MulticlassAccuracy(average="micro")                 1e-6
  T                             LBFGS on log T of torch.nn.functional.cross_entropy(z / T)       1e-4 relative
  NLL before / after T          torch.nn.functional.cross_entropy                                1e-6
  ECE, MCE, Brier, NLL after T  the same peers on softmax(z / T)                                 1e-6

z = log p: softmax(log p / T) = softmax(logits / T), since log p differs from the logits by one
constant per pixel (the maps are float32, so z carries float32 rounding of about 1e-7; the
figures after scaling, which mis-spectral computes from the logits themselves, agree to about
3e-8 here). torchmetrics bins confidences as [lower, upper) with confidence 1.0 in a bin of its own,
mis-spectral as (lower, upper] (docs/peers.md); the check counts the pixels where that matters
and requires there be none, so that the figures compare like for like.
Usage: check_calibration.py PATH/TO/mis-spectral
"""
import glob
import os
import warnings

import numpy as np
import SimpleITK as sitk
import torch
import torch.nn.functional as F
from sklearn.metrics import brier_score_loss, log_loss
from torchmetrics.classification import MulticlassAccuracy, MulticlassCalibrationError
from torchmetrics.functional.classification.calibration_error import (_binning_bucketize, _ce_compute,
                                                                      _multiclass_calibration_error_update)

import common

BINS = 15


def read(path):
    return sitk.GetArrayFromImage(sitk.ReadImage(path))


def pooled(pred_dir, label_dir, classes):
    """Probabilities [N, K] (float32, as written) and labels [N] over every case of an evaluation."""
    probs, labels = [], []
    for label_file in sorted(glob.glob(os.path.join(label_dir, "*.nii.gz"))):
        cid = os.path.basename(label_file)[: -len(".nii.gz")]
        p = np.stack([read(os.path.join(pred_dir, f"{cid}_{c}.nii.gz")) for c in classes], axis=-1)
        probs.append(p.reshape(-1, len(classes)))
        labels.append(read(label_file).reshape(-1))
    p = np.concatenate(probs)
    assert p.dtype == np.float32, p.dtype
    return torch.from_numpy(p), torch.from_numpy(np.concatenate(labels).astype(np.int64))


def reference_temperature(z, y):
    """argmin_T cross_entropy(z / T, y): LBFGS on log T in float64 (Guo et al. 2017 fit T by LBFGS)."""
    log_t = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([log_t], lr=1, max_iter=200, tolerance_grad=1e-12, tolerance_change=1e-15,
                            line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(z / log_t.exp(), y)
        loss.backward()
        return loss
    opt.step(closure)
    return float(log_t.detach().exp())


def compare_calibration(t, what, where, ours, probs, y, k, rel):
    n = len(y)
    t.equal(f"{what}pixels", where, ours["pixels"], n)
    # torchmetrics accumulates its bins in float32 (its update casts the confidences with .float());
    # its own update and compute functions with the accumulation in float64 are held to `rel`, the
    # public metric to the float32 bound N * 2^-24.
    confidences, accuracies = _multiclass_calibration_error_update(probs, y)
    for norm, key in (("l1", "ece"), ("max", "mce")):
        t.close(f"{what}{key.upper()} vs torchmetrics _multiclass_calibration_error_update + _ce_compute(norm="
                f"'{norm}') in float64", where, ours[key],
                float(_ce_compute(confidences.double(), accuracies.double(), BINS, norm=norm)), rel=rel)
        t.close(f"{what}{key.upper()} vs torchmetrics MulticlassCalibrationError(norm='{norm}'), float32 bound",
                where, ours[key], float(MulticlassCalibrationError(num_classes=k, n_bins=BINS, norm=norm)(probs, y)),
                rel=max(rel, n * 2.0 ** -24))
    p64, y_np = probs.double().numpy(), y.numpy()
    with warnings.catch_warnings():
        # float32 probabilities sum to 1 within about 1e-7, which scikit-learn warns about.
        warnings.filterwarnings("ignore", message="The y_prob values do not sum to one")
        brier = brier_score_loss(y_np, p64, labels=list(range(k)), scale_by_half=False)
        nll = log_loss(y_np, p64, labels=list(range(k)))
    t.close(f"{what}Brier vs sklearn brier_score_loss(scale_by_half=False)", where, ours["brier"], brier, rel=rel)
    t.close(f"{what}NLL vs sklearn log_loss", where, ours["nll"], nll, rel=rel)
    t.close(f"{what}pixel accuracy vs torchmetrics MulticlassAccuracy(micro)", where, ours["accuracy"],
            float(MulticlassAccuracy(num_classes=k, average="micro")(probs, y)), rel=rel)
    # torchmetrics' own binning, bin by bin; its 16th slot holds confidences of exactly 1.0.
    conf, predicted = probs.double().max(dim=1)
    acc_bin, conf_bin, prop_bin = _binning_bucketize(conf, predicted.eq(y).double(),
                                                     torch.linspace(0, 1, BINS + 1, dtype=torch.float64))
    counts = (prop_bin * n).round().long().tolist()
    edges = torch.linspace(0, 1, BINS + 1, dtype=torch.float64)
    on_edge = int(torch.isin(conf, edges).sum())
    t.equal(f"{what}confidences on a bin edge, where the two binnings differ (none allowed)", where, on_edge, 0)
    bins = ours["bins"]
    t.equal(f"{what}bin counts vs torchmetrics binning", where, bins["count"], counts[:BINS])
    for b in range(BINS):
        if counts[b]:
            t.close(f"{what}bin accuracy vs torchmetrics binning", f"{where}, bin {b}", bins["accuracy"][b],
                    float(acc_bin[b]), rel=rel)
            t.close(f"{what}bin confidence vs torchmetrics binning", f"{where}, bin {b}", bins["confidence"][b],
                    float(conf_bin[b]), rel=rel)


def check():
    bin_path = common.binary()
    w = common.scratch("calibration")
    data = os.path.join(w, "data")
    common.run(bin_path, "synth", "-o", data, "--cases", 4, "--test-cases", 3, "--size", 32, "--slices", 3,
               "--domains", 2, "--seed", 1)
    ckpt = os.path.join(w, "run", "checkpoint.pt")
    common.run(bin_path, "train", "--data", os.path.join(data, "source"), "--iterations", 150, "--batch-size", 4,
               "--model-options", '{"base_width":4,"depth":2}', "--threads", 1, "-o", os.path.join(w, "run"))
    ood = os.path.join(data, "scanner-b")
    common.run(bin_path, "eval", "-c", ckpt, "--data", os.path.join(data, "source"), "--ood", ood,
               "--save-predictions", os.path.join(w, "preds"), "--save-probabilities", "--hd95", "off",
               "--threads", 1, "-o", os.path.join(w, "eval.json"))
    common.run(bin_path, "calibrate", "-c", ckpt, "--data", os.path.join(data, "source"), "--ood", ood,
               "--temperature-split", "test", "--temperature-pixels", 10 ** 9, "--threads", 1,
               "-o", os.path.join(w, "cal.json"))
    ev, cal = common.load(os.path.join(w, "eval.json")), common.load(os.path.join(w, "cal.json"))
    classes = ev["classes"]
    k = len(classes)
    t = common.Tally("calibration: mis-spectral eval/calibrate vs torchmetrics, scikit-learn, PyTorch")
    fit = cal["temperature"]
    for i, (e, c) in enumerate(zip(ev["evaluations"], cal["evaluations"])):
        name, role = e["dataset"]["name"], e["role"]
        where = f"{role} {name}"
        folder = os.path.join(data, "source" if role == "iid" else "scanner-b", "labelsTs")
        probs, y = pooled(os.path.join(w, "preds", f"{role}-{name}-probabilities"), folder, classes)
        compare_calibration(t, "eval: ", where, e["calibration"], probs, y, k, rel=1e-6)
        compare_calibration(t, "calibrate: ", where, c["calibration"], probs, y, k, rel=1e-6)
        z = probs.double().log()
        if role == "iid":  # T was fitted on every pixel of this split
            t.equal("temperature fitted on every pixel", where, fit["pixels"], len(y))
            t_ref = reference_temperature(z, y)
            t.close("T vs LBFGS reference fit in PyTorch", where, fit["temperature"], t_ref, rel=1e-4)
            t.close("NLL at T = 1 vs F.cross_entropy", where, fit["nll_before"], float(F.cross_entropy(z, y)))
            t.close("NLL at fitted T vs F.cross_entropy(z / T)", where, fit["nll_after"],
                    float(F.cross_entropy(z / fit["temperature"], y)))
        scaled = torch.softmax(z / fit["temperature"], dim=1).float()
        compare_calibration(t, "calibrate after T: ", where, c["calibration_temperature_scaled"], scaled, y, k,
                            rel=1e-6)
    return t


if __name__ == "__main__":
    common.main(check)
