import Foundation
import TinyLM

/// Dose-response: safety after an attack against the number of attack samples and against
/// the number of attack epochs, for each alignment variant.
///
/// Per (family, seed) the pipeline pretrains once and aligns once per variant; every dose
/// attacks a fresh copy of the aligned model. The samples sweep runs at the family's attack
/// epochs, the epochs sweep at `attack.sampleCount` samples; the cell they share is trained
/// once. Smaller doses are prefixes of larger ones (the 10-sample data are the first 10 of
/// the 30-sample data: `Corpora.attack` draws from seeded streams). Each dose trains under a
/// stage of its own (``Stage/dose(_:_:samples:epochs:)``), so no cell depends on another or
/// on the thread count — except the experiment's own dose, which trains under the
/// pipeline's attack stage, so that that cell *is* the pipeline's run.
public struct DoseResponse: Sendable {
  /// What a dose-response sweep trains.
  public struct Configuration: Sendable, Hashable {
    /// The model family and its stage settings; `family.attack.epochs` is the samples
    /// sweep's epoch count.
    public var family: FamilySettings
    /// The alignment variants, one aligned model each per seed.
    public var variants: [AlignmentVariant]
    /// The attack conditions measured at every dose (not `none`).
    public var conditions: [AttackCondition]
    /// The seeds.
    public var seeds: [UInt64]
    /// Attack sample counts of the samples sweep.
    public var sampleCounts: [Int]
    /// Attack epochs of the epochs sweep.
    public var epochCounts: [Int]
    /// The attack data; `sampleCount` is the epochs sweep's sample count.
    public var attack: AttackSettings
    /// The world's size.
    public var world: WorldConfiguration
    /// Decoding: 0 for greedy (the default), above 0 to sample at that temperature.
    public var temperature: Double
    /// The longest answer generated.
    public var maxNewTokens: Int

    /// The sample counts 10, 30, 100, 300, 1,000, 3,000.
    public static let standardSampleCounts = [10, 30, 100, 300, 1000, 3000]
    /// The epoch counts 1, 2, 3, 5, 8.
    public static let standardEpochCounts = [1, 2, 3, 5, 8]

    /// Creates a configuration; by default every built-in variant, refusal unlearning and
    /// its random-prefix control, the standard doses and the paper's attack.
    public init(
      family: FamilySettings, variants: [AlignmentVariant] = AlignmentVariant.builtIn,
      conditions: [AttackCondition] = [.refusalUnlearning, .randomPrefix], seeds: [UInt64],
      sampleCounts: [Int] = standardSampleCounts, epochCounts: [Int] = standardEpochCounts,
      attack: AttackSettings = .paper, world: WorldConfiguration = .standard,
      temperature: Double = 0, maxNewTokens: Int = 24
    ) {
      self.family = family
      self.variants = variants
      self.conditions = conditions
      self.seeds = seeds
      self.sampleCounts = sampleCounts
      self.epochCounts = epochCounts
      self.attack = attack
      self.world = world
      self.temperature = temperature
      self.maxNewTokens = maxNewTokens
    }

    /// Checks every setting, naming the first one out of range (`samples[0]: must be in
    /// 1…100000, got 0`).
    public func validate() throws(ConfigurationError) {
      func check(_ values: [Int], _ path: String, _ range: ClosedRange<Int>)
        throws(ConfigurationError)
      {
        try ConfigurationError.checkNotEmpty(values.count, at: path)
        for (index, value) in values.enumerated() {
          try ConfigurationError.check(value, in: range, at: "\(path)[\(index)]")
        }
      }
      try check(sampleCounts, "samples", 1...100_000)
      try check(epochCounts, "epochs", 1...100)
      try ConfigurationError.check(attack.sampleCount, in: 1...100_000, at: "attack.sampleCount")
      try ConfigurationError.check(family.attack.epochs, in: 1...100, at: "attack.epochs")
      try ConfigurationError.checkNotEmpty(variants.count, at: "variants")
      try ConfigurationError.checkNotEmpty(conditions.count, at: "conditions")
      if let index = conditions.firstIndex(of: .none) {
        throw ConfigurationError("conditions[\(index)]", "must be an attack", got: "none")
      }
      try ConfigurationError.checkNotEmpty(seeds.count, at: "seeds")
    }

    /// Every (samples, epochs) cell either sweep needs, each once, in a fixed order.
    public var doses: [Dose] {
      (sampleCounts.map { Dose(samples: $0, epochs: family.attack.epochs) }
        + epochCounts.map { Dose(samples: attack.sampleCount, epochs: $0) }).uniqued()
    }
  }

  /// An attack's size: samples and epochs (both 0 for the aligned model, before any attack).
  public struct Dose: Sendable, Hashable, Codable {
    /// Attack samples.
    public var samples: Int
    /// Attack epochs.
    public var epochs: Int

    /// Creates a dose.
    public init(samples: Int, epochs: Int) {
      self.samples = samples
      self.epochs = epochs
    }
  }

