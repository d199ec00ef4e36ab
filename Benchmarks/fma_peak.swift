// The machine's real FP32 peak, measured: every core runs independent chains of fused
// multiply-adds on SIMD registers, long enough that the FMA pipes never wait.
//
//   swiftc -Ounchecked -target-cpu skylake-avx512 Benchmarks/fma_peak.swift -o fma-peak
//   ./fma-peak [--threads N] [--seconds S] [--width 8|16] [--json]
//
// Twelve accumulators per thread: an FMA has a latency of 4 cycles on current x86 cores and
// two pipes issue one each per cycle, so 8 independent chains fill them; 12 leave headroom.
// `train_throughput.py` compiles this with the package's own target CPU and divides the
// model's FLOP rate by the result (MFU against a measured peak, not a nominal one).
import Dispatch
import Foundation

struct Options {
  var threads = ProcessInfo.processInfo.activeProcessorCount
  var seconds = 1.0
  var width = 16
  var json = false

  init(_ arguments: [String]) {
    var rest = arguments.dropFirst()[...]
    while let flag = rest.popFirst() {
      switch flag {
      case "--threads": threads = Int(rest.popFirst() ?? "") ?? threads
      case "--seconds": seconds = Double(rest.popFirst() ?? "") ?? seconds
      case "--width": width = Int(rest.popFirst() ?? "") ?? width
      case "--json": json = true
      default:
        FileHandle.standardError.write(Data("unknown option \(flag)\n".utf8))
        exit(2)
      }
    }
    guard threads >= 1, seconds > 0, width == 8 || width == 16 else {
      FileHandle.standardError.write(Data("need --threads ≥ 1, --seconds > 0, --width 8|16\n".utf8))
      exit(2)
    }
  }
}

/// Runs `iterations` rounds of 12 independent FMA chains on `V`; returns a value that
/// depends on every chain, so the compiler cannot drop the work. Always inlined, so that each
/// width below gets its own specialised copy (a generic call would go through SIMD
/// witnesses).
@inline(__always)
func chains<V: SIMD>(_: V.Type, iterations: Int, seed: Float) -> Float where V.Scalar == Float {
  let a = V(repeating: 0.999_999)
  let b = V(repeating: 1e-7 * seed)
  var c = (0..<12).map { V(repeating: Float($0 + 1)) }
  var c0 = c[0]
  var c1 = c[1]
  var c2 = c[2]
  var c3 = c[3]
  var c4 = c[4]
  var c5 = c[5]
  var c6 = c[6]
  var c7 = c[7]
  var c8 = c[8]
  var c9 = c[9]
  var c10 = c[10]
  var c11 = c[11]
  for _ in 0..<iterations {
    c0.addProduct(a, b)
    c1.addProduct(a, b)
    c2.addProduct(a, b)
    c3.addProduct(a, b)
    c4.addProduct(a, b)
    c5.addProduct(a, b)
    c6.addProduct(a, b)
    c7.addProduct(a, b)
    c8.addProduct(a, b)
    c9.addProduct(a, b)
    c10.addProduct(a, b)
    c11.addProduct(a, b)
  }
  c = [c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11]
  return c.reduce(V(), +).sum()
}

@inline(never)
func chains16(iterations: Int, seed: Float) -> Float {
  chains(SIMD16<Float>.self, iterations: iterations, seed: seed)
}

@inline(never)
func chains8(iterations: Int, seed: Float) -> Float {
  chains(SIMD8<Float>.self, iterations: iterations, seed: seed)
}

func run(width: Int, iterations: Int, seed: Float) -> Float {
  width == 16
    ? chains16(iterations: iterations, seed: seed) : chains8(iterations: iterations, seed: seed)
}

let options = Options(CommandLine.arguments)
let flopsPerIteration = Double(12 * options.width * 2)

// Calibrate on one thread: how many iterations fill the requested time.
var iterations = 1 << 20
var sink: Float = 0
while true {
  let start = DispatchTime.now().uptimeNanoseconds
  sink += run(width: options.width, iterations: iterations, seed: 1)
  let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
  if seconds >= options.seconds / 4 {
    iterations = Int(Double(iterations) * options.seconds / seconds)
    break
  }
  iterations *= 2
}

// The measurement: every thread runs the same count; the slowest thread sets the time.
// Best of three rounds (other load on the machine only ever slows a round down).
var best = 0.0
for round in 0..<3 {
  let results = UnsafeMutableBufferPointer<Float>.allocate(capacity: options.threads)
  let start = DispatchTime.now().uptimeNanoseconds
  DispatchQueue.concurrentPerform(iterations: options.threads) { thread in
    results[thread] = run(
      width: options.width, iterations: iterations, seed: Float(thread + round + 2))
  }
  let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
  sink += results.reduce(0, +)
  results.deallocate()
  best = max(best, Double(options.threads) * Double(iterations) * flopsPerIteration / seconds)
}

let gflops = best / 1e9
if options.json {
  print(
    "{\"gflops\": \(String(format: "%.1f", gflops)), \"threads\": \(options.threads), "
      + "\"width\": \(options.width), \"checksum\": \(sink.isFinite ? 1 : 0)}")
} else {
  print(
    String(
      format: "FP32 FMA peak: %.1f GFLOP/s on %d threads (SIMD%d<Float>, %.1f GFLOP/s per thread)",
      gflops, options.threads, options.width, gflops / Double(options.threads)))
}
