"""PyTorch peer of W2 (shared/WORKLOADS.md): the char-level GPT (nanoGPT-style, vocab 96,
block 128, 4 layers, 4 heads, 128 wide, 822,016 parameters, nanoGPT init) trained on the fortunes
corpus with AdamW (lr 3e-4, wd 0.01 on all parameters), batch 32 x 128 from the hash; 301 steps.
Reports the median ms/step over steps 5.., tokens/s, and the train loss of batch s and the val
loss (8 fixed val batches of 32, no-grad, outside the timing) at s in {0, 100, 200, 300} and at
the last step. The GPT module here is W3's model too (bench/peers/w3_gpt2_step.py).
Usage: w2_char_gpt.py [--steps N] [--show-rows]"""
import math
import os
import statistics
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import common

FORTUNES_DIR = "/usr/share/games/fortunes"
BATCH, BLOCK, STEPS, WARMUP, VAL_BATCHES, PARAMS = 32, 128, 301, 5, 8, 822016


# ---- data: the corpus and the hash batches, as WORKLOADS.md defines them ----

def load_char_corpus(directory=FORTUNES_DIR):
    """(uint8 token ids of all N tokens, n_train): regular files except *.dat, *.u8 and
    symlinks, sorted by name bytes, concatenated; TAB -> space, keep \\n and 32..126, drop the
    rest; \\n -> 0, byte c -> c - 31; the first floor(0.9 N) tokens are train."""
    names = sorted((n for n in os.listdir(directory) if not n.endswith((".dat", ".u8"))),
                   key=os.fsencode)
    paths = [os.path.join(directory, n) for n in names]
    paths = [p for p in paths if os.path.isfile(p) and not os.path.islink(p)]
    raw = np.frombuffer(b"".join(open(p, "rb").read() for p in paths), dtype=np.uint8)
    table = np.full(256, -1, dtype=np.int16)
    table[10] = 0
    table[32:127] = np.arange(1, 96)
    table[9] = 1  # TAB reads as a space
    ids = table[raw]
    tokens = ids[ids >= 0].astype(np.uint8)
    return tokens, (len(tokens) * 9) // 10


def char_batch(split, batch, block, stream, first_index, seed=common.SEED):
    """int64 [batch, block + 1]: row b = split[off : off + block + 1],
    off = h(seed, stream, first_index + b) mod (len(split) - block - 1)."""
    rng = len(split) - block - 1
    offs = [common.sample_hash(seed, stream, first_index + b) % rng for b in range(batch)]
    return torch.from_numpy(np.stack([split[o:o + block + 1] for o in offs]).astype(np.int64))


def weighted_sum(rows, k0):
    """sum_k token[k] * ((k0 + k) mod 9973 + 1) over the flattened rows (the mica driver's)."""
    flat = rows.reshape(-1).numpy().astype(np.int64)
    return int((flat * ((k0 + np.arange(flat.size)) % 9973 + 1)).sum())


# ---- the model (nanoGPT style: pre-LN, fused c_attn, GELU(tanh), tied LM head) ----

class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head, block_size):
        super().__init__()
        self.n_head = n_head
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.register_buffer("mask", torch.tril(torch.ones(block_size, block_size, dtype=torch.bool))
                             .view(1, 1, block_size, block_size), persistent=False)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.shape[-1]))
        att = att.masked_fill(~self.mask[:, :, :T, :T], float("-inf"))
        y = F.softmax(att, dim=-1) @ v
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))


class MLP(nn.Module):
    def __init__(self, n_embd):
        super().__init__()
        self.c_fc = nn.Linear(n_embd, 4 * n_embd)
        self.c_proj = nn.Linear(4 * n_embd, n_embd)

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))


class Block(nn.Module):
    def __init__(self, n_embd, n_head, block_size):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd, eps=1e-5)
        self.attn = CausalSelfAttention(n_embd, n_head, block_size)
        self.ln_2 = nn.LayerNorm(n_embd, eps=1e-5)
        self.mlp = MLP(n_embd)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, vocab_size, block_size, n_layer, n_head, n_embd):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd)
        self.h = nn.ModuleList(Block(n_embd, n_head, block_size) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(n_embd, eps=1e-5)
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
        self.lm_head.weight = self.wte.weight  # tied
        # nanoGPT init: Linear weights and embeddings N(0, 0.02), biases 0, LN (1, 0) by default;
        # the residual projections (attn.c_proj, mlp.c_proj) N(0, 0.02 / sqrt(2 n_layer)).
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, 0.0, 0.02)
                if getattr(m, "bias", None) is not None:
                    nn.init.zeros_(m.bias)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * n_layer))

    def forward_loss(self, idx, targets):
        T = idx.shape[1]
        x = self.wte(idx) + self.wpe(torch.arange(T))
        for block in self.h:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.reshape(-1))


def num_params(model):
    return sum(p.numel() for p in model.parameters())  # the tied weight once


def val_loss(model, val):
    with torch.no_grad():
        return sum(model.forward_loss(r[:, :BLOCK], r[:, 1:]).item() for r in val) / len(val)


def main():
    steps = common.steps_arg(sys.argv, STEPS)
    assert WARMUP < steps <= STEPS
    common.setup()
    if "--init-seed" in sys.argv:  # re-seeds the weight init only; the batches stay W2's
        torch.manual_seed(int(sys.argv[sys.argv.index("--init-seed") + 1]))
    tokens, n_train = load_char_corpus()
    assert len(tokens) == 2576215 and n_train == 2318593, (len(tokens), n_train)
    train, val_split = tokens[:n_train], tokens[n_train:]
    val = [char_batch(val_split, BATCH, BLOCK, 2, j * BATCH) for j in range(VAL_BATCHES)]
    if "--show-rows" in sys.argv:  # for comparing batches with mica's by eye
        for name, rows in (("train step 0", char_batch(train, BATCH, BLOCK, 1, 0)),
                           ("val batch 0", val[0])):
            for b in (0, 1, 31):
                print(f"# {name} row {b}: {rows[b, :16].tolist()}")

    model = GPT(96, BLOCK, 4, 4, 128)
    assert num_params(model) == PARAMS, num_params(model)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, betas=(0.9, 0.999), eps=1e-8,
                            weight_decay=0.01)

    check, k0 = 0, 0
    for rows in [char_batch(train, BATCH, BLOCK, 1, 0),
                 char_batch(train, BATCH, BLOCK, 1, (steps - 1) * BATCH)] + val:
        check += weighted_sum(rows, k0)
        k0 += rows.numel()

    times, losses, loss_last = [], {}, math.nan
    for s in range(steps):
        rows = char_batch(train, BATCH, BLOCK, 1, s * BATCH)
        x, y = rows[:, :BLOCK].contiguous(), rows[:, 1:].contiguous()
        report = s % 100 == 0 or s == steps - 1
        vl = val_loss(model, val) if report else math.nan
        t0 = common.now_ms()
        opt.zero_grad()
        loss = model.forward_loss(x, y)
        loss.backward()
        opt.step()
        l = loss.item()
        t1 = common.now_ms()
        if s >= WARMUP:
            times.append(t1 - t0)
        if report:
            losses[f"loss_step{s}"] = l
            losses[f"val_loss_step{s}"] = vl
        loss_last = l
    common.emit("w2", steps, times,
                tokens_per_s=BATCH * BLOCK / (statistics.median(times) / 1000.0), **losses,
                loss_last=loss_last, params=num_params(model), n_tokens=len(tokens),
                data_check=check)


if __name__ == "__main__":
    main()
