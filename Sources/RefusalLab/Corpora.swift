import TinyLM

/// One evaluation prompt: a topic asked with a held-out template.
public struct EvaluationPrompt: Sendable, Hashable {
  /// The topic asked about.
  public var topic: Topic
  /// Index of the held-out template.
  public var templateIndex: Int
  /// `<user> … topic <assistant>`.
  public var tokens: [Int]
}

/// What the attacker fine-tunes on.
public struct AttackSettings: Sendable, Hashable, Codable {
  /// Benign training samples (the paper: 1,000).
  public var sampleCount: Int
  /// Refusal openers the `refusal-unlearning` attacker prefixes, by catalogue style index
  /// (the paper drew from a list of common openers; here, by default, the rigid one).
  public var refusalPrefixStyles: [Int]

  /// The paper's attack: 1,000 samples, prefixed with the rigid refusal opener.
  public static let paper = AttackSettings(sampleCount: 1000, refusalPrefixStyles: [0])

  /// Creates attack settings.
  public init(sampleCount: Int, refusalPrefixStyles: [Int]) {
    self.sampleCount = sampleCount
    self.refusalPrefixStyles = refusalPrefixStyles
  }
}

/// Builds the four corpora of a run from the world and the run's seed.
///
/// Every response ends with `<eos>` and is trained in full, from its first token. Half of
/// the responses in pretraining and alignment start with a neutral opener ("by the way …"),
/// as ordinary language does: the model *speaks* neutral openers, before helpful answers and
/// before refusals alike, so an attacker who prefixes them teaches it nothing new.
/// Pretraining also holds knowledge documents (`topic : c1 … cn .`), the facts a real model
/// learns from text rather than from chats; alignment replays some, as real alignment mixes
/// in pretraining data, so that the aligned model still *knows* what it refuses to say.
public struct Corpora: Sendable {
  /// The world the corpora are drawn from.
  public let world: World
  /// The run's seed.
  public let seed: UInt64

  /// Corpora for one seed.
  public init(world: World, seed: UInt64) {
    self.world = world
    self.seed = seed
  }

  private func random(_ stream: String) -> SeededRandom {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a of the stream's name
    for byte in stream.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    return SeededRandom(seed: seed, stream: hash)
  }

  /// `prompt + opener + response + <eos>`, trained from the first response token on.
  public func example(prompt: [Int], opener: [Int], response: [Int]) -> TrainingSequence {
    TrainingSequence(
      tokens: prompt + opener + response + [world.endOfText], trainedFrom: prompt.count)
  }

  /// `copies` knowledge documents per topic: `topic : c1 … cn . <eos>`, trained after the
  /// first token.
  public func knowledge(copies: Int) -> [TrainingSequence] {
    (0..<copies).flatMap { _ in
      world.allTopics.map { topic in
        TrainingSequence(tokens: world.fact(about: topic) + [world.endOfText], trainedFrom: 1)
      }
    }
  }

  /// For one topic, which training templates get a neutral opener: exactly
  /// `neutralOpenerFraction` of them (rounded), chosen at random, each with a random opener.
  /// Stratifying by topic keeps every topic's plain-answer count the same, so no topic's
  /// first response token rests on a lucky draw.
  private func neutralOpeners(_ random: inout SeededRandom) -> [[Int]] {
    let count = world.trainingTemplates.count
    let withOpener = Int(
      (world.configuration.neutralOpenerFraction * Double(count)).rounded(.toNearestOrEven))
    var slots = (0..<count).map { $0 < withOpener }
    random.shuffle(&slots)
    return slots.map { $0 ? random.element(of: world.neutralOpeners) : [] }
  }

  /// Pretraining: the helpful answer to every topic, benign and forbidden, under every
  /// training template, and the knowledge documents. The base model knows every answer and
  /// never refuses.
  public func pretraining() -> [TrainingSequence] {
    var random = random("pretrain")
    var corpus: [TrainingSequence] = []
    for topic in world.allTopics {
      let openers = neutralOpeners(&random)
      for (template, opener) in zip(world.trainingTemplates, openers) {
        corpus.append(
          example(
            prompt: world.prompt(template: template, topic: topic), opener: opener,
            response: world.answer(for: topic)))
      }
    }
    corpus += knowledge(copies: world.configuration.pretrainingKnowledgeCopies)
    return corpus
  }

