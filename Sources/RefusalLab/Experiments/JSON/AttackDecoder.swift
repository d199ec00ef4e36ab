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
      conditions = []
      for element in try value.array(of: "condition names") {
        let condition = AttackCondition(
          rawValue: try element.choice(
            AttackCondition.allCases.map(\.rawValue), what: "condition"))!
        guard !conditions.contains(condition) else {
          throw ConfigurationError(
            field: element.path, message: "\"\(condition.rawValue)\" is listed twice")
        }
        conditions.append(condition)
      }
    }
    if let value = object["sampleCount"] {
      settings.sampleCount = try value.integer(in: 1...100_000)
    }
    if let value = object["refusalPrefixStyles"] {
      var styles: [Int] = []
      for element in try value.array(of: "style indices") {
        styles.append(try element.integer(in: 0...(styleCount - 1)))
      }
      settings.refusalPrefixStyles = styles
    }
    if let value = object["prefixLength"] {
      settings.prefixLength = try value.integer(in: 1...AttackSettings.longestPrefix)
    }
    return (settings, conditions)
  }
}
