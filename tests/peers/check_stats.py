"""The report's statistics against SciPy: mean and sample standard deviation over seeds
(scipy.stats.tmean, tstd) and the Wilcoxon signed-rank p-values over paired cases
(scipy.stats.wilcoxon, zero_method="wilcox", correction=False), exact and normal approximation,
with ties and zeros.

Each scenario is one dataset of hand-made run folders (run.json + eval.json, the layout `run`
writes): spatial-only and spatial+spectral runs of several seeds, whose IID DSC (summary mean)
and per-case DSC are the scenario's numbers. `mis-spectral report` turns them into the headline
table; its cells (report.json) are compared with SciPy's results on the same numbers:

  IID DSC spatial / +spectral  value = tmean(100 * DSC over seeds), sd = tstd(...)      1e-9 relative
  IID p                        wilcoxon(spectral - spatial per case).pvalue              1e-9 relative
                               method "exact" for up to 25 non-zero untied differences, else
                               "asymptotic" (report.h, kWilcoxonExactMax); "n/a" where SciPy's is NaN

Per-case values sit in the seed-0 run only, so the report's mean over seeds is the value itself
and both sides pair exactly the same differences; ties are made of dyadic numbers (exact in
binary), so that both see the same ties.
Usage: check_stats.py PATH/TO/mis-spectral
"""
import json
import os

import numpy as np
from scipy import stats

import common

EXACT_MAX = 25  # lib/report/stats.h kWilcoxonExactMax


def scenarios(rng):
    """name -> per-case differences (spectral - spatial) as (spatial, spectral) value pairs."""
    out = {}

    def add(name, spatial, spectral):
        out[name] = (np.asarray(spatial, float), np.asarray(spectral, float))

    for n in list(range(1, 31)) + [40, 60, 120]:  # continuous: exact up to 25, normal above
        a = rng.uniform(0.3, 0.9, n)
        add(f"continuous n={n}", a, np.clip(a + rng.normal(0.01, 0.05, n), 0, 1))
    for n in (3, 8, 15, 25, 26, 40):  # dyadic values: tied |d| (normal approximation with tie correction)
        a = rng.integers(0, 1024, n) / 1024
        add(f"ties n={n}", a, np.clip(a + rng.choice([-3, -2, -1, 1, 2, 3], n) / 1024, 0, 1))
    for n, zeros in ((5, 2), (20, 5), (25, 3), (28, 4), (50, 10)):  # zeros dropped, the rest untied
        a = rng.uniform(0.3, 0.9, n)
        b = a + rng.normal(0, 0.05, n)
        b[:zeros] = a[:zeros]
        add(f"zeros n={n} zeros={zeros}", a, b)
    for n, zeros in ((12, 3), (40, 8)):  # ties and zeros together
        a = rng.integers(0, 1024, n) / 1024
        b = np.clip(a + rng.choice([-2, -1, 1, 2], n) / 1024, 0, 1)
        b[:zeros] = a[:zeros]
        add(f"ties+zeros n={n} zeros={zeros}", a, b)
    a = rng.uniform(0.3, 0.9, 10)
    add("all zeros", a, a.copy())
    a = rng.uniform(0.3, 0.9, 12)
    add("all positive", a, a + rng.uniform(0.001, 0.1, 12))  # the smallest exact p, 2 / 2^12
    a = rng.uniform(0.3, 0.9, 20)
    add("all tied magnitude", np.full(20, 0.5), 0.5 + np.where(np.arange(20) % 3 == 0, 0.25, -0.25))
    return out


def result_doc(kind_seed, dataset, model, variant, dsc_mean, cases):
    lam = 0 if variant == "spatial" else 0.5
    return {"schema": "mis-spectral/result", "schema_version": 1, "kind": "eval", "code_version": "peers",
            "created": "2026-01-01T00:00:00Z", "classes": ["background", "fg"],
            "train_config": {"model": {"name": model}, "loss": {"lambda": lam}, "seed": kind_seed},
            "evaluations": [{"role": "iid", "dataset": {"name": dataset, "domain": "", "cases": len(cases)},
                             "cases": [{"id": cid, "domain": "", "metrics": {"fg": {"dsc": v}}} for cid, v in cases],
                             "summary": {"mean": {"dsc": dsc_mean}}}]}


