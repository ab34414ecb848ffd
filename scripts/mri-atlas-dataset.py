#!/usr/bin/python3
"""Builds the real-MRI study's datasets (issue 18, item 3; docs/mri-study.md) as nnU-Net v2 raw
datasets from Debian's mricron-data package: the Colin27 T1 brain (ch2.nii.gz) labelled by the
AAL atlas (aal.nii.gz), which was drawn on that very brain (Tzourio-Mazoyer et al., NeuroImage
15:273-289, 2002), so image and labels share one 181 x 217 x 181 grid at 1 mm.

Labels: AAL's 116 regions grouped by the lobe digit of their AAL code (aal.nii.txt, third column):
1 cerebral grey matter (2-6, 8: frontal, insula, limbic, occipital, parietal, temporal), 2 deep
grey nuclei (7), 3 cerebellum (9), both hemispheres alike. (Lobes as classes were tried first: their
borders are conventions of the atlas, not edges in the image, and a small UNet had not learnt
them after 600 steps.)

Split, one subject's two hemispheres: the x < 0 mm half (left) is the training set, the x > 0 mm
half (right, reflected across the mid-sagittal plane so that both look alike to a 2-D network) the
test set. No voxel is in both (the column x = 0 mm is in neither). Each case is a slab of 8 axial
slices of one half's anterior or posterior part, 90 x 96 voxels.

Out-of-distribution test sets, the same right-hemisphere cases and labels, other real images:
  lowres         ch2 averaged over 3 x 3 x 3 mm blocks and interpolated back to 1 mm (a 3 mm
                 acquisition's partial-volume blur)
  skull-stripped ch2bet.nii.gz: the same brain with skull and scalp removed (another
                 preprocessing, another intensity scale)
  ch2better      ch2better.nii.gz: Colin27 at 0.5 mm, brain only, with stronger grey-white
                 contrast; box-averaged and resampled onto the 1 mm grid (trilinear)

Usage: mri-atlas-dataset.py OUT [--templates DIR]
Writes OUT/source (imagesTr, labelsTr, imagesTs, labelsTs) and OUT/<ood>/ (imagesTs, labelsTs),
each with dataset.json; then `mis-spectral preprocess --dataset nnunet` reads them.
Needs Debian's python3-nibabel, python3-scipy and mricron-data (scripts/install-deps.sh
--with-mri-data).
"""
import argparse
import json
import os
import shutil
import sys

import nibabel as nib
import numpy as np
from scipy import ndimage

CLASSES = {  # label -> (name, AAL code lobe digits)
    1: ("cerebral-grey-matter", "234568"),  # frontal, insula, limbic, occipital, parietal, temporal
    2: ("deep-grey-nuclei", "7"),           # caudate, putamen, pallidum, thalamus
    3: ("cerebellum", "9"),                 # hemispheres and vermis
}
MIDLINE_X = 90          # voxel index of x = 0 mm in ch2/aal (origin -90 mm, 1 mm voxels)
HEMI_WIDTH = 90         # voxels each side of the midline, midline excluded
Y_RANGE = (16, 208)     # anterior-posterior extent holding every AAL label (20..199), cut in two
Z_RANGE = (8, 160)      # inferior-superior extent holding every AAL label (10..155)
SLAB = 8                # axial slices per case


def fail(message):
    print(f"mri-atlas-dataset: {message}", file=sys.stderr)
    sys.exit(2)


def template_path(templates, name):
    """The path of one of mricron-data's files, which must exist."""
    path = os.path.join(templates, name)
    if not os.path.isfile(path):
        fail(f"{path} not found: install Debian's mricron-data (scripts/install-deps.sh --with-mri-data) "
             "or give --templates")
    return path


def load(templates, name):
    return nib.load(template_path(templates, name))


