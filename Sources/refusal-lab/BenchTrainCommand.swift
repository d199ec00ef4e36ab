import Foundation
import RefusalLab
import TinyLM

/// `refusal-lab bench-train`: the transformer's training throughput, for
/// `Benchmarks/train_throughput.py`.
enum BenchTrainCommand: ToolCommand {
  static let spec = CommandSpec(
    name: "bench-train",
    abstract: """
      Time the transformer's training steps on random tokens (every position trained, AdamW)
      and print tokens per second. Benchmarks/train_throughput.py runs PyTorch on the same
      model beside it.
      """,
    options: [
      OptionSpec(name: "--layers", valueName: "L", help: "n_layer (default 2)."),
      OptionSpec(name: "--heads", valueName: "H", help: "n_head (default 4)."),
      OptionSpec(name: "--embd", valueName: "C", help: "n_embd (default 64)."),
      OptionSpec(name: "--block", valueName: "T", help: "Sequence length (default 32)."),
      OptionSpec(name: "--vocab", valueName: "V", help: "Vocabulary size (default 512)."),
      OptionSpec(name: "--batch", valueName: "B", help: "Batch size (default 64)."),
      OptionSpec(name: "--steps", valueName: "N", help: "Timed steps (default 50)."),
      CommonOptions.threads,
      OptionSpec(name: "--json", valueName: nil, help: "Print the result as one JSON line."),
    ])

  static func run(_ arguments: [String]) throws {
    let parsed = try ParsedArguments(arguments, spec: spec)
    let layers = try parsed.integer("--layers", default: 2, in: 1...64, spec: spec)
    let heads = try parsed.integer("--heads", default: 4, in: 1...64, spec: spec)
    let embedding = try parsed.integer("--embd", default: 64, in: 1...4096, spec: spec)
    let block = try parsed.integer("--block", default: 32, in: 1...4096, spec: spec)
    let vocabulary = try parsed.integer("--vocab", default: 512, in: 2...1_000_000, spec: spec)
    let batch = try parsed.integer("--batch", default: 64, in: 1...4096, spec: spec)
    let steps = try parsed.integer("--steps", default: 50, in: 1...1_000_000, spec: spec)
    let threads = try CommonOptions.parseThreads(parsed, spec: spec)
    let configuration = TransformerConfiguration(
      layerCount: layers, headCount: heads, embeddingSize: embedding, blockSize: block,
      vocabularySize: vocabulary)
    if let problem = configuration.problem {
      throw UsageError(message: "--embd/--heads: \(problem)", command: spec)
    }
    if let problem = configuration.trainingMemoryProblem(batchSize: batch) {
      throw UsageError(message: "--embd/--block/--batch: \(problem)", command: spec)
    }
    let bar = ProgressBar(
      label: "bench-train", unit: "steps",
      mode: ProgressBar.standardMode(quiet: parsed.has("--quiet")))
    bar.note("warm-up")
    let result = try TrainingBenchmark.run(
      configuration: configuration, batchSize: batch, steps: steps, threads: threads
    ) { done, total, _ in bar.update(done: done, total: total, what: "timed steps") }
    bar.finish()
    if parsed.has("--json") {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      print(String(decoding: try encoder.encode(result), as: UTF8.self))
    } else {
      print(
        String(
          format:
            "%d steps × %d × %d tokens in %.2f s: %.0f tokens/s (%d parameters, %.0f FLOP/token)",
          steps, batch, block, result.seconds, result.tokensPerSecond, result.parameterCount,
          result.flopsPerToken))
    }
  }
}
