#!/usr/bin/env python3
"""The mis-spectral UNet training step in Python PyTorch, for `make bench`'s side-by-side.

Builds the same network as lib/models/unet.cpp (preset "unet": width 64, depth 4, transposed-
convolution decoder, 31,036,546 parameters with 1 input channel and 2 classes) and the same
objective as lib/losses/ (0.5 CE + 0.5 soft Dice + lambda * (1 - amplitude SCC)), then times the
same step as `mis-spectral bench`: forward (under bf16 autocast for --precision bf16), loss in
float32, backward, SGD (momentum 0.9, weight decay 1e-4), one loss readout. The batch is made
once up front, so Python is not charged for augmentation (the C++ step prefetches its batches).

Prints a JSON object; `scripts/bench.sh` compares it with `mis-spectral bench --json-out`.
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class DoubleConv(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True),
                         nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True))


class UpBlock(nn.Module):
    def __init__(self, cin, skip, cout):
        super().__init__()
        self.up_conv = nn.ConvTranspose2d(cin, cin // 2, 2, stride=2)
        self.conv = DoubleConv(cin // 2 + skip, cout)

    def forward(self, x, skip):
        return self.conv(torch.cat([skip, self.up_conv(x)], 1))


class UNet(nn.Module):
    def __init__(self, in_channels=1, num_classes=2, base_width=64, depth=4):
        super().__init__()
        self.stem = DoubleConv(in_channels, base_width)
        self.down = nn.ModuleList()
        self.up = nn.ModuleList()
        w = base_width
        for _ in range(depth):
            self.down.append(DoubleConv(w, 2 * w))
            w *= 2
        for _ in range(depth):
            self.up.append(UpBlock(w, w // 2, w // 2))
            w //= 2
        self.head = nn.Conv2d(base_width, num_classes, 1)

    def forward(self, x):
        skips = []
        x = self.stem(x)
        for block in self.down:
            skips.append(x)
            x = block(F.max_pool2d(x, 2))
        for block in self.up:
            x = block(x, skips.pop())
        return self.head(x)


def soft_dice(probs, onehot, eps=1e-5):  # lib/losses/spatial.cpp, foreground classes
    p, g = probs[:, 1:], onehot[:, 1:]
    inter = (p * g).sum((0, 2, 3))
    return (1 - (2 * inter + eps) / (p.sum((0, 2, 3)) + g.sum((0, 2, 3)) + eps)).mean()


def spectral_loss(probs, onehot, eps=1e-10):  # lib/losses/spectral.cpp, amplitude mode, no band
    p, y = probs[:, 1:], onehot[:, 1:]

    def amplitude(m):
        s = torch.fft.fft2(m, dim=(-2, -1), norm="ortho").flatten(2)
        return torch.sqrt(s.real ** 2 + s.imag ** 2 + 1e-12)

    fp, fy = amplitude(p), amplitude(y)
    fp = fp - fp.mean(-1, keepdim=True)
    fy = fy - fy.mean(-1, keepdim=True)
    r = (fp * fy).mean(-1) / torch.sqrt((fp * fp).mean(-1) * (fy * fy).mean(-1) + eps)
    area = y.sum((2, 3))
    valid = (area > 0) & (area < y.shape[-1] * y.shape[-2]) & ((fy * fy).mean(-1) > 1e-12)
    count = valid.sum()
    return 1 - torch.where(valid, r, torch.zeros_like(r)).sum() / count.clamp(min=1)


def objective(logits, labels, lam):
    probs = torch.softmax(logits, 1)
    onehot = F.one_hot(labels, logits.shape[1]).permute(0, 3, 1, 2).float()
    spatial = 0.5 * F.cross_entropy(logits, labels) + 0.5 * soft_dice(probs, onehot)
    return spatial + lam * spectral_loss(probs, onehot) if lam else spatial


def profile_step(step, top=30):
    """One step under PyTorch's CPU profiler, summarised as mis-spectral bench --profile does
    (lib/bench/profile.h): per operator name, calls, self and total milliseconds, largest self first."""
    with torch.autograd.profiler.profile() as prof:
        start = time.perf_counter()
        step()
        wall_ms = (time.perf_counter() - start) * 1e3
    ops = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)
    rows = [{"name": e.key, "calls": e.count, "self_ms": e.self_cpu_time_total / 1e3,
             "total_ms": e.cpu_time_total / 1e3} for e in ops]
    total = sum(r["self_ms"] for r in rows)
    return {"operators": rows[:top], "self_ms_total": total, "other_self_ms": total - sum(r["self_ms"] for r in rows[:top]),
            "wall_ms": wall_ms}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--classes", type=int, default=2)
    ap.add_argument("--base-width", type=int, default=64)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    ap.add_argument("--channels-last", action="store_true")
    ap.add_argument("--lambda", dest="lam", type=float, default=0.5)
    ap.add_argument("--threads", type=int, default=0, help="0 = all cores")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--compile", action="store_true",
                    help="torch.compile the model (PyTorch >= 2); a failure to compile is reported in the JSON")
    ap.add_argument("--profile", action="store_true",
                    help="also profile one more step (torch.autograd.profiler, CPU): each operator's self and total "
                         "time, the 30 largest, in the JSON as 'profile' (the same fields as mis-spectral bench --profile)")
    ap.add_argument("--json-out")
    ap.add_argument("--paced", action="store_true",
                    help="before each step print 'ready N' and wait for a line on stdin, and once more after the last "
                         "(a line or the end of stdin), so that the profile and exit do not overlap the other "
                         "program's last step (scripts/bench_pair.py)")
    a = ap.parse_args()

    torch.set_num_threads(a.threads or os.cpu_count())
    torch.manual_seed(0)
    dev = torch.device(a.device)
    fmt = torch.channels_last if a.channels_last else torch.contiguous_format
    model = UNet(1, a.classes, a.base_width).to(dev).to(memory_format=fmt).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    x = torch.randn(a.batch_size, 1, a.size, a.size, device=dev).contiguous(memory_format=fmt)
    field = F.avg_pool2d(torch.randn(a.batch_size, 1, a.size, a.size), 9, 1, 4).squeeze(1)
    ranks = (field - field.min()) / (field.max() - field.min() + 1e-12)
    labels = (ranks * a.classes).long().clamp(0, a.classes - 1).to(dev)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    forward = model
    if a.compile:
        # Compiles on the first (warm-up) step; the timed steps run the compiled graph.
        forward = torch.compile(model)

    def step():
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=a.precision == "bf16"):
            logits = forward(x)
        loss = objective(logits.float(), labels, a.lam)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    def pace(i):  # lockstep with another process: see scripts/bench_pair.py
        if a.paced:
            print(f"ready {i}", flush=True)
            # After the last step the end of stdin is the signal to go on.
            if not sys.stdin.readline() and i < a.warmup + a.steps:
                sys.exit(f"pytorch_reference --paced: stdin closed before step {i}")

    for i in range(a.warmup):
        pace(i)
        step()
    seconds = []
    for i in range(a.steps):
        pace(a.warmup + i)
        t0 = time.perf_counter()
        loss = step()
        sync()
        seconds.append(time.perf_counter() - t0)
    pace(a.warmup + a.steps)
    med = statistics.median(seconds)
    out = {"implementation": "python-pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(),
           "device": str(dev), "compiled": a.compile,
           "size": a.size, "batch_size": a.batch_size, "precision": a.precision, "channels_last": a.channels_last,
           "parameters": sum(p.numel() for p in model.parameters()), "step_seconds": seconds, "median_step_s": med,
           "images_per_s": a.batch_size / med, "last_loss": loss}
    if a.profile:
        out["profile"] = {"train_step": profile_step(step)}
    text = json.dumps(out, indent=2)
    if a.json_out:
        tmp = a.json_out + ".tmp"
        with open(tmp, "w") as f:
            f.write(text + "\n")
        os.replace(tmp, a.json_out)
    print(text)


if __name__ == "__main__":
    main()
