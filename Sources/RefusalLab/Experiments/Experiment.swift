import Foundation

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

  /// The classroom demo: the `demo` preset (the demo variants, every condition), on
  /// `families`, over `seeds`.
  public static func demo(families: [ModelFamily], seeds: [UInt64]) -> Experiment {
    // The preset file and the code defaults are kept equal by a test; should the resource
    // bundle be missing (a binary copied away from its build folder), the code defaults run.
    var experiment =
      (try? preset(named: "demo"))
      ?? Experiment(
        families: families.map(FamilySettings.defaults(for:)),
        variants: AlignmentVariant.demoVariants, seeds: seeds)
    let presetFamilies = experiment.families
    experiment.families = families.map { family in
      presetFamilies.first { $0.family == family } ?? .defaults(for: family)
    }
    experiment.seeds = seeds
    return experiment
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
    try Self.checkDistinct(families: families, at: "families")
    try checkMemory()
    try ConfigurationError.checkNotEmpty(variants.count, at: "variants")
    for (index, variant) in variants.enumerated() {
      try variant.validate(
        styleCount: WorldLexicon.refusalStyles.count, path: "variants[\(index)]")
    }
    try Self.checkDistinct(variants: variants, at: "variants")
    try ConfigurationError.checkNotEmpty(conditions.count, at: "attack.conditions")
    try Self.checkDistinct(conditions: conditions, at: "attack.conditions")
    try attack.validate(styleCount: WorldLexicon.refusalStyles.count)
    try Self.validate(maxNewTokens: maxNewTokens, at: "decoding.maxNewTokens")
    try Self.validate(temperature: temperature, at: "decoding.temperature")
    try ConfigurationError.checkNotEmpty(seeds.count, at: "seeds")
    guard seeds.count <= Self.mostSeeds else {
      throw ConfigurationError(
        "seeds", "must hold at most \(Self.mostSeeds) seeds", got: seeds.count)
    }
    try Self.checkDistinct(seeds: seeds, at: "seeds")
  }

  /// The most seeds one experiment runs (as `seeds.count` allows).
  public static let mostSeeds = 10_000

  /// The memory one transformer training needs, estimated before anything is allocated
  /// (``TinyLM/TransformerConfiguration/trainingMemoryBytes(batchSize:)``), in bytes, per
  /// family; 0 for the n-gram, whose tables grow with the corpus and stay small.
  public func trainingMemoryEstimates() -> [Int] {
    let vocabularySize = (try? World(configuration: world))?.vocabulary.count ?? 0
    return families.map { settings in
      guard settings.family == .transformer else { return 0 }
      let batch = max(
        settings.pretrain.batchSize, settings.align.batchSize, settings.attack.batchSize)
      return settings.transformer.configuration(vocabularySize: vocabularySize)
        .trainingMemoryBytes(batchSize: batch)
    }
  }

  /// Refuses a transformer whose training would need more memory than this machine has.
  func checkMemory() throws(ConfigurationError) {
    let available = ProcessInfo.processInfo.physicalMemory
    for (index, bytes) in trainingMemoryEstimates().enumerated() where UInt64(bytes) > available {
      throw ConfigurationError(
        field: "families[\(index)].transformer",
        message:
          "training needs about \(Self.gibibytes(bytes)) of memory (parameters, optimiser "
          + "state, activations at the largest batch); this machine has "
          + Self.gibibytes(Int(min(available, UInt64(Int.max)))))
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
    if let largest = trainingMemoryEstimates().max(), largest > 0 {
      text += String(
        format: "; each transformer training needs about %.0f MB",
        Double(largest) / Double(1 << 20))
    }
    return text
  }

  /// `bytes` as `12.3 GiB`.
  static func gibibytes(_ bytes: Int) -> String {
    String(format: "%.1f GiB", Double(bytes) / Double(1 << 30))
  }

  /// Each family at most once: runs are identified by their family.
  static func checkDistinct(families: [FamilySettings], at path: String)
    throws(ConfigurationError)
  {
    try ConfigurationError.checkDistinct(families.map(\.family), at: path) {
      "\($0.rawValue) is listed twice (runs are identified by family)"
    }
  }

  /// Variant names are unique: runs are identified by them.
  static func checkDistinct(variants: [AlignmentVariant], at path: String)
    throws(ConfigurationError)
  {
    try ConfigurationError.checkDistinct(variants.map(\.name), at: path) {
      "duplicate variant name \"\($0)\""
    }
  }

  /// Each condition at most once.
  static func checkDistinct(conditions: [AttackCondition], at path: String)
    throws(ConfigurationError)
  {
    try ConfigurationError.checkDistinct(conditions, at: path) {
      "\"\($0.rawValue)\" is listed twice"
    }
  }

  /// Each seed at most once.
  static func checkDistinct(seeds: [UInt64], at path: String) throws(ConfigurationError) {
    try ConfigurationError.checkDistinct(seeds, at: path) { "seed \($0) is listed twice" }
  }

  /// The longest answer: 1…256 tokens.
  static func validate(maxNewTokens: Int, at path: String) throws(ConfigurationError) {
    try ConfigurationError.check(maxNewTokens, in: 1...256, at: path)
  }

  /// 0 for greedy decoding, or a sampling temperature in (0, 100].
  static func validate(temperature: Double, at path: String) throws(ConfigurationError) {
    try ConfigurationError.check(temperature, temperatureRule, at: path) {
      $0 == 0 || ($0 > 0 && $0 <= 100)
    }
  }
}
