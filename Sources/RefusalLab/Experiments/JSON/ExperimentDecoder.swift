import Foundation

/// Walks a parsed experiment file and builds an ``ExperimentFile``; every missing key takes
/// the built-in value (an empty object `{}` is the classroom demo).
enum ExperimentDecoder {
  /// The keys of a `decoding` object.
  static let decodingKeys = ["mode", "temperature", "maxNewTokens"]
  /// The keys of a `seeds` object.
  static let seedKeys = ["first", "count"]

  /// The seeds of a file that gives none: 0…4, as the demo.
  static let defaultSeeds: [UInt64] = [0, 1, 2, 3, 4]

  static func decode(_ root: JSONField) throws(ConfigurationError) -> ExperimentFile {
    let object = try root.object(known: ExperimentFile.topLevelKeys)
    var file = ExperimentFile(
      experiment: Experiment(
        families: ModelFamily.allCases.map(FamilySettings.defaults(for:)),
        variants: AlignmentVariant.demoVariants, seeds: defaultSeeds))
    if let name = object["name"] {
      file.name = try name.string()
      guard !file.name.isEmpty, !file.name.contains(where: \.isNewline) else {
        throw ConfigurationError(name.path, "must be a non-empty single line", got: "\"\"")
      }
    }
    if let description = object["description"] { file.description = try description.string() }
    if let world = object["world"] { file.experiment.world = try WorldDecoder.decode(world) }
    if let families = object["families"] {
      file.experiment.families = try FamilyDecoder.decodeList(families)
    }
    let styleCount = WorldLexicon.refusalStyles.count
    if let variants = object["variants"] {
      file.experiment.variants = try VariantDecoder.decodeList(variants, styleCount: styleCount)
    }
    if let attack = object["attack"] {
      let decoded = try AttackDecoder.decode(attack, styleCount: styleCount)
      file.experiment.attack = decoded.settings
      file.experiment.conditions = decoded.conditions
    }
    if let decoding = object["decoding"] {
      let decoded = try decodeDecoding(decoding)
      file.experiment.maxNewTokens = decoded.maxNewTokens
      file.experiment.temperature = decoded.temperature
    }
    if let seeds = object["seeds"] { file.experiment.seeds = try decodeSeeds(seeds) }
    if let diagnostics = object["diagnostics"] {
      file.diagnostics = try decodeDiagnostics(diagnostics)
    }
    return file
  }

  /// `"greedy"`, `"sampled"` or `{mode, temperature, maxNewTokens}`.
  static func decodeDecoding(_ field: JSONField) throws(ConfigurationError) -> (
    maxNewTokens: Int, temperature: Double
  ) {
    let modes = ["greedy", "sampled"]
    if field.value is String {
      let mode = try field.choice(modes, what: "decoding mode")
      return (24, mode == "greedy" ? 0 : 1)
    }
    let object = try field.object(known: decodingKeys)
    let mode = try object["mode"]?.choice(modes, what: "decoding mode") ?? "greedy"
    var maxNewTokens = 24
    if let given = object["maxNewTokens"] {
      maxNewTokens = try given.integer()
      try Experiment.validate(maxNewTokens: maxNewTokens, at: given.path)
    }
    var temperature = 0.0
    if let given = object["temperature"] {
      guard mode == "sampled" else {
        throw ConfigurationError(
          field: given.path, message: "only applies when mode is \"sampled\"")
      }
      temperature = try given.number()
      // 0 would mean greedy decoding, which a sampled mode contradicts.
      guard temperature != 0 else {
        throw ConfigurationError(given.path, Experiment.temperatureRule, got: 0)
      }
      try Experiment.validate(temperature: temperature, at: given.path)
    } else if mode == "sampled" {
      temperature = 1
    }
    return (maxNewTokens, temperature)
  }

  /// An array of seeds, or `{first, count}`.
  static func decodeSeeds(_ field: JSONField) throws(ConfigurationError) -> [UInt64] {
    if field.value is [String: Any] {
      let object = try field.object(known: seedKeys)
      let first = try object["first"]?.seed() ?? 0
      let countField = try object.required("count")
      let count = try countField.integer()
      try ConfigurationError.check(count, in: 1...10_000, at: countField.path)
      guard first <= UInt64.max - UInt64(count - 1) else {
        throw ConfigurationError(
          field: field.path, message: "first + count − 1 exceeds \(UInt64.max)")
      }
      return (0..<UInt64(count)).map { first + $0 }
    }
    guard field.value is [Any] else {
      throw field.typeError("an array of non-negative integers or {\"first\", \"count\"}")
    }
    let seeds = try field.array(of: "non-negative integers").map {
      element throws(ConfigurationError) in try element.seed()
    }
    try Experiment.checkDistinct(seeds: seeds, at: field.path)
    return seeds
  }

  static func decodeDiagnostics(_ field: JSONField) throws(ConfigurationError)
    -> [ExperimentDiagnostic]
  {
    let names = ExperimentDiagnostic.allCases.map(\.rawValue)
    let diagnostics = try field.array(of: "diagnostic names").map {
      element throws(ConfigurationError) in
      ExperimentDiagnostic(rawValue: try element.choice(names, what: "diagnostic"))!
    }
    try ConfigurationError.checkDistinct(diagnostics, at: field.path) {
      "\"\($0.rawValue)\" is listed twice"
    }
    return diagnostics
  }
}
