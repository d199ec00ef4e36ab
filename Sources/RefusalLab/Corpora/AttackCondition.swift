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
