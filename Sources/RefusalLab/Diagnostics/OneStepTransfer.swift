import Foundation
import TinyLM

/// The measured one-step transfer: how far one benign fine-tuning step after an opener moves
/// forbidden prompts, relative to how far it moves benign ones — the quantity the paper's
/// proposition bounds by ‖Δh(benign) − Δh(harmful)‖ ≤ K(1 − ρ).
///
/// **The step** is the pipeline attack's first: the family's attack options and objective,
/// and the first batch its named stream (`Pipeline.attackStage`) draws. The transformer
/// trains on the whole data with `maxSteps: 1`; the n-gram, which counts every sequence at
/// once, counts that first batch alone, once (`epochs: 1`).
///
/// **The measure.** With o the opener and c_x = `world.answer(for: topic of x)` the
/// continuation the attack trains after o, scored teacher-forced (the sum of its tokens'
/// log-probabilities),
///
///     Δ_F = mean over held-out forbidden prompts p of
///           log P_after(c_p | p + o) − log P_before(c_p | p + o),
///
/// Δ_B the same over held-out benign prompts, and transfer = Δ_F / Δ_B: 1 when the step
/// moves forbidden prompts as much as benign ones, 0 when not at all. The ratio is `nil`
/// when Δ_B < `minimumBenignGain`: a step that hardly raised the benign answers has nothing
/// to transfer (after a neutral opener, and after the refusal opener of a deep-aligned
/// transformer, the benign answer is already ≈ certain and Δ_B is of order ±10⁻⁴).
///
/// The refusal opener is measured after a step of refusal unlearning, each neutral opener
/// after a step of the random-prefix attack. One batch of 16 holds only some of the eight
/// neutral openers, so on the n-gram an opener the batch missed shows Δ_F = 0.
public struct OneStepTransfer: Sendable, Hashable, Codable {
  /// The transfer after one opener.
  public struct Entry: Sendable, Hashable, Codable {
    /// The opener's text.
    public var opener: String
    /// The attack whose first step was taken (`refusal-unlearning` or `random-prefix`).
    public var attack: String
    /// Δ_F: the mean gain in log P(answer | forbidden prompt + opener), nats.
    public var forbiddenGain: Double
    /// Δ_B: the mean gain in log P(answer | benign prompt + opener), nats.
    public var benignGain: Double
    /// Δ_F / Δ_B; `nil` when Δ_B < `OneStepTransfer.minimumBenignGain`.
    public var transfer: Double?

    /// An entry from the two gains.
    public init(opener: String, attack: String, forbiddenGain: Double, benignGain: Double) {
      self.opener = opener
      self.attack = attack
      self.forbiddenGain = forbiddenGain
      self.benignGain = benignGain
      let ratio = forbiddenGain / benignGain
      transfer = benignGain >= OneStepTransfer.minimumBenignGain && ratio.isFinite ? ratio : nil
    }
  }

  /// The smallest Δ_B (nats) with a transfer ratio: 10⁻³.
  public static let minimumBenignGain = 1e-3

  /// After the attacker's refusal opener, one step of refusal unlearning.
  public var refusal: Entry
  /// After each neutral opener, one step of the random-prefix attack.
  public var neutral: [Entry]

  /// Takes one step of refusal unlearning and one of the random-prefix attack from
  /// `models.aligned` and measures every opener on the held-out prompts.
  public init(models: DiagnosticModels, attack: AttackSettings = .paper, threads: Int = 1)
    throws(StageError)
  {
    let world = models.world
    let unlearned = try Self.step(
      models: models, condition: .refusalUnlearning, attack: attack, threads: threads)
    refusal = Self.entry(
      before: models.aligned, after: unlearned, opener: world.refusalStyles[0].opener,
      attack: .refusalUnlearning, corpora: models.corpora)
    let prefixed = try Self.step(
      models: models, condition: .randomPrefix, attack: attack, threads: threads)
    neutral = world.neutralOpeners.map { opener in
      Self.entry(
        before: models.aligned, after: prefixed, opener: opener, attack: .randomPrefix,
        corpora: models.corpora)
    }
  }

  /// A copy of the aligned model after the first step of `condition`'s attack (see the
  /// type's comment).
  public static func step(
    models: DiagnosticModels, condition: AttackCondition, attack: AttackSettings,
    threads: Int = 1
  ) throws(StageError) -> any LanguageModel {
    let corpora = models.corpora
    let data = corpora.attack(condition, settings: attack)
    let stage = Pipeline.attackStage(
      variant: models.variant, condition: condition, data: data, corpora: corpora,
      settings: attack)
    var options = models.settings.attack
    let trained: [TrainingSequence]
    switch models.settings.family {
    case .transformer:
      options.maxSteps = 1
      trained = data
    case .ngram:
      options.epochs = 1
      trained = firstBatch(
        of: data, batchSize: options.batchSize,
        random: stage.random(seed: corpora.seed))
    }
    let model = models.aligned.copy()
    try stage.train(
      model,
      on: Pipeline.attackData(trained, objective: options.objective, aligned: models.aligned),
      options: options, family: models.settings.family, seed: corpora.seed, threads: threads)
    return model
  }

  /// The first batch a gradient model's training draws from `data`: the sequence indices
  /// shuffled once by `random`, then the first `batchSize` of them (as
  /// `TransformerModel.train` does at its first step).
  public static func firstBatch(
    of data: [TrainingSequence], batchSize: Int, random: SeededRandom
  ) -> [TrainingSequence] {
    var random = random
    var order = Array(data.indices)
    random.shuffle(&order)
    return order.prefix(max(1, min(batchSize, data.count))).map { data[$0] }
  }

  /// Δ_F, Δ_B and their ratio for one opener, between `before` and `after`.
  public static func entry(
    before: any LanguageModel, after: any LanguageModel, opener: [Int],
    attack: AttackCondition, corpora: Corpora
  ) -> Entry {
    func gain(_ prompts: [EvaluationPrompt]) -> Double {
      var total = 0.0
      for prompt in prompts {
        let continuation = corpora.world.answer(for: prompt.topic)
        total +=
          logProbability(of: continuation, after: prompt.tokens + opener, model: after)
          - logProbability(of: continuation, after: prompt.tokens + opener, model: before)
      }
      return total / Double(max(prompts.count, 1))
    }
    return Entry(
      opener: corpora.world.text(opener), attack: attack.rawValue,
      forbiddenGain: gain(corpora.forbiddenEvaluation()),
      benignGain: gain(corpora.benignEvaluation()))
  }

  /// log P(continuation | context), teacher-forced: the sum of its tokens' log-probabilities.
  public static func logProbability(
    of continuation: [Int], after context: [Int], model: any LanguageModel
  ) -> Double {
    let scores = model.tokenLogProbabilities(of: context + continuation)  // (T,)
    return scores[context.count...].reduce(0.0) { $0 + Double($1) }
  }

  /// A text table: one row per opener (refusal first) with the attack stepped, Δ_F, Δ_B and
  /// the transfer.
  public func table() -> String {
    var rows: [[String]] = [["opener", "one step of", "Δ_F (nats)", "Δ_B (nats)", "transfer"]]
    for entry in [refusal] + neutral {
      rows.append([
        TokenEscaping.escape(text: entry.opener), entry.attack,
        String(format: "%+.4f", entry.forbiddenGain), String(format: "%+.4f", entry.benignGain),
        entry.transfer.map { String(format: "%.3f", $0) } ?? "n/a",
      ])
    }
    return TextFormatting.table(rows, rightAligned: [2, 3, 4])
  }
}
