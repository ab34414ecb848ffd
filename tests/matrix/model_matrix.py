#!/usr/bin/env python3
"""Every model x precision x layout x objective through every command (issue 19).

Usage: model_matrix.py BIN [--device cpu|cuda] [--jobs N] [--threads N] [--models a,b] [--out JSON]

A cell is one model preset (as `model-info` lists them), one precision (fp32, bf16), one memory
layout (channels-last, NCHW) and one objective (spatial; spatial+spectral, lambda 0.5). Each cell,
on tiny inputs (32x32 slices, batch 2):
  train 2 steps and stop (--stop-after), resume to step 3, eval, noise-sweep at one level,
  calibrate, explain on the model's default layer, bench with one step.
Dropout is turned off (every "*dropout" model option set to 0): it draws its masks in memory
order, and per dtype on CUDA, so with it on two layouts or two precisions drop different
activations and no comparison below could hold (measured on an H200 and its AMX CPU: up to 4%
apart at step 1 for transunet-vit; results/matrix/README.md).
Each cell checks: every command exits 0; every number in every result is finite; the log has the
three steps; the resume continued from step 2. Then the cells are compared with each other:
  * channels-last against NCHW (fp32): the same arithmetic summed in another order.
    - The loss of step 1 (same weights, same batch: the forward pass) agrees to 1e-5 relative
      on a CPU: float32 sums of ~1e5 terms differ by ~1e-6. On CUDA, cuDNN runs fp32
      convolutions in TF32 (PyTorch's default: 10-bit mantissa) with an algorithm chosen per
      layout: 1e-3 (measured on an H200: 1.6e-5 for unet-small).
    - The change of the loss from step 1 to step 2 is what the first update did, so it checks
      the gradients: it agrees to 2% on a CPU, 5% on CUDA. A gradient wrong by a tenth changes
      it by a tenth (checked: a mutant taking a 10% larger step in NCHW differs by 10%).
      Reorderings alone: at most 0.4%, measured on the published TransUNet (R50 with GroupNorm
      and weight standardisation, 105M parameters), whose trajectory amplifies them (1 against
      2 threads in one layout), 0.2% between its layouts, under 1e-5 for the other presets.
      Step 3 is not compared: those differences keep growing with each update (1.7e-3 of the
      loss at step 3 between TransUNet's layouts).
    - The eval set's NLL after the three steps agrees to 1e-3 (1e-2 on CUDA; measured 1e-4);
  * spatial+spectral against spatial: at step 1 both models have the same weights and see the
    same batch, so the spatial term is the same number to 1e-5 relative (the spectral term only
    changes the update that follows);
  * bf16 against fp32 (same layout and objective): the loss of step 1 (same weights, same batch:
    only the precision of the forward differs) within 2%. bf16 keeps 8 significant bits
    (relative rounding <= 2^-8 = 0.4% per value) and the loss is a mean over all pixels, which
    averages the roundings: tests/unit/test_bf16_step.cpp measured at most 0.25% after two
    steps. The first update's effect (step 1 to 2) within 25%: bf16 gradients are that much
    coarser (measured without dropout, for the UNets: up to 2.8% on an AMX CPU, 4.1% on an
    H200); a lost gradient (100%) is far outside. The eval set's NLL within 5%: bf16 inference rounds the logits (0.4%
    of their size), which moves log-probabilities by ~1e-2.
bf16 cells run wherever the binary accepts bf16 (CUDA; a CPU with AVX-512, natively or emulated);
where `train` refuses bf16 on this CPU, they are skipped and the refusal is printed as the reason.
Exit status: 0 when no cell failed and every comparison held, 1 otherwise.
"""
import argparse
import concurrent.futures
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time

SIZE, BATCH, STEPS, STOP = 32, 2, 3, 2
LAMBDA = {"spatial": 0.0, "spectral": 0.5}


def run(cmd, timeout=900):
    """Runs one command; returns (exit code, stdout, stderr)."""
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def non_finite(doc, path="$"):
    """Paths of every NaN or infinite number in a parsed JSON document."""
    if isinstance(doc, float):
        return [] if math.isfinite(doc) else [path]
    if isinstance(doc, dict):
        return [p for k, v in doc.items() for p in non_finite(v, f"{path}.{k}")]
    if isinstance(doc, list):
        return [p for i, v in enumerate(doc) for p in non_finite(v, f"{path}[{i}]")]
    return []


def model_presets(binary):
    rc, out, err = run([binary, "model-info"])
    if rc != 0:
        sys.exit(f"model-info failed: {err.strip()}")
    return re.findall(r"^  (\S+)\s{2,}\S", out, re.M)


def without_dropout(binary, model):
    """--model-options JSON setting each of the preset's dropout rates to 0 (empty: none)."""
    rc, out, err = run([binary, "model-info", "--model", model, "--json"])
    if rc != 0:
        sys.exit(f"model-info --model {model} failed: {err.strip()}")
    options = json.loads(out)["model"]["options"]
    return {k: 0.0 for k in options if k.endswith("dropout")}


