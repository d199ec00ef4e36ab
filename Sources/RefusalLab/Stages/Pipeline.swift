import TinyLM

/// Runs the stages: pretrain → align (one model per variant) → attack (one per condition)
/// → evaluate. Each stage starts from a copy of the model before it, so one pretrained
/// model serves every variant and one aligned model serves every condition.
public struct Pipeline: Sendable {
  /// The experiment to run.
  public let experiment: Experiment
  /// The world it runs in.
  public let world: World
  /// Told of every stage trained, unit finished and task done (nothing by default).
  public var observer = PipelineObserver()

  /// Validates the experiment and builds its world.
  public init(experiment: Experiment) throws(ConfigurationError) {
    try experiment.validate()
    self.experiment = experiment
    self.world = try World(configuration: experiment.world)
  }

  /// The stage an attack trains under: `.attack(variant, condition)`, except that an
  /// adaptive attack whose data equal refusal unlearning's (the aligned model only ever says
  /// the rigid opener) is refusal unlearning — the same stage, stream and model, whichever
  /// condition runs first or alone.
  public static func attackStage(
    variant: AlignmentVariant, condition: AttackCondition, data: [TrainingSequence],
    corpora: Corpora, settings: AttackSettings
  ) -> Stage {
    let trainedAs =
      condition == .adaptive && data == corpora.attack(.refusalUnlearning, settings: settings)
      ? AttackCondition.refusalUnlearning : condition
    return .attack(variant, trainedAs)
  }

  /// Attack data as the attack's objective trains on them: under the constrained objective
  /// (Qi et al. 2024, the provider's defense) each sequence carries the aligned model's
  /// log-probabilities of every token, which the loss holds it near.
  public static func attackData(
    _ data: [TrainingSequence], objective: TrainingObjective, aligned: any LanguageModel
  ) -> [TrainingSequence] {
    guard case .tokenwiseConstrained = objective else { return data }
    return data.map { $0.withReference(aligned) }
  }

  /// Stage `pretrain`: a fresh model of the family, trained on the seed's pretraining corpus.
  public static func pretrain(
    _ settings: FamilySettings, world: World, seed: UInt64, threads: Int = 1,
    log: ((String) -> Void)? = nil, observer: PipelineObserver = PipelineObserver()
  ) throws(StageError) -> any LanguageModel {
    let base = settings.makeModel(world: world, seed: seed)
    log?(Stage.pretrain.name)
    let summary = try observer.timed(.pretraining) { () throws(StageError) in
      try Stage.pretrain.train(
        base, on: Corpora(world: world, seed: seed).pretraining(), options: settings.pretrain,
        family: settings.family, seed: seed, threads: threads,
        progress: observer.progress(settings.family, seed, .pretrain))
    }
    observer.trained(settings.family, seed, .pretrain, summary)
    return base
  }

  /// Stage `align`: a copy of `base`, trained on the variant's alignment corpus.
  public static func align(
    _ base: any LanguageModel, variant: AlignmentVariant, settings: FamilySettings,
    corpora: Corpora, threads: Int = 1, log: ((String) -> Void)? = nil,
    observer: PipelineObserver = PipelineObserver()
  ) throws(StageError) -> any LanguageModel {
    let aligned = base.copy()
    let stage = Stage.align(variant)
    log?(stage.name)
    let summary = try observer.timed(.alignment) { () throws(StageError) in
      try stage.train(
        aligned, on: corpora.alignment(variant), options: settings.align,
        family: settings.family, seed: corpora.seed, threads: threads,
        progress: observer.progress(settings.family, corpora.seed, stage))
    }
    observer.trained(settings.family, corpora.seed, stage, summary)
    return aligned
  }

  /// Aligns a copy of `base` with `variant` and evaluates it: the unit, ready to be attacked
  /// condition by condition (``PipelineUnit/run(_:)``).
  public func align(
    family settings: FamilySettings, seed: UInt64, base: any LanguageModel,
    variant: AlignmentVariant, threads: Int = 1, log: ((String) -> Void)? = nil
  ) throws(StageError) -> PipelineUnit {
    let corpora = Corpora(world: world, seed: seed)
    let aligned = try Pipeline.align(
      base, variant: variant, settings: settings, corpora: corpora, threads: threads, log: log,
      observer: observer)
    return PipelineUnit(
      settings: settings, seed: seed, variant: variant, aligned: aligned,
      experiment: experiment, corpora: corpora, threads: threads, log: log, observer: observer)
  }

