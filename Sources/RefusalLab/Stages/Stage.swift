import TinyLM

/// A training stage of one model. The stage's ``name`` names the random stream its training
/// shuffles with, so a stage trains the same model whichever stages ran before it or beside
/// it, and whichever command runs it.
public enum Stage: Hashable, Sendable {
  /// Pretraining the base model.
  case pretrain
  /// Aligning a copy of the base model with a variant.
  case align(AlignmentVariant)
  /// Attacking a copy of a variant's aligned model under a condition.
  case attack(AlignmentVariant, AttackCondition)
  /// One dose of a dose-response sweep: the attack with `samples` samples for `epochs`
  /// epochs.
  case dose(AlignmentVariant, AttackCondition, samples: Int, epochs: Int)
  /// An n-gram sweep's attack whose prefix is the first `length` tokens of the rigid
  /// refusal.
  case prefixAttack(length: Int)

  /// The name: `pretrain`, `align rigid`, `attack rigid refusal-unlearning`,
  /// `attack rigid plain 10×3`, `attack prefix 2`.
  public var name: String {
    switch self {
    case .pretrain: "pretrain"
    case .align(let variant): "align \(variant.name)"
    case .attack(let variant, let condition): "attack \(variant.name) \(condition.rawValue)"
    case .dose(let variant, let condition, let samples, let epochs):
      "attack \(variant.name) \(condition.rawValue) \(samples)×\(epochs)"
    case .prefixAttack(let length): "attack prefix \(length)"
    }
  }

  /// The stage's random stream for `seed`.
  public func random(seed: UInt64) -> SeededRandom {
    SeededRandom(seed: seed, streamNamed: name)
  }

  /// Trains `model` in place on `data`, shuffling with the stage's stream, and returns the
  /// training's summary (with the loss of every step). `progress` hears of the steps as
  /// they are taken; it changes nothing in the training.
  @discardableResult
  public func train(
    _ model: any LanguageModel, on data: [TrainingSequence], options: TrainingOptions,
    family: ModelFamily, seed: UInt64, threads: Int, progress: TrainingProgress? = nil
  ) throws(StageError) -> TrainingSummary {
    var random = random(seed: seed)
    do {
      return try model.train(
        on: data, options: options, threads: threads, random: &random, progress: progress)
    } catch {
      throw StageError(stage: self, model: family, seed: seed, underlying: error)
    }
  }
}

/// A training stage failed; names the stage, the model and the seed.
public struct StageError: Error, CustomStringConvertible {
  /// The stage that failed.
  public var stage: Stage
  /// The model family.
  public var model: ModelFamily
  /// The seed.
  public var seed: UInt64
  /// What went wrong.
  public var underlying: TrainingError

  public var description: String {
    "\(model.rawValue) seed \(seed), stage \(stage.name): \(underlying)"
  }
}
