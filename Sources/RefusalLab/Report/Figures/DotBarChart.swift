/// Bars of means with 95% intervals and one dot per seed, for fractions in 0…1 on a
/// 0–100% axis; one panel per model family (small multiples).
///
/// Each panel holds groups (alignment variants, say) along the x axis; each group a bar per
/// category (attack condition), coloured by category. A bar's height is the mean, its
/// whisker the interval `mean ± halfWidth` clipped to 0…1, and its dots the per-seed values,
/// spread sideways by seed index so that equal values stay visible. Values outside 0…1 are
/// drawn at the axis's end; a non-finite mean draws no bar and a non-finite seed no dot.
///
/// ```swift
/// let chart = DotBarChart(
///   title: "Safety after each attack", caption: "…",
///   yLabel: "safety (% of forbidden prompts)", xLabel: "alignment variant",
///   categories: ["none", "refusal-unlearning"],
///   panels: [.init(title: "n-gram", groups: [
///     .init(name: "rigid", cells: [.init(mean: 1, halfWidth: 0, values: [1, 1, 1]),
///                                  .init(mean: 0, halfWidth: 0, values: [0, 0, 0])])])])
/// ```
public struct DotBarChart: Figure {
  /// The per-seed values of one bar, with their mean and interval.
  public struct Cell: Sendable, Hashable {
    /// The bar's height, a fraction.
    public var mean: Double
    /// Half the width of the 95% interval, a fraction.
    public var halfWidth: Double
    /// One value per seed, in seed order.
    public var values: [Double]

    /// A cell with a mean, the interval's half width and the per-seed values.
    public init(mean: Double, halfWidth: Double, values: [Double]) {
      self.mean = mean
      self.halfWidth = halfWidth
      self.values = values
    }
  }

  /// One cluster of bars: a cell per category (`nil` where there is none).
  public struct Group: Sendable, Hashable {
    /// The label under the cluster.
    public var name: String
    /// One cell per category of the chart, in the chart's category order.
    public var cells: [Cell?]

    /// A cluster named `name`.
    public init(name: String, cells: [Cell?]) {
      self.name = name
      self.cells = cells
    }
  }

  /// One small multiple: a title (the model family, say) and its groups.
  public struct Panel: Sendable, Hashable {
    /// The title above the panel.
    public var title: String
    /// The clusters, left to right.
    public var groups: [Group]

    /// A panel titled `title`.
    public init(title: String, groups: [Group]) {
      self.title = title
      self.groups = groups
    }
  }

  /// The title drawn at the top.
  public var title: String
  /// The caption drawn below the figure or in the page's `<figcaption>`.
  public var caption: String
  /// The y axis title with its unit, such as `"safety (% of forbidden prompts)"`.
  public var yLabel: String
  /// The x axis title, such as `"alignment variant"` (empty for none).
  public var xLabel: String
  /// The categories, in the order of each group's cells; one colour each.
  public var categories: [String]
  /// The panels, left to right, sharing the y axis.
  public var panels: [Panel]
  /// The figure's nominal size.
  public var size: FigureSize

  /// A dot-bar chart.
  public init(
    title: String, caption: String, yLabel: String, xLabel: String, categories: [String],
    panels: [Panel], size: FigureSize = .standard
  ) {
    self.title = title
    self.caption = caption
    self.yLabel = yLabel
    self.xLabel = xLabel
    self.categories = categories
    self.panels = panels
    self.size = size
  }

