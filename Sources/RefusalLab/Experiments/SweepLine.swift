import Foundation

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

  /// The key and fingerprint of a line, or `nil` if it is not a complete sweep record. The
  /// key is `nil` when the line names a family or condition RefusalLab does not have.
  static func parse(_ line: Substring) -> (key: RunKey?, fingerprint: String)? {
    guard
      let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
      let model = object["model"] as? String, let variant = object["variant"] as? String,
      let condition = object["condition"] as? String,
      let seedNumber = object["seed"] as? NSNumber,
      let seed = JSONField.exactUnsigned(seedNumber),
      let fingerprint = object["fingerprint"] as? String
    else { return nil }
    guard let family = ModelFamily(rawValue: model),
      let attack = AttackCondition(rawValue: condition)
    else { return (nil, fingerprint) }
    return (RunKey(model: family, variant: variant, condition: attack, seed: seed), fingerprint)
  }
}
