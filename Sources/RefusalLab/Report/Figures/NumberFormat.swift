import Foundation

/// Locale-independent number formatting, so that the same data gives the same bytes on
/// every machine.
///
/// No exponent is ever written, the decimal separator is always `.`, and negative zero
/// prints as `0`.
public enum NumberFormat {
  /// `value` with exactly `decimals` digits after the point: `fixed(0.5, decimals: 3)` is
  /// `"0.500"`. Non-finite values print as `"nan"`, `"inf"` or `"-inf"`.
  public static func fixed(_ value: Double, decimals: Int) -> String {
    precondition(decimals >= 0 && decimals <= 12, "decimals must be in 0...12")
    guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
    let text = String(format: "%.\(decimals)f", value)
    // "-0.00" and friends: a rounded zero carries no sign.
    if text.hasPrefix("-"), text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) {
      return String(text.dropFirst())
    }
    return text
  }

  /// A coordinate or length for SVG: two decimals with trailing zeros (and a bare point)
  /// removed, `120.50` → `"120.5"`, `3.00` → `"3"`. Non-finite values print as `"0"`.
  public static func svg(_ value: Double) -> String {
    guard value.isFinite else { return "0" }
    var text = fixed(value, decimals: 2)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text == "-0" ? "0" : text
  }

  /// A number for a reader: `decimals` digits after the point, thousands grouped with
  /// commas (`12,500`), and a true minus sign (`−3`).
  public static func readable(_ value: Double, decimals: Int = 0) -> String {
    let plain = fixed(value, decimals: decimals)
    guard value.isFinite else { return plain }
    var digits = Substring(plain)
    let negative = digits.hasPrefix("-")
    if negative { digits = digits.dropFirst() }
    let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
    var whole = String(parts[0])
    var grouped = ""
    while whole.count > 3 {
      grouped = "," + whole.suffix(3) + grouped
      whole.removeLast(3)
    }
    grouped = whole + grouped
    if parts.count > 1 { grouped += "." + parts[1] }
    return (negative ? "\u{2212}" : "") + grouped
  }
}
