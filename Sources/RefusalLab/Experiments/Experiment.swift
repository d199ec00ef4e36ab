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
    try ConfigurationError.checkDistinct(families.map(\.family), at: "families") {
      "\($0.rawValue) is listed twice (runs are identified by family)"
    }
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
    try ConfigurationError.check(maxNewTokens, in: 1...256, at: "decoding.maxNewTokens")
    try ConfigurationError.check(temperature, Self.temperatureRule, at: "decoding.temperature") {
      $0 == 0 || ($0 > 0 && $0 <= 100)
    }
    try ConfigurationError.checkNotEmpty(seeds.count, at: "seeds")
    try ConfigurationError.checkDistinct(seeds, at: "seeds") { "seed \($0) is listed twice" }
  }
}
