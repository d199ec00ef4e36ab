import Foundation

/// Identifies one run of an experiment: model family, variant, condition and seed.
struct RunKey: Sendable, Hashable {
  /// Model family identifier.
  var model: String
  /// Alignment variant name.
  var variant: String
  /// Attack condition identifier.
  var condition: String
  /// The seed.
  var seed: UInt64

  /// The key of a record.
  init(_ record: RunRecord) {
    self.init(
      model: record.model, variant: record.variant, condition: record.condition, seed: record.seed)
  }

  /// A key from its parts.
  init(model: String, variant: String, condition: String, seed: UInt64) {
    self.model = model
    self.variant = variant
    self.condition = condition
    self.seed = seed
  }

  /// Every run of `experiment`, in the order `runAll` returns them (family, seed, variant,
  /// condition), mapped to its position.
  static func order(of experiment: Experiment) -> [RunKey: Int] {
    var order: [RunKey: Int] = [:]
    for family in experiment.families {
      for seed in experiment.seeds {
        for variant in experiment.variants {
          for condition in experiment.conditions {
            order[
              RunKey(
                model: family.family.rawValue, variant: variant.name,
                condition: condition.rawValue, seed: seed)] = order.count
          }
        }
      }
    }
    return order
  }
}

/// One line of a sweep file: a ``RunRecord``'s keys plus `experiment` (the file's name) and
/// `fingerprint` (``ExperimentFile/fingerprint``), with sorted keys on one line.
struct SweepLine: Encodable {
  var record: RunRecord
  var experiment: String
  var fingerprint: String

  private enum Keys: String, CodingKey {
    case experiment, fingerprint
  }

  func encode(to encoder: any Encoder) throws {
    try record.encode(to: encoder)
    var container = encoder.container(keyedBy: Keys.self)
    try container.encode(experiment, forKey: .experiment)
    try container.encode(fingerprint, forKey: .fingerprint)
  }

  /// The line's text, without the newline.
  static func text(_ record: RunRecord, experiment: String, fingerprint: String) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(
      SweepLine(record: record, experiment: experiment, fingerprint: fingerprint))
    return String(decoding: data, as: UTF8.self)
  }

  /// The key and fingerprint of a line, or `nil` if it is not a complete sweep record.
  static func parse(_ line: Substring) -> (key: RunKey, fingerprint: String)? {
    guard
      let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
      let model = object["model"] as? String, let variant = object["variant"] as? String,
      let condition = object["condition"] as? String,
      let seedNumber = object["seed"] as? NSNumber,
      let seed = JSONField.exactUnsigned(seedNumber),
      let fingerprint = object["fingerprint"] as? String
    else { return nil }
    return (RunKey(model: model, variant: variant, condition: condition, seed: seed), fingerprint)
  }
}
