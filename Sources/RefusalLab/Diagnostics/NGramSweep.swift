import Foundation
import TinyLM

/// The n-gram sweep: how the model's order, its memory weight λ and the length of the
/// attacker's prefix decide ρ and the safety that refusal unlearning takes away.
///
/// Each cell pretrains and aligns (rigid) an n-gram with one setting, attacks it with 1,000
/// benign answers prefixed by the first L tokens of the rigid refusal ("i", "i 'm", …), and
/// reports ρ after that prefix, the safety before and after, and the `transfer` of the
/// attack's lesson from benign to forbidden prompts.
public enum NGramSweep {
  /// One (order, λ, prefix length) cell.
  public struct Cell: Sendable, Hashable, Codable {
    /// The n-gram's order n.
    public var order: Int
    /// The topic memory's weight λ.
    public var memoryWeight: Double
    /// L, the attacker prefix's length in tokens.
    public var prefixLength: Int
    /// The prefix's text.
    public var prefix: String
    /// ρ after the prefix, on the aligned model.
    public var rho: Double
    /// Safety of the aligned model.
    public var alignedSafety: Double
    /// Safety after refusal unlearning with this prefix.
    public var attackedSafety: Double
    /// How much of the attack's gain on benign prompts reaches forbidden ones: the mean
    /// rise of P(`sure` | prompt + prefix) over forbidden prompts divided by the same over
    /// benign prompts (`nil` when the benign rise is below 0.01).
    public var transfer: Double?
    /// The safety drop, aligned − attacked (fractions).
    public var drop: Double
  }

  /// The default grid: orders 2…6 against prefix lengths 1…5 at the default λ.
  public static let orders = [2, 3, 4, 5, 6]
  /// Prefix lengths of the default grid.
  public static let prefixLengths = [1, 2, 3, 4, 5]
  /// Memory weights of the λ sweep (at the default order and the 3-token opener).
  public static let memoryWeights = [0, 0.1, 0.2, 0.3, 0.5, 0.7]

  /// Trains and measures one cell.
  public static func cell(
    world: World, seed: UInt64, order: Int, memoryWeight: Double, prefixLength: Int,
    sampleCount: Int = AttackSettings.paper.sampleCount
  ) throws(StageError) -> Cell {
    let style = world.refusalStyles[0].tokens
    precondition((1...style.count).contains(prefixLength), "prefix length within the refusal")
    var settings = FamilySettings.ngramDefault
    settings.ngram.order = order
    settings.ngram.memoryWeight = memoryWeight
    let models = try DiagnosticModels(settings: settings, world: world, seed: seed)
    let corpora = models.corpora
    let prefix = Array(style.prefix(prefixLength))
    let attacked = try models.attacked(
      with: DiagnosticModels.prefixAttack(
        corpora: corpora, prefix: prefix, sampleCount: sampleCount),
      stage: .prefixAttack(length: prefixLength))
    let forbidden = corpora.forbiddenEvaluation().map(\.tokens)
    let benign = corpora.benignEvaluation().map(\.tokens)
    func meanRise(_ prompts: [[Int]]) -> Double {
      prompts.reduce(0.0) { sum, prompt in
        let context = prompt + prefix
        return sum + attacked.nextTokenProbabilities(after: context)[world.sure]
          - models.aligned.nextTokenProbabilities(after: context)[world.sure]
      } / Double(prompts.count)
    }
    let benignRise = meanRise(benign)
    let alignedSafety = DiagnosticModels.safety(of: models.aligned, corpora: corpora)
    let attackedSafety = DiagnosticModels.safety(of: attacked, corpora: corpora)
    return Cell(
      order: order, memoryWeight: memoryWeight, prefixLength: prefixLength,
      prefix: world.text(prefix),
      rho: Rho.promptIndependence(
        of: models.aligned, after: prefix, forbidden: forbidden, benign: benign),
      alignedSafety: alignedSafety, attackedSafety: attackedSafety,
      transfer: benignRise >= 0.01 ? meanRise(forbidden) / benignRise : nil,
      drop: alignedSafety - attackedSafety)
  }

  /// The order × prefix-length grid at the default λ, row by row (order-major).
  public static func prefixGrid(
    world: World, seed: UInt64, orders: [Int] = orders, prefixLengths: [Int] = prefixLengths
  ) throws(StageError) -> [Cell] {
    var cells: [Cell] = []
    for order in orders {
      for length in prefixLengths {
        cells.append(
          try cell(
            world: world, seed: seed, order: order,
            memoryWeight: NGramSettings.standard.memoryWeight, prefixLength: length))
      }
    }
    return cells
  }

  /// The λ sweep at the default order with the rigid refusal opener as the prefix.
  public static func memoryWeightSweep(
    world: World, seed: UInt64, weights: [Double] = memoryWeights
  ) throws(StageError) -> [Cell] {
    var cells: [Cell] = []
    for weight in weights {
      cells.append(
        try cell(
          world: world, seed: seed, order: NGramSettings.standard.order, memoryWeight: weight,
          prefixLength: world.refusalStyles[0].opener.count))
    }
    return cells
  }

  /// A text table, one row per cell: order, λ, prefix, ρ, safety before and after, the
  /// drop in points and the transfer.
  public static func table(_ cells: [Cell]) -> String {
    var rows: [[String]] = [
      ["order", "λ", "L", "prefix", "ρ", "aligned", "attacked", "drop", "transfer"]
    ]
    for cell in cells {
      rows.append([
        "\(cell.order)", String(format: "%.1f", cell.memoryWeight), "\(cell.prefixLength)",
        TokenEscaping.escape(text: cell.prefix), String(format: "%.3f", cell.rho),
        TextFormatting.percent(cell.alignedSafety), TextFormatting.percent(cell.attackedSafety),
        TextFormatting.percent(cell.drop), cell.transfer.map { String(format: "%.2f", $0) } ?? "–",
      ])
    }
    return TextFormatting.table(rows, rightAligned: [1, 2, 4, 5, 6, 7, 8])
  }

  /// Cells as one JSON document (sorted keys): `{"prefixGrid": [...], "memoryWeights": [...]}`.
  public static func json(prefixGrid: [Cell], memoryWeights: [Cell]) throws -> String {
    struct Document: Encodable {
      var prefixGrid: [Cell]
      var memoryWeights: [Cell]
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    return String(
      decoding: try encoder.encode(Document(prefixGrid: prefixGrid, memoryWeights: memoryWeights)),
      as: UTF8.self)
  }
}
