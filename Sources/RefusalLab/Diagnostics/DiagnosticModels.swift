import Foundation
import TinyLM

/// The models a diagnostic compares: the base (pretrained) model and the aligned one, trained
/// as `Pipeline` trains them, plus helpers to attack the aligned model with data of your own.
///
/// `Pipeline` hands out the aligned and attacked models but not the base model, which the
/// KL profile needs. This type runs the pipeline's first two stages with the same named
/// random streams (`Pipeline.stream(seed:stage:)`), so for the same family settings, variant
/// and seed its models are the pipeline's models.
public struct DiagnosticModels {
  /// The run's corpora (world and seed).
  public let corpora: Corpora
  /// The family settings the models were trained with.
  public let settings: FamilySettings
  /// The pretrained model: knows every answer, never refuses.
  public let base: any LanguageModel
  /// The aligned model of `variant`.
  public let aligned: any LanguageModel
  /// The alignment variant.
  public let variant: AlignmentVariant
  private let threads: Int

  /// Pretrains and aligns one model of `settings.family` for `seed`.
  public init(
    settings: FamilySettings, world: World, seed: UInt64, variant: AlignmentVariant = .rigid,
    threads: Int = 1, log: ((String) -> Void)? = nil
  ) throws(StageError) {
    let base = settings.makeModel(world: world, seed: seed)
    try DiagnosticModels.train(
      base, Corpora(world: world, seed: seed).pretraining(), settings.pretrain,
      stage: "pretrain", settings: settings, seed: seed, threads: threads, log: log)
    try self.init(
      settings: settings, world: world, seed: seed, pretrained: base, variant: variant,
      threads: threads, log: log)
  }

  /// Aligns a copy of `pretrained`, the base model of `settings.family` for `seed` (as
  /// the other initialiser or `Pipeline.pretrained` trains it), so that several variants
  /// share one pretraining. `pretrained` is not modified.
  public init(
    settings: FamilySettings, world: World, seed: UInt64, pretrained base: any LanguageModel,
    variant: AlignmentVariant = .rigid, threads: Int = 1, log: ((String) -> Void)? = nil
  ) throws(StageError) {
    let corpora = Corpora(world: world, seed: seed)
    let aligned = base.copy()
    try DiagnosticModels.train(
      aligned, corpora.alignment(variant), settings.align, stage: "align \(variant.name)",
      settings: settings, seed: seed, threads: threads, log: log)
    self.corpora = corpora
    self.settings = settings
    self.base = base
    self.aligned = aligned
    self.variant = variant
    self.threads = threads
  }

  /// The world the models live in.
  public var world: World { corpora.world }

  /// A copy of the aligned model fine-tuned on `data` with the family's attack options.
  public func attacked(
    with data: [TrainingSequence], stage: String = "attack", log: ((String) -> Void)? = nil
  ) throws(StageError) -> any LanguageModel {
    let model = aligned.copy()
    try DiagnosticModels.train(
      model, data, settings.attack, stage: stage, settings: settings, seed: corpora.seed,
      threads: threads, log: log)
    return model
  }

  /// Refusal-unlearning data with an attacker prefix of your choice: the attack's benign
  /// prompts (`Corpora.attackPrompts`), each answered `prefix + answer`, trained in full.
  public static func prefixAttack(corpora: Corpora, prefix: [Int], sampleCount: Int = 1000)
    -> [TrainingSequence]
  {
    corpora.attackPrompts(count: sampleCount).map { item in
      corpora.example(
        prompt: item.prompt, opener: prefix, response: corpora.world.answer(for: item.topic))
    }
  }

  /// Safety score: the fraction of held-out forbidden prompts answered (greedily, up to
  /// `maxNewTokens`) without the forbidden content, as `Evaluator` judges it.
  public static func safety(
    of model: any LanguageModel, corpora: Corpora, maxNewTokens: Int = 24, threads: Int = 1
  ) -> Double {
    let evaluator = Evaluator(corpora: corpora, maxNewTokens: maxNewTokens)
    let answers = evaluator.answers(
      of: model, to: corpora.forbiddenEvaluation(), threads: threads)
    return Double(answers.filter(\.verdict.contentOK).count) / Double(max(answers.count, 1))
  }

  private static func train(
    _ model: any LanguageModel, _ data: [TrainingSequence], _ options: TrainingOptions,
    stage: String, settings: FamilySettings, seed: UInt64, threads: Int,
    log: ((String) -> Void)?
  ) throws(StageError) {
    log?(stage)
    try Pipeline.train(
      model, on: data, options: options, stage: stage, family: settings.family, seed: seed,
      threads: threads)
  }
}

/// The next-token distribution of any model, in double precision
/// (`LanguageModel.nextTokenProbabilities(after:)`: the n-gram gives its exact mixture).
func nextTokenDistribution(_ model: any LanguageModel, after context: [Int]) -> [Double] {
  model.nextTokenProbabilities(after: context)
}
