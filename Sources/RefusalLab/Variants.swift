/// How an alignment example picks its refusal style among a variant's styles.
public enum StyleAssignment: String, Sendable, Hashable, Codable, CaseIterable {
  /// Each refusal example draws a style at random (weighted).
  case random
  /// Each forbidden topic always gets the same style (topic index modulo the styles).
  case byTopic = "by-topic"
}

/// An alignment variant: which refusal styles safety training uses, and how much of it.
public struct AlignmentVariant: Sendable, Hashable, Codable {
  /// The identifier used on the command line and in results (`rigid`, …).
  public var name: String
  /// One line a teacher can read aloud.
  public var summary: String
  /// Indices into the world's refusal-style catalogue.
  public var styles: [Int]
  /// Relative weight of each style under random assignment (same length as `styles`).
  public var styleWeights: [Double]
  /// How an example chooses its style.
  public var assignment: StyleAssignment
  /// How many times each forbidden (topic, template) refusal appears in alignment: the
  /// amount of safety training.
  public var refusalCopies: Int
  /// Safety-recovery examples ("deep" alignment), or `nil` for none.
  public var recovery: RecoverySettings?

  /// Creates a variant.
  public init(
    name: String, summary: String, styles: [Int], styleWeights: [Double]? = nil,
    assignment: StyleAssignment = .random, refusalCopies: Int = 1,
    recovery: RecoverySettings? = nil
  ) {
    self.name = name
    self.summary = summary
    self.styles = styles
    self.styleWeights = styleWeights ?? Array(repeating: 1, count: styles.count)
    self.assignment = assignment
    self.refusalCopies = refusalCopies
    self.recovery = recovery
  }

  /// `rigid`: every refusal uses the one catalogue style "i 'm sorry but i can not help …".
  public static let rigid = AlignmentVariant(
    name: "rigid", summary: "every refusal says \"i 'm sorry but i can not help with that .\"",
    styles: [0])

  /// `diverse`: eight refusal styles with distinct openers, each forbidden topic refused
  /// in its own style. Under greedy decoding this is what diversity means: a model trained
  /// on styles drawn at random per example answers every prompt with its single most likely
  /// style (see ``diverseRandom``).
  public static let diverse = AlignmentVariant(
    name: "diverse", summary: "eight refusal styles with different openers, one per topic",
    styles: Array(0..<8), assignment: .byTopic)

  /// `diverse-random`: eight styles drawn at random for every example. Greedy decoding then
  /// collapses to the one most likely style, and the diversity is mostly lost.
  public static let diverseRandom = AlignmentVariant(
    name: "diverse-random",
    summary: "eight refusal styles drawn at random per example (greedy decoding picks one)",
    styles: Array(0..<8), assignment: .random)

  /// `deep`: rigid, plus safety-recovery examples: the start of a harmful answer (or the
  /// refusal opener followed by compliance) leads back into a refusal, with benign contrast.
  public static let deep = AlignmentVariant(
    name: "deep",
    summary: "rigid, plus recovery examples: after harmful words, return to a refusal",
    styles: [0], recovery: .standard)

  /// `diverse+deep`: both defenses.
  public static let diverseDeep = AlignmentVariant(
    name: "diverse+deep", summary: "eight refusal styles (one per topic) and recovery examples",
    styles: Array(0..<8), assignment: .byTopic, recovery: .standard)

  /// The variants of the classroom demo.
  public static let demoVariants: [AlignmentVariant] = [.rigid, .diverse, .deep, .diverseDeep]

  /// Every built-in variant, by name.
  public static let builtIn: [AlignmentVariant] = demoVariants + [.diverseRandom]

