/// The layout of a chart with two numeric axes: scales that fit the plot left after the
/// axis labels, and the axes, grid and titles around it.
struct CartesianLayout {
  /// The plot frame (the axes run along its left and bottom edges).
  var plot: Box
  var x: AxisScale
  var y: AxisScale
  var xAxis: ChartAxis
  var yAxis: ChartAxis
  var box: Box
  /// How many lines the y axis title takes.
  var titleLines: Int

  /// Data never touches the frame: this many pixels are left inside it on every side.
  static let inset = 10.0

  init(box: Box, xAxis: ChartAxis, yAxis: ChartAxis, xValues: [Double], yValues: [Double]) {
    self.box = box
    self.xAxis = xAxis
    self.yAxis = yAxis
    let top = box.y + FigureStyle.tickSize * 0.6
    let bottom = box.maxY - AxisDrawing.numericXAxisRoom
    let inset = Self.inset
    var y = AxisScale.make(
      axis: yAxis, values: yValues, pixels: (bottom - inset, top + inset), minimumSpacing: 48)
    titleLines = AxisDrawing.yTitleLines(yAxis.label, length: bottom - top).count
    let left =
      box.x
      + AxisDrawing.yAxisRoom(
        labelWidth: AxisDrawing.tickLabelWidth(y), titleLines: titleLines)
    var right = box.maxX - 4
    var x = AxisScale.make(
      axis: xAxis, values: xValues, pixels: (left + inset, right - inset), minimumSpacing: 70)
    // The last tick label is centred on its tick: leave room for its right half.
    if let last = x.ticks.last {
      let overhang = TextMetrics.width(x.label(last), size: FigureStyle.tickSize) / 2
      let reach = x.position(last) + overhang - (box.maxX - 2)
      if reach > 0 {
        right -= reach
        x = AxisScale.make(
          axis: xAxis, values: xValues, pixels: (left + inset, right - inset), minimumSpacing: 70)
      }
    }
    y.pixels = (bottom - inset, top + inset)
    plot = Box(x: left, y: top, width: right - left, height: bottom - top)
    self.x = x
    self.y = y
  }

  /// The pixel position of a data point, held inside the plot frame.
  func point(_ px: Double, _ py: Double) -> (x: Double, y: Double) {
    let xPosition = min(plot.maxX, max(plot.x, x.position(px)))
    let yPosition = min(plot.maxY, max(plot.y, y.position(py)))
    return (xPosition, yPosition)
  }

  /// Whether `value` can be drawn on the x axis (finite, and positive on a log axis).
  func drawableX(_ value: Double) -> Bool { value.isFinite && (!x.logarithmic || value > 0) }

  /// Whether `value` can be drawn on the y axis (finite, and positive on a log axis).
  func drawableY(_ value: Double) -> Bool { value.isFinite && (!y.logarithmic || value > 0) }

  /// The plot frame (tagged with both scales, so that tests can map pixels back to data),
  /// the grid, both axes and their titles.
  func frameElements() -> [SVGElement] {
    func describe(_ scale: AxisScale) -> [String] {
      [
        NumberFormat.fixed(scale.domain.lowerBound, decimals: 6) + " "
          + NumberFormat.fixed(scale.domain.upperBound, decimals: 6),
        NumberFormat.fixed(scale.pixels.0, decimals: 6) + " "
          + NumberFormat.fixed(scale.pixels.1, decimals: 6),
      ]
    }
    let xs = describe(x)
    let ys = describe(y)
    let frame = SVGElement.rect(
      x: plot.x, y: plot.y, width: plot.width, height: plot.height,
      [
        SVGAttribute("fill", "none"), SVGAttribute("class", "plot-area"),
        SVGAttribute("data-x-domain", xs[0]), SVGAttribute("data-x-pixels", xs[1]),
        SVGAttribute("data-x-scale", x.logarithmic ? "log" : "linear"),
        SVGAttribute("data-y-domain", ys[0]), SVGAttribute("data-y-pixels", ys[1]),
        SVGAttribute("data-y-scale", y.logarithmic ? "log" : "linear"),
      ])
    var elements = [frame]
    elements += AxisDrawing.yAxis(y, plot: plot)
    elements += AxisDrawing.xAxis(x, plot: plot)
    if !yAxis.label.isEmpty {
      elements += AxisDrawing.yTitle(yAxis.label, lines: titleLines, plot: plot, x: box.x)
    }
    if !xAxis.label.isEmpty {
      elements.append(
        AxisDrawing.xTitle(
          xAxis.label, plot: plot, y: box.maxY - FigureStyle.axisTitleSize * 0.3))
    }
    return elements
  }
}
