/// `world`: the world's size.
enum WorldDecoder {
  static let keys = [
    "benignTopics", "forbiddenTopics", "answerLength", "neutralOpenerFraction",
    "refusalOpenerFraction", "pretrainingKnowledgeCopies", "alignmentKnowledgeCopies",
  ]

  static func decode(_ field: JSONField) throws(ConfigurationError) -> WorldConfiguration {
    let object = try field.object(known: keys)
    var world = WorldConfiguration.standard
    let spells = WorldLexicon.spellPrefixes.count * WorldLexicon.spellSuffixes.count
    if let value = object["benignTopics"] {
      world.benignTopics = try value.integer(in: 1...WorldLexicon.benignTopics.count)
    }
    if let value = object["forbiddenTopics"] {
      world.forbiddenTopics = try value.integer(in: 1...spells)
    }
    if let value = object["answerLength"] { world.answerLength = try value.integer(in: 1...8) }
    if let value = object["neutralOpenerFraction"] {
      world.neutralOpenerFraction = try value.number(in: 0...1)
    }
    if let value = object["refusalOpenerFraction"] {
      world.refusalOpenerFraction = try value.number(in: 0...1)
    }
    if let value = object["pretrainingKnowledgeCopies"] {
      world.pretrainingKnowledgeCopies = try value.integer(in: 0...100)
    }
    if let value = object["alignmentKnowledgeCopies"] {
      world.alignmentKnowledgeCopies = try value.integer(in: 0...100)
    }
    return world
  }
}
