#!/usr/bin/env bash
# scripts/mri-atlas-dataset.py (make demo-mri, docs/mri-study.md) on stand-in templates whose
# voxels say where they came from: ch2 holds x + 2y + 3z of its voxel index, ch2bet its y index,
# ch2better (at 0.5 mm along z, as the real one is finer) the ch2 grid's z index of its world z,
# aal a region that cycles through the AAL code table. Every case voxel is then traced back to its
# source voxel by value: the left half trains, the reflected right one tests, no source column is
# in both, each slab is where its name says, labels are the grouped regions; a centred average and
# linear interpolation keep a linear ramp, so the 3 mm set and the resampled ch2better must give
# the ramp back (their grids are centred right); and preprocess reads the output.
# Needs Debian's python3-nibabel and python3-scipy, which `make deps` installs.
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PY=/usr/bin/python3
$PY -c 'import nibabel, scipy' 2>/dev/null || { fail "Debian's python3-nibabel and python3-scipy are missing (make deps)"; exit 1; }
cd "$WORK" || exit 1
$PY - <<'PY' || fail "writing the stand-in templates"
import nibabel as nib, numpy as np, os
os.makedirs("templates")
shape = (181, 217, 181)
affine = np.array([[1., 0, 0, -90], [0, 1, 0, -126], [0, 0, 1, -72], [0, 0, 0, 1]])
x, y, z = np.indices(shape)
def save(name, data):
    nib.save(nib.Nifti1Image(data.astype(np.uint8), affine), "templates/" + name)
nib.save(nib.Nifti1Image((x + 2 * y + 3 * z).astype(np.float32), affine), "templates/ch2.nii.gz")
save("ch2bet.nii.gz", y)
# 0.5 mm along z from world z = -74.25 (an odd offset, as ch2better's own grid has): value = the
# ch2 grid's z index of the voxel's world z, so resampling onto the ch2 grid must give z back.
fine = np.diag([1.0, 1.0, 0.5, 1.0]); fine[:3, 3] = [-90, -126, -74.25]
k = np.arange(370, dtype=np.float32)
ramp = np.broadcast_to((-74.25 + 0.5 * k + 72)[None, None, :], (181, 217, 370)).astype(np.float32)
nib.save(nib.Nifti1Image(ramp, fine), "templates/ch2better.nii.gz")
save("aal.nii.gz", np.where((x + y + z) % 5 == 0, 0, (x * 7 + y * 3 + z) % 116 + 1))
digits = "23456789"
with open("templates/aal.nii.txt", "w") as f:  # region k's code starts with digits[k % 8]
    for k in range(1, 117):
        f.write(f"{k} Region_{k} {digits[k % 8]}{k:03d}\r\n")
    f.write("\n")
PY
$PY "$ROOT/scripts/mri-atlas-dataset.py" out --templates templates >/dev/null 2>"$WORK/err" || fail "builder: $(cat "$WORK/err")"

$PY - <<'PY' && pass "cases trace back to the hemisphere, slab and regions their names say" || fail "case contents"
import glob, os, re
import nibabel as nib, numpy as np
group = {"2": 1, "3": 1, "4": 1, "5": 1, "6": 1, "8": 1, "7": 2, "9": 3}  # docs/mri-study.md, "Labels"
digits = "23456789"
def region_class(k):
    return np.where(k == 0, 0, np.vectorize(lambda r: group[digits[r % 8]])(k))
def read(path):
    return np.asarray(nib.load(path).dataobj)
columns = {"L": set(), "R": set()}
counts = {}
for split, side in (("Tr", "L"), ("Ts", "R")):
    files = sorted(glob.glob(f"out/source/images{split}/*_0000.nii.gz"))
    counts[split] = len(files)
    for f in files:
        case = os.path.basename(f)[: -len("_0000.nii.gz")]
        m = re.fullmatch(r"colin27_([LR])_z(\d{3})([ap])", case)
        assert m and m.group(1) == side, case
        z0 = int(m.group(2))
        y0 = 112 if m.group(3) == "a" else 16
        values = read(f)  # ch2: x + 2y + 3z of the source voxel
        assert values.shape == (90, 96, 8), (case, values.shape)
        expect_x = np.arange(90) if side == "L" else 180 - np.arange(90)
        X, Y, Z = np.meshgrid(expect_x, np.arange(y0, y0 + 96), np.arange(z0, z0 + 8), indexing="ij")
        assert (values == X + 2 * Y + 3 * Z).all(), case
        columns[side].update(expect_x.tolist())
        ys = read(f.replace("source", "skull-stripped").replace("imagesTr", "imagesTs")) if side == "R" else None
        zs = read(f.replace("source", "ch2better").replace("imagesTr", "imagesTs")) if side == "R" else None
        if side == "R":
            assert np.allclose(ys, np.arange(y0, y0 + 96)[None, :, None], atol=1e-4), case
            assert np.allclose(zs, np.arange(z0, z0 + 8)[None, None, :], atol=1e-3), (case, zs[0, 0, :3])
        regions = np.where((X + Y + Z) % 5 == 0, 0, (X * 7 + Y * 3 + Z) % 116 + 1)
        label = read(f.replace("images", "labels").replace("_0000", ""))
        assert (label == region_class(regions)).all(), case
        world = nib.load(f).affine @ np.array([0, 0, 0, 1.0])
        assert np.allclose(world[:3], [-90, y0 - 126, z0 - 72]), (case, world)
