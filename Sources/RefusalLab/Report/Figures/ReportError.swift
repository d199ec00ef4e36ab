/// Why the report kit could not write or read something; the message names the path or
/// the position at fault.
public struct ReportError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What went wrong, in one sentence that names the file or folder.
  public var message: String

  /// An error with `message`.
  public init(_ message: String) {
    self.message = message
  }

  /// The message.
  public var description: String { message }
}
