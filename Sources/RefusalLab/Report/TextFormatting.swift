import Foundation

/// Fixed-width, deterministic text: percentages as every report and command prints them,
/// padding and aligned tables.
public enum TextFormatting {
  /// `value` (a fraction) as a percentage with one decimal: `0.875` → `87.5`.
  public static func percent(_ value: Double) -> String {
    String(format: "%.1f", value * 100)
  }

  /// A fraction's summary as `87.5 ± 3.2` (percent).
  public static func percent(_ summary: Summary) -> String {
    "\(percent(summary.mean)) ± \(percent(summary.halfWidth))"
  }

  /// Whole percent: `0.875` → `88%`.
  public static func wholePercent(_ value: Double) -> String {
    String(format: "%.0f%%", value * 100)
  }

  /// A percentage for a sentence: whole percent (`0.875` → `88%`), except that a value that
  /// is not exactly 0 or 1 never reads as `0%` or `100%` (`0.999` → `99.9%`, `0.0004` →
  /// `0.1%`), so a sentence never claims "all" or "none" that the data do not show.
  public static func sentencePercent(_ value: Double) -> String {
    let whole = wholePercent(value)
    if value < 1 && whole == "100%" {
      return String(format: "%.1f%%", (value * 1000).rounded(.down) / 10)
    }
    if value > 0 && whole == "0%" {
      return String(format: "%.1f%%", max(0.1, (value * 1000).rounded(.up) / 10))
    }
    return whole
  }

  /// A percentage for "X or above": never more than `value` — whole when exact (`1` →
  /// `100%`), else one decimal rounded down (`0.965` → `96.5%`, `0.99875` → `99.8%`).
  public static func lowerBoundPercent(_ value: Double) -> String {
    let percent = value * 100
    if abs(percent - percent.rounded()) < 1e-9 { return String(format: "%.0f%%", percent) }
    return String(format: "%.1f%%", (percent * 10 + 1e-9).rounded(.down) / 10)
  }

  /// Pads `text` with spaces to `width` characters (left-aligned).
  static func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
  }

  /// Pads `text` with spaces to `width` characters (right-aligned).
  static func padLeft(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
  }

  /// Renders rows as aligned columns; the first row is the header, followed by a rule.
  static func table(_ rows: [[String]], rightAligned: Set<Int> = []) -> String {
    guard let header = rows.first else { return "" }
    let widths = header.indices.map { column in
      rows.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0
    }
    func line(_ row: [String]) -> String {
      row.enumerated().map { column, cell in
        rightAligned.contains(column)
          ? padLeft(cell, widths[column]) : pad(cell, widths[column])
      }.joined(separator: "   ").trimmingCharacters(in: .whitespaces)
    }
    let rule = widths.map { String(repeating: "─", count: $0) }.joined(separator: "───")
    return ([line(header), rule] + rows.dropFirst().map(line)).joined(separator: "\n")
  }
}
