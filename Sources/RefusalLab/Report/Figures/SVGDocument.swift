/// A whole SVG drawing: its size, an accessible title and description, and its elements.
///
/// ``render()`` writes a standalone `<svg>` element (no XML declaration, so the same text
/// can be saved as a `.svg` file or placed inline in an HTML page). The font family is set
/// once on the root: DejaVu Sans, then Verdana, then any sans-serif font.
public struct SVGDocument: Sendable, Hashable {
  /// The width in pixels (and of the view box).
  public var width: Double
  /// The height in pixels (and of the view box).
  public var height: Double
  /// The accessible name, written as the first `<title>` child.
  public var title: String
  /// An accessible description, written as `<desc>` when not empty.
  public var description: String
  /// The drawing, in painting order.
  public var elements: [SVGElement]

  /// A drawing of the given size.
  public init(
    width: Double, height: Double, title: String, description: String = "",
    elements: [SVGElement] = []
  ) {
    self.width = width
    self.height = height
    self.title = title
    self.description = description
    self.elements = elements
  }

  /// The font families the figures ask for, widest first (the layout measures text as
  /// DejaVu Sans, so a narrower fallback font only leaves more room).
  public static let fontFamily = "'DejaVu Sans', Verdana, Geneva, sans-serif"

  /// The drawing as an `<svg>` element, ending with a newline.
  public func render() -> String {
    var children = [SVGElement("title", text: title)]
    if !description.isEmpty { children.append(SVGElement("desc", text: description)) }
    children += elements
    let root = SVGElement(
      "svg",
      [
        SVGAttribute("xmlns", "http://www.w3.org/2000/svg"),
        SVGAttribute(
          "viewBox", "0 0 " + NumberFormat.svg(width) + " " + NumberFormat.svg(height)),
        SVGAttribute("width", width), SVGAttribute("height", height),
        SVGAttribute("role", "img"), SVGAttribute("font-family", Self.fontFamily),
      ], children: children)
    return root.xml()
  }
}
