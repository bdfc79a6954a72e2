#!/usr/bin/env python3
"""PyTorch yardstick for `pnpm bench`: median wall time of one SAGAN training step (one D step + one
G step) at 32x32x3, batch 32, with ganbench's default sagan options and recommended training:
hinge loss, no regularizer (spectral norm is part of both networks), TTUR Adam G lr 1e-4, D lr 4e-4,
betas (0, 0.9).

The networks are ganbench's `sagan` layer for layer (packages/architectures/src/sagan): BigGAN-PyTorch's
32-px tables (G 4ch x 3 up-blocks from 4x4, D 4ch x 4 blocks, the first optimized), a self-attention
block (1x1 query/key C/8, value C/2, out C, no biases, softmax over all positions, gamma = 0) after the
16x16 blocks of both, spectral norm (one power iteration) on every conv and linear weight, Glorot-uniform
weights and zero biases. The parameter counts it prints equal the TypeScript network's.

Run with Debian's python (the one that has torch):
    /usr/bin/python3 bench/torch_sagan_step.py --steps 10 --warmup 2 [--width 64] [--threads N]

Prints exactly one JSON line on stdout:
    {"name": "sagan", "ms_per_step": ..., "steps": S, "params_g": n, "params_d": n, "threads": N}

Python is a yardstick only; it is never used at runtime.
"""
import json
import statistics

from torch_yardstick import parse_step_args, time_steps


def add_model_args(p):
    p.add_argument("--width", type=int, default=64, help="channel multiplier ch (ganbench sagan option width)")
    p.add_argument("--latent-dim", type=int, default=128)
    p.add_argument("--batch", type=int, default=32)


ARGS = parse_step_args(__doc__, add_model_args)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch.nn.utils import spectral_norm  # noqa: E402

RESOLUTION = 32
CHANNELS = 3
ATTENTION_RESOLUTION = 16  # ganbench's default at 32 px: R/2
G_LR, D_LR, BETAS = 1e-4, 4e-4, (0.0, 0.9)