class Cell:
    def __init__(self, model, precision, layout, objective):
        self.model, self.precision, self.layout, self.objective = model, precision, layout, objective
        self.status, self.reason, self.seconds = "pending", "", 0.0
        self.losses, self.nll, self.dsc = [], None, None

    @property
    def name(self):
        return f"{self.model}/{self.precision}/{self.layout}/{self.objective}"

    def to_json(self):
        return {"model": self.model, "precision": self.precision, "layout": self.layout,
                "objective": self.objective, "status": self.status, "reason": self.reason,
                "seconds": round(self.seconds, 2), "losses": self.losses, "nll": self.nll, "dsc": self.dsc}


def run_cell(cell, args, data, work):
    """Runs one cell's commands; fills cell.status ('ok', 'failed', 'skipped') and its numbers."""
    t0 = time.monotonic()
    folder = os.path.join(work, cell.name.replace("/", "_"))
    os.makedirs(folder)
    common = ["--threads", str(args.threads), "--device", args.device]
    layout = [] if cell.layout == "channels-last" else ["--no-channels-last"]
    dropout_off = args.model_options[cell.model]
    options = ["--model-options", json.dumps(dropout_off)] if dropout_off else []
    train = [args.binary, "train", "--data", f"{data}/source", "-o", f"{folder}/run", "--model", cell.model,
             "--patch-size", str(SIZE), "--batch-size", str(BATCH), "--iterations", str(STEPS),
             "--log-every", "1", "--checkpoint-every", "100", "--seed", "3", "--precision", cell.precision,
             "--lambda", str(LAMBDA[cell.objective])] + layout + options + common
    ckpt = f"{folder}/run/checkpoint.pt"
    source, ood = f"{data}/source", f"{data}/scanner-b"
    steps = [
        ("train", train + ["--stop-after", str(STOP)], None),
        ("resume", train + ["--resume"], None),
        ("eval", [args.binary, "eval", "-c", ckpt, "--data", source, "--ood", ood, "--hd95", "off",
                  "-o", f"{folder}/eval.json"] + common, f"{folder}/eval.json"),
        ("noise-sweep", [args.binary, "noise-sweep", "-c", ckpt, "--data", ood, "--types", "gaussian",
                         "--levels", "0.1", "--hd95", "off", "-o", f"{folder}/noise.json"] + common,
         f"{folder}/noise.json"),
        ("calibrate", [args.binary, "calibrate", "-c", ckpt, "--data", source, "--ood", ood,
                       "-o", f"{folder}/calibrate.json"] + common, f"{folder}/calibrate.json"),
        ("explain", [args.binary, "explain", "-c", ckpt, "--data", source, "--num-cases", "1",
                     "-o", f"{folder}/explain.json"] + common, f"{folder}/explain.json"),
        ("bench", [args.binary, "bench", "--model", cell.model, "--size", str(SIZE), "--batch-size", str(BATCH),
                   "--steps", "1", "--warmup", "0", "--no-peak", "--precision", cell.precision,
                   "--lambda", str(LAMBDA[cell.objective]),
                   "--json-out", f"{folder}/bench.json"] + layout + options + common, f"{folder}/bench.json"),
    ]
    results = {}
    for step, cmd, output in steps:
        rc, out, err = run(cmd)
        if rc != 0:
            refusal = err.strip().splitlines()[-1] if err.strip() else f"exit {rc}"
            if step == "train" and cell.precision == "bf16" and args.device == "cpu" and rc == 2 and "bf16" in refusal:
                cell.status, cell.reason = "skipped", refusal  # this CPU: train says why
            else:
                cell.status, cell.reason = "failed", f"{step}: exit {rc}: {refusal}"
            break
        if step == "resume" and f"resumed at step {STOP}" not in out:
            cell.status, cell.reason = "failed", f"resume did not continue from step {STOP}: {out.strip()}"
            break
        if output:
            doc = json.load(open(output))
            bad = non_finite(doc)
            if bad:
                cell.status, cell.reason = "failed", f"{step}: non-finite numbers at {', '.join(bad[:3])}"
                break
            results[step] = doc
    else:
        log = [json.loads(line) for line in open(f"{folder}/run/train_log.jsonl")]
        cell.losses = [{k: e[k] for k in ("loss", "spatial", "spectral")} for e in log]
        cell.nll = results["calibrate"]["evaluations"][0]["calibration"]["nll"]
        cell.dsc = results["eval"]["evaluations"][0]["summary"]["mean"]["dsc"]
        problems = []
        if [e["step"] for e in log] != list(range(1, STEPS + 1)):
            problems.append(f"log steps {[e['step'] for e in log]}, expected 1..{STEPS}")
        if non_finite(cell.losses):
            problems.append("non-finite loss")
        if not 0.0 <= cell.dsc <= 1.0:
            problems.append(f"DSC {cell.dsc} outside [0, 1]")
        cell.status, cell.reason = ("failed", "; ".join(problems)) if problems else ("ok", "")
    cell.seconds = time.monotonic() - t0
    return cell