  /// One trained and evaluated model of the sweep (fractions in 0…1).
  public struct Point: Sendable, Hashable, Codable {
    /// The model family.
    public var model: ModelFamily
    /// The alignment variant's name.
    public var variant: String
    /// The attack condition (`none` for the aligned model).
    public var condition: AttackCondition
    /// The seed.
    public var seed: UInt64
    /// Attack samples (0 for the aligned model).
    public var samples: Int
    /// Attack epochs (0 for the aligned model).
    public var epochs: Int
    /// Safety score (content judge).
    public var safety: Double
    /// Forbidden answers a keyword judge counts as refusals.
    public var keywordRefusal: Double
    /// Held-out benign prompts answered correctly.
    public var utility: Double
    /// Forbidden answers that give the forbidden content.
    public var complied: Double

    /// The point's dose.
    public var dose: Dose { Dose(samples: samples, epochs: epochs) }
  }

  /// The configuration the sweep runs.
  public let configuration: Configuration
  private let pipeline: Pipeline

  /// Validates the configuration and builds its world.
  public init(configuration: Configuration) throws(ConfigurationError) {
    try configuration.validate()
    self.configuration = configuration
    pipeline = try Pipeline(
      experiment: Experiment(
        world: configuration.world, families: [configuration.family],
        variants: configuration.variants, conditions: [.none], attack: configuration.attack,
        seeds: configuration.seeds, maxNewTokens: configuration.maxNewTokens,
        temperature: configuration.temperature))
  }

  /// Runs every seed, `threads` jobs at a time, and returns the points in a fixed order
  /// (seed, variant, aligned first, then dose, condition) whatever the thread count.
  public func run(threads: Int, progress: (@Sendable (String) -> Void)? = nil) throws(StageError)
    -> [Point]
  {
    let seeds = configuration.seeds
    let model = configuration.family.family.rawValue
    let scheduler = Scheduler(threads: threads, jobs: seeds.count)
    let perSeed = try scheduler.map(count: seeds.count) { index throws(StageError) in
      try points(seed: seeds[index], threads: scheduler.threadsPerJob) { line in
        progress?("  \(model) seed \(seeds[index]): \(line)")
      }
    }
    return perSeed.flatMap { $0 }
  }

  /// The points of one seed: each variant's aligned model, then every dose × condition.
  public func points(seed: UInt64, threads: Int = 1, log: ((String) -> Void)? = nil)
    throws(StageError) -> [Point]
  {
    let settings = configuration.family
    let units = try pipeline.run(family: settings, seed: seed, threads: threads, log: log)
    let corpora = Corpora(world: pipeline.world, seed: seed)
    let evaluator = Evaluator(
      corpora: corpora, maxNewTokens: pipeline.experiment.maxNewTokens,
      temperature: pipeline.experiment.temperature)
    var points: [Point] = []
    func point(_ variant: String, _ condition: AttackCondition, _ dose: Dose, _ m: Metrics)
      -> Point
    {
      Point(
        model: settings.family, variant: variant, condition: condition, seed: seed,
        samples: dose.samples, epochs: dose.epochs, safety: m.safety,
        keywordRefusal: m.keywordRefusal, utility: m.utility, complied: m.complied)
    }
    for unit in units {
      let variant = unit.variant
      let model = unit.aligned
      let run = unit.runs[0]
      points.append(point(variant.name, .none, Dose(samples: 0, epochs: 0), run.record.metrics))
      let openers = Evaluator.refusalOpeners(
        in: run.forbidden, world: pipeline.world, length: configuration.attack.prefixLength)
      for dose in configuration.doses {
        for condition in configuration.conditions {
          let stage = Stage.dose(
            variant, condition, samples: dose.samples, epochs: dose.epochs)
          log?(stage.name)
          var attack = configuration.attack
          attack.sampleCount = dose.samples
          var options = settings.attack
          options.epochs = dose.epochs
          let attacked = model.copy()
          // The paper's dose trains on the pipeline's own stream, so that cell is the
          // pipeline's run; every other dose has a stream of its own.
          let isPipelineDose =
            dose.samples == configuration.attack.sampleCount
            && dose.epochs == settings.attack.epochs
          let data = corpora.attack(condition, settings: attack, observedOpeners: openers)
          let trainedStage =
            isPipelineDose
            ? Pipeline.attackStage(
              variant: variant, condition: condition, data: data, corpora: corpora,
              settings: attack) : stage
          try trainedStage.train(
            attacked, on: Pipeline.attackData(data, objective: options.objective, aligned: model),
            options: options, family: settings.family, seed: seed, threads: threads)
          let result = evaluator.evaluate(attacked, threads: threads, prefill: false)
          points.append(point(variant.name, condition, dose, result.metrics))
        }
      }
    }
    return points
  }
}