def sn_conv(cin, cout, k, bias=True):
    conv = nn.Conv2d(cin, cout, k, padding=k // 2, bias=bias)
    nn.init.xavier_uniform_(conv.weight)
    if bias:
        nn.init.zeros_(conv.bias)
    return spectral_norm(conv)


def sn_linear(cin, cout):
    linear = nn.Linear(cin, cout)
    nn.init.xavier_uniform_(linear.weight)
    nn.init.zeros_(linear.bias)
    return spectral_norm(linear)


class SelfAttention(nn.Module):
    """y = x + gamma * W_out(softmax(q k^T) v): q, k with C/8 channels, v with C/2, over all positions."""

    def __init__(self, c):
        super().__init__()
        qk, v = max(1, c // 8), max(1, c // 2)
        self.query = sn_conv(c, qk, 1, bias=False)
        self.key = sn_conv(c, qk, 1, bias=False)
        self.value = sn_conv(c, v, 1, bias=False)
        self.out = sn_conv(v, c, 1, bias=False)
        self.gamma = nn.Parameter(torch.tensor(0.0))

    def forward(self, x):
        n, c, h, w = x.shape
        q = self.query(x).flatten(2).transpose(1, 2)  # [N, HW, C/8]
        k = self.key(x).flatten(2)  # [N, C/8, HW]
        beta = torch.softmax(torch.bmm(q, k), dim=-1)  # [N, HW (query), HW (key)]
        v = self.value(x).flatten(2).transpose(1, 2)  # [N, HW, C/2]
        o = torch.bmm(beta, v).transpose(1, 2).reshape(n, -1, h, w)
        return x + self.gamma * self.out(o)


class GBlock(nn.Module):
    """BN, ReLU, nearest 2x, conv 3x3, BN, ReLU, conv 3x3; shortcut: nearest 2x, 1x1 conv where the channels change."""

    def __init__(self, cin, cout):
        super().__init__()
        self.bn1, self.bn2 = nn.BatchNorm2d(cin), nn.BatchNorm2d(cout)
        self.conv1, self.conv2 = sn_conv(cin, cout, 3), sn_conv(cout, cout, 3)
        self.shortcut = sn_conv(cin, cout, 1) if cin != cout else None

    def forward(self, x):
        h = F.interpolate(F.relu(self.bn1(x)), scale_factor=2, mode="nearest")
        h = self.conv2(F.relu(self.bn2(self.conv1(h))))
        s = F.interpolate(x, scale_factor=2, mode="nearest")
        return h + (self.shortcut(s) if self.shortcut is not None else s)


class DBlock(nn.Module):
    """ReLU, conv 3x3, ReLU, conv 3x3, avg-pool 2x; the optimized first block has no leading ReLU and pools before its 1x1 shortcut."""

    def __init__(self, cin, cout, downsample, optimized):
        super().__init__()
        self.downsample, self.optimized = downsample, optimized
        self.conv1, self.conv2 = sn_conv(cin, cout, 3), sn_conv(cout, cout, 3)
        self.shortcut = sn_conv(cin, cout, 1) if downsample or cin != cout else None

    def down(self, t):
        return F.avg_pool2d(t, 2) if self.downsample else t

    def forward(self, x):
        h = self.conv1(x if self.optimized else F.relu(x))
        h = self.down(self.conv2(F.relu(h)))
        if self.shortcut is None:
            return h + x
        s = self.shortcut(self.down(x)) if self.optimized else self.down(self.shortcut(x))
        return h + s


class Generator(nn.Module):
    def __init__(self, width, latent_dim):
        super().__init__()
        c = 4 * width
        self.c = c
        self.fc = sn_linear(latent_dim, 4 * 4 * c)
        self.blocks = nn.ModuleList([GBlock(c, c) for _ in range(3)])  # 4 -> 8 -> 16 -> 32
        self.attention_after = [8, 16, 32].index(ATTENTION_RESOLUTION)
        self.attention = SelfAttention(c)
        self.bn = nn.BatchNorm2d(c)
        self.out = sn_conv(c, CHANNELS, 3)

    def forward(self, z):
        # ganbench reshapes the dense output as NHWC [N, 4, 4, C]; the same numbers in NCHW order
        h = self.fc(z).view(-1, 4, 4, self.c).permute(0, 3, 1, 2)
        for i, block in enumerate(self.blocks):
            h = block(h)
            if i == self.attention_after:
                h = self.attention(h)
        return torch.tanh(self.out(F.relu(self.bn(h))))


class Discriminator(nn.Module):
    def __init__(self, width):
        super().__init__()
        c = 4 * width
        downsample = [True, True, False, False]  # 32 -> 16 -> 8 -> 8 -> 8
        self.blocks = nn.ModuleList([DBlock(CHANNELS if i == 0 else c, c, downsample[i], i == 0) for i in range(4)])
        self.attention_after = [16, 8, 8, 8].index(ATTENTION_RESOLUTION)
        self.attention = SelfAttention(c)
        self.fc = sn_linear(c, 1)

    def forward(self, x):
        h = x
        for i, block in enumerate(self.blocks):
            h = block(h)
            if i == self.attention_after:
                h = self.attention(h)
        return self.fc(F.relu(h).sum(dim=(2, 3))).view(-1)


def count(module):
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def main():
    torch.set_num_threads(ARGS.threads)
    torch.manual_seed(ARGS.seed)
    G, D = Generator(ARGS.width, ARGS.latent_dim), Discriminator(ARGS.width)
    G.train()
    D.train()
    opt_g = torch.optim.Adam(G.parameters(), lr=G_LR, betas=BETAS)
    opt_d = torch.optim.Adam(D.parameters(), lr=D_LR, betas=BETAS)
    real = torch.rand(ARGS.batch, CHANNELS, RESOLUTION, RESOLUTION) * 2.0 - 1.0  # a fixed "dataset"

    def step():
        # D step: hinge, E relu(1 - D(x)) + E relu(1 + D(G(z)))
        fake = G(torch.randn(ARGS.batch, ARGS.latent_dim)).detach()
        loss_d = F.relu(1.0 - D(real)).mean() + F.relu(1.0 + D(fake)).mean()
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        # G step: -E D(G(z))
        loss_g = -D(G(torch.randn(ARGS.batch, ARGS.latent_dim))).mean()
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        return loss_d.item() + loss_g.item()  # forces completion

    times = time_steps(step, ARGS.warmup, ARGS.steps)

    print(json.dumps({
        "name": "sagan",
        "ms_per_step": round(statistics.median(times), 3),
        "steps": ARGS.steps,
        "params_g": count(G),
        "params_d": count(D),
        "threads": ARGS.threads,
    }))


if __name__ == "__main__":
    main()
