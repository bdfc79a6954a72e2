#!/usr/bin/env python3
"""PyTorch yardstick for `pnpm bench`: median wall time of one ProGAN training
step (one D step + one G step) at 32x32x3, batch 32, the network ganbench's
`progan` builds with its default options (width 64, latentDim 128), fully grown,
trained as the architecture recommends: WGAN-GP (lambda 10) with the epsilon-drift
term (0.001 * E[D(x_real)^2]) and Adam(lr 1e-3, betas (0, 0.99)).

Layers follow packages/architectures/src/progan (Karras et al. 2018, Table 2):
equalized learning rate (N(0, 1) weights times gain/sqrt(fan_in) at run time,
gain sqrt(2), 1 for toRGB and D's logit; G's first layer is the 4x4 "conv" of
the latent with fan-in 16 * latentDim), pixel norm, leaky ReLU 0.2, nearest 2x
upsampling, 2x average pooling, minibatch stddev (group 4). Every level's
toRGB/fromRGB exists (as in ganbench), so the parameter counts match; fully
grown, only the last ones run.

Run with Debian's python (the one that has torch):
    /usr/bin/python3 bench/torch_progan_step.py --steps 10 --warmup 2 [--width 64] [--threads 2]

Prints exactly one JSON line on stdout:
    {"name": "progan", "ms_per_step": median, "steps": N, "params_g": n, "params_d": n, ...}

Python is a yardstick only; it is never used at runtime.
"""
import json
import math
import statistics

from torch_yardstick import parse_step_args, time_steps


def add_model_args(p):
    p.add_argument("--width", type=int, default=64, help="channel cap, the progan option `width`")
    p.add_argument("--latent-dim", type=int, default=128, help="the progan option `latentDim`")
    p.add_argument("--resolution", type=int, default=32, choices=[32, 64, 128])
    p.add_argument("--batch", type=int, default=32)


ARGS = parse_step_args(__doc__, add_model_args)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

CHANNELS = 3
SLOPE = 0.2
GROUP = 4
LAMBDA = 10.0
DRIFT = 0.001
LR = 1e-3
BETAS = (0.0, 0.99)


def nf(resolution):
    """Channels at a resolution: min(width, 32 * width / r)."""
    return max(1, min(ARGS.width, (32 * ARGS.width) // resolution))


def resolutions():
    out, r = [], 4
    while r <= ARGS.resolution:
        out.append(r)
        r *= 2
    return out


class EqConv(nn.Module):
    """k x k conv, stride 1, 'same' padding; weight N(0, 1) scaled by gain/sqrt(fan_in) at run time."""

    def __init__(self, cin, cout, k, gain=math.sqrt(2)):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin, k, k))
        self.bias = nn.Parameter(torch.zeros(cout))
        self.scale = gain / math.sqrt(cin * k * k)
        self.pad = k // 2

    def forward(self, x):
        return F.conv2d(x, self.weight * self.scale, self.bias, padding=self.pad)


class EqDense(nn.Module):
    def __init__(self, cin, cout, gain=math.sqrt(2), fan_in=None, bias=True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin))
        self.bias = nn.Parameter(torch.zeros(cout)) if bias else None
        self.scale = gain / math.sqrt(fan_in if fan_in is not None else cin)

    def forward(self, x):
        return F.linear(x, self.weight * self.scale, self.bias)


def pixel_norm(x, eps=1e-8):
    return x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + eps)


