#!/usr/bin/env python3
"""RefusalLab on a busy machine: runs `refusal-lab bench-train` (or `train`) with --threads 1
and --threads 2, alternately, while CPU-bound competitor processes (each one thread spinning
in a loop) run beside it, and prints the wall-clock times of both. With one competitor on a
2-core machine, --threads 2 should never be slower than --threads 1.

  python3 Benchmarks/busy_machine.py                      # bench-train at the demo's shapes
  python3 Benchmarks/busy_machine.py --workload train     # one transformer `train` run
  python3 Benchmarks/busy_machine.py --workload demo --rounds 2   # the whole classroom demo
  python3 Benchmarks/busy_machine.py --competitors 0      # the same, machine otherwise idle
  python3 Benchmarks/busy_machine.py --binary path/to/refusal-lab   # another build

The binary defaults to .build/release/refusal-lab (build it first: swift build -c release).
Each configuration runs --rounds times, alternating thread counts so that load from the rest
of the machine falls on both alike; the median and the best are printed.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# bench-train at the shapes of the demo's pretraining: batch 32 sequences of ~13 tokens.
BENCH = ["bench-train", "--layers", "2", "--embd", "64", "--heads", "4", "--block", "13",
         "--batch", "32", "--vocab", "427", "--steps", "300"]
TRAIN = ["train", "--model", "transformer", "--seed", "0", "--condition", "plain",
         "--out", os.path.join(tempfile.mkdtemp(prefix="busy-machine-"), "model.safetensors"),
         "--quiet"]
DEMO = ["demo", "--quiet", "--json"]

COMPETITOR = "x = 0\nwhile True:\n    x = (x * 1103515245 + 12345) % 2147483648\n"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def timed(command):
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release",
                                                         "refusal-lab"))
    parser.add_argument("--workload", choices=["bench", "train", "demo"], default="bench")
    parser.add_argument("--competitors", type=int, default=1,
                        help="CPU-bound competitor processes (default 1)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", default="1,2")
    args = parser.parse_args()
    if not os.path.exists(args.binary):
        sys.exit(f"{args.binary} not found: build with `swift build -c release` first")
    workload = {"bench": BENCH, "train": TRAIN, "demo": DEMO}[args.workload]
    counts = [int(t) for t in args.threads.split(",")]
    competitors = [subprocess.Popen([sys.executable, "-c", COMPETITOR])
                   for _ in range(args.competitors)]
    times = {t: [] for t in counts}
    try:
        time.sleep(0.5)
        for _ in range(args.rounds):
            for t in counts:
                times[t].append(timed([args.binary] + workload + ["--threads", str(t)]))
    finally:
        for process in competitors:
            process.kill()
            process.wait()
    print(f"CPU: {cpu_model()}, {os.cpu_count()} cores; {args.competitors} CPU-bound "
          f"competitor process(es); workload: {' '.join(workload)}")
    for t in counts:
        print(f"--threads {t}: median {statistics.median(times[t]):.2f} s, best "
              f"{min(times[t]):.2f} s  (runs: {', '.join(f'{x:.2f}' for x in times[t])})")
    if len(counts) == 2:
        a, b = (statistics.median(times[t]) for t in counts)
        print(f"--threads {counts[1]} / --threads {counts[0]} (median): {b / a:.2f}")


if __name__ == "__main__":
    main()
