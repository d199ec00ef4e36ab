import Dispatch
import Foundation
import TinyLM

/// A training stage failed; names the stage, the model and the seed.
public struct StageError: Error, CustomStringConvertible {
  /// The stage, for example `attack refusal-unlearning`.
  public var stage: String
  /// The model family.
  public var model: ModelFamily
  /// The seed.
  public var seed: UInt64
  /// What went wrong.
  public var underlying: TrainingError

  public var description: String {
    "\(model.rawValue) seed \(seed), stage \(stage): \(underlying)"
  }
}

/// One trained and evaluated model: its record and every judged answer.
public struct TrainedRun: Sendable {
  /// The JSON record.
  public var record: RunRecord
  /// The held-out forbidden prompts and the model's answers.
  public var forbidden: [JudgedAnswer]
  /// The held-out benign prompts and the model's answers.
  public var benign: [JudgedAnswer]
}

/// Runs the stages: pretrain → align (one model per variant) → attack (one per condition)
/// → evaluate. Each stage starts from a copy of the model before it, so one pretrained
/// model serves every variant and one aligned model serves every condition.
public struct Pipeline: Sendable {
  /// The experiment to run.
  public let experiment: Experiment
  /// The world it runs in.
  public let world: World

  /// Validates the experiment and builds its world.
  public init(experiment: Experiment) throws(ConfigurationError) {
    try experiment.validate()
    self.experiment = experiment
    self.world = try World(configuration: experiment.world)
  }

  /// Trains and evaluates every (family, variant, condition) for one seed, handing each
  /// finished run to `onRun` in a fixed order. `threads` is the model's thread budget.
  public func run(
    family settings: FamilySettings, seed: UInt64, threads: Int = 1,
    variants: [AlignmentVariant]? = nil, conditions: [AttackCondition]? = nil,
    log: ((String) -> Void)? = nil,
    onModel: ((AlignmentVariant, AttackCondition, any LanguageModel) -> Void)? = nil,
    onRun: (TrainedRun) -> Void
  ) throws(StageError) {
    let corpora = Corpora(world: world, seed: seed)
    let evaluator = Evaluator(
      corpora: corpora, maxNewTokens: experiment.maxNewTokens,
      temperature: experiment.temperature)
    var random = SeededRandom(seed: seed, stream: 0x7EA1)
    func train(
      _ model: any LanguageModel, _ data: [TrainingSequence], _ options: TrainingOptions,
      stage: String
    ) throws(StageError) {
      log?(stage)
      do {
        _ = try model.train(
          on: data, options: options, threads: threads, random: &random, progress: nil)
      } catch {
        throw StageError(stage: stage, model: settings.family, seed: seed, underlying: error)
      }
    }

    let base = settings.makeModel(world: world, seed: seed)
    try train(base, corpora.pretraining(), settings.pretrain, stage: "pretrain")
    for variant in variants ?? experiment.variants {
      let aligned = base.copy()
      try train(aligned, corpora.alignment(variant), settings.align, stage: "align \(variant.name)")
      log?("evaluate \(variant.name) / none")
      let alignedResult = evaluator.evaluate(aligned, threads: threads)
      let observedOpeners = Evaluator.refusalOpeners(in: alignedResult.forbidden, world: world)
      for condition in conditions ?? experiment.conditions {
        let model: any LanguageModel
        let result: (metrics: Metrics, forbidden: [JudgedAnswer], benign: [JudgedAnswer])
        if condition == .none {
          model = aligned
          result = alignedResult
        } else {
          model = aligned.copy()
          try train(
            model,
            corpora.attack(
              condition, settings: experiment.attack, observedOpeners: observedOpeners),
            settings.attack, stage: "attack \(condition.rawValue)")
          log?("evaluate \(variant.name) / \(condition.rawValue)")
          result = evaluator.evaluate(model, threads: threads)
        }
        onModel?(variant, condition, model)
        onRun(
          TrainedRun(
            record: RunRecord(
              model: settings.family, variant: variant.name, condition: condition, seed: seed,
              metrics: result.metrics),
            forbidden: result.forbidden, benign: result.benign))
      }
    }
  }

  /// Runs every family and seed, `threads` jobs at a time, and returns the records in a
  /// fixed order (family, seed, variant, condition) whatever the thread count.
  /// `progress` receives one line per finished (family, seed).
  public func runAll(threads: Int, progress: (@Sendable (String) -> Void)? = nil) throws(StageError)
    -> [TrainedRun]
  {
    let jobs = experiment.families.flatMap { family in
      experiment.seeds.map { (family: family, seed: $0) }
    }
    let workers = max(1, min(threads, jobs.count))
    let modelThreads = max(1, threads / workers)
    let results = ResultSlots<Result<[TrainedRun], StageError>>(count: jobs.count)
    let done = Counter()
    let started = DispatchTime.now()
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
      for index in stride(from: worker, to: jobs.count, by: workers) {
        let job = jobs[index]
        var runs: [TrainedRun] = []
        do throws(StageError) {
          try run(
            family: job.family, seed: job.seed, threads: modelThreads,
            log: { stage in progress?("  \(job.family.family.rawValue) seed \(job.seed): \(stage)")
            }
          ) { runs.append($0) }
          results[index] = .success(runs)
        } catch {
          results[index] = .failure(error)
        }
        let finished = done.increment()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        progress?(
          "[\(finished)/\(jobs.count)] \(job.family.family.rawValue) seed \(job.seed) done"
            + String(format: " (%.1f s)", seconds))
      }
    }
    var runs: [TrainedRun] = []
    for index in jobs.indices {
      switch results[index]! {
      case .success(let batch): runs += batch
      case .failure(let error): throw error
      }
    }
    return runs
  }
}

/// Fixed slots that concurrent workers fill, one index each.
final class ResultSlots<Value>: @unchecked Sendable {
  private var values: [Value?]
  private let lock = NSLock()

  init(count: Int) { values = Array(repeating: nil, count: count) }

  subscript(index: Int) -> Value? {
    get { lock.withLock { values[index] } }
    set { lock.withLock { values[index] = newValue } }
  }
}

/// A thread-safe counter.
final class Counter: @unchecked Sendable {
  private var value = 0
  private let lock = NSLock()

  /// Adds one and returns the new value.
  func increment() -> Int {
    lock.withLock {
      value += 1
      return value
    }
  }
}
