#!/usr/bin/python3
"""FID yardstick for `pnpm bench`: pytorch-fid's route (numpy.mean, numpy.cov, scipy.linalg.sqrtm of Σ1Σ2 with the
eps retry) on two feature matrices saved as .npy by bench/src/fidBench.ts, timed in this process.

    scipy_fid.py A.npy B.npy [--reps N]

Prints one JSON line: {"fid", "stats_ms", "distance_ms", "numpy", "scipy"} with the median times over the
repetitions (statistics of both sets; the distance from the statistics). Thread counts are the caller's
(OPENBLAS_NUM_THREADS / OMP_NUM_THREADS in the environment, set before numpy is imported).
"""
import json
import sys
import time
import warnings

import numpy as np
import scipy
from scipy import linalg


def calculate_frechet_distance(mu1, sigma1, mu2, sigma2, eps=1e-6):
    """pytorch-fid's formula: sqrtm of the product, an eps ridge if it is not finite, real part of the trace."""
    diff = mu1 - mu2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        covmean, _ = linalg.sqrtm(sigma1.dot(sigma2), disp=False)
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def main():
    args = sys.argv[1:]
    reps = 1
    if "--reps" in args:
        at = args.index("--reps")
        reps = int(args[at + 1])
        del args[at : at + 2]
    path_a, path_b = args
    a = np.load(path_a).astype(np.float64)
    b = np.load(path_b).astype(np.float64)
    stats_ms, distance_ms, value = [], [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        mu1, sigma1 = np.mean(a, axis=0), np.cov(a, rowvar=False)
        mu2, sigma2 = np.mean(b, axis=0), np.cov(b, rowvar=False)
        t1 = time.perf_counter()
        value = calculate_frechet_distance(mu1, sigma1, mu2, sigma2)
        t2 = time.perf_counter()
        stats_ms.append((t1 - t0) * 1000)
        distance_ms.append((t2 - t1) * 1000)
    print(json.dumps({"fid": value, "stats_ms": float(np.median(stats_ms)), "distance_ms": float(np.median(distance_ms)),
                      "numpy": np.__version__, "scipy": scipy.__version__}))


if __name__ == "__main__":
    main()
