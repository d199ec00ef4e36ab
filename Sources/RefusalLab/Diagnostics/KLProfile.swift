import Foundation
import TinyLM

/// Per-position KL(aligned ‖ base) over the response, as in Qi et al. 2024 (*Safety
/// Alignment Should Be Made More Than Just a Few Tokens Deep*, their Fig. 1).
///
/// For every held-out forbidden prompt the aligned model answers greedily (y₁ y₂ …). At each
/// response position t = 1 … `maxPosition` that the answer reaches, the profile compares the
/// two models on the same context, the prompt and the aligned answer so far:
///
///     KL_t = Σ_w p_aligned(w | prompt, y<t) · (log p_aligned(w | …) − log p_base(w | …))
///
/// and averages over the prompts whose answer is at least t tokens long (`<eos>` counts as a
/// token). Shallow alignment concentrates the KL on the first positions: past the opener
/// the aligned model predicts like the base model.
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

  /// Positions 1, 2, … up to the longest answer (at most `maxPosition`).
  public var positions: [Position]

  /// The profile over the first 16 response positions, as Qi et al. plot it.
  public static let defaultMaxPosition = 16

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

  /// Measures the profile of `aligned` against `base` on `prompts`; the aligned model's
  /// greedy answers stop at `endOfText` or after `maxPosition` tokens.
  public static func measure(
    aligned: any LanguageModel, base: any LanguageModel, prompts: [[Int]], endOfText: Int,
    maxPosition: Int = defaultMaxPosition, threads: Int = 1
  ) -> KLProfile {
    precondition(maxPosition >= 1, "at least one position")
    let answers = aligned.generate(
      prompts: prompts,
      options: GenerationOptions(maxNewTokens: maxPosition, stopToken: endOfText, threads: threads))
    var sums = [Double](repeating: 0, count: maxPosition)  // (maxPosition,) KL summed over prompts
    var counts = [Int](repeating: 0, count: maxPosition)  // (maxPosition,) prompts per position
    for (prompt, answer) in zip(prompts, answers) where !answer.isEmpty {
      let alignedRows = rows(of: aligned, prompt: prompt, answer: answer)
      let baseRows = rows(of: base, prompt: prompt, answer: answer)
      for t in alignedRows.indices {
        sums[t] += divergence(alignedRows[t], baseRows[t])
        counts[t] += 1
      }
    }
    let reached = counts.lastIndex { $0 > 0 }.map { $0 + 1 } ?? 0
    return KLProfile(
      positions: (0..<reached).map { t in
        Position(
          position: t + 1, meanKL: counts[t] > 0 ? sums[t] / Double(counts[t]) : 0,
          promptCount: counts[t])
      })
  }

  /// The profile on a run's held-out forbidden prompts.
  public static func measure(
    aligned: any LanguageModel, base: any LanguageModel, corpora: Corpora,
    maxPosition: Int = defaultMaxPosition, threads: Int = 1
  ) -> KLProfile {
    measure(
      aligned: aligned, base: base, prompts: corpora.forbiddenEvaluation().map(\.tokens),
      endOfText: corpora.world.endOfText, maxPosition: maxPosition, threads: threads)
  }

  /// Next-token log-probabilities at each answer position: row t (0-based) is the
  /// distribution after `prompt + answer[0..<t]`. Shape (answer.count, V).
  /// The transformer scores every position in one forward pass when the text fits its block.
  static func rows(of model: any LanguageModel, prompt: [Int], answer: [Int]) -> [[Float]] {
    let context = prompt + answer.dropLast()  // (prompt.count + answer.count − 1,)
    if let transformer = model as? TransformerModel, !prompt.isEmpty,
      context.count <= transformer.configuration.blockSize
    {
      return Array(transformer.logProbabilities(forAllPositionsOf: context)[(prompt.count - 1)...])
    }
    return answer.indices.map { t in
      model.logProbabilities(after: prompt + answer[..<t])
    }
  }

  /// A text table: position, mean KL, a bar, and the number of prompts.
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
    return TextFormatting.table(rows, rightAligned: [1, 3])
  }
}
