/// A self-contained web page of results: a title, a lead paragraph, and sections of
/// paragraphs, tables and figures.
///
/// The page needs nothing but itself: no JavaScript, no fonts, images, style sheets or links
/// to other files (the figures are inline SVG, the style an inline `<style>`), so it opens
/// offline from a USB stick. It is also well-formed XML (XHTML syntax: every tag closed),
/// and every text is escaped with ``Escaping/xml(_:)``.
///
/// ```swift
/// let report = HTMLReport(
///   title: "Refusal unlearning", lead: "What 1,000 harmless answers do to a refusal.",
///   sections: [.init("Safety", blocks: [.paragraph("…"), .figure(ReportFigure(name: "safety", chart))])])
/// try ReportWriter.write(report, to: URL(fileURLWithPath: "report"))
/// ```
public struct HTMLReport: Sendable, Hashable {
  /// One piece of a section.
  public enum Block: Sendable, Hashable {
    /// A paragraph of plain text.
    case paragraph(String)
    /// A table.
    case table(TextTable)
    /// A figure with its caption.
    case figure(ReportFigure)
  }

  /// A section: a heading and its blocks.
  public struct Section: Sendable, Hashable {
    /// The section's heading.
    public var heading: String
    /// The paragraphs, tables and figures, in order.
    public var blocks: [Block]

    /// A section headed `heading`.
    public init(_ heading: String, blocks: [Block]) {
      self.heading = heading
      self.blocks = blocks
    }
  }

  /// The page title and top heading.
  public var title: String
  /// The paragraph under the title: what the page shows, in a sentence or two.
  public var lead: String
  /// The sections, in order.
  public var sections: [Section]

  /// A page.
  public init(title: String, lead: String, sections: [Section]) {
    self.title = title
    self.lead = lead
    self.sections = sections
  }

  /// Every figure of the page, in order.
  public var figures: [ReportFigure] {
    sections.flatMap { section in
      section.blocks.compactMap { block in
        if case .figure(let figure) = block { return figure }
        return nil
      }
    }
  }

  /// The page's inline style: large type for a projector, numbers in tabular figures.
  static let style = """
    body { margin: 0; background: #FFFFFF; color: #1A1A1A;
      font-family: 'DejaVu Sans', Verdana, Geneva, sans-serif; font-size: 18px; line-height: 1.5; }
    main { max-width: 1000px; margin: 0 auto; padding: 24px 32px 48px; }
    h1 { font-size: 32px; line-height: 1.2; margin: 16px 0 8px; }
    h2 { font-size: 24px; margin: 40px 0 8px; border-bottom: 2px solid #DDDDDD; }
    p.lead { font-size: 20px; color: #333333; }
    nav ol { margin: 0; }
    nav a { color: #0072B2; }
    figure { margin: 24px 0; }
    figure svg { display: block; width: 100%; height: auto; }
    figcaption { font-size: 16px; color: #333333; margin-top: 6px; }
    table { border-collapse: collapse; margin: 16px 0; font-size: 16px; }
    caption { text-align: left; font-weight: bold; padding-bottom: 6px; }
    th, td { padding: 4px 12px; border-bottom: 1px solid #DDDDDD; text-align: left;
      vertical-align: top; }
    th { border-bottom: 2px solid #333333; }
    .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
    """

  /// The page as XHTML-compatible HTML text.
  public func html() -> String {
    var out = "<!DOCTYPE html>\n"
    out += "<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
    out += "<meta charset=\"utf-8\"/>\n"
    out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
    out += "<title>" + Escaping.xml(title) + "</title>\n"
    out += "<style>\n" + Self.style + "\n</style>\n</head>\n<body>\n<main>\n"
    out += "<h1>" + Escaping.xml(title) + "</h1>\n"
    if !lead.isEmpty { out += "<p class=\"lead\">" + Escaping.xml(lead) + "</p>\n" }
    if sections.count > 1 {
      out += "<nav>\n<ol>\n"
      for (index, section) in sections.enumerated() {
        out +=
          "<li><a href=\"#section-\(index + 1)\">" + Escaping.xml(section.heading)
          + "</a></li>\n"
      }
      out += "</ol>\n</nav>\n"
    }
    var figureNumber = 0
    for (index, section) in sections.enumerated() {
      out += "<section id=\"section-\(index + 1)\">\n"
      out += "<h2>" + Escaping.xml(section.heading) + "</h2>\n"
      for block in section.blocks {
        switch block {
        case .paragraph(let text):
          out += "<p>" + Escaping.xml(text) + "</p>\n"
        case .table(let table):
          out += Self.html(table)
        case .figure(let figure):
          figureNumber += 1
          out += "<figure id=\"figure-" + Escaping.xml(figure.name) + "\">\n"
          out += figure.inlineSVG
          out +=
            "<figcaption><strong>Figure \(figureNumber).</strong> "
            + Escaping.xml(figure.caption) + "</figcaption>\n</figure>\n"
        }
      }
      out += "</section>\n"
    }
    out += "</main>\n</body>\n</html>\n"
    return out
  }

  static func html(_ table: TextTable) -> String {
    let right = table.columns.indices.map(table.isRightAligned)
    func cell(_ tag: String, _ text: String, _ column: Int) -> String {
      "<" + tag + (right[column] ? " class=\"num\"" : "") + ">" + Escaping.xml(text) + "</"
        + tag + ">"
    }
    var out = "<table>\n"
    if !table.caption.isEmpty { out += "<caption>" + Escaping.xml(table.caption) + "</caption>\n" }
    out += "<thead>\n<tr>"
    for (index, column) in table.columns.enumerated() { out += cell("th", column.title, index) }
    out += "</tr>\n</thead>\n<tbody>\n"
    for row in table.rows {
      out += "<tr>"
      for index in table.columns.indices {
        out += cell("td", index < row.count ? row[index] : "", index)
      }
      out += "</tr>\n"
    }
    out += "</tbody>\n</table>\n"
    return out
  }
}
