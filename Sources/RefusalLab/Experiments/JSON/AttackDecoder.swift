/// `attack`: the conditions and the attack data.
enum AttackDecoder {
  static let keys = ["conditions", "sampleCount", "refusalPrefixStyles", "prefixLength"]

  static func decode(_ field: JSONField, styleCount: Int) throws(ConfigurationError) -> (
    settings: AttackSettings, conditions: [AttackCondition]
  ) {
    let object = try field.object(known: keys)
    var settings = AttackSettings.paper
    var conditions = AttackCondition.allCases
    if let value = object["conditions"] {
      let names = AttackCondition.allCases.map(\.rawValue)
      conditions = try value.array(of: "condition names").map {
        element throws(ConfigurationError) in
        AttackCondition(rawValue: try element.choice(names, what: "condition"))!
      }
      try Experiment.checkDistinct(conditions: conditions, at: value.path)
    }
    if let value = object["sampleCount"] { settings.sampleCount = try value.integer() }
    if let value = object["refusalPrefixStyles"] {
      settings.refusalPrefixStyles = try value.integers("style indices")
    }
    if let value = object["prefixLength"] { settings.prefixLength = try value.integer() }
    try settings.validate(styleCount: styleCount, path: field.path)
    return (settings, conditions)
  }
}
