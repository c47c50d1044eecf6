#!/usr/bin/env python3
"""Runs the standard workloads (shared/WORKLOADS.md) in mica and in PyTorch, interleaved (mica,
torch, mica, torch, ...), and prints the comparison table: per workload the median (min-max) of
the per-run median step times, the ratio mica / PyTorch (lower is better) and each side's peak
RSS (/usr/bin/time -v "Maximum resident set size" where available, else the driver's VmHWM).
Where the libtorch C++ peers (bench/peers/libtorch, cmake -DMICA_BENCH_LIBTORCH=ON) are built,
each run interleaves mica, Python torch and libtorch C++, and the ratio is taken against the
faster of the two peers (the table names it).

Builds nothing: the mica drivers (w1_sgemm, w2_char_gpt, w3_gpt2_step, w4_vae, w5_ddpm_unet,
w6_dcgan) must be built in --bin-dir (cmake -DMICA_BUILD_BENCH=ON; cmake --build build --target
w1_sgemm w2_char_gpt w3_gpt2_step w4_vae w5_ddpm_unet w6_dcgan).

Usage: run_workloads.py [--workloads w1,w2,w3,w4,w5,w6] [--runs 3] [--steps N] [--w3-steps N]
                        [--bin-dir build/bench] [--python /usr/bin/python3]
                        [--libtorch-dir DIR | --no-libtorch]
                        [--wait-policy passive|active] [--quick]
--libtorch-dir: where lt_w1_sgemm ... lt_w6_dcgan are (default <bin-dir>/peers/libtorch when
they are built there; a workload whose lt_ binary is missing runs without the C++ peer).
--steps cuts W2 / W4 / W5 / W6 short (their defaults: 301 / 468 / 33 / 300 steps; W2 takes at
most 301).
--w3-steps sets W3's steps (default 12: 2 warm-up + 10 timed). --quick is the CI smoke run:
one run each, W1 at n = 256 with a tenth of the calls, W2, W4 and W6 for 6 steps (1 timed),
W3 and W5 left out unless --workloads names them (then W3 2 steps and 1 forward+backward, W5
6 steps), and
OMP_WAIT_POLICY=passive unless --wait-policy says otherwise (spinning OpenMP threads crawl on
a loaded machine). Threads: 2 (the drivers set them; OMP_NUM_THREADS and OPENBLAS_NUM_THREADS
are set to 2 as well). W2 and W3 print a data_check (a checksum of the batches they used);
a mismatch between mica and either peer fails the run. W2 is skipped when Debian's fortunes
corpus is not installed, W4, W5 and W6 when dataset-fashion-mnist is not. Exit status 1 if a
mica run fails, the data checks differ, or no row could be measured."""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = os.path.join(HERE, "peers")
TIME = "/usr/bin/time"
FASHION_DIR = "/usr/share/datasets/fashion-mnist"
FORTUNES_DIR = "/usr/share/games/fortunes"
ALL_WORKLOADS = "w1,w2,w3,w4,w5,w6"
# Keys of the drivers' JSON lines printed below the table (losses, throughput, data checks).
EXTRA_KEYS = ("loss", "val_loss", "test_loss", "gflops", "tokens_per_s", "fwdbwd_ms",
              "data_check")


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workloads", default=None,
                    help=f"default {ALL_WORKLOADS} (without w3 and w5 under --quick)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--w3-steps", type=int, default=None)
    ap.add_argument("--bin-dir", default=os.path.join(os.path.dirname(HERE), "build", "bench"))
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--libtorch-dir", default=None,
                    help="libtorch C++ peers (default: <bin-dir>/peers/libtorch if built)")
    ap.add_argument("--no-libtorch", action="store_true", help="run without the C++ peers")
    ap.add_argument("--wait-policy", choices=["passive", "active"], default=None)
    ap.add_argument("--quick", action="store_true")
    return ap.parse_args()


IMPLS = ("mica", "torch", "libtorch")
PEER_NAMES = {"torch": "PyTorch", "libtorch": "libtorch C++"}


