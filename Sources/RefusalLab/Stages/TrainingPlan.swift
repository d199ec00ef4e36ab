import TinyLM

/// What one stage will train, worked out from its data before it runs: the steps the
/// model's `TrainingProgress` will count and the tokens it will read. Progress bars and the
/// time estimate of an experiment's plan count with it; nothing here trains.
public struct StageWork: Sendable, Hashable {
  /// The stage.
  public var stage: Stage
  /// Training sequences.
  public var sequences: Int
  /// Optimiser steps (the n-gram: one per epoch), as the model counts them.
  public var steps: Int
  /// Input tokens the training reads, summed over its steps (a sequence of n tokens is
  /// n − 1 input positions).
  public var tokens: Int

  /// The work of training `stage` on `data` with `options` for a model of `family`: the
  /// transformer takes min(maxSteps, epochs · ⌈n / B⌉) steps, as `TransformerModel.train`
  /// does; the n-gram counts one step per epoch.
  public init(
    stage: Stage, data: [TrainingSequence], options: TrainingOptions, family: ModelFamily
  ) {
    self.stage = stage
    sequences = data.count
    let perEpoch = data.reduce(0) { $0 + max(0, $1.tokens.count - 1) }
    guard !data.isEmpty, options.epochs > 0 else {
      steps = 0
      tokens = 0
      return
    }
    switch family {
    case .ngram:
      steps = options.epochs
      tokens = options.epochs * perEpoch
    case .transformer:
      let batch = max(1, min(options.batchSize, data.count))
      let stepsPerEpoch = (data.count + batch - 1) / batch
      let uncapped = options.epochs * stepsPerEpoch
      steps = min(uncapped, max(0, options.maxSteps ?? uncapped))
      // A capped training reads its share of the epochs' tokens.
      tokens = Int(
        (Double(options.epochs * perEpoch) * Double(steps) / Double(uncapped)).rounded())
    }
  }
}

extension Pipeline {
  /// The stages one (family, seed) of `experiment` trains, in the pipeline's order:
  /// pretraining, then per variant its alignment and one attack per condition other than
  /// `none` (a condition that trains as an earlier one's stage counts once). The adaptive
  /// attack's data are planned as if the aligned model refused with the attacker's prefix,
  /// which gives it as many sequences as the real data.
  public static func plannedStages(
    of experiment: Experiment, family settings: FamilySettings, seed: UInt64, world: World
  ) -> [StageWork] {
    let corpora = Corpora(world: world, seed: seed)
    var work = [
      StageWork(
        stage: .pretrain, data: corpora.pretraining(), options: settings.pretrain,
        family: settings.family)
    ]
    // The planned attack data do not depend on the variant: built once per condition.
    let attacks = experiment.conditions.filter { $0 != .none }.map {
      (condition: $0, data: corpora.attack($0, settings: experiment.attack))
    }
    for variant in experiment.variants {
      work.append(
        StageWork(
          stage: .align(variant), data: corpora.alignment(variant), options: settings.align,
          family: settings.family))
      var planned: Set<Stage> = []
      for (condition, data) in attacks {
        let stage = attackStage(
          variant: variant, condition: condition, data: data, corpora: corpora,
          settings: experiment.attack)
        guard planned.insert(stage).inserted else { continue }
        work.append(
          StageWork(stage: stage, data: data, options: settings.attack, family: settings.family))
      }
    }
    return work
  }
}
