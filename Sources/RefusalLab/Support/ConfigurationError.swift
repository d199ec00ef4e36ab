/// A setting that is missing, malformed or out of range, named by its path.
///
/// Its description reads like `attacks[1].epochs: must be ≥ 1, got 0`.
public struct ConfigurationError: Error, Equatable, CustomStringConvertible {
  /// The setting's path, for example `attacks[1].epochs` or `--seeds`.
  public var field: String
  /// What is wrong, including the offending value.
  public var message: String

  /// An error with a free-form message.
  public init(field: String, message: String) {
    self.field = field
    self.message = message
  }

  /// An error for a value that breaks a rule: "`field`: `rule`, got `value`".
  public init(_ field: String, _ rule: String, got value: some CustomStringConvertible) {
    self.init(field: field, message: "\(rule), got \(value)")
  }

  public var description: String { "\(field): \(message)" }
}
