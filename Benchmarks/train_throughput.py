#!/usr/bin/env python3
"""Training throughput: RefusalLab's hand-written Swift transformer against PyTorch eager
CPU on the identical model (nanoGPT-shaped, from compare_logprobs.py), batch, sequence
length, optimiser (AdamW, clip 1.0) and thread count, one after the other in one run.

Prints the CPU (model, clock, instruction set), tokens/s for both, the ratio, and
RefusalLab's MFU the nanoGPT way: flops/token = 6N + 12·L·H·Q·T, divided by the machine's
*measured* FP32 peak on the same threads — Benchmarks/fma_peak.swift, compiled for the
package's own target CPU, runs independent FMA chains on every thread (the larger of its
SIMD16 and SIMD8 results is the peak, so the MFU is never flattered). The two sides
alternate, one timed run each per round: the ratio is of each side's best, and the median
of the rounds' own ratios (two runs next to each other in time) is printed beside it.

  python3 Benchmarks/train_throughput.py               # both configurations, 2 threads
  python3 Benchmarks/train_throughput.py --swift test  # Swift side via the TinyLM test
                                                       # (before `refusal-lab bench-train`)
  python3 Benchmarks/train_throughput.py --target-cpu haswell   # both sides on AVX2

With `--target-cpu haswell` the Swift side is built for AVX2 and PyTorch is held to AVX2
as well (ATEN_CPU_CAPABILITY, DNNL_MAX_CPU_ISA, MKL_ENABLE_INSTRUCTIONS, set before torch
is imported): what a machine without AVX-512 would see on both sides. `--torch-isa` sets
PyTorch's limit on its own.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# Imported in main(), after --torch-isa has set the environment PyTorch reads at import.
torch = None
GPT = None

TORCH_ISA_ENVIRONMENT = {
    "avx2": {"ATEN_CPU_CAPABILITY": "avx2", "DNNL_MAX_CPU_ISA": "AVX2",
             "MKL_ENABLE_INSTRUCTIONS": "AVX2"},
    "avx512": {},
}

CONFIGS = {
    "demo": dict(layers=2, embd=64, heads=4, block=32, batch=64, vocab=512, steps=40),
    "larger": dict(layers=4, embd=128, heads=4, block=64, batch=32, vocab=512, steps=15),
}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def target_cpu(env):
    """The -target-cpu Package.swift builds with (the same rule: the environment override,
    else skylake-avx512 when the CPU has AVX-512, else haswell; none on Apple silicon)."""
    if env.get("REFUSALLAB_TARGET_CPU"):
        return env["REFUSALLAB_TARGET_CPU"]
    if os.uname().machine not in ("x86_64", "amd64"):
        return None
    flags = cpu_flags()
    wanted = {"avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"}
    return "skylake-avx512" if wanted <= flags else "haswell"


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            text = f.read()
        name = re.search(r"model name\s*:\s*(.+)", text)
        family = re.search(r"cpu family\s*:\s*(\d+)", text)
        model = re.search(r"^model\s*:\s*(\d+)", text, re.M)
        parts = [name.group(1).strip() if name else "unknown CPU"]
        if family and model:
            parts.append(f"family {family.group(1)} model {model.group(1)}")
        return ", ".join(parts)
    except OSError:
        out = subprocess.run(["sysctl", "-n", "machdep.cpu.brand_string"], capture_output=True,
                             text=True).stdout.strip()
        return out or "unknown CPU"


def instruction_set():
    flags = cpu_flags()
    for name, needed in (("AVX-512", {"avx512f"}), ("AVX2 + FMA", {"avx2", "fma"}),
                         ("AVX", {"avx"})):
        if needed <= flags:
            return name
    return "NEON" if os.uname().machine in ("arm64", "aarch64") else "SSE"


def measured_peak(threads, env):
    """GFLOP/s of Benchmarks/fma_peak.swift on `threads` threads: (peak, {width: GFLOP/s})."""
    source = os.path.join(ROOT, "Benchmarks", "fma_peak.swift")
    binary = os.path.join(ROOT, ".build", "fma-peak")
    os.makedirs(os.path.dirname(binary), exist_ok=True)
    cpu = target_cpu(env)
    command = ["swiftc", "-Ounchecked", source, "-o", binary]
    if cpu:
        command[1:1] = ["-target-cpu", cpu]
    subprocess.run(command, check=True, cwd=ROOT)
    results = {}
    for width in (16, 8):
        out = subprocess.run([binary, "--threads", str(threads), "--width", str(width),
                              "--json"], check=True, capture_output=True, text=True).stdout
        results[width] = json.loads(out)["gflops"]
    return max(results.values()), results


def cpu_ghz():
    """Nominal clock: /proc/cpuinfo 'cpu MHz' (KVM guests report the host's base clock)."""
    try:
        with open("/proc/cpuinfo") as f:
            values = [float(m.group(1)) for m in re.finditer(r"cpu MHz\s*:\s*([\d.]+)", f.read())]
        if values:
            return max(values) / 1000, "/proc/cpuinfo 'cpu MHz'"
    except OSError:
        pass
    try:
        out = subprocess.run(["sysctl", "-n", "hw.cpufrequency_max"], capture_output=True,
                             text=True).stdout.strip()
        if out:
            return int(out) / 1e9, "sysctl hw.cpufrequency_max"
    except OSError:
        pass
    return 3.0, "assumed (no clock found)"


def pytorch_tokens_per_second(c, threads):
    """Tokens/s of one timed run of c["steps"] steps, after two warm-up steps."""
    torch.manual_seed(0)
    torch.set_num_threads(threads)
    model = GPT(c["layers"], c["heads"], c["embd"], c["block"], c["vocab"])
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4, betas=(0.9, 0.99),
                                  weight_decay=0.1)
    x = torch.randint(0, c["vocab"], (c["batch"], c["block"] + 1))
    idx, targets = x[:, :-1].contiguous(), x[:, 1:].contiguous()

    def step():
        _, loss = model(idx, targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        return loss

    for _ in range(2):
        step()
    start = time.perf_counter()
    for _ in range(c["steps"]):
        step()
    seconds = time.perf_counter() - start
    return c["steps"] * c["batch"] * c["block"] / seconds


def swift_result(c, threads, mode, env, scratch, extra):
    if mode == "cli":
        scratch_args = ["--scratch-path", scratch] if scratch else []
        command = ["swift", "run", "-c", "release"] + scratch_args + extra + [
                   "refusal-lab", "bench-train",
                   "--layers", str(c["layers"]), "--embd", str(c["embd"]),
                   "--heads", str(c["heads"]), "--block", str(c["block"]),
                   "--batch", str(c["batch"]), "--steps", str(c["steps"]),
                   "--threads", str(threads), "--vocab", str(c["vocab"]), "--json"]
        out = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True,
                             env=env).stdout
        return json.loads(out.strip().splitlines()[-1])
    spec = ",".join(str(c[k]) for k in ("layers", "embd", "heads", "block", "batch", "steps"))
    env = dict(env, REFUSALLAB_BENCH=f"{spec},{threads}")
    command = ["swift", "test", "-c", "release", "--scratch-path", scratch or ".build-bench",
               "--filter", "benchmarkFromEnvironment"] + extra
    out = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True,
                         env=env).stdout
    line = next(l for l in out.splitlines() if l.startswith("BENCH_JSON "))
    return json.loads(line[len("BENCH_JSON "):])


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--configs", default="demo,larger")
    parser.add_argument("--repeats", type=int, default=3,
                        help="rounds of one timed run per side, alternating; each side's best "
                             "is reported (other load on the machine only ever slows a run "
                             "down)")
    parser.add_argument("--swift", choices=["cli", "test"], default="cli")
    parser.add_argument("--target-cpu", help="sets REFUSALLAB_TARGET_CPU for the Swift build")
    parser.add_argument("--scratch-path",
                        help="SwiftPM scratch path (default .build, or .build-bench for "
                             "--swift test)")
    parser.add_argument("--torch-isa", choices=sorted(TORCH_ISA_ENVIRONMENT),
                        help="the widest instructions PyTorch may use (default: avx2 with "
                             "--target-cpu haswell, else whatever it detects)")
    parser.add_argument("--wide-tiles", action="store_true",
                        help="build with -D TINYLM_WIDE_TILES (AVX-512 "
                             "register tiles; use with --target-cpu znver4)")
    args = parser.parse_args()
    torch_isa = args.torch_isa or ("avx2" if args.target_cpu == "haswell" else None)
    if torch_isa:
        os.environ.update(TORCH_ISA_ENVIRONMENT[torch_isa])
    global torch, GPT
    import torch as torch_module
    from compare_logprobs import GPT as gpt_class
    torch, GPT = torch_module, gpt_class
    env = dict(os.environ)
    if args.target_cpu:
        env["REFUSALLAB_TARGET_CPU"] = args.target_cpu

    ghz, source = cpu_ghz()
    peak_gflops, by_width = measured_peak(args.threads, env)
    peak = peak_gflops * 1e9
    print(f"CPU: {cpu_model()}; {ghz:.2f} GHz ({source}); {instruction_set()}; "
          f"package target CPU {target_cpu(env) or 'default'}")
    print(f"threads {args.threads}; PyTorch {torch.__version__} "
          f"({torch.backends.cpu.get_cpu_capability()} kernels); measured FP32 peak "
          f"{peak_gflops:.0f} GFLOP/s (SIMD16 {by_width[16]:.0f}, SIMD8 {by_width[8]:.0f}; "
          f"{peak_gflops / args.threads / ghz:.1f} FLOP/cycle per core at the stated clock)")
    for name in args.configs.split(","):
        c = CONFIGS[name]
        extra = ["-Xswiftc", "-DTINYLM_WIDE_TILES"] if args.wide_tiles else []
        # The sides alternate, one timed run each per round, and each keeps its best: a
        # noisy spell on a shared host then slows a run of either side, not a whole side.
        swift_runs, torch_runs = [], []
        for _ in range(args.repeats):
            swift_runs.append(swift_result(c, args.threads, args.swift, env, args.scratch_path,
                                           extra))
            torch_runs.append(pytorch_tokens_per_second(c, args.threads))
        swift = max(swift_runs, key=lambda r: r["tokensPerSecond"])
        torch_tps = max(torch_runs)
        swift_tps = swift["tokensPerSecond"]
        mfu = swift_tps * swift["flopsPerToken"] / peak
        # Each round's two runs are neighbours in time, so their ratio sees one state of a
        # shared host: the median over rounds says what a typical pair measured.
        rounds = sorted(s["tokensPerSecond"] / t for s, t in zip(swift_runs, torch_runs))
        print(f"{name:7s} L={c['layers']} C={c['embd']} H={c['heads']} T={c['block']} "
              f"B={c['batch']} V={c['vocab']}: RefusalLab {swift_tps:,.0f} tok/s, "
              f"PyTorch {torch_tps:,.0f} tok/s, ratio {swift_tps / torch_tps:.2f}x, "
              f"RefusalLab MFU {100 * mfu:.1f}%; ratio per round: median "
              f"{statistics.median(rounds):.2f}x ({rounds[0]:.2f}–{rounds[-1]:.2f})")


if __name__ == "__main__":
    main()
