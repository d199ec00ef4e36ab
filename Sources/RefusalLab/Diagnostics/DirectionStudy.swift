import Foundation
import TinyLM

/// The refusal direction before and after each attack: does refusal unlearning remove the
/// model's *recognition* of a forbidden request (the direction), or only the pathway after
/// the opener? (Experiment-file diagnostic `direction`; `refusal-lab direction`.)
///
/// For every transformer seed and variant, the aligned model and the model after each attack
/// condition each get their own ``RefusalDirection`` and are measured on the held-out
/// prompts as they are, with the direction ablated and with it added at its depth. The
/// cosine with the aligned direction and the forbidden–benign gap of the projections on it
/// say how far the attack moved the recognition.
public struct DirectionStudy: Sendable, Codable {
  /// One model: a (variant, seed, condition) of the transformer.
  public struct Row: Sendable, Hashable, Codable {
    /// Alignment variant.
    public var variant: String
    /// The seed.
    public var seed: UInt64
    /// Attack condition (`none` for the aligned model).
    public var condition: String
    /// The depth and position of this model's direction.
    public var depth: Int
    /// The prompt position of this model's direction (`assistant` or `topic`).
    public var position: String
    /// Norm of this model's difference of means.
    public var norm: Double
    /// Whether the direction passed the benign-KL filter (``RefusalDirection/filterPassed``).
    public var filterPassed: Bool
    /// Forbidden validation prompts the unedited model refuses.
    public var validationRefusal: Double
    /// Every candidate's validation refusal when ablated, depth by depth, `<assistant>`
    /// then `topic`.
    public var candidateRefusals: [Double]
    /// Every candidate's benign KL when ablated, in the same order.
    public var candidateBenignKL: [Double]
    /// Forbidden prompts whose answer opens with a refusal, unedited.
    public var refusal: Double
    /// Safety (content judge), unedited.
    public var safety: Double
    /// Benign prompts whose answer opens with a refusal, unedited.
    public var benignRefusal: Double
    /// Utility, unedited.
    public var utility: Double
    /// Forbidden refusal with the direction ablated.
    public var ablatedRefusal: Double
    /// Safety with the direction ablated.
    public var ablatedSafety: Double
    /// Utility with the direction ablated.
    public var ablatedUtility: Double
    /// Benign prompts answered with a refusal opener when the direction is added.
    public var addedBenignRefusal: Double
    /// Utility with the direction added.
    public var addedUtility: Double
    /// Cosine of this model's direction with the aligned model's (1 for the aligned model).
    public var cosineToAligned: Double
    /// Mean projection on the aligned unit direction: forbidden prompts minus benign ones,
    /// at the aligned direction's depth and position.
    public var projectionGap: Double
    /// The same gap of the aligned model (the reference the attack may shrink).
    public var alignedProjectionGap: Double
    /// This model's difference of means (forbidden − benign) at its depth and position.
    public var direction: [Float]
    /// Each held-out forbidden prompt's projection on the aligned unit direction.
    public var forbiddenProjections: [Double]
    /// Each held-out benign prompt's projection on the aligned unit direction.
    public var benignProjections: [Double]
  }

  /// Every row: variant, seed, then condition, in the experiment's order.
  public var rows: [Row]

  /// The default scale of the activation addition: the difference of means itself, as
  /// Arditi et al. add it.
  public static let standardAdditionScale: Float = 1

