/// The parts every figure shares: a white background, the title, the legend above the
/// plot, the body and the wrapped caption below it.
enum FigureFrame {
  /// The title's lines (at most two, cut with `…`) for a figure `width` wide.
  static func titleLines(_ title: String, width: Double) -> [String] {
    TextMetrics.wrapped(
      title, maxWidth: width - 2 * FigureStyle.margin, size: FigureStyle.titleSize, bold: true,
      maxLines: 2)
  }

  /// Composes a figure.
  ///
  /// - Parameter body: draws into the box it is given (the room left below the title and
  ///   legend) and returns its elements and the height it used, which may exceed the box's.
  static func compose(
    size: FigureSize, title: String, caption: String, drawsCaption: Bool,
    legend: [LegendEntry], body: (Box) -> (elements: [SVGElement], height: Double)
  ) -> SVGDocument {
    let margin = FigureStyle.margin
    let width = size.width
    var elements: [SVGElement] = []
    var y = margin
    for line in titleLines(title, width: width) {
      y += FigureStyle.titleSize * 1.25
      elements.append(
        .text(
          line, x: margin, y: y - FigureStyle.titleSize * 0.25, size: FigureStyle.titleSize,
          weight: "bold", [SVGAttribute("class", "title")]))
    }
    y += 6
    let laidOut = Legend.layout(legend, x: margin, y: y, width: width - 2 * margin)
    elements += laidOut.elements
    y += laidOut.height + (laidOut.height > 0 ? 6 : 0)
    let bodyBox = Box(
      x: margin, y: y, width: width - 2 * margin, height: max(120, size.height - margin - y))
    let drawn = body(bodyBox)
    elements += drawn.elements
    var height = max(size.height, y + drawn.height + margin)
    if drawsCaption && !caption.isEmpty {
      let lines = TextMetrics.wrapped(
        caption, maxWidth: width - 2 * margin, size: FigureStyle.captionSize)
      var captionY = height - margin + 8
      var captionElements: [SVGElement] = []
      for line in lines {
        captionY += FigureStyle.captionSize * 1.45
        captionElements.append(
          .text(line, x: margin, y: captionY, size: FigureStyle.captionSize, fill: Palette.mutedInk)
        )
      }
      elements.append(.group([SVGAttribute("class", "caption")], captionElements))
      height = captionY + margin
    }
    let background = SVGElement.rect(
      x: 0, y: 0, width: width, height: height, [SVGAttribute("fill", Palette.background)])
    return SVGDocument(
      width: width, height: height.rounded(.up), title: title, description: caption,
      elements: [background] + elements)
  }
}
