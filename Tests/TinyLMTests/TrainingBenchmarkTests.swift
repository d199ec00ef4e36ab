import Foundation
import Testing
import TinyLM

/// The throughput benchmark runs; with REFUSALLAB_BENCH set ("L,C,H,T,B,steps,threads") it
/// prints the Swift side's JSON line for `Benchmarks/train_throughput.py`.
@Suite struct TrainingBenchmarkTests {
  @Test func smallRunReportsThroughput() throws {
    let configuration = TransformerConfiguration(
      layerCount: 1, headCount: 2, embeddingSize: 16, blockSize: 8, vocabularySize: 30)
    let result = try TrainingBenchmark.run(
      configuration: configuration, batchSize: 4, steps: 3, threads: 2, warmupSteps: 1)
    #expect(result.tokensPerSecond > 0)
    #expect(result.steps == 3)
    #expect(result.lastLoss.isFinite)
  }

  @Test(.enabled(if: ProcessInfo.processInfo.environment["REFUSALLAB_BENCH"] != nil))
  func benchmarkFromEnvironment() throws {
    let fields = ProcessInfo.processInfo.environment["REFUSALLAB_BENCH"]!
      .split(separator: ",").compactMap { Int($0) }
    try #require(fields.count == 7, "REFUSALLAB_BENCH=L,C,H,T,B,steps,threads")
    let configuration = TransformerConfiguration(
      layerCount: fields[0], headCount: fields[2], embeddingSize: fields[1],
      blockSize: fields[3], vocabularySize: 512)
    let result = try TrainingBenchmark.run(
      configuration: configuration, batchSize: fields[4], steps: fields[5], threads: fields[6])
    let json = try JSONEncoder().encode(result)
    print("BENCH_JSON " + String(decoding: json, as: UTF8.self))
  }
}