def minibatch_stddev(x, group=GROUP, eps=1e-8):
    n, c, h, w = x.shape
    g = min(group, n)
    y = x.reshape(g, n // g, c, h, w)
    std = torch.sqrt(y.var(dim=0, unbiased=False) + eps).mean(dim=[1, 2, 3])  # [n/g]
    stat = std.repeat(g).reshape(n, 1, 1, 1).expand(n, 1, h, w)
    return torch.cat([x, stat], dim=1)


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        c4 = nf(4)
        self.dense = EqDense(ARGS.latent_dim, 16 * c4, fan_in=16 * ARGS.latent_dim, bias=False)
        self.dense_bias = nn.Parameter(torch.zeros(c4))  # one bias per channel of the 4x4 output
        self.conv4 = EqConv(c4, c4, 3)
        self.blocks = nn.ModuleList([nn.ModuleList([EqConv(nf(r // 2), nf(r), 3), EqConv(nf(r), nf(r), 3)]) for r in resolutions()[1:]])
        self.torgb = nn.ModuleList([EqConv(nf(r), CHANNELS, 1, gain=1.0) for r in resolutions()])

    def forward(self, z):
        act = lambda t: pixel_norm(F.leaky_relu(t, SLOPE))  # noqa: E731
        h = self.dense(pixel_norm(z)).reshape(z.shape[0], nf(4), 4, 4)
        h = act(h + self.dense_bias.view(1, -1, 1, 1))
        h = act(self.conv4(h))
        for conv0, conv1 in self.blocks:
            h = act(conv1(act(conv0(F.interpolate(h, scale_factor=2, mode="nearest")))))
        return self.torgb[-1](h)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        c4 = nf(4)
        self.fromrgb = nn.ModuleList([EqConv(CHANNELS, nf(r), 1) for r in resolutions()])
        self.blocks = nn.ModuleList([nn.ModuleList([EqConv(nf(r), nf(r), 3), EqConv(nf(r), nf(r // 2), 3)]) for r in reversed(resolutions()[1:])])
        self.conv4 = EqConv(c4 + 1, c4, 3)
        self.dense0 = EqDense(16 * c4, c4)
        self.dense1 = EqDense(c4, 1, gain=1.0)

    def forward(self, x):
        act = lambda t: F.leaky_relu(t, SLOPE)  # noqa: E731
        h = act(self.fromrgb[-1](x))
        for conv0, conv1 in self.blocks:
            h = F.avg_pool2d(act(conv1(act(conv0(h)))), 2)
        h = act(self.conv4(minibatch_stddev(h)))
        h = act(self.dense0(h.flatten(1)))
        return self.dense1(h).reshape(-1)


def count(module):
    return sum(p.numel() for p in module.parameters())


def main():
    torch.set_num_threads(ARGS.threads)
    torch.manual_seed(ARGS.seed)
    G, D = Generator(), Discriminator()
    opt_g = torch.optim.Adam(G.parameters(), lr=LR, betas=BETAS)
    opt_d = torch.optim.Adam(D.parameters(), lr=LR, betas=BETAS)
    real = torch.rand(ARGS.batch, CHANNELS, ARGS.resolution, ARGS.resolution) * 2.0 - 1.0  # a fixed "dataset"

    def step():
        # --- D step: WGAN-GP with the epsilon-drift term ---
        z = torch.randn(ARGS.batch, ARGS.latent_dim)
        fake = G(z).detach()
        d_real = D(real)
        d_fake = D(fake)
        eps = torch.rand(ARGS.batch, 1, 1, 1)
        xhat = (eps * real + (1.0 - eps) * fake).requires_grad_(True)
        (grad,) = torch.autograd.grad(D(xhat).sum(), xhat, create_graph=True)
        gp = ((grad.flatten(1).norm(2, dim=1) - 1.0) ** 2).mean()
        loss_d = d_fake.mean() - d_real.mean() + LAMBDA * gp + DRIFT * (d_real**2).mean()
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        # --- G step ---
        z = torch.randn(ARGS.batch, ARGS.latent_dim)
        loss_g = -D(G(z)).mean()
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        return loss_d.item() + loss_g.item()  # forces completion

    times = time_steps(step, ARGS.warmup, ARGS.steps)

    print(json.dumps({
        "name": "progan",
        "ms_per_step": round(statistics.median(times), 3),
        "steps": ARGS.steps,
        "params_g": count(G),
        "params_d": count(D),
        "width": ARGS.width,
        "latent_dim": ARGS.latent_dim,
        "resolution": ARGS.resolution,
        "batch": ARGS.batch,
        "threads": ARGS.threads,
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
