/// A table of named columns written as CSV (RFC 4180): a header line, then one record per
/// row, lines ended with CRLF, fields quoted when they hold a comma, a quote, a line break
/// or surrounding spaces, and numbers in one fixed, locale-independent format.
public struct CSVTable: Sendable, Hashable {
  /// One field.
  public enum Value: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByFloatLiteral,
    ExpressibleByIntegerLiteral
  {
    /// Text, written as it is (quoted when needed).
    case text(String)
    /// A number, written with the table's `decimals` (`nan`, `inf` and `-inf` when not
    /// finite).
    case number(Double)
    /// A whole number.
    case integer(Int)
    /// An empty field.
    case missing

    /// A text value.
    public init(stringLiteral value: String) { self = .text(value) }
    /// A number value.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// A whole-number value.
    public init(integerLiteral value: Int) { self = .integer(value) }
  }

  /// The column names (the header line).
  public var columns: [String]
  /// The rows; each should have one value per column (short rows are padded with empty
  /// fields, long rows cut).
  public var rows: [[Value]]
  /// Digits after the decimal point of every `.number` value.
  public var decimals: Int

  /// A table of `rows` under `columns`, numbers with `decimals` digits (6 by default).
  public init(columns: [String], rows: [[Value]] = [], decimals: Int = 6) {
    self.columns = columns
    self.rows = rows
    self.decimals = decimals
  }

  /// The table as CSV text: a header line and a line per row, each ended with CRLF.
  public func csv() -> String {
    var out = columns.map(Self.field).joined(separator: ",") + "\r\n"
    for row in rows {
      let fields = columns.indices.map { index -> String in
        guard index < row.count else { return "" }
        switch row[index] {
        case .text(let text): return Self.field(text)
        case .number(let number): return NumberFormat.fixed(number, decimals: decimals)
        case .integer(let integer): return String(integer)
        case .missing: return ""
        }
      }
      out += fields.joined(separator: ",") + "\r\n"
    }
    return out
  }

  /// `text` as a CSV field: quoted (quotes doubled) when it holds a comma, a quote, a line
  /// break, or leading or trailing spaces.
  public static func field(_ text: String) -> String {
    let needsQuotes =
      text.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
      || text.first == " " || text.last == " "
    guard needsQuotes else { return text }
    return "\"" + text.replacingQuotes() + "\""
  }
}

extension String {
  fileprivate func replacingQuotes() -> String {
    var out = ""
    for character in self {
      if character == "\"" { out += "\"\"" } else { out.append(character) }
    }
    return out
  }
}
