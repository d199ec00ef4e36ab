import TinyLM

// How each setting is spelled in an experiment file (`ExperimentFiles.md`). Reading only
// reads; ranges are checked once the whole file is read, by `Experiment.validate()`.

extension WorldConfiguration: JSONObjectSetting {
  static let keys: [JSONKey<Self>] = [
    .init("benignTopics", \.benignTopics), .init("forbiddenTopics", \.forbiddenTopics),
    .init("answerLength", \.answerLength),
    .init("neutralOpenerFraction", \.neutralOpenerFraction),
    .init("refusalOpenerFraction", \.refusalOpenerFraction),
    .init("pretrainingKnowledgeCopies", \.pretrainingKnowledgeCopies),
    .init("alignmentKnowledgeCopies", \.alignmentKnowledgeCopies),
  ]
}

extension NGramSettings: JSONObjectSetting {
  static let keys: [JSONKey<Self>] = [
    .init("order", \.order), .init("smoothing", \.smoothing),
    .init("memoryWeight", \.memoryWeight),
  ]
}

extension TransformerSettings: JSONObjectSetting {
  static let keys: [JSONKey<Self>] = [
    .init("layers", \.layers), .init("heads", \.heads), .init("embedding", \.embedding),
    .init("blockSize", \.blockSize),
  ]
}

extension TrainingOptions: JSONObjectSetting {
  static let keys: [JSONKey<Self>] = [
    .init("epochs", \.epochs),
    JSONKey("maxSteps") { options, field throws(ConfigurationError) in
      options.maxSteps = field.isNull ? nil : try Int(json: field)
    } write: {
      $0.maxSteps?.json ?? .null
    },
    .init("batchSize", \.batchSize), .init("learningRate", \.learningRate),
    .init("optimizer", \.optimizer), .init("momentum", \.momentum),
    .init("weightDecay", \.weightDecay), .init("warmupFraction", \.warmupFraction),
    .init("cosineDecay", \.cosineDecay),
    .init("minLearningRateFraction", \.minLearningRateFraction),
    .init("gradientClip", \.gradientClip), .init("objective", \.objective),
  ]
}

/// `"cross-entropy"`, `"tokenwise-constrained"` (Qi et al.'s β) or
/// `{"tokenwise-constrained": {"betas": [...]}}`.
extension TrainingObjective: JSONSetting {
  mutating func read(_ field: JSONField) throws(ConfigurationError) {
    if field.value is String {
      let names = ["cross-entropy", "tokenwise-constrained"]
      self = try field.choice(names, what: "objective") == names[0] ? .crossEntropy : .qiDefault
      return
    }
    guard field.isObject else {
      throw field.typeError("\"cross-entropy\" or {\"tokenwise-constrained\": {\"betas\": […]}}")
    }
    let outer = try field.object(known: ["tokenwise-constrained"])
    let inner = try field.required("tokenwise-constrained", in: outer).object(known: ["betas"])
    self = .qiDefault
    if let betas = inner["betas"] {
      self = .tokenwiseConstrained(betas: try betas.array(of: "numbers", blank: 0.0))
    }
  }

  var json: JSONValue {
    switch self {
    case .crossEntropy: .string("cross-entropy")
    case .tokenwiseConstrained(let betas):
      .object([("tokenwise-constrained", .object([("betas", .array(betas.map(\.json)))]))])
    }
  }
}

/// A family name (its defaults) or an object naming `family` and overriding its defaults.
extension FamilySettings: JSONObjectSetting {
  static let keys: [JSONKey<Self>] = [
    JSONKey("family", required: true) { settings, field throws(ConfigurationError) in
      settings = .defaults(for: try ModelFamily(json: field))
    } write: {
      $0.family.json
    },
    section(.ngram, \.ngram), section(.transformer, \.transformer),
    .init("pretrain", \.pretrain), .init("align", \.align), .init("attack", \.attack),
  ]

