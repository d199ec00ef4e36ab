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

// The rules every setting's `validate(path:)` states, so that a rule reads the same
// wherever it applies.
extension ConfigurationError {
  /// Throws unless `value` is in `range`: `must be in 1…8, got 0` (`must be ≥ 1` when the
  /// range has no upper end).
  static func check(_ value: Int, in range: ClosedRange<Int>, at path: String)
    throws(ConfigurationError)
  {
    guard range.contains(value) else { throw ConfigurationError(path, rule(range), got: value) }
  }

  /// Throws unless `value` is in `range`: `must be in 0…1, got 1.5`.
  static func check(_ value: Double, in range: ClosedRange<Double>, at path: String)
    throws(ConfigurationError)
  {
    try check(
      value, "must be in \(describe(range.lowerBound))…\(describe(range.upperBound))", at: path
    ) { range.contains($0) }
  }

  /// Throws unless `value` passes `test`, described by `rule` (`must be > 0`).
  static func check(
    _ value: Double, _ rule: String, at path: String, _ test: (Double) -> Bool
  ) throws(ConfigurationError) {
    guard value.isFinite, test(value) else {
      throw ConfigurationError(path, rule, got: describe(value))
    }
  }

  /// Throws if a list is empty: `must not be empty, got []`.
  static func checkNotEmpty(_ count: Int, at path: String) throws(ConfigurationError) {
    guard count > 0 else { throw ConfigurationError(path, "must not be empty", got: "[]") }
  }

  /// Throws at the first element of `values` that repeats an earlier one, at path
  /// `path[index]`, with the message `repeated(value)`.
  static func checkDistinct<Value: Hashable>(
    _ values: [Value], at path: String, _ repeated: (Value) -> String
  ) throws(ConfigurationError) {
    var seen = Set<Value>()
    for (index, value) in values.enumerated() where !seen.insert(value).inserted {
      throw ConfigurationError(field: "\(path)[\(index)]", message: repeated(value))
    }
  }

  /// The rule of an integer range.
  static func rule(_ range: ClosedRange<Int>) -> String {
    range.upperBound == Int.max
      ? "must be ≥ \(range.lowerBound)" : "must be in \(range.lowerBound)…\(range.upperBound)"
  }

  /// A number as messages print it: `2` rather than `2.0`.
  static func describe(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
  }

  /// A string as messages quote it, cut after 40 characters: `"rigid"`.
  static func describe(_ text: String) -> String {
    "\"\(text.count > 40 ? String(text.prefix(40)) + "…" : text)\""
  }
}
