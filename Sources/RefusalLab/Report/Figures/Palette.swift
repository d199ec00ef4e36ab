import Foundation

/// The report kit's colours: the Okabe–Ito palette for categories, a viridis-like ramp for
/// values in 0…1, and the greys of text and axes.
///
/// Okabe and Ito chose their eight colours to stay distinct for the common forms of colour
/// blindness; viridis is a sequential ramp that stays ordered in lightness and in grey print.
public enum Palette {
  /// The Okabe–Ito colours in the order series take them: blue, orange, bluish green,
  /// vermillion, reddish purple, sky blue, yellow, black (yellow late, as it is faint on
  /// white).
  public static let okabeIto: [String] = [
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
  ]

  /// Text colour.
  public static let ink = "#1A1A1A"
  /// Secondary text (tick labels, probabilities).
  public static let mutedInk = "#4D4D4D"
  /// Axis lines.
  public static let axis = "#333333"
  /// Grid lines.
  public static let grid = "#DDDDDD"
  /// Figure background.
  public static let background = "#FFFFFF"

  /// The colour of the series or category at `index` (cycling after eight).
  public static func category(_ index: Int) -> String {
    okabeIto[((index % okabeIto.count) + okabeIto.count) % okabeIto.count]
  }

  /// Nine anchors of matplotlib's viridis, from dark purple (0) to yellow (1).
  static let viridisAnchors: [(Double, Double, Double)] = [
    (0x44, 0x01, 0x54), (0x48, 0x28, 0x78), (0x3E, 0x4A, 0x89), (0x31, 0x68, 0x8E),
    (0x26, 0x82, 0x8E), (0x1F, 0x9E, 0x89), (0x35, 0xB7, 0x79), (0x6D, 0xCD, 0x59),
    (0xFD, 0xE7, 0x25),
  ]

  /// The viridis-like colour of `value` (clamped to 0…1; NaN reads as 0), as `#RRGGBB`,
  /// interpolated linearly between nine anchors of viridis.
  public static func viridis(_ value: Double) -> String {
    let t = value.isNaN ? 0 : min(1, max(0, value))
    let position = t * Double(viridisAnchors.count - 1)
    let lower = min(Int(position), viridisAnchors.count - 2)
    let fraction = position - Double(lower)
    let a = viridisAnchors[lower]
    let b = viridisAnchors[lower + 1]
    return hex(
      a.0 + (b.0 - a.0) * fraction, a.1 + (b.1 - a.1) * fraction, a.2 + (b.2 - a.2) * fraction)
  }

  /// Black or white, whichever reads better on `background` (`#RRGGBB`).
  public static func textColor(on background: String) -> String {
    guard let (r, g, b) = components(background) else { return ink }
    func linear(_ c: Double) -> Double {
      let s = c / 255
      return s <= 0.04045 ? s / 12.92 : pow((s + 0.055) / 1.055, 2.4)
    }
    let luminance = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    // Contrast against black (L + 0.05) / 0.05 versus white 1.05 / (L + 0.05).
    return (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) ? "#000000" : "#FFFFFF"
  }

  static func hex(_ r: Double, _ g: Double, _ b: Double) -> String {
    func byte(_ c: Double) -> String {
      let value = Int(min(255, max(0, c.rounded())))
      let digits = String(value, radix: 16, uppercase: true)
      return digits.count == 1 ? "0" + digits : digits
    }
    return "#" + byte(r) + byte(g) + byte(b)
  }

  static func components(_ color: String) -> (Double, Double, Double)? {
    guard color.count == 7, color.hasPrefix("#"),
      let value = Int(color.dropFirst(), radix: 16)
    else { return nil }
    return (Double(value >> 16 & 0xFF), Double(value >> 8 & 0xFF), Double(value & 0xFF))
  }
}
