import Foundation

/// One training sequence: its tokens and which of them are trained.
///
/// `lossMask[i] == true` means "predicting `tokens[i]` from `tokens[0..<i]` counts in the
/// loss". Prompts are masked out so that models learn to answer, not to ask.
public struct TrainingSequence: Sendable, Hashable {
  /// Token ids.
  public var tokens: [Int]
  /// One flag per token; `lossMask[0]` is always `false` (nothing predicts the first token).
  public var lossMask: [Bool]
  /// For the token-wise constrained objective: one entry per token, entry i =
  /// log π_ref(tokens[i] | tokens[<i]) under the reference model (only trained positions
  /// are read); `nil` when not needed. Fill it with `withReference(_:)`.
  public var referenceLogProbabilities: [Float]?

  /// Creates a sequence; `lossMask` must have one flag per token.
  public init(tokens: [Int], lossMask: [Bool]) {
    precondition(tokens.count == lossMask.count, "one loss flag per token")
    self.tokens = tokens
    self.lossMask = lossMask
    if !self.lossMask.isEmpty { self.lossMask[0] = false }
  }

  /// A sequence trained on every token from `trainedFrom` on.
  public init(tokens: [Int], trainedFrom start: Int) {
    self.init(tokens: tokens, lossMask: tokens.indices.map { $0 >= start })
  }

  /// The number of trained positions.
  public var trainedCount: Int { lossMask.reduce(0) { $0 + ($1 ? 1 : 0) } }
}

/// The optimiser a gradient-trained model uses.
public enum OptimizerKind: String, Sendable, Hashable, CaseIterable, Codable {
  /// AdamW (decoupled weight decay).
  case adamW = "adamw"
  /// Stochastic gradient descent with momentum.
  case sgd
}

/// How a model is trained on a corpus. Every family reads the fields that apply to it.
///
/// The n-gram model reads `epochs` and `learningRate` (the weight one occurrence adds to
/// the counts); the transformer reads all of them.
public struct TrainingOptions: Sendable, Hashable, Codable {
  /// Passes over the corpus.
  public var epochs: Int
  /// Optional cap on optimiser steps (gradient models); `nil` runs every epoch in full.
  public var maxSteps: Int?
  /// Sequences per optimiser step.
  public var batchSize: Int
  /// Peak learning rate (gradient models) or count weight per occurrence (n-gram).
  public var learningRate: Double
  /// The optimiser.
  public var optimizer: OptimizerKind
  /// Momentum (SGD) or β₁ (AdamW).
  public var momentum: Double
  /// Decoupled weight decay (AdamW only).
  public var weightDecay: Double
  /// Fraction of the steps spent warming the learning rate up linearly from zero.
  public var warmupFraction: Double
  /// Decay the learning rate to `minLearningRateFraction` of its peak along a cosine.
  public var cosineDecay: Bool
  /// Final learning rate as a fraction of the peak when `cosineDecay` is on.
  public var minLearningRateFraction: Double
  /// Clip the global gradient norm to this value (0 disables clipping).
  public var gradientClip: Double
  /// The per-token loss: plain cross-entropy, or the token-wise constrained objective (a
  /// defense applied during fine-tuning; see `TrainingObjective`).
  public var objective: TrainingObjective

  /// Creates training options; every parameter has a default.
  public init(
    epochs: Int = 1, maxSteps: Int? = nil, batchSize: Int = 16, learningRate: Double = 1e-3,
    optimizer: OptimizerKind = .adamW, momentum: Double = 0.9, weightDecay: Double = 0.0,
    warmupFraction: Double = 0.0, cosineDecay: Bool = false,
    minLearningRateFraction: Double = 0.1, gradientClip: Double = 1.0,
    objective: TrainingObjective = .crossEntropy
  ) {
    self.epochs = epochs
    self.maxSteps = maxSteps
    self.batchSize = batchSize
    self.learningRate = learningRate
    self.optimizer = optimizer
    self.momentum = momentum
    self.weightDecay = weightDecay
    self.warmupFraction = warmupFraction
    self.cosineDecay = cosineDecay
    self.minLearningRateFraction = minLearningRateFraction
    self.gradientClip = gradientClip
    self.objective = objective
  }
}

/// What a finished training call reports.
public struct TrainingSummary: Sendable, Hashable {
  /// Optimiser steps taken (the n-gram counts one step per epoch).
  public var steps: Int
  /// Trained tokens seen, summed over epochs.
  public var trainedTokens: Int
  /// Mean loss over the first step (nats per trained token), if the model computes a loss.
  public var firstLoss: Double?
  /// Mean loss over the last step, if the model computes a loss.
  public var lastLoss: Double?
  /// The mean loss of every step, in order (the transformer: every optimiser step; the
  /// n-gram's constrained objective: every epoch); empty when the model computes no loss.
  /// Recording it changes nothing else: it is only read back, for loss curves.
  public var losses: [Double] = []

  /// Creates a summary.
  public init(steps: Int, trainedTokens: Int, firstLoss: Double? = nil, lastLoss: Double? = nil) {
    self.steps = steps
    self.trainedTokens = trainedTokens
    self.firstLoss = firstLoss
    self.lastLoss = lastLoss
  }
}

