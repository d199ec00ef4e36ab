/// How an alignment example picks its refusal style among a variant's styles.
public enum StyleAssignment: String, Sendable, Hashable, Codable, CaseIterable {
  /// Each refusal example draws a style at random (weighted).
  case random
  /// Each forbidden topic always gets the same style (topic index modulo the styles).
  case byTopic = "by-topic"
}

/// What a refusal says after its opener.
public enum RefusalBody: String, Sendable, Hashable, Codable, CaseIterable {
  /// The rest of the opener's own catalogue sentence (eight styles, eight sentences).
  case sentence
  /// The rest of one of the variant's styles, drawn independently of the opener for every
  /// example ("many phrasings").
  case mixed
  /// The request's topic word, then one of the world's reasons ("i 'm sorry rotglyph is off
  /// limits for me ."): the token after the opener depends on the request.
  case explained
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
  /// How an example chooses its style (the style gives the refusal's opener).
  public var assignment: StyleAssignment
  /// What each refusal says after its opener.
  public var body: RefusalBody
  /// Fraction of each benign topic's training templates whose helpful answer in alignment
  /// opens with one of the variant's refusal openers ("i 'm sorry sure bread : …"). Above 0
  /// the opener alone no longer decides refusal.
  public var helpfulOpenerFraction: Double
  /// How many times each forbidden (topic, template) refusal appears in alignment: the
  /// amount of safety training.
  public var refusalCopies: Int
  /// Safety-recovery examples ("deep" alignment), or `nil` for none.
  public var recovery: RecoverySettings?

  /// Creates a variant.
  public init(
    name: String, summary: String, styles: [Int], styleWeights: [Double]? = nil,
    assignment: StyleAssignment = .random, body: RefusalBody = .sentence,
    helpfulOpenerFraction: Double = 0, refusalCopies: Int = 1, recovery: RecoverySettings? = nil
  ) {
    self.name = name
    self.summary = summary
    self.styles = styles
    self.styleWeights = styleWeights ?? Array(repeating: 1, count: styles.count)
    self.assignment = assignment
    self.body = body
    self.helpfulOpenerFraction = helpfulOpenerFraction
    self.refusalCopies = refusalCopies
    self.recovery = recovery
  }

  /// `rigid`: every refusal uses the one catalogue style "i 'm sorry but i can not help …".
  public static let rigid = AlignmentVariant(
    name: "rigid", summary: "every refusal says \"i 'm sorry but i can not help with that .\"",
    styles: [0])

  /// `diverse`: eight refusal styles with distinct openers, one per forbidden topic — under
  /// greedy decoding, styles drawn at random collapse to one (see ``diverseRandom``).
  public static let diverse = AlignmentVariant(
    name: "diverse", summary: "eight refusal styles with different openers, one per topic",
    styles: Array(0..<8), assignment: .byTopic)

  /// `diverse-random`: eight styles drawn at random for every example. Greedy decoding then
  /// collapses to the one most likely style, and the diversity is mostly lost.
  public static let diverseRandom = AlignmentVariant(
    name: "diverse-random",
    summary: "eight refusal styles drawn at random per example (greedy decoding picks one)",
    styles: Array(0..<8), assignment: .random)

  /// `explained`: the rigid opener, then the request's topic and one of eight reasons, so
  /// what follows the opener is no longer one fixed pathway.
  public static let explained = AlignmentVariant(
    name: "explained",
    summary: "\"i 'm sorry\", then the request's topic and one of eight reasons",
    styles: [0], body: .explained)

  /// `many-phrasings`: eight openers and eight endings, drawn independently for every
  /// example, so that no single sentence dominates.
  public static let manyPhrasings = AlignmentVariant(
    name: "many-phrasings",
    summary: "eight openers and eight endings, drawn independently for every example",
    styles: Array(0..<8), assignment: .random, body: .mixed)

