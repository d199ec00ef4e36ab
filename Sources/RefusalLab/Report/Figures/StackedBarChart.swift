/// 100% stacked bars: for each category, the shares of named parts, bottom to top.
///
/// Made for the judge gap: per attack condition, the shares of answers that open with a
/// refusal and are safe, open with a refusal and are unsafe, and so on. Shares are
/// normalised to their bar's total; a share of at least 8% is labelled inside its segment
/// when the label fits.
public struct StackedBarChart: Figure {
  /// One stacked bar: its label and one share per part of the chart.
  public struct Bar: Sendable, Hashable {
    /// The label under the bar.
    public var name: String
    /// One non-negative value per part, in the chart's part order (normalised to the sum).
    public var shares: [Double]

    /// A bar named `name`.
    public init(name: String, shares: [Double]) {
      self.name = name
      self.shares = shares
    }
  }

  /// One small multiple: a title and its bars.
  public struct Panel: Sendable, Hashable {
    /// The title above the panel (empty for none).
    public var title: String
    /// The bars, left to right.
    public var bars: [Bar]

    /// A panel titled `title`.
    public init(title: String, bars: [Bar]) {
      self.title = title
      self.bars = bars
    }
  }

  /// The title drawn at the top.
  public var title: String
  /// The caption drawn below the figure or in the page's `<figcaption>`.
  public var caption: String
  /// The y axis title, such as `"share of forbidden prompts (%)"`.
  public var yLabel: String
  /// The x axis title, such as `"attack condition"` (empty for none).
  public var xLabel: String
  /// The names of the parts, bottom to top; one legend entry each.
  public var parts: [String]
  /// A colour per part (`#RRGGBB`); `nil` takes the Okabe–Ito colours in order.
  public var colors: [String]?
  /// The panels, left to right, sharing the y axis.
  public var panels: [Panel]
  /// The figure's nominal size.
  public var size: FigureSize

  /// A stacked bar chart.
  public init(
    title: String, caption: String, yLabel: String, xLabel: String, parts: [String],
    colors: [String]? = nil, panels: [Panel], size: FigureSize = .standard
  ) {
    self.title = title
    self.caption = caption
    self.yLabel = yLabel
    self.xLabel = xLabel
    self.parts = parts
    self.colors = colors
    self.panels = panels
    self.size = size
  }

  func color(_ part: Int) -> String {
    if let colors, part < colors.count { return colors[part] }
    return Palette.category(part)
  }

  /// The chart as an SVG drawing.
  public func document(drawsCaption: Bool) -> SVGDocument {
    let legend = parts.enumerated().map {
      LegendEntry(name: $0.element, color: color($0.offset), mark: .swatch)
    }
    return FigureFrame.compose(
      size: size, title: title, caption: caption, drawsCaption: drawsCaption, legend: legend
    ) { box in
      let layout = BarPanels(
        box: box, panelTitles: panels.map(\.title), labels: panels.map { $0.bars.map(\.name) },
        xTitle: xLabel, yTitle: yLabel)
      var marks: [SVGElement] = []
      for (panelIndex, panel) in panels.enumerated() {
        let width = min(90, layout.slots[panelIndex] * 0.74)
        for (barIndex, bar) in panel.bars.enumerated() {
          let center = layout.center(panel: panelIndex, slot: barIndex)
          marks.append(
            stack(bar, panel: panel.title, x: center - width / 2, width: width, scale: layout.scale)
          )
        }
      }
      return (layout.frameElements() + marks, box.height)
    }
  }

  private func stack(_ bar: Bar, panel: String, x: Double, width: Double, scale: AxisScale)
    -> SVGElement
  {
    let shares = bar.shares.prefix(parts.count).map { $0.isFinite ? max(0, $0) : 0 }
    let total = shares.reduce(0, +)
    var elements: [SVGElement] = []
    var cumulative = 0.0
    for (part, share) in shares.enumerated() where share > 0 && total > 0 {
      let fraction = share / total
      let bottom = scale.position(cumulative)
      cumulative += fraction
      let top = scale.position(min(1, cumulative))
      let fill = color(part)
      elements.append(
        .rect(
          x: x, y: top, width: width, height: bottom - top,
          [
            SVGAttribute("fill", fill), SVGAttribute("stroke", "#FFFFFF"),
            SVGAttribute("stroke-width", 1), SVGAttribute("class", "segment"),
            SVGAttribute("data-panel", panel), SVGAttribute("data-bar", bar.name),
            SVGAttribute("data-part", parts[part]),
            SVGAttribute("data-value", NumberFormat.fixed(fraction, decimals: 6)),
          ]))
      let label = NumberFormat.readable(fraction * 100) + "%"
      let size = FigureStyle.tickSize
      if fraction >= 0.08, bottom - top >= size + 4,
        TextMetrics.width(label, size: size) + 4 <= width
      {
        elements.append(
          .text(
            label, x: x + width / 2, y: (top + bottom) / 2 + size * 0.35, size: size,
            anchor: "middle", fill: Palette.textColor(on: fill),
            [SVGAttribute("class", "segment-label")]))
      }
    }
    return .group([SVGAttribute("class", "stack")], elements)
  }
}
