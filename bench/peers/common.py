"""Shared helpers of the PyTorch workload peers (shared/WORKLOADS.md): the splitmix64 sample hash
and epoch permutation, Fashion-MNIST loading, step statistics, peak RSS and the one-line JSON
result (the same keys as mica's drivers in bench/*.cpp)."""
import gzip
import json
import math
import os
import statistics
import struct
import time

import numpy as np
import torch

THREADS = 2
SEED = 1337
MASK = (1 << 64) - 1
FASHION_DIR = "/usr/share/datasets/fashion-mnist"


def splitmix64(x):
    z = (x + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def sample_hash(seed, stream, i):
    return splitmix64((splitmix64((seed * 1000003 + stream) & MASK) + i) & MASK)


def _splitmix64_np(x):
    with np.errstate(over="ignore"):
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def hash_permutation(n, epoch=0, seed=SEED, stream=4):
    """0..n-1 stably sorted by h(seed, stream, epoch*n + i)."""
    base = np.uint64(splitmix64((seed * 1000003 + stream) & MASK))
    with np.errstate(over="ignore"):
        keys = _splitmix64_np(base + np.arange(epoch * n, epoch * n + n, dtype=np.uint64))
    return np.argsort(keys, kind="stable")


def check_hash():
    assert splitmix64(0) == 0xE220A8397B1DCDAF
    assert sample_hash(1337, 1, 0) == 10547887158711343952
    assert sample_hash(1337, 1, 1) == 8022015769922315494


def setup():
    check_hash()
    torch.set_num_threads(THREADS)
    torch.manual_seed(SEED)


def fashion_images(split, scale, shift):
    """float32 [N, 1, 28, 28] = pixels * scale + shift (split: 'train' or 't10k')."""
    path = os.path.join(FASHION_DIR, f"{split}-images-idx3-ubyte.gz")
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, n, rows, cols = struct.unpack(">IIII", raw[:16])
    assert magic == 2051, path
    pixels = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, 1, rows, cols)
    return torch.from_numpy(pixels.astype(np.float32)).mul_(scale).add_(shift)


def perm_tensor(n):
    perm = hash_permutation(n)
    assert n != 60000 or list(perm[:5]) == [17733, 8906, 25108, 10086, 18464]
    return torch.from_numpy(perm.astype(np.int64))


def batch_of(images, perm, s, batch):
    return images.index_select(0, perm[s * batch:(s + 1) * batch]).contiguous()


def now_ms():
    return time.perf_counter() * 1e3


def peak_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return -1.0


def steps_arg(argv, default):
    if "--steps" in argv:
        return int(argv[argv.index("--steps") + 1])
    return default


def emit(workload, steps, times, **extra):
    def clean(v):
        return None if isinstance(v, float) and not math.isfinite(v) else v

    line = {"workload": workload, "impl": "torch", "steps": steps,
            "median_ms": statistics.median(times), "min_ms": min(times), "max_ms": max(times)}
    line.update({k: clean(v) for k, v in extra.items()})
    line["peak_rss_mb"] = peak_rss_mb()
    line["threads"] = torch.get_num_threads()
    print(json.dumps(line), flush=True)
