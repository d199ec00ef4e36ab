/// A figure placed in an ``HTMLReport``: its file name and its drawing, rendered once.
public struct ReportFigure: Sendable, Hashable {
  /// The file name without `.svg`: letters, digits, `-` and `_` only (checked when the
  /// report is written).
  public var name: String
  /// The figure's title.
  public var title: String
  /// The caption, shown in the page's `<figcaption>`.
  public var caption: String
  /// The SVG without its caption, as the page shows it above the `<figcaption>`.
  public var inlineSVG: String
  /// The SVG with its caption drawn below, as written to `NAME.svg`.
  public var standaloneSVG: String

  /// The figure `figure`, to be saved as `name.svg`.
  public init(name: String, _ figure: some Figure) {
    self.name = name
    title = figure.title
    caption = figure.caption
    inlineSVG = figure.svg(drawsCaption: false)
    standaloneSVG = figure.svg(drawsCaption: true)
  }

  /// Whether `name` is usable as a file name: 1 to 100 characters from `A–Z a–z 0–9 - _`,
  /// and not `index`.
  public static func isValidName(_ name: String) -> Bool {
    !name.isEmpty && name.count <= 100 && name != "index"
      && name.unicodeScalars.allSatisfy {
        ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
          || $0 == "-" || $0 == "_"
      }
  }
}
