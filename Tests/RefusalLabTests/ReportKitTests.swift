import Foundation
import RefusalLab
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// The report kit: SVG figures and the HTML page are well-formed XML, escape every text,
/// draw the numbers they are given, and give the same bytes for the same input; CSV
/// round-trips; the writer writes whole files or names the path it could not write.
@Suite("Report kit")
struct ReportKitTests {
  static let hostile = "<script>alert(1)</script> & \"quoted\" 'single'"

  // MARK: helpers

  static func number(_ text: String?) -> Double {
    guard let text, let value = Double(text) else {
      Issue.record("not a number: \(text ?? "nil")")
      return .nan
    }
    return value
  }

  static func pair(_ text: String?) -> (Double, Double) {
    let parts = (text ?? "").split(separator: " ").map { number(String($0)) }
    return parts.count == 2 ? (parts[0], parts[1]) : (.nan, .nan)
  }

  /// The (x, y) of a `translate(x y)` transform.
  static func translation(_ text: String?) -> (Double, Double) {
    guard let text, text.hasPrefix("translate("), text.hasSuffix(")") else { return (.nan, .nan) }
    return pair(String(text.dropFirst("translate(".count).dropLast()))
  }

  /// Maps a pixel back to data with a plot area's `data-*-domain`, `-pixels` and `-scale`.
  static func value(pixel: Double, axis: String, plot: XMLCollector.Element) -> Double {
    let (low, high) = pair(plot.attributes["data-\(axis)-domain"])
    let (p0, p1) = pair(plot.attributes["data-\(axis)-pixels"])
    let t = (pixel - p0) / (p1 - p0)
    if plot.attributes["data-\(axis)-scale"] == "log" {
      return pow(10, log10(low) + t * (log10(high) - log10(low)))
    }
    return low + t * (high - low)
  }

  static func parsed(_ xml: String, sourceLocation: SourceLocation = #_sourceLocation)
    throws -> XMLCollector
  {
    try #require(
      XMLCollector.parse(xml) != nil, "not well-formed XML", sourceLocation: sourceLocation)
    return XMLCollector.parse(xml)!
  }

  // MARK: escaping and numbers

