"""TransUNet's R50+ViT-B/16 encoder (lib/models/resnet_v2.cpp, vit.cpp, transunet.cpp) and its .npz
loader (pretrained_mapping.cpp) against timm's R50+ViT hybrid (vision_transformer_hybrid.py), both
loading the same random file in the layout of Google's R50+ViT-B_16.npz: every array name, shape
and dtype of the official ImageNet-21k checkpoint that TransUNet starts from, including the classifier
arrays a segmentation model skips. timm reads it with its own loader (vision_transformer._load_weights),
mis-spectral with its own; then both run the encoder on the same images and every intermediate map
is compared:

  the ResNet's skip features at 1/2, 1/4 and 1/8, and its 1/16 map      float32, 1e-4 of the largest
  the patch tokens plus position embeddings, the tokens after each of   |value| of each map (absolute)
  the 12 encoder blocks, and after the final LayerNorm

This is the test that the official weights load right: a kernel not flipped from HWIO, query and key
exchanged, a GroupNorm scale given to the wrong unit or the class token's position embedding kept all
change these maps far beyond the tolerance (tests/peers/mutants.py shows one).

TransUNet's PyTorch port (github.com/Beckschen/TransUNet, networks/vit_seg_modeling_resnet_skip.py)
builds the ResNet differently from Google's JAX code, which timm follows; the port's conventions are
the published model's, so timm's building blocks are assembled here with them, each named:

  weight standardisation eps 1e-5 (timm's hybrid: 1e-8), symmetric convolution padding (timm's
  hybrid: TensorFlow's SAME), a 3x3/2 max pool without padding whose 1/4 map is then zero-padded
  at the bottom and right for the skip (timm: SAME padding), GroupNorm eps 1e-6 in the units (timm:
  1e-5) and one group per channel, eps 1e-5, in the projection's GroupNorm (timm and JAX: 32
  groups), no class token (its position embedding is dropped, as TransUNet's load_from does).

Usage: check_transunet.py PATH/TO/mis_peers_probe
"""
import functools
import os

import numpy as np
import timm
import torch
from timm.layers import GroupNormAct, HybridEmbed, StdConv2d
from timm.models.resnetv2 import ResNetV2
from timm.models.vision_transformer import VisionTransformer, _load_weights


import common

HIDDEN, HEADS, MLP, LAYERS = 768, 12, 3072, 12
UNITS = (3, 4, 9)           # ResNet-50's first three stages
WIDTH = 64
IMAGENET21K_CLASSES = 21843
TOLERANCE = 1e-4            # of each map's largest magnitude: float32 through 12 blocks and 16 units


