/// Matrices of values in 0…1 drawn as coloured cells, with row and column labels and a
/// colour scale; several matrices side by side as panels (the aligned model's attention
/// next to the attacked model's, say).
///
/// The colours follow a viridis-like ramp (dark purple for 0, yellow for 1), which stays
/// ordered for colour-blind readers and in grey print. With `masksUpperTriangle` the cells
/// above the diagonal (a token attending to a later one, which causal attention cannot) are
/// left empty, as are non-finite values. Cells at least 40 pixels wide show their value;
/// cells stay at least 12 pixels tall (as the width allows), so a long context makes the
/// figure taller.
public struct Heatmap: Figure {
  /// One matrix with its labels.
  public struct Panel: Sendable, Hashable {
    /// The title above the matrix (empty for none).
    public var title: String
    /// One label per row, top to bottom (the query tokens).
    public var rowLabels: [String]
    /// One label per column, left to right (the key tokens).
    public var columnLabels: [String]
    /// `values[row][column]`, each in 0…1 (clamped).
    public var values: [[Double]]
    /// Leave the cells with column > row empty (causal attention).
    public var masksUpperTriangle: Bool

    /// A panel of `values` with its labels.
    public init(
      title: String, rowLabels: [String], columnLabels: [String], values: [[Double]],
      masksUpperTriangle: Bool = false
    ) {
      self.title = title
      self.rowLabels = rowLabels
      self.columnLabels = columnLabels
      self.values = values
      self.masksUpperTriangle = masksUpperTriangle
    }
  }

  /// The title drawn at the top.
  public var title: String
  /// The caption drawn below the figure or in the page's `<figcaption>`.
  public var caption: String
  /// The title of the rows, such as `"query token (attending)"`.
  public var rowAxisLabel: String
  /// The title of the columns, such as `"key token (attended to)"`.
  public var columnAxisLabel: String
  /// The title of the colour scale with its unit, such as `"attention weight (0–1)"`.
  public var scaleLabel: String
  /// The matrices, left to right.
  public var panels: [Panel]
  /// The figure's nominal size.
  public var size: FigureSize

  /// A heatmap figure.
  public init(
    title: String, caption: String, rowAxisLabel: String, columnAxisLabel: String,
    scaleLabel: String, panels: [Panel], size: FigureSize = .standard
  ) {
    self.title = title
    self.caption = caption
    self.rowAxisLabel = rowAxisLabel
    self.columnAxisLabel = columnAxisLabel
    self.scaleLabel = scaleLabel
    self.panels = panels
    self.size = size
  }

  static let maxCell = 56.0
  static let minCell = 12.0
  static let rowLabelLimit = 110.0
  static let panelGap = 36.0
  static let scaleGap = 24.0

  /// The figure as an SVG drawing.
  public func document(drawsCaption: Bool) -> SVGDocument {
    FigureFrame.compose(
      size: size, title: title, caption: caption, drawsCaption: drawsCaption, legend: []
    ) { box in
      draw(in: box)
    }
  }

