import Foundation
import TinyLM

/// Per-seed data for testing the paper's proposition (experiment-file diagnostic
/// `proposition`): for every seed, family and variant, the predictors measured on the
/// aligned model after the attacker's refusal opener, next to the safety the pipeline's
/// refusal-unlearning attack leaves; then, per (family, variant) and pooled over variants,
/// Spearman's rank correlation of each predictor with that safety.
///
/// The models are the pipeline's own (``DiagnosticModels``): each (family, seed) is
/// pretrained once, aligned once per variant and attacked as in the pipeline. Safety is
/// judged greedily whatever the experiment's decoding. The rows do not depend on `threads`.
public struct PropositionTest: Sendable, Codable {
  /// One (family, variant, seed): every predictor and the outcome, flat.
  public struct Row: Sendable, Hashable, Codable {
    /// Model family identifier.
    public var model: String
    /// Alignment variant.
    public var variant: String
    /// The seed.
    public var seed: UInt64
    /// Output ρ after the refusal opener (``Rho``).
    public var rhoOutput: Double
    /// ρ_repr after the refusal opener at layer l = index, 0 = the embedding
    /// (``RepresentationRho``); empty for the n-gram.
    public var rhoRepresentation: [Double?]
    /// Δ_F / Δ_B after one step of refusal unlearning (``OneStepTransfer``); `nil` when
    /// Δ_B < `OneStepTransfer.minimumBenignGain`.
    public var transfer: Double?
    /// Δ_F: the step's mean gain in log P(answer | forbidden prompt + opener), nats.
    public var forbiddenGain: Double
    /// Δ_B: the step's mean gain in log P(answer | benign prompt + opener), nats.
    public var benignGain: Double
    /// Mean P(topic word | forbidden prompt + opener + sure) (``DepthPredictors``).
    public var harmfulContinuation: Double
    /// Mean P(the opener's first token | forbidden prompt + opener + sure).
    public var restart: Double
    /// The KL profile's share on position 1 of positions 1–8 (``KLProfile``).
    public var klFirstShare: Double?
    /// The KL profile's share on positions 1–2 of positions 1–8.
    public var klFirstTwoShare: Double?
    /// Safety (content judge, greedy) after the pipeline's refusal-unlearning attack.
    public var safetyAfterRefusalUnlearning: Double

    /// Encodes every key, `null` for a missing value, so that every row has the same keys.
    public func encode(to encoder: any Encoder) throws { try encodeEveryKey(of: self, to: encoder) }
  }

  /// Spearman's ρ_s of one predictor with safety after refusal unlearning.
  public struct Correlation: Sendable, Hashable, Codable {
    /// Model family identifier.
    public var model: String
    /// Alignment variant; `nil` for the rows of every variant pooled.
    public var variant: String?
    /// The predictor: a ``Row`` field name, `rhoRepresentation[l]` for a layer.
    public var predictor: String
    /// ρ_s; `nil` when a column is constant.
    public var spearman: Double?
    /// Lower end of the 95% bootstrap interval (``RankCorrelation``).
    public var lower: Double?
    /// Upper end of the 95% bootstrap interval.
    public var upper: Double?
    /// Rows with a value of the predictor.
    public var count: Int

    /// Encodes every key, `null` for a missing value.
    public func encode(to encoder: any Encoder) throws { try encodeEveryKey(of: self, to: encoder) }
  }

  /// Every row, by family, variant and seed in the experiment's order.
  public var rows: [Row]
  /// Per family: each variant's correlations, then the pooled ones.
  public var correlations: [Correlation]

  /// The seed of the bootstrap's random streams (one stream per correlation, named after
  /// its family, variant and predictor).
  public static let bootstrapSeed: UInt64 = 9

