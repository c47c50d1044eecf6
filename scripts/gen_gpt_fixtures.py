#!/usr/bin/env python3
"""Writes tests/fixtures/models/{gpt2,llama}_tiny.{safetensors,json}: small random GPT-2 and
Llama (grouped-query attention, linear RoPE scaling) models in Hugging Face's naming and layout,
fixed input ids and the reference logits, for tests/models/hf_weights_test.cpp.

The reference models are written here in plain PyTorch (transformers is not installed),
following transformers' GPT2LMHeadModel and LlamaForCausalLM math: GPT-2's Conv1D weights are
[in, out] (y = x @ W + b), gelu_new (tanh), tied LM head; Llama's RMSNorm in float32,
inv_freq = 1 / theta^(2i/d), positions divided by the linear scaling factor, rotate_half,
repeat_kv, SiLU-gated MLP. Run with Debian's torch: /usr/bin/python3 scripts/gen_gpt_fixtures.py
"""
import json
import math
import os
import struct

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "models")


def save_safetensors(path, tensors):
    """The safetensors layout: u64 LE header length, JSON header, raw little-endian data."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        assert t.dtype == torch.float32
        data = t.numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def rnd(g, *shape, std=0.1, mean=0.0):
    return torch.randn(*shape, generator=g) * std + mean


# ---------------------------------------------------------------- GPT-2
def gpt2_forward(sd, cfg, ids):
    C, nh = cfg["n_embd"], cfg["n_head"]
    hd = C // nh
    eps = cfg["layer_norm_epsilon"]
    B, T = ids.shape
    ln = lambda x, p: torch.nn.functional.layer_norm(x, (C,), sd[p + ".weight"], sd[p + ".bias"], eps)
    conv1d = lambda x, p: x @ sd[p + ".weight"] + sd[p + ".bias"]  # HF Conv1D: W is [in, out]
    x = sd["wte.weight"][ids] + sd["wpe.weight"][torch.arange(T)]
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    for i in range(cfg["n_layer"]):
        p = "h.%d." % i
        a = conv1d(ln(x, p + "ln_1"), p + "attn.c_attn")
        q, k, v = a.split(C, dim=2)
        q, k, v = (t.view(B, T, nh, hd).transpose(1, 2) for t in (q, k, v))
        w = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
        w = torch.where(causal, w, torch.tensor(torch.finfo(w.dtype).min))
        y = (torch.softmax(w, dim=-1) @ v).transpose(1, 2).reshape(B, T, C)
        x = x + conv1d(y, p + "attn.c_proj")
        h = conv1d(ln(x, p + "ln_2"), p + "mlp.c_fc")
        h = 0.5 * h * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (h + 0.044715 * torch.pow(h, 3.0))))
        x = x + conv1d(h, p + "mlp.c_proj")
    x = ln(x, "ln_f")
    return x @ sd["wte.weight"].t()  # tied LM head


def make_gpt2(g):
    cfg = {"model_type": "gpt2", "vocab_size": 64, "n_positions": 16, "n_embd": 32, "n_layer": 2,
           "n_head": 4, "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new",
           "tie_word_embeddings": True}
    C, V, P = cfg["n_embd"], cfg["vocab_size"], cfg["n_positions"]
    sd = {"wte.weight": rnd(g, V, C, std=0.3), "wpe.weight": rnd(g, P, C, std=0.1)}
    for i in range(cfg["n_layer"]):
        p = "h.%d." % i
        sd[p + "ln_1.weight"] = rnd(g, C, mean=1.0)
        sd[p + "ln_1.bias"] = rnd(g, C)
        # The causal-mask buffer older checkpoints carry (the loader must ignore it).
        sd[p + "attn.bias"] = torch.tril(torch.ones(P, P)).view(1, 1, P, P)
        sd[p + "attn.c_attn.weight"] = rnd(g, C, 3 * C, std=0.2)
        sd[p + "attn.c_attn.bias"] = rnd(g, 3 * C)
        sd[p + "attn.c_proj.weight"] = rnd(g, C, C, std=0.2)
        sd[p + "attn.c_proj.bias"] = rnd(g, C)
        sd[p + "ln_2.weight"] = rnd(g, C, mean=1.0)
        sd[p + "ln_2.bias"] = rnd(g, C)
        sd[p + "mlp.c_fc.weight"] = rnd(g, C, 4 * C, std=0.2)
        sd[p + "mlp.c_fc.bias"] = rnd(g, 4 * C)
        sd[p + "mlp.c_proj.weight"] = rnd(g, 4 * C, C, std=0.1)
        sd[p + "mlp.c_proj.bias"] = rnd(g, C)
    sd["ln_f.weight"] = rnd(g, C, mean=1.0)
    sd["ln_f.bias"] = rnd(g, C)
    return cfg, sd


# ---------------------------------------------------------------- Llama
def rms_norm(x, w, eps):
    dt = x.dtype
    x = x.to(torch.float32)
    var = x.pow(2).mean(-1, keepdim=True)
    x = x * torch.rsqrt(var + eps)
    return w * x.to(dt)


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def repeat_kv(x, n_rep):
    b, nkv, t, hd = x.shape
    if n_rep == 1:
        return x
    return x[:, :, None, :, :].expand(b, nkv, n_rep, t, hd).reshape(b, nkv * n_rep, t, hd)


def llama_forward(sd, cfg, ids):
    C, nh, nkv = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = C // nh
    eps = cfg["rms_norm_eps"]
    B, T = ids.shape
    inv_freq = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
    t = torch.arange(T, dtype=torch.int64).float() / cfg["rope_scaling"]["factor"]
    freqs = torch.outer(t, inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()
    mask = torch.full((T, T), torch.finfo(torch.float32).min).triu(1)
    lin = lambda x, n: x @ sd[n].t()
    x = sd["model.embed_tokens.weight"][ids]
    for i in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % i
        h = rms_norm(x, sd[p + "input_layernorm.weight"], eps)
        q = lin(h, p + "self_attn.q_proj.weight").view(B, T, nh, hd).transpose(1, 2)
        k = lin(h, p + "self_attn.k_proj.weight").view(B, T, nkv, hd).transpose(1, 2)
        v = lin(h, p + "self_attn.v_proj.weight").view(B, T, nkv, hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k, v = repeat_kv(k, nh // nkv), repeat_kv(v, nh // nkv)
        w = q @ k.transpose(2, 3) / math.sqrt(hd) + mask
        w = torch.softmax(w, dim=-1, dtype=torch.float32)
        y = (w @ v).transpose(1, 2).reshape(B, T, C)
        x = x + lin(y, p + "self_attn.o_proj.weight")
        h = rms_norm(x, sd[p + "post_attention_layernorm.weight"], eps)
        gate = torch.nn.functional.silu(lin(h, p + "mlp.gate_proj.weight"))
        x = x + lin(gate * lin(h, p + "mlp.up_proj.weight"), p + "mlp.down_proj.weight")
    x = rms_norm(x, sd["model.norm.weight"], eps)
    return lin(x, "lm_head.weight")


def make_llama(g):
    cfg = {"model_type": "llama", "vocab_size": 64, "hidden_size": 32, "intermediate_size": 64,
           "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
           "max_position_embeddings": 64, "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
           "rope_scaling": {"type": "linear", "factor": 2.0}, "tie_word_embeddings": False,
           "hidden_act": "silu"}
    C, V, I = cfg["hidden_size"], cfg["vocab_size"], cfg["intermediate_size"]
    kv = cfg["num_key_value_heads"] * C // cfg["num_attention_heads"]
    sd = {"model.embed_tokens.weight": rnd(g, V, C, std=0.5)}
    for i in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % i
        sd[p + "input_layernorm.weight"] = rnd(g, C, mean=1.0)
        sd[p + "self_attn.q_proj.weight"] = rnd(g, C, C, std=0.3)
        sd[p + "self_attn.k_proj.weight"] = rnd(g, kv, C, std=0.3)
        sd[p + "self_attn.v_proj.weight"] = rnd(g, kv, C, std=0.2)
        sd[p + "self_attn.o_proj.weight"] = rnd(g, C, C, std=0.2)
        # The buffer older checkpoints carry (the loader must ignore it).
        sd[p + "self_attn.rotary_emb.inv_freq"] = 1.0 / (
            cfg["rope_theta"] ** (torch.arange(0, C // 4, 2).float() / (C // 4)))
        sd[p + "post_attention_layernorm.weight"] = rnd(g, C, mean=1.0)
        sd[p + "mlp.gate_proj.weight"] = rnd(g, I, C, std=0.2)
        sd[p + "mlp.up_proj.weight"] = rnd(g, I, C, std=0.2)
        sd[p + "mlp.down_proj.weight"] = rnd(g, C, I, std=0.15)
    sd["model.norm.weight"] = rnd(g, C, mean=1.0)
    sd["lm_head.weight"] = rnd(g, V, C, std=0.2)
    return cfg, sd


def write(name, cfg, sd, forward, g):
    ids = torch.randint(0, cfg["vocab_size"], (2, 9), generator=g)
    with torch.no_grad():
        logits = forward(sd, cfg, ids)
    save_safetensors(os.path.join(OUT, name + ".safetensors"), sd)
    doc = {"config": cfg, "input_ids": ids.tolist(), "logits_shape": list(logits.shape),
           "logits": [float("%.8g" % v) for v in logits.flatten().tolist()]}
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(name, "logits std %.3f" % logits.std().item())


def main():
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    g = torch.Generator().manual_seed(1234)
    cfg, sd = make_gpt2(g)
    write("gpt2_tiny", cfg, sd, gpt2_forward, g)
    cfg, sd = make_llama(g)
    write("llama_tiny", cfg, sd, llama_forward, g)


if __name__ == "__main__":
    main()
