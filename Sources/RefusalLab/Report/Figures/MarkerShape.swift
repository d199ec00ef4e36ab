import Foundation

/// The marker shapes of line and scatter series: colour and shape both tell series apart,
/// so the chart still reads in grey print.
enum MarkerShape: CaseIterable {
  case circle, square, triangle, diamond, triangleDown, hexagon

  /// The shape of series `index` (cycling).
  static func forSeries(_ index: Int) -> MarkerShape {
    allCases[index % allCases.count]
  }

  /// The marker centred on (x, y), drawn at the origin and moved with a `translate`
  /// transform (so its centre can be read back from the SVG).
  func element(
    x: Double, y: Double, color: String, radius: Double = 5, _ extra: [SVGAttribute] = []
  )
    -> SVGElement
  {
    let r = radius
    let style = [
      SVGAttribute(
        "transform", "translate(" + NumberFormat.svg(x) + " " + NumberFormat.svg(y) + ")"),
      SVGAttribute("fill", color), SVGAttribute("stroke", "#FFFFFF"),
      SVGAttribute("stroke-width", 1),
    ]
    switch self {
    case .circle:
      return SVGElement("circle", [SVGAttribute("r", r)] + style + extra)
    case .square:
      let s = r * 0.9
      return .polygon([(-s, -s), (s, -s), (s, s), (-s, s)], style + extra)
    case .triangle:
      return .polygon([(0, -r * 1.2), (r * 1.1, r * 0.75), (-r * 1.1, r * 0.75)], style + extra)
    case .triangleDown:
      return .polygon([(0, r * 1.2), (r * 1.1, -r * 0.75), (-r * 1.1, -r * 0.75)], style + extra)
    case .diamond:
      let s = r * 1.25
      return .polygon([(0, -s), (s, 0), (0, s), (-s, 0)], style + extra)
    case .hexagon:
      let s = r * 1.1
      let points = (0..<6).map { k -> (x: Double, y: Double) in
        let angle = Double(k) * Double.pi / 3
        return (s * cos(angle), s * sin(angle))
      }
      return .polygon(points, style + extra)
    }
  }
}
