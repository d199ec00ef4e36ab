import Foundation

/// `variants`: built-in names or custom variant objects.
enum VariantDecoder {
  static let keys = [
    "name", "base", "summary", "styles", "styleWeights", "assignment", "body",
    "helpfulOpenerFraction", "refusalCopies", "recovery",
  ]
  static let recoveryKeys = [
    "fraction", "afterHarmfulStart", "afterRefusalOpener", "benignContrast",
  ]

  static func decodeList(_ field: JSONField, styleCount: Int) throws(ConfigurationError)
    -> [AlignmentVariant]
  {
    var result: [AlignmentVariant] = []
    for element in try field.array(of: "variant names or variant objects") {
      result.append(try decode(element, styleCount: styleCount))
    }
    try Experiment.checkDistinct(variants: result, at: field.path)
    return result
  }

  static func builtIn(_ field: JSONField, what: String) throws(ConfigurationError)
    -> AlignmentVariant
  {
    let name = try field.choice(AlignmentVariant.builtIn.map(\.name), what: what)
    return AlignmentVariant.builtIn.first { $0.name == name }!
  }

  /// A built-in variant's name, or an object; an object's missing keys come from `base`
  /// (default `rigid`).
  static func decode(_ field: JSONField, styleCount: Int) throws(ConfigurationError)
    -> AlignmentVariant
  {
    if field.value is String { return try builtIn(field, what: "variant") }
    guard field.value is [String: Any] else {
      throw field.typeError("a variant name or an object")
    }
    let object = try field.object(known: keys)
    let nameField = try object.required("name")
    let name = try nameField.string()
    var variant =
      try object["base"].map { base throws(ConfigurationError) in
        try builtIn(base, what: "base variant")
      } ?? .rigid
    let baseName = variant.name
    variant.name = name
    if object["base"] == nil { variant.summary = "a custom variant" }
    if let value = object["summary"] { variant.summary = try value.string() }
    if let value = object["styles"] {
      variant.styles = try value.integers("style indices")
      variant.styleWeights = Array(repeating: 1, count: variant.styles.count)
    }
    if let value = object["styleWeights"] {
      variant.styleWeights = try value.numbers()
    }
    if let value = object["assignment"] {
      variant.assignment = StyleAssignment(
        rawValue: try value.choice(
          StyleAssignment.allCases.map(\.rawValue), what: "style assignment"))!
    }
    if let value = object["body"] {
      variant.body = RefusalBody(
        rawValue: try value.choice(RefusalBody.allCases.map(\.rawValue), what: "refusal body"))!
    }
    if let value = object["helpfulOpenerFraction"] {
      variant.helpfulOpenerFraction = try value.number()
    }
    if let value = object["refusalCopies"] { variant.refusalCopies = try value.integer() }
    if let value = object["recovery"] {
      variant.recovery = try decodeRecovery(value, defaults: variant.recovery ?? .standard)
    }
    try variant.validate(styleCount: styleCount, path: field.path)
    if let builtIn = AlignmentVariant.builtIn.first(where: { $0.name == name }),
      builtIn != variant
    {
      throw ConfigurationError(
        field: nameField.path,
        message: "\"\(name)\" is a built-in variant; give a changed one another name"
          + (baseName == name ? "" : " (or write the string \"\(name)\")"))
    }
    return variant
  }

  /// `null` (no recovery examples) or an object overriding `defaults`.
  static func decodeRecovery(_ field: JSONField, defaults: RecoverySettings)
    throws(ConfigurationError) -> RecoverySettings?
  {
    if field.value is NSNull { return nil }
    guard field.value is [String: Any] else { throw field.typeError("an object or null") }
    let object = try field.object(known: recoveryKeys)
    var recovery = defaults
    if let value = object["fraction"] { recovery.fraction = try value.number() }
    if let value = object["afterHarmfulStart"] { recovery.afterHarmfulStart = try value.boolean() }
    if let value = object["afterRefusalOpener"] {
      recovery.afterRefusalOpener = try value.boolean()
    }
    if let value = object["benignContrast"] { recovery.benignContrast = try value.boolean() }
    return recovery
  }
}