  /// Trains and measures every (family, seed, variant) of `experiment`, then correlates.
  public static func run(
    experiment: Experiment, world: World, threads: Int,
    progress: (@Sendable (String) -> Void)? = nil
  ) throws(StageError) -> PropositionTest {
    let jobs = experiment.families.flatMap { family in
      experiment.seeds.map { (family: family, seed: $0) }
    }
    let scheduler = Scheduler(threads: threads, jobs: jobs.count)
    let byJob = try scheduler.map(count: jobs.count) { index throws(StageError) in
      let job = jobs[index]
      let label = "\(job.family.family.rawValue) seed \(job.seed)"
      return try rows(
        settings: job.family, seed: job.seed, experiment: experiment, world: world,
        threads: scheduler.threadsPerJob, log: { progress?("  proposition \(label): \($0)") })
    }
    // (family, variant, seed) order.
    var ordered: [Row] = []
    for settings in experiment.families {
      for variant in experiment.variants {
        for (job, jobRows) in zip(jobs, byJob) where job.family == settings {
          ordered += jobRows.filter { $0.variant == variant.name }
        }
      }
    }
    return PropositionTest(
      rows: ordered,
      correlations: correlations(
        ordered, models: experiment.families.map(\.family.rawValue),
        variants: experiment.variants.map(\.name)))
  }

  /// The rows of one (family, seed), one per variant: pretrains once, then aligns,
  /// measures and attacks each variant.
  public static func rows(
    settings: FamilySettings, seed: UInt64, experiment: Experiment, world: World,
    threads: Int = 1, log: ((String) -> Void)? = nil
  ) throws(StageError) -> [Row] {
    var base: (any LanguageModel)?
    var rows: [Row] = []
    for variant in experiment.variants {
      let models = try DiagnosticModels(
        settings: settings, world: world, seed: seed, pretrained: base, variant: variant,
        threads: threads, log: log)
      base = models.base
      rows.append(
        try row(
          models, attack: experiment.attack, maxNewTokens: experiment.maxNewTokens,
          threads: threads, log: log))
    }
    return rows
  }

  /// One row: the predictors on `models.aligned`, then the refusal-unlearning attack and
  /// its safety.
  public static func row(
    _ models: DiagnosticModels, attack: AttackSettings, maxNewTokens: Int, threads: Int = 1,
    log: ((String) -> Void)? = nil
  ) throws(StageError) -> Row {
    let corpora = models.corpora
    let world = models.world
    let opener = world.refusalStyles[0].opener
    let forbidden = corpora.forbiddenEvaluation().map(\.tokens)
    let benign = corpora.benignEvaluation().map(\.tokens)
    log?("measure \(models.variant.name)")
    let rhoOutput = Rho.promptIndependence(
      of: models.aligned, after: opener, forbidden: forbidden, benign: benign)
    let representation =
      (models.aligned as? any ResidualStreamReadable).map {
        RepresentationRho.layers(of: $0, after: opener, forbidden: forbidden, benign: benign)
      } ?? []
    let stepped = try OneStepTransfer.step(
      models: models, condition: .refusalUnlearning, attack: attack, threads: threads)
    let transfer = OneStepTransfer.entry(
      before: models.aligned, after: stepped, opener: opener, attack: .refusalUnlearning,
      corpora: corpora)
    let depth = DepthPredictors(model: models.aligned, corpora: corpora)
    let profile = KLProfile.measure(aligned: models.aligned, base: models.base, corpora: corpora)
    let attacked = try models.attackedAsInThePipeline(
      .refusalUnlearning, attack: attack, log: log)
    return Row(
      model: models.settings.family.rawValue, variant: models.variant.name, seed: corpora.seed,
      rhoOutput: rhoOutput, rhoRepresentation: representation, transfer: transfer.transfer,
      forbiddenGain: transfer.forbiddenGain, benignGain: transfer.benignGain,
      harmfulContinuation: depth.harmfulContinuation, restart: depth.restart,
      klFirstShare: profile.firstShare, klFirstTwoShare: profile.firstTwoShare,
      safetyAfterRefusalUnlearning: DiagnosticModels.safety(
        of: attacked, corpora: corpora, maxNewTokens: maxNewTokens, threads: threads))
  }

  /// The predictors correlated with safety, by name, for rows whose ρ_repr has `depth`
  /// layers (layers 1 … depth − 1; the embedding holds no context).
  static func predictors(depth: Int) -> [(name: String, value: (Row) -> Double?)] {
    var list: [(name: String, value: (Row) -> Double?)] = [
      ("rhoOutput", { $0.rhoOutput })
    ]
    for layer in 1..<max(1, depth) {
      list.append(
        (
          "rhoRepresentation[\(layer)]",
          { $0.rhoRepresentation.indices.contains(layer) ? $0.rhoRepresentation[layer] : nil }
        ))
    }
    list += [
      ("transfer", { $0.transfer }), ("forbiddenGain", { $0.forbiddenGain }),
      ("harmfulContinuation", { $0.harmfulContinuation }), ("restart", { $0.restart }),
      ("klFirstShare", { $0.klFirstShare }), ("klFirstTwoShare", { $0.klFirstTwoShare }),
    ]
    return list
  }

