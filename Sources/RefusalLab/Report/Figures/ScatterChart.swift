import Foundation

/// Points coloured (and shaped) by group, optionally labelled, with an optional
/// least-squares line: for example the refusal strength ρ against safety, one point per
/// seed.
///
/// Point labels are placed beside their point (right, left, above or below, the first that
/// collides with nothing already drawn); a label with no free place is left out rather than
/// drawn over another. Values outside a fixed range are drawn at its edge.
public struct ScatterChart: Figure {
  /// One point.
  public struct Point: Sendable, Hashable {
    /// The horizontal value.
    public var x: Double
    /// The vertical value.
    public var y: Double
    /// The group, which sets the colour and shape (and names the legend entry).
    public var group: String
    /// A short text drawn beside the point, such as `"seed 3"`.
    public var label: String?

    /// A point of `group` at (x, y).
    public init(x: Double, y: Double, group: String, label: String? = nil) {
      self.x = x
      self.y = y
      self.group = group
      self.label = label
    }
  }

  /// The line drawn through the points.
  public enum Fit: Sendable, Hashable {
    /// No line.
    case none
    /// The least-squares line of y on x over all points (on x's logarithm when the x axis is
    /// logarithmic), dashed.
    case leastSquares
  }

  /// The title drawn at the top.
  public var title: String
  /// The caption drawn below the figure or in the page's `<figcaption>`.
  public var caption: String
  /// The horizontal axis.
  public var xAxis: ChartAxis
  /// The vertical axis.
  public var yAxis: ChartAxis
  /// The points, drawn in this order.
  public var points: [Point]
  /// The line through them.
  public var fit: Fit
  /// The figure's nominal size.
  public var size: FigureSize

  /// A scatter chart.
  public init(
    title: String, caption: String, xAxis: ChartAxis, yAxis: ChartAxis, points: [Point],
    fit: Fit = .none, size: FigureSize = .standard
  ) {
    self.title = title
    self.caption = caption
    self.xAxis = xAxis
    self.yAxis = yAxis
    self.points = points
    self.fit = fit
    self.size = size
  }

  /// The groups in order of first appearance.
  var groups: [String] {
    var seen: Set<String> = []
    return points.map(\.group).filter { seen.insert($0).inserted }
  }

  /// The chart as an SVG drawing.
  public func document(drawsCaption: Bool) -> SVGDocument {
    let groups = self.groups
    var legend =
      groups.count > 1
      ? groups.enumerated().map {
        LegendEntry(
          name: $0.element, color: Palette.category($0.offset),
          mark: .marker(MarkerShape.forSeries($0.offset)))
      } : []
    let line = fit == .leastSquares ? leastSquares() : nil
    if line != nil {
      legend.append(LegendEntry(name: "least-squares line", color: Palette.ink, mark: .dashedLine))
    }
    return FigureFrame.compose(
      size: size, title: title, caption: caption, drawsCaption: drawsCaption, legend: legend
    ) { box in
      let layout = CartesianLayout(
        box: box, xAxis: xAxis, yAxis: yAxis, xValues: points.map(\.x),
        yValues: points.map(\.y))
      var marks: [SVGElement] = []
      var taken: [Box] = []
      if let line, let segment = clipped(line, layout: layout) {
        // Labels keep off the line: it counts as a chain of small boxes along its length.
        let steps = 60
        for step in 0...steps {
          let t = Double(step) / Double(steps)
          let x = segment.0.x + (segment.1.x - segment.0.x) * t
          let y = segment.0.y + (segment.1.y - segment.0.y) * t
          taken.append(Box(x: x - 3, y: y - 3, width: 6, height: 6))
        }
        marks.append(
          .line(
            x1: segment.0.x, y1: segment.0.y, x2: segment.1.x, y2: segment.1.y,
            [
              SVGAttribute("stroke", Palette.ink), SVGAttribute("stroke-width", 2),
              SVGAttribute("stroke-dasharray", "6 4"), SVGAttribute("class", "fit"),
              SVGAttribute("data-slope", NumberFormat.fixed(line.slope, decimals: 6)),
              SVGAttribute("data-intercept", NumberFormat.fixed(line.intercept, decimals: 6)),
            ]))
      }
      var drawn: [(position: (x: Double, y: Double), point: Point)] = []
      for point in points where layout.drawableX(point.x) && layout.drawableY(point.y) {
        let index = groups.firstIndex(of: point.group) ?? 0
        let position = layout.point(point.x, point.y)
        marks.append(
          MarkerShape.forSeries(index).element(
            x: position.x, y: position.y, color: Palette.category(index), radius: 6,
            [
              SVGAttribute("class", "marker"), SVGAttribute("data-group", point.group),
              SVGAttribute("data-x", NumberFormat.fixed(point.x, decimals: 6)),
              SVGAttribute("data-y", NumberFormat.fixed(point.y, decimals: 6)),
            ]))
        taken.append(Box(x: position.x - 7, y: position.y - 7, width: 14, height: 14))
        drawn.append((position, point))
      }
      marks += labels(drawn, taken: taken, plot: layout.plot)
      return (layout.frameElements() + marks, box.height)
    }
  }

