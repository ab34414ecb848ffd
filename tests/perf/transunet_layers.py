#!/usr/bin/env python3
"""Timings of the LibTorch kernels behind lib/models/mixed_precision.h, in the shapes TransUNet's
R50 hybrid meets at 224 x 224, batch 4, channels-last (the C++ step's layout), on this machine.

  groupnorm   every GroupNorm shape of the ResNet (with how often it occurs), forward alone and
              forward + backward, channels-last against an NCHW copy (both layout copies
              counted), in float32 and, where LibTorch takes bf16 input with float32 weights
              (2.x), in that mix: why group_norm_keeping_type runs some norms on an NCHW copy.
  upsample    the decoder's bilinear upsampling backward over a dense gradient and over the
              strided channel slice a concatenation's backward hands it: why
              cat_channels_in_type_of hands each part a dense gradient.

Runs the same kernels as the C++ build that links the same LibTorch (Debian's python3-torch for
LibTorch 1.13.1, a venv's torch for a 2.x wheel). Prints one line per measurement and a JSON
summary (--json-out). Usage: transunet_layers.py [--threads 2] [--repeats 10] [--json-out FILE]
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F

CL = torch.channels_last
# (channels, height = width, groups, occurrences): root 64 @ 112; stage 1 (3 units, mid 64,
# out 256, a projection with one group per channel); stage 2 (4 units, mid 128, out 512; the
# first unit's 1x1 runs at 56 before its strided 3x3); stage 3 (9 units, mid 256, out 1024).
GROUPNORM_SHAPES = [(64, 112, 32, 1), (64, 56, 32, 6), (256, 56, 32, 3), (256, 56, 256, 1), (128, 56, 32, 1),
                    (128, 28, 32, 7), (512, 28, 32, 4), (512, 28, 512, 1), (256, 28, 32, 1), (256, 14, 32, 17),
                    (1024, 14, 32, 9), (1024, 14, 1024, 1)]
BATCH = 4


def milliseconds(work, repeats):
    work()
    start = time.perf_counter()
    for _ in range(repeats):
        work()
    return (time.perf_counter() - start) / repeats * 1000


def groupnorm(dtype, repeats):
    rows, totals = [], {"forward_cl": 0.0, "forward_nchw": 0.0, "train_cl": 0.0, "train_nchw": 0.0}
    for channels, size, groups, count in GROUPNORM_SHAPES:
        norm = torch.nn.GroupNorm(groups, channels, eps=1e-5)
        x = torch.randn(BATCH, channels, size, size).to(dtype).contiguous(memory_format=CL)
        upstream = torch.randn(x.shape).to(dtype).contiguous(memory_format=CL)

        def train(nchw):
            leaf = x.clone().requires_grad_()
            y = norm(leaf.contiguous()).contiguous(memory_format=CL) if nchw else norm(leaf)
            y.backward(upstream)

        with torch.no_grad():
            row = {"channels": channels, "size": size, "groups": groups, "count": count,
                   "forward_cl": milliseconds(lambda: norm(x), repeats),
                   "forward_nchw": milliseconds(lambda: norm(x.contiguous()).contiguous(memory_format=CL), repeats)}
        row["train_cl"] = milliseconds(lambda: train(False), repeats)
        row["train_nchw"] = milliseconds(lambda: train(True), repeats)
        for key in totals:
            totals[key] += count * row[key]
        rows.append(row)
        print(f"groupnorm {str(dtype)[6:]:8} {channels:4d} x {size:3d}^2, {groups:4d} groups (x{count:2d}): "
              f"forward {row['forward_cl']:6.2f} ms channels-last, {row['forward_nchw']:6.2f} NCHW; "
              f"forward+backward {row['train_cl']:6.2f} / {row['train_nchw']:6.2f}")
    print(f"groupnorm {str(dtype)[6:]:8} over the ResNet's 52 norms: forward {totals['forward_cl']:.1f} ms "
          f"channels-last, {totals['forward_nchw']:.1f} NCHW; forward+backward {totals['train_cl']:.1f} / "
          f"{totals['train_nchw']:.1f}")
    return {"rows": rows, "totals_ms": totals}


def upsample(repeats):
    # The decoder block at 1/4: a 4 x 256 x 28 x 28 bf16 map upsampled to 56 and concatenated
    # with a 512-channel skip; the gradient of the whole is channels-last.
    x = torch.randn(BATCH, 256, 28, 28).to(torch.bfloat16).contiguous(memory_format=CL)
    whole = torch.randn(BATCH, 256 + 512, 56, 56).to(torch.bfloat16).contiguous(memory_format=CL)
    strided = whole[:, :256]
    dense = strided.contiguous(memory_format=CL)

    def backward(gradient):
        leaf = x.clone().requires_grad_()
        F.interpolate(leaf, size=(56, 56), mode="bilinear", align_corners=True).backward(gradient)

    result = {"strided_ms": milliseconds(lambda: backward(strided), repeats),
              "dense_ms": milliseconds(lambda: backward(dense), repeats),
              "dense_copy_ms": milliseconds(lambda: strided.contiguous(memory_format=CL), repeats)}
    print(f"upsample backward bf16 4 x 256 x 28^2 -> 56^2: {result['strided_ms']:.2f} ms over the strided slice, "
          f"{result['dense_ms']:.2f} over a dense copy (the copy: {result['dense_copy_ms']:.2f})")
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2, help="intra-op threads (the bench machine's cores)")
    parser.add_argument("--repeats", type=int, default=10, help="timed repetitions of each measurement")
    parser.add_argument("--json-out", help="also write the measurements as JSON to this file")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    report = {"torch": torch.__version__, "threads": args.threads, "repeats": args.repeats,
              "groupnorm": {"float32": groupnorm(torch.float32, args.repeats)}}
    try:  # bf16 input with float32 weight and bias: LibTorch 2.0 and later
        torch.nn.GroupNorm(2, 4)(torch.zeros(1, 4, 2, 2, dtype=torch.bfloat16))
        report["groupnorm"]["bfloat16_mixed"] = groupnorm(torch.bfloat16, args.repeats)
    except RuntimeError as error:
        print(f"groupnorm bfloat16 with float32 weights: not in this LibTorch ({str(error).splitlines()[0]})")
    report["upsample_backward"] = upsample(args.repeats)
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
