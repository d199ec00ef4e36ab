/// `world`: the world's size.
enum WorldDecoder {
  static let keys = [
    "benignTopics", "forbiddenTopics", "answerLength", "neutralOpenerFraction",
    "refusalOpenerFraction", "pretrainingKnowledgeCopies", "alignmentKnowledgeCopies",
  ]

  static func decode(_ field: JSONField) throws(ConfigurationError) -> WorldConfiguration {
    let object = try field.object(known: keys)
    var world = WorldConfiguration.standard
    if let value = object["benignTopics"] { world.benignTopics = try value.integer() }
    if let value = object["forbiddenTopics"] { world.forbiddenTopics = try value.integer() }
    if let value = object["answerLength"] { world.answerLength = try value.integer() }
    if let value = object["neutralOpenerFraction"] {
      world.neutralOpenerFraction = try value.number()
    }
    if let value = object["refusalOpenerFraction"] {
      world.refusalOpenerFraction = try value.number()
    }
    if let value = object["pretrainingKnowledgeCopies"] {
      world.pretrainingKnowledgeCopies = try value.integer()
    }
    if let value = object["alignmentKnowledgeCopies"] {
      world.alignmentKnowledgeCopies = try value.integer()
    }
    try world.validate(path: field.path)
    return world
  }
}
