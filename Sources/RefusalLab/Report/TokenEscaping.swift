/// Escapes tokens for a terminal: a custom vocabulary may hold control characters or
/// backslashes, which must not move the cursor or hide text.
public enum TokenEscaping {
  /// One token with `\` doubled and control characters (and DEL) written as `\u{XX}`.
  public static func escape(_ token: String) -> String {
    var result = ""
    for scalar in token.unicodeScalars {
      switch scalar.value {
      case 0x5C: result += "\\\\"
      case 0..<0x20, 0x7F, 0x80..<0xA0:
        result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
      default: result.unicodeScalars.append(scalar)
      }
    }
    return result
  }

  /// Space-separated text with every word escaped.
  public static func escape(text: String) -> String {
    text.split(separator: " ", omittingEmptySubsequences: false).map { escape(String($0)) }
      .joined(separator: " ")
  }
}
