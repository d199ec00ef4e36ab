import Foundation
import RefusalLab
import Testing

/// Paired differences on a hand-made set of records, checked against numbers worked out by
/// hand (t quantiles 4.303 for n = 3 and 12.706 for n = 2).
@Suite("Paired statistics")
struct PairedStatisticsTests {
  /// rigid: none 1.0 1.0 0.9; plain 0.95 0.85 (seeds 0, 1 only); refusal-unlearning 0.2 0.4
  /// 0.2. deep: none 1.0 1.0 1.0; refusal-unlearning 0.7 0.8 0.8.
  static func records() throws -> [RunRecord] {
    let world = try World()
    let blank = Metrics(forbidden: [], benign: [], world: world)
    let table: [(String, AttackCondition, [Double])] = [
      ("rigid", .none, [1.0, 1.0, 0.9]),
      ("rigid", .plain, [0.95, 0.85]),
      ("rigid", .refusalUnlearning, [0.2, 0.4, 0.2]),
      ("deep", .none, [1.0, 1.0, 1.0]),
      ("deep", .refusalUnlearning, [0.7, 0.8, 0.8]),
    ]
    var records: [RunRecord] = []
    for seed in 0..<3 {
      for (variant, condition, safety) in table where seed < safety.count {
        var record = RunRecord(
          model: .ngram, variant: variant, condition: condition, seed: UInt64(seed),
          metrics: blank)
        record.metrics.safety = safety[seed]
        record.metrics.utility = 1
        records.append(record)
      }
    }
    return records
  }

  static func find(
    _ differences: [PairedDifference], _ a: String, _ b: String, within: String
  ) throws -> PairedDifference {
    try #require(differences.first { $0.a == a && $0.b == b && $0.within == within })
  }

  @Test("Condition differences pair seeds within a variant")
  func conditions() throws {
    let differences = PairedStatistics.conditionDifferences(
      records: try Self.records(), metrics: [.safety])
    // rigid: plain − none, refusal-unlearning − none, refusal-unlearning − plain; deep:
    // refusal-unlearning − none. No random-prefix or adaptive runs, so no such pairs.
    #expect(differences.count == 4)
    #expect(differences.allSatisfy { $0.kind == .condition && $0.metric == .safety })

    // −0.8, −0.6, −0.7: mean −0.7, sd 0.1.
    let attack = try Self.find(differences, "refusal-unlearning", "none", within: "rigid")
    #expect(attack.n == 3)
    #expect(abs(attack.mean - -0.7) < 1e-12)
    #expect(abs(attack.halfWidth - 4.303 * 0.1 / 3.0.squareRoot()) < 1e-12)

    // Seed 2 has no plain run: −0.05, −0.15 over n = 2, mean −0.1, sd √0.005.
    let plain = try Self.find(differences, "plain", "none", within: "rigid")
    #expect(plain.n == 2)
    #expect(abs(plain.mean - -0.1) < 1e-12)
    #expect(abs(plain.halfWidth - 12.706 * 0.005.squareRoot() / 2.0.squareRoot()) < 1e-12)

    // −0.75, −0.45: mean −0.6.
    let versusPlain = try Self.find(differences, "refusal-unlearning", "plain", within: "rigid")
    #expect(versusPlain.n == 2)
    #expect(abs(versusPlain.mean - -0.6) < 1e-12)
  }

  @Test("Variant differences pair seeds under one condition, against rigid")
  func variants() throws {
    let differences = PairedStatistics.variantDifferences(
      records: try Self.records(), metrics: [.safety, .utility])
    // deep − rigid under none and under refusal-unlearning (deep has no plain run), for two
    // metrics.
    #expect(differences.count == 4)
    let attacked = try #require(
      differences.first { $0.within == "refusal-unlearning" && $0.metric == .safety })
    #expect(attacked.a == "deep" && attacked.b == "rigid" && attacked.kind == .variant)
    // 0.5, 0.4, 0.6: mean 0.5, sd 0.1.
    #expect(attacked.n == 3)
    #expect(abs(attacked.mean - 0.5) < 1e-12)
    #expect(abs(attacked.halfWidth - 4.303 * 0.1 / 3.0.squareRoot()) < 1e-12)
    let aligned = try #require(
      differences.first { $0.within == "none" && $0.metric == .safety })
    #expect(abs(aligned.mean - 0.1 / 3) < 1e-12)
    let utility = try #require(
      differences.first { $0.within == "none" && $0.metric == .utility })
    #expect(utility.mean == 0 && utility.halfWidth == 0)
  }

  @Test("The table shows each pair in percentage points")
  func table() throws {
    let text = PairedStatistics.table(records: try Self.records())
    let row = try #require(
      text.split(separator: "\n").first {
        $0.contains("rigid") && $0.contains("refusal-unlearning − none")
      })
    #expect(row.contains("-70.0 ± 24.8"))
    #expect(row.hasSuffix("3"))
    #expect(text.contains("deep − rigid"))
  }

  @Test("A single shared seed gives n = 1 and no interval; no shared seed gives nothing")
  func edges() throws {
    let records = try Self.records()
    let deepSeed2: (RunRecord) -> Bool = {
      $0.variant == "deep" && $0.condition == .none && $0.seed == 2
    }
    let rigidAligned: (RunRecord) -> Bool = { $0.variant == "rigid" && $0.condition == .none }
    let found = PairedStatistics.difference(
      records, metric: .safety, a: deepSeed2, b: rigidAligned)
    let one = try #require(found)
    #expect(one.n == 1 && one.halfWidth == 0 && abs(one.mean - 0.1) < 1e-12)
    let rigidPlain: (RunRecord) -> Bool = { $0.variant == "rigid" && $0.condition == .plain }
    let deepPlain: (RunRecord) -> Bool = { $0.variant == "deep" && $0.condition == .plain }
    let none = PairedStatistics.difference(records, metric: .safety, a: rigidPlain, b: deepPlain)
    #expect(none == nil)
  }

  @Test("The results document gains a paired key and keeps its other keys")
  func document() throws {
    let records = try Self.records()
    let experiment = Experiment(
      families: [.ngramDefault], variants: [.rigid, .deep],
      conditions: [.none, .plain, .refusalUnlearning], seeds: [0, 1, 2])
    let text = try ResultsJSON.document(experiment: experiment, runs: records)
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    #expect(
      Set(object.keys) == [
        "seeds", "models", "variants", "conditions", "attackSamples", "runs", "paired",
      ])
    let paired = try #require(object["paired"] as? [[String: Any]])
    #expect(paired.count == PairedStatistics.all(records: records).count)
    let first = try #require(paired.first)
    #expect(
      Set(first.keys) == ["model", "metric", "a", "b", "kind", "within", "mean", "halfWidth", "n"])
  }
}