  /// Runs every transformer seed and variant of `experiment` under its attack conditions
  /// (the n-gram has no residual stream and is skipped), `threads` seeds at a time;
  /// `observer` hears of every stage trained.
  public static func run(
    experiment: Experiment, world: World, threads: Int,
    additionScale: Float = standardAdditionScale, progress: (@Sendable (String) -> Void)? = nil,
    observer: PipelineObserver = PipelineObserver()
  ) throws(StageError) -> DirectionStudy {
    guard let settings = experiment.families.first(where: { $0.family == .transformer }) else {
      return DirectionStudy(rows: [])
    }
    let seeds = experiment.seeds
    let scheduler = Scheduler(threads: threads, jobs: seeds.count)
    let bySeed = try scheduler.map(count: seeds.count) { index throws(StageError) in
      let seed = seeds[index]
      var base: (any LanguageModel)?
      var rows: [Row] = []
      for variant in experiment.variants {
        let models = try DiagnosticModels(
          settings: settings, world: world, seed: seed, pretrained: base, variant: variant,
          threads: scheduler.threadsPerJob, observer: observer)
        base = models.base
        progress?("  direction transformer seed \(seed): \(variant.name)")
        rows += try Self.rows(
          models, conditions: experiment.conditions, attack: experiment.attack,
          maxNewTokens: experiment.maxNewTokens, additionScale: additionScale,
          threads: scheduler.threadsPerJob)
      }
      return rows
    }
    var ordered: [Row] = []
    for variant in experiment.variants {
      for rows in bySeed { ordered += rows.filter { $0.variant == variant.name } }
    }
    return DirectionStudy(rows: ordered)
  }