def grouped_labels(templates, aal):
    """AAL region index -> study class, from the AAL code's lobe digit."""
    path = template_path(templates, "aal.nii.txt")
    lut = np.zeros(256, dtype=np.uint8)
    seen = set()
    with open(path) as table:
        for number, line in enumerate(table, 1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 3 or not fields[0].isdigit() or not 1 <= int(fields[0]) <= 255 or not fields[2].isdigit():
                fail(f"{path}:{number}: expected 'INDEX NAME CODE' (AAL's table), found {line.strip()!r}")
            index, code = int(fields[0]), fields[2]
            for label, (_, digits) in CLASSES.items():
                if code[0] in digits:
                    lut[index] = label
            if lut[index] == 0:
                fail(f"{path}:{number}: region {index}'s code {code} has a lobe digit outside 2-9")
            seen.add(index)
    if seen != set(range(1, 117)):
        fail(f"{path} lists {len(seen)} regions, expected AAL's 116 (1-116): an unexpected mricron-data version")
    return lut[np.asarray(aal.dataobj, dtype=np.uint8)]


def centred_box(data, factor, axis):
    """Averages `factor` voxels along `axis`, centred on each voxel: an even width takes half of
    each end voxel ([1/4, 1/2, 1/4] for 2), as scipy's uniform_filter of an even size would be
    centred half a voxel off."""
    if factor <= 1:
        return data
    weights = np.ones(factor + 1 if factor % 2 == 0 else factor)
    if factor % 2 == 0:
        weights[[0, -1]] = 0.5
    return ndimage.convolve1d(data, weights / weights.sum(), axis=axis, mode="nearest")


def on_ch2_grid(image, ch2):
    """Resamples `image` onto ch2's grid through both affines (trilinear)."""
    data = np.asarray(image.dataobj, dtype=np.float32)
    zooms = np.array(image.header.get_zooms()[:3])
    target = np.array(ch2.header.get_zooms()[:3])
    for axis, factor in enumerate(np.round(target / zooms).astype(int)):
        data = centred_box(data, factor, axis)  # so that downsampling does not alias
    ijk = np.indices(ch2.shape, dtype=np.float32).reshape(3, -1)
    to_source = np.linalg.inv(image.affine) @ ch2.affine
    source = to_source[:3, :3] @ ijk + to_source[:3, 3:4]
    return ndimage.map_coordinates(data, source, order=1, mode="constant", cval=0.0).reshape(ch2.shape)


def low_resolution(data, block=3):
    """Averages block^3 voxels (a coarse acquisition) and interpolates back to the 1 mm grid."""
    shape = np.array(data.shape)
    padded_shape = -(-shape // block) * block
    padded = np.zeros(padded_shape, dtype=np.float32)
    padded[: shape[0], : shape[1], : shape[2]] = data
    coarse = padded.reshape(padded_shape[0] // block, block, padded_shape[1] // block, block,
                            padded_shape[2] // block, block).mean(axis=(1, 3, 5))
    # Coarse voxel centres lie at (block - 1) / 2 + block * k on the fine grid.
    fine = [(np.arange(n) - (block - 1) / 2) / block for n in shape]
    grid = np.meshgrid(*fine, indexing="ij")
    return ndimage.map_coordinates(coarse, grid, order=1, mode="nearest").astype(np.float32)


def hemisphere(volume, side):
    """[x, y, z] -> the left hemisphere, or the right one reflected into the left's orientation."""
    if side == "L":
        return volume[MIDLINE_X - HEMI_WIDTH:MIDLINE_X]
    return volume[MIDLINE_X + HEMI_WIDTH:MIDLINE_X:-1]


def cases(volume, side):
    """Yields (case suffix, [x, y, z] block, voxel origin) for one hemisphere."""
    half = hemisphere(volume, side)
    y_mid = (Y_RANGE[0] + Y_RANGE[1]) // 2
    for z0 in range(Z_RANGE[0], Z_RANGE[1], SLAB):
        for part, (y0, y1) in (("a", (y_mid, Y_RANGE[1])), ("p", (Y_RANGE[0], y_mid))):
            yield f"{side}_z{z0:03d}{part}", half[:, y0:y1, z0:z0 + SLAB], (y0, z0)


def case_affine(ch2, origin):
    """1 mm RAS grid of the case: the left hemisphere's own coordinates (the right one's reflected
    coordinates, x -> -x, land on the same)."""
    y0, z0 = origin
    affine = ch2.affine.copy()
    affine[:3, 3] = ch2.affine[:3, :3] @ np.array([MIDLINE_X - HEMI_WIDTH, y0, z0]) + ch2.affine[:3, 3]
    return affine


def save_synced(image, path):
    nib.save(image, path)
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def write_dataset(folder, name, description, splits):
    """splits: {"Tr"|"Ts": [(case id, image block, label block, affine)]}."""
    count = {}
    for split, items in splits.items():
        os.makedirs(os.path.join(folder, "images" + split))
        os.makedirs(os.path.join(folder, "labels" + split))
        for case_id, image, label, affine in items:
            save_synced(nib.Nifti1Image(image.astype(np.float32), affine),
                        os.path.join(folder, "images" + split, f"{case_id}_0000.nii.gz"))
            save_synced(nib.Nifti1Image(label.astype(np.uint8), affine),
                        os.path.join(folder, "labels" + split, f"{case_id}.nii.gz"))
        count[split] = len(items)
    meta = {
        "name": name,
        "description": description,
        "channel_names": {"0": "T1"},
        "labels": {"background": 0, **{n: k for k, (n, _) in CLASSES.items()}},
        "numTraining": count.get("Tr", 0),
        "numTest": count.get("Ts", 0),
        "file_ending": ".nii.gz",
        "licence": "Debian package mricron-data (main), /usr/share/doc/mricron-data/copyright: BSD-3-clause",
        "reference": "Colin27 (Holmes et al., JCAT 22:324-333, 1998); AAL (Tzourio-Mazoyer et al., NeuroImage 15:273-289, 2002)",
    }
    with open(os.path.join(folder, "dataset.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.flush()
        os.fsync(f.fileno())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="output folder (created; must not exist)")
    parser.add_argument("--templates", default="/usr/share/mricron/templates",
                        help="where mricron-data put ch2.nii.gz, ch2bet.nii.gz, ch2better.nii.gz, aal.nii.gz")
    args = parser.parse_args()
    if os.path.exists(args.out):
        fail(f"{args.out} exists: remove it or choose another OUT (nothing was written)")

    ch2 = load(args.templates, "ch2.nii.gz")
    aal = load(args.templates, "aal.nii.gz")
    if ch2.shape != aal.shape or not np.allclose(ch2.affine, aal.affine):
        fail(f"{os.path.join(args.templates, 'aal.nii.gz')} is not on the grid of ch2.nii.gz beside it "
             "(an unexpected mricron-data version)")
    labels = grouped_labels(args.templates, aal)
    images = {
        "source": np.asarray(ch2.dataobj, dtype=np.float32),
        "lowres": low_resolution(np.asarray(ch2.dataobj, dtype=np.float32)),
        "skull-stripped": on_ch2_grid(load(args.templates, "ch2bet.nii.gz"), ch2),
        "ch2better": on_ch2_grid(load(args.templates, "ch2better.nii.gz"), ch2),
    }

    def split(image, side):
        return [(f"colin27_{suffix}", block, label_block, case_affine(ch2, origin))
                for (suffix, block, origin), (_, label_block, _) in zip(cases(image, side), cases(labels, side))]

    # Everything goes to OUT.partial first (a leftover of an interrupted build is replaced) and
    # becomes OUT in one rename, so that OUT is whole or absent.
    staging = args.out.rstrip("/") + ".partial"
    shutil.rmtree(staging, ignore_errors=True)
    write_dataset(os.path.join(staging, "source"), "Colin27-AAL",
                  "Colin27 T1, AAL grey matter, deep grey nuclei and cerebellum; "
                  "train: x < 0 mm (left), test: x > 0 mm (right) reflected",
                  {"Tr": split(images["source"], "L"), "Ts": split(images["source"], "R")})
    for name in ("lowres", "skull-stripped", "ch2better"):
        write_dataset(os.path.join(staging, name), f"Colin27-AAL-{name}",
                      f"the test cases of source with the {name} image (scripts/mri-atlas-dataset.py)",
                      {"Ts": split(images[name], "R")})
    os.rename(staging, args.out)
    print(f"mri-atlas-dataset: wrote {args.out}/source (38 train, 38 test cases) and 3 out-of-distribution test sets")


if __name__ == "__main__":
    main()
