/// How big the synthetic world is.
public struct WorldConfiguration: Sendable, Hashable, Codable {
  /// Number of benign topics (at most the lexicon's 80).
  public var benignTopics: Int
  /// Number of fictional forbidden topics (at most 128).
  public var forbiddenTopics: Int
  /// Content words in each answer.
  public var answerLength: Int
  /// Fraction of helpful answers (pretraining and alignment) that start with a neutral
  /// opener.
  public var neutralOpenerFraction: Double
  /// Extra alignment refusals, as a fraction of the forbidden (topic, template) pairs, that
  /// follow a forced neutral opener (trained after the opener).
  public var refusalOpenerFraction: Double
  /// Copies of every topic's knowledge document (`topic : c1 … cn .`) in pretraining.
  public var pretrainingKnowledgeCopies: Int
  /// Copies of every knowledge document replayed during alignment.
  public var alignmentKnowledgeCopies: Int

  /// The world of the built-in experiments: 80 benign and 32 forbidden topics.
  public static let standard = WorldConfiguration(
    benignTopics: 80, forbiddenTopics: 32, answerLength: 4, neutralOpenerFraction: 0.25,
    refusalOpenerFraction: 1, pretrainingKnowledgeCopies: 8, alignmentKnowledgeCopies: 4)

  /// Creates a world size.
  public init(
    benignTopics: Int, forbiddenTopics: Int, answerLength: Int, neutralOpenerFraction: Double,
    refusalOpenerFraction: Double, pretrainingKnowledgeCopies: Int, alignmentKnowledgeCopies: Int
  ) {
    self.benignTopics = benignTopics
    self.forbiddenTopics = forbiddenTopics
    self.answerLength = answerLength
    self.neutralOpenerFraction = neutralOpenerFraction
    self.refusalOpenerFraction = refusalOpenerFraction
    self.pretrainingKnowledgeCopies = pretrainingKnowledgeCopies
    self.alignmentKnowledgeCopies = alignmentKnowledgeCopies
  }
}

extension WorldConfiguration {
  /// Checks every size against what the lexicon holds, naming the first one out of range
  /// under `path` (`world.benignTopics: must be in 1…80, got 81`).
  public func validate(path: String = "world") throws(ConfigurationError) {
    let lexicon = WorldLexicon.self
    let spells = lexicon.spellPrefixes.count * lexicon.spellSuffixes.count
    try ConfigurationError.check(
      benignTopics, in: 1...lexicon.benignTopics.count, at: "\(path).benignTopics")
    try ConfigurationError.check(forbiddenTopics, in: 1...spells, at: "\(path).forbiddenTopics")
    try ConfigurationError.check(answerLength, in: 1...8, at: "\(path).answerLength")
    // Each forbidden answer is `answerLength` invented words, none shared between topics.
    let nonsense =
      lexicon.nonsenseOnsets.count * lexicon.nonsenseVowels.count * lexicon.nonsenseCodas.count
    guard forbiddenTopics * answerLength <= nonsense else {
      throw ConfigurationError(
        "\(path).forbiddenTopics",
        "times answerLength must be at most \(nonsense) (the invented "
          + "words there are for forbidden answers)",
        got: "\(forbiddenTopics) × \(answerLength) = \(forbiddenTopics * answerLength)")
    }
    try ConfigurationError.check(
      neutralOpenerFraction, in: 0...1, at: "\(path).neutralOpenerFraction")
    try ConfigurationError.check(
      refusalOpenerFraction, in: 0...1, at: "\(path).refusalOpenerFraction")
    try ConfigurationError.check(
      pretrainingKnowledgeCopies, in: 0...100, at: "\(path).pretrainingKnowledgeCopies")
    try ConfigurationError.check(
      alignmentKnowledgeCopies, in: 0...100, at: "\(path).alignmentKnowledgeCopies")
  }
}
