#!/usr/bin/env python3
"""PyTorch yardstick for `pnpm bench`: median wall time of one StyleGAN2 training
step (one D step + one G step) at 32x32x3, batch 32, the network ganbench's
`stylegan2` builds with its default options (latentDim 128, wDim 128, 8 mapping
layers with lr multiplier 0.01, width 32, maxChannels 128, style mixing 0.9,
path-length weight 2 every 4 steps, minibatch-stddev group 4), trained as the
architecture recommends: non-saturating loss, lazy R1 (gamma 10, every 16 D steps,
weight x 16), lazy path-length regularization (every 4 G steps, weight x 4, half
batch, decaying mean 0.99), Adam(lr 2e-3, betas (0, 0.99)).

Layers follow packages/architectures/src/stylegan2 (Karras et al. 2020, config E/F,
as stylegan2-ada-pytorch with fused_modconv=False): equalized learning rate
everywhere, mapping z -> w (2nd-moment norm, dense + leaky ReLU 0.2 x sqrt(2)),
learned 4x4 constant, modulated/demodulated 3x3 convs (input scaled by the style,
shared weight, output scaled by d = rsqrt(s^2 . sum w^2 + 1e-8)), per-pixel noise
with per-channel strength, skip generator (toRGB at every resolution, upsampled and
summed), residual discriminator, minibatch stddev. Resampling uses the [1, 3, 3, 1]
filter (ganbench writes it as cascades of 2x2 average pools; here a depthwise conv,
the fastest route in torch on CPU): nearest 2x then [1, 2, 1]/4 (up), [1, 2, 1]/4 then 2x2
average (down), and [1, 3, 3, 1]/8 with 2 zeros each side before D's stride-2 convs. Noise, style mixing
and the path-length y are drawn from torch's generator.

Run with Debian's python (the one that has torch):
    /usr/bin/python3 bench/torch_stylegan2_step.py --steps 10 --warmup 2 [--width 64] [--threads 2]

Prints exactly one JSON line on stdout:
    {"name": "stylegan2", "ms_per_step": median, "steps": N, "params_g": n, "params_d": n, ...}
params_g/params_d count trainable parameters (w_avg and the path-length mean are
buffers), as ParamStore.count() does in ganbench.

Python is a yardstick only; it is never used at runtime.
"""
import json
import math
import statistics

from torch_yardstick import parse_step_args, time_steps


def add_model_args(p):
    p.add_argument("--width", type=int, default=32, help="the stylegan2 option `width` (channels at the output resolution)")
    p.add_argument("--max-channels", type=int, default=128, help="the stylegan2 option `maxChannels`")
    p.add_argument("--latent-dim", type=int, default=128, help="the stylegan2 option `latentDim`")
    p.add_argument("--w-dim", type=int, default=128, help="the stylegan2 option `wDim`")
    p.add_argument("--mapping-layers", type=int, default=8, help="the stylegan2 option `mappingLayers`")
    p.add_argument("--resolution", type=int, default=32, choices=[8, 16, 32, 64, 128])
    p.add_argument("--batch", type=int, default=32)


ARGS = parse_step_args(__doc__, add_model_args)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

CHANNELS = 3
SLOPE = 0.2
MAPPING_LR_MUL = 0.01
STYLE_MIXING = 0.9
W_AVG_DECAY = 0.995
GROUP = 4
R1_GAMMA = 10.0
R1_EVERY = 16
PL_WEIGHT = 2.0
PL_EVERY = 4
PL_DECAY = 0.01
PL_SHRINK = 2
LR = 2e-3
BETAS = (0.0, 0.99)


def nf(res):
    """Channels at a resolution: min(width * R / res, maxChannels)."""
    return min(ARGS.width * ARGS.resolution // res, ARGS.max_channels)


def block_resolutions():
    out, r = [], 8
    while r <= ARGS.resolution:
        out.append(r)
        r *= 2
    return out


NUM_WS = 2 * int(math.log2(ARGS.resolution)) - 2


def lrelu(x):
    return F.leaky_relu(x, SLOPE) * math.sqrt(2)


class EqLinear(nn.Module):
    """Stored N(0, 1/lr_mul^2), used x lr_mul/sqrt(fan_in); bias used x lr_mul."""

    def __init__(self, cin, cout, lr_mul=1.0, bias_init=0.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin) / lr_mul)
        self.bias = nn.Parameter(torch.full([cout], bias_init / lr_mul))
        self.w_gain = lr_mul / math.sqrt(cin)
        self.b_gain = lr_mul

    def forward(self, x):
        return F.linear(x, self.weight * self.w_gain, self.bias * self.b_gain)


