import Foundation
import TinyLM

/// The models a diagnostic compares — the base (pretrained) model, which the pipeline does
/// not hand out, and the aligned one — trained by the pipeline's own stages, whose named
/// streams make them the pipeline's models; plus helpers to attack the aligned model.
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
  private let observer: PipelineObserver

  /// Pretrains and aligns one model of `settings.family` for `seed`. Given `pretrained`,
  /// the base model of `settings.family` for `seed` (as an earlier instance or
  /// `Pipeline.pretrain` trained it), aligns a copy of it instead, so that several variants
  /// share one pretraining; `pretrained` is not modified. `observer` hears of every stage
  /// trained, here and in the attacks.
  public init(
    settings: FamilySettings, world: World, seed: UInt64,
    pretrained: (any LanguageModel)? = nil, variant: AlignmentVariant = .rigid,
    threads: Int = 1, log: ((String) -> Void)? = nil,
    observer: PipelineObserver = PipelineObserver()
  ) throws(StageError) {
    let base =
      if let pretrained {
        pretrained
      } else {
        try Pipeline.pretrain(
          settings, world: world, seed: seed, threads: threads, log: log, observer: observer)
      }
    let corpora = Corpora(world: world, seed: seed)
    self.corpora = corpora
    self.settings = settings
    self.base = base
    self.aligned = try Pipeline.align(
      base, variant: variant, settings: settings, corpora: corpora, threads: threads, log: log,
      observer: observer)
    self.variant = variant
    self.threads = threads
    self.observer = observer
  }

  /// The world the models live in.
  public var world: World { corpora.world }

  /// A copy of the aligned model fine-tuned on `data` with the family's attack options,
  /// shuffled with `stage`'s stream.
  public func attacked(
    with data: [TrainingSequence], stage: Stage, log: ((String) -> Void)? = nil
  ) throws(StageError) -> any LanguageModel {
    let model = aligned.copy()
    log?(stage.name)
    try stage.train(
      model, on: data, options: settings.attack, family: settings.family, seed: corpora.seed,
      threads: threads, progress: observer.progress(settings.family, corpora.seed, stage))
    return model
  }

  /// A copy of the aligned model after the pipeline's own `condition` attack: its data (for
  /// `adaptive`, built on `observedOpeners`), its objective and its named stream, so that it
  /// is the attacked model of the pipeline's run.
  public func attackedAsInThePipeline(
    _ condition: AttackCondition, attack: AttackSettings, observedOpeners: [[Int]] = [],
    log: ((String) -> Void)? = nil
  ) throws(StageError) -> any LanguageModel {
    let data = corpora.attack(condition, settings: attack, observedOpeners: observedOpeners)
    return try attacked(
      with: Pipeline.attackData(data, objective: settings.attack.objective, aligned: aligned),
      stage: Pipeline.attackStage(
        variant: variant, condition: condition, data: data, corpora: corpora, settings: attack),
      log: log)
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
    return answers.fraction(where: \.verdict.isSafe)
  }
}
