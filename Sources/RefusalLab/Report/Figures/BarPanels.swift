/// The layout shared by the bar charts: one or more panels side by side over a common
/// 0–100% y axis, each with its title, its slots (one per bar or group of bars) and its
/// category labels, and the axis titles.
struct BarPanels {
  var plots: [Box]
  /// The slot width of each panel.
  var slots: [Double]
  var plan: CategoryLabelPlan
  var scale: AxisScale
  var labelSets: [[String]]
  var panelTitles: [String]
  var xTitle: String
  var yTitle: String
  var box: Box
  /// How many lines the y axis title takes.
  var titleLines: Int

  static let percentTicks = [0, 0.25, 0.5, 0.75, 1.0]
  static let panelGap = 28.0

  init(box: Box, panelTitles: [String], labels: [[String]], xTitle: String, yTitle: String) {
    self.box = box
    self.panelTitles = panelTitles
    let labels = labels.isEmpty ? [[]] : labels
    self.labelSets = labels
    self.xTitle = xTitle
    self.yTitle = yTitle
    let axis = ChartAxis(yTitle, range: 0...1, format: .percent, ticks: Self.percentTicks)
    let probe = AxisScale.make(axis: axis, values: [], pixels: (1, 0), minimumSpacing: 40)
    let labelWidth = AxisDrawing.tickLabelWidth(probe)
    let right = box.maxX - 4
    let count = max(1, labels.count)
    let hasPanelTitles = panelTitles.contains { !$0.isEmpty }
    let titleRoom = hasPanelTitles ? FigureStyle.subtitleSize * 1.6 : 0
    let top = box.y + titleRoom + FigureStyle.tickSize * 0.6
    var titleLines = yTitle.isEmpty ? 0 : 1
    var left = box.x
    var panelWidth = 0.0
    var slots: [Double] = []
    var plan = CategoryLabelPlan([], slot: 100)
    var plotHeight = 0.0
    // With one line for the y title first; with two if the plot turns out too short for it.
    while true {
      left = box.x + AxisDrawing.yAxisRoom(labelWidth: labelWidth, titleLines: titleLines)
      for _ in 0..<3 {
        panelWidth = (right - left - Self.panelGap * Double(count - 1)) / Double(count)
        slots = labels.map { panelWidth / Double(max(1, $0.count)) }
        plan = CategoryLabelPlan(labels.flatMap { $0 }, slot: slots.min() ?? panelWidth)
        // Rotated labels hang to the left of their slot: keep the first panel's inside the
        // figure.
        let firstCenter = left + (slots.first ?? 0) / 2
        let overflow = plan.leftReach - (firstCenter - 2)
        if overflow <= 0 { break }
        left += overflow
      }
      let bottomRoom = plan.height + (xTitle.isEmpty ? 0 : FigureStyle.axisTitleSize * 1.6)
      plotHeight = max(60, box.maxY - bottomRoom - top)
      let needed = AxisDrawing.yTitleLines(yTitle, length: plotHeight).count
      if needed <= titleLines || titleLines >= 2 { break }
      titleLines = needed
    }
    self.titleLines = titleLines
    plots = (0..<count).map { index in
      Box(
        x: left + Double(index) * (panelWidth + Self.panelGap), y: top, width: panelWidth,
        height: plotHeight)
    }
    self.slots = slots
    self.plan = plan
    scale = AxisScale.make(
      axis: axis, values: [], pixels: (top + plotHeight, top), minimumSpacing: 40)
  }

  /// The centre of slot `slot` in panel `panel`.
  func center(panel: Int, slot: Int) -> Double {
    plots[panel].x + slots[panel] * (Double(slot) + 0.5)
  }

  /// Axes, grid, panel titles, category labels and axis titles (drawn under the bars).
  func frameElements() -> [SVGElement] {
    var elements: [SVGElement] = []
    var labelIndex = 0
    for (index, plot) in plots.enumerated() {
      elements.append(
        .rect(
          x: plot.x, y: plot.y, width: plot.width, height: plot.height,
          [
            SVGAttribute("fill", "none"), SVGAttribute("class", "plot-area"),
            SVGAttribute("data-panel", String(index)),
          ]))
      elements += AxisDrawing.yAxis(scale, plot: plot, labels: index == 0)
      if index < panelTitles.count, !panelTitles[index].isEmpty {
        let title = TextMetrics.truncated(
          panelTitles[index], maxWidth: plot.width, size: FigureStyle.subtitleSize, bold: true)
        elements.append(
          .text(
            title, x: plot.x + plot.width / 2, y: plot.y - FigureStyle.tickSize * 0.6 - 8,
            size: FigureStyle.subtitleSize, anchor: "middle", weight: "bold",
            [SVGAttribute("class", "panel-title")]))
      }
      let labels = labelSets[index]
      let centers = labels.indices.map { center(panel: index, slot: $0) }
      var panelPlan = plan
      panelPlan.labels = Array(plan.labels[labelIndex..<(labelIndex + labels.count)])
      labelIndex += labels.count
      elements += panelPlan.elements(centers: centers, axisY: plot.maxY)
      elements.append(
        .line(
          x1: plot.x, y1: plot.maxY, x2: plot.maxX, y2: plot.maxY,
          [SVGAttribute("stroke", Palette.axis), SVGAttribute("stroke-width", 1)]))
    }
    guard let first = plots.first, let last = plots.last else { return elements }
    let span = Box(x: first.x, y: first.y, width: last.maxX - first.x, height: first.height)
    if !yTitle.isEmpty {
      elements += AxisDrawing.yTitle(yTitle, lines: titleLines, plot: span, x: box.x)
    }
    if !xTitle.isEmpty {
      elements.append(
        AxisDrawing.xTitle(
          xTitle, plot: span, y: first.maxY + plan.height + FigureStyle.axisTitleSize * 1.2))
    }
    return elements
  }
}
