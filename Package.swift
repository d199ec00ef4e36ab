// swift-tools-version: 6.0
// RefusalLab: a pure-Swift, fully synthetic simulation of memorised refusal pathways.
import PackageDescription

// Release builds need a target CPU so that `SIMD.addProduct` compiles to a fused
// multiply-add instruction instead of a library call. `haswell` (AVX2 + FMA) runs on
// almost every x86-64 laptop of the last decade; set REFUSALLAB_TARGET_CPU (for example
// `znver4` or `skylake-avx512`) to build for a newer CPU. Apple silicon needs no flag.
#if arch(x86_64)
  let targetCPU = Context.environment["REFUSALLAB_TARGET_CPU"] ?? "haswell"
  let cpuFlags: [SwiftSetting] = [.unsafeFlags(["-target-cpu", targetCPU])]
#else
  let cpuFlags: [SwiftSetting] = []
#endif

let releaseSettings: [SwiftSetting] = cpuFlags

let mathLibrary: [LinkerSetting] = [.linkedLibrary("m", .when(platforms: [.linux]))]

let package = Package(
  name: "RefusalLab",
  platforms: [.macOS(.v13)],
  products: [
    .library(name: "TinyLM", targets: ["TinyLM"]),
    .library(name: "RefusalLab", targets: ["RefusalLab"]),
    .executable(name: "refusal-lab", targets: ["refusal-lab"]),
  ],
  targets: [
    .target(name: "TinyLM", swiftSettings: releaseSettings, linkerSettings: mathLibrary),
    .target(name: "RefusalLab", dependencies: ["TinyLM"], swiftSettings: releaseSettings),
    .executableTarget(name: "refusal-lab", dependencies: ["RefusalLab"]),
    .executableTarget(
      name: "FirstLesson", dependencies: ["RefusalLab"], path: "Examples/FirstLesson"),
    .testTarget(name: "TinyLMTests", dependencies: ["TinyLM"]),
    .testTarget(name: "RefusalLabTests", dependencies: ["RefusalLab"]),
    .testTarget(name: "CLITests", dependencies: ["refusal-lab"]),
  ],
  swiftLanguageModes: [.v6]
)