  private func draw(in box: Box) -> (elements: [SVGElement], height: Double) {
    let tick = FigureStyle.tickSize
    let rows = panels.map { max(1, $0.rowLabels.count, $0.values.count) }
    let columns = panels.map { panel in
      max(1, panel.columnLabels.count, panel.values.map(\.count).max() ?? 0)
    }
    let rowLabelWidths = panels.map { panel in
      panel.rowLabels.map {
        TextMetrics.width(
          TextMetrics.truncated($0, maxWidth: Self.rowLabelLimit, size: tick), size: tick)
      }.max() ?? 0
    }
    let scaleRoom =
      Self.scaleGap + 22 + 8 + TextMetrics.width("0.75", size: tick) + 10
      + FigureStyle.axisTitleSize * 1.2
    let count = Double(max(1, panels.count))
    let labelRoom = rowLabelWidths.reduce(0) { $0 + $1 + 8 }
    let totalColumns = Double(columns.reduce(0, +))
    let titleRoom = panels.contains { !$0.title.isEmpty } ? FigureStyle.subtitleSize * 2.2 : 0
    let xTitleRoom = columnAxisLabel.isEmpty ? 0 : FigureStyle.axisTitleSize * 1.6
    var titleLines = rowAxisLabel.isEmpty ? 0 : 1
    var yTitleRoom = 0.0
    var cell = 0.0
    var plan = CategoryLabelPlan([], slot: 100)
    // With one line for the row title first; with two if the grid is too short for it.
    while true {
      yTitleRoom =
        Double(titleLines) * FigureStyle.axisTitleSize * 1.25 + (titleLines > 0 ? 6 : 0)
      let widthForCells =
        box.width - yTitleRoom - scaleRoom - labelRoom - Self.panelGap * (count - 1)
      let widthCell = min(Self.maxCell, widthForCells / max(1, totalColumns))
      cell = widthCell
      plan = CategoryLabelPlan(panels.flatMap(\.columnLabels), slot: cell)
      for _ in 0..<2 {
        // Cells fit the nominal height, but never shrink below `minCell` while the width
        // allows it: a long context makes the figure taller instead.
        let heightForCells = box.height - titleRoom - plan.height - xTitleRoom
        cell = max(
          min(widthCell, Self.minCell), min(widthCell, heightForCells / Double(rows.max() ?? 1)))
        cell = max(4, cell)
        plan = CategoryLabelPlan(panels.flatMap(\.columnLabels), slot: cell)
      }
      let gridHeight = cell * Double(rows.max() ?? 1)
      let needed = AxisDrawing.yTitleLines(rowAxisLabel, length: gridHeight).count
      if needed <= titleLines || titleLines >= 2 { break }
      titleLines = needed
    }
    let top = box.y + titleRoom
    var elements: [SVGElement] = []
    var x = box.x + yTitleRoom
    var labelOffset = 0
    var gridBottom = top
    var firstGridX = x
    var lastGridMaxX = x
    for (index, panel) in panels.enumerated() {
      let gridX = x + rowLabelWidths[index] + 8
      if index == 0 { firstGridX = gridX }
      let grid = Box(
        x: gridX, y: top, width: cell * Double(columns[index]),
        height: cell * Double(rows[index]))
      lastGridMaxX = grid.maxX
      gridBottom = max(gridBottom, grid.maxY)
      var columnPlan = plan
      columnPlan.labels = Array(
        plan.labels[labelOffset..<(labelOffset + panel.columnLabels.count)])
      labelOffset += panel.columnLabels.count
      elements.append(
        drawPanel(panel, grid: grid, cell: cell, columnPlan: columnPlan, index: index))
      x = grid.maxX + Self.panelGap
    }
    let span = Box(
      x: firstGridX, y: top, width: lastGridMaxX - firstGridX, height: gridBottom - top)
    if !rowAxisLabel.isEmpty {
      elements += AxisDrawing.yTitle(rowAxisLabel, lines: titleLines, plot: span, x: box.x)
    }
    if !columnAxisLabel.isEmpty {
      elements.append(
        AxisDrawing.xTitle(
          columnAxisLabel, plot: span,
          y: gridBottom + plan.height + FigureStyle.axisTitleSize * 1.2,
          maxWidth: max(span.width, 300)))
    }
    elements.append(
      colorScale(x: lastGridMaxX + Self.scaleGap, top: top, height: max(120, gridBottom - top)))
    let used = max(box.height, gridBottom + plan.height + xTitleRoom - box.y)
    return (elements, used)
  }

