"""The spectral loss (lib/losses/spectral.cpp) against an independent PyTorch implementation of
docs/method.md section 1, value and gradient, and the FFT it takes against torch.fft and numpy.fft.

The C++ side runs through tests/peers/peers_probe.cpp (mis_peers_probe, built with
-DMIS_PEERS_PROBE=ON), on random batches written here: logits [B, K, H, W] and labels [B, H, W],
square, non-square, odd and one-row sizes, with absent classes, a class covering the whole image,
saturated and constant predictions. For every mode (amplitude, complex, real-imag), band (none,
[0.1, 0.6], [0, 0.3] of Nyquist) and background on/off:

  float64: loss, d loss / d logits, SCC per (image, class), validity   1e-9 relative (gradients:
                                                                         1e-9 of the largest)
  float32 (what training runs): loss, gradient                          1e-4 (gradients: of the largest,
                                                                         or 1e-6 absolute)
  complex mode without band: SCC = spatial Pearson r                    scipy.stats.pearsonr, 1e-6
  (Parseval; docs/method.md asks for this identity)
  amplitude / real-imag without band: SCC = Pearson r of the features   torch.corrcoef, 1e-6
  fft2 (norm "ortho") of the same maps                                  torch.fft.fft2 and numpy.fft.fft2, 1e-12

The reference below is written from the definitions, not from the C++ code: complex numbers stay
complex (the C++ concatenates real and imaginary parts), band weights are a boolean mask of
torch.fft.fftfreq, and Pearson correlations are means of centred products; the only constants it
shares are the documented epsilons (sqrt(var_p var_y + 1e-10), |F| = sqrt(re^2 + im^2 + 1e-12)).
Usage: check_spectral.py PATH/TO/mis_peers_probe
"""
import json
import os

import numpy as np
import torch
from scipy import stats

import common

# float32 gradients: 1e-4 of the largest, and 1e-6 absolute, for the ill-conditioned pairs (e.g. a
# 1x8 image whose band keeps two symmetric frequency pairs: r = 1 up to rounding, gradient ~1e-5).
FLOAT32_FLOOR = 1e-6
EPS = 1e-10        # spectral.h SpectralOptions::eps
AMPLITUDE_EPS = 1e-12  # docs/method.md: |F| = sqrt(re^2 + im^2 + eps)


def reference(logits, labels, mode, band, include_background):
    """Loss, SCC [B, C'] and validity [B, C'] by docs/method.md section 1."""
    k = logits.shape[1]
    probs = torch.softmax(logits, dim=1)
    onehot = torch.nn.functional.one_hot(labels, k).permute(0, 3, 1, 2).to(logits.dtype)
    first = 0 if include_background else 1
    p, y = probs[:, first:], onehot[:, first:]
    h, w = p.shape[-2:]
    fp, fy = torch.fft.fft2(p, norm="ortho"), torch.fft.fft2(y, norm="ortho")
    mask = torch.ones(h, w, dtype=torch.bool)
    if band is not None:
        fyy = torch.fft.fftfreq(h, dtype=torch.float64) / 0.5  # Nyquist = 1 on each axis
        fxx = torch.fft.fftfreq(w, dtype=torch.float64) / 0.5
        radius = torch.sqrt(fyy[:, None] ** 2 + fxx[None, :] ** 2)
        mask = (radius >= band[0]) & (radius <= band[1])
    if mode == "complex":
        mask = mask.clone()
        mask[0, 0] = False  # the DC coefficient holds the spatial mean: removing it centres the maps
    fp, fy = fp[..., mask], fy[..., mask]  # [B, C', n] over the selected frequencies

    def corr(a, b, centred):
        if centred:
            a, b = a - a.mean(-1, keepdim=True), b - b.mean(-1, keepdim=True)
        # complex: Re<a, b> and |a|^2 per frequency (real features: the plain products)
        cov = (a * b.conj()).real.mean(-1)
        va, vb = (a.abs() ** 2).mean(-1), (b.abs() ** 2).mean(-1)
        return cov / torch.sqrt(va * vb + EPS), vb

    if mode == "amplitude":
        amp = lambda f: torch.sqrt(f.real ** 2 + f.imag ** 2 + AMPLITUDE_EPS)
        scc, var_y = corr(amp(fp), amp(fy), centred=True)
    elif mode == "complex":
        # mean over 2n real numbers (re and im) = mean over n complex numbers / 2; the factor cancels
        # in the correlation but not against EPS, so keep the per-real-number normalisation.
        cov = (fp * fy.conj()).real.sum(-1) / (2 * fp.shape[-1])
        va = (fp.abs() ** 2).sum(-1) / (2 * fp.shape[-1])
        var_y = (fy.abs() ** 2).sum(-1) / (2 * fp.shape[-1])
        scc = cov / torch.sqrt(va * var_y + EPS)
    else:  # real-imag: Pearson over the real and imaginary parts side by side
        scc, var_y = corr(torch.cat([fp.real, fp.imag], -1), torch.cat([fy.real, fy.imag], -1), centred=True)
    area = y.sum((2, 3))
    valid = (area > 0) & (area < h * w) & (var_y > 1e-12)
    n = valid.sum()
    loss = 1 - scc[valid].sum() / n if n > 0 else probs.sum() * 0.0
    return loss, scc, valid


