/// Escaping for XML, shared by the SVG builder and the HTML page.
///
/// Every text and attribute value that the report kit writes goes through ``xml(_:)``, so a
/// token such as `<script>` or a label holding `&` or a quote can never change the markup.
public enum Escaping {
  /// `text` safe to place inside an XML element or a quoted attribute value.
  ///
  /// Replaces `&`, `<`, `>`, `"` and `'` with character references. Control characters,
  /// which XML 1.0 does not allow even as references, are written visibly as `\u{XX}`
  /// (tab, line feed and carriage return are kept); the non-characters U+FFFE and U+FFFF
  /// become U+FFFD.
  public static func xml(_ text: String) -> String {
    var result = ""
    result.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
      switch scalar {
      case "&": result += "&amp;"
      case "<": result += "&lt;"
      case ">": result += "&gt;"
      case "\"": result += "&quot;"
      case "'": result += "&#39;"
      case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
      case "\u{0}"..."\u{1F}", "\u{7F}"..."\u{9F}":
        result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
      case "\u{FFFE}", "\u{FFFF}": result += "\u{FFFD}"
      default: result.unicodeScalars.append(scalar)
      }
    }
    return result
  }
}
