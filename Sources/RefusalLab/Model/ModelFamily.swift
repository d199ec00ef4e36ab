import TinyLM

/// The model families RefusalLab trains. Every stage works on any of them.
public enum ModelFamily: String, Sendable, Hashable, Codable, CaseIterable {
  /// The glass box: an n-gram mixed with a topic memory.
  case ngram
  /// A tiny GPT-2 style transformer trained from scratch.
  case transformer
}

/// How one family is built and trained in each stage.
public struct FamilySettings: Sendable, Hashable, Codable {
  /// Which family.
  public var family: ModelFamily
  /// N-gram settings (used when `family == .ngram`).
  public var ngram: NGramSettings
  /// Transformer settings (used when `family == .transformer`).
  public var transformer: TransformerSettings
  /// Pretraining.
  public var pretrain: TrainingOptions
  /// Safety alignment.
  public var align: TrainingOptions
  /// The attacker's fine-tuning.
  public var attack: TrainingOptions

  /// Creates family settings.
  public init(
    family: ModelFamily, ngram: NGramSettings = .standard,
    transformer: TransformerSettings = .standard, pretrain: TrainingOptions,
    align: TrainingOptions, attack: TrainingOptions
  ) {
    self.family = family
    self.ngram = ngram
    self.transformer = transformer
    self.pretrain = pretrain
    self.align = align
    self.attack = attack
  }

  /// The n-gram's defaults. Training adds `learningRate` to the counts per occurrence and
  /// epoch. Alignment (3 epochs × 3) outweighs pretraining (1) even when a diverse variant
  /// splits its refusals over eight styles; the attack's weight (3 epochs × 10 × 1,000
  /// samples) lies past the flip threshold after the refusal opener, where the topic memory
  /// (λ = 0.3) still votes for the refusal (`Docs`: how the toy works).
  public static let ngramDefault = FamilySettings(
    family: .ngram,
    pretrain: TrainingOptions(epochs: 1, learningRate: 1),
    align: TrainingOptions(epochs: 3, learningRate: 3),
    attack: TrainingOptions(epochs: 3, learningRate: 10))

  /// The transformer's defaults: AdamW with warm-up and cosine decay to pretrain and align,
  /// then the gentle attack real fine-tuning is — SGD with momentum at a small learning rate
  /// (Adam would rescale the tiny gradients of data the model already fits into full-size
  /// steps and break even plain fine-tuning; `Docs`: how the toy models a real LLM). The
  /// epochs (10, 3, 3) are the shortest schedule measured that held the claims on the most of
  /// seeds 0–29 (29 of 30; `Docs`: the transformer article, "Choosing the schedule").
  public static let transformerDefault = FamilySettings(
    family: .transformer,
    pretrain: TrainingOptions(
      epochs: 10, batchSize: 32, learningRate: 3e-3, optimizer: .adamW, weightDecay: 0.0,
      warmupFraction: 0.05, cosineDecay: true, minLearningRateFraction: 0.1),
    align: TrainingOptions(
      epochs: 3, batchSize: 8, learningRate: 1e-3, optimizer: .adamW, weightDecay: 0.0,
      warmupFraction: 0.05, cosineDecay: true, minLearningRateFraction: 0.1),
    attack: TrainingOptions(
      epochs: 3, batchSize: 16, learningRate: 0.016, optimizer: .sgd, momentum: 0.9,
      warmupFraction: 0.0, cosineDecay: false))

  /// The defaults of a family.
  public static func defaults(for family: ModelFamily) -> FamilySettings {
    switch family {
    case .ngram: ngramDefault
    case .transformer: transformerDefault
    }
  }

  /// A one-line description of the model, for reports.
  public var title: String {
    switch family {
    case .ngram:
      "n-gram (order \(ngram.order) + topic memory, λ = \(ngram.memoryWeight))"
    case .transformer:
      "transformer (\(transformer.layers) layers, \(transformer.heads) heads, "
        + "d = \(transformer.embedding))"
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
    case .transformer:
      TransformerModel(
        configuration: transformer.configuration(vocabularySize: world.vocabulary.count),
        seed: seed)
    }
  }
}

/// The transformer's shape (nanoGPT's names in the comments).
public struct TransformerSettings: Sendable, Hashable, Codable {
  /// `n_layer`.
  public var layers: Int
  /// `n_head`.
  public var heads: Int
  /// `n_embd`.
  public var embedding: Int
  /// `block_size`: the longest sequence, prompt and response together.
  public var blockSize: Int

  /// 2 layers, 4 heads, d = 64, 48 positions.
  public static let standard = TransformerSettings(
    layers: 2, heads: 4, embedding: 64, blockSize: 48)

  /// Creates transformer settings.
  public init(layers: Int, heads: Int, embedding: Int, blockSize: Int) {
    self.layers = layers
    self.heads = heads
    self.embedding = embedding
    self.blockSize = blockSize
  }

  /// The engine's configuration for a vocabulary.
  public func configuration(vocabularySize: Int) -> TransformerConfiguration {
    TransformerConfiguration(
      layerCount: layers, headCount: heads, embeddingSize: embedding, blockSize: blockSize,
      vocabularySize: vocabularySize)
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

extension FamilySettings {
  /// Checks the model's shape and each stage's training, naming the first setting out of
  /// range under `path` (`families[0].attack.epochs: must be in 1…1000, got 0`).
  public func validate(path: String) throws(ConfigurationError) {
    switch family {
    case .ngram: try ngram.validate(path: "\(path).ngram")
    case .transformer: try transformer.validate(path: "\(path).transformer")
    }
    try pretrain.validate(path: "\(path).pretrain")
    try align.validate(path: "\(path).align")
    try attack.validate(path: "\(path).attack")
  }
}

extension TransformerSettings {
  /// Checks the shape, naming the first setting out of range under `path`.
  public func validate(path: String) throws(ConfigurationError) {
    try ConfigurationError.check(layers, in: 1...12, at: "\(path).layers")
    try ConfigurationError.check(heads, in: 1...16, at: "\(path).heads")
    try ConfigurationError.check(embedding, in: 1...1024, at: "\(path).embedding")
    try ConfigurationError.check(blockSize, in: 16...1024, at: "\(path).blockSize")
    guard embedding % heads == 0 else {
      throw ConfigurationError(
        field: "\(path).heads",
        message: "embedding (\(embedding)) must be a multiple of heads (\(heads))")
    }
  }
}

extension NGramSettings {
  /// Checks the settings, naming the first one out of range under `path`.
  public func validate(path: String) throws(ConfigurationError) {
    try ConfigurationError.check(order, in: 1...8, at: "\(path).order")
    try ConfigurationError.check(smoothing, "must be in (0, 1]", at: "\(path).smoothing") {
      $0 > 0 && $0 <= 1
    }
    try ConfigurationError.check(memoryWeight, in: 0...1, at: "\(path).memoryWeight")
  }
}
