"""PyTorch peer of W6 (shared/WORKLOADS.md): DCGAN on Fashion-MNIST 28x28, batch 128 from the hash
permutation, separate Adam optimizers (lr 2e-4, betas 0.5/0.999), the PyTorch DCGAN example's
step order; median ms per G+D step over steps 5... Usage: w6_dcgan.py [--steps N]"""
import math
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

import common

BATCH, EPOCH_STEPS, WARMUP, NOISE = 128, 468, 5, 64


def dcgan_init(m):
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def generator():
    return nn.Sequential(
        nn.ConvTranspose2d(NOISE, 128, 7, 1, 0, bias=False), nn.BatchNorm2d(128), nn.ReLU(),
        nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
        nn.ConvTranspose2d(64, 1, 4, 2, 1, bias=False), nn.Tanh())


def discriminator():
    return nn.Sequential(
        nn.Conv2d(1, 64, 4, 2, 1, bias=False), nn.LeakyReLU(0.2),
        nn.Conv2d(64, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128), nn.LeakyReLU(0.2),
        nn.Conv2d(128, 1, 7, 1, 0, bias=False), nn.Flatten(0))


def main():
    steps = common.steps_arg(sys.argv, 300)
    assert steps > WARMUP
    common.setup()
    train = common.fashion_images("train", 1 / 127.5, -1.0)
    perm = common.perm_tensor(train.shape[0])
    g, d = generator(), discriminator()
    g.apply(dcgan_init)
    d.apply(dcgan_init)
    assert sum(p.numel() for p in g.parameters()) == 533888
    assert sum(p.numel() for p in d.parameters()) == 138624
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    ones, zeros = torch.ones(BATCH), torch.zeros(BATCH)
    times = []
    d0 = g0 = d_last = g_last = math.nan
    for s in range(steps):
        real = common.batch_of(train, perm, s % EPOCH_STEPS, BATCH)
        z = torch.randn(BATCH, NOISE, 1, 1)
        t0 = common.now_ms()
        opt_d.zero_grad()
        fake = g(z)
        loss_d = (F.binary_cross_entropy_with_logits(d(real), ones) +
                  F.binary_cross_entropy_with_logits(d(fake.detach()), zeros))
        loss_d.backward()
        opt_d.step()
        opt_g.zero_grad()
        loss_g = F.binary_cross_entropy_with_logits(d(fake), ones)
        loss_g.backward()
        opt_g.step()
        ld, lg = loss_d.item(), loss_g.item()
        t1 = common.now_ms()
        if s >= WARMUP:
            times.append(t1 - t0)
        if s == 0:
            d0, g0 = ld, lg
        d_last, g_last = ld, lg
    common.emit("w6", steps, times, loss_d_step0=d0, loss_g_step0=g0, loss_d_last=d_last,
                loss_g_last=g_last)


if __name__ == "__main__":
    main()