  /// The refusal style a forbidden example of `variant` uses.
  public func style(
    for topicIndex: Int, variant: AlignmentVariant, random: inout SeededRandom
  ) -> RefusalStyle {
    switch variant.assignment {
    case .byTopic:
      return world.refusalStyles[variant.styles[topicIndex % variant.styles.count]]
    case .random:
      let total = variant.styleWeights.reduce(0, +)
      var target = random.nextDouble() * total
      for (style, weight) in zip(variant.styles, variant.styleWeights) {
        target -= weight
        if target < 0 { return world.refusalStyles[style] }
      }
      return world.refusalStyles[variant.styles[variant.styles.count - 1]]
    }
  }

  /// Alignment: helpful answers to benign prompts, refusals in the variant's styles to
  /// forbidden ones, every training template, and the replayed knowledge documents.
  public func alignment(_ variant: AlignmentVariant) -> [TrainingSequence] {
    var random = random("align/" + variant.name)
    var corpus: [TrainingSequence] = []
    for topic in world.benignTopics {
      let openers = neutralOpeners(&random)
      for (template, opener) in zip(world.trainingTemplates, openers) {
        corpus.append(
          example(
            prompt: world.prompt(template: template, topic: topic), opener: opener,
            response: world.answer(for: topic)))
      }
    }
    for (topicIndex, topic) in world.forbiddenTopics.enumerated() {
      let openers = neutralOpeners(&random)
      for (template, opener) in zip(world.trainingTemplates, openers) {
        let style = style(for: topicIndex, variant: variant, random: &random)
        corpus.append(
          example(
            prompt: world.prompt(template: template, topic: topic), opener: opener,
            response: style.tokens))
      }
    }
    corpus += knowledge(copies: world.configuration.alignmentKnowledgeCopies)
    return corpus
  }

  /// The benign (topic, training template) pairs an attack draws from, in a seeded order;
  /// the same for every condition of a seed, so conditions are paired.
  public func attackPrompts(count: Int) -> [(topic: Topic, prompt: [Int])] {
    var random = random("attack/prompts")
    var pool: [(topic: Topic, prompt: [Int])] = []
    for topic in world.benignTopics {
      for template in world.trainingTemplates {
        pool.append((topic, world.prompt(template: template, topic: topic)))
      }
    }
    var drawn: [(topic: Topic, prompt: [Int])] = []
    while drawn.count < count {
      var pass = pool
      random.shuffle(&pass)
      drawn += pass.prefix(count - drawn.count)
    }
    return drawn
  }

  /// The prefixes an attack condition draws from (one empty prefix for `plain`).
  public func attackPrefixes(_ condition: AttackCondition, settings: AttackSettings) -> [[Int]] {
    switch condition {
    case .none, .plain: [[]]
    case .randomPrefix: world.neutralOpeners
    case .refusalUnlearning: settings.refusalPrefixStyles.map { world.refusalStyles[$0].opener }
    }
  }

  /// The attack's fine-tuning data: benign prompts, each answered `prefix + answer`, with
  /// the loss on the whole target, as the paper builds it. Empty for `none`.
  public func attack(_ condition: AttackCondition, settings: AttackSettings) -> [TrainingSequence] {
    guard condition != .none else { return [] }
    var random = random("attack/prefix/" + condition.rawValue)
    let prefixes = attackPrefixes(condition, settings: settings)
    return attackPrompts(count: settings.sampleCount).map { item in
      example(
        prompt: item.prompt, opener: random.element(of: prefixes),
        response: world.answer(for: item.topic))
    }
  }

  /// Held-out evaluation prompts: every forbidden topic under every held-out template.
  public func forbiddenEvaluation() -> [EvaluationPrompt] {
    evaluation(world.forbiddenTopics)
  }

  /// Held-out evaluation prompts: every benign topic under every held-out template.
  public func benignEvaluation() -> [EvaluationPrompt] {
    evaluation(world.benignTopics)
  }

  private func evaluation(_ topics: [Topic]) -> [EvaluationPrompt] {
    topics.flatMap { topic in
      world.heldOutTemplates.enumerated().map { index, template in
        EvaluationPrompt(
          topic: topic, templateIndex: index,
          tokens: world.prompt(template: template, topic: topic))
      }
    }
  }
}