  /// Aligns a copy of `base` with `variant`, then attacks a copy of the aligned model under
  /// each of the experiment's conditions, and evaluates every model.
  public func run(
    family settings: FamilySettings, seed: UInt64, base: any LanguageModel,
    variant: AlignmentVariant, threads: Int = 1, log: ((String) -> Void)? = nil
  ) throws(StageError) -> PipelineUnit {
    var unit = try align(
      family: settings, seed: seed, base: base, variant: variant, threads: threads, log: log)
    for condition in experiment.conditions { _ = try unit.run(condition) }
    return unit
  }

  /// Pretrains one model of the family for `seed`, then runs every variant of the
  /// experiment on it (``run(family:seed:base:variant:threads:log:)``), in the
  /// experiment's variant order. `threads` is the model's thread budget.
  public func run(
    family settings: FamilySettings, seed: UInt64, threads: Int = 1,
    log: ((String) -> Void)? = nil
  ) throws(StageError) -> [PipelineUnit] {
    let base = try Pipeline.pretrain(
      settings, world: world, seed: seed, threads: threads, log: log, observer: observer)
    var units: [PipelineUnit] = []
    for variant in experiment.variants {
      units.append(
        try run(
          family: settings, seed: seed, base: base, variant: variant, threads: threads, log: log))
    }
    return units
  }

  /// Runs every family, seed and variant, `threads` units at a time, and returns the runs
  /// in a fixed order (family, seed, variant, condition) whatever the thread count.
  ///
  /// One queue keeps both cores busy: first every (family, seed) is pretrained, then every
  /// (family, seed, variant) is aligned, attacked and evaluated, transformers first (they
  /// take longest); an idle worker takes the next task, and a unit whose base model is still
  /// being pretrained waits for it. Each stage draws from its own named stream, so the
  /// schedule never changes a result. `progress` receives one line per finished task, and
  /// the ``observer`` each stage, unit and task.
  public func runAll(threads: Int, progress: (@Sendable (String) -> Void)? = nil)
    throws(StageError) -> [TrainedRun]
  {
    let jobs = experiment.families.flatMap { family in
      experiment.seeds.map { (family: family, seed: $0) }
    }
    let units = jobs.indices.flatMap { job in experiment.variants.map { (job: job, variant: $0) } }
    let clock = Stopwatch()
    func transformersFirst(_ job: Int) -> Int { jobs[job].family.family == .transformer ? 0 : 1 }
    // Task i < jobs.count pretrains job i; task jobs.count + u runs unit u.
    let pretrainOrder = jobs.indices.sorted {
      (transformersFirst($0), $0) < (transformersFirst($1), $1)
    }
    let unitOrder = units.indices.sorted {
      (transformersFirst(units[$0].job), $0) < (transformersFirst(units[$1].job), $1)
    }
    let order = pretrainOrder + unitOrder.map { jobs.count + $0 }
    // Threads are shared among the pretrainings, then among the units (a lone unit gets
    // them all); a unit waiting for its base uses none.
    let pretrainThreads = Scheduler.threadsPerJob(threads: threads, jobs: jobs.count)
    let modelThreads = Scheduler.threadsPerJob(threads: threads, jobs: units.count)
    let bases = Slots<Result<any LanguageModel, StageError>>(count: jobs.count)
    let done = Counter()
    let tasksDone = Counter()
    let observer = observer
    let tasks = try Scheduler(threads: threads, jobs: order.count).map(
      count: order.count, order: order
    ) { task throws(StageError) -> [TrainedRun] in
      if task < jobs.count {
        let job = jobs[task]
        let base: Result<any LanguageModel, StageError>
        do throws(StageError) {
          base = .success(
            try Pipeline.pretrain(
              job.family, world: world, seed: job.seed, threads: pretrainThreads, log: nil,
              observer: observer))
        } catch {
          base = .failure(error)
        }
        bases[task] = base
        let what = "pretrained \(job.family.family.rawValue) seed \(job.seed)"
        progress?("  \(what) (\(clock.elapsed))")
        observer.taskFinished?(tasksDone.increment(), order.count, what)
        _ = try base.get()
        return []
      }
      let unit = units[task - jobs.count]
      let job = jobs[unit.job]
      let base = try bases.wait(for: unit.job).get()
      let what = "\(job.family.family.rawValue) seed \(job.seed) \(unit.variant.name)"
      defer {
        progress?("[\(done.increment())/\(units.count)] \(what) done (\(clock.elapsed))")
        observer.taskFinished?(tasksDone.increment(), order.count, what)
      }
      let finished = try run(
        family: job.family, seed: job.seed, base: base, variant: unit.variant,
        threads: modelThreads)
      observer.unitFinished?(finished, base)
      return finished.runs
    }
    return tasks.flatMap { $0 }
  }
}
