#!/usr/bin/env python3
"""A study's result files written by hand, for the report's tests that need no training:
ACDC x transunet and Synapse x unet, spatial-only vs spatial+spectral, three seeds, eight test
cases of three classes (dsc, iou, hd95, sensitivity, missed), two OOD test sets, a noise grid
(gaussian, blur, gamma x three levels), calibration with 15 bins before and after temperature
scaling, train_log.jsonl curves (with the partial last line of a killed training), a failed run whose error names a flag (--temperature-split) and TeX's special
characters, and an ablation whose setting has some. Values come from a seeded generator so the
tables have ties, negative differences and p-values of every size.
Usage: report_fixture.py RESULTS_DIR"""
import json, os, random, sys

R = sys.argv[1]
CLASSES = ["RV", "MYO", "LV"]
rng = random.Random(16)


def header(kind, lam, seed, model):
    return {"schema": "mis-spectral/result", "schema_version": 1, "kind": kind, "code_version": "fixture",
            "created": "2026-12-01T00:00:00Z",
            "train_config": {"model": {"name": model}, "loss": {"lambda": lam}, "seed": seed},
            "classes": ["background"] + CLASSES, "hd95": {"unit": "mm"}}


def evaluation(role, name, base, n_cases=8, noise=None):
    cases, means = [], {m: [] for m in ("dsc", "iou", "hd95")}
    for i in range(n_cases):
        metrics = {}
        for k, cls in enumerate(CLASSES):
            dsc = max(0.0, min(1.0, base - 0.05 * k + rng.gauss(0, 0.04)))
            missed = dsc < 0.05
            metrics[cls] = {"dsc": dsc, "iou": dsc / (2 - dsc), "hd95": None if missed else 2 + 20 * (1 - dsc),
                            "sensitivity": min(1.0, dsc + 0.02), "missed": missed}
        cases.append({"id": f"case_{i:02d}", "domain": name, "metrics": metrics})
    summary = {}
    for m in ("dsc", "iou", "hd95"):
        per_case = []
        for c in cases:
            v = [c["metrics"][cls][m] for cls in CLASSES if c["metrics"][cls][m] is not None]
            if v:
                per_case.append(sum(v) / len(v))
        summary[m] = sum(per_case) / len(per_case)
    e = {"role": role, "dataset": {"name": name, "domain": name}, "cases": cases, "summary": {"mean": summary}}
    if noise:
        e["noise"] = {"type": noise[0], "level": noise[1]}
    return e


def calibration(ece):
    edges = [i / 15 for i in range(16)]
    count = [0] * 5 + [rng.randint(10, 1000) for _ in range(10)]
    acc = [None] * 5 + [min(1.0, (i + 0.5) / 15 - ece + rng.gauss(0, 0.01)) for i in range(5, 15)]
    return {"ece": ece, "mce": 3 * ece, "brier": 0.1 + ece, "nll": 0.3 + ece,
            "bins": {"edges": edges, "count": count, "accuracy": acc}}


def run(rid, dataset, model, variant, seed, status="complete", group="main", setting="", files=True, error=None):
    d = os.path.join(R, "runs", rid)
    os.makedirs(d, exist_ok=True)
    lam = 0.0 if variant == "spatial" else 0.5
    doc = {"schema": "mis-spectral/run", "schema_version": 1, "experiment": "fixture", "id": rid, "status": status,
           "labels": {"dataset": dataset, "model": model, "variant": variant, "group": group, "setting": setting,
                      "seed": seed},
           "train_config": {"model": {"name": model}, "loss": {"lambda": lam}, "seed": seed}}
    if error:
        doc["error"] = error
    json.dump(doc, open(os.path.join(d, "run.json"), "w"))
    if not files:
        return
    gain = 0.015 if variant == "spectral" else 0.0
    with open(os.path.join(d, "train_log.jsonl"), "w") as log:
        for step in range(10, 310, 10):
            spatial = 1.5 / (1 + step / 50) + rng.random() * 0.02
            spectral = 0.0 if variant == "spatial" else 0.2 / (1 + step / 100)
            log.write(json.dumps({"step": step, "loss": spatial + lam * spectral, "spatial": spatial,
                                  "spectral": spectral, "lr": 0.01, "elapsed_s": step / 10, "images_per_s": 5.0}) + "\n")
            if step % 100 == 0:
                log.write(json.dumps({"step": step, "val_dsc": 0.5 + step / 1000 + gain, "val_cases": 2}) + "\n")
        log.write('{"step": 310, "loss"')  # the partial last line of a killed training
    ev = header("eval", lam, seed, model)
    ev["evaluations"] = [evaluation("iid", dataset, 0.85 + gain), evaluation("ood", "scanner-B", 0.7 + gain),
                         evaluation("ood", "vendor C_2", 0.6 - gain)]
    json.dump(ev, open(os.path.join(d, "eval.json"), "w"))
    nz = header("noise-sweep", lam, seed, model)
    nz["evaluations"] = [evaluation("noise", dataset, 0.85 + gain - 0.3 * lv * (1 - 2 * gain), noise=(t, lv))
                         for t in ("gaussian", "blur", "gamma") for lv in (0, 0.1, 0.3)]
    json.dump(nz, open(os.path.join(d, "noise.json"), "w"))
    cal = header("calibrate", lam, seed, model)
    e = evaluation("iid", dataset, 0.85 + gain, n_cases=2)
    e["calibration"] = calibration(0.05 - gain)
    e["calibration_temperature_scaled"] = {"temperature": 1.3 + rng.random() / 10, "ece": 0.02, "brier": 0.1,
                                           "nll": 0.25}
    cal["evaluations"] = [e]
    json.dump(cal, open(os.path.join(d, "calibrate.json"), "w"))


for dataset, model in (("ACDC", "transunet"), ("Synapse", "unet")):
    for variant in ("spatial", "spectral"):
        for seed in range(3):
            run(f"{dataset.lower()}-{model}-{variant}-s{seed}", dataset, model, variant, seed)
run("acdc-transunet-spectral-s3", "ACDC", "transunet", "spectral", 3, status="failed", files=False,
    error="calibrate --temperature-split 0.2 failed: 100% of C:\\tmp\\x_y & {z} ~ $HOME #1 ^2")
run("ablation-s0", "ACDC", "transunet", "spectral", 0, group="ablation_mode", setting="λ=0.5 & 50% <complex>")
json.dump({"name": "fixture study: ACDC & Synapse (50% -- test)"}, open(os.path.join(R, "experiment.json"), "w"))