def batches(rng):
    """name -> (logits float32 [B, K, H, W], labels [B, H, W])."""
    out = {}

    def blobs(b, k, h, w):
        lab = np.zeros((b, h, w), np.int64)
        for i in range(b):
            for c in range(1, k):
                cy, cx = rng.uniform(0, h), rng.uniform(0, w)
                ry, rx = rng.uniform(1, max(1.5, h / 3)), rng.uniform(1, max(1.5, w / 3))
                yy, xx = np.mgrid[:h, :w]
                lab[i][((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1] = c
        return lab

    for b, k, h, w in ((2, 3, 16, 16), (1, 2, 7, 9), (3, 4, 15, 32), (2, 2, 1, 8), (2, 3, 12, 5)):
        lab = blobs(b, k, h, w)
        logits = rng.normal(0, 2, (b, k, h, w)) + 3 * np.moveaxis(np.eye(k)[lab], -1, 1) * rng.uniform(0, 1)
        out[f"random {b}x{k}x{h}x{w}"] = (logits.astype(np.float32), lab)
    lab = blobs(2, 3, 10, 10)
    lab[0] = 0  # image 0: only background (no valid foreground pair)
    lab[1, :, :] = 2  # image 1: class 2 everywhere, class 1 absent
    out["absent and full classes"] = (rng.normal(0, 1, (2, 3, 10, 10)).astype(np.float32), lab)
    lab = blobs(2, 3, 12, 12)
    out["saturated logits"] = ((40 * np.moveaxis(np.eye(3)[lab], -1, 1) - 20).astype(np.float32), lab)
    out["constant prediction"] = (np.zeros((2, 3, 12, 12), np.float32), blobs(2, 3, 12, 12))
    out["background only"] = (rng.normal(0, 1, (2, 2, 8, 8)).astype(np.float32), np.zeros((2, 8, 8), np.int64))
    return out


def check():
    probe = common.binary()
    work = common.scratch("spectral")
    rng = np.random.default_rng(20260215)
    data = batches(rng)
    arrays, jobs = {}, []
    for i, (name, (logits, labels)) in enumerate(data.items()):
        arrays[f"b{i}/logits"] = logits
        arrays[f"b{i}/labels"] = labels.astype(np.float32)
        for mode in ("amplitude", "complex", "real-imag"):
            for band in (None, [0.1, 0.6], [0.0, 0.3]):
                for bg in (False, True):
                    for dtype in ("float64", "float32"):
                        jobs.append({"name": f"b{i}", "batch": name, "mode": mode, "band": band,
                                     "include_background": bg, "dtype": dtype})
    np.savez(os.path.join(work, "in.npz"), **arrays)
    # The probe reads "<name>/..." per job; give each job its own name so that outputs do not collide.
    probe_jobs, job_arrays = [], {}
    for j, job in enumerate(jobs):
        job["out"] = f"j{j}"
        job_arrays[f"j{j}/logits"] = arrays[f"{job['name']}/logits"]
        job_arrays[f"j{j}/labels"] = arrays[f"{job['name']}/labels"]
        probe_jobs.append({**{k: job[k] for k in ("mode", "band", "include_background", "dtype")}, "name": f"j{j}"})
    np.savez(os.path.join(work, "jobs.npz"), **job_arrays)
    with open(os.path.join(work, "jobs.json"), "w") as f:
        json.dump(probe_jobs, f)
    common.run(probe, "spectral", os.path.join(work, "jobs.npz"), os.path.join(work, "jobs.json"),
               os.path.join(work, "out.npz"))
    out = np.load(os.path.join(work, "out.npz"))

    t = common.Tally(f"spectral loss: C++ (mis_peers_probe) vs an independent PyTorch {torch.__version__} "
                     "implementation, scipy.stats.pearsonr, torch.corrcoef, torch.fft, numpy.fft")
    for job in jobs:
        j = job["out"]
        where = (f"{job['batch']}, mode {job['mode']}, band {job['band']}, background "
                 f"{'on' if job['include_background'] else 'off'}, {job['dtype']}")
        logits = torch.from_numpy(arrays[f"{job['name']}/logits"]).double().requires_grad_(True)
        labels = torch.from_numpy(arrays[f"{job['name']}/labels"]).long()
        loss, scc, valid = reference(logits, labels, job["mode"], job["band"], job["include_background"])
        loss.backward()
        grad = logits.grad.numpy()
        ours_grad = out[f"{j}/grad"]
        scale = float(np.abs(grad).max())
        if job["dtype"] == "float64":
            t.close("loss value (float64)", where, float(out[f"{j}/loss"]), float(loss.detach()), rel=1e-9)
            t.equal("valid (image, class) pairs", where, out[f"{j}/valid"].astype(bool).tolist(), valid.tolist())
            for (b, c), v in np.ndenumerate(scc.detach().numpy()):
                t.close("SCC per image and class (float64)", f"{where}, image {b}, class {c}",
                        float(out[f"{j}/scc"][b, c]), float(v), rel=1e-9, abs_tol=1e-12)
            for idx, g in np.ndenumerate(grad):
                t.close("d loss / d logits (float64), to 1e-9 of the largest", f"{where}, element {idx}",
                        float(ours_grad[idx]), float(g), rel=1e-9, abs_tol=1e-9 * scale + 1e-15)
        else:
            t.close("loss value (float32 C++ vs float64 reference)", where, float(out[f"{j}/loss"]), float(loss.detach()),
                    rel=1e-4, abs_tol=1e-6)
            for idx, g in np.ndenumerate(grad):
                t.close("d loss / d logits (float32 C++), to 1e-4 of the largest", f"{where}, element {idx}",
                        float(ours_grad[idx]), float(g), rel=1e-4, abs_tol=1e-4 * scale + FLOAT32_FLOOR)
        # Peer identities, where the definition reduces to a textbook correlation.
        if job["dtype"] == "float64" and job["band"] is None:
            k0 = 0 if job["include_background"] else 1
            probs = torch.softmax(logits.detach(), 1).numpy()
            onehot = np.moveaxis(np.eye(logits.shape[1])[labels.numpy()], -1, 1)
            for (b, c), ok in np.ndenumerate(out[f"{j}/valid"].astype(bool)):
                pm, ym = probs[b, c + k0], onehot[b, c + k0]
                if not ok or pm.std() < 1e-6:
                    continue
                at = f"{where}, image {b}, class {c}"
                if job["mode"] == "complex":
                    t.close("complex SCC = spatial Pearson r (Parseval) vs scipy.stats.pearsonr", at,
                            float(out[f"{j}/scc"][b, c]), stats.pearsonr(pm.ravel(), ym.ravel()).statistic,
                            rel=1e-6)
                else:
                    fp, fy = np.fft.fft2(pm, norm="ortho").ravel(), np.fft.fft2(ym, norm="ortho").ravel()
                    if job["mode"] == "amplitude":
                        a, bb = np.sqrt(np.abs(fp) ** 2 + AMPLITUDE_EPS), np.sqrt(np.abs(fy) ** 2 + AMPLITUDE_EPS)
                    else:
                        a, bb = np.concatenate([fp.real, fp.imag]), np.concatenate([fy.real, fy.imag])
                    r = torch.corrcoef(torch.from_numpy(np.stack([a, bb])))[0, 1]
                    t.close(f"{job['mode']} SCC = Pearson r of the features vs torch.corrcoef", at,
                            float(out[f"{j}/scc"][b, c]), float(r), rel=1e-6)

    # The FFT the loss takes, on the same sizes (non-square, odd, one row).
    maps = {f"m{i}": np.asarray(rng.random(shape), np.float32)
            for i, shape in enumerate([(16, 16), (7, 9), (15, 32), (1, 8), (12, 5), (2, 3, 11, 13)])}
    np.savez(os.path.join(work, "fft_in.npz"), **maps)
    common.run(probe, "fft2", os.path.join(work, "fft_in.npz"), os.path.join(work, "fft_out.npz"))
    fft_out = np.load(os.path.join(work, "fft_out.npz"))
    for name, x in maps.items():
        x64 = x.astype(np.float64)
        ours = fft_out[f"{name}/re"] + 1j * fft_out[f"{name}/im"]
        for peer, theirs in (("torch.fft.fft2", torch.fft.fft2(torch.from_numpy(x64), norm="ortho").numpy()),
                             ("numpy.fft.fft2", np.fft.fft2(x64, norm="ortho"))):
            scale = float(np.abs(theirs).max())
            for idx, v in np.ndenumerate(theirs):
                for part, a, b in (("re", ours[idx].real, v.real), ("im", ours[idx].imag, v.imag)):
                    t.close(f"fft2 (ortho) vs {peer}, to 1e-12 of the largest", f"{name} {x.shape} {idx} {part}",
                            float(a), float(b), rel=1e-12, abs_tol=1e-12 * scale)
    return t


if __name__ == "__main__":
    common.main(check)
