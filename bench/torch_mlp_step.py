#!/usr/bin/env python3
"""PyTorch yardstick for `pnpm bench`'s mlp-step line: median wall time of one training step
(D step + G step) of the quick study's MLP GAN (experiments/quick.yaml): the 2-D ring of
8 Gaussians (radius 2, sigma 0.02), G 16 -> 64 -> 64 -> 2 and D 2 -> 64 -> 64 -> 1 with ReLU,
batch 128, Adam(1e-3, 0.5, 0.999), the non-saturating loss; like ganbench's trainer it also
evaluates D on a real batch in the G step and reads back the losses, the mean logits and both
gradient norms each step.

    /usr/bin/python3 bench/torch_mlp_step.py --threads 2

Prints exactly one JSON line on stdout:
    {"median_ms": ..., "steps": S, "threads": N, "torch": "..."}

Python is a yardstick only; it is never used at runtime.
"""
import json
import math
import statistics

from torch_yardstick import parse_step_args, time_steps

ARGS = parse_step_args(__doc__, lambda p: None, steps=200, warmup=50)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

Z_DIM = 16
WIDTH = 64
BATCH = 128
LR = 1e-3
BETAS = (0.5, 0.999)
MODES = torch.tensor([[2.0 * math.cos(2 * math.pi * k / 8), 2.0 * math.sin(2 * math.pi * k / 8)] for k in range(8)])
STD = 0.02


def mlp(inputs, outputs):
    return nn.Sequential(nn.Linear(inputs, WIDTH), nn.ReLU(), nn.Linear(WIDTH, WIDTH), nn.ReLU(), nn.Linear(WIDTH, outputs))


def ring(n):
    return MODES[torch.randint(0, 8, (n,))] + STD * torch.randn(n, 2)


def grad_norm(params):
    return torch.sqrt(sum((p.grad * p.grad).sum() for p in params))


def main():
    torch.set_num_threads(ARGS.threads)
    torch.manual_seed(ARGS.seed)
    G, D = mlp(Z_DIM, 2), mlp(2, 1)
    opt_g = torch.optim.Adam(G.parameters(), lr=LR, betas=BETAS)
    opt_d = torch.optim.Adam(D.parameters(), lr=LR, betas=BETAS)

    def step():
        # --- D step ---
        real = ring(BATCH)
        with torch.no_grad():
            fake = G(torch.randn(BATCH, Z_DIM))
        d_real, d_fake = D(real).view(-1), D(fake).view(-1)
        loss_d = F.softplus(-d_real).mean() + F.softplus(d_fake).mean()
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        d_norm = grad_norm(D.parameters())
        opt_d.step()
        # --- G step ---
        fake = G(torch.randn(BATCH, Z_DIM))
        D(ring(BATCH))  # ganbench's trainer shows D a real batch too (relativistic losses use it)
        loss_g = F.softplus(-D(fake)).mean()
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        g_norm = grad_norm(G.parameters())
        opt_g.step()
        return [t.item() for t in (loss_d, loss_g, d_real.mean(), d_fake.mean(), d_norm, g_norm)]

    times = time_steps(step, ARGS.warmup, ARGS.steps)
    print(json.dumps({"median_ms": round(statistics.median(times), 4), "steps": ARGS.steps, "threads": ARGS.threads, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
