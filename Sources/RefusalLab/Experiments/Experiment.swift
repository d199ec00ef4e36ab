import Foundation
import TinyLM

/// Everything one experiment sets: the world, the families and their training, the
/// alignment variants, the attack conditions, decoding and seeds.
public struct Experiment: Sendable, Hashable {
  /// The world's size.
  public var world: WorldConfiguration
  /// The families to train, each with its stage settings.
  public var families: [FamilySettings]
  /// Alignment variants; each seed aligns one model per variant.
  public var variants: [AlignmentVariant]
  /// Attack conditions; each aligned model is attacked once per condition.
  public var conditions: [AttackCondition]
  /// The attack data.
  public var attack: AttackSettings
  /// The seeds; each fixes corpora sampling, initialisation and shuffling.
  public var seeds: [UInt64]
  /// The most tokens an answer may have.
  public var maxNewTokens: Int
  /// 0 for greedy decoding (as the paper), above 0 to sample at that temperature.
  public var temperature: Double

  /// Creates an experiment.
  public init(
    world: WorldConfiguration = .standard, families: [FamilySettings],
    variants: [AlignmentVariant] = [.rigid],
    conditions: [AttackCondition] = AttackCondition.allCases,
    attack: AttackSettings = .paper, seeds: [UInt64], maxNewTokens: Int = 24,
    temperature: Double = 0
  ) {
    self.world = world
    self.families = families
    self.variants = variants
    self.conditions = conditions
    self.attack = attack
    self.seeds = seeds
    self.maxNewTokens = maxNewTokens
    self.temperature = temperature
  }

  /// The classroom demo on `families`, over `seeds`: the demo variants, every condition, the
  /// paper's attack — the `demo` preset, which a test keeps equal to these defaults.
  public static func demo(families: [ModelFamily], seeds: [UInt64]) -> Experiment {
    Experiment(
      families: families.map(FamilySettings.defaults(for:)),
      variants: AlignmentVariant.demoVariants, seeds: seeds)
  }

  /// The experiment of a built-in preset (`Sources/RefusalLab/Presets/NAME.json`).
  public static func preset(named name: String) throws -> Experiment {
    try ExperimentFile.preset(named: name).experiment
  }

  /// The temperature rule: 0 (greedy) or a sampling temperature up to 100.
  static let temperatureRule = "must be in (0, 100]"

  /// Checks every setting, naming the first one out of range by its path in an experiment
  /// file (`families[1].attack.epochs: must be in 1…1000, got 0`).
  public func validate() throws(ConfigurationError) {
    try world.validate()
    try ConfigurationError.checkNotEmpty(families.count, at: "families")
    for (index, family) in families.enumerated() {
      try family.validate(path: "families[\(index)]")
    }
    try ConfigurationError.checkDistinct(families.map(\.family), at: "families") {
      "\($0.rawValue) is listed twice (runs are identified by family)"
    }
    try checkMemory()
    try ConfigurationError.checkNotEmpty(variants.count, at: "variants")
    for (index, variant) in variants.enumerated() {
      try variant.validate(
        styleCount: WorldLexicon.refusalStyles.count, path: "variants[\(index)]")
    }
    try ConfigurationError.checkDistinct(variants.map(\.name), at: "variants") {
      "duplicate variant name \"\($0)\""
    }
    try ConfigurationError.checkNotEmpty(conditions.count, at: "attack.conditions")
    try ConfigurationError.checkDistinct(conditions, at: "attack.conditions") {
      "\"\($0.rawValue)\" is listed twice"
    }
    try attack.validate(styleCount: WorldLexicon.refusalStyles.count)
    try checkBlockSizes()
    try ConfigurationError.check(maxNewTokens, in: 1...256, at: "decoding.maxNewTokens")
    try ConfigurationError.check(temperature, Self.temperatureRule, at: "decoding.temperature") {
      $0 == 0 || ($0 > 0 && $0 <= 100)
    }
    try ConfigurationError.checkNotEmpty(seeds.count, at: "seeds")
    guard seeds.count <= Self.mostSeeds else {
      throw ConfigurationError(
        "seeds", "must hold at most \(Self.mostSeeds) seeds", got: seeds.count)
    }
    try ConfigurationError.checkDistinct(seeds, at: "seeds") { "seed \($0) is listed twice" }
  }

  /// The most seeds one experiment runs (as `seeds.count` allows).
  public static let mostSeeds = 10_000

  /// The engine configuration and largest batch of each family's transformer (`nil` for
  /// the n-gram, whose tables grow with the corpus and stay small).
  func transformerShapes() -> [(configuration: TransformerConfiguration, batch: Int)?] {
    let vocabularySize = (try? World(configuration: world))?.vocabulary.count ?? 0
    return families.map { settings in
      guard settings.family == .transformer else { return nil }
      let batch = max(
        settings.pretrain.batchSize, settings.align.batchSize, settings.attack.batchSize)
      return (settings.transformer.configuration(vocabularySize: vocabularySize), batch)
    }
  }

  /// Refuses a transformer whose training would need more memory than this machine has,
  /// estimated before anything is allocated
  /// (``TinyLM/TransformerConfiguration/trainingMemoryBytes(batchSize:)``).
  func checkMemory() throws(ConfigurationError) {
    for (index, shape) in transformerShapes().enumerated() {
      if let shape, let problem = shape.configuration.trainingMemoryProblem(batchSize: shape.batch)
      {
        throw ConfigurationError(field: "families[\(index)].transformer", message: problem)
      }
    }
  }

  /// Refuses a transformer whose block is shorter than the longest training sequence its
  /// corpora can hold (``LongestSequence``), which training would otherwise reject only when
  /// it reaches that sequence.
  func checkBlockSizes() throws(ConfigurationError) {
    let longest = LongestSequence.tokens(of: self, world: try World(configuration: world))
    for (index, settings) in families.enumerated()
    where settings.family == .transformer && settings.transformer.blockSize < longest - 1 {
      throw ConfigurationError(
        field: "families[\(index)].transformer.blockSize",
        message: "\(settings.transformer.blockSize) is shorter than the longest training "
          + "sequence (\(longest) tokens); at least \(longest - 1) needed")
    }
  }

  /// What the experiment will train and the memory it needs, in one line, to print before
  /// starting: `200 runs: 10 pretrainings, 50 alignments, 150 attacks; …`.
  public var plan: String {
    let units = families.count * seeds.count
    let attacks = conditions.filter { $0 != .none }.count
    let runs = units * variants.count * conditions.count
    var text =
      "\(runs) run\(runs == 1 ? "" : "s"): \(units) pretraining\(units == 1 ? "" : "s"), "
      + "\(units * variants.count) alignments, \(units * variants.count * attacks) attacks"
    let estimates = transformerShapes().compactMap {
      $0.map { $0.configuration.trainingMemoryBytes(batchSize: $0.batch) }
    }
    if let largest = estimates.max() {
      text += String(
        format: "; each transformer training needs about %.0f MB",
        Double(largest) / Double(1 << 20))
    }
    return text
  }

}
