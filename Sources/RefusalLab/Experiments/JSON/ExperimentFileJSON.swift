import Foundation
import TinyLM

extension ExperimentFile: JSONObjectSetting {
  /// The file's keys, in documentation order. A file that leaves a key out gets the
  /// classroom demo's value (an empty object `{}` is the demo).
  static let keys: [JSONKey<Self>] = [
    JSONKey("name") { file, field throws(ConfigurationError) in
      file.name = try String(json: field)
      guard !file.name.isEmpty, !file.name.contains(where: \.isNewline) else {
        throw ConfigurationError(field.path, "must be a non-empty single line", got: "\"\"")
      }
    } write: {
      .string($0.name)
    },
    .init("description", \.description),
    .init("world", \.experiment.world),
    .list(
      "families", \.experiment.families, of: "family names or family objects",
      blank: .ngramDefault),
    .list(
      "variants", \.experiment.variants, of: "variant names or variant objects", blank: .rigid),
    .object("attack", attackKeys),
    JSONKey("decoding") { file, field throws(ConfigurationError) in
      try file.experiment.readDecoding(field)
    } write: {
      $0.experiment.decodingJSON
    },
    JSONKey("seeds") { file, field throws(ConfigurationError) in
      file.experiment.seeds = try Experiment.readSeeds(field)
    } write: {
      .array($0.experiment.seeds.map(\.json))
    },
    .list("diagnostics", \.diagnostics, of: "diagnostic names", blank: .prefill),
  ]

  /// The keys of `attack`: the conditions and the attack data.
  static let attackKeys: [JSONKey<Self>] = [
    .list(
      "conditions", \.experiment.conditions, of: "condition names", blank: AttackCondition.none),
    .init("sampleCount", \.experiment.attack.sampleCount),
    .list(
      "refusalPrefixStyles", \.experiment.attack.refusalPrefixStyles, of: "style indices",
      blank: 0),
    .init("prefixLength", \.experiment.attack.prefixLength),
  ]

  /// Every key an experiment file may hold, section by section, as the decoder reads them:
  /// `top level`, `world`, `families[i]`, `ngram`, `transformer`, `training options`
  /// (`pretrain`, `align`, `attack` of a family), `variants[i]`, `recovery`, `attack`,
  /// `decoding`, `seeds`. The *Experiment File Reference* article documents each one; a test
  /// keeps the two equal.
  public static var knownKeys: [(section: String, keys: [String])] {
    [
      ("top level", keys.map(\.name)), ("world", WorldConfiguration.keys.map(\.name)),
      ("families[i]", FamilySettings.keys.map(\.name)),
      ("ngram", NGramSettings.keys.map(\.name)),
      ("transformer", TransformerSettings.keys.map(\.name)),
      ("training options", TrainingOptions.keys.map(\.name)),
      ("variants[i]", AlignmentVariant.keys.map(\.name)),
      ("recovery", RecoverySettings.keys.map(\.name)), ("attack", attackKeys.map(\.name)),
      ("decoding", Experiment.decodingKeys), ("seeds", Experiment.seedKeys),
    ]
  }

  /// Decodes and validates a file's bytes. Every problem is reported with its field path,
  /// or with a line and column when the bytes are not valid JSON.
  public init(json data: Data) throws(ConfigurationError) {
    let root: Any
    do {
      root = try JSONSerialization.jsonObject(with: data, options: [])
    } catch {
      throw JSONSyntax.error(error, in: data)
    }
    self.init(
      experiment: Experiment(
        families: ModelFamily.allCases.map(FamilySettings.defaults(for:)),
        variants: AlignmentVariant.demoVariants, seeds: [0, 1, 2, 3, 4]))
    try read(JSONField(value: root, path: ""))
    try experiment.validate()
    try ConfigurationError.checkDistinct(diagnostics, at: "diagnostics") {
      "\"\($0.rawValue)\" is listed twice"
    }
  }

  /// The file written out in full: every key with its value, in the documented order, with
  /// built-in variants by name. Decoding it gives this file back.
  public func json() -> String { json.pretty + "\n" }

  /// A fingerprint of everything that decides the runs' results (all but `name` and
  /// `description`): 16 hex digits of the FNV-1a hash of the canonical one-line JSON.
  /// `sweep --resume` uses it to refuse a file written by a different experiment.
  public var fingerprint: String {
    let keys = Self.keys.filter { $0.name != "name" && $0.name != "description" }
    let hex = String(fnv1a(keys.json(self).compact), radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
  }
}

extension Experiment {
  /// The keys of a `decoding` object.
  static let decodingKeys = ["mode", "temperature", "maxNewTokens"]
  /// The keys of a `seeds` object.
  static let seedKeys = ["first", "count"]

  /// `"greedy"`, `"sampled"` or `{mode, temperature, maxNewTokens}`.
  mutating func readDecoding(_ field: JSONField) throws(ConfigurationError) {
    let modes = ["greedy", "sampled"]
    if field.value is String {
      maxNewTokens = 24
      temperature = try field.choice(modes, what: "decoding mode") == "greedy" ? 0 : 1
      return
    }
    let object = try field.object(known: Self.decodingKeys)
    let sampled = try object["mode"]?.choice(modes, what: "decoding mode") == "sampled"
    maxNewTokens = try object["maxNewTokens"].map(Int.init(json:)) ?? 24
    temperature = sampled ? 1 : 0
    if let given = object["temperature"] {
      guard sampled else {
        throw ConfigurationError(
          field: given.path, message: "only applies when mode is \"sampled\"")
      }
      temperature = try Double(json: given)
      // 0 would mean greedy decoding, which a sampled mode contradicts.
      guard temperature != 0 else {
        throw ConfigurationError(given.path, Experiment.temperatureRule, got: 0)
      }
    }
  }

  var decodingJSON: JSONValue {
    .object(
      [("mode", .string(temperature > 0 ? "sampled" : "greedy"))]
        + (temperature > 0 ? [("temperature", temperature.json)] : [])
        + [("maxNewTokens", maxNewTokens.json)])
  }

  /// An array of seeds, or `{first, count}`.
  static func readSeeds(_ field: JSONField) throws(ConfigurationError) -> [UInt64] {
    guard field.isObject else {
      guard field.value is [Any] else {
        throw field.typeError("an array of non-negative integers or {\"first\", \"count\"}")
      }
      return try field.array(of: "non-negative integers", blank: 0)
    }
    let object = try field.object(known: seedKeys)
    let first = try object["first"].map(UInt64.init(json:)) ?? 0
    let countField = try field.required("count", in: object)
    let count = try Int(json: countField)
    try ConfigurationError.check(count, in: 1...mostSeeds, at: countField.path)
    guard first <= UInt64.max - UInt64(count - 1) else {
      throw ConfigurationError(
        field: field.path, message: "first + count − 1 exceeds \(UInt64.max)")
    }
    return (0..<UInt64(count)).map { first + $0 }
  }
}