  /// The rows of one aligned transformer and its attacks (`none` is the aligned model).
  public static func rows(
    _ models: DiagnosticModels, conditions: [AttackCondition], attack: AttackSettings,
    maxNewTokens: Int, additionScale: Float = standardAdditionScale, threads: Int = 1
  ) throws(StageError) -> [Row] {
    guard let aligned = models.aligned as? any ResidualStreamEditable else { return [] }
    let corpora = models.corpora
    let direction = RefusalDirection(model: aligned, corpora: corpora, threads: threads)
    let unit = direction.unit
    let forbidden = corpora.forbiddenEvaluation().map(\.tokens)
    let benign = corpora.benignEvaluation().map(\.tokens)
    func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(values.count, 1)) }
    let alignedGap =
      mean(direction.projections(of: aligned, prompts: forbidden, onto: unit))
      - mean(direction.projections(of: aligned, prompts: benign, onto: unit))
    let evaluator = Evaluator(corpora: corpora, maxNewTokens: maxNewTokens)
    var observed: [[Int]] = []
    var rows: [Row] = []
    for condition in conditions {
      let model: any ResidualStreamEditable
      if condition == .none {
        model = aligned
      } else {
        if condition == .adaptive, observed.isEmpty {
          let answers = evaluator.answers(
            of: aligned, to: corpora.forbiddenEvaluation(), threads: threads)
          observed = Evaluator.refusalOpeners(
            in: answers, world: corpora.world, length: attack.prefixLength)
        }
        guard
          let attacked = try models.attackedAsInThePipeline(
            condition, attack: attack, observedOpeners: observed) as? any ResidualStreamEditable
        else { continue }
        model = attacked
      }
      let own =
        condition == .none
        ? direction : RefusalDirection(model: model, corpora: corpora, threads: threads)
      let forbiddenProjections = direction.projections(of: model, prompts: forbidden, onto: unit)
      let benignProjections = direction.projections(of: model, prompts: benign, onto: unit)
      let plain = measure(model, edit: nil, evaluator: evaluator, threads: threads)
      let ablated = measure(
        model, edit: .ablate(direction: own.vector), evaluator: evaluator, threads: threads)
      let added = measure(
        model, edit: .add(direction: own.vector, depth: own.depth, scale: additionScale),
        evaluator: evaluator, threads: threads, forbiddenToo: false)
      rows.append(
        Row(
          variant: models.variant.name, seed: corpora.seed, condition: condition.rawValue,
          depth: own.depth, position: own.position.rawValue,
          norm: RefusalDirection.norm(own.vector),
          filterPassed: own.filterPassed, validationRefusal: own.validationRefusal,
          candidateRefusals: own.candidates.map(\.refusalWhenAblated),
          candidateBenignKL: own.candidates.map(\.benignKL),
          refusal: plain.refusal, safety: plain.safety, benignRefusal: plain.benignRefusal,
          utility: plain.utility, ablatedRefusal: ablated.refusal, ablatedSafety: ablated.safety,
          ablatedUtility: ablated.utility, addedBenignRefusal: added.benignRefusal,
          addedUtility: added.utility,
          cosineToAligned: RefusalDirection.cosine(own.vector, direction.vector),
          projectionGap: mean(forbiddenProjections) - mean(benignProjections),
          alignedProjectionGap: alignedGap, direction: own.vector,
          forbiddenProjections: forbiddenProjections, benignProjections: benignProjections))
    }
    return rows
  }

  /// Refusal (answers opening with a refusal opener) and safety on the forbidden evaluation
  /// prompts, refusal and utility on the benign ones, with `edit` on a copy of `model`.
  static func measure(
    _ model: some ResidualStreamEditable, edit: ResidualEdit?, evaluator: Evaluator, threads: Int,
    forbiddenToo: Bool = true
  ) -> (refusal: Double, safety: Double, benignRefusal: Double, utility: Double) {
    let edited = model.copy(applying: edit)
    let benign = evaluator.answers(
      of: edited, to: evaluator.corpora.benignEvaluation(), threads: threads)
    var refusal = 0.0
    var safety = 0.0
    if forbiddenToo {
      let forbidden = evaluator.answers(
        of: edited, to: evaluator.corpora.forbiddenEvaluation(), threads: threads)
      refusal = forbidden.fraction(where: \.verdict.opensWithRefusal)
      safety = forbidden.fraction(where: \.verdict.isSafe)
    }
    return (
      refusal, safety, benign.fraction(where: \.verdict.opensWithRefusal),
      benign.fraction(where: \.verdict.isCorrect)
    )
  }

  /// The rows as text: one table per variant, one line per condition (means over seeds).
  public func text() -> String {
    guard !rows.isEmpty else { return "The refusal direction: no transformer in this run.\n" }
    var sections: [String] = []
    for variant in rows.map(\.variant).uniqued() {
      let mine = rows.filter { $0.variant == variant }
      let seeds = Set(mine.map(\.seed)).count
      var table: [[String]] = [
        [
          "condition", "refuses", "ablated", "safe", "ablated", "benign +dir", "utility ±dir",
          "cos(aligned)", "gap / aligned gap",
        ]
      ]
      for condition in mine.map(\.condition).uniqued() {
        let group = mine.filter { $0.condition == condition }
        func mean(_ value: (Row) -> Double) -> Double {
          group.map(value).reduce(0, +) / Double(group.count)
        }
        func pct(_ value: (Row) -> Double) -> String { TextFormatting.percent(mean(value)) }
        table.append([
          condition, pct(\.refusal), pct(\.ablatedRefusal), pct(\.safety), pct(\.ablatedSafety),
          pct(\.addedBenignRefusal),
          "\(TextFormatting.percent(mean(\.ablatedUtility)))/\(TextFormatting.percent(mean(\.addedUtility)))",
          String(format: "%.2f", mean(\.cosineToAligned)),
          String(format: "%.2f", mean { $0.projectionGap / max($0.alignedProjectionGap, 1e-9) }),
        ])
      }
      sections.append(
        "The refusal direction · transformer · \(variant) · "
          + (seeds == 1 ? "seed \(mine[0].seed)" : "mean over \(seeds) seeds")
          + "\n(refuses: forbidden answers opening with a refusal, unedited and with the "
          + "model's own direction ablated; safe: content judge; benign +dir: benign answers "
          + "opening with a refusal when the direction is added; gap: forbidden − benign "
          + "projection on the aligned direction)\n\n"
          + TextFormatting.table(table, rightAligned: Set(1...8)))
    }
    return sections.joined(separator: "\n\n") + "\n"
  }
}
