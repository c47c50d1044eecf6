#!/usr/bin/python3
"""Writes the BERT fixtures for tests/models/bert_test.cpp:
  tests/fixtures/models/bert_tiny.safetensors  weights of a BertForSequenceClassification in
      Hugging Face naming ("bert.embeddings.word_embeddings.weight", ...,
      "classifier.weight"), written with struct + json (no safetensors package)
  tests/fixtures/models/bert_tiny.json  config, inputs (ids with padding, attention mask, token
      types) and reference outputs: last hidden states, CLS-pooled output, masked-mean pooled
      output and classifier logits.

The reference is a plain-PyTorch BERT written here with exactly Hugging Face BertModel's math
(transformers is not installed): post-LN encoder layers, additive mask (1 - mask) * finfo.min,
erf GELU, pooler = tanh(dense(h[:, 0])). Weights are random with a larger spread than BERT's
0.02 init so every parameter visibly matters. Run from anywhere with /usr/bin/python3.
"""
import json
import math
import os
import struct

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "..", "tests", "fixtures", "models")

CONFIG = dict(vocab_size=50, max_position_embeddings=16, type_vocab_size=2, hidden_size=32,
              num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
              layer_norm_eps=1e-12, num_labels=3)


def make_weights(g):
    c = CONFIG
    H, I = c["hidden_size"], c["intermediate_size"]
    w = {}

    def rnd(*shape, std=0.2):
        return torch.randn(*shape, generator=g) * std

    def lin(name, out_f, in_f):
        w[name + ".weight"] = rnd(out_f, in_f, std=1.0 / math.sqrt(in_f))
        w[name + ".bias"] = rnd(out_f, std=0.1)

    def ln(name):
        w[name + ".weight"] = 1.0 + rnd(H, std=0.1)
        w[name + ".bias"] = rnd(H, std=0.1)

    w["bert.embeddings.word_embeddings.weight"] = rnd(c["vocab_size"], H, std=0.5)
    w["bert.embeddings.position_embeddings.weight"] = rnd(c["max_position_embeddings"], H, std=0.5)
    w["bert.embeddings.token_type_embeddings.weight"] = rnd(c["type_vocab_size"], H, std=0.5)
    ln("bert.embeddings.LayerNorm")
    for i in range(c["num_hidden_layers"]):
        p = "bert.encoder.layer.%d." % i
        lin(p + "attention.self.query", H, H)
        lin(p + "attention.self.key", H, H)
        lin(p + "attention.self.value", H, H)
        lin(p + "attention.output.dense", H, H)
        ln(p + "attention.output.LayerNorm")
        lin(p + "intermediate.dense", I, H)
        lin(p + "output.dense", H, I)
        ln(p + "output.LayerNorm")
    lin("bert.pooler.dense", H, H)
    lin("classifier", c["num_labels"], H)
    return {k: v.float().contiguous() for k, v in w.items()}


def layer_norm(x, w, prefix):
    return torch.nn.functional.layer_norm(x, (x.shape[-1],), w[prefix + ".weight"],
                                          w[prefix + ".bias"], CONFIG["layer_norm_eps"])


def linear(x, w, prefix):
    return x @ w[prefix + ".weight"].t() + w[prefix + ".bias"]


def bert_forward(w, ids, mask, types):
    """HF BertModel (eval mode) -> (last_hidden_state, pooled)."""
    c = CONFIG
    B, T = ids.shape
    H, nh = c["hidden_size"], c["num_attention_heads"]
    hd = H // nh
    pos = torch.arange(T)
    x = (w["bert.embeddings.word_embeddings.weight"][ids]
         + w["bert.embeddings.token_type_embeddings.weight"][types]
         + w["bert.embeddings.position_embeddings.weight"][pos][None])
    x = layer_norm(x, w, "bert.embeddings.LayerNorm")
    ext = (1.0 - mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
    for i in range(c["num_hidden_layers"]):
        p = "bert.encoder.layer.%d." % i

        def heads(t):
            return t.view(B, T, nh, hd).permute(0, 2, 1, 3)

        q = heads(linear(x, w, p + "attention.self.query"))
        k = heads(linear(x, w, p + "attention.self.key"))
        v = heads(linear(x, w, p + "attention.self.value"))
        scores = q @ k.transpose(-1, -2) / math.sqrt(hd) + ext
        probs = torch.softmax(scores, dim=-1)
        ctx = (probs @ v).permute(0, 2, 1, 3).reshape(B, T, H)
        a = layer_norm(linear(ctx, w, p + "attention.output.dense") + x, w,
                       p + "attention.output.LayerNorm")
        inter = torch.nn.functional.gelu(linear(a, w, p + "intermediate.dense"))
        x = layer_norm(linear(inter, w, p + "output.dense") + a, w, p + "output.LayerNorm")
    pooled = torch.tanh(linear(x[:, 0], w, "bert.pooler.dense"))
    return x, pooled


def write_safetensors(path, tensors):
    header, data = {}, b""
    for name, t in tensors.items():
        raw = struct.pack("<%df" % t.numel(), *t.flatten().tolist())
        header[name] = {"dtype": "F32", "shape": list(t.shape),
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    header["__metadata__"] = {"format": "pt", "source": "scripts/gen_bert_fixtures.py"}
    text = json.dumps(header).encode("utf-8")
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)
    return 8 + len(text) + len(data)


def as_json(t):
    dtype = "int64" if t.dtype == torch.int64 else "float32"
    return {"dtype": dtype, "shape": list(t.shape), "data": t.flatten().tolist()}


def main():
    g = torch.Generator().manual_seed(1234)
    w = make_weights(g)
    # Three sequences of length 7: full, padded after 5 tokens, padded after 3 (pad id 0).
    ids = torch.tensor([[2, 17, 33, 9, 41, 5, 3],
                        [2, 8, 25, 47, 3, 0, 0],
                        [2, 30, 3, 0, 0, 0, 0]], dtype=torch.int64)
    mask = (ids != 0).to(torch.int64)
    types = torch.tensor([[0, 0, 0, 0, 1, 1, 1],
                          [0, 0, 0, 1, 1, 0, 0],
                          [0, 0, 1, 0, 0, 0, 0]], dtype=torch.int64)
    with torch.no_grad():
        hidden, pooled = bert_forward(w, ids, mask, types)
        m = mask[:, :, None].float()
        mean_pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
        logits = linear(pooled, w, "classifier")
    os.makedirs(OUT_DIR, exist_ok=True)
    n = write_safetensors(os.path.join(OUT_DIR, "bert_tiny.safetensors"), w)
    doc = {
        "config": CONFIG,
        "input_ids": as_json(ids),
        "attention_mask": as_json(mask),
        "token_type_ids": as_json(types),
        "last_hidden_state": as_json(hidden),
        "pooled_cls": as_json(pooled),
        "pooled_mean": as_json(mean_pooled),
        "logits": as_json(logits),
    }
    with open(os.path.join(OUT_DIR, "bert_tiny.json"), "w") as f:
        json.dump(doc, f)
    print("wrote bert_tiny.safetensors (%d bytes) and bert_tiny.json" % n)


if __name__ == "__main__":
    main()
