#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What is at a path, from `stat` (Foundation's file attributes call a character device such
/// as `/dev/null` a regular file on Linux).
public enum FileKind: Sendable, Hashable {
  /// Nothing, or a path that cannot be examined.
  case missing
  /// A regular file.
  case regular
  /// A folder.
  case directory
  /// A symbolic link (only when links are not followed).
  case symbolicLink
  /// A character or block device.
  case device
  /// A FIFO (named pipe), which a reader would block on.
  case fifo
  /// A socket.
  case socket

  /// The kind of `path`, following symbolic links unless `followingLinks` is `false`.
  public init(path: String, followingLinks: Bool = true) {
    var status = stat()
    let result = followingLinks ? stat(path, &status) : lstat(path, &status)
    guard result == 0 else {
      self = .missing
      return
    }
    switch status.st_mode & S_IFMT {
    case S_IFREG: self = .regular
    case S_IFDIR: self = .directory
    case S_IFLNK: self = .symbolicLink
    case S_IFCHR, S_IFBLK: self = .device
    case S_IFIFO: self = .fifo
    default: self = .socket
    }
  }

  /// Why a path of this kind is not a regular file to read or replace, in words
  /// (`is a directory`); `nil` for a regular file.
  public var problem: String? {
    switch self {
    case .regular: nil
    case .missing: "does not exist"
    case .directory: "is a directory"
    case .symbolicLink: "is a symbolic link"
    case .device: "is a device, not a regular file"
    case .fifo: "is a FIFO (named pipe), not a regular file"
    case .socket: "is a socket, not a regular file"
    }
  }
}
