import Foundation

/// How the labels of a categorical axis fit under their slots: horizontal, at −45° or
/// upright (−90°), and, when even upright labels are too close, only every `step`-th one.
struct CategoryLabelPlan {
  /// The labels to draw, one or two lines each (cut with `…`); empty where thinned out.
  var labels: [[String]]
  /// 0, −45 or −90 degrees (turned labels have one line).
  var rotation: Double
  /// The height the labels take below the axis, from the axis line.
  var height: Double
  /// The extent of the rotated labels to the left of the first slot's centre (0 when
  /// horizontal labels stay inside their slots).
  var leftReach: Double

  init(_ labels: [String], slot proposed: Double, size: Double = FigureStyle.tickSize) {
    let slot = proposed.isFinite ? max(1, proposed) : 1
    let gap = 8.0
    let room = slot - gap
    let flat = labels.map { Self.lines($0, width: room, size: size) }
    if flat.allSatisfy({ $0 != nil }) {
      self.labels = flat.map { $0 ?? [] }
      rotation = 0
      let lineCount = self.labels.map(\.count).max() ?? 1
      height = gap + size * (1.1 + 1.2 * Double(lineCount - 1))
      leftReach = 0
      return
    }
    let maxWidth = FigureStyle.maxLabelWidth
    let cut = labels.map { TextMetrics.truncated($0, maxWidth: maxWidth, size: size) }
    let widest = cut.map { TextMetrics.width($0, size: size) }.max() ?? 0
    if slot >= size * 1.5 {
      self.labels = cut.map { [$0] }
      rotation = -45
      height = gap + (widest + size) * 0.7072 + 4
      leftReach = widest * 0.7072
      return
    }
    let step = max(1, Int((size * 1.2 / slot).rounded(.up)))
    self.labels = cut.enumerated().map { $0.offset % step == 0 ? [$0.element] : [] }
    rotation = -90
    height = gap + widest + 4
    leftReach = size * 0.4
  }

  /// `label` on one line, or on two broken after a space, `-`, `+` or `/` (the most even
  /// break), when that fits `width`; `nil` when neither does.
  static func lines(_ label: String, width: Double, size: Double) -> [String]? {
    if TextMetrics.width(label, size: size) <= width { return [label] }
    let characters = Array(label)
    var best: (lines: [String], widest: Double)?
    for index in characters.indices.dropLast() where " -+/".contains(characters[index]) {
      let first = String(characters[...index]).trimmingCharacters(in: " ")
      let second = String(characters[(index + 1)...]).trimmingCharacters(in: " ")
      guard !first.isEmpty, !second.isEmpty else { continue }
      let widest = max(TextMetrics.width(first, size: size), TextMetrics.width(second, size: size))
      if widest <= width && widest < (best?.widest ?? .infinity) {
        best = ([first, second], widest)
      }
    }
    return best?.lines
  }

  /// The label elements under slots centred at `centers`, hanging from `axisY`.
  func elements(centers: [Double], axisY: Double, size: Double = FigureStyle.tickSize)
    -> [SVGElement]
  {
    zip(labels, centers).flatMap { lines, x -> [SVGElement] in
      let tag = [SVGAttribute("class", "category-label")]
      switch rotation {
      case 0:
        return lines.enumerated().map { index, line in
          .text(
            line, x: x, y: axisY + 8 + size * (0.8 + 1.2 * Double(index)), size: size,
            anchor: "middle", tag)
        }
      case -45:
        return lines.map {
          .text(
            $0, x: x + size * 0.25, y: axisY + 8 + size * 0.25, size: size, anchor: "end",
            rotation: -45, tag)
        }
      default:
        return lines.map {
          .text(
            $0, x: x + size * 0.35, y: axisY + 8, size: size, anchor: "end", rotation: -90, tag)
        }
      }
    }
  }
}

extension String {
  func trimmingCharacters(in character: Character) -> String {
    var text = Substring(self)
    while text.first == character { text = text.dropFirst() }
    while text.last == character { text = text.dropLast() }
    return String(text)
  }
}

/// Axis lines, ticks, grid lines and axis titles.
enum AxisDrawing {
  /// The widest tick label of a y scale.
  static func tickLabelWidth(_ scale: AxisScale) -> Double {
    scale.ticks.map { TextMetrics.width(scale.label($0), size: FigureStyle.tickSize) }.max() ?? 0
  }

  /// Room to the left of the plot for a y axis: the title's lines, tick labels and ticks.
  static func yAxisRoom(labelWidth: Double, titleLines: Int) -> Double {
    Double(titleLines) * FigureStyle.axisTitleSize * 1.25 + (titleLines > 0 ? 6 : 0) + labelWidth
      + FigureStyle.tickLength + 6
  }

  /// A y axis title broken into at most two lines that fit `length` (the plot's height).
  static func yTitleLines(_ label: String, length: Double) -> [String] {
    label.isEmpty
      ? []
      : TextMetrics.wrapped(label, maxWidth: length, size: FigureStyle.axisTitleSize, maxLines: 2)
  }

  /// Room below the plot for a numeric x axis: tick labels and the axis title.
  static let numericXAxisRoom =
    FigureStyle.tickLength + 4 + FigureStyle.tickSize + 10
    + FigureStyle.axisTitleSize * 1.2