  /// The key, named after `family`, of a model shape that only `family` has.
  private static func section<Value: JSONSetting>(
    _ family: ModelFamily, _ path: WritableKeyPath<Self, Value> & Sendable
  ) -> JSONKey<Self> {
    JSONKey(family.rawValue) { settings, field throws(ConfigurationError) in
      guard settings.family == family else {
        throw ConfigurationError(
          field: field.path, message: "only applies to the \(family.rawValue) family")
      }
      try settings[keyPath: path].read(field)
    } write: {
      $0.family == family ? $0[keyPath: path].json : nil
    }
  }

  mutating func read(_ field: JSONField) throws(ConfigurationError) {
    if field.value is String {
      self = .defaults(for: try ModelFamily(json: field))
      return
    }
    guard field.isObject else { throw field.typeError("a family name or an object") }
    try field.read(Self.keys, into: &self)
  }
}

extension RecoverySettings: JSONObjectSetting {
  static let keys: [JSONKey<Self>] = [
    .init("fraction", \.fraction), .init("afterHarmfulStart", \.afterHarmfulStart),
    .init("afterRefusalOpener", \.afterRefusalOpener), .init("benignContrast", \.benignContrast),
  ]
}

/// A built-in variant's name, or an object; an object's missing keys come from `base`
/// (default `rigid`).
extension AlignmentVariant: JSONObjectSetting {
  static let keys: [JSONKey<Self>] = [
    JSONKey("name", required: true) { variant, field throws(ConfigurationError) in
      variant.name = try String(json: field)
    } write: {
      .string($0.name)
    },
    JSONKey("base") { variant, field throws(ConfigurationError) in
      let name = variant.name
      variant = try builtIn(field, what: "base variant")
      variant.name = name
    } write: { _ in
      nil
    },
    .init("summary", \.summary),
    JSONKey("styles") { variant, field throws(ConfigurationError) in
      variant.styles = try field.array(of: "style indices", blank: 0)
      variant.styleWeights = Array(repeating: 1, count: variant.styles.count)
    } write: {
      .array($0.styles.map(\.json))
    },
    .list("styleWeights", \.styleWeights, of: "numbers", blank: 0.0),
    .init("assignment", \.assignment), .init("body", \.body),
    .init("helpfulOpenerFraction", \.helpfulOpenerFraction),
    .init("refusalCopies", \.refusalCopies),
    JSONKey("recovery") { variant, field throws(ConfigurationError) in
      guard field.isObject || field.isNull else { throw field.typeError("an object or null") }
      var recovery = field.isNull ? nil : variant.recovery ?? .standard
      try recovery?.read(field)
      variant.recovery = recovery
    } write: {
      $0.recovery?.json ?? .null
    },
  ]

  static func builtIn(_ field: JSONField, what: String) throws(ConfigurationError)
    -> AlignmentVariant
  {
    let name = try field.choice(builtIn.map(\.name), what: what)
    return builtIn.first { $0.name == name }!
  }

  mutating func read(_ field: JSONField) throws(ConfigurationError) {
    if field.value is String {
      self = try Self.builtIn(field, what: "variant")
      return
    }
    guard field.isObject else { throw field.typeError("a variant name or an object") }
    self = .rigid
    summary = "a custom variant"
    try field.read(Self.keys, into: &self)
    if let builtIn = Self.builtIn.first(where: { $0.name == name }), builtIn != self {
      let base = (field.value as? [String: Any])?["base"] as? String ?? "rigid"
      throw ConfigurationError(
        field: field.path("name"),
        message: "\"\(name)\" is a built-in variant; give a changed one another name"
          + (base == name ? "" : " (or write the string \"\(name)\")"))
    }
  }

  var json: JSONValue {
    Self.builtIn.contains(self) ? .string(name) : Self.keys.json(self)
  }
}

extension OptimizerKind: JSONChoice { static let choiceName = "optimizer" }
extension ModelFamily: JSONChoice { static let choiceName = "family" }
extension StyleAssignment: JSONChoice { static let choiceName = "style assignment" }
extension RefusalBody: JSONChoice { static let choiceName = "refusal body" }
extension AttackCondition: JSONChoice { static let choiceName = "condition" }
extension ExperimentDiagnostic: JSONChoice { static let choiceName = "diagnostic" }
