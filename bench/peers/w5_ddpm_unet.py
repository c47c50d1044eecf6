"""PyTorch peer of W5 (shared/WORKLOADS.md): DDPM U-Net 32x32x1 on Fashion-MNIST (padded to
32x32), channels (32, 64, 128), 2 res blocks per level, attention at 8x8, batch 64 from the hash
permutation, timesteps from the hash (stream 5), AdamW lr 1e-3 wd 0.01; 3 warm-up + 30 timed
steps, median ms/step, and the loss at the first and the last step. Usage: w5_ddpm_unet.py
[--steps N] (default 33)"""
import math
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import common

BATCH, WARMUP, DEFAULT_STEPS, T_STEPS, TEMB, GROUPS = 64, 3, 33, 1000, 128, 8
PARAMS = 3939393


class ResBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.norm1 = nn.GroupNorm(GROUPS, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.temb = nn.Linear(TEMB, cout)
        self.norm2 = nn.GroupNorm(GROUPS, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, temb_act):  # temb_act = SiLU(temb): [B, 128]
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.temb(temb_act)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return (self.skip(x) if self.skip is not None else x) + h


class Attn(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm = nn.GroupNorm(GROUPS, c)
        self.qkv = nn.Conv2d(c, 3 * c, 1)
        self.proj = nn.Conv2d(c, c, 1)

    def forward(self, x):
        b, c, hh, ww = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, 3 * c, hh * ww).chunk(3, dim=1)  # [B, c, N]
        a = torch.softmax(torch.bmm(q.transpose(1, 2), k) / math.sqrt(c), dim=-1)  # [B, Nq, Nk]
        o = torch.bmm(v, a.transpose(1, 2)).reshape(b, c, hh, ww)
        return x + self.proj(o)


def run(m, h, temb):
    return m(h, temb) if isinstance(m, ResBlock) else m(h)


def stage(*ms):
    return nn.ModuleList(ms)


class UNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.temb1 = nn.Linear(32, TEMB)
        self.temb2 = nn.Linear(TEMB, TEMB)
        self.conv_in = nn.Conv2d(1, 32, 3, padding=1)
        # Each down stage pushes its output; each up stage (except the Up convs) pops one.
        self.down = nn.ModuleList([
            stage(ResBlock(32, 32)), stage(ResBlock(32, 32)), stage(nn.Conv2d(32, 32, 3, 2, 1)),
            stage(ResBlock(32, 64)), stage(ResBlock(64, 64)), stage(nn.Conv2d(64, 64, 3, 2, 1)),
            stage(ResBlock(64, 128), Attn(128)), stage(ResBlock(128, 128), Attn(128))])
        self.mid = stage(ResBlock(128, 128), Attn(128), ResBlock(128, 128))
        self.up = nn.ModuleList([
            stage(ResBlock(256, 128), Attn(128)), stage(ResBlock(256, 128), Attn(128)),
            stage(ResBlock(192, 128), Attn(128)), nn.Conv2d(128, 128, 3, padding=1),
            stage(ResBlock(192, 64)), stage(ResBlock(128, 64)), stage(ResBlock(96, 64)),
            nn.Conv2d(64, 64, 3, padding=1),
            stage(ResBlock(96, 32)), stage(ResBlock(64, 32)), stage(ResBlock(64, 32))])
        self.norm_out = nn.GroupNorm(GROUPS, 32)
        self.conv_out = nn.Conv2d(32, 1, 3, padding=1)

    def forward(self, x, t):  # x: [B, 1, 32, 32], t: int64 [B] -> eps_hat [B, 1, 32, 32]
        half = 16
        freq = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / (half - 1))
        arg = t.to(torch.float32)[:, None] * freq[None, :]
        emb = torch.cat([torch.sin(arg), torch.cos(arg)], dim=1)  # [B, 32]
        temb = F.silu(self.temb2(F.silu(self.temb1(emb))))  # SiLU(temb), as every ResBlock uses it
        h = self.conv_in(x)
        hs = [h]
        for st in self.down:
            for m in st:
                h = run(m, h, temb)
            hs.append(h)
        for m in self.mid:
            h = run(m, h, temb)
        for st in self.up:
            if isinstance(st, nn.Conv2d):  # Up: nearest x2, then Conv3x3
                h = st(F.interpolate(h, scale_factor=2.0, mode="nearest"))
                continue
            h = torch.cat([h, hs.pop()], dim=1)
            for m in st:
                h = run(m, h, temb)
        assert not hs
        return self.conv_out(F.silu(self.norm_out(h)))


def main():
    steps = common.steps_arg(sys.argv, DEFAULT_STEPS)
    assert steps > WARMUP
    common.setup()
    train = common.fashion_images("train", 1 / 127.5, -1.0)
    train = F.pad(train, (2, 2, 2, 2), value=-1.0)  # [60000, 1, 32, 32]
    perm = common.perm_tensor(train.shape[0])
    betas = np.linspace(1e-4, 0.02, T_STEPS, dtype=np.float64)
    abar = np.cumprod(1.0 - betas)
    sqrt_ab = torch.from_numpy(np.sqrt(abar).astype(np.float32))
    sqrt_1m_ab = torch.from_numpy(np.sqrt(1.0 - abar).astype(np.float32))

    model = UNet()
    n_params = sum(p.numel() for p in model.parameters())
    assert n_params == PARAMS, n_params
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                            weight_decay=0.01)
    times, loss0, loss_last = [], math.nan, math.nan
    for s in range(steps):
        x0 = common.batch_of(train, perm, s, BATCH)
        t = torch.tensor([common.sample_hash(common.SEED, 5, s * BATCH + b) % T_STEPS
                          for b in range(BATCH)], dtype=torch.int64)
        eps = torch.randn(BATCH, 1, 32, 32)
        t0 = common.now_ms()
        opt.zero_grad()
        xt = sqrt_ab[t].view(BATCH, 1, 1, 1) * x0 + sqrt_1m_ab[t].view(BATCH, 1, 1, 1) * eps
        loss = F.mse_loss(model(xt, t), eps)
        loss.backward()
        opt.step()
        l = loss.item()
        t1 = common.now_ms()
        if s >= WARMUP:
            times.append(t1 - t0)
        if s == 0:
            loss0 = l
        loss_last = l
    common.emit("w5", steps, times, params=n_params, loss_step0=loss0, loss_last=loss_last)


if __name__ == "__main__":
    main()