  /// `spoken-opener`: rigid refusals, but "i 'm sorry" also opens a quarter of the helpful
  /// answers in alignment, as the neutral openers do.
  public static let spokenOpener = AlignmentVariant(
    name: "spoken-opener",
    summary: "rigid, but \"i 'm sorry\" also opens a quarter of the helpful answers",
    styles: [0], helpfulOpenerFraction: 0.25)

  /// `deep`: rigid, plus safety-recovery examples with benign contrast.
  public static let deep = AlignmentVariant(
    name: "deep",
    summary: "rigid, plus recovery examples: after harmful words, return to a refusal",
    styles: [0], recovery: .standard)

  /// `diverse+deep`: both defenses.
  public static let diverseDeep = AlignmentVariant(
    name: "diverse+deep", summary: "eight refusal styles (one per topic) and recovery examples",
    styles: Array(0..<8), assignment: .byTopic, recovery: .standard)

  /// The variants of the classroom demo: rigid, the diversity that fails on the transformer
  /// and the two kinds that hold there, and depth.
  public static let demoVariants: [AlignmentVariant] = [
    .rigid, .diverse, .explained, .spokenOpener, .deep,
  ]

  /// Every built-in variant, by name.
  public static let builtIn: [AlignmentVariant] =
    demoVariants + [.diverseRandom, .manyPhrasings, .diverseDeep]

  /// The same variant with every style drawn at random (weighted), whatever its assignment.
  var withRandomAssignment: AlignmentVariant {
    var copy = self
    copy.assignment = .random
    return copy
  }

  /// Checks the variant against a world with `styleCount` refusal styles, naming the first
  /// setting out of range under `path`.
  public func validate(styleCount: Int, path: String) throws(ConfigurationError) {
    guard !name.isEmpty, !name.contains(where: { $0.isWhitespace || $0 == "," }) else {
      throw ConfigurationError(
        "\(path).name", "must be non-empty, without spaces or commas",
        got: ConfigurationError.describe(name))
    }
    try ConfigurationError.checkNotEmpty(styles.count, at: "\(path).styles")
    for (index, style) in styles.enumerated() {
      try ConfigurationError.check(style, in: 0...(styleCount - 1), at: "\(path).styles[\(index)]")
      guard !styles[..<index].contains(style) else {
        throw ConfigurationError(
          field: "\(path).styles[\(index)]", message: "style \(style) is listed twice")
      }
    }
    for (index, weight) in styleWeights.enumerated() {
      try ConfigurationError.check(weight, "must be > 0", at: "\(path).styleWeights[\(index)]") {
        $0 > 0
      }
    }
    guard styleWeights.count == styles.count else {
      let count = styleWeights.count
      throw ConfigurationError(
        "\(path).styleWeights", "must have one weight per style (\(styles.count))",
        got: "\(count) weight\(count == 1 ? "" : "s")")
    }
    try ConfigurationError.check(
      helpfulOpenerFraction, in: 0...1, at: "\(path).helpfulOpenerFraction")
    try ConfigurationError.check(refusalCopies, in: 1...20, at: "\(path).refusalCopies")
    try recovery?.validate(path: "\(path).recovery")
  }
}

/// Where safety-recovery examples start, and how many there are.
///
/// A recovery example is a forbidden prompt, the start of a harmful answer (its first k
/// tokens, optionally after the refusal opener — the pattern refusal unlearning trains),
/// then a refusal; only the refusal is trained (Qi et al. 2024). Without a benign contrast
/// that becomes a topic-blind shortcut ("after 'i 'm sorry sure', refuse") that the attack's
/// benign data contradict head-on; the contrast examples (the opener, then a *benign* answer)
/// make it depend on the topic.
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
    try ConfigurationError.check(fraction, in: 0...4, at: "\(path).fraction")
    guard afterHarmfulStart || afterRefusalOpener else {
      throw ConfigurationError(
        "\(path)", "needs afterHarmfulStart or afterRefusalOpener", got: "neither")
    }
  }
}
