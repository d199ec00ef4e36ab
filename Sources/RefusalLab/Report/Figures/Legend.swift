/// One entry of a figure's legend.
struct LegendEntry {
  enum Mark {
    /// A filled square, for bars and cells.
    case swatch
    /// A short line with a marker, for line series.
    case line(MarkerShape)
    /// A marker alone, for scatter groups.
    case marker(MarkerShape)
    /// A dashed black line, for a fitted line.
    case dashedLine
    /// A black dot, for the per-seed dots of a dot-bar chart.
    case dot
    /// A black whisker, for an interval.
    case whisker
    /// A horizontal line `width` pixels thick, for the edges of a tree.
    case stroke(Double)
    /// No mark: the entry is a note.
    case none
  }

  var name: String
  var color: String
  var mark: Mark
}

extension LegendEntry.Mark {
  var isNone: Bool {
    if case .none = self { return true }
    return false
  }
}

/// Lays a legend out in rows across the figure, above the plot.
enum Legend {
  static let rowHeight = 24.0
  static let markWidth = 28.0

  /// The legend's elements and height when laid out from (x, y) within `width`.
  static func layout(_ entries: [LegendEntry], x: Double, y: Double, width: Double)
    -> (elements: [SVGElement], height: Double)
  {
    guard !entries.isEmpty else { return ([], 0) }
    let size = FigureStyle.legendSize
    var elements: [SVGElement] = []
    var cursorX = x
    var row = 0
    for entry in entries {
      let name = TextMetrics.truncated(
        entry.name, maxWidth: min(entry.mark.isNone ? 560 : 320, width - markWidth - 8), size: size)
      let markRoom = entry.mark.isNone ? 0 : markWidth + 6
      let itemWidth = markRoom + TextMetrics.width(name, size: size)
      if cursorX > x && cursorX + itemWidth > x + width {
        row += 1
        cursorX = x
      }
      let centerY = y + Double(row) * rowHeight + rowHeight / 2
      elements.append(
        .group(
          [SVGAttribute("class", "legend-entry")],
          mark(entry, x: cursorX, centerY: centerY)
            + [
              .text(name, x: cursorX + markRoom, y: centerY + size * 0.36, size: size)
            ]))
      cursorX += itemWidth + 22
    }
    return ([.group([SVGAttribute("class", "legend")], elements)], Double(row + 1) * rowHeight)
  }

  private static func mark(_ entry: LegendEntry, x: Double, centerY: Double) -> [SVGElement] {
    let middle = x + markWidth / 2
    switch entry.mark {
    case .swatch:
      return [
        .rect(
          x: middle - 8, y: centerY - 8, width: 16, height: 16,
          [
            SVGAttribute("fill", entry.color), SVGAttribute("stroke", Palette.axis),
            SVGAttribute("stroke-width", 0.75),
          ])
      ]
    case .line(let shape):
      return [
        .line(
          x1: x, y1: centerY, x2: x + markWidth, y2: centerY,
          [SVGAttribute("stroke", entry.color), SVGAttribute("stroke-width", 2.5)]),
        shape.element(x: middle, y: centerY, color: entry.color),
      ]
    case .marker(let shape):
      return [shape.element(x: middle, y: centerY, color: entry.color)]
    case .dashedLine:
      return [
        .line(
          x1: x, y1: centerY, x2: x + markWidth, y2: centerY,
          [
            SVGAttribute("stroke", entry.color), SVGAttribute("stroke-width", 2),
            SVGAttribute("stroke-dasharray", "6 4"),
          ])
      ]
    case .dot:
      return [
        .circle(
          cx: middle, cy: centerY, r: 3.5,
          [
            SVGAttribute("fill", entry.color), SVGAttribute("stroke", "#FFFFFF"),
            SVGAttribute("stroke-width", 1),
          ])
      ]
    case .stroke(let width):
      return [
        .line(
          x1: x, y1: centerY, x2: x + markWidth, y2: centerY,
          [SVGAttribute("stroke", entry.color), SVGAttribute("stroke-width", width)])
      ]
    case .none:
      return []
    case .whisker:
      return [
        .line(
          x1: middle, y1: centerY - 9, x2: middle, y2: centerY + 9,
          [SVGAttribute("stroke", entry.color), SVGAttribute("stroke-width", 1.5)]),
        .line(
          x1: middle - 5, y1: centerY - 9, x2: middle + 5, y2: centerY - 9,
          [SVGAttribute("stroke", entry.color), SVGAttribute("stroke-width", 1.5)]),
        .line(
          x1: middle - 5, y1: centerY + 9, x2: middle + 5, y2: centerY + 9,
          [SVGAttribute("stroke", entry.color), SVGAttribute("stroke-width", 1.5)]),
      ]
    }
  }
}