def official_layout():
    """{name: shape} of R50+ViT-B_16.npz (all float32). GroupNorm scales and biases are stored as
    [1, 1, 1, C] (flax.nn's GroupNorm; timm's loader flattens exactly that shape, TransUNet's
    load_from calls view(-1) on it); LayerNorm ones as [C]."""
    layout = {"conv_root/kernel": (7, 7, 3, WIDTH), "gn_root/scale": (1, 1, 1, WIDTH), "gn_root/bias": (1, 1, 1, WIDTH)}
    cin = WIDTH
    for b, units in enumerate(UNITS):
        mid = WIDTH * 2 ** b
        cout = 4 * mid
        for u in range(units):
            unit = f"block{b + 1}/unit{u + 1}/"
            for n, (kh, i, o) in enumerate([(1, cin if u == 0 else cout, mid), (3, mid, mid), (1, mid, cout)], 1):
                layout[f"{unit}conv{n}/kernel"] = (kh, kh, i, o)
                layout[f"{unit}gn{n}/scale"] = layout[f"{unit}gn{n}/bias"] = (1, 1, 1, o)
            if u == 0:
                layout[f"{unit}conv_proj/kernel"] = (1, 1, cin, cout)
                layout[f"{unit}gn_proj/scale"] = layout[f"{unit}gn_proj/bias"] = (1, 1, 1, cout)
        cin = cout
    layout["embedding/kernel"] = (1, 1, cin, HIDDEN)
    layout["embedding/bias"] = (HIDDEN,)
    layout["cls"] = (1, 1, HIDDEN)
    layout["Transformer/posembed_input/pos_embedding"] = (1, 1 + 14 * 14, HIDDEN)
    for i in range(LAYERS):
        block = f"Transformer/encoderblock_{i}/"
        for ln in ("LayerNorm_0", "LayerNorm_2"):
            layout[f"{block}{ln}/scale"] = layout[f"{block}{ln}/bias"] = (HIDDEN,)
        mha = f"{block}MultiHeadDotProductAttention_1/"
        for n in ("query", "key", "value"):
            layout[f"{mha}{n}/kernel"] = (HIDDEN, HEADS, HIDDEN // HEADS)
            layout[f"{mha}{n}/bias"] = (HEADS, HIDDEN // HEADS)
        layout[f"{mha}out/kernel"] = (HEADS, HIDDEN // HEADS, HIDDEN)
        layout[f"{mha}out/bias"] = (HIDDEN,)
        layout[f"{block}MlpBlock_3/Dense_0/kernel"] = (HIDDEN, MLP)
        layout[f"{block}MlpBlock_3/Dense_0/bias"] = (MLP,)
        layout[f"{block}MlpBlock_3/Dense_1/kernel"] = (MLP, HIDDEN)
        layout[f"{block}MlpBlock_3/Dense_1/bias"] = (HIDDEN,)
    layout["Transformer/encoder_norm/scale"] = layout["Transformer/encoder_norm/bias"] = (HIDDEN,)
    layout["pre_logits/kernel"], layout["pre_logits/bias"] = (HIDDEN, HIDDEN), (HIDDEN,)
    layout["head/kernel"], layout["head/bias"] = (HIDDEN, IMAGENET21K_CLASSES), (IMAGENET21K_CLASSES,)
    return layout


def random_arrays(layout, rng):
    """Random values at scales that keep activations of order 1 through the network: kernels
    N(0, 1/fan_in), norm scales 1 + N(0, 0.1^2) (LayerNorm) or N(1, 0.3^2) (GroupNorm), biases
    N(0, 0.1^2), position embeddings and class token N(0, 0.02^2)."""
    arrays = {}
    for name, shape in layout.items():
        leaf = name.rsplit("/", 1)[-1]
        if leaf == "kernel":
            fan_in = int(np.prod(shape[:-1])) if "out/kernel" not in name else shape[0] * shape[1]
            value = rng.standard_normal(shape) / np.sqrt(fan_in)
        elif leaf == "scale":
            layer_norm = name.startswith("Transformer/")
            value = 1 + rng.standard_normal(shape) * (0.1 if layer_norm else 0.3)
        elif leaf in ("pos_embedding", "cls"):
            value = rng.standard_normal(shape) * 0.02
        else:
            value = rng.standard_normal(shape) * 0.1
        arrays[name] = value.astype(np.float32)
    return arrays


def timm_encoder_as_transunet():
    """timm's R50+ViT-B/16 hybrid with TransUNet's conventions (module docstring)."""
    conv = functools.partial(StdConv2d, eps=1e-5)
    norm = functools.partial(GroupNormAct, num_groups=32, eps=1e-6)
    backbone = ResNetV2(layers=UNITS, num_classes=0, global_pool="", in_chans=3, preact=False, stem_type="",
                        conv_layer=conv, norm_layer=norm)
    backbone.stem.pool = torch.nn.MaxPool2d(kernel_size=3, stride=2, padding=0)
    for stage in backbone.stages:
        for block in stage.blocks:
            if block.downsample is not None:
                gn = block.downsample.norm
                gn.num_groups, gn.eps = gn.num_channels, 1e-5
    model = VisionTransformer(img_size=224, patch_size=1, embed_dim=HIDDEN, depth=LAYERS, num_heads=HEADS,
                              mlp_ratio=MLP / HIDDEN, num_classes=0,
                              embed_layer=functools.partial(HybridEmbed, backbone=backbone))
    return model.eval()


@torch.no_grad()
def timm_maps(model, x):
    """The maps the probe writes, from timm's modules (its ResNetV2 stem and stages, HybridEmbed's
    projection, its Blocks and final norm), without the class token."""
    backbone = model.patch_embed.backbone
    maps = {}
    half = backbone.stem.norm(backbone.stem.conv(x))        # root conv, GroupNorm, ReLU
    y = backbone.stem.pool(half)
    skips = []
    for stage in backbone.stages:
        y = stage(y)
        skips.append(y)
    h, w = x.shape[-2:]
    quarter = skips[0]
    quarter = torch.nn.functional.pad(quarter, (0, w // 4 - quarter.shape[-1], 0, h // 4 - quarter.shape[-2]))
    # In the order the encoder computes them, so the first disagreement names where it starts.
    maps["skip/2"], maps["skip/1"], maps["skip/0"] = half, quarter, skips[1]
    maps["resnet"] = y
    tokens = model.patch_embed.proj(y).flatten(2).transpose(1, 2)
    tokens = tokens + model.pos_embed[:, model.num_prefix_tokens:]
    maps["embeddings"] = tokens
    for i, block in enumerate(model.blocks):
        tokens = block(tokens)
        maps[f"hidden/{i}"] = tokens
    maps["encoded"] = model.norm(tokens)
    return {k: v.numpy() for k, v in maps.items()}


def check():
    probe = common.binary()
    work = common.scratch("transunet")
    rng = np.random.default_rng(13)
    layout = official_layout()
    weights = os.path.join(work, "R50+ViT-B_16.npz")
    np.savez(weights, **random_arrays(layout, rng))
    x = rng.standard_normal((2, 3, 224, 224)).astype(np.float32)
    np.savez(os.path.join(work, "x.npz"), x=x)
    common.run(probe, "transunet", "transunet", weights, os.path.join(work, "x.npz"), os.path.join(work, "out.npz"))
    ours = np.load(os.path.join(work, "out.npz"))

    torch.set_num_threads(1)
    model = timm_encoder_as_transunet()
    _load_weights(model, weights)
    theirs = timm_maps(model, torch.from_numpy(x))

    t = common.Tally(f"TransUNet R50+ViT-B/16 encoder: mis-spectral vs timm {timm.__version__} "
                     f"(PyTorch {torch.__version__}), one random .npz of the official layout "
                     f"({len(layout)} arrays, {sum(int(np.prod(s)) for s in layout.values()):,} values)")
    t.equal("maps written by the probe", "names", sorted(ours.files), sorted(theirs))
    for name, value in theirs.items():
        scale = float(np.abs(value).max())
        t.close_all(f"{name} {list(value.shape)}, to {TOLERANCE:g} of the largest", "2 images of 224x224",
                    ours[name], value, rel=TOLERANCE, abs_tol=TOLERANCE * scale)
    return t


if __name__ == "__main__":
    common.main(check)
