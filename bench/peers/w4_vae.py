"""PyTorch peer of W4 (shared/WORKLOADS.md): convolutional VAE on Fashion-MNIST, Adam lr 1e-3,
batch 128, one epoch (468 steps) from the hash permutation; median ms/step over steps 5.. and
the test loss (z = mu) after a full epoch. Usage: w4_vae.py [--steps N]"""
import math
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

import common

BATCH, EPOCH_STEPS, WARMUP, LATENT = 128, 468, 5, 16


class Vae(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc1 = nn.Conv2d(1, 32, 4, 2, 1)
        self.enc2 = nn.Conv2d(32, 64, 4, 2, 1)
        self.mu = nn.Linear(3136, LATENT)
        self.logvar = nn.Linear(3136, LATENT)
        self.dec_fc = nn.Linear(LATENT, 3136)
        self.dec1 = nn.ConvTranspose2d(64, 32, 4, 2, 1)
        self.dec2 = nn.ConvTranspose2d(32, 1, 4, 2, 1)

    def encode(self, x):
        h = F.relu(self.enc2(F.relu(self.enc1(x)))).flatten(1)
        return self.mu(h), self.logvar(h)

    def decode(self, z):
        h = F.relu(self.dec_fc(z)).reshape(z.shape[0], 64, 7, 7)
        return self.dec2(F.relu(self.dec1(h)))


def vae_loss(logits, x, mu, logvar):
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    kl = -0.5 * torch.sum(1 + logvar - mu * mu - logvar.exp())
    return (bce + kl) / x.shape[0]


def main():
    steps = common.steps_arg(sys.argv, EPOCH_STEPS)
    assert WARMUP < steps <= EPOCH_STEPS
    common.setup()
    train = common.fashion_images("train", 1 / 255, 0.0)
    perm = common.perm_tensor(train.shape[0])
    model = Vae()
    assert sum(p.numel() for p in model.parameters()) == 220385
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    times, loss0, loss_last = [], math.nan, math.nan
    for s in range(steps):
        x = common.batch_of(train, perm, s, BATCH)
        eps = torch.randn(BATCH, LATENT)
        t0 = common.now_ms()
        opt.zero_grad()
        mu, logvar = model.encode(x)
        z = mu + torch.exp(0.5 * logvar) * eps
        loss = vae_loss(model.decode(z), x, mu, logvar)
        loss.backward()
        opt.step()
        l = loss.item()
        t1 = common.now_ms()
        if s >= WARMUP:
            times.append(t1 - t0)
        if s == 0:
            loss0 = l
        loss_last = l
    test_loss = math.nan
    if steps == EPOCH_STEPS:
        with torch.no_grad():
            test = common.fashion_images("t10k", 1 / 255, 0.0)
            total = 0.0
            for i in range(0, test.shape[0], 1000):
                x = test[i:i + 1000]
                mu, logvar = model.encode(x)
                total += vae_loss(model.decode(mu), x, mu, logvar).item() * 1000
            test_loss = total / test.shape[0]
    common.emit("w4", steps, times, loss_step0=loss0, loss_last=loss_last, test_loss=test_loss)


if __name__ == "__main__":
    main()
