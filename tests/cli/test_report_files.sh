#!/usr/bin/env bash
# The report's files for other programs, on a study written by hand (report_fixture.py): every
# table's CSV has unique column names and reads back to the numbers of report.json; cases.csv
# (tidy: one row per run x test set x case x class x metric) holds exactly the per-case numbers
# of the result files, recomputed here from them; the figures exist as SVG (well-formed XML) and,
# where the build renders them, as PDF and PNG that parse (signature, PNG size 2x the SVG's).
source "$(dirname "$0")/lib.sh"
python3 "$(dirname "$0")/report_fixture.py" "$WORK/results" || fail "fixture"
"$BIN" report "$WORK/results" --out "$WORK/rep" >/dev/null 2>"$WORK/stderr.txt" || fail "report: $(cat "$WORK/stderr.txt")"

python3 - "$WORK/rep" <<'PY' && pass "tables/*.csv: unique column names, numbers equal report.json" || fail "table CSVs"
import csv, json, math, sys
rep = sys.argv[1]
report = json.load(open(rep + "/report.json"))
for t in report["tables"]:
    with open(f"{rep}/tables/{t['id']}.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    head = rows[0]
    assert len(set(head)) == len(head), (t["id"], [h for h in head if head.count(h) > 1])
    assert len(rows) - 1 == len(t["rows"]), t["id"]
    for row, jrow in zip(rows[1:], t["rows"]):
        assert len(row) == len(head), (t["id"], row)
        for name, cell in zip(t["columns"], jrow):
            v = row[head.index(name)]
            if isinstance(cell, dict) and "value" in cell:
                assert float(v) == cell["value"], (t["id"], name, v, cell)  # full precision round trip
                if cell.get("ci"):
                    lo, hi = float(row[head.index(name + " CI low")]), float(row[head.index(name + " CI high")])
                    assert [lo, hi] == cell["ci"] and lo <= hi, (name, lo, hi)
            elif isinstance(cell, dict):
                assert v == cell["status"], (name, v, cell)
            else:
                assert v == cell, (name, v, cell)
PY

python3 - "$WORK/results" "$WORK/rep/cases.csv" <<'PY' && pass "cases.csv: tidy, every per-case number of eval and noise-sweep, NA for null" || fail "cases.csv"
import csv, glob, json, os, sys
R, path = sys.argv[1:]
with open(path, newline="", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
want = {}
for f in sorted(glob.glob(R + "/runs/*/*.json")):
    doc = json.load(open(f))
    if doc.get("kind") not in ("eval", "noise-sweep"):
        continue
    rid = os.path.basename(os.path.dirname(f))
    for e in doc["evaluations"]:
        nz = e.get("noise", {})
        for c in e["cases"]:
            for cls, ms in c["metrics"].items():
                for m, v in ms.items():
                    key = (rid, doc["kind"], e["role"], e["dataset"]["name"], nz.get("type", "NA"),
                           str(nz["level"]) if "level" in nz else "NA", c["id"], cls, m)
                    want[key] = v
got = {}
for r in rows:
    key = (r["run"], r["result"], r["role"], r["test_set"], r["noise_type"],
           r["noise_level"] if r["noise_level"] == "NA" else str(float(r["noise_level"])), r["case"], r["class"], r["metric"])
    assert key not in got, key
    got[key] = r["value"]
norm = {k[:5] + ((k[5] if k[5] == "NA" else str(float(k[5]))),) + k[6:]: v for k, v in want.items()}
assert set(got) == set(norm), (len(got), len(norm), list(set(norm) ^ set(got))[:3])
for k, v in norm.items():
    g = got[k]
    if v is None: assert g == "NA", (k, g)
    elif isinstance(v, bool): assert g == ("1" if v else "0"), (k, g)
    else: assert float(g) == v, (k, g, v)
# The run's labels come from run.json.
r0 = next(r for r in rows if r["run"] == "acdc-transunet-spectral-s1")
assert (r0["dataset"], r0["model"], r0["variant"], r0["seed"]) == ("ACDC", "transunet", "spectral", "1")
assert list(rows[0].keys())[-3:] == ["class", "metric", "value"]
PY

python3 - "$WORK/rep" "$WORK/stderr.txt" <<'PY' && pass "figures: SVG parses; PDF and PNG written and parse (or the one-line note)" || fail "figures"
import glob, json, os, struct, sys, xml.etree.ElementTree as ET
rep, err = sys.argv[1:]
report = json.load(open(rep + "/report.json"))
assert report["figures"], "no figures"
rendered = "SVG only" not in open(err).read()
for fig in report["figures"]:
    svg = ET.parse(os.path.join(rep, fig["file"])).getroot()
    w, h = float(svg.get("width")), float(svg.get("height"))
    pdf, png = (os.path.join(rep, fig["file"][:-4] + ext) for ext in (".pdf", ".png"))
    if not rendered:
        assert not os.path.exists(pdf) and fig["formats"] == [fig["file"]]
        continue
    assert fig["formats"] == [fig["file"], fig["file"][:-4] + ".pdf", fig["file"][:-4] + ".png"], fig
    data = open(pdf, "rb").read()
    assert data.startswith(b"%PDF-") and b"%%EOF" in data[-64:], pdf
    # The page is the SVG's size at 96 px per inch: 0.75 pt per px.
    import re
    box = [float(x) for x in re.search(rb"/MediaBox \[ *([\d.]+) +([\d.]+) +([\d.]+) +([\d.]+)", data).groups()]
    assert abs(box[2] - 0.75 * w) < 0.5 and abs(box[3] - 0.75 * h) < 0.5, (box, w, h)
    p = open(png, "rb").read()
    assert p[:8] == b"\x89PNG\r\n\x1a\n" and p[12:16] == b"IHDR", png
    assert struct.unpack(">II", p[16:24]) == (round(2 * w), round(2 * h)), png
if not rendered:
    print("note: this build renders no PDF/PNG figures")
PY
finish
