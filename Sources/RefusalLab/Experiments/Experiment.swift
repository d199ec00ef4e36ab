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

  /// Checks every setting, naming the first one out of range.
  public func validate() throws(ConfigurationError) {
    guard !families.isEmpty else {
      throw ConfigurationError("families", "must not be empty", got: "[]")
    }
    guard !variants.isEmpty else {
      throw ConfigurationError("variants", "must not be empty", got: "[]")
    }
    guard !conditions.isEmpty else {
      throw ConfigurationError("conditions", "must not be empty", got: "[]")
    }
    guard !seeds.isEmpty else { throw ConfigurationError("seeds", "must not be empty", got: "[]") }
    guard attack.sampleCount >= 1 else {
      throw ConfigurationError("attack.sampleCount", "must be ≥ 1", got: attack.sampleCount)
    }
    guard (1...AttackSettings.longestPrefix).contains(attack.prefixLength) else {
      throw ConfigurationError(
        "attack.prefixLength", "must be in 1…\(AttackSettings.longestPrefix)",
        got: attack.prefixLength)
    }
    guard maxNewTokens >= 1 else {
      throw ConfigurationError("maxNewTokens", "must be ≥ 1", got: maxNewTokens)
    }
    guard temperature.isFinite, temperature >= 0 else {
      throw ConfigurationError("temperature", "must be a finite number ≥ 0", got: temperature)
    }
  }
}
