import Foundation
import RefusalLab

/// The files a command reads and writes, checked before any work starts, with a message
/// that says what is wrong with the path.
enum FilePaths {
  /// The largest input file read whole (checkpoints, experiment files, direction files).
  static let largestInput = 1 << 30

  /// The bytes of the regular file at `path`, which `option` names; anything else — no
  /// file, a directory, a device, a FIFO, an empty or oversized file — is a usage error.
  static func read(_ path: String, option: String, spec: CommandSpec) throws(UsageError) -> Data {
    guard !path.isEmpty else { throw UsageError(message: "\(option): is empty", command: spec) }
    let kind = FileKind(path: path)
    guard kind != .missing else {
      throw UsageError(message: "\(option): no such file '\(path)'", command: spec)
    }
    if let problem = kind.problem {
      throw UsageError(message: "\(option): '\(path)' \(problem)", command: spec)
    }
    let url = URL(fileURLWithPath: path)
    let size = (try? url.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0
    guard size <= largestInput else {
      throw UsageError(
        message: "\(option): '\(path)' has \(size) bytes, more than the \(largestInput) read",
        command: spec)
    }
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw UsageError(
        message: "\(option): '\(path)' cannot be read (no permission)", command: spec)
    }
    guard !data.isEmpty else {
      throw UsageError(message: "\(option): '\(path)' is empty", command: spec)
    }
    return data
  }

  /// Checks, before any work, that a new file can be written at `path` (named by `option`):
  /// an existing folder that can be written, and either nothing at the path yet or a regular
  /// file (never a link, a folder, a device or a FIFO, which the final rename would replace).
  /// `extensions`, when given, are the file endings the format allows.
  static func checkOutput(
    _ path: String, option: String, extensions: [String] = [], spec: CommandSpec
  ) throws(UsageError) {
    guard !path.isEmpty else { throw UsageError(message: "\(option): is empty", command: spec) }
    let url = URL(fileURLWithPath: path)
    let folder = url.deletingLastPathComponent().path
    guard FileKind(path: folder) == .directory else {
      throw UsageError(message: "\(option): folder '\(folder)' does not exist", command: spec)
    }
    guard FileManager.default.isWritableFile(atPath: folder) else {
      throw UsageError(message: "\(option): folder '\(folder)' is not writable", command: spec)
    }
    let kind = FileKind(path: path, followingLinks: false)
    if kind != .missing, let problem = kind.problem {
      throw UsageError(message: "\(option): '\(path)' \(problem)", command: spec)
    }
    if !extensions.isEmpty, !extensions.contains(url.pathExtension.lowercased()) {
      throw UsageError(
        message:
          "\(option): '\(path)' should end in "
          + extensions.map { "." + $0 }.joined(separator: " or ") + " for this format",
        command: spec)
    }
  }
}