class EqConv(nn.Module):
    def __init__(self, cin, cout, k, bias=True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin, k, k))
        self.bias = nn.Parameter(torch.zeros(cout)) if bias else None
        self.gain = 1 / math.sqrt(cin * k * k)

    def forward(self, x, stride=1, padding=None):
        k = self.weight.shape[-1]
        return F.conv2d(x, self.weight * self.gain, self.bias, stride=stride, padding=k // 2 if padding is None else padding)


def fir(x, taps, pad):
    """Depthwise filter taps (x) taps after `pad` zeros on every side (torch's fastest route on CPU)."""
    c = x.shape[1]
    t = torch.tensor(taps, dtype=x.dtype)
    k = (t[:, None] * t[None, :]).expand(c, 1, len(taps), len(taps)).contiguous()
    return F.conv2d(F.pad(x, [pad] * 4), k, groups=c)


def upsample2d(x):
    return fir(F.interpolate(x, scale_factor=2, mode="nearest"), [0.25, 0.5, 0.25], 1)


def downsample2d(x):
    return F.avg_pool2d(fir(x, [0.25, 0.5, 0.25], 1), 2)


def blur_for_strided_conv(x):
    return fir(x, [1 / 8, 3 / 8, 3 / 8, 1 / 8], 2)


class SynthesisLayer(nn.Module):
    """Modulated (demodulated) conv, noise, bias, leaky ReLU; or a linear modulated toRGB."""

    def __init__(self, cin, cout, k, up=False, torgb=False):
        super().__init__()
        self.affine = EqLinear(ARGS.w_dim, cin, bias_init=1.0)
        self.weight = nn.Parameter(torch.randn(cout, cin, k, k))
        self.bias = nn.Parameter(torch.zeros(cout))
        self.noise_strength = None if torgb else nn.Parameter(torch.zeros(cout))
        self.up, self.torgb, self.gain = up, torgb, 1 / math.sqrt(cin * k * k)

    def forward(self, x, w):
        s = self.affine(w)  # [N, cin]
        weight = self.weight * self.gain
        x = x * s[:, :, None, None]
        if self.up:
            x = upsample2d(x)
        y = F.conv2d(x, weight, padding=weight.shape[-1] // 2)
        if self.torgb:
            return y + self.bias[None, :, None, None]
        d = torch.rsqrt(s.square() @ weight.square().sum(dim=[2, 3]).t() + 1e-8)  # [N, cout]
        y = y * d[:, :, None, None]
        noise = torch.randn(y.shape[0], 1, y.shape[2], y.shape[3])
        y = y + noise * self.noise_strength[None, :, None, None]
        return lrelu(y + self.bias[None, :, None, None])


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        dims = [ARGS.latent_dim] + [ARGS.w_dim] * ARGS.mapping_layers
        self.mapping = nn.ModuleList([EqLinear(dims[i], dims[i + 1], lr_mul=MAPPING_LR_MUL) for i in range(ARGS.mapping_layers)])
        self.register_buffer("w_avg", torch.zeros(ARGS.w_dim))
        self.register_buffer("pl_mean", torch.zeros([]))
        c4 = nf(4)
        self.const = nn.Parameter(torch.randn(c4, 4, 4))
        self.conv4 = SynthesisLayer(c4, c4, 3)
        self.torgb4 = SynthesisLayer(c4, CHANNELS, 1, torgb=True)
        self.blocks = nn.ModuleList([
            nn.ModuleList([SynthesisLayer(nf(r // 2), nf(r), 3, up=True), SynthesisLayer(nf(r), nf(r), 3), SynthesisLayer(nf(r), CHANNELS, 1, torgb=True)])
            for r in block_resolutions()
        ])

    def map(self, z):
        h = z * torch.rsqrt(z.square().mean(dim=1, keepdim=True) + 1e-8)
        for layer in self.mapping:
            h = lrelu(layer(h))
        return h

    def styles(self, z):
        """Training mode: w_avg update, then style mixing with probability 0.9 at a crossover in 1..numWs-1."""
        w = self.map(z)
        with torch.no_grad():
            self.w_avg.copy_(w.mean(0).lerp(self.w_avg, W_AVG_DECAY))
        ws = w[:, None, :].repeat(1, NUM_WS, 1)
        if torch.rand([]).item() < STYLE_MIXING:
            cutoff = int(torch.randint(1, NUM_WS, []).item())
            ws[:, cutoff:] = self.map(torch.randn_like(z))[:, None, :]
        return ws

    def synthesis(self, ws):
        x = self.const[None].repeat(ws.shape[0], 1, 1, 1)
        x = self.conv4(x, ws[:, 0])
        img = self.torgb4(x, ws[:, 1])
        i = 1
        for conv0, conv1, torgb in self.blocks:
            x = conv0(x, ws[:, i])
            x = conv1(x, ws[:, i + 1])
            img = upsample2d(img) + torgb(x, ws[:, i + 2])
            i += 2
        return img

    def forward(self, z):
        return self.synthesis(self.styles(z))


def minibatch_stddev(x, group=GROUP, eps=1e-8):
    n, c, h, w = x.shape
    g = min(group, n)
    y = x.reshape(g, n // g, c, h, w)
    std = torch.sqrt(y.var(dim=0, unbiased=False) + eps).mean(dim=[1, 2, 3])  # [n/g]
    stat = std.repeat(g).reshape(n, 1, 1, 1).expand(n, 1, h, w)
    return torch.cat([x, stat], dim=1)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.fromrgb = EqConv(CHANNELS, nf(ARGS.resolution), 1)
        self.blocks = nn.ModuleList([
            nn.ModuleList([EqConv(nf(r), nf(r), 3), EqConv(nf(r), nf(r // 2), 3), EqConv(nf(r), nf(r // 2), 1, bias=False)])
            for r in reversed(block_resolutions())
        ])
        c4 = nf(4)
        self.conv4 = EqConv(c4 + 1, c4, 3)
        self.fc = EqLinear(16 * c4, c4)
        self.out = EqLinear(c4, 1)

    def forward(self, x):
        h = lrelu(self.fromrgb(x))
        for conv0, conv1, skip in self.blocks:
            y = skip(downsample2d(h))
            h = lrelu(conv0(h))
            h = lrelu(conv1(blur_for_strided_conv(h), stride=2, padding=0))
            h = (y + h) * math.sqrt(0.5)
        h = lrelu(self.conv4(minibatch_stddev(h)))
        h = lrelu(self.fc(h.flatten(1)))
        return self.out(h).reshape(-1)


def count(module):
    return sum(p.numel() for p in module.parameters())


def path_length_penalty(G, batch):
    """Karras et al. 2020, Eq. 4: E(||J_w^T y|| - a)^2 on half the batch, a <- a + 0.01 (mean L - a)."""
    z = torch.randn(batch // PL_SHRINK, ARGS.latent_dim)
    ws = G.styles(z)
    img = G.synthesis(ws)
    y = torch.randn_like(img) / math.sqrt(img.shape[2] * img.shape[3])
    (grads,) = torch.autograd.grad((img * y).sum(), ws, create_graph=True)
    lengths = grads.square().sum(2).mean(1).sqrt()
    pl_mean = G.pl_mean.lerp(lengths.mean(), PL_DECAY)
    G.pl_mean.copy_(pl_mean.detach())
    return (lengths - pl_mean).square().mean()


def main():
    torch.set_num_threads(ARGS.threads)
    torch.manual_seed(ARGS.seed)
    G, D = Generator(), Discriminator()
    opt_g = torch.optim.Adam(G.parameters(), lr=LR, betas=BETAS)
    opt_d = torch.optim.Adam(D.parameters(), lr=LR, betas=BETAS)
    real = torch.rand(ARGS.batch, CHANNELS, ARGS.resolution, ARGS.resolution) * 2.0 - 1.0  # a fixed "dataset"
    counters = {"d": 0, "g": 0}

    def step():
        # --- D step: non-saturating loss, R1 on every 16th step with its weight x 16 ---
        z = torch.randn(ARGS.batch, ARGS.latent_dim)
        with torch.no_grad():
            fake = G(z)
        loss_d = F.softplus(-D(real)).mean() + F.softplus(D(fake)).mean()
        if counters["d"] % R1_EVERY == 0:
            x = real.detach().requires_grad_(True)
            (grad,) = torch.autograd.grad(D(x).sum(), x, create_graph=True)
            loss_d = loss_d + R1_EVERY * R1_GAMMA / 2 * grad.square().sum(dim=[1, 2, 3]).mean()
        counters["d"] += 1
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        # --- G step: non-saturating loss, path length on every 4th step with its weight x 4 ---
        z = torch.randn(ARGS.batch, ARGS.latent_dim)
        loss_g = F.softplus(-D(G(z))).mean()
        if counters["g"] % PL_EVERY == 0:
            loss_g = loss_g + PL_EVERY * PL_WEIGHT * path_length_penalty(G, ARGS.batch)
        counters["g"] += 1
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        return loss_d.item() + loss_g.item()  # forces completion

    times = time_steps(step, ARGS.warmup, ARGS.steps)

    print(json.dumps({
        "name": "stylegan2",
        "ms_per_step": round(statistics.median(times), 3),
        "ms_mean": round(statistics.fmean(times), 3),
        "steps": ARGS.steps,
        "params_g": count(G),
        "params_d": count(D),
        "width": ARGS.width,
        "max_channels": ARGS.max_channels,
        "latent_dim": ARGS.latent_dim,
        "w_dim": ARGS.w_dim,
        "mapping_layers": ARGS.mapping_layers,
        "resolution": ARGS.resolution,
        "batch": ARGS.batch,
        "threads": ARGS.threads,
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