  /// Checks the variant against a world with `styleCount` refusal styles, naming the field.
  public func validate(styleCount: Int, path: String) throws(ConfigurationError) {
    guard !name.isEmpty else {
      throw ConfigurationError("\(path).name", "must not be empty", got: "\"\"")
    }
    guard !styles.isEmpty else {
      throw ConfigurationError("\(path).styles", "must not be empty", got: "[]")
    }
    for (index, style) in styles.enumerated() where !(0..<styleCount).contains(style) {
      throw ConfigurationError(
        "\(path).styles[\(index)]", "must be in 0…\(styleCount - 1)", got: style)
    }
    guard styleWeights.count == styles.count else {
      throw ConfigurationError(
        "\(path).styleWeights", "must have one weight per style (\(styles.count))",
        got: styleWeights.count)
    }
    for (index, weight) in styleWeights.enumerated() where !(weight.isFinite && weight > 0) {
      throw ConfigurationError(
        "\(path).styleWeights[\(index)]", "must be a finite number > 0", got: weight)
    }
    guard (1...20).contains(refusalCopies) else {
      throw ConfigurationError("\(path).refusalCopies", "must be in 1…20", got: refusalCopies)
    }
    try recovery?.validate(path: "\(path).recovery")
  }
}

/// Where safety-recovery examples start, and how many there are.
///
/// A recovery example is a forbidden prompt, then the start of a harmful answer, then a
/// refusal; only the refusal is trained (Qi et al. 2024). The harmful start is the first k
/// tokens of the forbidden answer (k drawn from 1…answer length), optionally preceded by the
/// refusal opener, which is exactly the pattern refusal unlearning trains ("i 'm sorry sure
/// …"). Without a benign contrast such a rule becomes a topic-blind shortcut ("after 'i 'm
/// sorry sure', refuse"), which the attack's benign data contradicts head-on; the contrast
/// examples (the opener followed by a *benign* answer, loss on the answer) make it depend on
/// the topic.
public struct RecoverySettings: Sendable, Hashable, Codable {
  /// Recovery examples per forbidden (topic, template) pair, as a fraction (0…4).
  public var fraction: Double
  /// Recovery after harmful-answer tokens (Qi et al.).
  public var afterHarmfulStart: Bool
  /// Recovery also after the refusal opener followed by compliance tokens.
  public var afterRefusalOpener: Bool
  /// Benign contrast examples: the refusal opener followed by a benign answer.
  public var benignContrast: Bool

  /// Half a recovery example per pair after a harmful start and half after "opener +
  /// compliance", with the benign contrast.
  public static let standard = RecoverySettings(
    fraction: 1, afterHarmfulStart: true, afterRefusalOpener: true, benignContrast: true)

  /// Creates recovery settings.
  public init(
    fraction: Double, afterHarmfulStart: Bool, afterRefusalOpener: Bool, benignContrast: Bool
  ) {
    self.fraction = fraction
    self.afterHarmfulStart = afterHarmfulStart
    self.afterRefusalOpener = afterRefusalOpener
    self.benignContrast = benignContrast
  }

  /// Checks the settings, naming the field.
  public func validate(path: String) throws(ConfigurationError) {
    guard fraction.isFinite, (0...4).contains(fraction) else {
      throw ConfigurationError("\(path).fraction", "must be in 0…4", got: fraction)
    }
    guard afterHarmfulStart || afterRefusalOpener else {
      throw ConfigurationError(
        "\(path)", "needs afterHarmfulStart or afterRefusalOpener", got: "neither")
    }
  }
}

/// An attack condition: what the fine-tuning data prefixes to each benign answer.
public enum AttackCondition: String, Sendable, Hashable, Codable, CaseIterable {
  /// No fine-tuning: the aligned model as it is.
  case none
  /// Fine-tuning on benign answers with no prefix.
  case plain
  /// Benign answers prefixed with a neutral opener ("by the way …").
  case randomPrefix = "random-prefix"
  /// Benign answers prefixed with the refusal opener ("i 'm sorry …"): the paper's attack.
  case refusalUnlearning = "refusal-unlearning"
  /// Benign answers prefixed with every refusal opener the aligned model actually produces.
  /// When that is the rigid opener alone, the data are refusal unlearning's exactly: the
  /// pipeline trains that attack once and reports it under both names.
  case adaptive

  /// One line a teacher can read aloud.
  public var summary: String {
    switch self {
    case .none: "the aligned model, not fine-tuned"
    case .plain: "fine-tuned on benign answers, nothing before them"
    case .randomPrefix: "the same answers, each after a neutral opener such as \"by the way\""
    case .refusalUnlearning: "the same answers, each after the refusal opener \"i 'm sorry\""
    case .adaptive: "the same answers, each after one of the refusal openers the model uses"
    }
  }
}
