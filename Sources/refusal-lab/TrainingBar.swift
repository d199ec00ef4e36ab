import Foundation
import RefusalLab

/// The progress bar of a command that trains: it counts the tokens its planned stages read
/// (in thousands, so that stages of different batch sizes weigh what they cost), moved on by
/// each stage's step callbacks (``observer``); what runs is the stage's name. Informational
/// lines go through ``log(_:)``, above the bar.
final class TrainingBar: @unchecked Sendable {
  /// The bar itself.
  let bar: ProgressBar
  private let planned: [String: Int]
  private let total: Int
  private let lock = NSLock()
  private var done: [String: Int] = [:]

  /// A bar labelled `label` for the stages `plan` lists per family and seed (as
  /// `Pipeline.plannedStages` gives them); silent with `quiet`.
  init(label: String, plan: [(family: ModelFamily, seed: UInt64, stages: [StageWork])], quiet: Bool)
  {
    bar = ProgressBar(
      label: label, unit: "k tokens", mode: ProgressBar.standardMode(quiet: quiet))
    var planned: [String: Int] = [:]
    for entry in plan {
      for work in entry.stages {
        planned[Self.key(entry.family, entry.seed, work.stage), default: 0] += work.tokens
      }
    }
    self.planned = planned
    total = planned.values.reduce(0, +)
  }

  /// A bar for the stages `experiment` trains for each of its families and seeds.
  convenience init(label: String, experiment: Experiment, world: World, quiet: Bool) {
    let plan = experiment.families.flatMap { family in
      experiment.seeds.map { seed in
        (
          family: family.family, seed: seed,
          stages: Pipeline.plannedStages(
            of: experiment, family: family, seed: seed, world: world)
        )
      }
    }
    self.init(label: label, plan: plan, quiet: quiet)
  }

  /// The observer to hand the pipeline: every training step it hears of moves the bar.
  var observer: PipelineObserver {
    PipelineObserver(stepsTrained: { [self] family, seed, stage, steps, of in
      step(family, seed, stage, steps, of)
    })
  }

  /// Writes an informational line above the bar (nothing with `--quiet`).
  func log(_ line: String) { bar.log(line) }

  /// Says what runs now (a stage's name), without counting anything done.
  func note(_ line: String) { bar.note(line.trimmingCharacters(in: .whitespaces)) }

  /// Counts every planned token done (a stage skipped as an earlier one's twin trains
  /// nothing) and clears the bar from a terminal line.
  func finish() {
    bar.update(done: total / 1000, total: total / 1000, what: "done")
    bar.finish()
  }

  private func step(
    _ family: ModelFamily, _ seed: UInt64, _ stage: Stage, _ steps: Int, _ of: Int
  ) {
    let key = Self.key(family, seed, stage)
    let sum = lock.withLock {
      let tokens = planned[key] ?? 0
      done[key] = of > 0 ? tokens * min(steps, of) / of : tokens
      return done.values.reduce(0, +)
    }
    bar.update(done: sum / 1000, total: total / 1000, what: key)
  }

  private static func key(_ family: ModelFamily, _ seed: UInt64, _ stage: Stage) -> String {
    "\(family.rawValue) seed \(seed): \(stage.name)"
  }
}
