#!/usr/bin/env python3
"""Writes tests/fixtures/tokenizer/gpt2_encodings.json: GPT-2 token ids computed by an
independent reference, for tests/data/tokenizer_test.cpp.

The reference follows OpenAI's published GPT-2 encoder algorithm, written here from its
description: bytes_to_unicode, the pre-tokenization regex run by the `regex` module (Debian's
python3-regex or `pip install regex`), and the classic BPE loop that merges every occurrence of
the lowest-ranked pair at once. mica implements each of these differently (a hand-written
scanner and a heap of single merges), so agreement is a real check. Special tokens are not
recognized here: the C++ test encodes with allow_special = false.

Run from the repository root: python3 tests/data/gen_gpt2_encodings.py
Content: hand-picked strings, random strings over many scripts (seeded), and for each Debian
fortunes file present a summary (size, token count, a hash of the ids) of its whole encoding.
"""
import hashlib
import json
import os
import random

import regex

VOCAB = "data/vocab/gpt2"
OUT = "tests/fixtures/tokenizer/gpt2_encodings.json"
FORTUNES = "/usr/share/games/fortunes"
PAT = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")


def bytes_to_unicode():
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    table, extra = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


class Gpt2:
    def __init__(self):
        with open(os.path.join(VOCAB, "encoder.json"), encoding="utf-8") as f:
            self.encoder = json.load(f)
        with open(os.path.join(VOCAB, "vocab.bpe"), encoding="utf-8") as f:
            lines = f.read().split("\n")[1:]
        self.ranks = {tuple(l.split()): i for i, l in enumerate(l for l in lines if l)}
        self.b2u = bytes_to_unicode()
        self.cache = {}

    def bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = list(token)
        while len(word) > 1:
            pairs = {(word[i], word[i + 1]) for i in range(len(word) - 1)}
            best = min(pairs, key=lambda p: self.ranks.get(p, float("inf")))
            if best not in self.ranks:
                break
            out, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                    out.append(word[i] + word[i + 1])
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            word = out
        self.cache[token] = word
        return word

    def encode(self, text):
        ids = []
        for piece in PAT.findall(text):
            mapped = "".join(self.b2u[b] for b in piece.encode("utf-8"))
            ids.extend(self.encoder[t] for t in self.bpe(mapped))
        return ids


HAND_PICKED = [
    "It was a dark and stormy", "Hello world", " positive", " negative", "I'm here",
    "We'll see, they've gone, he'd say it's 'quoted' and we're DON'T", "Year 2024: 12345678 items",
    "3.14159 and 1,000,000", "a  b   c    d", "line one\nline two\n\n\nend\n", "\ttabs\t\tand  \n  mixed",
    "trailing spaces   ", "   leading", "Καλημέρα κόσμε", "Привет, мир!", "你好，世界。日本語のテキスト",
    "emoji 😀👍🏽 and 🇫🇷 flags", "café naïve résumé", "e\u0301 combining accents", "مرحبا بالعالم",
    "Ⅻ Roman ½ fraction ² super", "x<|endoftext|>y", "def f(x):\n    return x**2  # square\n",
    "!!!??? ... --- ''' \"\"\"", "'s's'S", "\u00a0nbsp\u3000ideographic space", "\r\n windows\r\n",
]

SCRIPTS = [(0x20, 0x7E), (0x20, 0x7E), (0x20, 0x7E), (0xA0, 0x24F), (0x370, 0x3FF),
           (0x400, 0x4FF), (0x4E00, 0x4FFF), (0x3040, 0x30FF), (0x1F300, 0x1F64F), (0x2000, 0x206F),
           (0x600, 0x6FF), (0x900, 0x97F), (0xAC00, 0xACFF)]
SPECIAL_CHARS = [" ", " ", " ", "  ", "\n", "\t", "'", "'s", "'ll", "0", "42", "\u3000", "\u00a0"]


def random_strings(n, seed):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(1, 40)):
            if rng.random() < 0.3:
                parts.append(rng.choice(SPECIAL_CHARS))
            else:
                lo, hi = rng.choice(SCRIPTS)
                parts.append(chr(rng.randint(lo, hi)))
        out.append("".join(parts))
    return out


def fnv1a64(ids):
    h = 0xCBF29CE484222325
    for i in ids:
        for k in range(8):
            h ^= (i >> (8 * k)) & 0xFF
            h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def main():
    gpt2 = Gpt2()
    cases = [{"text": t, "ids": gpt2.encode(t)} for t in HAND_PICKED + random_strings(150, 6)]
    corpus = []
    if os.path.isdir(FORTUNES):
        for name in sorted(os.listdir(FORTUNES)):
            path = os.path.join(FORTUNES, name)
            if "." in name or not os.path.isfile(path):
                continue
            with open(path, "rb") as f:
                data = f.read()
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                continue  # the reference works on str; such files are left out
            ids = gpt2.encode(text)
            corpus.append({"file": name, "bytes": len(data),
                           "sha256": hashlib.sha256(data).hexdigest(),
                           "tokens": len(ids), "fnv1a64": f"{fnv1a64(ids):016x}"})
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"cases": cases, "fortunes": corpus}, f, ensure_ascii=True, indent=0)
        f.write("\n")
    print(f"wrote {OUT}: {len(cases)} cases, {len(corpus)} fortunes files")


if __name__ == "__main__":
    main()
