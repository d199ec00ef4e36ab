import Dispatch

/// Measures the transformer's training throughput on random tokens, for
/// `Benchmarks/train_throughput.py` (which runs PyTorch on the identical model and batch).
public enum TrainingBenchmark {
  /// One benchmark measurement.
  public struct Result: Sendable, Hashable, Codable {
    /// Trained tokens per second (B·T per step).
    public var tokensPerSecond: Double
    /// Wall-clock seconds of the timed steps.
    public var seconds: Double
    /// Timed optimiser steps.
    public var steps: Int
    /// Loss of the last step.
    public var lastLoss: Double
    /// Parameters in nanoGPT's count (all but the position embedding).
    public var parameterCount: Int
    /// Training FLOPs per token, nanoGPT's estimate 6N + 12·L·H·Q·T.
    public var flopsPerToken: Double
  }

  /// Trains a fresh model (seed 0) on `batchSize` random sequences of `blockSize + 1`
  /// tokens per step, every position trained, AdamW at 3·10⁻⁴ with clipping at 1: one
  /// training run of `warmupSteps + steps` steps, timed from the end of the warm-up steps
  /// (so the clock sees optimiser steps only, not the run's buffers being allocated and
  /// cleared, as PyTorch's side sees its steps after its own warm-up); `progress` hears of
  /// the timed steps. Without warm-up steps the clock starts before the run.
  public static func run(
    configuration: TransformerConfiguration, batchSize: Int, steps: Int, threads: Int,
    warmupSteps: Int = 2, progress: TrainingProgress? = nil
  ) throws(TrainingError) -> Result {
    let model = TransformerModel(configuration: configuration, seed: 0)
    var random = SeededRandom(seed: 1)
    let sequences = (0..<batchSize).map { _ in
      TrainingSequence(
        tokens: (0...configuration.blockSize).map { _ in
          random.nextInt(below: configuration.vocabularySize)
        }, trainedFrom: 1)
    }
    func options(_ count: Int) -> TrainingOptions {
      TrainingOptions(
        epochs: count, batchSize: batchSize, learningRate: 3e-4, weightDecay: 0.1,
        gradientClip: 1)
    }
    let warmup = max(0, warmupSteps)
    var start = DispatchTime.now().uptimeNanoseconds
    let summary = try model.train(
      on: sequences, options: options(warmup + steps), threads: threads, random: &random,
      progress: nil
    ) { step, loss in
      if step == warmup { start = DispatchTime.now().uptimeNanoseconds }
      if step > warmup { progress?(step - warmup, steps, loss) }
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let tokens = Double(steps * batchSize * configuration.blockSize)
    let c = configuration
    let flops =
      6 * Double(c.nanoGPTParameterCount) + 12 * Double(c.layerCount * c.headCount)
      * Double(c.headSize * c.blockSize)
    return Result(
      tokensPerSecond: tokens / seconds, seconds: seconds, steps: steps,
      lastLoss: summary.lastLoss ?? .nan, parameterCount: c.nanoGPTParameterCount,
      flopsPerToken: flops)
  }
}
