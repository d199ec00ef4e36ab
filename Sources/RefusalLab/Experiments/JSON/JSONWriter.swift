/// A JSON value to write, with object keys in a chosen order.
indirect enum JSONValue: Sendable {
  case string(String)
  case integer(Int)
  case unsigned(UInt64)
  case number(Double)
  case boolean(Bool)
  case null
  case array([JSONValue])
  case object([(String, JSONValue)])

  /// One line, no spaces: the canonical form that fingerprints hash.
  var compact: String { render(indent: nil) }

  /// Two-space indentation; arrays of scalars stay on one line.
  var pretty: String { render(indent: "") }

  private var isScalar: Bool {
    switch self {
    case .array, .object: false
    default: true
    }
  }

  private func render(indent: String?) -> String {
    switch self {
    case .string(let text): return JSONValue.quote(text)
    case .integer(let value): return String(value)
    case .unsigned(let value): return String(value)
    case .number(let value):
      return value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    case .boolean(let value): return value ? "true" : "false"
    case .null: return "null"
    case .array(let elements):
      guard let indent, !elements.allSatisfy(\.isScalar) else {
        let separator = indent == nil ? "," : ", "
        return "[" + elements.map { $0.render(indent: indent) }.joined(separator: separator) + "]"
      }
      let inner = indent + "  "
      return "[\n"
        + elements.map { inner + $0.render(indent: inner) }.joined(separator: ",\n")
        + "\n\(indent)]"
    case .object(let members):
      guard let indent else {
        return "{"
          + members.map { JSONValue.quote($0.0) + ":" + $0.1.render(indent: nil) }
          .joined(separator: ",") + "}"
      }
      guard !members.isEmpty else { return "{}" }
      let inner = indent + "  "
      return "{\n"
        + members.map { inner + JSONValue.quote($0.0) + ": " + $0.1.render(indent: inner) }
        .joined(separator: ",\n") + "\n\(indent)}"
    }
  }

  static func quote(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": result += "\\\""
      case "\\": result += "\\\\"
      case "\n": result += "\\n"
      case "\r": result += "\\r"
      case "\t": result += "\\t"
      case let c where c.value < 0x20:
        let hex = String(c.value, radix: 16)
        result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: result.unicodeScalars.append(scalar)
      }
    }
    return result + "\""
  }
}
