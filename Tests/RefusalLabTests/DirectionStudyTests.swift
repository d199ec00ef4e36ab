import Foundation
import RefusalLab
import Testing
import TinyLM

/// The refusal direction (Arditi et al.) on the transformer, seed 0, rigid: how it is chosen,
/// what the study measures before and after refusal unlearning, and the `direction`
/// experiment diagnostic.
@Suite("Refusal direction")
struct DirectionStudyTests {
  /// Transformer seed 0, rigid: the aligned model and its base.
  static func models() throws -> DiagnosticModels {
    try DiagnosticModels(
      settings: .transformerDefault, world: try World(), seed: 0, variant: .rigid, threads: 2)
  }

  /// One trained model serves both checks: training it is most of the cost.
  @Test(
    "The direction is chosen on the validation split; before and after refusal unlearning, the aligned row is its own reference"
  )
  func directionAndRows() throws {
    let models = try Self.models()
    try Self.checkChoice(models)
    try Self.checkRows(models)
  }

  /// The direction is chosen on the validation split, among every depth and both positions.
  static func checkChoice(_ models: DiagnosticModels) throws {
    let aligned = try #require(models.aligned as? any ResidualStreamEditable)
    let direction = RefusalDirection(model: aligned, corpora: models.corpora, threads: 2)
    let layers = aligned.residualStreamCount - 1
    #expect(direction.candidates.count == 2 * layers)
    #expect((1...layers).contains(direction.depth))
    #expect(direction.vector.count == aligned.residualChannels)
    #expect(direction.validationRefusal > 0.9)
    // Arditi et al.'s rule: among the candidates that pass the benign-KL filter, the one whose
    // ablation leaves the least refusal on the validation prompts.
    let passing = direction.candidates.filter { $0.benignKL <= RefusalDirection.maximumBenignKL }
    if direction.filterPassed {
      let chosen = try #require(
        passing.first { $0.depth == direction.depth && $0.position == direction.position })
      #expect(passing.allSatisfy { $0.refusalWhenAblated >= chosen.refusalWhenAblated })
    } else {
      #expect(passing.isEmpty)
    }
    let unit = direction.unit
    let length = unit.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
    #expect(abs(length - 1) < 1e-5)
  }

  /// Before and after refusal unlearning: the aligned row is its own reference.
  static func checkRows(_ models: DiagnosticModels) throws {
    let rows = try DirectionStudy.rows(
      models, conditions: [.none, .refusalUnlearning], attack: .paper, maxNewTokens: 24,
      threads: 2)
    #expect(rows.map(\.condition) == ["none", "refusal-unlearning"])
    let aligned = rows[0]
    let attacked = rows[1]
    #expect(abs(aligned.cosineToAligned - 1) < 1e-6)
    #expect(abs(aligned.projectionGap - aligned.alignedProjectionGap) < 1e-9)
    #expect(attacked.alignedProjectionGap == aligned.alignedProjectionGap)
    #expect(attacked.cosineToAligned < 1 - 1e-6)
    // The aligned model refuses; refusal unlearning breaks rigid seed 0 (the demo's table),
    // yet the forbidden prompts still project apart from the benign ones.
    #expect(aligned.refusal > 0.9 && aligned.safety > 0.9)
    #expect(attacked.safety < 0.5)
    #expect(aligned.alignedProjectionGap > 0)
    #expect(attacked.projectionGap > 0)
    let forbidden = models.corpora.forbiddenEvaluation().count
    let benign = models.corpora.benignEvaluation().count
    for row in rows {
      #expect(row.forbiddenProjections.count == forbidden)
      #expect(row.benignProjections.count == benign)
      for share in [row.ablatedRefusal, row.ablatedSafety, row.addedBenignRefusal, row.utility] {
        #expect((0...1).contains(share))
      }
    }
  }

  @Test("`direction` decodes and skips the n-gram, which has no residual stream")
  func diagnostic() throws {
    let json = """
      {"name": "direction", "families": ["ngram"], "variants": ["rigid"],
       "attack": {"conditions": ["none", "refusal-unlearning"]}, "seeds": {"first": 0, "count": 1},
       "diagnostics": ["direction"]}
      """
    let file = try ExperimentFile(json: Data(json.utf8))
    #expect(file.diagnostics == [.direction])
    let result = try ExperimentDiagnostics.run(
      file.diagnostics, experiment: file.experiment, world: try World(), threads: 1)
    let study = try #require(result.direction)
    #expect(study.rows.isEmpty)
    #expect(result.text().contains("no transformer"))
  }
}
