/// One attribute of an ``SVGElement``: a name and its (unescaped) value.
public struct SVGAttribute: Sendable, Hashable {
  /// The attribute's name, such as `fill` or `data-value`.
  public var name: String
  /// The attribute's value as text; escaped when the element is written.
  public var value: String

  /// An attribute with a text value.
  public init(_ name: String, _ value: String) {
    self.name = name
    self.value = value
  }

  /// An attribute with a number, written with ``NumberFormat/svg(_:)``.
  public init(_ name: String, _ value: Double) {
    self.init(name, NumberFormat.svg(value))
  }
}

/// An element of an SVG drawing: a name, attributes in order, and either text or children.
///
/// Writing an element escapes every attribute value and text with ``Escaping/xml(_:)``, and
/// the attributes keep the order they were given in, so the same element always gives the
/// same bytes.
public struct SVGElement: Sendable, Hashable {
  /// The element's name, such as `rect` or `g`.
  public var name: String
  /// The attributes, written in this order.
  public var attributes: [SVGAttribute]
  /// Text content (for `text`, `title`, `desc`); written before any children.
  public var text: String?
  /// The child elements.
  public var children: [SVGElement]

  /// An element with the given parts.
  public init(
    _ name: String, _ attributes: [SVGAttribute] = [], text: String? = nil,
    children: [SVGElement] = []
  ) {
    self.name = name
    self.attributes = attributes
    self.text = text
    self.children = children
  }

  /// The element as XML, children indented by two spaces per level.
  public func xml(indent: Int = 0) -> String {
    var output = ""
    write(to: &output, indent: indent)
    return output
  }

  func write(to output: inout String, indent: Int) {
    let pad = String(repeating: " ", count: indent * 2)
    output += pad + "<" + name
    for attribute in attributes {
      output += " " + attribute.name + "=\"" + Escaping.xml(attribute.value) + "\""
    }
    if text == nil && children.isEmpty {
      output += "/>\n"
      return
    }
    output += ">"
    if let text { output += Escaping.xml(text) }
    if children.isEmpty {
      output += "</" + name + ">\n"
      return
    }
    output += "\n"
    for child in children { child.write(to: &output, indent: indent + 1) }
    output += pad + "</" + name + ">\n"
  }
}

extension SVGElement {
  /// A group holding `children`, with optional attributes (a class, a transform, …).
  public static func group(_ attributes: [SVGAttribute] = [], _ children: [SVGElement])
    -> SVGElement
  {
    SVGElement("g", attributes, children: children)
  }

  /// A rectangle; `extra` attributes (fill, stroke, class, data-…) follow the geometry.
  public static func rect(
    x: Double, y: Double, width: Double, height: Double, _ extra: [SVGAttribute] = []
  ) -> SVGElement {
    SVGElement(
      "rect",
      [
        SVGAttribute("x", x), SVGAttribute("y", y), SVGAttribute("width", max(0, width)),
        SVGAttribute("height", max(0, height)),
      ] + extra)
  }

  /// A straight line from (x1, y1) to (x2, y2).
  public static func line(
    x1: Double, y1: Double, x2: Double, y2: Double, _ extra: [SVGAttribute] = []
  ) -> SVGElement {
    SVGElement(
      "line",
      [
        SVGAttribute("x1", x1), SVGAttribute("y1", y1), SVGAttribute("x2", x2),
        SVGAttribute("y2", y2),
      ]
        + extra)
  }

  /// A circle centred on (cx, cy).
  public static func circle(cx: Double, cy: Double, r: Double, _ extra: [SVGAttribute] = [])
    -> SVGElement
  {
    SVGElement(
      "circle", [SVGAttribute("cx", cx), SVGAttribute("cy", cy), SVGAttribute("r", r)] + extra)
  }

  /// An open line through `points`.
  public static func polyline(_ points: [(x: Double, y: Double)], _ extra: [SVGAttribute] = [])
    -> SVGElement
  {
    let list = points.map { NumberFormat.svg($0.x) + "," + NumberFormat.svg($0.y) }
    return SVGElement(
      "polyline", [SVGAttribute("points", list.joined(separator: " "))] + extra)
  }

  /// A closed polygon through `points`.
  public static func polygon(_ points: [(x: Double, y: Double)], _ extra: [SVGAttribute] = [])
    -> SVGElement
  {
    let list = points.map { NumberFormat.svg($0.x) + "," + NumberFormat.svg($0.y) }
    return SVGElement("polygon", [SVGAttribute("points", list.joined(separator: " "))] + extra)
  }

  /// A path with the drawing commands `d` (numbers already formatted by the caller).
  public static func path(_ d: String, _ extra: [SVGAttribute] = []) -> SVGElement {
    SVGElement("path", [SVGAttribute("d", d)] + extra)
  }

  /// A line of text (escaped when written) anchored on its baseline at (x, y).
  ///
  /// - Parameters:
  ///   - content: the text.
  ///   - x: the anchor's horizontal position.
  ///   - y: the baseline's vertical position.
  ///   - size: the font size in pixels.
  ///   - anchor: `start`, `middle` or `end`: which part of the text sits at x.
  ///   - weight: a font weight such as `bold`, or `nil` for the normal weight.
  ///   - fill: the text colour.
  ///   - rotation: degrees clockwise about (x, y); 0 for none.
  ///   - extra: more attributes (a class, data-…), written last.
  public static func text(
    _ content: String, x: Double, y: Double, size: Double, anchor: String = "start",
    weight: String? = nil, fill: String = Palette.ink, rotation: Double = 0,
    _ extra: [SVGAttribute] = []
  ) -> SVGElement {
    var attributes = [
      SVGAttribute("x", x), SVGAttribute("y", y), SVGAttribute("font-size", size),
    ]
    if anchor != "start" { attributes.append(SVGAttribute("text-anchor", anchor)) }
    if let weight { attributes.append(SVGAttribute("font-weight", weight)) }
    attributes.append(SVGAttribute("fill", fill))
    if rotation != 0 {
      attributes.append(
        SVGAttribute(
          "transform",
          "rotate(" + NumberFormat.svg(rotation) + " " + NumberFormat.svg(x) + " "
            + NumberFormat.svg(y) + ")"))
    }
    return SVGElement("text", attributes + extra, text: content)
  }
}
