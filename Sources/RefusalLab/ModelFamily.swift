import TinyLM

/// The model families RefusalLab trains. Every stage works on any of them.
public enum ModelFamily: String, Sendable, Hashable, Codable, CaseIterable {
  /// The glass box: an n-gram mixed with a topic memory.
  case ngram
}

/// How one family is built and trained in each stage.
public struct FamilySettings: Sendable, Hashable, Codable {
  /// Which family.
  public var family: ModelFamily
  /// N-gram settings (used when `family == .ngram`).
  public var ngram: NGramSettings
  /// Pretraining.
  public var pretrain: TrainingOptions
  /// Safety alignment.
  public var align: TrainingOptions
  /// The attacker's fine-tuning.
  public var attack: TrainingOptions

  /// Creates family settings.
  public init(
    family: ModelFamily, ngram: NGramSettings = .standard, pretrain: TrainingOptions,
    align: TrainingOptions, attack: TrainingOptions
  ) {
    self.family = family
    self.ngram = ngram
    self.pretrain = pretrain
    self.align = align
    self.attack = attack
  }

  /// The n-gram's defaults. Training adds `learningRate` to the counts per occurrence and
  /// epoch: alignment (3 × 1) outweighs pretraining (1), and the attack's weight (3 epochs ×
  /// 1.5 × 1,000 samples) lies past the flip threshold after the refusal opener, where the
  /// topic memory (λ = 0.3) still votes for the refusal (`Docs`: the n-gram lesson).
  public static let ngramDefault = FamilySettings(
    family: .ngram,
    pretrain: TrainingOptions(epochs: 1, learningRate: 1),
    align: TrainingOptions(epochs: 3, learningRate: 1),
    attack: TrainingOptions(epochs: 3, learningRate: 1.5))

  /// The defaults of a family.
  public static func defaults(for family: ModelFamily) -> FamilySettings {
    switch family {
    case .ngram: ngramDefault
    }
  }

  /// A fresh, untrained model of this family for `world`.
  public func makeModel(world: World, seed: UInt64) -> any LanguageModel {
    switch family {
    case .ngram:
      NGramModel(
        configuration: .init(
          order: ngram.order, smoothing: ngram.smoothing, memoryWeight: ngram.memoryWeight,
          memoryAnchor: world.assistant, vocabularySize: world.vocabulary.count))
    }
  }
}

/// The n-gram's settings.
public struct NGramSettings: Sendable, Hashable, Codable {
  /// Order n: the model predicts from the last n − 1 tokens. With the default 3 and a
  /// three-token refusal opener, what follows the opener cannot depend on the prompt.
  public var order: Int
  /// Add-k smoothing constant (small against the vocabulary size).
  public var smoothing: Double
  /// λ: the weight of the topic memory, the role of the paper's refusal strength.
  public var memoryWeight: Double

  /// Order 3, k = 0.01, λ = 0.3.
  public static let standard = NGramSettings(order: 3, smoothing: 0.01, memoryWeight: 0.3)

  /// Creates n-gram settings.
  public init(order: Int, smoothing: Double, memoryWeight: Double) {
    self.order = order
    self.smoothing = smoothing
    self.memoryWeight = memoryWeight
  }
}
