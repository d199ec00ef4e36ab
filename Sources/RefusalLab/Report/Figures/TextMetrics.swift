/// Text measurement for layout, without a font engine.
///
/// Widths are DejaVu Sans advance widths (the font the figures ask for first, and one of the
/// widest common sans-serif fonts), plus 3% to spare, so a label measured here does not
/// overlap its neighbour in any of the fallback fonts either.
enum TextMetrics {
  /// Advance widths of ASCII 32…126 in em (DejaVu Sans, units of 1/2048 em).
  private static let asciiUnits: [Int] = [
    651, 821, 942, 1716, 1303, 1946, 1597, 563, 799, 799, 1024, 1716, 651, 739, 651, 690,  // ␠…/
    1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303,  // 0…9
    690, 690, 1716, 1716, 1716, 1087, 2048,  // :…@
    1401, 1405, 1430, 1577, 1294, 1178, 1587, 1540, 604, 604, 1343, 1141, 1767,  // A…M
    1532, 1612, 1235, 1612, 1423, 1300, 1251, 1499, 1401, 2025, 1403, 1251, 1403,  // N…Z
    799, 690, 799, 1716, 1024, 1024,  // [ \ ] ^ _ `
    1255, 1300, 1126, 1300, 1260, 721, 1300, 1298, 569, 569, 1186, 569, 1995,  // a…m
    1298, 1253, 1300, 1300, 842, 1067, 803, 1298, 1212, 1675, 1212, 1212, 1075,  // n…z
    1303, 690, 1303, 1716,  // { | } ~
  ]

  /// The advance of one Unicode scalar in em.
  static func advance(_ scalar: Unicode.Scalar) -> Double {
    let value = scalar.value
    if value >= 32 && value <= 126 { return Double(asciiUnits[Int(value) - 32]) / 2048 }
    switch value {
    case 0x0300...0x036F, 0x200B...0x200F, 0xFE00...0xFE0F: return 0  // combining, joiners
    case 0x1100...0x115F, 0x2E80...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFF00...0xFF60:
      return 1  // wide East Asian characters
    case 0x1F000...0x1FAFF: return 1.25  // emoji
    case 0x2026, 0x2014: return 1  // … —
    default: return 0.75
    }
  }

  /// The estimated width of `text` at `size` pixels; bold text is 10% wider.
  static func width(_ text: String, size: Double, bold: Bool = false) -> Double {
    let em = text.unicodeScalars.reduce(0) { $0 + advance($1) }
    return em * size * 1.03 * (bold ? 1.1 : 1)
  }

  /// `text` cut at a character boundary and ended with `…` so that it fits `maxWidth`
  /// (unchanged when it already fits).
  static func truncated(_ text: String, maxWidth: Double, size: Double, bold: Bool = false)
    -> String
  {
    if width(text, size: size, bold: bold) <= maxWidth { return text }
    var characters = Array(text)
    while !characters.isEmpty {
      characters.removeLast()
      let candidate = String(characters).trimmingTrailingSpaces() + "…"
      if width(candidate, size: size, bold: bold) <= maxWidth { return candidate }
    }
    return width("…", size: size, bold: bold) <= maxWidth ? "…" : ""
  }

  /// `text` broken into lines at spaces so that each fits `maxWidth`; a word longer than a
  /// line is truncated with `…`. At most `maxLines` lines: the last one ends with `…` when
  /// text remains.
  static func wrapped(
    _ text: String, maxWidth: Double, size: Double, bold: Bool = false, maxLines: Int = .max
  ) -> [String] {
    var lines: [String] = []
    var current = ""
    let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
    var index = 0
    while index < words.count {
      let word = words[index]
      let candidate = current.isEmpty ? word : current + " " + word
      if width(candidate, size: size, bold: bold) <= maxWidth {
        current = candidate
        index += 1
        continue
      }
      if current.isEmpty {
        lines.append(truncated(word, maxWidth: maxWidth, size: size, bold: bold))
        index += 1
      } else {
        lines.append(current)
        current = ""
      }
      if lines.count == maxLines { break }
    }
    if !current.isEmpty && lines.count < maxLines {
      lines.append(current)
    } else if index < words.count || !current.isEmpty, let last = lines.popLast() {
      lines.append(truncated(last + " …", maxWidth: maxWidth, size: size, bold: bold))
    }
    return lines
  }
}

extension String {
  fileprivate func trimmingTrailingSpaces() -> String {
    var result = self
    while result.last == " " { result.removeLast() }
    return result
  }
}