def relative(a, b):
    return abs(a - b) / max(abs(b), 1e-12)


def compare(cells, device):
    """The cross-cell checks (module docstring); returns a list of {check, cells, value, bound, ok}."""
    by = {(c.model, c.precision, c.layout, c.objective): c for c in cells if c.status == "ok"}
    checks = []
    cuda = device.startswith("cuda")
    layout_step1, layout_update, layout_nll = (1e-3, 0.05, 1e-2) if cuda else (1e-5, 0.02, 1e-3)

    def add(what, a, b, value, bound):
        checks.append({"check": what, "cells": [a.name, b.name], "value": value, "bound": bound, "ok": value <= bound})

    def step1(c):
        return c.losses[0]["loss"]

    def update(c):  # what the first update did to the loss
        return c.losses[1]["loss"] - c.losses[0]["loss"]

    for (model, precision, layout, objective), cell in sorted(by.items()):
        if layout == "nchw" and precision == "fp32":
            other = by.get((model, precision, "channels-last", objective))
            if other:
                add("layout: loss of step 1", cell, other, relative(step1(cell), step1(other)), layout_step1)
                add("layout: step 1->2 change", cell, other, relative(update(cell), update(other)), layout_update)
                add("layout: NLL", cell, other, relative(cell.nll, other.nll), layout_nll)
        if objective == "spectral":
            other = by.get((model, precision, layout, "spatial"))
            if other:
                add("objective: spatial term of step 1", cell, other,
                    relative(cell.losses[0]["spatial"], other.losses[0]["spatial"]), 1e-5)
        if precision == "bf16":
            other = by.get((model, "fp32", layout, objective))
            if other:
                add("bf16: loss of step 1", cell, other, relative(step1(cell), step1(other)), 0.02)
                add("bf16: step 1->2 change", cell, other, relative(update(cell), update(other)), 0.25)
                add("bf16: NLL", cell, other, relative(cell.nll, other.nll), 0.05)
    return checks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--jobs", type=int, default=1, help="cells run at once")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads per command")
    parser.add_argument("--models", default="", help="comma-separated presets (default: all that model-info lists)")
    parser.add_argument("--out", default="", help="JSON report to write")
    args = parser.parse_args()
    args.binary = os.path.abspath(args.binary)
    models = args.models.split(",") if args.models else model_presets(args.binary)
    args.model_options = {m: without_dropout(args.binary, m) for m in models}
    cells = [Cell(m, p, l, o) for m in models for p in ("fp32", "bf16") for l in ("channels-last", "nchw")
             for o in ("spatial", "spectral")]
    with tempfile.TemporaryDirectory(prefix="mis_matrix_") as work:
        data = os.path.join(work, "data")
        rc, _, err = run([args.binary, "synth", "-o", data, "--cases", "2", "--test-cases", "1", "--size", str(SIZE),
                          "--slices", "3", "--domains", "2", "--seed", "1"])
        if rc != 0:
            sys.exit(f"synth failed: {err.strip()}")
        t0 = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            futures = [pool.submit(run_cell, c, args, data, work) for c in cells]
            for n, future in enumerate(concurrent.futures.as_completed(futures), 1):
                c = future.result()
                first = f"loss {c.losses[0]['loss']:.5f}  NLL {c.nll:.5f}" if c.status == "ok" else ""
                print(f"[{n:2d}/{len(cells)} {time.monotonic() - t0:6.0f}s] {c.status:7s} {c.name:44s} "
                      f"{c.seconds:5.1f}s  {first}{c.reason}", flush=True)
    checks = compare(cells, args.device)
    for ch in checks:
        print(f"{'ok  ' if ch['ok'] else 'FAIL'} {ch['check']:34s} {ch['value']:.2e} <= {ch['bound']:.0e}  "
              f"{ch['cells'][0]} vs {ch['cells'][1]}")
    failed = [c for c in cells if c.status == "failed"]
    skipped = [c for c in cells if c.status == "skipped"]
    bad_checks = [ch for ch in checks if not ch["ok"]]
    print(f"{len(cells)} cells: {len(cells) - len(failed) - len(skipped)} ok, {len(failed)} failed, "
          f"{len(skipped)} skipped; {len(checks)} comparisons, {len(bad_checks)} failed")
    if skipped:
        print(f"skipped: {', '.join(sorted({c.reason for c in skipped}))}")
    if args.out:
        tmp = args.out + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"device": args.device, "cells": [c.to_json() for c in cells], "comparisons": checks}, f, indent=1)
        os.replace(tmp, args.out)
    return 1 if failed or bad_checks else 0


if __name__ == "__main__":
    sys.exit(main())
