import Foundation
import TinyLM

/// `families`: which model families to train, each with its shape and per-stage training.
enum FamilyDecoder {
  static let keys = ["family", "ngram", "transformer", "pretrain", "align", "attack"]
  /// The keys of a family's `ngram` object.
  static let ngramKeys = ["order", "smoothing", "memoryWeight"]
  /// The keys of a family's `transformer` object.
  static let transformerKeys = ["layers", "heads", "embedding", "blockSize"]

  static func decodeList(_ field: JSONField) throws(ConfigurationError) -> [FamilySettings] {
    var result: [FamilySettings] = []
    for element in try field.array(of: "family names or family objects") {
      result.append(try decode(element))
    }
    try Experiment.checkDistinct(families: result, at: field.path)
    return result
  }

  /// A family name (its defaults) or an object naming `family` and overriding its defaults.
  static func decode(_ field: JSONField) throws(ConfigurationError) -> FamilySettings {
    let names = ModelFamily.allCases.map(\.rawValue)
    if field.value is String {
      return .defaults(for: ModelFamily(rawValue: try field.choice(names, what: "family"))!)
    }
    guard field.value is [String: Any] else {
      throw field.typeError("a family name or an object")
    }
    let object = try field.object(known: keys)
    let family = ModelFamily(
      rawValue: try object.required("family").choice(names, what: "family"))!
    var settings = FamilySettings.defaults(for: family)
    if let ngram = object["ngram"] {
      guard family == .ngram else {
        throw ConfigurationError(field: ngram.path, message: "only applies to the ngram family")
      }
      settings.ngram = try decodeNGram(ngram, defaults: settings.ngram)
    }
    if let transformer = object["transformer"] {
      guard family == .transformer else {
        throw ConfigurationError(
          field: transformer.path, message: "only applies to the transformer family")
      }
      settings.transformer = try decodeTransformer(transformer, defaults: settings.transformer)
    }
    if let stage = object["pretrain"] {
      settings.pretrain = try TrainingOptionsDecoder.decode(stage, defaults: settings.pretrain)
    }
    if let stage = object["align"] {
      settings.align = try TrainingOptionsDecoder.decode(stage, defaults: settings.align)
    }
    if let stage = object["attack"] {
      settings.attack = try TrainingOptionsDecoder.decode(stage, defaults: settings.attack)
    }
    try settings.validate(path: field.path)
    return settings
  }

  static func decodeNGram(_ field: JSONField, defaults: NGramSettings) throws(ConfigurationError)
    -> NGramSettings
  {
    let object = try field.object(known: ngramKeys)
    var settings = defaults
    if let value = object["order"] { settings.order = try value.integer() }
    if let value = object["smoothing"] { settings.smoothing = try value.number() }
    if let value = object["memoryWeight"] { settings.memoryWeight = try value.number() }
    return settings
  }

  static func decodeTransformer(_ field: JSONField, defaults: TransformerSettings)
    throws(ConfigurationError) -> TransformerSettings
  {
    let object = try field.object(known: transformerKeys)
    var settings = defaults
    if let value = object["layers"] { settings.layers = try value.integer() }
    if let value = object["heads"] { settings.heads = try value.integer() }
    if let value = object["embedding"] { settings.embedding = try value.integer() }
    if let value = object["blockSize"] { settings.blockSize = try value.integer() }
    return settings
  }
}
