import Foundation

/// Turns a `JSONSerialization` failure into a message with a line and column.
enum JSONSyntax {
  /// The error for bytes that `JSONSerialization` rejected, located where it can be.
  static func error(_ error: any Error, in data: Data) -> ConfigurationError {
    let detail =
      ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String)
      ?? error.localizedDescription
    let bytes = [UInt8](data)
    if bytes.isEmpty || bytes.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) {
      return ConfigurationError(field: "(file)", message: "not valid JSON: the file is empty")
    }
    // "Number 1e999 is not representable in Swift." — a literal too large for a Double.
    if let range = detail.range(
      of: #"Number (\S+) is not representable"#, options: .regularExpression)
    {
      let literal = detail[range].split(separator: " ")[1]
      let offset = data.range(of: Data(literal.utf8)).map { $0.lowerBound - data.startIndex } ?? 0
      return ConfigurationError(
        field: location(offset, in: bytes), message: "\(literal) is not a finite number")
    }
    if let range = detail.range(of: #"character (\d+)"#, options: .regularExpression),
      let offset = Int(detail[range].split(separator: " ")[1])
    {
      return ConfigurationError(
        field: location(offset, in: bytes),
        message: "not valid JSON: \(describe(offset, in: bytes))")
    }
    if detail.lowercased().contains("end of file") {
      return ConfigurationError(
        field: location(bytes.count, in: bytes),
        message: "not valid JSON: the file ends in the middle of a value")
    }
    return ConfigurationError(field: "(file)", message: "not valid JSON: \(detail)")
  }

  /// `line L, column C` (both from 1) of a byte offset; columns count characters.
  static func location(_ offset: Int, in bytes: [UInt8]) -> String {
    let end = min(max(offset, 0), bytes.count)
    var line = 1
    var lineStart = 0
    for index in 0..<end where bytes[index] == 0x0A {
      line += 1
      lineStart = index + 1
    }
    let column = String(decoding: bytes[lineStart..<end], as: UTF8.self).count + 1
    return "line \(line), column \(column)"
  }

  private static func describe(_ offset: Int, in bytes: [UInt8]) -> String {
    guard offset < bytes.count else { return "unexpected end of the file" }
    let rest = String(decoding: bytes[offset...].prefix(12), as: UTF8.self)
    let shown = rest.prefix { $0 != "\n" && $0 != "\r" }
    return "unexpected \"\(shown)\""
  }

}
