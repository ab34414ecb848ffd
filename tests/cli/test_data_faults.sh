#!/usr/bin/env bash
# Nothing lost, ever: a dataset whose files do not match (an image without its label or the
# reverse, numTraining against the files, a channel file missing, a case listed in manifest.json
# but gone), a 4-D image, or a slice size the model cannot take is one "error: <file>: ..." line,
# exit 2, never a run on fewer cases or on the first frame.
source "$(dirname "$0")/lib.sh"
"$BIN" synth -o "$WORK/data" --cases 3 --test-cases 2 --size 32 --slices 3 --domains 1 --seed 3 >/dev/null 2>&1 \
  || fail "synth failed"
D=$WORK/data/source
T=(train --iterations 2 --batch-size 2 --model-options '{"base_width":4,"depth":2}' --threads 1)
"$BIN" "${T[@]}" --data "$D" -o "$WORK/good" >/dev/null 2>&1 || fail "a good run failed"
C=$WORK/good/checkpoint.pt

variant() {  # variant NAME: a fresh copy of the dataset to break
  rm -rf "$WORK/$1"
  cp -r "$D" "$WORK/$1"
  echo "$WORK/$1"
}

# set_json FILE KEY VALUE (VALUE is JSON)
set_json() {
  python3 - "$@" <<'PY'
import json, sys
p, k, v = sys.argv[1:]
j = json.load(open(p)); j[k] = json.loads(v); json.dump(j, open(p, "w"))
PY
}

# to_4d SRC DST FRAMES: the same NIfTI with a 4th dimension of FRAMES frames (the volume repeated).
to_4d() {
  python3 - "$@" <<'PY'
import gzip, struct, sys
src, dst, frames = sys.argv[1], sys.argv[2], int(sys.argv[3])
b = bytearray(gzip.open(src).read())
assert struct.unpack("<i", b[0:4])[0] == 348, "expected a little-endian NIfTI-1 file"
dims = list(struct.unpack("<8h", b[40:56]))
offset = int(struct.unpack("<f", b[108:112])[0])
dims[0], dims[4] = 4, frames
b[40:56] = struct.pack("<8h", *dims)
with gzip.open(dst, "wb") as f:
    f.write(bytes(b[:offset]) + bytes(b[offset:]) * frames)
PY
}

# ---- listed and found cases
V=$(variant noimage)
rm "$V/imagesTr/synth_tr001_0000.nii.gz"
expect_error "label without its image" "labelsTr: 1 label map(s) without images in imagesTr: synth_tr001" \
  "$BIN" "${T[@]}" --data "$V" -o "$WORK/r1"

V=$(variant numtraining)
set_json "$V/dataset.json" numTraining 5
expect_error "numTraining larger than the files" "dataset.json: numTraining is 5 but imagesTr holds 3 case(s) (synth_tr000, synth_tr001, synth_tr002)" \
  "$BIN" "${T[@]}" --data "$V" -o "$WORK/r2"

