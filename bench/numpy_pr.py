#!/usr/bin/python3
"""Yardstick for `runPrecisionRecallBench`: improved precision/recall (Kynkäänniemi et al. 2019) in numpy, blocked.

    numpy_pr.py REAL.npy FAKE.npy [--k 3] [--block 1024] [--repeats 1] [--threads 1]

The features are read as saved (float32 from the bench) and computed in float64, as the TypeScript side does.
The algorithm is the official ManifoldEstimator's: for each block of rows, squared distances
|u|^2 - 2 u.v + |v|^2 (clamped at 0) to every reference row, np.partition at index k (self included at 0) for the
radii, then a sample is inside when some reference row has d <= its radius. Prints one JSON line:
{"median_ms", "times_ms", "precision", "recall", "blas"}.
"""
import argparse
import json
import os
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("real")
parser.add_argument("fake")
parser.add_argument("--k", type=int, default=3)
parser.add_argument("--block", type=int, default=1024)
parser.add_argument("--repeats", type=int, default=1)
parser.add_argument("--threads", type=int, default=1)
args = parser.parse_args()

# BLAS reads its thread count when numpy loads
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(args.threads)

import numpy as np  # noqa: E402


def squared_distances(u, nu, v, nv):
    d = u @ v.T
    d *= -2
    d += nu[:, None]
    d += nv[None, :]
    np.maximum(d, 0, out=d)
    return d


def radii(x, nx, k, block):
    out = np.empty(x.shape[0])
    for b in range(0, x.shape[0], block):
        d = squared_distances(x[b:b + block], nx[b:b + block], x, nx)
        out[b:b + block] = np.partition(d, k, axis=1)[:, k]
    return out


def precision_recall(real, fake, k, block):
    nr = np.einsum("ij,ij->i", real, real)
    nf = np.einsum("ij,ij->i", fake, fake)
    real_radii = radii(real, nr, k, block)
    fake_radii = radii(fake, nf, k, block)
    fake_inside = np.zeros(fake.shape[0], dtype=bool)
    real_inside = np.zeros(real.shape[0], dtype=bool)
    for b in range(0, fake.shape[0], block):
        d = squared_distances(fake[b:b + block], nf[b:b + block], real, nr)
        fake_inside[b:b + block] = np.any(d <= real_radii[None, :], axis=1)
        real_inside |= np.any(d <= fake_radii[b:b + block, None], axis=0)
    return float(fake_inside.mean()), float(real_inside.mean())


def main():
    real = np.load(args.real).astype(np.float64)
    fake = np.load(args.fake).astype(np.float64)
    times = []
    result = None
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        result = precision_recall(real, fake, args.k, args.block)
        times.append((time.perf_counter() - t0) * 1000)
    blas = ""
    try:
        blas = ",".join(sorted(np.__config__.blas_opt_info.get("libraries", [])))
    except Exception:  # numpy >= 1.26 reports differently; only informative
        pass
    print(json.dumps({"median_ms": float(np.median(times)), "times_ms": times, "precision": result[0], "recall": result[1], "blas": blas}))


if __name__ == "__main__":
    sys.exit(main())