  /// Grid lines, ticks and (when `labels`) tick labels of a y scale along `plot`'s left.
  static func yAxis(_ scale: AxisScale, plot: Box, labels: Bool = true) -> [SVGElement] {
    var grid: [SVGElement] = []
    var text: [SVGElement] = []
    for tick in scale.ticks {
      let y = scale.position(tick)
      grid.append(
        .line(
          x1: plot.x, y1: y, x2: plot.maxX, y2: y,
          [SVGAttribute("stroke", Palette.grid), SVGAttribute("stroke-width", 1)]))
      guard labels else { continue }
      grid.append(
        .line(
          x1: plot.x - FigureStyle.tickLength, y1: y, x2: plot.x, y2: y,
          [SVGAttribute("stroke", Palette.axis), SVGAttribute("stroke-width", 1)]))
      text.append(
        .text(
          scale.label(tick), x: plot.x - FigureStyle.tickLength - 4,
          y: y + FigureStyle.tickSize * 0.35, size: FigureStyle.tickSize, anchor: "end",
          fill: Palette.mutedInk, [SVGAttribute("class", "tick-label")]))
    }
    let axisLine = SVGElement.line(
      x1: plot.x, y1: plot.y, x2: plot.x, y2: plot.maxY,
      [SVGAttribute("stroke", Palette.axis), SVGAttribute("stroke-width", 1)])
    return [.group([SVGAttribute("class", "y-axis")], grid + [axisLine] + text)]
  }

  /// The axis line, ticks and tick labels of an x scale along `plot`'s bottom; labels that
  /// would touch are thinned (on a logarithmic axis, powers of ten are kept first).
  static func xAxis(_ scale: AxisScale, plot: Box, grid: Bool = true) -> [SVGElement] {
    let size = FigureStyle.tickSize
    var elements: [SVGElement] = []
    let ticks = scale.ticks
    let positions = ticks.map(scale.position)
    let labels = ticks.map(scale.label)
    let widths = labels.map { TextMetrics.width($0, size: size) }
    let shown = thinned(positions: positions, widths: widths, ticks: ticks, scale: scale)
    for index in ticks.indices {
      let x = positions[index]
      if grid {
        elements.append(
          .line(
            x1: x, y1: plot.y, x2: x, y2: plot.maxY,
            [SVGAttribute("stroke", Palette.grid), SVGAttribute("stroke-width", 1)]))
      }
      elements.append(
        .line(
          x1: x, y1: plot.maxY, x2: x, y2: plot.maxY + FigureStyle.tickLength,
          [SVGAttribute("stroke", Palette.axis), SVGAttribute("stroke-width", 1)]))
      if shown.contains(index) {
        elements.append(
          .text(
            labels[index], x: x, y: plot.maxY + FigureStyle.tickLength + 4 + size * 0.8,
            size: size, anchor: "middle", fill: Palette.mutedInk,
            [SVGAttribute("class", "tick-label")]))
      }
    }
    elements.append(
      .line(
        x1: plot.x, y1: plot.maxY, x2: plot.maxX, y2: plot.maxY,
        [SVGAttribute("stroke", Palette.axis), SVGAttribute("stroke-width", 1)]))
    return [.group([SVGAttribute("class", "x-axis")], elements)]
  }

  /// The indices of the labels to draw so that none comes within 10 pixels of another.
  static func thinned(positions: [Double], widths: [Double], ticks: [Double], scale: AxisScale)
    -> Set<Int>
  {
    func fits(_ indices: [Int]) -> Bool {
      zip(indices, indices.dropFirst()).allSatisfy { a, b in
        abs(positions[b] - positions[a]) >= (widths[a] + widths[b]) / 2 + 10
      }
    }
    let all = Array(positions.indices)
    if fits(all) { return Set(all) }
    var candidates = all
    if scale.logarithmic {
      let decades = all.filter {
        let exponent = log10(ticks[$0])
        return abs(exponent - exponent.rounded()) < 1e-9
      }
      if decades.count >= 2 { candidates = decades }
      if fits(candidates) { return Set(candidates) }
    }
    for step in 2...max(2, candidates.count) {
      let kept = candidates.enumerated().filter { $0.offset % step == 0 }.map(\.element)
      if fits(kept) { return Set(kept) }
    }
    return Set(candidates.prefix(1))
  }

  /// A y axis title, upright and centred on `plot`, its first line's letters starting at
  /// `x`; `lines` is how many lines it may take (from ``yTitleLines(_:length:)``).
  static func yTitle(_ label: String, lines: Int, plot: Box, x: Double) -> [SVGElement] {
    let size = FigureStyle.axisTitleSize
    let wrapped = TextMetrics.wrapped(
      label, maxWidth: plot.height, size: size, maxLines: max(1, lines))
    // Turned counter-clockwise, a line's letters stand to the left of its baseline.
    return wrapped.enumerated().map { index, line in
      .text(
        line, x: x + size * (0.95 + 1.25 * Double(index)), y: plot.y + plot.height / 2,
        size: size, anchor: "middle", rotation: -90, [SVGAttribute("class", "axis-title")])
    }
  }

  /// An x axis title centred under `plot` with its baseline at `y`.
  static func xTitle(_ label: String, plot: Box, y: Double, maxWidth: Double? = nil)
    -> SVGElement
  {
    let text = TextMetrics.truncated(
      label, maxWidth: maxWidth ?? plot.width, size: FigureStyle.axisTitleSize)
    return .text(
      text, x: plot.x + plot.width / 2, y: y, size: FigureStyle.axisTitleSize, anchor: "middle",
      [SVGAttribute("class", "axis-title")])
  }
}
