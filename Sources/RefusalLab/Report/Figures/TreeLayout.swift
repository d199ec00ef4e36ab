/// The placement of one completion tree: a row per leaf, a column per depth, the prompt
/// wrapped at the root.
struct TreeLayout {
  static let rowHeight = 46.0
  static let panelGap = 28.0
  /// Okabe–Ito blue lightened halfway to white, so that the black tokens read on it.
  static let edgeColor = "#73B1D5"
  static let columnGapRange = (widest: 44.0, narrowest: 26.0)
  static let promptWidth = 170.0
  /// The widest a token may be drawn (it is cut with `…` beyond), and the least it is cut to.
  static let tokenLimits = 40.0...200.0

  struct Placed {
    var node: TreeFigure.Node
    var depth: Int
    var y: Double
    var label: String
    var probabilityLabel: String
    var parent: Int?
  }

  var panel: TreeFigure.Panel
  var placed: [Placed] = []
  var promptLines: [String]
  var rootY: Double
  var columnX: [Double] = []
  var columnWidth: [Double] = []
  var rootWidth: Double
  var width: Double = 0
  var height: Double
  var titleRoom: Double

  /// Lays `panel` out to fit `width` if it can: long tokens are cut and the column gaps
  /// narrowed until it fits, or until neither can shrink further.
  init(_ panel: TreeFigure.Panel, width available: Double) {
    self.panel = panel
    let size = FigureStyle.tickSize
    titleRoom = panel.title.isEmpty ? 0 : FigureStyle.subtitleSize * 1.7
    promptLines = TextMetrics.wrapped(panel.prompt, maxWidth: Self.promptWidth, size: size)
    if promptLines.isEmpty { promptLines = [""] }
    rootWidth = (promptLines.map { TextMetrics.width($0, size: size) }.max() ?? 0) + 16
    // Rows: leaves take one row each in depth-first order; a parent sits between its first
    // and last child.
    var nextRow = 0
    var placed: [Placed] = []
    func place(_ node: TreeFigure.Node, depth: Int, parent: Int?) -> Double {
      let index = placed.count
      placed.append(
        Placed(
          node: node, depth: depth, y: 0, label: node.text,
          probabilityLabel: Self.percent(node.probability), parent: parent))
      var y: Double
      if node.children.isEmpty {
        y = (Double(nextRow) + 0.5) * Self.rowHeight
        nextRow += 1
      } else {
        let ys = node.children.map { place($0, depth: depth + 1, parent: index) }
        y = ((ys.first ?? 0) + (ys.last ?? 0)) / 2
      }
      placed[index].y = y
      return y
    }
    let firstYs = panel.children.map { place($0, depth: 1, parent: nil) }
    let treeHeight = Double(max(nextRow, 1)) * Self.rowHeight
    let promptHeight = Double(promptLines.count) * size * 1.3 + 12
    rootY = firstYs.isEmpty ? promptHeight / 2 : ((firstYs.first ?? 0) + (firstYs.last ?? 0)) / 2
    rootY = max(rootY, promptHeight / 2)
    height = titleRoom + max(treeHeight, rootY + promptHeight / 2)
    self.placed = placed
    // Columns: as wide as their widest label. When that is too wide, tokens are cut to the
    // longest length that fits (found by bisection), first with wide gaps, then narrow ones.
    let depth = placed.map(\.depth).max() ?? 0
    layoutColumns(
      depth: depth, tokenLimit: Self.tokenLimits.upperBound, gap: Self.columnGapRange.widest)
    guard width > available else { return }
    for gap in [Self.columnGapRange.widest, Self.columnGapRange.narrowest] {
      var low = Self.tokenLimits.lowerBound
      var high = Self.tokenLimits.upperBound
      layoutColumns(depth: depth, tokenLimit: low, gap: gap)
      guard width <= available else { continue }
      while high - low > 2 {
        let middle = (low + high) / 2
        layoutColumns(depth: depth, tokenLimit: middle, gap: gap)
        if width <= available { low = middle } else { high = middle }
      }
      layoutColumns(depth: depth, tokenLimit: low, gap: gap)
      return
    }
    // Even the shortest tokens and gaps do not fit: the figure grows wider.
    layoutColumns(
      depth: depth, tokenLimit: Self.tokenLimits.lowerBound, gap: Self.columnGapRange.narrowest)
  }

  private mutating func layoutColumns(depth: Int, tokenLimit: Double, gap: Double) {
    let size = FigureStyle.tickSize
    for index in placed.indices {
      placed[index].label = TextMetrics.truncated(
        placed[index].node.text, maxWidth: tokenLimit, size: size)
    }
    columnWidth = Array(repeating: 0, count: depth + 1)
    for item in placed {
      columnWidth[item.depth] = max(
        columnWidth[item.depth], TextMetrics.width(item.label, size: size),
        TextMetrics.width(item.probabilityLabel, size: size))
    }
    columnX = Array(repeating: 0, count: depth + 1)
    var x = rootWidth + gap
    for column in 1..<(depth + 1) where depth >= 1 {
      columnX[column] = x
      x += columnWidth[column] + gap
    }
    width = depth >= 1 ? x - gap : rootWidth
  }