def libtorch_dir(args):
    """The folder of the lt_* binaries, or None."""
    if args.no_libtorch:
        return None
    d = args.libtorch_dir or os.path.join(args.bin_dir, "peers", "libtorch")
    if args.libtorch_dir is None and not os.access(os.path.join(d, "lt_w1_sgemm"), os.X_OK):
        return None
    return d


def commands(workload, args):
    """(mica command, torch command, libtorch command or None) for one workload."""
    b, py = args.bin_dir, args.python
    script = {"w1": ("w1_sgemm", "w1.py"),
              "w2": ("w2_char_gpt", "w2_char_gpt.py"), "w3": ("w3_gpt2_step", "w3_gpt2_step.py"),
              "w4": ("w4_vae", "w4_vae.py"), "w5": ("w5_ddpm_unet", "w5_ddpm_unet.py"),
              "w6": ("w6_dcgan", "w6_dcgan.py")}[workload]
    lt = None
    if args.lt_dir and os.access(os.path.join(args.lt_dir, "lt_" + script[0]), os.X_OK):
        lt = [os.path.join(args.lt_dir, "lt_" + script[0])]
    if workload == "w1":
        extra = ["--quick", "--sizes", "256"] if args.quick else []
    elif workload == "w3":
        steps = args.w3_steps if args.w3_steps else (2 if args.quick else None)
        extra = (["--steps", str(steps)] if steps else []) + (
            ["--fwdbwd-reps", "1"] if args.quick else [])
    else:
        steps = args.steps if args.steps else (6 if args.quick else None)
        if steps and workload == "w2":
            steps = min(steps, 301)
        extra = ["--steps", str(steps)] if steps else []
    return ([os.path.join(b, script[0])] + extra,
            [py, os.path.join(PEERS, script[1])] + extra, lt + extra if lt else None)


def run_one(cmd, env):
    """Runs cmd; returns (list of JSON results, peak RSS MB from /usr/bin/time or None, error)."""
    full = ([TIME, "-v"] if os.access(TIME, os.X_OK) else []) + cmd
    try:
        p = subprocess.run(full, env=env, capture_output=True, text=True, timeout=3600)
    except (OSError, subprocess.TimeoutExpired) as e:
        return [], None, str(e)
    results = []
    for line in p.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                results.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    rss = int(m.group(1)) / 1024.0 if m else None
    err = None
    if p.returncode != 0 or not results:
        tail = [l for l in p.stderr.splitlines() if "Command being timed" not in l][:5]
        err = f"exit {p.returncode}: " + " | ".join(tail)
    return results, rss, err


def fmt_ms(xs):
    if not xs:
        return "n/a"
    med = statistics.median(xs)
    if len(xs) == 1:
        return f"{med:.4g}"
    return f"{med:.4g} ({min(xs):.4g}-{max(xs):.4g})"


