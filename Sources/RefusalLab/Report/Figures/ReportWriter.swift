import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes a report to a folder: `index.html` and each figure as `NAME.svg`, every file
/// atomically (written in full to a temporary file in the same folder, then renamed over
/// the old one), so a reader never sees half a file.
public enum ReportWriter {
  /// Writes `report` into `directory` (created with its parents if missing) and returns the
  /// files written: `index.html` first, then the figures in page order.
  ///
  /// - Throws: ``ReportError`` naming the path when the folder cannot be made or a file
  ///   cannot be written, or naming the figure when a figure name is invalid or used twice.
  @discardableResult
  public static func write(_ report: HTMLReport, to directory: URL) throws -> [URL] {
    var seen: Set<String> = []
    for figure in report.figures {
      guard ReportFigure.isValidName(figure.name) else {
        throw ReportError(
          "figure name '\(figure.name)' is not a file name: use 1 to 100 letters, digits, "
            + "'-' or '_' (and not 'index')")
      }
      guard seen.insert(figure.name).inserted else {
        throw ReportError("figure name '\(figure.name)' is used twice")
      }
    }
    try makeDirectory(directory)
    var written: [URL] = []
    let index = directory.appendingPathComponent("index.html")
    try writeAtomically(report.html(), to: index)
    written.append(index)
    for figure in report.figures {
      let file = directory.appendingPathComponent(figure.name + ".svg")
      try writeAtomically(figure.standaloneSVG, to: file)
      written.append(file)
    }
    return written
  }

  /// Creates `directory` and its parents unless it exists.
  ///
  /// - Throws: ``ReportError`` when it exists as a file or cannot be created.
  public static func makeDirectory(_ directory: URL) throws {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) {
      guard isDirectory.boolValue else {
        throw ReportError(
          "cannot write the report to \(directory.path): it is a file, not a folder")
      }
      return
    }
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
      throw ReportError("cannot create the folder \(directory.path): \(reason(error))")
    }
  }

  /// Writes `text` (UTF-8) to `file` atomically: to a temporary file beside it, flushed to
  /// disk, then renamed over `file`.
  ///
  /// - Throws: ``ReportError`` naming `file` when it cannot be written.
  public static func writeAtomically(_ text: String, to file: URL) throws {
    let folder = file.deletingLastPathComponent()
    let temporary = folder.appendingPathComponent(
      "." + file.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    guard descriptor >= 0 else {
      throw ReportError("cannot write \(file.path): \(String(cString: strerror(errno)))")
    }
    var failure: String?
    let bytes = Array(text.utf8)
    bytes.withUnsafeBytes { buffer in
      var offset = 0
      while offset < buffer.count {
        let count = systemWrite(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
        if count < 0 {
          if errno == EINTR { continue }
          failure = String(cString: strerror(errno))
          return
        }
        offset += count
      }
    }
    if failure == nil && fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
    if close(descriptor) != 0 && failure == nil { failure = String(cString: strerror(errno)) }
    if failure == nil && rename(temporary.path, file.path) != 0 {
      failure = String(cString: strerror(errno))
    }
    if let failure {
      unlink(temporary.path)
      throw ReportError("cannot write \(file.path): \(failure)")
    }
  }

  private static func reason(_ error: any Error) -> String {
    let nsError = error as NSError
    if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
      underlying.domain == NSPOSIXErrorDomain
    {
      return String(cString: strerror(Int32(underlying.code)))
    }
    return nsError.localizedDescription
  }
}

/// The C library's `write(2)`, named apart from ``ReportWriter/write(_:to:)``.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
  #if canImport(Glibc)
    return Glibc.write(descriptor, bytes, count)
  #elseif canImport(Musl)
    return Musl.write(descriptor, bytes, count)
  #else
    return Darwin.write(descriptor, bytes, count)
  #endif
}
