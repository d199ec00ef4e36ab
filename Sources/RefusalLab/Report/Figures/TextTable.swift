/// A table of text for an ``HTMLReport``: a header row, rows of cells, and per column an
/// alignment (numbers right-aligned, so that their digits line up).
public struct TextTable: Sendable, Hashable {
  /// How a column's cells are aligned.
  public enum Alignment: Sendable, Hashable {
    /// Left-aligned.
    case left
    /// Right-aligned, for numbers.
    case right
    /// Right-aligned when every non-empty cell of the column reads as a number (such as
    /// `87.5`, `+3.2`, `−4`, `12%` or `87.5 ± 3.2`), left-aligned otherwise.
    case automatic
  }

  /// One column: its header and alignment.
  public struct Column: Sendable, Hashable {
    /// The header cell.
    public var title: String
    /// The alignment of the column's cells.
    public var alignment: Alignment

    /// A column headed `title`.
    public init(_ title: String, alignment: Alignment = .automatic) {
      self.title = title
      self.alignment = alignment
    }
  }

  /// The columns.
  public var columns: [Column]
  /// The rows; a short row is padded with empty cells, a long one cut.
  public var rows: [[String]]
  /// A caption above the table (empty for none).
  public var caption: String

  /// A table of `rows` under `columns`.
  public init(columns: [Column], rows: [[String]], caption: String = "") {
    self.columns = columns
    self.rows = rows
    self.caption = caption
  }

  /// A table whose columns are all aligned automatically.
  public init(header: [String], rows: [[String]], caption: String = "") {
    self.init(columns: header.map { Column($0) }, rows: rows, caption: caption)
  }

  /// Whether column `index` is drawn right-aligned.
  public func isRightAligned(_ index: Int) -> Bool {
    switch columns[index].alignment {
    case .left: return false
    case .right: return true
    case .automatic:
      let cells = rows.compactMap { index < $0.count ? $0[index] : nil }.filter { !$0.isEmpty }
      return !cells.isEmpty && cells.allSatisfy(Self.looksNumeric)
    }
  }

  /// Whether `cell` reads as a number: digits with optional sign, decimal point, thousands
  /// commas, a trailing `%`, and an optional `± number` after it.
  static func looksNumeric(_ cell: String) -> Bool {
    let parts = cell.split(separator: "±", maxSplits: 1).map {
      String($0).trimmingCharacters(in: " ")
    }
    return !parts.isEmpty
      && parts.allSatisfy { part in
        var text = Substring(part)
        if let first = text.first, "+-\u{2212}".contains(first) { text = text.dropFirst() }
        if text.hasSuffix("%") { text = text.dropLast() }
        text = Substring(String(text).trimmingCharacters(in: " "))
        return !text.isEmpty && text.contains(where: \.isNumber)
          && text.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "." || $0 == ",") }
      }
  }
}