  /// A probability as a percentage with one decimal (`<0.1%` below a thousandth).
  static func percent(_ probability: Double) -> String {
    if probability > 0 && probability < 0.0005 { return "<0.1%" }
    return NumberFormat.fixed(probability * 100, decimals: 1) + "%"
  }

  /// The tree drawn with its top-left corner at (x, y).
  func elements(x: Double, y: Double) -> SVGElement {
    let size = FigureStyle.tickSize
    let top = y + titleRoom
    var edges: [SVGElement] = []
    var texts: [SVGElement] = []
    if !panel.title.isEmpty {
      texts.append(
        .text(
          TextMetrics.truncated(
            panel.title, maxWidth: max(width, 200), size: FigureStyle.subtitleSize, bold: true),
          x: x, y: y + FigureStyle.subtitleSize, size: FigureStyle.subtitleSize, weight: "bold",
          [SVGAttribute("class", "panel-title")]))
    }
    // The prompt in a grey box at the root.
    let promptHeight = Double(promptLines.count) * size * 1.3 + 12
    let promptTop = top + rootY - promptHeight / 2
    texts.append(
      .rect(
        x: x, y: promptTop, width: rootWidth, height: promptHeight,
        [
          SVGAttribute("fill", "#F2F2F2"), SVGAttribute("stroke", "#BBBBBB"),
          SVGAttribute("rx", 4), SVGAttribute("class", "prompt"),
        ]))
    for (line, text) in promptLines.enumerated() {
      texts.append(
        .text(
          text, x: x + 8, y: promptTop + 6 + size * (1.3 * Double(line) + 1), size: size,
          [SVGAttribute("class", "prompt-text")]))
    }
    // Edges run at the middle of the token line: a curve from the parent's column edge to
    // the token, and a straight stub from the token to its own column edge when it has
    // children, both as thick as the token's path probability.
    func lineY(_ item: Placed) -> Double { top + item.y - size * 0.45 }
    for item in placed {
      let thickness = max(
        1, TreeFigure.maxEdgeWidth * min(1, max(0, item.node.cumulativeProbability)))
      let startX: Double
      let startY: Double
      if let parent = item.parent {
        startX = x + columnX[placed[parent].depth] + columnWidth[placed[parent].depth] + 4
        startY = lineY(placed[parent])
      } else {
        startX = x + rootWidth
        startY = top + rootY
      }
      let endX = x + columnX[item.depth] - 4
      let endY = lineY(item)
      let middle = (startX + endX) / 2
      let d =
        "M" + NumberFormat.svg(startX) + " " + NumberFormat.svg(startY) + " C"
        + NumberFormat.svg(middle) + " " + NumberFormat.svg(startY) + " "
        + NumberFormat.svg(middle) + " " + NumberFormat.svg(endY) + " " + NumberFormat.svg(endX)
        + " " + NumberFormat.svg(endY)
      let style = [
        SVGAttribute("fill", "none"), SVGAttribute("stroke", Self.edgeColor),
        SVGAttribute("stroke-width", thickness),
      ]
      edges.append(
        .path(
          d,
          style + [
            SVGAttribute("class", "edge"), SVGAttribute("data-token", item.node.text),
            SVGAttribute(
              "data-cumulative", NumberFormat.fixed(item.node.cumulativeProbability, decimals: 6)),
          ]))
      if !item.node.children.isEmpty {
        let tokenEnd = x + columnX[item.depth] + TextMetrics.width(item.label, size: size) + 4
        let columnEnd = x + columnX[item.depth] + columnWidth[item.depth] + 4
        if columnEnd > tokenEnd {
          edges.append(
            .line(
              x1: tokenEnd, y1: endY, x2: columnEnd, y2: endY,
              style + [SVGAttribute("class", "stub")]))
        }
      }
      texts.append(
        .text(
          item.label, x: x + columnX[item.depth], y: top + item.y, size: size,
          [
            SVGAttribute("class", "token"),
            SVGAttribute(
              "data-probability", NumberFormat.fixed(item.node.probability, decimals: 6)),
          ]))
      texts.append(
        .text(
          item.probabilityLabel, x: x + columnX[item.depth], y: top + item.y + size * 1.25,
          size: size, fill: Palette.mutedInk, [SVGAttribute("class", "probability")]))
    }
    return .group([SVGAttribute("class", "tree")], edges + texts)
  }
}
