import Foundation
import TinyLM

/// Per-position KL(aligned ‖ base) along a harmful answer, as Qi et al. 2024 (*Safety
/// Alignment Should Be Made More Than Just a Few Tokens Deep*, Fig. 1) measure it.
///
/// Each held-out forbidden prompt p is followed, teacher-forced, by its topic's harmful
/// answer y = `sure <topic> : c1 … cn . <eos>`, and at each response position t = 1 … |y|
///
///     KL_t = Σ_w P_aligned(w | p, y<t) · (log P_aligned(w | …) − log P_base(w | …)),
///
/// averaged over the prompts. Position 1 is the first response token (the aligned model
/// says "i", the base model "sure"); later positions ask how differently the two continue a
/// harmful answer already under way. Shallow alignment puts the KL on the first positions;
/// deep alignment (recovery examples) keeps it high later on. `firstShare` and
/// `firstTwoShare` summarise the shape: the share of the KL of positions 1…`shareWindow`
/// that falls on position 1, and on positions 1–2.
public struct KLProfile: Sendable, Hashable, Codable {
  /// One response position of the profile.
  public struct Position: Sendable, Hashable, Codable {
    /// The 1-based response position t.
    public var position: Int
    /// Mean KL(aligned ‖ base) in nats over the contributing prompts.
    public var meanKL: Double
    /// How many prompts' answers reach position t.
    public var promptCount: Int
  }

  /// Positions 1, 2, … up to the longest answer.
  public var positions: [Position]
  /// KL₁ / Σ_{t ≤ shareWindow} KL_t; `nil` when that sum is 0.
  public var firstShare: Double?
  /// (KL₁ + KL₂) / Σ_{t ≤ shareWindow} KL_t; `nil` when that sum is 0.
  public var firstTwoShare: Double?

  /// The positions the shares are taken over: 1 … 8.
  public static let shareWindow = 8

  /// A profile from its positions; the shares are computed from them.
  public init(positions: [Position]) {
    self.positions = positions
    let window = positions.prefix(Self.shareWindow).map(\.meanKL)
    let total = window.reduce(0, +)
    firstShare = total > 0 ? window[0] / total : nil
    firstTwoShare = total > 0 ? window.prefix(2).reduce(0, +) / total : nil
  }

  /// KL(p ‖ q) in nats between two distributions given as natural-log probabilities (one
  /// per vocabulary id, same length). Terms with p = 0 contribute nothing.
  public static func divergence(_ logP: [Float], _ logQ: [Float]) -> Double {
    precondition(logP.count == logQ.count, "distributions over the same vocabulary")
    var total = 0.0
    for (a, b) in zip(logP, logQ) {
      let p = exp(Double(a))
      if p > 0 { total += p * (Double(a) - Double(b)) }
    }
    return max(total, 0)
  }

  /// Measures the profile of `aligned` against `base`: prompt i is followed by `answers[i]`,
  /// teacher-forced, and position t compares the distributions after
  /// `prompts[i] + answers[i][0..<t−1]`. Each model scores a prompt's answer in one call
  /// of `allPositionLogProbabilities(of:)`.
  public static func measure(
    aligned: any LanguageModel, base: any LanguageModel, prompts: [[Int]], answers: [[Int]]
  ) -> KLProfile {
    precondition(prompts.count == answers.count, "one answer per prompt")
    let longest = answers.map(\.count).max() ?? 0
    var sums = [Double](repeating: 0, count: longest)  // (longest,) KL summed over prompts
    var counts = [Int](repeating: 0, count: longest)  // (longest,) prompts per position
    for (prompt, answer) in zip(prompts, answers) where !prompt.isEmpty && !answer.isEmpty {
      let alignedRows = rows(of: aligned, prompt: prompt, answer: answer)  // (answer.count, V)
      let baseRows = rows(of: base, prompt: prompt, answer: answer)  // (answer.count, V)
      for t in answer.indices {
        sums[t] += divergence(alignedRows[t], baseRows[t])
        counts[t] += 1
      }
    }
    return KLProfile(
      positions: (0..<longest).map { t in
        Position(
          position: t + 1, meanKL: counts[t] > 0 ? sums[t] / Double(counts[t]) : 0,
          promptCount: counts[t])
      })
  }

  /// The profile on a run's held-out forbidden prompts, each followed by the world's harmful
  /// answer for its topic and `<eos>`.
  public static func measure(
    aligned: any LanguageModel, base: any LanguageModel, corpora: Corpora
  ) -> KLProfile {
    let world = corpora.world
    let prompts = corpora.forbiddenEvaluation()
    return measure(
      aligned: aligned, base: base, prompts: prompts.map(\.tokens),
      answers: prompts.map { world.answer(for: $0.topic) + [world.endOfText] })
  }

  /// Next-token log-probabilities at each answer position: row t (0-based) is the
  /// distribution after `prompt + answer[0..<t]`. Shape (answer.count, V).
  static func rows(of model: any LanguageModel, prompt: [Int], answer: [Int]) -> [[Float]] {
    let context = prompt + answer.dropLast()  // (prompt.count + answer.count − 1,)
    return Array(model.allPositionLogProbabilities(of: context)[(prompt.count - 1)...])
  }

  /// A text table (position, mean KL, a bar, the number of prompts), then the two shares.
  public func table() -> String {
    let widest = positions.map(\.meanKL).max() ?? 0
    var rows: [[String]] = [["t", "KL (nats)", "", "prompts"]]
    for entry in positions {
      let bar = widest > 0 ? Int((entry.meanKL / widest * 30).rounded()) : 0
      rows.append([
        "\(entry.position)", String(format: "%.3f", entry.meanKL),
        String(repeating: "█", count: bar), "\(entry.promptCount)",
      ])
    }
    func share(_ value: Double?) -> String {
      value.map { String(format: "%.3f", $0) } ?? "n/a"
    }
    let window = min(Self.shareWindow, positions.count)
    return TextFormatting.table(rows, rightAligned: [1, 3]) + "\n"
      + "share of the KL of positions 1–\(window) on position 1: \(share(firstShare)); "
      + "on positions 1–2: \(share(firstTwoShare))"
  }
}
