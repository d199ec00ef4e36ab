/// A picture for the report: a value that draws itself as SVG.
///
/// Every figure has a title (drawn at its top) and a caption (drawn below it in the
/// standalone SVG file, or placed in the `<figcaption>` of an ``HTMLReport``).
public protocol Figure: Sendable {
  /// The title drawn at the top of the figure.
  var title: String { get }
  /// One or two sentences saying what the figure shows and how to read it.
  var caption: String { get }
  /// The drawing; with `drawsCaption` the caption is wrapped below the figure.
  func document(drawsCaption: Bool) -> SVGDocument
}

extension Figure {
  /// The figure as SVG text; with `drawsCaption` (the default) the caption is drawn below.
  public func svg(drawsCaption: Bool = true) -> String {
    document(drawsCaption: drawsCaption).render()
  }
}

/// The nominal size of a figure in pixels (the SVG's view box). Figures whose content needs
/// more room (a deep tree, a long caption) grow taller than this.
public struct FigureSize: Sendable, Hashable {
  /// The width in pixels.
  public var width: Double
  /// The height in pixels, before any caption.
  public var height: Double

  /// A size of `width` × `height` pixels (at least 300 × 200).
  public init(width: Double, height: Double) {
    self.width = max(300, width)
    self.height = max(200, height)
  }

  /// 900 × 500: fills a projected slide, with 14-pixel labels readable from the back row.
  public static let standard = FigureSize(width: 900, height: 500)
}

/// Type sizes and spacing shared by all figures.
enum FigureStyle {
  static let margin = 16.0
  static let titleSize = 20.0
  static let subtitleSize = 16.0
  static let axisTitleSize = 16.0
  static let tickSize = 14.0
  static let legendSize = 14.0
  static let captionSize = 14.0
  static let tickLength = 6.0
  /// The widest a tick or category label may be before it is cut with `…`.
  static let maxLabelWidth = 150.0
}

/// A rectangle in figure coordinates.
struct Box {
  var x: Double
  var y: Double
  var width: Double
  var height: Double
  var maxX: Double { x + width }
  var maxY: Double { y + height }
}
