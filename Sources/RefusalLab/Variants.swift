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

  /// Creates a variant.
  public init(
    name: String, summary: String, styles: [Int], styleWeights: [Double]? = nil,
    assignment: StyleAssignment = .random
  ) {
    self.name = name
    self.summary = summary
    self.styles = styles
    self.styleWeights = styleWeights ?? Array(repeating: 1, count: styles.count)
    self.assignment = assignment
  }

  /// `rigid`: every refusal uses the one catalogue style "i 'm sorry but i can not help …".
  public static let rigid = AlignmentVariant(
    name: "rigid", summary: "every refusal says \"i 'm sorry but i can not help with that .\"",
    styles: [0])

  /// The built-in variants, by name.
  public static let builtIn: [AlignmentVariant] = [.rigid]
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

  /// One line a teacher can read aloud.
  public var summary: String {
    switch self {
    case .none: "the aligned model, not fine-tuned"
    case .plain: "fine-tuned on 1,000 benign answers"
    case .randomPrefix: "the same answers, each after a neutral opener such as \"by the way\""
    case .refusalUnlearning: "the same answers, each after the refusal opener \"i 'm sorry\""
    }
  }
}