  /// The least-squares line y = intercept + slope · x (x on a log axis: log10 x), or `nil`
  /// with fewer than two distinct x values.
  func leastSquares() -> (slope: Double, intercept: Double)? {
    let logarithmic = xAxis.scale == .logarithmic
    let pairs = points.compactMap { point -> (Double, Double)? in
      guard point.x.isFinite, point.y.isFinite, !logarithmic || point.x > 0 else { return nil }
      return (logarithmic ? log10(point.x) : point.x, point.y)
    }
    guard pairs.count >= 2 else { return nil }
    let n = Double(pairs.count)
    let meanX = pairs.reduce(0) { $0 + $1.0 } / n
    let meanY = pairs.reduce(0) { $0 + $1.1 } / n
    let sxx = pairs.reduce(0) { $0 + ($1.0 - meanX) * ($1.0 - meanX) }
    let sxy = pairs.reduce(0) { $0 + ($1.0 - meanX) * ($1.1 - meanY) }
    guard sxx > 0 else { return nil }
    let slope = sxy / sxx
    return (slope, meanY - slope * meanX)
  }

  /// The part of the line inside the plot's domain, in pixels.
  private func clipped(_ line: (slope: Double, intercept: Double), layout: CartesianLayout)
    -> ((x: Double, y: Double), (x: Double, y: Double))?
  {
    let logarithmic = layout.x.logarithmic
    let x0 = logarithmic ? log10(layout.x.domain.lowerBound) : layout.x.domain.lowerBound
    let x1 = logarithmic ? log10(layout.x.domain.upperBound) : layout.x.domain.upperBound
    let (yLow, yHigh) = (layout.y.domain.lowerBound, layout.y.domain.upperBound)
    var (start, end) = (x0, x1)
    if line.slope != 0 {
      let atLow = (yLow - line.intercept) / line.slope
      let atHigh = (yHigh - line.intercept) / line.slope
      start = max(start, min(atLow, atHigh))
      end = min(end, max(atLow, atHigh))
    } else if line.intercept < yLow || line.intercept > yHigh {
      return nil
    }
    guard start < end else { return nil }
    func pixel(_ u: Double) -> (x: Double, y: Double) {
      let x = logarithmic ? pow(10, u) : u
      return (layout.x.position(x), layout.y.position(line.intercept + line.slope * u))
    }
    return (pixel(start), pixel(end))
  }

  private func labels(
    _ drawn: [(position: (x: Double, y: Double), point: Point)], taken: [Box], plot: Box
  ) -> [SVGElement] {
    let size = FigureStyle.tickSize
    var taken = taken
    var elements: [SVGElement] = []
    for (position, point) in drawn {
      guard let label = point.label, !label.isEmpty else { continue }
      let text = TextMetrics.truncated(label, maxWidth: 120, size: size)
      let width = TextMetrics.width(text, size: size)
      let height = size * 1.1
      let candidates = [
        Box(x: position.x + 9, y: position.y - height / 2, width: width, height: height),
        Box(x: position.x - 9 - width, y: position.y - height / 2, width: width, height: height),
        Box(x: position.x - width / 2, y: position.y - 9 - height, width: width, height: height),
        Box(x: position.x - width / 2, y: position.y + 9, width: width, height: height),
      ]
      guard
        let place = candidates.first(where: { candidate in
          candidate.x >= plot.x + 2 && candidate.maxX <= plot.maxX - 2
            && candidate.y >= plot.y + 2 && candidate.maxY <= plot.maxY - 2
            && !taken.contains { $0.overlaps(candidate) }
        })
      else { continue }
      taken.append(place)
      elements.append(
        .text(
          text, x: place.x, y: place.y + size * 0.85, size: size, fill: Palette.mutedInk,
          [
            SVGAttribute("class", "point-label"), SVGAttribute("stroke", "#FFFFFF"),
            SVGAttribute("stroke-width", 3), SVGAttribute("stroke-linejoin", "round"),
            SVGAttribute("paint-order", "stroke"),
          ]))
    }
    return elements
  }
}

extension Box {
  /// Whether the two boxes share any area.
  func overlaps(_ other: Box) -> Bool {
    x < other.maxX && other.x < maxX && y < other.maxY && other.y < maxY
  }
}