V=$(variant twochannels)
set_json "$V/dataset.json" channel_names '{"0": "MRI", "1": "MRI2"}'
for f in "$V"/imagesTr/*_0000.nii.gz; do cp "$f" "${f%_0000.nii.gz}_0001.nii.gz"; done
rm "$V/imagesTr/synth_tr002_0000.nii.gz"
expect_error "channel 1 without channel 0" "imagesTr: 1 case(s) lack channel files: synth_tr002 (no synth_tr002_0000.nii.gz)" \
  "$BIN" "${T[@]}" --data "$V" -o "$WORK/r3"

V=$(variant extrachannel)
cp "$V/imagesTr/synth_tr000_0000.nii.gz" "$V/imagesTr/synth_tr000_0001.nii.gz"
expect_error "a channel dataset.json does not declare" "synth_tr000_0001.nii.gz: channel 1 of case synth_tr000, but dataset.json's channel_names declares 1 channel" \
  "$BIN" "${T[@]}" --data "$V" -o "$WORK/r4"

V=$(variant otherending)
gunzip -c "$V/imagesTr/synth_tr002_0000.nii.gz" > "$V/imagesTr/synth_tr002_0000.nii"
rm "$V/imagesTr/synth_tr002_0000.nii.gz"
expect_error "an image in another format than file_ending" "synth_tr002_0000.nii: an image ending in .nii where dataset.json's file_ending is .nii.gz" \
  "$BIN" "${T[@]}" --data "$V" -o "$WORK/r5"

V=$(variant testnoimage)
rm "$V/imagesTs/synth_ts001_0000.nii.gz"
expect_error "eval: a test label without its image" "labelsTs: 1 label map(s) without images in imagesTs: synth_ts001" \
  "$BIN" eval -c "$C" --data "$V" --split test --threads 1 -o "$WORK/e1.json"
[ ! -e "$WORK/e1.json" ] && pass "no result after a failed eval" || fail "eval wrote a result on fewer cases"

V=$(variant prepnoimage)
rm "$V/imagesTr/synth_tr001_0000.nii.gz"
expect_error "preprocess: a label without its image" "labelsTr: 1 label map(s) without images in imagesTr: synth_tr001" \
  "$BIN" preprocess --dataset nnunet --input "$V" -o "$WORK/p1"

# manifest.json (written by preprocess) lists every case: one gone from disk is an error.
"$BIN" preprocess --dataset nnunet --input "$D" -o "$WORK/prep" >/dev/null 2>&1 || fail "preprocess of good data failed"
cp -r "$WORK/prep" "$WORK/prepgone"
rm "$WORK/prepgone/imagesTs/synth_ts001_0000.nii.gz" "$WORK/prepgone/labelsTs/synth_ts001.nii.gz"
expect_error "a case listed in manifest.json but missing on disk" "imagesTs: 1 case(s) listed in .*manifest.json are missing here: synth_ts001" \
  "$BIN" eval -c "$C" --data "$WORK/prepgone" --split test --threads 1 -o "$WORK/e2.json"
"$BIN" eval -c "$C" --data "$WORK/prep" --split test --threads 1 -o "$WORK/e3.json" >/dev/null 2>&1 \
  && python3 -c "import json,sys; assert json.load(open(sys.argv[1]))['evaluations'][0]['dataset']['cases'] == 2" "$WORK/e3.json" \
  && pass "the intact preprocessed dataset evaluates both test cases" || fail "eval of the intact preprocessed dataset"

# ---- 4-D images: refused, never cut to their first frame; one frame is a 3-D volume
V=$(variant fourd)
to_4d "$D/imagesTr/synth_tr000_0000.nii.gz" "$V/imagesTr/synth_tr000_0000.nii.gz" 2
expect_error "train: 4-D image" "synth_tr000_0000.nii.gz: a 4-D image (32x32x3x2)" "$BIN" "${T[@]}" --data "$V" -o "$WORK/r6"
expect_error "preprocess: 4-D image" "synth_tr000_0000.nii.gz: a 4-D image (32x32x3x2)" \
  "$BIN" preprocess --dataset nnunet --input "$V" --threads 1 -o "$WORK/p2"
V=$(variant fourdtest)
to_4d "$D/imagesTs/synth_ts000_0000.nii.gz" "$V/imagesTs/synth_ts000_0000.nii.gz" 2
expect_error "eval: 4-D image" "synth_ts000_0000.nii.gz: a 4-D image (32x32x3x2)" \
  "$BIN" eval -c "$C" --data "$V" --split test --threads 1 -o "$WORK/e4.json"
mkdir -p "$WORK/pred4d"
cp "$D"/labelsTs/*.nii.gz "$WORK/pred4d/"
to_4d "$D/labelsTs/synth_ts000.nii.gz" "$WORK/pred4d/synth_ts000.nii.gz" 3
expect_error "score: 4-D prediction" "pred4d/synth_ts000.nii.gz: a 4-D image (32x32x3x3)" \
  "$BIN" score --pred "$WORK/pred4d" --ref "$D/labelsTs" --threads 1 -o "$WORK/s1.json"
V=$(variant oneframe)
to_4d "$D/imagesTr/synth_tr000_0000.nii.gz" "$V/imagesTr/synth_tr000_0000.nii.gz" 1
"$BIN" "${T[@]}" --data "$V" -o "$WORK/r7" >/dev/null 2>&1 && pass "a 4-D image of one frame trains as 3-D" \
  || fail "a 4-D image of one frame was refused"

# ---- score: a label map in a format it does not read is not skipped
mkdir -p "$WORK/predmha"
cp "$D"/labelsTs/*.nii.gz "$WORK/predmha/"
cp "$D/labelsTs/synth_ts001.nii.gz" "$WORK/predmha/synth_ts002.mha"
expect_error "score: a prediction in an unread format" "synth_ts002.mha: a label map score does not read (.mha)" \
  "$BIN" score --pred "$WORK/predmha" --ref "$D/labelsTs" --threads 1 -o "$WORK/s2.json"

# ---- slice sizes the model cannot take (depth 2: multiples of 4, trained at the native size)
"$BIN" synth -o "$WORK/odd" --cases 1 --test-cases 1 --size 30 --slices 3 --domains 1 --seed 3 >/dev/null 2>&1 \
  || fail "synth --size 30 failed"
O=$WORK/odd/source
P="has slices of 30x30 (width x height), but model unet-small was trained at the native slice size and needs sizes divisible by 4"
expect_error "eval: size not divisible" "$O (test): case synth_ts000 $P" \
  "$BIN" eval -c "$C" --data "$O" --split test --threads 1 -o "$WORK/e5.json"
expect_error "noise-sweep: size not divisible" "case synth_ts000 $P" \
  "$BIN" noise-sweep -c "$C" --data "$O" --split test --threads 1 -o "$WORK/n1.json"
expect_error "calibrate: size not divisible" "case synth_ts000 $P" \
  "$BIN" calibrate -c "$C" --data "$O" --split test --threads 1 -o "$WORK/c1.json"
expect_error "explain: size not divisible" "case synth_ts000 $P" \
  "$BIN" explain -c "$C" --data "$O" --split test --threads 1 -o "$WORK/x1.json"
finish