def check():
    bin_path = common.binary()
    work = common.scratch("stats")
    rng = np.random.default_rng(20260214)
    table = scenarios(rng)
    names = {}
    seed_means = {}
    for i, (name, (spatial, spectral)) in enumerate(table.items()):
        dataset = f"W{i:03d}"
        names[dataset] = name
        seeds = int(rng.integers(1, 7))  # one seed: sd is null (SciPy: NaN)
        for variant, values in (("spatial", spatial), ("spectral", spectral)):
            means = rng.uniform(0.5, 0.95, seeds)
            seed_means[(dataset, variant)] = means
            for s in range(seeds):
                rid = f"{dataset}-{variant}-s{s}"
                d = os.path.join(work, "runs", rid)
                os.makedirs(d)
                run = {"schema": "mis-spectral/run", "schema_version": 1, "experiment": "peers", "id": rid,
                       "status": "complete",
                       "labels": {"dataset": dataset, "model": "unet-small", "variant": variant, "group": "main",
                                  "setting": "", "seed": s},
                       "train_config": {"model": {"name": "unet-small"},
                                        "loss": {"lambda": 0 if variant == "spatial" else 0.5}, "seed": s}}
                cases = [(f"case{j:03d}", float(v)) for j, v in enumerate(values)] if s == 0 else []
                with open(os.path.join(d, "run.json"), "w") as f:
                    json.dump(run, f)
                with open(os.path.join(d, "eval.json"), "w") as f:
                    json.dump(result_doc(s, dataset, "unet-small", variant, float(means[s]), cases), f)
    common.run(bin_path, "report", work, "--out", os.path.join(work, "report"))
    report = common.load(os.path.join(work, "report", "report.json"))
    head = next(tab for tab in report["tables"] if tab["id"] == "headline")
    t = common.Tally("statistics: mis-spectral report vs scipy.stats " + __import__("scipy").__version__)
    rows = {r[0]: r for r in head["rows"]}
    t.equal("headline rows, one per scenario", "report.json", sorted(rows), sorted(names))
    for dataset, name in names.items():
        row = rows[dataset]
        where = f"{dataset} ({name})"
        for col, variant in ((2, "spatial"), (3, "spectral")):
            v = 100 * seed_means[(dataset, variant)]
            t.close("mean over seeds vs scipy.stats.tmean", where, row[col]["value"], stats.tmean(v), rel=1e-9)
            sd = stats.tstd(v) if len(v) > 1 else float("nan")
            t.close("sample sd over seeds vs scipy.stats.tstd", where, row[col]["sd"], sd, rel=1e-9)
        spatial, spectral = table[name]
        d = spectral - spatial
        nonzero = np.abs(d[d != 0])
        exact = len(nonzero) <= EXACT_MAX and len(np.unique(nonzero)) == len(nonzero)
        if len(nonzero) == 0:
            # SciPy: NaN by the normal approximation, 1 by its exact method (docs/peers.md).
            with np.errstate(invalid="ignore"):
                res = stats.wilcoxon(d, zero_method="wilcox", correction=False, method="asymptotic")
            t.close("no non-zero difference: p n/a, scipy.stats.wilcoxon NaN", where,
                    None if row[5] == "n/a" else row[5], float(res.pvalue))
            continue
        res = stats.wilcoxon(d, zero_method="wilcox", correction=False,
                             method="exact" if exact else "asymptotic")
        t.close(f"Wilcoxon p ({'exact' if exact else 'normal approximation'}) vs scipy.stats.wilcoxon", where,
                row[5]["value"], float(res.pvalue), rel=1e-9)
    return t


if __name__ == "__main__":
    common.main(check)
