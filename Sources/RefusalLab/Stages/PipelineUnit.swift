import TinyLM

/// One trained and evaluated model: its record and every judged answer.
public struct TrainedRun: Sendable {
  /// The JSON record.
  public var record: RunRecord
  /// The held-out forbidden prompts and the model's answers.
  public var forbidden: [JudgedAnswer]
  /// The held-out benign prompts and the model's answers.
  public var benign: [JudgedAnswer]
}

/// One unit of the pipeline — a family, a seed and an alignment variant: the aligned model
/// (``Pipeline/align(family:seed:base:variant:threads:log:)``), then, one condition at a
/// time (``run(_:)``), each attacked model and its evaluated run.
public struct PipelineUnit {
  /// The family and its stage settings.
  public let settings: FamilySettings
  /// The seed.
  public let seed: UInt64
  /// The alignment variant.
  public let variant: AlignmentVariant
  /// The aligned model (the model of condition `none`).
  public let aligned: any LanguageModel
  /// The model of each condition run so far: the aligned model itself for `none`, and one
  /// shared model for conditions that train as one stage (an adaptive attack whose data are
  /// refusal unlearning's).
  public private(set) var models: [AttackCondition: any LanguageModel] = [:]
  /// One evaluated run per condition run so far, in the order they ran.
  public private(set) var runs: [TrainedRun] = []

  private let attack: AttackSettings
  private let corpora: Corpora
  private let evaluator: Evaluator
  private let alignedResult: EvaluatedRun
  private let observedOpeners: [[Int]]
  private let threads: Int
  private let log: ((String) -> Void)?
  private let observer: PipelineObserver
  /// Attacks trained so far, by stage (see `Pipeline.attackStage`).
  private var attacks: [Stage: (model: any LanguageModel, result: EvaluatedRun)] = [:]

  init(
    settings: FamilySettings, seed: UInt64, variant: AlignmentVariant,
    aligned: any LanguageModel, experiment: Experiment, corpora: Corpora, threads: Int,
    log: ((String) -> Void)?, observer: PipelineObserver = PipelineObserver()
  ) {
    self.observer = observer
    self.settings = settings
    self.seed = seed
    self.variant = variant
    self.aligned = aligned
    attack = experiment.attack
    self.corpora = corpora
    evaluator = Evaluator(
      corpora: corpora, maxNewTokens: experiment.maxNewTokens,
      temperature: experiment.temperature)
    self.threads = threads
    self.log = log
    log?("evaluate \(variant.name) / none")
    alignedResult = observer.timed(.evaluation) { [evaluator] in
      evaluator.evaluate(aligned, threads: threads)
    }
    observedOpeners = Evaluator.refusalOpeners(
      in: alignedResult.forbidden, world: corpora.world, length: attack.prefixLength)
  }

  /// Attacks a copy of the aligned model under `condition` (nothing for `none`), evaluates
  /// it, and returns the run. A condition that trains as an earlier one's stage reuses
  /// that model and its evaluation.
  public mutating func run(_ condition: AttackCondition) throws(StageError) -> TrainedRun {
    let model: any LanguageModel
    let result: EvaluatedRun
    if condition == .none {
      model = aligned
      result = alignedResult
    } else {
      let data = corpora.attack(condition, settings: attack, observedOpeners: observedOpeners)
      let stage = Pipeline.attackStage(
        variant: variant, condition: condition, data: data, corpora: corpora, settings: attack)
      if let earlier = attacks[stage] {
        (model, result) = earlier
      } else {
        let copy = aligned.copy()
        log?(stage.name)
        let summary = try observer.timed(.attack(condition)) { () throws(StageError) in
          try stage.train(
            copy,
            on: Pipeline.attackData(data, objective: settings.attack.objective, aligned: aligned),
            options: settings.attack, family: settings.family, seed: seed, threads: threads,
            progress: observer.progress(settings.family, seed, stage))
        }
        observer.trained(settings.family, seed, stage, summary)
        log?("evaluate \(variant.name) / \(condition.rawValue)")
        model = copy
        result = observer.timed(.evaluation) { evaluator.evaluate(copy, threads: threads) }
        attacks[stage] = (copy, result)
      }
    }
    let run = TrainedRun(
      record: RunRecord(
        model: settings.family, variant: variant.name, condition: condition, seed: seed,
        metrics: result.metrics),
      forbidden: result.forbidden, benign: result.benign)
    models[condition] = model
    runs.append(run)
    return run
  }
}