def main():
    args = parse_args()
    args.lt_dir = libtorch_dir(args)
    if args.quick:
        args.runs = 1
    env = dict(os.environ, OMP_NUM_THREADS="2", OPENBLAS_NUM_THREADS="2")
    policy = args.wait_policy or ("passive" if args.quick else None)
    if policy:
        env["OMP_WAIT_POLICY"] = policy
    names = args.workloads or ALL_WORKLOADS
    if args.quick and not args.workloads:
        names = names.replace(",w3", "").replace(",w5", "")
    workloads = [w.strip() for w in names.split(",") if w.strip()]
    if not os.path.isdir(FORTUNES_DIR) and "w2" in workloads:
        print(f"# {FORTUNES_DIR} missing (Debian fortunes): skipping W2")
        workloads = [w for w in workloads if w != "w2"]
    if not os.path.isdir(FASHION_DIR) and any(w in ("w4", "w5", "w6") for w in workloads):
        print(f"# {FASHION_DIR} missing (Debian dataset-fashion-mnist): skipping W4, W5 and W6")
        workloads = [w for w in workloads if w not in ("w4", "w5", "w6")]
    load0 = os.getloadavg()
    # rows[name][impl] = {"ms": [...], "rss": [...], "extra": [...]}
    rows, failed = {}, False
    t_start = time.time()
    for r in range(args.runs):
        for w in workloads:
            for impl, cmd in zip(IMPLS, commands(w, args)):
                if cmd is None:
                    continue
                results, rss, err = run_one(cmd, env)
                if err:
                    print(f"# {w} {impl} run {r + 1}: FAILED ({err})", flush=True)
                    failed |= impl == "mica"
                for res in results:
                    print("# " + json.dumps(res), flush=True)
                    cell = rows.setdefault(res["workload"], {}).setdefault(
                        impl, {"ms": [], "rss": [], "extra": []})
                    cell["ms"].append(res["median_ms"])
                    cell["rss"].append(rss if rss is not None else res.get("peak_rss_mb"))
                    cell["extra"].append(res)
    load1 = os.getloadavg()
    print(f"# runs: {args.runs}, OMP_WAIT_POLICY={env.get('OMP_WAIT_POLICY', 'unset')}, "
          f"wall {time.time() - t_start:.0f} s, load average before {load0[0]:.2f} "
          f"{load0[1]:.2f} {load0[2]:.2f}, after {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}")
    print()
    with_lt = any("libtorch" in c for c in rows.values())
    if with_lt:
        print(f"# libtorch C++ peers: {args.lt_dir}")
        print("| workload | mica ms | PyTorch ms | libtorch ms | ratio (mica/faster peer) "
              "| peak RSS mica MB | peak RSS torch MB | peak RSS libtorch MB |")
        print("|---|---|---|---|---|---|---|---|")
    else:
        print("| workload | mica ms | PyTorch ms | ratio (mica/PyTorch) | peak RSS mica MB "
              "| peak RSS torch MB |")
        print("|---|---|---|---|---|---|")
    shown = IMPLS if with_lt else IMPLS[:2]
    for name, cells in rows.items():
        cs = [cells.get(i) for i in shown]
        m = cs[0]
        peers = [(statistics.median(c["ms"]), i) for i, c in zip(shown[1:], cs[1:]) if c]
        ratio = "n/a"
        if m and peers:
            best_ms, best = min(peers)
            ratio = f"{statistics.median(m['ms']) / best_ms:.2f}"
            if with_lt:
                ratio += f" (vs {PEER_NAMES[best]})"
        rss = [f"{max(c['rss']):.0f}" if c and all(c['rss']) else "n/a" for c in cs]
        times = [fmt_ms(c["ms"] if c else []) for c in cs]
        print(f"| {name} | {' | '.join(times)} | {ratio} | {' | '.join(rss)} |")
    if not rows:
        print("| (no results) |" + " |" * (7 if with_lt else 5))
    # Losses (and W1's GFLOP/s, W2/W3's tokens/s) of the last run, so runs can be checked.
    for name, cells in rows.items():
        for impl, c in cells.items():
            extra = {k: v for k, v in c["extra"][-1].items() if k.startswith(EXTRA_KEYS)}
            if extra:
                print(f"# {name} {impl}: " + ", ".join(
                    f"{k} {v:.5g}" if isinstance(v, float) else f"{k} {v}"
                    for k, v in extra.items()))
    # W2 / W3: all sides must have trained on the same batches.
    for name, cells in rows.items():
        checks = {impl: {res.get("data_check") for res in c["extra"]} for impl, c in cells.items()}
        if len(checks) >= 2 and "mica" in checks and None not in set().union(*checks.values()):
            same = len(set().union(*checks.values())) == 1
            who = " == ".join(PEER_NAMES.get(i, i) for i in IMPLS if i in checks)
            print(f"# {name} data check: {who if same else 'MISMATCH ' + str(checks)}")
            failed |= not same
    return 1 if failed or not any("mica" in c for c in rows.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
