// swift-tools-version: 6.0
// RefusalLab: a pure-Swift, fully synthetic simulation of memorised refusal pathways.
import Foundation
import PackageDescription

// Release builds need a target CPU so that `SIMD.addProduct` compiles to a fused
// multiply-add instruction instead of a library call. On x86-64 the default is `haswell`
// (AVX2 + FMA, almost every laptop of the last decade); when the building machine has
// AVX-512 (read from /proc/cpuinfo on Linux), it builds for `skylake-avx512` and lets the
// matrix kernels use their wider register tile. REFUSALLAB_TARGET_CPU overrides the choice
// (for example `haswell` to build a binary for another machine). Results are bit-identical
// either way. Apple silicon needs no flag.
// `-fno-math-errno` for the C headers Swift inlines: on Linux (glibc) `Float.squareRoot()`
// otherwise becomes a call to `sqrtf` behind a test for negative inputs, one lane at a time,
// even on a SIMD vector (AdamW then spent more time in its square roots than in its
// arithmetic). With the flag it is the `sqrt` instruction, 16 lanes at once; the result is
// the same correctly rounded square root. Darwin's default already.
let noMathErrno = ["-Xcc", "-fno-math-errno"]

#if arch(x86_64)
  func hostHasAVX512() -> Bool {
    #if os(Linux)
      guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
        let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
      else { return false }
      let present = Set(flags.split(separator: " ").map(String.init))
      return ["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"].allSatisfy(
        present.contains)
    #else
      return false
    #endif
  }
  let targetCPU =
    Context.environment["REFUSALLAB_TARGET_CPU"] ?? (hostHasAVX512() ? "skylake-avx512" : "haswell")
  let wideTileCPUs: Set<String> = [
    "skylake-avx512", "skx", "cascadelake", "cooperlake", "icelake-server", "icelake-client",
    "tigerlake", "sapphirerapids", "graniterapids", "emeraldrapids", "znver4", "znver5",
  ]
  let cpuFlags: [SwiftSetting] =
    [.unsafeFlags(["-target-cpu", targetCPU] + noMathErrno)]
    + (wideTileCPUs.contains(targetCPU) ? [.define("TINYLM_WIDE_TILES")] : [])
#else
  let cpuFlags: [SwiftSetting] = [.unsafeFlags(noMathErrno)]
#endif

let releaseSettings: [SwiftSetting] = cpuFlags

// The lessons in Examples/, one executable each, in the order a class meets them
// (`swift run -c release FirstLesson`).
let lessons = [
  "FirstLesson", "TheAttack", "JudgeGap", "TransformerGeneralises", "Defenses", "Proposition",
  "YourOwnDefense", "InsideTheTransformer",
]

let mathLibrary: [LinkerSetting] = [.linkedLibrary("m", .when(platforms: [.linux]))]

let package = Package(
  name: "RefusalLab",
  platforms: [.macOS(.v15)],
  products: [
    .library(name: "TinyLM", targets: ["TinyLM"]),
    .library(name: "RefusalLab", targets: ["RefusalLab"]),
    .executable(name: "refusal-lab", targets: ["refusal-lab"]),
  ],
  targets: [
    .target(name: "TinyLM", swiftSettings: releaseSettings, linkerSettings: mathLibrary),
    .target(
      name: "RefusalLab", dependencies: ["TinyLM"],
      // Embedded in the code, so that a copied or installed binary needs no bundle beside it.
      resources: [
        .embedInCode("Presets/defense-sweep.json"), .embedInCode("Presets/demo.json"),
        .embedInCode("Presets/ngram-quick.json"),
      ],
      swiftSettings: releaseSettings),
    .executableTarget(name: "refusal-lab", dependencies: ["RefusalLab"]),
  ]
    + lessons.map {
      .executableTarget(name: $0, dependencies: ["RefusalLab"], path: "Examples/\($0)")
    }
    + [
      .testTarget(name: "TinyLMTests", dependencies: ["TinyLM"]),
      .testTarget(name: "RefusalLabTests", dependencies: ["RefusalLab"]),
      .testTarget(name: "CLITests", dependencies: ["refusal-lab", "RefusalLab", "TinyLM"]),
    ],
  swiftLanguageModes: [.v6]
)
