"""PyTorch yardstick for the Dirac-GAN study (Mescheder, Geiger, Nowozin 2018).

Reads the study's runs as JSON on stdin (what `ganbench bench` sends: one object per run with
loss and regularizer as {name, params}, optimizer, consensusGamma, mode, nDisc, lr, steps, init, noiseSamples),
runs each with torch autograd on float64 scalars, and prints one JSON line:
{"total_ms": ..., "final_distances": [...]}. Only the losses and regularizers the study file
uses are written here; it is a timing yardstick and a cross-check, never a runtime dependency.
"""
import json
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
DTYPE = torch.float64


def d_loss(loss, real, fake):
    if loss == "wasserstein":
        return -real.mean() + fake.mean()
    if loss in ("minimax", "non-saturating"):
        return F.softplus(-real).mean() + F.softplus(fake).mean()
    raise ValueError(f"loss {loss} not in the yardstick")


def g_loss(loss, fake):
    if loss == "wasserstein":
        return -fake.mean()
    if loss == "minimax":
        return -F.softplus(fake).mean()
    if loss == "non-saturating":
        return F.softplus(-fake).mean()
    raise ValueError(f"loss {loss} not in the yardstick")


def make_field(run, generator):
    reg, params, n = run["regularizer"]["name"], run["regularizer"]["params"], run["noiseSamples"]

    def seen(x):
        if reg != "instance-noise":
            return x.reshape(1, 1)
        eps = params["sigma"] * torch.randn(n // 2, 1, dtype=DTYPE, generator=generator)
        return x + torch.cat([eps, -eps])

    def psi_grad(theta, psi):
        real, fake = seen(torch.zeros((), dtype=DTYPE)), seen(theta)
        value = d_loss(run["loss"]["name"], real * psi, fake * psi)
        if reg in ("r1", "r2", "gradient-penalty"):
            x = (real if reg == "r1" else fake).detach().requires_grad_(True)
            (grad_x,) = torch.autograd.grad((x * psi).sum(), x, create_graph=True)
            if reg == "gradient-penalty":
                value = value + params.get("lambda", 10) * ((grad_x.abs() - params.get("target", 1)) ** 2).mean()
            else:
                value = value + params["gamma"] / 2 * (grad_x**2).mean()
        (g,) = torch.autograd.grad(value, psi, create_graph=True)
        return g

    def theta_grad(theta, psi):
        (g,) = torch.autograd.grad(g_loss(run["loss"]["name"], (theta * psi).reshape(1)), theta, create_graph=True)
        return g

    if run["optimizer"] != "consensus":
        return theta_grad, psi_grad
    gamma = run["consensusGamma"]

    def norm_grads(theta, psi):
        half = 0.5 * (theta_grad(theta, psi) ** 2 + psi_grad(theta, psi) ** 2)
        return torch.autograd.grad(half, (theta, psi), create_graph=True)

    return (
        lambda t, p: theta_grad(t, p) + gamma * norm_grads(t, p)[0],
        lambda t, p: psi_grad(t, p) + gamma * norm_grads(t, p)[1],
    )


def run_one(run):
    generator = torch.Generator().manual_seed(0)
    theta_grad, psi_grad = make_field(run, generator)
    theta, psi = (float(v) for v in run["init"])
    h = run["lr"]
    clip = run["regularizer"]["params"].get("c") if run["regularizer"]["name"] == "weight-clipping" else None

    def value(component, t, p):
        t = torch.tensor(t, dtype=DTYPE, requires_grad=True)
        p = torch.tensor(p, dtype=DTYPE, requires_grad=True)
        return component(t, p).item()

    def constrain(p):
        return max(-clip, min(clip, p)) if clip is not None else p

    for _ in range(run["steps"]):
        if run["mode"] == "sim":
            g_psi, g_theta = value(psi_grad, theta, psi), value(theta_grad, theta, psi)
            psi, theta = constrain(psi - h * g_psi), theta - h * g_theta
        else:
            for _ in range(run["nDisc"]):
                psi = constrain(psi - h * value(psi_grad, theta, psi))
            theta -= h * value(theta_grad, theta, psi)
    return (theta**2 + psi**2) ** 0.5


def main():
    runs = json.load(sys.stdin)
    start = time.perf_counter()
    distances = [run_one(run) for run in runs]
    print(json.dumps({"total_ms": 1000 * (time.perf_counter() - start), "final_distances": distances}))


if __name__ == "__main__":
    main()
