#!/usr/bin/env python3
"""PyTorch yardstick for bench/src/convKernels.ts: the DCGAN bench step's wide layer
(64x14x14x64 -> 64x7x7x128, 4x4 filters, stride 2, padding 1 = TF's 'same' here) as the three
kernels autograd runs, each alone: the forward convolution, the filter gradient and the input
gradient (aten::convolution_backward with one output each). Best of --steps calls each,
kernels alternated call by call, as the TypeScript script does.

    /usr/bin/python3 bench/torch_conv_kernels.py [--threads N] [--steps R]

Prints one JSON line on stdout: {"Conv2D": best ms, "Conv2DBackpropFilter": ..., "Conv2DBackpropInput": ...,
"threads": N, "torch": "..."}. Python is a yardstick only.
"""
from torch_yardstick import parse_step_args

ARGS = parse_step_args(__doc__, lambda p: None, steps=15, warmup=2)

import json  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(ARGS.threads)
torch.manual_seed(ARGS.seed)
x = torch.randn(64, 64, 14, 14)
w = torch.randn(128, 64, 4, 4)
dy = torch.randn(64, 128, 7, 7)
FLOPS = 2 * 64 * 7 * 7 * 128 * 4 * 4 * 64
STRIDE, PAD = [2, 2], [1, 1]


def backward(mask):
    return torch.ops.aten.convolution_backward(dy, x, w, None, STRIDE, PAD, [1, 1], False, [0, 0], 1, mask)


KERNELS = {
    "Conv2D": lambda: F.conv2d(x, w, stride=2, padding=1),
    "Conv2DBackpropFilter": lambda: backward([False, True, False])[1],
    "Conv2DBackpropInput": lambda: backward([True, False, False])[0],
}
assert tuple(KERNELS["Conv2D"]().shape) == (64, 128, 7, 7)
assert tuple(KERNELS["Conv2DBackpropFilter"]().shape) == tuple(w.shape)
assert tuple(KERNELS["Conv2DBackpropInput"]().shape) == tuple(x.shape)
best = {name: float("inf") for name in KERNELS}
with torch.no_grad():
    for r in range(ARGS.warmup + ARGS.steps):
        for name, run in KERNELS.items():
            t0 = time.perf_counter()
            run()
            ms = (time.perf_counter() - t0) * 1000.0
            if r >= ARGS.warmup:
                best[name] = min(best[name], ms)
print(json.dumps({**best, "threads": ARGS.threads, "torch": torch.__version__}))
