"""What the PyTorch step yardsticks in bench/ share: the flags each takes, the thread limits that
must be set before torch is imported, and the timed loop.

Python is a yardstick only; it is never used at runtime.
"""
import argparse
import os
import sys
import time


def parse_step_args(doc, add_model_args, steps=10, warmup=2):
    """--steps, --warmup, --threads (default $OMP_NUM_THREADS, else 1), --seed and the model's own
    flags; then limits BLAS and torch to those threads (call before importing torch)."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=steps)
    p.add_argument("--warmup", type=int, default=warmup)
    p.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", "1")),
                   help="intra-op threads (default: $OMP_NUM_THREADS, else 1)")
    p.add_argument("--seed", type=int, default=0)
    add_model_args(p)
    args = p.parse_args()
    for name, low in (("steps", 1), ("threads", 1), ("warmup", 0), ("width", 1), ("batch", 2)):
        value = getattr(args, name, low)
        if value < low:
            sys.exit(f"--{name}: {value} is not allowed; must be >= {low}")
    # OpenBLAS threads fighting torch's intra-op pool make timings swing.
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    os.environ["MKL_NUM_THREADS"] = str(args.threads)
    return args


def time_steps(step, warmup, steps):
    """Milliseconds of each of `steps` calls of step() after `warmup` untimed ones."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000.0)
    return times
