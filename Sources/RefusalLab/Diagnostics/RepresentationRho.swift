import Foundation
import TinyLM

/// ρ_repr, ρ measured in the transformer's residual stream: how much of what tells a
/// forbidden prompt from a benign one survives an opener, layer by layer.
///
/// **Definition.** For an opener o, a layer l (0 = the embedding, 1 … L = after each
/// block), held-out forbidden prompts p₁ … p_m and benign prompts q₁ … q_n, let a_x be the
/// state h_l at prompt x's last token (`<assistant>`) and b_x the state at o's last token
/// after x + o. Then
///
///     ρ_repr(o, l) = 1 − Σ_i Σ_j ⟨b_{p_i} − b_{q_j}, a_{p_i} − a_{q_j}⟩
///                        / Σ_i Σ_j ‖a_{p_i} − a_{q_j}‖²,
///
/// one minus the least-squares coefficient of the forbidden–benign difference after the
/// opener on the same difference at `<assistant>`. It is 1 when b ignores the prompt, 0 when
/// the opener adds the same vector to every prompt (b_x = a_x + c), and ρ for the paper's
/// mix b_x = ρ·g + (1 − ρ)·a_x. It is not clamped: below 0 when the opener separates the two
/// kinds *more*, above 1 when it reverses the difference.
///
/// **Computation.** The pair sums expand into group means and spreads,
///
///     (1/mn) Σ_{i,j} ⟨u_i − v_j, w_i − z_j⟩ = ⟨ū − v̄, w̄ − z̄⟩
///         + (1/m) Σ_i ⟨u_i − ū, w_i − w̄⟩ + (1/n) Σ_j ⟨v_j − v̄, z_j − z̄⟩,
///
/// so the cost is O((m + n)·C), not O(m·n·C).
public enum RepresentationRho {
  /// ρ_repr from plain vectors: `forbiddenBefore[i]` is a_{p_i}, `benignBefore[j]` is
  /// a_{q_j}, `forbiddenAfter[i]` is b_{p_i}, `benignAfter[j]` is b_{q_j}, all of one
  /// length. `nil` when the states at `<assistant>` do not differ at all (the denominator
  /// is 0) or a group is empty.
  public static func value(
    forbiddenBefore: [[Double]], benignBefore: [[Double]], forbiddenAfter: [[Double]],
    benignAfter: [[Double]]
  ) -> Double? {
    precondition(
      forbiddenBefore.count == forbiddenAfter.count && benignBefore.count == benignAfter.count,
      "one state after the opener per state before it")
    guard !forbiddenBefore.isEmpty, !benignBefore.isEmpty else { return nil }
    let numerator = meanPairProduct(
      forbiddenAfter, benignAfter, forbiddenBefore, benignBefore)
    let denominator = meanPairProduct(
      forbiddenBefore, benignBefore, forbiddenBefore, benignBefore)
    guard denominator > 0 else { return nil }
    return 1 - numerator / denominator
  }

  /// (1/mn) Σ_{i,j} ⟨u_i − v_j, w_i − z_j⟩ through group means (see the type's comment).
  static func meanPairProduct(
    _ u: [[Double]], _ v: [[Double]], _ w: [[Double]], _ z: [[Double]]
  ) -> Double {
    let uMean = mean(u)  // (C,)
    let vMean = mean(v)  // (C,)
    let wMean = mean(w)  // (C,)
    let zMean = mean(z)  // (C,)
    func centred(_ x: [[Double]], _ xMean: [Double], _ y: [[Double]], _ yMean: [Double])
      -> Double
    {
      var total = 0.0
      for (a, b) in zip(x, y) {
        for c in a.indices { total += (a[c] - xMean[c]) * (b[c] - yMean[c]) }
      }
      return total / Double(x.count)
    }
    var between = 0.0
    for c in uMean.indices { between += (uMean[c] - vMean[c]) * (wMean[c] - zMean[c]) }
    return between + centred(u, uMean, w, wMean) + centred(v, vMean, z, zMean)
  }

  /// The mean of equal-length vectors. Shape (C,).
  static func mean(_ vectors: [[Double]]) -> [Double] {
    var total = [Double](repeating: 0, count: vectors.first?.count ?? 0)  // (C,)
    for vector in vectors {
      for c in vector.indices { total[c] += vector[c] }
    }
    return total.map { $0 / Double(vectors.count) }
  }

  /// ρ_repr of `model` after `opener` at every layer 0 … L (index = layer): one forward
  /// pass per prompt, reading the states of `prompt + opener` at the prompt's last token and
  /// at the opener's last token.
  public static func layers(
    of model: some ResidualStreamReadable, after opener: [Int], forbidden: [[Int]],
    benign: [[Int]]
  ) -> [Double?] {
    precondition(!opener.isEmpty, "an opener of at least one token")
    let channels = model.residualChannels
    let depth = model.residualStreamCount
    // (prompts, L + 1, C) each: the state at `<assistant>`, and after the opener.
    func states(_ prompts: [[Int]]) -> (before: [[[Double]]], after: [[[Double]]]) {
      var before: [[[Double]]] = []
      var after: [[[Double]]] = []
      for prompt in prompts {
        let stream = model.residualStream(of: prompt + opener)  // (L + 1) × (T, C)
        func row(_ t: Int) -> [[Double]] {
          stream.map { layer in
            layer[(t * channels)..<((t + 1) * channels)].map(Double.init)
          }
        }
        before.append(row(prompt.count - 1))
        after.append(row(prompt.count + opener.count - 1))
      }
      return (before, after)
    }
    let p = states(forbidden)
    let q = states(benign)
    return (0..<depth).map { l in
      value(
        forbiddenBefore: p.before.map { $0[l] }, benignBefore: q.before.map { $0[l] },
        forbiddenAfter: p.after.map { $0[l] }, benignAfter: q.after.map { $0[l] })
    }
  }
}

/// ρ_repr per layer after the refusal opener and after each neutral opener, for one model
/// with a residual stream.
public struct RepresentationRhoReport: Sendable, Hashable, Codable {
  /// ρ_repr after one opener.
  public struct Entry: Sendable, Hashable, Codable {
    /// The opener's text.
    public var opener: String
    /// ρ_repr at layer l = index (0 = the embedding, which holds no context); `nil` where
    /// the states at `<assistant>` do not differ.
    public var layers: [Double?]
  }

  /// After the attacker's refusal opener (`world.refusalStyles[0].opener`).
  public var refusal: Entry
  /// After each neutral opener, in the world's order.
  public var neutral: [Entry]

  /// Measures `model` on a run's held-out prompts; `nil` when it has no residual stream.
  public init?(model: any LanguageModel, corpora: Corpora) {
    guard let readable = model as? any ResidualStreamReadable else { return nil }
    (refusal, neutral) = corpora.perOpener(Entry.init(opener:layers:)) {
      RepresentationRho.layers(of: readable, after: $0, forbidden: $1, benign: $2)
    }
  }

  /// A text table: one row per opener, one column per layer.
  public func table() -> String {
    let depth = refusal.layers.count
    var rows: [[String]] = [["opener", "kind"] + (0..<depth).map { $0 == 0 ? "emb" : "L\($0)" }]
    func cells(_ entry: Entry, _ kind: String) -> [String] {
      [TokenEscaping.escape(text: entry.opener), kind]
        + entry.layers.map { $0.map { String(format: "%.3f", $0) } ?? "n/a" }
    }
    rows.append(cells(refusal, "refusal"))
    for entry in neutral { rows.append(cells(entry, "neutral")) }
    return TextFormatting.table(rows, rightAligned: Set(2..<(2 + depth)))
  }
}