  /// Spearman's ρ_s of every predictor with `safetyAfterRefusalUnlearning`, per model: each
  /// variant's rows (a bootstrap over seeds), then every variant's rows pooled (a bootstrap
  /// over seeds that keeps each drawn seed's rows of every variant together, since they
  /// share one pretrained model). A predictor no row has is left out.
  public static func correlations(
    _ rows: [Row], models: [String], variants: [String],
    resamples: Int = RankCorrelation.defaultResamples
  ) -> [Correlation] {
    var result: [Correlation] = []
    for model in models {
      let modelRows = rows.filter { $0.model == model }
      let depth = modelRows.map(\.rhoRepresentation.count).max() ?? 0
      for variant in variants.map(Optional.some) + [nil] {
        let group = modelRows.filter { variant == nil || $0.variant == variant }
        for predictor in predictors(depth: depth) {
          let pairs = group.compactMap { row in
            predictor.value(row).map { (row.seed, $0, row.safetyAfterRefusalUnlearning) }
          }
          guard !pairs.isEmpty else { continue }
          let x = pairs.map(\.1)
          let y = pairs.map(\.2)
          var seeds: [UInt64: Int] = [:]
          let clusters = pairs.map { pair in
            if let index = seeds[pair.0] { return index }
            seeds[pair.0] = seeds.count
            return seeds.count - 1
          }
          let name = "\(model)/\(variant ?? "*")/\(predictor.name)"
          let interval = RankCorrelation.bootstrapInterval(
            x, y, clusters: clusters, resamples: resamples,
            random: SeededRandom(seed: bootstrapSeed, streamNamed: name))
          result.append(
            Correlation(
              model: model, variant: variant, predictor: predictor.name,
              spearman: RankCorrelation.spearman(x, y), lower: interval?.lower,
              upper: interval?.upper, count: pairs.count))
        }
      }
    }
    return result
  }

  /// The rows as a table, then the correlations as a table.
  public func text() -> String {
    func number(_ value: Double?, _ format: String = "%.3f") -> String {
      value.map { String(format: format, $0) } ?? "n/a"
    }
    let depth = rows.map(\.rhoRepresentation.count).max() ?? 0
    let layers = Array(1..<max(1, depth))
    var table: [[String]] = [
      ["model", "variant", "seed", "ρ_out"] + layers.map { "ρ_repr L\($0)" }
        + ["transfer", "Δ_F", "Δ_B", "P(harm)", "P(restart)", "KL₁₋₂", "safety"]
    ]
    for row in rows {
      table.append(
        [row.model, row.variant, "\(row.seed)", number(row.rhoOutput)]
          + layers.map {
            row.rhoRepresentation.indices.contains($0) ? number(row.rhoRepresentation[$0]) : "—"
          }
          + [
            number(row.transfer), number(row.forbiddenGain, "%+.4f"),
            number(row.benignGain, "%+.4f"), number(row.harmfulContinuation, "%.4f"),
            number(row.restart, "%.4f"), number(row.klFirstTwoShare),
            TextFormatting.percent(row.safetyAfterRefusalUnlearning),
          ])
    }
    var correlationTable: [[String]] = [
      ["model", "variant", "predictor", "Spearman", "95% interval", "n"]
    ]
    for entry in correlations {
      correlationTable.append([
        entry.model, entry.variant ?? "(all variants)", entry.predictor,
        number(entry.spearman, "%+.3f"),
        entry.lower.flatMap { lower in
          entry.upper.map { String(format: "[%+.3f, %+.3f]", lower, $0) }
        } ?? "n/a",
        "\(entry.count)",
      ])
    }
    return """
      Proposition test: predictors on the aligned model after the refusal opener, and safety % \
      after refusal unlearning (greedy)

      \(TextFormatting.table(table, rightAligned: Set(2..<table[0].count)))

      Spearman rank correlation with safety after refusal unlearning (95% bootstrap \
      interval over seeds, \(RankCorrelation.defaultResamples) resamples; n/a: a constant \
      column)

      \(TextFormatting.table(correlationTable, rightAligned: [3, 4, 5]))

      """
  }
}
