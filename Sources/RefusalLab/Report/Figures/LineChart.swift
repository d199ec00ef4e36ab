/// Named series of (x, y) points joined by lines, with a marker per point.
///
/// For curves such as KL divergence per response position, safety against the number of
/// forced tokens, safety against the number of attack samples (with a logarithmic x axis)
/// or training loss per step. Series with more than ``markerLimit`` points are drawn as
/// lines alone. A point with a non-finite value (or x ≤ 0 on a logarithmic axis) breaks the
/// line; values outside a fixed range are drawn at its edge.
public struct LineChart: Figure {
  /// One named curve.
  public struct Series: Sendable, Hashable {
    /// The legend's name for the series.
    public var name: String
    /// The points, joined in this order.
    public var points: [ChartPoint]

    /// A series named `name`.
    public init(name: String, points: [ChartPoint]) {
      self.name = name
      self.points = points
    }

    /// A series from parallel lists of x and y values (the longer one is cut).
    public init(name: String, x: [Double], y: [Double]) {
      self.init(name: name, points: zip(x, y).map { ChartPoint(x: $0, y: $1) })
    }
  }

  /// Series with more points than this are drawn without markers.
  public static let markerLimit = 40

  /// The title drawn at the top.
  public var title: String
  /// The caption drawn below the figure or in the page's `<figcaption>`.
  public var caption: String
  /// The horizontal axis.
  public var xAxis: ChartAxis
  /// The vertical axis.
  public var yAxis: ChartAxis
  /// The series, each in its own colour and marker shape.
  public var series: [Series]
  /// The figure's nominal size.
  public var size: FigureSize

  /// A line chart.
  public init(
    title: String, caption: String, xAxis: ChartAxis, yAxis: ChartAxis, series: [Series],
    size: FigureSize = .standard
  ) {
    self.title = title
    self.caption = caption
    self.xAxis = xAxis
    self.yAxis = yAxis
    self.series = series
    self.size = size
  }

  /// The chart as an SVG drawing.
  public func document(drawsCaption: Bool) -> SVGDocument {
    let legend =
      series.count > 1
      ? series.enumerated().map {
        LegendEntry(
          name: $0.element.name, color: Palette.category($0.offset),
          mark: .line(MarkerShape.forSeries($0.offset)))
      } : []
    return FigureFrame.compose(
      size: size, title: title, caption: caption, drawsCaption: drawsCaption, legend: legend
    ) { box in
      let points = series.flatMap(\.points)
      let layout = CartesianLayout(
        box: box, xAxis: xAxis, yAxis: yAxis, xValues: points.map(\.x),
        yValues: points.map(\.y))
      var marks: [SVGElement] = []
      for (index, line) in series.enumerated() {
        marks.append(draw(line, index: index, layout: layout))
      }
      return (layout.frameElements() + marks, box.height)
    }
  }

  private func draw(_ line: Series, index: Int, layout: CartesianLayout) -> SVGElement {
    let color = Palette.category(index)
    let shape = MarkerShape.forSeries(index)
    var runs: [[(x: Double, y: Double)]] = [[]]
    var markers: [SVGElement] = []
    for point in line.points {
      guard layout.drawableX(point.x), layout.drawableY(point.y) else {
        if !(runs.last?.isEmpty ?? true) { runs.append([]) }
        continue
      }
      let position = layout.point(point.x, point.y)
      runs[runs.count - 1].append(position)
      if line.points.count <= Self.markerLimit {
        markers.append(
          shape.element(
            x: position.x, y: position.y, color: color,
            [
              SVGAttribute("class", "marker"),
              SVGAttribute("data-x", NumberFormat.fixed(point.x, decimals: 6)),
              SVGAttribute("data-y", NumberFormat.fixed(point.y, decimals: 6)),
            ]))
      }
    }
    let lines = runs.filter { $0.count >= 2 }.map {
      SVGElement.polyline(
        $0,
        [
          SVGAttribute("fill", "none"), SVGAttribute("stroke", color),
          SVGAttribute("stroke-width", 2.5), SVGAttribute("stroke-linejoin", "round"),
        ])
    }
    return .group(
      [SVGAttribute("class", "series"), SVGAttribute("data-series", line.name)], lines + markers)
  }
}
