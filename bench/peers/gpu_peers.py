"""PyTorch peers of the GPU workloads (shared/WORKLOADS.md), for the PyTorch installed on the GPU
machine: G1 (GPT-2 124M training step, vocab 50304, T = 1024, bf16 autocast, AdamW (0.9, 0.95)
wd 0.1, clip 1.0, scaled_dot_product_attention), G2 (causal attention forward+backward, bf16) and
G3 (bf16 / fp32 / tf32 GEMMs) at the shapes of bench/g1_gpt2_gpu.cpp and
bench/gpu_kernels_bench.cpp. Times with CUDA events after warm-up; prints one JSON line per
measurement. Exits 0 with a note when torch or a GPU is missing.
Usage: gpu_peers.py [--g1-steps 10] [--batch 16]"""
import json
import math
import statistics
import sys

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    print(json.dumps({"note": "torch is not installed: no GPU peer"}))
    sys.exit(0)

import common


def arg(name, default):
    return int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


class Block(nn.Module):
    def __init__(self, c, n_head):
        super().__init__()
        self.n_head = n_head
        self.ln_1, self.ln_2 = nn.LayerNorm(c), nn.LayerNorm(c)
        self.c_attn, self.attn_proj = nn.Linear(c, 3 * c), nn.Linear(c, c)
        self.c_fc, self.mlp_proj = nn.Linear(c, 4 * c), nn.Linear(4 * c, c)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.attn_proj(y.transpose(1, 2).contiguous().view(B, T, C))
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self, vocab=50304, block=1024, n_layer=12, n_head=12, c=768):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, c), nn.Embedding(block, c)
        self.h = nn.ModuleList(Block(c, n_head) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(c)
        self.lm_head = nn.Linear(c, vocab, bias=False)
        self.lm_head.weight = self.wte.weight
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, 0.0, 0.02)

    def forward_loss(self, idx, targets):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1], device=idx.device))
        for b in self.h:
            x = b(x)
        logits = self.lm_head(self.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.reshape(-1))


def gpu_ms(fn, reps):
    fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop))
    return statistics.median(times)


def g1(batch, steps):
    torch.manual_seed(common.SEED)
    ids = [common.sample_hash(common.SEED, 7, k) % 50257 for k in range(batch * 1025)]
    rows = torch.tensor(ids, dtype=torch.int64).view(batch, 1025).cuda()
    x, y = rows[:, :1024].contiguous(), rows[:, 1:].contiguous()
    model = GPT().cuda()
    opt = torch.optim.AdamW(model.parameters(), lr=6e-4, betas=(0.9, 0.95), weight_decay=0.1)
    torch.cuda.reset_peak_memory_stats()

    def step():
        opt.zero_grad(set_to_none=True)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = model.forward_loss(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss

    for _ in range(3):
        step()
    ms = gpu_ms(step, steps)
    n = sum(p.numel() for p in model.parameters())
    tok_s = batch * 1024 / (ms / 1000)
    print(json.dumps({"workload": "g1", "impl": "pytorch", "batch": batch, "median_ms": ms,
                      "tokens_per_s": tok_s,
                      "mfu": tok_s * (6 * n + 6 * 12 * 768 * 1024) / 989e12,
                      "peak_gpu_mb": torch.cuda.max_memory_allocated() / 2**20}))


def g2():
    for b, h, s, d in ((16, 12, 1024, 64), (8, 16, 2048, 128)):
        q, k, v = (torch.randn(b, h, s, d, device="cuda", dtype=torch.bfloat16, requires_grad=True)
                   for _ in range(3))
        g = torch.randn(b, h, s, d, device="cuda", dtype=torch.bfloat16)

        def run():
            F.scaled_dot_product_attention(q, k, v, is_causal=True).backward(g)

        ms = gpu_ms(run, 10)
        flops = 4.0 * b * s * s * h * d / 2 * 3.5
        print(json.dumps({"workload": "g2", "impl": "pytorch", "shape": [b, h, s, d],
                          "median_ms": ms, "tflops": flops / ms / 1e9}))


def g3():
    shapes = [("8192", 8192, 8192, 8192), ("gpt2_qkv", 16384, 768, 2304),
              ("gpt2_fc", 16384, 768, 3072), ("gpt2_proj", 16384, 3072, 768),
              ("gpt2_head", 16384, 768, 50304)]
    for name, m, k, n in shapes:
        for dtype, tf32 in ((torch.bfloat16, False), (torch.float32, False), (torch.float32, True)):
            if name != "8192" and dtype != torch.bfloat16:
                continue
            torch.backends.cuda.matmul.allow_tf32 = tf32
            a = torch.randn(m, k, device="cuda", dtype=dtype)
            b = torch.randn(k, n, device="cuda", dtype=dtype)
            ms = gpu_ms(lambda: a @ b, 10)
            print(json.dumps({"workload": "g3", "impl": "pytorch", "shape": name,
                              "dtype": str(dtype).replace("torch.", "") + ("_tf32" if tf32 else ""),
                              "median_ms": ms, "tflops": 2.0 * m * k * n / ms / 1e9}))
    torch.backends.cuda.matmul.allow_tf32 = False


def main():
    if not torch.cuda.is_available():
        print(json.dumps({"note": "no CUDA device: no GPU peer"}))
        return
    print(json.dumps({"torch": torch.__version__, "gpu": torch.cuda.get_device_name(0)}))
    g3()
    g2()
    g1(arg("--batch", 16), arg("--g1-steps", 10))


if __name__ == "__main__":
    main()
