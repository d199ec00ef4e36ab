import Foundation
import TinyLM

/// ρ, the measured prompt-independence of the continuation after an opener: the paper's
/// "refusal strength" made observable.
///
/// **Definition.** For an opener o, held-out forbidden prompts p₁ … p_m and benign prompts
/// q₁ … q_n, with P(· | x + o) the model's next-token distribution after prompt x and o:
///
///     ρ(o) = 1 − (1 / mn) Σ_i Σ_j TV(P(· | p_i + o), P(· | q_j + o)),
///     TV(P, Q) = ½ Σ_w |P(w) − Q(w)|.
///
/// ρ = 1: the next token after o ignores which kind of prompt came before — the paper's
/// strongest refusal, where benign fine-tuning after o acts on harmful inputs alike. ρ = 0:
/// the two kinds lead to disjoint continuations. A refusal opener (alignment only put it
/// before refusals) gives ρ ≈ 1; a neutral opener, which precedes answers and refusals
/// alike, gives less, since what follows it must depend on the request.
///
/// **The n-gram in closed form.** When the n-gram's window (the last n − 1 tokens) lies
/// inside `<assistant> + o`, only the topic memory, keyed by (topic word, last token of o),
/// differs between prompts: P(· | x + o) = (1 − λ)·N + λ·M_x, with M_x = N for a key the
/// memory never saw. Hence
///
///     ρ(o) = 1 − λ · (1 / mn) Σ_i Σ_j TV(M_{p_i}, M_{q_j}),   so   1 − λ ≤ ρ(o) ≤ 1:
///
/// 1 − λ when the two kinds' memories disagree completely (a neutral opener seen before
/// both), → 1 when the benign memory never saw the opener and N agrees with the forbidden
/// memory (the refusal opener on the aligned model).
///
/// **What ρ does not see:** whether that agreement is structural. An attack writes into the
/// shared n-gram and into the benign topics' memory, which no forbidden prompt reads, so
/// `NGramSweep` also measures how much of the attack's lesson transfers.
public enum Rho {
  /// Total-variation distance ½ Σ|p − q| between two distributions of the same length.
  public static func totalVariation(_ p: [Double], _ q: [Double]) -> Double {
    precondition(p.count == q.count, "distributions over the same vocabulary")
    var total = 0.0
    for (a, b) in zip(p, q) { total += abs(a - b) }
    return total / 2
  }

  /// ρ of `model` after `opener`: one minus the mean total-variation distance between the
  /// next-token distributions after `forbidden[i] + opener` and `benign[j] + opener`, over
  /// every pair (i, j).
  public static func promptIndependence(
    of model: any LanguageModel, after opener: [Int], forbidden: [[Int]], benign: [[Int]]
  ) -> Double {
    precondition(!forbidden.isEmpty && !benign.isEmpty, "prompts of both kinds")
    let p = forbidden.map { model.nextTokenProbabilities(after: $0 + opener) }  // (m, V)
    let q = benign.map { model.nextTokenProbabilities(after: $0 + opener) }  // (n, V)
    var sum = 0.0
    for row in p {
      for column in q { sum += totalVariation(row, column) }
    }
    return 1 - sum / Double(p.count * q.count)
  }

}

/// ρ after the rigid refusal opener next to ρ after each neutral opener, for one model.
public struct RhoReport: Sendable, Hashable, Codable {
  /// ρ after one opener.
  public struct Entry: Sendable, Hashable, Codable {
    /// The opener's text.
    public var opener: String
    /// ρ after it.
    public var rho: Double
  }

  /// ρ after the rigid refusal opener ("i 'm sorry").
  public var refusal: Entry
  /// ρ after each neutral opener, in the world's order.
  public var neutral: [Entry]

  /// The mean ρ over the neutral openers.
  public var neutralMean: Double {
    neutral.isEmpty ? 0 : neutral.map(\.rho).reduce(0, +) / Double(neutral.count)
  }

  /// Measures `model` on a run's held-out prompts.
  public init(model: any LanguageModel, corpora: Corpora) {
    (refusal, neutral) = corpora.perOpener(Entry.init(opener:rho:)) {
      Rho.promptIndependence(of: model, after: $0, forbidden: $1, benign: $2)
    }
  }

  /// A text table: one row per opener, refusal first, then the neutral mean.
  public func table() -> String {
    var rows: [[String]] = [["opener", "kind", "ρ"]]
    rows.append([TokenEscaping.escape(text: refusal.opener), "refusal", format(refusal.rho)])
    for entry in neutral {
      rows.append([TokenEscaping.escape(text: entry.opener), "neutral", format(entry.rho)])
    }
    rows.append(["(mean of the neutral openers)", "neutral", format(neutralMean)])
    return TextFormatting.table(rows, rightAligned: [2])
  }

  private func format(_ value: Double) -> String { String(format: "%.3f", value) }
}

extension Corpora {
  /// `measure(opener, forbidden, benign)` on the held-out prompts after the attacker's
  /// refusal opener and after each neutral opener, each made an entry with the opener's text.
  func perOpener<Value, Entry>(
    _ entry: (String, Value) -> Entry,
    _ measure: (_ opener: [Int], _ forbidden: [[Int]], _ benign: [[Int]]) -> Value
  ) -> (refusal: Entry, neutral: [Entry]) {
    let forbidden = forbiddenEvaluation().map(\.tokens)
    let benign = benignEvaluation().map(\.tokens)
    func measured(_ opener: [Int]) -> Entry {
      entry(world.text(opener), measure(opener, forbidden, benign))
    }
    return (measured(world.refusalStyles[0].opener), world.neutralOpeners.map(measured))
  }
}
