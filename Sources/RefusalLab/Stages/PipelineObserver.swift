import TinyLM

/// What a pipeline tells an observer while it runs: each stage's training (with the loss of
/// every step), each finished unit with its models, and each finished task of
/// ``Pipeline/runAll(threads:progress:)``. The report reads its loss curves, trees and
/// attention maps from these calls instead of training the models again.
///
/// The calls come from the worker threads, in whatever order the work finishes; an
/// observer that keeps anything must order it itself (by family, seed and variant). Nothing
/// an observer does changes a result.
public struct PipelineObserver: Sendable {
  /// One stage's training.
  public struct StageTraining: Sendable {
    /// The model family.
    public var family: ModelFamily
    /// The seed.
    public var seed: UInt64
    /// The stage.
    public var stage: Stage
    /// The training's summary, with the loss of every step.
    public var summary: TrainingSummary
  }

  /// Called after each training stage.
  public var stageTrained: (@Sendable (StageTraining) -> Void)?
  /// Called while a stage trains, a few dozen times per stage (the model's
  /// `TrainingProgress`): the family, the seed, the stage, its steps done and its steps in
  /// all. Progress bars count with it.
  public var stepsTrained:
    (
      @Sendable (
        _ family: ModelFamily, _ seed: UInt64, _ stage: Stage, _ done: Int, _ total: Int
      ) -> Void
    )?
  /// Called when a unit has run every condition of the experiment, with the unit (its
  /// aligned and attacked models) and the pretrained model it started from.
  public var unitFinished: (@Sendable (PipelineUnit, any LanguageModel) -> Void)?
  /// Called when a task of ``Pipeline/runAll(threads:progress:)`` finishes (a pretraining, or
  /// a unit with its attacks and evaluations): tasks done, tasks in all, and what finished.
  public var taskFinished: (@Sendable (_ done: Int, _ total: Int, _ what: String) -> Void)?
  /// Where each phase's wall and CPU time is added, when set (`--timings`).
  public var timings: PhaseTimings?

  /// An observer with the given calls (none by default).
  public init(
    stageTrained: (@Sendable (StageTraining) -> Void)? = nil,
    unitFinished: (@Sendable (PipelineUnit, any LanguageModel) -> Void)? = nil,
    taskFinished: (@Sendable (_ done: Int, _ total: Int, _ what: String) -> Void)? = nil,
    stepsTrained: (
      @Sendable (
        _ family: ModelFamily, _ seed: UInt64, _ stage: Stage, _ done: Int, _ total: Int
      ) -> Void
    )? = nil
  ) {
    self.stepsTrained = stepsTrained
    self.stageTrained = stageTrained
    self.unitFinished = unitFinished
    self.taskFinished = taskFinished
  }

  /// Runs `body`, adding its time to `phase` when ``timings`` is set.
  public func timed<Value, Failure: Error>(
    _ phase: PhaseTimings.Phase, _ body: () throws(Failure) -> Value
  ) throws(Failure) -> Value {
    guard let timings else { return try body() }
    return try timings.measure(phase, body)
  }

  /// The training progress callback of one stage, or `nil` when nobody listens.
  func progress(_ family: ModelFamily, _ seed: UInt64, _ stage: Stage) -> TrainingProgress? {
    guard let stepsTrained else { return nil }
    return { done, total, _ in stepsTrained(family, seed, stage, done, total) }
  }

  func trained(_ family: ModelFamily, _ seed: UInt64, _ stage: Stage, _ summary: TrainingSummary) {
    stageTrained?(StageTraining(family: family, seed: seed, stage: stage, summary: summary))
  }
}
