"""PyTorch peer of W1 (shared/WORKLOADS.md): sgemm torch.mm(a, b, out=c), square fp32, A, B ~ N(0, 1),
3 warm-up calls then 400 / 40 / 12 timed calls for n = 256 / 1024 / 2048; one JSON line per size.
Usage: w1.py [--sizes 256,1024,2048] [--quick] (quick: 1/10 of the calls, at least 3)"""
import statistics
import sys

import torch

import common


def main():
    sizes = [256, 1024, 2048]
    if "--sizes" in sys.argv:
        sizes = [int(v) for v in sys.argv[sys.argv.index("--sizes") + 1].split(",")]
    quick = "--quick" in sys.argv
    common.setup()
    for n in sizes:
        calls = 400 if n <= 256 else 40 if n <= 1024 else 12
        if quick:
            calls = max(3, calls // 10)
        a, b = torch.randn(n, n), torch.randn(n, n)
        c = torch.empty(n, n)
        for _ in range(3):
            torch.mm(a, b, out=c)
        times = []
        for _ in range(calls):
            t0 = common.now_ms()
            torch.mm(a, b, out=c)
            times.append(common.now_ms() - t0)
        med = statistics.median(times)
        common.emit(f"w1_n{n}", calls, times, gflops=2.0 * n ** 3 / (med * 1e6))


if __name__ == "__main__":
    main()
