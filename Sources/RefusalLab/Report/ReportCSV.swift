import Foundation

/// The results as CSV: one row per run, one column per key of the `--json` run records
/// (`model`, `variant`, `condition`, `seed`, then the metrics in sorted order), each number
/// written as JSON writes it, so that the CSV reads back to the same records.
public enum ReportCSV {
  /// One JSON value of a flat record.
  private enum Scalar: Decodable {
    case integer(UInt64)
    case number(Double)
    case text(String)
    case bool(Bool)

    init(from decoder: any Decoder) throws {
      let container = try decoder.singleValueContainer()
      if let value = try? container.decode(UInt64.self) {
        self = .integer(value)
      } else if let value = try? container.decode(Double.self) {
        self = .number(value)
      } else if let value = try? container.decode(Bool.self) {
        self = .bool(value)
      } else {
        self = .text(try container.decode(String.self))
      }
    }

    var field: CSVTable.Value {
      switch self {
      case .integer(let value): .text(String(value))
      // Swift's shortest description reads back to the same Double.
      case .number(let value): .text("\(value)")
      case .text(let value): .text(value)
      case .bool(let value): .text(value ? "true" : "false")
      }
    }
  }

  /// The identity columns, first; the metrics follow in sorted order.
  public static let identityColumns = ["model", "variant", "condition", "seed"]

  /// The table of `records`: a column for every key any record's JSON holds; a key a record
  /// lacks (an optional metric without a value) is an empty field.
  public static func table(_ records: [RunRecord]) throws -> CSVTable {
    try table(records, leading: identityColumns)
  }

  /// The table of any flat JSON objects: the `leading` columns first (those present), then
  /// every other key in sorted order.
  public static func table(_ items: [some Encodable], leading: [String]) throws -> CSVTable {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let objects = try items.map { item in
      try JSONDecoder().decode([String: Scalar].self, from: encoder.encode(item))
    }
    let keys = Set(objects.flatMap(\.keys))
    let columns = leading.filter(keys.contains) + keys.subtracting(leading).sorted()
    return CSVTable(
      columns: columns,
      rows: objects.map { object in columns.map { object[$0]?.field ?? .missing } })
  }

  /// Reads a table written by ``table(_:)`` back into records: text columns
  /// (`model`, `variant`, `condition`, `topOpener`) as strings, every other non-empty field
  /// as a number.
  ///
  /// - Throws: ``ReportError`` for malformed CSV, a field that is not a number where one is
  ///   expected, or a row that is not a valid record.
  public static func records(_ text: String) throws -> [RunRecord] {
    let (columns, rows) = try CSVReader.table(text)
    let textColumns: Set<String> = ["model", "variant", "condition", "topOpener"]
    return try rows.enumerated().map { index, row in
      // The record as JSON text: strings quoted by the JSON encoder, numbers as written.
      var members: [String] = []
      for (column, field) in zip(columns, row) where !field.isEmpty {
        let value: String
        if textColumns.contains(column) {
          value = String(decoding: try JSONEncoder().encode(field), as: UTF8.self)
        } else if UInt64(field) != nil || Double(field)?.isFinite == true {
          value = field
        } else {
          throw ReportError("row \(index + 1), column \(column): '\(field)' is not a number")
        }
        let key = String(decoding: try JSONEncoder().encode(column), as: UTF8.self)
        members.append(key + ":" + value)
      }
      do {
        return try JSONDecoder().decode(
          RunRecord.self, from: Data(("{" + members.joined(separator: ",") + "}").utf8))
      } catch {
        throw ReportError("row \(index + 1) is not a run record: \(error)")
      }
    }
  }
}