  private func drawPanel(
    _ panel: Panel, grid: Box, cell: Double, columnPlan: CategoryLabelPlan, index: Int
  ) -> SVGElement {
    let tick = FigureStyle.tickSize
    var elements: [SVGElement] = [
      .rect(
        x: grid.x, y: grid.y, width: grid.width, height: grid.height,
        [
          SVGAttribute("fill", "none"), SVGAttribute("class", "plot-area"),
          SVGAttribute("data-panel", String(index)),
        ])
    ]
    let showsValues = cell >= 40
    for (row, values) in panel.values.enumerated() {
      for (column, value) in values.enumerated() {
        if panel.masksUpperTriangle && column > row { continue }
        guard value.isFinite else { continue }
        let fill = Palette.viridis(value)
        let x = grid.x + Double(column) * cell
        let y = grid.y + Double(row) * cell
        elements.append(
          .rect(
            x: x, y: y, width: cell, height: cell,
            [
              SVGAttribute("fill", fill), SVGAttribute("class", "cell"),
              SVGAttribute("data-row", String(row)), SVGAttribute("data-column", String(column)),
              SVGAttribute("data-value", NumberFormat.fixed(value, decimals: 6)),
            ]))
        if showsValues {
          elements.append(
            .text(
              NumberFormat.fixed(min(1, max(0, value)), decimals: 2), x: x + cell / 2,
              y: y + cell / 2 + tick * 0.35, size: tick, anchor: "middle",
              fill: Palette.textColor(on: fill), [SVGAttribute("class", "cell-value")]))
        }
      }
    }
    // Row labels: right-aligned left of the grid, thinned when rows are too close.
    let rowStep = max(1, Int((tick * 1.1 / cell).rounded(.up)))
    for (row, label) in panel.rowLabels.enumerated() where row % rowStep == 0 {
      elements.append(
        .text(
          TextMetrics.truncated(label, maxWidth: Self.rowLabelLimit, size: tick), x: grid.x - 8,
          y: grid.y + (Double(row) + 0.5) * cell + tick * 0.35, size: tick, anchor: "end",
          [SVGAttribute("class", "row-label")]))
    }
    let centers = panel.columnLabels.indices.map { grid.x + (Double($0) + 0.5) * cell }
    elements += columnPlan.elements(centers: centers, axisY: grid.maxY)
    if !panel.title.isEmpty {
      elements.append(
        .text(
          TextMetrics.truncated(
            panel.title, maxWidth: grid.width + 100, size: FigureStyle.subtitleSize, bold: true),
          x: grid.x + grid.width / 2, y: grid.y - 10, size: FigureStyle.subtitleSize,
          anchor: "middle", weight: "bold", [SVGAttribute("class", "panel-title")]))
    }
    return .group([SVGAttribute("class", "panel")], elements)
  }

  /// A vertical ramp from 1 (top) to 0 (bottom) with ticks and its title.
  private func colorScale(x: Double, top: Double, height: Double) -> SVGElement {
    let steps = 64
    let barWidth = 22.0
    let tick = FigureStyle.tickSize
    var elements: [SVGElement] = []
    for step in 0..<steps {
      let value = (Double(step) + 0.5) / Double(steps)
      let y = top + height * (1 - Double(step + 1) / Double(steps))
      elements.append(
        .rect(
          x: x, y: y, width: barWidth, height: height / Double(steps) + 0.6,
          [SVGAttribute("fill", Palette.viridis(value))]))
    }
    elements.append(
      .rect(
        x: x, y: top, width: barWidth, height: height,
        [
          SVGAttribute("fill", "none"), SVGAttribute("stroke", Palette.axis),
          SVGAttribute("stroke-width", 1),
        ]))
    for value in [0, 0.25, 0.5, 0.75, 1.0] {
      let y = top + height * (1 - value)
      elements.append(
        .line(
          x1: x + barWidth, y1: y, x2: x + barWidth + 5, y2: y,
          [SVGAttribute("stroke", Palette.axis), SVGAttribute("stroke-width", 1)]))
      elements.append(
        .text(
          NumberFormat.svg(value), x: x + barWidth + 8, y: y + tick * 0.35, size: tick,
          fill: Palette.mutedInk))
    }
    // Turned counter-clockwise, the title's letters stand to the left of its baseline.
    let titleX =
      x + barWidth + 8 + TextMetrics.width("0.75", size: tick) + 10
      + FigureStyle.axisTitleSize * 0.95
    let title = TextMetrics.truncated(scaleLabel, maxWidth: height, size: FigureStyle.axisTitleSize)
    elements.append(
      .text(
        title, x: titleX, y: top + height / 2, size: FigureStyle.axisTitleSize, anchor: "middle",
        rotation: -90, [SVGAttribute("class", "axis-title")]))
    return .group([SVGAttribute("class", "color-scale")], elements)
  }
}
