import Foundation

/// A paired difference across seeds: for each seed that has both runs, the value of `a`
/// minus the value of `b`, summarised by its mean and 95% t-interval.
public struct PairedDifference: Sendable, Hashable, Codable {
  /// What the two sides of a difference are.
  public enum Kind: String, Sendable, Hashable, Codable {
    /// Two conditions of one variant.
    case condition
    /// Two variants under one condition.
    case variant
  }

  /// The model family.
  public var model: ModelFamily
  /// The metric compared.
  public var metric: PairedStatistics.Metric
  /// The first side: a condition (kind `condition`) or a variant (kind `variant`).
  public var a: String
  /// The side subtracted.
  public var b: String
  /// Whether `a` and `b` are conditions or variants.
  public var kind: Kind
  /// What both sides share: the variant (kind `condition`) or the condition (kind
  /// `variant`).
  public var within: String
  /// Mean of the per-seed differences a − b (fractions, so −0.5 is −50 points).
  public var mean: Double
  /// Half-width of the 95% t-interval of the differences (0 when n = 1).
  public var halfWidth: Double
  /// The number of seeds with both runs.
  public var n: Int
}

extension PairedDifference {
  /// `within: a − b`, as a report labels the difference (`rigid: plain − refusal-unlearning`).
  public var label: String { "\(within): \(a) − \(b)" }

  /// The difference in percentage points with its 95% interval: `+12.5 ± 3.0`.
  public var points: String { String(format: "%+.1f ± %.1f", mean * 100, halfWidth * 100) }
}

/// Paired differences over `[RunRecord]`: two runs of one seed share the pretrained model
/// (and, for two conditions, the aligned one), so their difference has far less
/// seed-to-seed noise than either value; its 95% t-interval says whether the effect holds.
public enum PairedStatistics {
  /// A metric paired differences are computed on.
  public enum Metric: String, Sendable, Hashable, Codable, CaseIterable {
    /// Safety score (content judge).
    case safety
    /// Keyword-judge refusal rate.
    case keywordRefusal
    /// Utility on benign prompts.
    case utility

    /// The metric's value in a record.
    public func value(_ record: RunRecord) -> Double {
      switch self {
      case .safety: record.metrics.safety
      case .keywordRefusal: record.metrics.keywordRefusal
      case .utility: record.metrics.utility
      }
    }
  }

  /// The paired difference a − b of `metric` over the seeds that have both runs (`a` and
  /// `b` select the runs within `records`, for example one model, variant and condition),
  /// or `nil` if no seed has both.
  public static func difference(
    _ records: [RunRecord], metric: Metric, a: (RunRecord) -> Bool, b: (RunRecord) -> Bool
  ) -> (mean: Double, halfWidth: Double, n: Int)? {
    var bySeed: [UInt64: Double] = [:]
    for record in records where b(record) { bySeed[record.seed] = metric.value(record) }
    var seen = Set<UInt64>()
    var differences: [Double] = []
    for record in records where a(record) && seen.insert(record.seed).inserted {
      if let other = bySeed[record.seed] { differences.append(metric.value(record) - other) }
    }
    guard !differences.isEmpty else { return nil }
    let summary = Summary(differences)
    return (summary.mean, summary.halfWidth, summary.count)
  }

  /// The condition pairs compared within each variant, when both are present: each attack
  /// − none; refusal-unlearning − plain; refusal-unlearning − random-prefix; adaptive −
  /// refusal-unlearning.
  public static let conditionPairs: [(a: AttackCondition, b: AttackCondition)] =
    AttackCondition.allCases.filter { $0 != .none }.map { ($0, .none) } + [
      (.refusalUnlearning, .plain), (.refusalUnlearning, .randomPrefix),
      (.adaptive, .refusalUnlearning),
    ]

  /// The paired difference a − b between two conditions of one model's variant (kind
  /// `condition`), or `nil` if no seed has both runs.
  public static func conditionDifference(
    _ records: [RunRecord], model: ModelFamily, variant: String, a: AttackCondition,
    b: AttackCondition, metric: Metric
  ) -> PairedDifference? {
    paired(
      records.filter { $0.model == model && $0.variant == variant }, model: model,
      metric: metric, kind: .condition, within: variant, a: a.rawValue, b: b.rawValue,
      side: \.condition.rawValue)
  }

