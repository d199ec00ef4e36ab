import Dispatch
import TinyLM

/// How long an experiment's runs will take on this machine, estimated before they start.
///
/// Each stage's cost is the tokens it reads (``StageWork``, from the first seed's corpora,
/// the same for every seed up to a few tokens) times a seconds-per-token rate, and each
/// evaluation the time to answer the held-out prompts. Both rates are measured at start by a
/// short calibration of each family: a fresh model of the experiment's own configuration
/// trains a few steps on a slice of the pretraining corpus and answers a few held-out
/// prompts — a throwaway model with its own seed and stream, well under a second, which
/// touches no stream the results draw from. The work is then spread as the scheduler spreads
/// it: so many models at a time, each with its share of the threads.
public struct TimeEstimate: Sendable, Hashable, CustomStringConvertible {
  /// Estimated wall-clock seconds.
  public var seconds: Double
  /// The threads it assumes.
  public var threads: Int

  /// `estimated 2m 10s on 2 threads`.
  public var description: String {
    "estimated \(ProgressBar.duration(seconds)) on \(threads) thread\(threads == 1 ? "" : "s")"
  }

  /// The estimate for ``Pipeline/runAll(threads:progress:)``: every (family, seed) is
  /// pretrained, then every (family, seed, variant) aligned, attacked and evaluated, each
  /// phase sharing `threads` among its tasks.
  public static func runAll(_ experiment: Experiment, world: World, threads: Int) -> TimeEstimate {
    let jobs = experiment.families.count * experiment.seeds.count
    let units = jobs * experiment.variants.count
    let pretrainThreads = Scheduler.threadsPerJob(threads: threads, jobs: jobs)
    let unitThreads = Scheduler.threadsPerJob(threads: threads, jobs: units)
    var seconds = 0.0
    for family in experiment.families {
      let work = FamilyWork(experiment: experiment, family: family, world: world)
      let seeds = Double(experiment.seeds.count)
      let pretrain = Rates.measure(
        family, world: world, experiment: experiment, threads: pretrainThreads)
      let unit =
        unitThreads == pretrainThreads
        ? pretrain
        : Rates.measure(family, world: world, experiment: experiment, threads: unitThreads)
      seconds +=
        seeds * work.pretrainTokens * pretrain.secondsPerToken
        / concurrency(threads: threads, perTask: pretrainThreads, tasks: jobs)
      seconds +=
        seeds * (work.unitTokens * unit.secondsPerToken + work.evaluations * unit.evaluation)
        / concurrency(threads: threads, perTask: unitThreads, tasks: units)
    }
    return TimeEstimate(seconds: seconds, threads: threads)
  }

  /// The estimate for a sweep of `shard`'s (family, seed) jobs, each trained whole by one
  /// worker with its share of `threads` (``Sweep``), none of them in the file yet.
  public static func sweep(
    _ experiment: Experiment, world: World, threads: Int, shard: SweepShard = .whole
  ) -> TimeEstimate {
    let all = experiment.families.count * experiment.seeds.count
    let jobs = (0..<all).filter { shard.holds(job: $0) }.count
    let perJob = Scheduler.threadsPerJob(threads: threads, jobs: jobs)
    var seconds = 0.0
    for family in experiment.families {
      let work = FamilyWork(experiment: experiment, family: family, world: world)
      let rates = Rates.measure(family, world: world, experiment: experiment, threads: perJob)
      // This family's share of the jobs swept.
      let share = Double(jobs) * Double(experiment.seeds.count) / Double(max(1, all))
      seconds +=
        share
        * ((work.pretrainTokens + work.unitTokens) * rates.secondsPerToken
          + work.evaluations * rates.evaluation)
    }
    return TimeEstimate(
      seconds: seconds / concurrency(threads: threads, perTask: perJob, tasks: jobs),
      threads: threads)
  }

  /// How many tasks run at once.
  private static func concurrency(threads: Int, perTask: Int, tasks: Int) -> Double {
    Double(max(1, min(tasks, threads / perTask)))
  }

  /// What one seed of one family trains and evaluates.
  private struct FamilyWork {
    var pretrainTokens = 0.0
    var unitTokens = 0.0
    var evaluations = 0.0

    init(experiment: Experiment, family: FamilySettings, world: World) {
      let stages = Pipeline.plannedStages(
        of: experiment, family: family, seed: experiment.seeds[0], world: world)
      for work in stages {
        switch work.stage {
        case .pretrain: pretrainTokens += Double(work.tokens)
        case .align: unitTokens += Double(work.tokens)
        default:
          unitTokens += Double(work.tokens)
          evaluations += 1
        }
      }
      // The aligned model of each variant is evaluated too.
      evaluations += Double(experiment.variants.count)
    }
  }

  /// Seconds per training token and per evaluation of one family at one thread count.
  private struct Rates {
    var secondsPerToken: Double
    var evaluation: Double

    /// Calibration steps run at most this long.
    static let budget = 0.15
    /// Held-out prompts the calibration answers.
    static let prompts = 16

    static func measure(
      _ settings: FamilySettings, world: World, experiment: Experiment, threads: Int
    ) -> Rates {
      // A throwaway model and stream: nothing the results draw from.
      let model = settings.makeModel(world: world, seed: 0xCA1B)
      var random = SeededRandom(seed: 0xCA1B, streamNamed: "calibration")
      let corpora = Corpora(world: world, seed: experiment.seeds[0])
      let data = corpora.pretraining()
      var options = settings.pretrain
      options.epochs = 1
      options.maxSteps = 1
      func timed() -> Double {
        let clock = DispatchTime.now().uptimeNanoseconds
        _ = try? model.train(
          on: data, options: options, threads: threads, random: &random, progress: nil)
        return Double(DispatchTime.now().uptimeNanoseconds - clock) / 1e9
      }
      // The n-gram reads the whole corpus in one step; the transformer's first step
      // allocates, so it only sizes the timed steps that follow it. The fastest of three
      // short rounds: another program that takes the core for a moment only ever slows a
      // round down, and one unlucky round would otherwise set the rate for hours of work.
      let first = timed()
      var elapsed = first
      if settings.family == .transformer {
        options.maxSteps = max(1, min(50, Int(budget / 3 / max(first, 1e-6))))
        elapsed = (0..<3).map { _ in timed() }.min()!
      }
      let tokens = StageWork(
        stage: .pretrain, data: data, options: options, family: settings.family
      ).tokens
      let secondsPerToken = elapsed / Double(max(1, tokens))
      // Answering: the held-out prompts (forbidden and benign), the forbidden ones twice
      // more with an opener forced, each up to the answer's limit.
      let held = corpora.forbiddenEvaluation().map(\.tokens)
      let benign = corpora.benignEvaluation().count
      let sample = Array(held.prefix(prompts))
      let answering = (0..<3).map { _ in
        let clock = DispatchTime.now().uptimeNanoseconds
        _ = model.generate(
          prompts: sample,
          options: GenerationOptions(maxNewTokens: experiment.maxNewTokens, threads: threads))
        return Double(DispatchTime.now().uptimeNanoseconds - clock) / 1e9
      }
      let perPrompt = answering.min()! / Double(sample.count)
      return Rates(
        secondsPerToken: secondsPerToken, evaluation: perPrompt * Double(3 * held.count + benign))
    }
  }
}
