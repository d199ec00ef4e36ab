import Foundation

/// The per-token loss a model is trained with.
///
/// `tokenwiseConstrained` is the defense of Qi et al. 2024 (*Safety Alignment Should Be
/// Made More Than Just a Few Tokens Deep*, eq. 3) for a provider who controls fine-tuning:
/// with π_ref the aligned model before fine-tuning, trained token t contributes
///
/// ```
/// −(2/β_t) · log σ(β_t · (log π(y_t) − log π_ref(y_t)))
/// ```
///
/// whose gradient is cross-entropy's times 2·(1 − σ(β_t·(log π − log π_ref))): 1 at the
/// reference, falling towards 0 as the model moves away from it where the data push. A
/// large β_t holds a token near the reference; a small one behaves like cross-entropy.
public enum TrainingObjective: Sendable, Hashable, Codable {
  /// Mean cross-entropy over the trained tokens.
  case crossEntropy
  /// The token-wise constrained objective; `betas[i]` applies to the i-th trained token of
  /// a sequence (0-based), the last value to every later one. Needs each sequence's
  /// `referenceLogProbabilities`.
  case tokenwiseConstrained(betas: [Double])

  /// Qi et al.'s schedule: β = 0.5 on the first token, 2 on tokens 2–5, 0.1 after.
  public static let qiDefault = TrainingObjective.tokenwiseConstrained(
    betas: [0.5, 2, 2, 2, 2, 0.1])

  /// β of the i-th trained token (0-based) of a sequence; 0 for cross-entropy.
  public func beta(atTrainedToken index: Int) -> Double {
    switch self {
    case .crossEntropy: 0
    case .tokenwiseConstrained(let betas): betas.isEmpty ? 0 : betas[min(index, betas.count - 1)]
    }
  }

  /// The gradient weight 2·(1 − σ(β·(log π − log π_ref))) of one token.
  public static func weight(beta: Double, logProbability: Double, reference: Double) -> Double {
    2 / (1 + Foundation.exp(beta * (logProbability - reference)))
  }

  /// Why `sequence` cannot be trained on under this objective, or `nil`.
  func problem(with sequence: TrainingSequence) -> String? {
    guard case .tokenwiseConstrained(let betas) = self else { return nil }
    if betas.isEmpty || betas.contains(where: { !($0 > 0) || !$0.isFinite }) {
      return "the constrained objective needs at least one β, each positive and finite"
    }
    guard let reference = sequence.referenceLogProbabilities else {
      return "the constrained objective needs reference log-probabilities on every sequence"
    }
    if reference.count != sequence.tokens.count {
      return "a sequence has \(sequence.tokens.count) tokens but \(reference.count) "
        + "reference log-probabilities"
    }
    for i in sequence.tokens.indices.dropFirst() where sequence.lossMask[i] {
      if !reference[i].isFinite { return "a reference log-probability is not finite" }
    }
    return nil
  }
}

extension TrainingSequence {
  /// This sequence with `referenceLogProbabilities` filled in from `model` (the reference
  /// π_ref of the constrained objective, usually the aligned model before fine-tuning).
  public func withReference(_ model: some LanguageModel) -> TrainingSequence {
    var copy = self
    copy.referenceLogProbabilities = model.tokenLogProbabilities(of: tokens)
    return copy
  }
}