  @Test("Escaping replaces the five XML characters and writes control characters visibly")
  func escaping() {
    #expect(
      Escaping.xml(Self.hostile)
        == "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot; &#39;single&#39;")
    #expect(Escaping.xml("a\u{1B}b\tc\u{FFFF}") == "a\\u{1B}b\tc\u{FFFD}")
    #expect(Escaping.xml("ρ ≥ 0.5 — ok") == "ρ ≥ 0.5 — ok")
  }

  @Test("Numbers print with a fixed format: no exponent, no locale, no negative zero")
  func numbers() {
    #expect(NumberFormat.fixed(0.5, decimals: 3) == "0.500")
    #expect(NumberFormat.fixed(-0.001, decimals: 2) == "0.00")
    #expect(NumberFormat.fixed(1e20, decimals: 0) == "100000000000000000000")
    #expect(NumberFormat.fixed(.nan, decimals: 2) == "nan")
    #expect(NumberFormat.svg(120.5) == "120.5")
    #expect(NumberFormat.svg(3.0) == "3")
    #expect(NumberFormat.svg(-0.004) == "0")
    #expect(NumberFormat.svg(1e-9) == "0")
    #expect(NumberFormat.readable(12_500) == "12,500")
    #expect(NumberFormat.readable(-1234.5, decimals: 1) == "\u{2212}1,234.5")
  }

  // MARK: every figure

  @Test("Every figure type is well-formed XML and renders the same bytes twice")
  func figuresAreWellFormed() throws {
    let first = ReportKitSamples.figures()
    let second = ReportKitSamples.figures()
    #expect(first.count == 9)
    for (a, b) in zip(first, second) {
      #expect(a.standaloneSVG == b.standaloneSVG, "\(a.name) differs between runs")
      #expect(a.inlineSVG == b.inlineSVG)
      for svg in [a.standaloneSVG, a.inlineSVG] {
        let xml = try Self.parsed(svg)
        let root = try #require(xml.elements.first)
        #expect(root.name == "svg")
        #expect(root.attributes["xmlns"] == "http://www.w3.org/2000/svg")
        #expect(root.attributes["viewBox"]?.hasPrefix("0 0 900 ") == true, "\(a.name)")
        // Readable on a projector: no text smaller than 14 px, titles at least 18 px.
        let sizes = xml.elements.filter { $0.name == "text" }.map {
          Self.number($0.attributes["font-size"])
        }
        #expect(sizes.allSatisfy { $0 >= 14 }, "\(a.name) has text under 14 px")
        let titles = xml.elements(class: "title").map { Self.number($0.attributes["font-size"]) }
        #expect(!titles.isEmpty && titles.allSatisfy { $0 >= 18 })
      }
      // The caption is drawn in the standalone file only.
      #expect(a.standaloneSVG.contains("class=\"caption\""))
      #expect(!a.inlineSVG.contains("class=\"caption\""))
    }
  }

  /// Every figure type with the hostile text in its title, caption, labels and tokens.
  static func hostileFigures() -> [any Figure] {
    let h = hostile
    let node = TreeFigure.Node(
      text: h, probability: 0.5, cumulativeProbability: 0.5,
      children: [.init(text: "&", probability: 1, cumulativeProbability: 0.5)])
    return [
      DotBarChart(
        title: h, caption: h, yLabel: h, xLabel: h, categories: [h, "b"],
        panels: [
          .init(
            title: h,
            groups: [
              .init(name: h, cells: [.init(mean: 0.5, halfWidth: 0.1, values: [0.4, 0.6]), nil])
            ])
        ]),
      StackedBarChart(
        title: h, caption: h, yLabel: h, xLabel: h, parts: [h, "x"],
        panels: [.init(title: h, bars: [.init(name: h, shares: [1, 3])])]),
      LineChart(
        title: h, caption: h, xAxis: ChartAxis(h), yAxis: ChartAxis(h),
        series: [.init(name: h, x: [1, 2], y: [3, 4]), .init(name: "b", x: [1, 2], y: [4, 3])]),
      ScatterChart(
        title: h, caption: h, xAxis: ChartAxis(h), yAxis: ChartAxis(h),
        points: [.init(x: 1, y: 2, group: h, label: h), .init(x: 2, y: 3, group: "g", label: h)],
        fit: .leastSquares),
      TreeFigure(title: h, caption: h, panels: [.init(title: h, prompt: h, children: [node])]),
      Heatmap(
        title: h, caption: h, rowAxisLabel: h, columnAxisLabel: h, scaleLabel: h,
        panels: [
          .init(
            title: h, rowLabels: [h, "b"], columnLabels: [h, "b"], values: [[1, 0], [0.5, 0.5]])
        ]),
    ]
  }

  @Test("A hostile token shows up escaped in every figure type, never as markup")
  func hostileTextIsEscaped() throws {
    for figure in Self.hostileFigures() {
      let svg = figure.svg()
      #expect(!svg.contains("<script"), "\(type(of: figure)) lets <script through")
      #expect(svg.contains("&lt;script&gt;") || svg.contains("&lt;scri"))
      #expect(!svg.contains("\"quoted\""))
      let xml = try Self.parsed(svg)
      #expect(!xml.elements.contains { $0.name == "script" })
      // The parsed text holds the original characters back.
      #expect(xml.text.contains("<script>alert(1)</script>"), "\(type(of: figure))")
    }
  }

  @Test("No two horizontal labels of a sample figure overlap")
  func labelsDoNotOverlap() throws {
    typealias Extent = (x0: Double, y0: Double, x1: Double, y1: Double, text: String)
    for figure in ReportKitSamples.figures() + ReportKitSamples.stressFigures() {
      let xml = try Self.parsed(figure.standaloneSVG)
      // An average of 0.5 em per character (prose in DejaVu Sans averages about 0.55, the
      // layout measures every glyph) finds real collisions without flagging neighbours that
      // merely come close; the rendered pictures are the final check.
      let extents = xml.elements.filter { $0.name == "text" && $0.attributes["transform"] == nil }
        .map { element -> Extent in
          let size = Self.number(element.attributes["font-size"])
          let x = Self.number(element.attributes["x"])
          let y = Self.number(element.attributes["y"])
          let width = Double(element.text.count) * size * 0.5
          let anchor = element.attributes["text-anchor"] ?? "start"
          let x0 = anchor == "middle" ? x - width / 2 : anchor == "end" ? x - width : x
          return (x0, y - size * 0.72, x0 + width, y + size * 0.2, element.text)
        }
      for (i, a) in extents.enumerated() {
        for b in extents[(i + 1)...] {
          let overlaps = a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1
          #expect(!overlaps, "\(figure.name): '\(a.text)' overlaps '\(b.text)'")
        }
        let width = Self.number(xml.elements[0].attributes["width"])
        #expect(a.x0 >= 0 && a.x1 <= width, "\(figure.name): '\(a.text)' leaves the figure")
      }
    }
  }

  @Test("Empty, constant, huge and non-finite data still give well-formed figures")
  func degenerateInputs() throws {
    let empty: [any Figure] = [
      DotBarChart(title: "", caption: "", yLabel: "", xLabel: "", categories: [], panels: []),
      StackedBarChart(title: "", caption: "", yLabel: "", xLabel: "", parts: [], panels: []),
      LineChart(title: "", caption: "", xAxis: ChartAxis(""), yAxis: ChartAxis(""), series: []),
      ScatterChart(title: "", caption: "", xAxis: ChartAxis(""), yAxis: ChartAxis(""), points: []),
      TreeFigure(title: "", caption: "", panels: [.init(title: "", prompt: "", children: [])]),
      Heatmap(
        title: "", caption: "", rowAxisLabel: "", columnAxisLabel: "", scaleLabel: "", panels: []),
    ]
    let odd: [any Figure] = [
      LineChart(
        title: "constant", caption: "", xAxis: ChartAxis("x", scale: .logarithmic),
        yAxis: ChartAxis("y"),
        series: [.init(name: "a", x: [0, -1, 5, 5, .nan], y: [1, 1, 1, .infinity, 1])]),
      LineChart(
        title: "huge", caption: "", xAxis: ChartAxis("x"),
        yAxis: ChartAxis("y", range: -Double.infinity...Double.infinity),
        series: [.init(name: "a", x: [1e16, 1e16 + 4], y: [1e300, -1e300])]),
      ScatterChart(
        title: "one point", caption: "", xAxis: ChartAxis("x"), yAxis: ChartAxis("y"),
        points: [.init(x: 3, y: 3, group: "g", label: "only")], fit: .leastSquares),
      DotBarChart(
        title: "out of range", caption: "", yLabel: "y", xLabel: "x", categories: ["a"],
        panels: [
          .init(
            title: "p",
            groups: [
              .init(name: "g", cells: [.init(mean: 1.7, halfWidth: .nan, values: [-3, .nan])])
            ])
        ]),
      Heatmap(
        title: "ragged", caption: "", rowAxisLabel: "r", columnAxisLabel: "c", scaleLabel: "s",
        panels: [
          .init(title: "", rowLabels: ["a"], columnLabels: [], values: [[0.5, .nan], [], [2]])
        ]),
    ]
    for figure in empty + odd {
      let svg = figure.svg()
      #expect(XMLCollector.parse(svg) != nil, "\(figure.title) is not well-formed")
      #expect(!svg.contains("nan") && !svg.contains("inf"), "\(figure.title) prints a non-number")
      #expect(svg == figure.svg())
    }
  }

  @Test("Crowded labels are thinned and turned upright, and stay inside the figure")
  func crowdedLabels() throws {
    let tokens = (0..<40).map { "token\($0)" }
    let values = tokens.indices.map { row in tokens.indices.map { Double($0 + row) / 80 } }
    let heatmap = Heatmap(
      title: "forty tokens", caption: "", rowAxisLabel: "query", columnAxisLabel: "key",
      scaleLabel: "weight",
      panels: [.init(title: "", rowLabels: tokens, columnLabels: tokens, values: values)])
    let xml = try Self.parsed(heatmap.svg())
    let columns = xml.elements(class: "category-label")
    #expect(columns.count < 40 && columns.count >= 10, "thinned")
    #expect(columns.allSatisfy { $0.attributes["transform"]?.hasPrefix("rotate(-90") == true })
    #expect(xml.elements(class: "row-label").count < 40)
    let groups = (0..<30).map { "group \($0)" }
    let bars = StackedBarChart(
      title: "thirty bars", caption: "", yLabel: "share (%)", xLabel: "group", parts: ["a", "b"],
      panels: [.init(title: "", bars: groups.map { .init(name: $0, shares: [1, 1]) })])
    let barXML = try Self.parsed(bars.svg())
    for label in barXML.elements(class: "category-label") {
      #expect(Self.number(label.attributes["x"]) > 0)
    }
  }

  @Test("Long category labels are cut with an ellipsis and crowded ones turned")
  func longLabels() throws {
    let long = "diverse+deep with recovery examples and eight refusal styles, one per topic"
    let chart = ReportKitSamples.dotBars(variantNames: ["rigid", "diverse", "deep", long])
    let xml = try Self.parsed(chart.svg())
    let labels = xml.elements(class: "category-label")
    #expect(labels.count == 8)
    #expect(labels.contains { $0.text.hasSuffix("…") && $0.text.hasPrefix("diverse+deep") })
    #expect(!labels.contains { $0.text == long })
    #expect(labels.allSatisfy { $0.attributes["transform"]?.hasPrefix("rotate(-") == true })
  }

  // MARK: the numbers drawn match the data

  @Test("Dot-bar heights, whiskers and dots map back to the data")
  func dotBarValues() throws {
    let chart = ReportKitSamples.dotBars()
    let xml = try Self.parsed(chart.svg())
    let plot = try #require(xml.elements(class: "plot-area").first)
    let top = Self.number(plot.attributes["y"])
    let height = Self.number(plot.attributes["height"])
    let bars = xml.elements(class: "bar")
    #expect(bars.count == 2 * 4 * 5)
    for bar in bars {
      let panel = try #require(chart.panels.first { $0.title == bar.attributes["data-panel"] })
      let group = try #require(panel.groups.first { $0.name == bar.attributes["data-group"] })
      let category = try #require(
        chart.categories.firstIndex(of: bar.attributes["data-category"] ?? ""))
      let cell = try #require(group.cells[category])
      let y = Self.number(bar.attributes["y"])
      let barHeight = Self.number(bar.attributes["height"])
      #expect(abs(y + barHeight - (top + height)) < 0.011, "bars stand on the axis")
      #expect(abs(barHeight / height - cell.mean) < 0.0002)
    }
    // Every seed's dot, at its value's height, and spread sideways within its bar.
    let dots = xml.elements(class: "seed-dot")
    #expect(dots.count == 2 * 4 * 5 * 5)
    for dot in dots {
      let value = Self.number(dot.attributes["data-value"])
      let cy = Self.number(dot.attributes["cy"])
      #expect(abs((top + height - cy) / height - value) < 0.0002)
    }
    let firstCellXs = dots.prefix(5).map { Self.number($0.attributes["cx"]) }
    #expect(Set(firstCellXs).count == 5, "equal values stay visible side by side")
  }

  @Test("Stacked segments are as tall as their shares")
  func stackedValues() throws {
    let chart = ReportKitSamples.stacked()
    let xml = try Self.parsed(chart.svg())
    let plot = try #require(xml.elements(class: "plot-area").first)
    let height = Self.number(plot.attributes["height"])
    let segments = xml.elements(class: "segment")
    let adaptive = try #require(chart.panels[0].bars.last)
    let drawn = segments.filter {
      $0.attributes["data-panel"] == "n-gram" && $0.attributes["data-bar"] == "adaptive"
    }
    #expect(drawn.count == 3)
    for segment in drawn {
      let part = try #require(chart.parts.firstIndex(of: segment.attributes["data-part"] ?? ""))
      let share = adaptive.shares[part] / adaptive.shares.reduce(0, +)
      #expect(abs(Self.number(segment.attributes["height"]) / height - share) < 0.0002)
    }
    #expect(xml.elements(class: "segment-label").contains { $0.text == "50%" })
  }

  @Test("Line markers map back to the data on a logarithmic axis")
  func lineValues() throws {
    let chart = ReportKitSamples.dose()
    let xml = try Self.parsed(chart.svg())
    let plot = try #require(xml.elements(class: "plot-area").first)
    #expect(plot.attributes["data-x-scale"] == "log")
    let markers = xml.elements(class: "marker")
    #expect(markers.count == 18)
    let expected = chart.series.flatMap(\.points)
    for (marker, point) in zip(markers, expected) {
      let (px, py) = Self.translation(marker.attributes["transform"])
      #expect(abs(Self.value(pixel: px, axis: "x", plot: plot) / point.x - 1) < 0.001)
      #expect(abs(Self.value(pixel: py, axis: "y", plot: plot) - point.y) < 0.001)
    }
    // The ticks of a log axis with few x values are the values themselves.
    let ticks = xml.elements(class: "tick-label").map(\.text)
    for label in ["10", "30", "100", "300", "1,000", "3,000", "0%", "100%"] {
      #expect(ticks.contains(label), "missing tick \(label)")
    }
    // A long series is drawn as a line alone.
    let loss = try Self.parsed(ReportKitSamples.loss().svg())
    #expect(loss.elements(class: "marker").isEmpty)
    #expect(loss.elements.contains { $0.name == "polyline" })
  }

  @Test("Scatter points and the least-squares line map back to the data")
  func scatterValues() throws {
    let points = (0..<6).map {
      ScatterChart.Point(x: Double($0), y: 2 + 0.5 * Double($0), group: "g")
    }
    let chart = ScatterChart(
      title: "line", caption: "", xAxis: ChartAxis("x (units)"), yAxis: ChartAxis("y (units)"),
      points: points, fit: .leastSquares)
    let xml = try Self.parsed(chart.svg())
    let plot = try #require(xml.elements(class: "plot-area").first)
    let markers = xml.elements(class: "marker")
    #expect(markers.count == 6)
    for (marker, point) in zip(markers, points) {
      let (px, py) = Self.translation(marker.attributes["transform"])
      #expect(abs(Self.value(pixel: px, axis: "x", plot: plot) - point.x) < 0.001)
      #expect(abs(Self.value(pixel: py, axis: "y", plot: plot) - point.y) < 0.001)
    }
    let fit = try #require(xml.elements(class: "fit").first)
    #expect(abs(Self.number(fit.attributes["data-slope"]) - 0.5) < 1e-9)
    #expect(abs(Self.number(fit.attributes["data-intercept"]) - 2) < 1e-9)
    let x1 = Self.value(pixel: Self.number(fit.attributes["x1"]), axis: "x", plot: plot)
    let y1 = Self.value(pixel: Self.number(fit.attributes["y1"]), axis: "y", plot: plot)
    #expect(abs(y1 - (2 + 0.5 * x1)) < 0.01, "the drawn line is the fitted one")
    // One group and no line: no legend. The sample has two groups and a fit: three entries.
    var plain = chart
    plain.fit = .none
    #expect(!plain.svg().contains("class=\"legend\""))
    let sample = try Self.parsed(ReportKitSamples.scatter().svg())
    #expect(sample.elements(class: "legend-entry").count == 3)
  }

  @Test("Heatmap cells carry their value's ramp colour; the upper triangle stays empty")
  func heatmapValues() throws {
    let chart = ReportKitSamples.heatmap()
    let xml = try Self.parsed(chart.svg())
    let cells = xml.elements(class: "cell")
    #expect(cells.count == 2 * (10 * 11 / 2))
    for (index, cell) in cells.enumerated() {
      let row = Int(cell.attributes["data-row"] ?? "") ?? -1
      let column = Int(cell.attributes["data-column"] ?? "") ?? -1
      #expect(column <= row)
      let value = chart.panels[index < 55 ? 0 : 1].values[row][column]
      #expect(abs(Self.number(cell.attributes["data-value"]) - value) < 1e-6)
      #expect(cell.attributes["fill"] == Palette.viridis(value))
    }
    #expect(Palette.viridis(0) == "#440154")
    #expect(Palette.viridis(1) == "#FDE725")
    #expect(Palette.viridis(2) == "#FDE725")
  }

  @Test("Tree edges are as thick as the path probability, tokens escaped")
  func treeValues() throws {
    let chart = ReportKitSamples.trees()
    let xml = try Self.parsed(chart.svg())
    let edges = xml.elements(class: "edge")
    #expect(edges.count == 8 + 3 + 5 + 5 + 3 + 2)
    for edge in edges {
      let cumulative = Self.number(edge.attributes["data-cumulative"])
      let width = Self.number(edge.attributes["stroke-width"])
      #expect(abs(width - max(1, TreeFigure.maxEdgeWidth * cumulative)) < 0.006)
    }
    let promptLines = xml.elements(class: "prompt-text").map(\.text)
    let prompt = "<user> can you show me rotglyph <assistant>"
    #expect(promptLines.count > 2, "the prompts are wrapped")
    #expect(promptLines.joined(separator: " ") == prompt + " " + prompt)
    let svg = chart.svg()
    #expect(svg.contains("&lt;assistant&gt;") && !svg.contains("<assistant>"))
    #expect(svg.contains("&#39;m"))
  }

  @Test("A completion tree maps onto the figure's nodes")
  func completionTreeMapping() {
    let json = """
      {"branching": 1, "children": [{"children": [], "cumulativeProbability": 0.25,
        "probability": 0.25, "text": "hi", "token": 3}],
       "depth": 1, "prompt": [1], "promptText": "<user>", "threshold": 0.01}
      """
    guard let tree = try? CompletionTree(json: json) else {
      Issue.record("the JSON did not decode")
      return
    }
    let panel = TreeFigure.Panel(title: "t", tree: tree)
    #expect(panel.prompt == "<user>")
    #expect(panel.children == [.init(text: "hi", probability: 0.25, cumulativeProbability: 0.25)])
  }

  // MARK: the page and the files

  @Test("The HTML page is well-formed XML, self-contained, escaped and stable")
  func htmlPage() throws {
    var report = ReportKitSamples.report()
    report.sections[0].blocks.append(.paragraph(Self.hostile))
    report.sections[0].blocks.append(
      .table(TextTable(header: ["name", "value"], rows: [[Self.hostile, "12.5%"], ["b", "−3"]])))
    let html = report.html()
    #expect(html == report.html())
    let xml = try Self.parsed(html)
    #expect(xml.elements.first?.name == "html")
    #expect(xml.elements.filter { $0.name == "figure" }.count == 9)
    #expect(xml.elements.filter { $0.name == "figcaption" }.count == 9)
    #expect(xml.elements.filter { $0.name == "svg" }.count == 9)
    #expect(xml.elements.contains { $0.name == "meta" && $0.attributes["charset"] == "utf-8" })
    // Nothing to fetch: no script, no external style, image, font or link.
    #expect(!html.contains("<script"))
    #expect(
      !xml.elements.contains { ["script", "link", "img", "iframe", "object"].contains($0.name) })
    // The only addresses are the XHTML and SVG namespace names, which are never fetched.
    let addresses = html.replacingOccurrences(of: "http://www.w3.org/1999/xhtml", with: "")
      .replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")
    #expect(!addresses.contains("http:") && !addresses.contains("https:"))
    #expect(!html.contains("url(") && !html.contains("@import") && !html.contains("@font-face"))
    #expect(
      xml.elements.filter { $0.name == "a" }.allSatisfy {
        $0.attributes["href"]?.hasPrefix("#") == true
      })
    #expect(xml.text.contains(Self.hostile))
    // Numeric columns are right-aligned, text columns not.
    let lastTable = xml.elements.filter { $0.name == "td" }.suffix(4)
    #expect(lastTable.map { $0.attributes["class"] } == [nil, "num", nil, "num"])
    let numbers = xml.elements.filter { $0.name == "td" && $0.text == "87.5 ± 0.0" }
    #expect(numbers.first?.attributes["class"] == "num")
  }

  @Test("The writer puts index.html and every figure into a new folder")
  func writer() throws {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent(
      "refusallab-report-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: base) }
    let folder = base.appendingPathComponent("nested/report")
    let report = ReportKitSamples.report()
    let written = try ReportWriter.write(report, to: folder)
    #expect(
      written.map(\.lastPathComponent) == ["index.html"] + report.figures.map { $0.name + ".svg" })
    #expect(try String(contentsOf: written[0], encoding: .utf8) == report.html())
    let safety = try String(
      contentsOf: folder.appendingPathComponent("safety.svg"), encoding: .utf8)
    #expect(safety == report.figures[0].standaloneSVG)
    // Again over the old files: replaced, and no temporary file left behind.
    try ReportWriter.write(report, to: folder)
    let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    #expect(names == (["index.html"] + report.figures.map { $0.name + ".svg" }).sorted())
  }

  @Test("The writer names the path it cannot write, and refuses bad figure names")
  func writerErrors() throws {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent(
      "refusallab-report-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: base) }
    try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
    let file = base.appendingPathComponent("plain-file")
    try Data("x".utf8).write(to: file)
    let report = ReportKitSamples.report()
    do {
      try ReportWriter.write(report, to: file)
      Issue.record("writing into a file succeeded")
    } catch let error as ReportError {
      #expect(error.message.contains(file.path))
    }
    do {
      try ReportWriter.write(report, to: file.appendingPathComponent("below"))
      Issue.record("writing below a file succeeded")
    } catch let error as ReportError {
      #expect(error.message.contains(file.path))
    }
    do {
      try ReportWriter.writeAtomically("x", to: base.appendingPathComponent("missing/x.svg"))
      Issue.record("writing into a missing folder succeeded")
    } catch let error as ReportError {
      #expect(error.message.contains("missing/x.svg"))
    }
    for name in ["../escape", "", "index", "a b"] {
      let bad = HTMLReport(
        title: "t", lead: "",
        sections: [.init("s", blocks: [.figure(ReportFigure(name: name, ReportKitSamples.kl()))])])
      #expect(throws: ReportError.self) { try ReportWriter.write(bad, to: base) }
    }
    let twice = HTMLReport(
      title: "t", lead: "",
      sections: [
        .init(
          "s",
          blocks: [
            .figure(ReportFigure(name: "kl", ReportKitSamples.kl())),
            .figure(ReportFigure(name: "kl", ReportKitSamples.kl())),
          ])
      ])
    #expect(throws: ReportError.self) { try ReportWriter.write(twice, to: base) }
  }

  // MARK: CSV

  @Test("CSV quotes what needs quoting and round-trips text and numbers")
  func csvRoundTrip() throws {
    let texts = [
      "plain", "with, comma", "with \"quotes\"", "two\nlines", "crlf\r\nline", " padded ",
      "ρ ≥ 0.5", "", Self.hostile,
    ]
    let table = CSVTable(
      columns: ["name", "value", "count", "note, with comma"],
      rows: texts.enumerated().map { index, text in
        [.text(text), .number(Double(index) / 3 - 1), .integer(index * 1000), .missing]
      },
      decimals: 4)
    let csv = table.csv()
    #expect(csv == table.csv())
    #expect(csv.hasPrefix("name,value,count,\"note, with comma\"\r\n"))
    #expect(csv.contains("\"with \"\"quotes\"\"\""))
    #expect(csv.contains(",-1.0000,0,\r\n"))
    #expect(!csv.contains("e-") && !csv.contains("E+"))
    let (columns, rows) = try CSVReader.table(csv)
    #expect(columns == table.columns)
    #expect(rows.count == texts.count)
    for (index, row) in rows.enumerated() {
      #expect(row[0] == texts[index])
      #expect(abs((Double(row[1]) ?? .nan) - (Double(index) / 3 - 1)) <= 0.00005)
      #expect(row[2] == String(index * 1000))
      #expect(row[3] == "")
    }
    #expect(try CSVReader.records("a,b\nc,d") == [["a", "b"], ["c", "d"]])
    #expect(try CSVReader.records("a,\"\"\r\n") == [["a", ""]])
  }

  @Test("Malformed CSV is rejected with its line")
  func csvErrors() {
    for (text, line) in [("a,b\nc\"d,e\n", 2), ("\"open,b\n", 2), ("\"a\"x,b\n", 1)] {
      do {
        _ = try CSVReader.records(text)
        Issue.record("accepted \(text)")
      } catch let error as ReportError {
        #expect(error.message.contains("line \(line)"), "\(error.message)")
      } catch {
        Issue.record("unexpected \(error)")
      }
    }
    #expect(throws: ReportError.self) { try CSVReader.table("a,b\n1,2,3\n") }
  }

  // MARK: a sample report for the render check

  /// Writes the sample page with every figure type to `$REFUSALLAB_SAMPLE_REPORT_DIR`, for
  /// `Docs/render-report.sh` to render and check; skipped when the variable is not set.
  @Test(
    "Sample report for Docs/render-report.sh",
    .enabled(if: ProcessInfo.processInfo.environment["REFUSALLAB_SAMPLE_REPORT_DIR"] != nil))
  func sampleReport() throws {
    let path = try #require(ProcessInfo.processInfo.environment["REFUSALLAB_SAMPLE_REPORT_DIR"])
    let folder = URL(fileURLWithPath: path)
    try ReportWriter.write(ReportKitSamples.report(), to: folder)
    let csv = CSVTable(
      columns: ["variant", "condition", "seed", "safety"],
      rows: ReportKitSamples.dotBars().panels[0].groups.flatMap { group in
        zip(ReportKitSamples.conditions, group.cells).flatMap { condition, cell in
          (cell?.values ?? []).enumerated().map { seed, value in
            [.text(group.name), .text(condition), .integer(seed), .number(value)]
          }
        }
      })
    try ReportWriter.writeAtomically(csv.csv(), to: folder.appendingPathComponent("safety.csv"))
    for figure in ReportKitSamples.stressFigures() {
      try ReportWriter.writeAtomically(
        figure.standaloneSVG, to: folder.appendingPathComponent(figure.name + ".svg"))
    }
  }
}
