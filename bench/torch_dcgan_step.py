#!/usr/bin/env python3
"""PyTorch yardstick for `pnpm bench`: median wall time of one full DCGAN
training step (D step + G step), matching the ganbench TF.js DCGAN exactly.

Run with Debian's python (the one that has torch):
    /usr/bin/python3 bench/torch_dcgan_step.py --threads 2 [--penalty gp]

Prints exactly one JSON line on stdout:
    {"median_ms": ..., "steps": S, "threads": N, "penalty": "...", "torch": "..."}

Python is a yardstick only; it is never used at runtime.
"""
import json
import statistics

from torch_yardstick import parse_step_args, time_steps


def add_model_args(p):
    p.add_argument("--penalty", choices=["none", "gp"], default="none")


ARGS = parse_step_args(__doc__, add_model_args, steps=20, warmup=3)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

Z_DIM = 64
BATCH = 64
LR = 2e-4
BETAS = (0.5, 0.999)
GP_WEIGHT = 10.0


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(Z_DIM, 7 * 7 * 128)
        self.bn1 = nn.BatchNorm2d(128)
        self.up1 = nn.ConvTranspose2d(128, 64, 4, 2, 1)  # 7 -> 14
        self.bn2 = nn.BatchNorm2d(64)
        self.up2 = nn.ConvTranspose2d(64, 1, 4, 2, 1)  # 14 -> 28

    def forward(self, z):
        h = self.fc(z).view(-1, 128, 7, 7)
        h = F.relu(self.bn1(h))
        h = F.relu(self.bn2(self.up1(h)))
        return torch.tanh(self.up2(h))


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 64, 4, 2, 1)  # 28 -> 14
        self.c2 = nn.Conv2d(64, 128, 4, 2, 1)  # 14 -> 7
        self.fc = nn.Linear(128 * 7 * 7, 1)

    def forward(self, x):
        h = F.leaky_relu(self.c1(x), 0.2)
        h = F.leaky_relu(self.c2(h), 0.2)
        return self.fc(h.flatten(1))


def gradient_penalty(D, real, fake):
    eps = torch.rand(real.size(0), 1, 1, 1)
    xhat = (eps * real + (1.0 - eps) * fake).requires_grad_(True)
    out = D(xhat)
    (g,) = torch.autograd.grad(out.sum(), xhat, create_graph=True)
    norms = g.flatten(1).norm(2, dim=1)
    return GP_WEIGHT * ((norms - 1.0) ** 2).mean()


def main():
    torch.set_num_threads(ARGS.threads)
    torch.manual_seed(ARGS.seed)

    G, D = Generator(), Discriminator()
    G.train()
    D.train()
    opt_g = torch.optim.Adam(G.parameters(), lr=LR, betas=BETAS)
    opt_d = torch.optim.Adam(D.parameters(), lr=LR, betas=BETAS)
    real = torch.rand(BATCH, 1, 28, 28) * 2.0 - 1.0  # fixed "dataset"

    def step():
        # --- D step ---
        z = torch.randn(BATCH, Z_DIM)
        fake = G(z).detach()
        loss_d = F.softplus(-D(real)).mean() + F.softplus(D(fake)).mean()
        if ARGS.penalty == "gp":
            loss_d = loss_d + gradient_penalty(D, real, fake)
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        # --- G step ---
        z = torch.randn(BATCH, Z_DIM)
        loss_g = F.softplus(-D(G(z))).mean()
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        return loss_d.item() + loss_g.item()  # forces completion

    times = time_steps(step, ARGS.warmup, ARGS.steps)

    print(json.dumps({
        "median_ms": round(statistics.median(times), 3),
        "steps": ARGS.steps,
        "threads": ARGS.threads,
        "penalty": ARGS.penalty,
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