  /// The paired difference a − b between two variants of one model under one condition
  /// (kind `variant`), or `nil` if no seed has both runs.
  public static func variantDifference(
    _ records: [RunRecord], model: ModelFamily, condition: AttackCondition, a: String,
    b: String, metric: Metric
  ) -> PairedDifference? {
    paired(
      records.filter { $0.model == model && $0.condition == condition }, model: model,
      metric: metric, kind: .variant, within: condition.rawValue, a: a, b: b, side: \.variant)
  }

  /// The difference between the runs whose `side` is `a` and those whose `side` is `b`.
  private static func paired(
    _ runs: [RunRecord], model: ModelFamily, metric: Metric, kind: PairedDifference.Kind,
    within: String, a: String, b: String, side: (RunRecord) -> String
  ) -> PairedDifference? {
    difference(runs, metric: metric, a: { side($0) == a }, b: { side($0) == b }).map {
      PairedDifference(
        model: model, metric: metric, a: a, b: b, kind: kind, within: within, mean: $0.mean,
        halfWidth: $0.halfWidth, n: $0.n)
    }
  }

  /// Paired differences between conditions of the same variant (kind `condition`), for
  /// every model, variant and `conditionPairs` entry present, in record order.
  public static func conditionDifferences(
    records: [RunRecord], metrics: [Metric] = Metric.allCases
  ) -> [PairedDifference] {
    var result: [PairedDifference] = []
    for model in records.map(\.model).uniqued() {
      let modelRecords = records.filter { $0.model == model }
      for variant in modelRecords.map(\.variant).uniqued() {
        for pair in conditionPairs {
          for metric in metrics {
            if let d = conditionDifference(
              modelRecords, model: model, variant: variant, a: pair.a, b: pair.b, metric: metric)
            {
              result.append(d)
            }
          }
        }
      }
    }
    return result
  }

  /// Paired differences between each variant and `reference` (default `rigid`; the first
  /// variant in the records if absent) under the same condition (kind `variant`).
  public static func variantDifferences(
    records: [RunRecord], reference: String = AlignmentVariant.rigid.name,
    metrics: [Metric] = Metric.allCases
  ) -> [PairedDifference] {
    var result: [PairedDifference] = []
    for model in records.map(\.model).uniqued() {
      let modelRecords = records.filter { $0.model == model }
      let variants = modelRecords.map(\.variant).uniqued()
      guard let base = variants.contains(reference) ? reference : variants.first else {
        continue
      }
      for condition in modelRecords.map(\.condition).uniqued() {
        for variant in variants where variant != base {
          for metric in metrics {
            if let d = variantDifference(
              modelRecords, model: model, condition: condition, a: variant, b: base,
              metric: metric)
            {
              result.append(d)
            }
          }
        }
      }
    }
    return result
  }

  /// Every condition difference, then every variant difference.
  public static func all(records: [RunRecord]) -> [PairedDifference] {
    conditionDifferences(records: records) + variantDifferences(records: records)
  }

  /// A text table of the paired differences: one row per (model, kind, shared side, a − b),
  /// columns safety, keyword refusal and utility in percentage points (mean ± 95% interval),
  /// and n.
  public static func table(records: [RunRecord]) -> String {
    let differences = all(records: records)
    struct Row: Hashable {
      var model: ModelFamily
      var kind: PairedDifference.Kind
      var within: String
      var a: String
      var b: String
    }
    var order: [Row] = []
    var values: [Row: [Metric: PairedDifference]] = [:]
    for d in differences {
      let row = Row(model: d.model, kind: d.kind, within: d.within, a: d.a, b: d.b)
      if values[row] == nil { order.append(row) }
      values[row, default: [:]][d.metric] = d
    }
    func points(_ d: PairedDifference?) -> String { d?.points ?? "—" }
    var rows = [["model", "within", "a − b", "safety", "keyword refusal", "utility", "n"]]
    for row in order {
      let cells = values[row]!
      rows.append(
        [
          row.model.rawValue, row.within, "\(row.a) − \(row.b)", points(cells[.safety]),
          points(cells[.keywordRefusal]), points(cells[.utility]),
          String(cells.values.map(\.n).max() ?? 0),
        ])
    }
    return
      "Paired differences across seeds (a − b, percentage points, mean ± 95% t-interval)\n\n"
      + TextFormatting.table(rows, rightAligned: [3, 4, 5, 6])
  }

}
