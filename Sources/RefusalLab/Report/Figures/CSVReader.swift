/// Reads CSV text (RFC 4180) into records of fields: quoted fields may hold commas, doubled
/// quotes and line breaks; lines may end with CRLF or LF.
public enum CSVReader {
  /// The records of `text`, each a list of fields (a final line break adds no record).
  ///
  /// - Throws: ``ReportError`` for a quote inside an unquoted field, text after a closing
  ///   quote, or a quoted field that never closes, naming the line.
  public static func records(_ text: String) throws -> [[String]] {
    var records: [[String]] = []
    var record: [String] = []
    var field = ""
    var line = 1
    var inQuotes = false
    var afterQuote = false
    var fieldStarted = false
    var characters = text.makeIterator()
    var pending: Character? = nil
    func next() -> Character? {
      if let character = pending {
        pending = nil
        return character
      }
      return characters.next()
    }
    while let character = next() {
      if inQuotes {
        if character == "\"" {
          if let following = next() {
            if following == "\"" {
              field.append("\"")
            } else {
              inQuotes = false
              afterQuote = true
              pending = following
            }
          } else {
            inQuotes = false
            afterQuote = true
          }
        } else {
          if character == "\n" || character == "\r\n" { line += 1 }
          field.append(character)
        }
        continue
      }
      switch character {
      case ",":
        record.append(field)
        field = ""
        afterQuote = false
        fieldStarted = true
      case "\n", "\r\n", "\r":
        record.append(field)
        records.append(record)
        record = []
        field = ""
        afterQuote = false
        fieldStarted = false
        line += 1
      case "\"":
        guard field.isEmpty && !afterQuote else {
          throw ReportError("CSV line \(line): a quote inside an unquoted field")
        }
        inQuotes = true
        fieldStarted = true
      default:
        guard !afterQuote else {
          throw ReportError("CSV line \(line): text after a closing quote")
        }
        field.append(character)
        fieldStarted = true
      }
    }
    if inQuotes { throw ReportError("CSV line \(line): a quoted field is not closed") }
    if fieldStarted || !field.isEmpty || !record.isEmpty || afterQuote {
      record.append(field)
      records.append(record)
    }
    return records
  }

  /// The header and the rows of `text`, every row checked to have as many fields as the
  /// header.
  ///
  /// - Throws: ``ReportError`` for malformed CSV, an empty text, or a row of another width.
  public static func table(_ text: String) throws -> (columns: [String], rows: [[String]]) {
    let all = try records(text)
    guard let header = all.first else { throw ReportError("CSV text is empty: no header line") }
    for (index, row) in all.dropFirst().enumerated() where row.count != header.count {
      throw ReportError(
        "CSV record \(index + 2) has \(row.count) fields, the header \(header.count)")
    }
    return (header, Array(all.dropFirst()))
  }
}
