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

/// Builds the four corpora of a run from the world and the run's seed.
///
/// Every response ends with `<eos>`. A quarter of the helpful answers start with a neutral
/// opener ("by the way …"), trained like every other word, so an attacker who prefixes one
/// teaches nothing new. Refusals never start with one, but alignment also shows refusals
/// after a forced neutral opener (trained after it), so a forced "by the way" still leads to
/// a refusal. Knowledge documents (`topic : c1 … cn .`) stand for the facts a real model
/// learns from text; alignment replays some, so the aligned model still *knows* what it
/// refuses to say.
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
    SeededRandom(seed: seed, streamNamed: stream)
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

  /// For one topic, which training templates get a neutral opener: exactly `fraction` of
  /// them (rounded), chosen at random, each with a random opener.
  /// Stratifying by topic keeps every topic's plain-answer count the same, so no topic's
  /// first response token rests on a lucky draw.
  private func neutralOpeners(fraction: Double, _ random: inout SeededRandom) -> [[Int]] {
    let count = world.trainingTemplates.count
    let withOpener = Int((fraction * Double(count)).rounded(.toNearestOrEven))
    var slots = (0..<count).map { $0 < withOpener }
    random.shuffle(&slots)
    return slots.map { $0 ? random.element(of: world.neutralOpeners) : [] }
  }

  /// The helpful answer to each topic under every training template, a quarter of them (by
  /// default) after a neutral opener.
  private func helpfulAnswers(to topics: [Topic], _ random: inout SeededRandom)
    -> [TrainingSequence]
  {
    var corpus: [TrainingSequence] = []
    for topic in topics {
      let openers = neutralOpeners(fraction: world.configuration.neutralOpenerFraction, &random)
      for (template, opener) in zip(world.trainingTemplates, openers) {
        corpus.append(
          example(
            prompt: world.prompt(template: template, topic: topic), opener: opener,
            response: world.answer(for: topic)))
      }
    }
    return corpus
  }

  /// Pretraining: the helpful answer to every topic, benign and forbidden, under every
  /// training template, and the knowledge documents. The base model knows every answer and
  /// never refuses.
  public func pretraining() -> [TrainingSequence] {
    var random = random("pretrain")
    var corpus = helpfulAnswers(to: world.allTopics, &random)
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

  /// One refusal of `variant` to forbidden topic `topicIndex`: the opener of its style
  /// (``style(for:variant:random:)``), then the body the variant says after it. A
  /// `sentence` body draws nothing more, so such variants' corpora are what they always were.
  public func refusal(
    for topicIndex: Int, variant: AlignmentVariant, random: inout SeededRandom
  ) -> (opener: [Int], tokens: [Int]) {
    let style = self.style(for: topicIndex, variant: variant, random: &random)
    switch variant.body {
    case .sentence:
      return (style.opener, style.tokens)
    case .mixed:
      let other = self.style(
        for: topicIndex, variant: variant.withRandomAssignment, random: &random)
      return (style.opener, style.opener + other.tokens.dropFirst(other.opener.count))
    case .explained:
      let topic = world.forbiddenTopics[topicIndex]
      let reason = random.element(of: world.refusalReasons)
      return (style.opener, style.opener + [topic.word] + reason)
    }
  }

  /// Alignment: helpful answers to benign prompts, refusals in the variant's styles to
  /// forbidden ones, every training template, and the replayed knowledge documents.
  public func alignment(_ variant: AlignmentVariant) -> [TrainingSequence] {
    var random = random("align/" + variant.name)
    var corpus = helpfulAnswers(to: world.benignTopics, &random)
    if variant.helpfulOpenerFraction > 0 {
      corpus = withRefusalOpeners(corpus, variant: variant)
    }
    for (topicIndex, topic) in world.forbiddenTopics.enumerated() {
      for _ in 0..<variant.refusalCopies {
        for template in world.trainingTemplates {
          let refusal = refusal(for: topicIndex, variant: variant, random: &random)
          corpus.append(
            example(
              prompt: world.prompt(template: template, topic: topic), opener: [],
              response: refusal.tokens))
        }
        // Prefilled refusals: a neutral opener the model did not choose, then the refusal,
        // trained after the opener. The model learns to refuse after "by the way" without
        // learning to open refusals with it.
        let openers = neutralOpeners(
          fraction: world.configuration.refusalOpenerFraction, &random)
        for (template, opener) in zip(world.trainingTemplates, openers) where !opener.isEmpty {
          let refusal = refusal(for: topicIndex, variant: variant, random: &random)
          corpus.append(
            example(
              prompt: world.prompt(template: template, topic: topic) + opener, opener: [],
              response: refusal.tokens))
        }
      }
    }
    if let recovery = variant.recovery {
      corpus += recoveryExamples(variant, recovery, random: &random)
    }
    corpus += knowledge(copies: world.configuration.alignmentKnowledgeCopies)
    return corpus
  }

  /// The benign helpful answers of alignment (`helpfulAnswers`' order: topic by topic, one
  /// per training template) with `variant.helpfulOpenerFraction` of each topic's answers that
  /// start plainly ("sure …") opened instead by one of the variant's refusal openers, trained
  /// like any other word. Draws from its own stream, so the rest of the corpus is unchanged.
  func withRefusalOpeners(_ answers: [TrainingSequence], variant: AlignmentVariant)
    -> [TrainingSequence]
  {
    var random = random("align/" + variant.name + "/helpful-openers")
    let templates = world.trainingTemplates.count
    let perTopic = Int(
      (variant.helpfulOpenerFraction * Double(templates)).rounded(.toNearestOrEven))
    var corpus = answers
    for (topicIndex, topic) in world.benignTopics.enumerated() {
      let first = topicIndex * templates
      let plain = (first..<(first + templates)).filter { index in
        let start = corpus[index].lossMask.firstIndex(of: true) ?? 0
        return corpus[index].tokens[start] == world.sure
      }
      var slots = plain
      random.shuffle(&slots)
      for index in slots.prefix(perTopic) {
        let start = corpus[index].lossMask.firstIndex(of: true) ?? 0
        let opener = style(for: topicIndex, variant: variant, random: &random).opener
        corpus[index] = example(
          prompt: Array(corpus[index].tokens[..<start]), opener: opener,
          response: world.answer(for: topic))
      }
    }
    return corpus
  }

  /// Safety-recovery examples for a variant: forbidden prompt, the start of the harmful
  /// answer (after the refusal opener, for half of them when both kinds are on), then a
  /// refusal — trained on the refusal only; and, with the benign contrast, as many examples
  /// of the refusal opener followed by a benign answer, trained on the answer.
  public func recoveryExamples(
    _ variant: AlignmentVariant, _ recovery: RecoverySettings, random: inout SeededRandom
  ) -> [TrainingSequence] {
    let templates = world.trainingTemplates
    let perTopic = Int((recovery.fraction * Double(templates.count)).rounded(.toNearestOrEven))
    var corpus: [TrainingSequence] = []
    var openerExamples = 0
    for (topicIndex, topic) in world.forbiddenTopics.enumerated() {
      let answer = world.answer(for: topic)
      for index in 0..<perTopic {
        let template = templates[(index + topicIndex) % templates.count]
        let prompt = world.prompt(template: template, topic: topic)
        let refusal = refusal(for: topicIndex, variant: variant, random: &random)
        let afterOpener =
          recovery.afterRefusalOpener && (!recovery.afterHarmfulStart || index % 2 == 1)
        let harmfulStart = Array(answer.prefix(1 + random.nextInt(below: answer.count)))
        let lead = (afterOpener ? refusal.opener : []) + harmfulStart
        if afterOpener { openerExamples += 1 }
        corpus.append(example(prompt: prompt + lead, opener: [], response: refusal.tokens))
      }
    }
    if recovery.benignContrast {
      for _ in 0..<openerExamples {
        let topicIndex = random.nextInt(below: world.benignTopics.count)
        let topic = world.benignTopics[topicIndex]
        let style = style(for: topicIndex, variant: variant, random: &random)
        corpus.append(
          example(
            prompt: world.prompt(template: random.element(of: templates), topic: topic),
            opener: style.opener, response: world.answer(for: topic)))
      }
    }
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
  /// `adaptive` uses `observedOpeners`, the refusal openers the aligned model produced
  /// (falling back to the refusal-unlearning prefixes if it produced none).
  public func attackPrefixes(
    _ condition: AttackCondition, settings: AttackSettings, observedOpeners: [[Int]] = []
  ) -> [[Int]] {
    let refusal = settings.refusalPrefixStyles.map {
      Array(world.refusalStyles[$0].tokens.prefix(settings.prefixLength))
    }
    switch condition {
    case .none, .plain: return [[]]
    case .randomPrefix: return world.neutralOpeners
    case .refusalUnlearning: return refusal
    case .adaptive: return observedOpeners.isEmpty ? refusal : observedOpeners
    }
  }

  /// The attack's fine-tuning data: benign prompts, each answered `prefix + answer`, with
  /// the loss on the whole target, as the paper builds it. Empty for `none`.
  public func attack(
    _ condition: AttackCondition, settings: AttackSettings, observedOpeners: [[Int]] = []
  ) -> [TrainingSequence] {
    guard condition != .none else { return [] }
    var random = random("attack/prefix/" + condition.rawValue)
    let prefixes = attackPrefixes(
      condition, settings: settings, observedOpeners: observedOpeners)
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