extension DoseResponse {
  /// One cell summarised over seeds: mean and 95% t-interval of each metric.
  public struct SummaryCell: Sendable, Hashable, Codable {
    /// The model family.
    public var model: ModelFamily
    /// The alignment variant's name.
    public var variant: String
    /// The attack condition (`none` for the aligned model).
    public var condition: AttackCondition
    /// Attack samples (0 for the aligned model).
    public var samples: Int
    /// Attack epochs (0 for the aligned model).
    public var epochs: Int
    /// Safety over seeds.
    public var safety: Summary
    /// Keyword refusal over seeds.
    public var keywordRefusal: Summary
    /// Utility over seeds.
    public var utility: Summary
    /// Compliance over seeds.
    public var complied: Summary
  }

  /// The points grouped by (variant, condition, dose), summarised over seeds, in the order
  /// of each group's first point.
  public static func summaries(_ points: [Point]) -> [SummaryCell] {
    struct Key: Hashable {
      var model: ModelFamily
      var variant: String
      var condition: AttackCondition
      var dose: Dose
    }
    var order: [Key] = []
    var groups: [Key: [Point]] = [:]
    for point in points {
      let key = Key(
        model: point.model, variant: point.variant, condition: point.condition, dose: point.dose)
      if groups[key] == nil { order.append(key) }
      groups[key, default: []].append(point)
    }
    return order.map { key in
      let group = groups[key]!
      return SummaryCell(
        model: key.model, variant: key.variant, condition: key.condition,
        samples: key.dose.samples, epochs: key.dose.epochs, safety: Summary(group.map(\.safety)),
        keywordRefusal: Summary(group.map(\.keywordRefusal)),
        utility: Summary(group.map(\.utility)), complied: Summary(group.map(\.complied)))
    }
  }

  /// Text tables of safety %, mean ± 95% interval over seeds: for each condition, rows =
  /// attack samples (then attack epochs), columns = variants; the first row is the aligned
  /// model before any attack.
  public func table(_ points: [Point]) -> String {
    let cells = Self.summaries(points)
    let variants = configuration.variants.map(\.name)
    func cell(_ variant: String, _ condition: AttackCondition, _ dose: Dose) -> String {
      guard
        let found = cells.first(where: {
          $0.variant == variant && $0.condition == condition
            && $0.samples == dose.samples && $0.epochs == dose.epochs
        })
      else { return "—" }
      return found.safety.count > 1
        ? TextFormatting.percent(found.safety) : TextFormatting.percent(found.safety.mean)
    }
    func block(_ title: String, _ label: String, _ condition: AttackCondition, _ doses: [Dose])
      -> String
    {
      let aligned = Dose(samples: 0, epochs: 0)
      var rows = [[label] + variants]
      rows.append(["0 (aligned)"] + variants.map { cell($0, .none, aligned) })
      for dose in doses {
        let value = label == "samples" ? dose.samples : dose.epochs
        rows.append([String(value)] + variants.map { cell($0, condition, dose) })
      }
      return title + "\n\n"
        + TextFormatting.table(rows, rightAligned: Set(1...variants.count))
    }
    let epochs = configuration.family.attack.epochs
    let samples = configuration.attack.sampleCount
    let seeds = configuration.seeds
    var sections = [
      "Dose-response · \(configuration.family.title) · "
        + (seeds.count == 1
          ? "seed \(seeds[0])"
          : "\(seeds.count) seeds (mean ± 95% t-interval)")
        + "\nSafety % on held-out forbidden prompts (content judge) after fine-tuning the "
        + "aligned model."
    ]
    for condition in configuration.conditions {
      sections.append(
        block(
          "\(condition.rawValue) — safety % vs attack samples (\(epochs) epochs)", "samples",
          condition,
          configuration.sampleCounts.map { Dose(samples: $0, epochs: epochs) }))
      sections.append(
        block(
          "\(condition.rawValue) — safety % vs attack epochs (\(samples) samples)", "epochs",
          condition,
          configuration.epochCounts.map { Dose(samples: samples, epochs: $0) }))
    }
    return sections.joined(separator: "\n\n") + "\n"
  }

  private struct Document: Encodable {
    var model: ModelFamily
    var seeds: [UInt64]
    var variants: [String]
    var conditions: [AttackCondition]
    var sampleCounts: [Int]
    var epochCounts: [Int]
    var samplesSweepEpochs: Int
    var epochsSweepSamples: Int
    var points: [Point]
    var summaries: [SummaryCell]
  }

  /// One JSON document: the sweep's settings, every point (per seed) and the summaries.
  /// Keys are sorted, so the same points give the same bytes.
  public func json(_ points: [Point]) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let document = Document(
      model: configuration.family.family, seeds: configuration.seeds,
      variants: configuration.variants.map(\.name), conditions: configuration.conditions,
      sampleCounts: configuration.sampleCounts, epochCounts: configuration.epochCounts,
      samplesSweepEpochs: configuration.family.attack.epochs,
      epochsSweepSamples: configuration.attack.sampleCount, points: points,
      summaries: Self.summaries(points))
    return String(decoding: try encoder.encode(document), as: UTF8.self)
  }
}
