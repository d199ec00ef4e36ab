import Foundation

/// Reads and rewrites a sweep's JSON Lines file.
enum SweepFileReader {
  /// The valid lines of a file, by run.
  struct Contents {
    var lines: [RunKey: String]
    var droppedPartialLine: Bool
  }

  /// Reads the lines of `url`. A last line cut short by an interruption is dropped; a line
  /// from another experiment or any other broken line is an error.
  static func read(_ url: URL, fingerprint: String, order: [RunKey: Int]) throws -> Contents {
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw SweepError(description: "\(url.path): cannot be read")
    }
    let text = String(decoding: data, as: UTF8.self)
    let segments = text.split(separator: "\n", omittingEmptySubsequences: false)
    var contents = Contents(lines: [:], droppedPartialLine: false)
    for (index, line) in segments.enumerated() where !line.isEmpty {
      let isLast = index == segments.count - 1
      guard let parsed = SweepLine.parse(line) else {
        if isLast {
          contents.droppedPartialLine = true
          continue
        }
        throw SweepError(
          description: "\(url.path): line \(index + 1) is not a sweep record; the file is not "
            + "a sweep output, or it was edited")
      }
      guard parsed.fingerprint == fingerprint else {
        throw SweepError(
          description: "\(url.path): line \(index + 1) comes from a different experiment "
            + "(fingerprint \(parsed.fingerprint), this experiment's is \(fingerprint)); "
            + "write to another --out file")
      }
      guard let key = parsed.key, order[key] != nil else {
        throw SweepError(
          description: "\(url.path): line \(index + 1) is a run this experiment does not have")
      }
      if contents.lines[key] == nil { contents.lines[key] = String(line) }
    }
    return contents
  }

  /// Writes `lines` in the experiment's order, atomically (a new file renamed over the old).
  static func write(_ lines: [RunKey: String], order: [RunKey: Int], to url: URL) throws {
    let sorted = lines.sorted { order[$0.key, default: .max] < order[$1.key, default: .max] }
    let text = sorted.map { $0.value + "\n" }.joined()
    do {
      try Data(text.utf8).write(to: url, options: .atomic)
    } catch {
      throw SweepError(
        description: "\(url.path): cannot be written (\(error.localizedDescription))")
    }
  }
}