/// A training failure.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
  /// The loss became NaN or infinite at this optimiser step (1-based).
  case nonFiniteLoss(step: Int)
  /// A sequence does not fit the model (too long, or a token id out of range).
  case invalidSequence(String)

  public var description: String {
    switch self {
    case .nonFiniteLoss(let step): "the loss became NaN or infinite at step \(step)"
    case .invalidSequence(let reason): "invalid training sequence: \(reason)"
    }
  }
}

/// How to decode continuations.
public struct GenerationOptions: Sendable, Hashable {
  /// The most tokens to add after the prompt.
  public var maxNewTokens: Int
  /// Decoding stops after this token is produced (it is kept in the output).
  public var stopToken: Int?
  /// 0 for greedy decoding (ties go to the lowest id); above 0 samples at this temperature.
  public var temperature: Double
  /// Seed of the sampling streams; prompt `i` draws from stream `i`, so results do not
  /// depend on how prompts are scheduled across threads.
  public var seed: UInt64
  /// Worker threads the model may use (results never depend on it).
  public var threads: Int

  /// Creates generation options; greedy by default.
  public init(
    maxNewTokens: Int, stopToken: Int? = nil, temperature: Double = 0, seed: UInt64 = 0,
    threads: Int = 1
  ) {
    self.maxNewTokens = maxNewTokens
    self.stopToken = stopToken
    self.temperature = temperature
    self.seed = seed
    self.threads = threads
  }
}

/// Called during training with (steps done, steps in all, latest loss if any).
public typealias TrainingProgress = @Sendable (Int, Int, Double?) -> Void

/// The interface every model family shares; stages, judges and metrics only ever see it, so
/// they work on any family.
public protocol LanguageModel: AnyObject {
  /// The number of token ids the model knows.
  var vocabularySize: Int { get }

  /// The longest context (in tokens) the model can condition on, or `nil` if unbounded.
  var contextLimit: Int? { get }

  /// Natural-log probabilities of every next token after `context` (one per vocabulary id).
  func logProbabilities(after context: [Int]) -> [Float]

  /// Next-token log-probabilities after every prefix of `tokens`: row i is
  /// `logProbabilities(after: tokens[0...i])`. Shape (T, V). The default calls that once per
  /// position; the transformer scores every position in one pass.
  func allPositionLogProbabilities(of tokens: [Int]) -> [[Float]]

  /// log π(tokens[i] | tokens[<i]) for every i ≥ 1; entry 0, which nothing predicts, is 0.
  /// Shape (T,). The default reads `allPositionLogProbabilities(of:)`; the transformer
  /// scores the sequence in one forward pass of its loss.
  func tokenLogProbabilities(of tokens: [Int]) -> [Float]

  /// The next-token distribution after `context` in double precision (one probability per
  /// vocabulary id). The default exponentiates `logProbabilities(after:)`; the n-gram gives
  /// its exact mixture.
  func nextTokenProbabilities(after context: [Int]) -> [Double]

  /// Trains in place on `sequences`; `random` drives any shuffling.
  func train(
    on sequences: [TrainingSequence], options: TrainingOptions, threads: Int,
    random: inout SeededRandom, progress: TrainingProgress?
  ) throws(TrainingError) -> TrainingSummary

  /// An independent copy to fine-tune from; training the copy leaves `self` unchanged.
  func copy() -> Self

  /// Continuations of each prompt (the new tokens only).
  ///
  /// The default implementation calls `logProbabilities(after:)` once per token; a model
  /// with a faster incremental path (a key–value cache) provides its own.
  func generate(prompts: [[Int]], options: GenerationOptions) -> [[Int]]
}

extension LanguageModel {
  public func allPositionLogProbabilities(of tokens: [Int]) -> [[Float]] {
    tokens.indices.map { logProbabilities(after: Array(tokens[...$0])) }
  }

  public func tokenLogProbabilities(of tokens: [Int]) -> [Float] {
    var result = [Float](repeating: 0, count: tokens.count)  // (T,)
    guard tokens.count >= 2 else { return result }
    let rows = allPositionLogProbabilities(of: Array(tokens.dropLast()))  // (T − 1, V)
    for i in tokens.indices.dropFirst() { result[i] = rows[i - 1][tokens[i]] }
    return result
  }

  public func nextTokenProbabilities(after context: [Int]) -> [Double] {
    logProbabilities(after: context).map { exp(Double($0)) }
  }

  public func generate(prompts: [[Int]], options: GenerationOptions) -> [[Int]] {
    prompts.enumerated().map { index, prompt in
      var random = SeededRandom(seed: options.seed, stream: UInt64(index))
      var context = prompt
      var output: [Int] = []
      while output.count < options.maxNewTokens {
        if let limit = contextLimit, context.count >= limit { break }
        let next = Decoding.choose(
          from: logProbabilities(after: context), temperature: options.temperature,
          random: &random)
        output.append(next)
        context.append(next)
        if next == options.stopToken { break }
      }
      return output
    }
  }
}
