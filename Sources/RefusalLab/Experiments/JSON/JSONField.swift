import Foundation

/// One value of a parsed JSON document together with its path (`variants[0].styles`), with
/// typed, range-checked reads that name the path in every error.
///
/// `JSONSerialization` returns `NSNumber` for numbers and booleans alike; a boolean is told
/// apart by its Objective-C type code `c`, so `"epochs": true` is a type error, and an
/// integer field accepts a number only when it is integral (`2`, `2.0`, `1e3`).
struct JSONField {
  /// The value as `JSONSerialization` returned it.
  let value: Any
  /// Where it sits in the document; empty for the root.
  let path: String

  /// The path of a key of this object.
  func path(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

  /// The path of an element of this array.
  func path(_ index: Int) -> String { "\(path)[\(index)]" }

  var isObject: Bool { value is [String: Any] }
  var isNull: Bool { value is NSNull }

  /// A short, JSON-like rendering of a value for "got …" in messages.
  static func describe(_ value: Any) -> String {
    if value is NSNull { return "null" }
    if let number = value as? NSNumber {
      if isBoolean(number) { return number.boolValue ? "true" : "false" }
      if let integer = exactInteger(number) { return String(integer) }
      if String(cString: number.objCType) == "Q" { return String(number.uint64Value) }
      return ConfigurationError.describe(number.doubleValue)
    }
    if let string = value as? String { return ConfigurationError.describe(string) }
    if value is [Any] { return "an array" }
    if value is [String: Any] { return "an object" }
    return "\(value)"
  }

  /// Whether `number` is a JSON `true` or `false`.
  static func isBoolean(_ number: NSNumber) -> Bool { String(cString: number.objCType) == "c" }

  /// `number` as an exact integer, or `nil` if it is a boolean, fractional or out of range.
  static func exactInteger(_ number: NSNumber) -> Int? {
    switch String(cString: number.objCType) {
    case "c": return nil
    case "d", "f":
      let double = number.doubleValue
      guard double.isFinite, double == double.rounded(), abs(double) < 9.0e18 else { return nil }
      return Int(double)
    case "Q": return number.uint64Value <= UInt64(Int.max) ? Int(number.uint64Value) : nil
    default: return Int(number.int64Value)
    }
  }

  /// `number` as an exact non-negative 64-bit integer, or `nil`.
  static func exactUnsigned(_ number: NSNumber) -> UInt64? {
    switch String(cString: number.objCType) {
    case "Q": return number.uint64Value
    case "c": return nil
    default: return exactInteger(number).flatMap { $0 >= 0 ? UInt64($0) : nil }
    }
  }

  func typeError(_ expected: String) -> ConfigurationError {
    ConfigurationError(
      path.isEmpty ? "(file)" : path, "expected \(expected)", got: JSONField.describe(value))
  }

  /// The value as an object's members, whose keys must all be in `known` (listed in that
  /// order in the message about an unknown key). A `null` member is present.
  func object(known: [String]) throws(ConfigurationError) -> [String: JSONField] {
    guard let dictionary = value as? [String: Any] else { throw typeError("an object") }
    if let unknown = dictionary.keys.filter({ !known.contains($0) }).sorted().first {
      throw ConfigurationError(
        field: path(unknown),
        message: "unknown key (known: \(known.joined(separator: ", ")))")
    }
    return Dictionary(
      uniqueKeysWithValues: dictionary.map { ($0, JSONField(value: $1, path: path($0))) })
  }

  /// Member `key` of this object's `members`, which must be present.
  func required(_ key: String, in members: [String: JSONField]) throws(ConfigurationError)
    -> JSONField
  {
    guard let member = members[key] else {
      throw ConfigurationError(field: path(key), message: "missing (required)")
    }
    return member
  }

  /// The value as a non-empty array of fields.
  func array(of what: String) throws(ConfigurationError) -> [JSONField] {
    guard let array = value as? [Any] else { throw typeError("an array of \(what)") }
    guard !array.isEmpty else { throw ConfigurationError(path, "must not be empty", got: "[]") }
    return array.enumerated().map { JSONField(value: $1, path: path($0)) }
  }

  /// The value as a number that is not `true` or `false`, or a type error naming `expected`.
  func nonBoolean(_ expected: String) throws(ConfigurationError) -> NSNumber {
    guard let number = value as? NSNumber, !JSONField.isBoolean(number) else {
      throw typeError(expected)
    }
    return number
  }

  /// One of `choices`.
  func choice(_ choices: [String], what: String) throws(ConfigurationError) -> String {
    let string = try String(json: self)
    guard choices.contains(string) else {
      throw ConfigurationError(
        field: path,
        message: "unknown \(what) \"\(string)\" (known: \(choices.joined(separator: ", ")))")
    }
    return string
  }
}

/// A setting spelled as one JSON scalar.
protocol JSONScalar: JSONSetting {
  init(json field: JSONField) throws(ConfigurationError)
}

extension JSONScalar {
  mutating func read(_ field: JSONField) throws(ConfigurationError) { self = try Self(json: field) }
}

/// Any integral number (`2`, `2.0`, `1e3`). Its range is the setting's own rule, checked by
/// the setting's `validate(path:)`.
extension Int: JSONScalar {
  init(json field: JSONField) throws(ConfigurationError) {
    let number = try field.nonBoolean("an integer")
    guard let integer = JSONField.exactInteger(number) else {
      if String(cString: number.objCType) == "Q" {
        throw ConfigurationError(field.path, "must be at most \(Int.max)", got: number.uint64Value)
      }
      throw ConfigurationError(field.path, "must be an integer", got: JSONField.describe(number))
    }
    self = integer
  }

  var json: JSONValue { .integer(self) }
}

/// A seed: a non-negative 64-bit integer.
extension UInt64: JSONScalar {
  init(json field: JSONField) throws(ConfigurationError) {
    let number = try field.nonBoolean("a non-negative integer")
    guard let seed = JSONField.exactUnsigned(number) else {
      throw ConfigurationError(
        field.path, "must be an integer in 0…\(UInt64.max)", got: JSONField.describe(number))
    }
    self = seed
  }

  var json: JSONValue { .unsigned(self) }
}

/// Any number (JSON cannot spell a non-finite one). Its range is the setting's own rule.
extension Double: JSONScalar {
  init(json field: JSONField) throws(ConfigurationError) {
    self = try field.nonBoolean("a number").doubleValue
  }

  var json: JSONValue { .number(self) }
}

extension Bool: JSONScalar {
  init(json field: JSONField) throws(ConfigurationError) {
    guard let number = field.value as? NSNumber, JSONField.isBoolean(number) else {
      throw field.typeError("true or false")
    }
    self = number.boolValue
  }

  var json: JSONValue { .boolean(self) }
}

extension String: JSONScalar {
  init(json field: JSONField) throws(ConfigurationError) {
    guard let string = field.value as? String else { throw field.typeError("a string") }
    self = string
  }

  var json: JSONValue { .string(self) }
}

/// An enumeration spelled by its raw value; `choiceName` names it in "unknown …" messages.
protocol JSONChoice: JSONScalar, CaseIterable, RawRepresentable<String> {
  static var choiceName: String { get }
}

extension JSONChoice {
  init(json field: JSONField) throws(ConfigurationError) {
    self.init(rawValue: try field.choice(Self.allCases.map(\.rawValue), what: Self.choiceName))!
  }

  var json: JSONValue { .string(rawValue) }
}