  /// The chart as an SVG drawing.
  public func document(drawsCaption: Bool) -> SVGDocument {
    var legend = categories.enumerated().map {
      LegendEntry(name: $0.element, color: Palette.category($0.offset), mark: .swatch)
    }
    if categories.count <= 1 { legend = [] }
    legend.append(LegendEntry(name: "one seed", color: Palette.ink, mark: .dot))
    legend.append(LegendEntry(name: "95% interval", color: Palette.ink, mark: .whisker))
    return FigureFrame.compose(
      size: size, title: title, caption: caption, drawsCaption: drawsCaption, legend: legend
    ) { box in
      let layout = BarPanels(
        box: box, panelTitles: panels.map(\.title), labels: panels.map { $0.groups.map(\.name) },
        xTitle: xLabel, yTitle: yLabel)
      var marks: [SVGElement] = []
      for (panelIndex, panel) in panels.enumerated() {
        let slot = layout.slots[panelIndex]
        let barWidth = min(48, slot * 0.84 / Double(max(1, categories.count)))
        for (groupIndex, group) in panel.groups.enumerated() {
          let center = layout.center(panel: panelIndex, slot: groupIndex)
          let start = center - barWidth * Double(categories.count) / 2
          for (categoryIndex, cell) in group.cells.prefix(categories.count).enumerated() {
            guard let cell else { continue }
            let x = start + barWidth * Double(categoryIndex)
            marks.append(
              bar(
                cell, x: x, width: barWidth, scale: layout.scale,
                color: Palette.category(categoryIndex),
                tags: [
                  SVGAttribute("data-panel", panel.title), SVGAttribute("data-group", group.name),
                  SVGAttribute("data-category", categories[categoryIndex]),
                ]))
          }
        }
      }
      return (layout.frameElements() + marks, box.height)
    }
  }

  private func bar(
    _ cell: Cell, x: Double, width: Double, scale: AxisScale, color: String,
    tags: [SVGAttribute]
  ) -> SVGElement {
    func clip(_ value: Double) -> Double { value.isFinite ? min(1, max(0, value)) : 0 }
    let inner = max(1, width - 2)
    let left = x + (width - inner) / 2
    let center = x + width / 2
    let base = scale.position(0)
    let top = scale.position(clip(cell.mean))
    var elements: [SVGElement] = []
    if cell.mean.isFinite {
      elements.append(
        .rect(
          x: left, y: top, width: inner, height: base - top,
          [
            SVGAttribute("fill", color), SVGAttribute("fill-opacity", "0.8"),
            SVGAttribute("class", "bar"),
            SVGAttribute("data-value", NumberFormat.fixed(cell.mean, decimals: 6)),
          ] + tags))
    }
    let low = scale.position(clip(cell.mean - cell.halfWidth))
    let high = scale.position(clip(cell.mean + cell.halfWidth))
    let cap = min(6, inner * 0.3)
    let ink = [SVGAttribute("stroke", Palette.ink), SVGAttribute("stroke-width", 1.5)]
    if cell.mean.isFinite && cell.halfWidth > 0 && cell.halfWidth.isFinite {
      elements.append(
        .group(
          [SVGAttribute("class", "interval")],
          [
            .line(x1: center, y1: low, x2: center, y2: high, ink),
            .line(x1: center - cap, y1: low, x2: center + cap, y2: low, ink),
            .line(x1: center - cap, y1: high, x2: center + cap, y2: high, ink),
          ]))
    }
    // Seeds side by side: equal values stay visible as a row of dots.
    let radius = 3.0
    let values = cell.values.filter(\.isFinite)
    let count = values.count
    let spread = max(0, inner - 2 * radius - 2)
    let step = count > 1 ? min(2.5 * radius, spread / Double(count - 1)) : 0
    for (index, value) in values.enumerated() {
      let dx = (Double(index) - Double(count - 1) / 2) * step
      elements.append(
        .circle(
          cx: center + dx, cy: scale.position(clip(value)), r: radius,
          [
            SVGAttribute("fill", Palette.ink), SVGAttribute("stroke", "#FFFFFF"),
            SVGAttribute("stroke-width", 0.8), SVGAttribute("class", "seed-dot"),
            SVGAttribute("data-value", NumberFormat.fixed(value, decimals: 6)),
          ]))
    }
    return .group([SVGAttribute("class", "cell")], elements)
  }
}