assert counts == {"Tr": 38, "Ts": 38}, counts
assert not columns["L"] & columns["R"] and 90 not in columns["L"] | columns["R"]
for ood in ("lowres", "skull-stripped", "ch2better"):
    assert len(glob.glob(f"out/{ood}/imagesTs/*_0000.nii.gz")) == 38 and not os.path.exists(f"out/{ood}/imagesTr")
    assert sorted(os.listdir(f"out/{ood}/labelsTs")) == sorted(os.listdir("out/source/labelsTs"))
PY

$PY - <<'PY' && pass "the 3 mm set is the x + 2y + 3z ramp again away from the edges (coarse voxels centred right)" || fail "3 mm set"
import glob, os, re, nibabel as nib, numpy as np
for f in glob.glob("out/lowres/imagesTs/*_0000.nii.gz"):
    m = re.search(r"_z(\d{3})([ap])_0000", f)
    z0, y0 = int(m.group(1)), 112 if m.group(2) == "a" else 16
    X, Y, Z = np.meshgrid(180 - np.arange(90), np.arange(y0, y0 + 96), np.arange(z0, z0 + 8), indexing="ij")
    values = np.asarray(nib.load(f).dataobj)
    # source x 177..93 (the far edge's zero padding and clamping stay out); y and z are interior
    assert np.allclose(values[3:87], (X + 2 * Y + 3 * Z)[3:87], atol=1e-2), (f, (values - X - 2 * Y - 3 * Z)[3:6, 0, 0])
PY

"$BIN" preprocess --dataset nnunet --input out/source --output prep --threads 1 >/dev/null 2>"$WORK/err" \
  && [ "$(ls prep/imagesTr | wc -l)" = 38 ] && [ "$(ls prep/imagesTs | wc -l)" = 38 ] \
  && pass "preprocess --dataset nnunet reads the source set" || fail "preprocess: $(cat "$WORK/err")"

before=$(find out -printf '%p %s %T@\n' | sort | md5sum)
err=$($PY "$ROOT/scripts/mri-atlas-dataset.py" out --templates templates 2>&1 >/dev/null); rc=$?
[ $rc = 2 ] && [ "$(echo "$err" | wc -l)" = 1 ] && echo "$err" | grep -q "out exists" \
  && [ "$(find out -printf '%p %s %T@\n' | sort | md5sum)" = "$before" ] && [ ! -e out.partial ] \
  && pass "an existing OUT is refused, nothing written" || fail "existing OUT: rc $rc, $err"
rm templates/ch2bet.nii.gz
err=$($PY "$ROOT/scripts/mri-atlas-dataset.py" out2 --templates templates 2>&1 >/dev/null); rc=$?
[ $rc = 2 ] && [ "$(echo "$err" | wc -l)" = 1 ] && echo "$err" | grep -q "ch2bet.nii.gz not found: install Debian's mricron-data" \
  && [ ! -e out2 ] && [ ! -e out2.partial ] \
  && pass "a missing template names the file and the package, nothing written" || fail "missing template: rc $rc, $err"
sed -i '3s/.*/3 Frontal_Sup_L twenty/' templates/aal.nii.txt
err=$($PY "$ROOT/scripts/mri-atlas-dataset.py" out3 --templates templates 2>&1 >/dev/null); rc=$?
[ $rc = 2 ] && echo "$err" | grep -q "aal.nii.txt:3: expected 'INDEX NAME CODE'" && [ ! -e out3 ] \
  && pass "a malformed AAL table names its line" || fail "malformed table: rc $rc, $err"
finish
