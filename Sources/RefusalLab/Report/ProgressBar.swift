import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A progress bar on stderr for commands that train: what is running, units done of all,
/// the rate and the time left.
///
/// On a terminal it redraws one line in place (at most ten times a second), in colour
/// unless `NO_COLOR` is set; otherwise it writes a plain line at each quarter of the work;
/// with `--quiet` it writes nothing. Log lines (``log(_:)``) are written above the bar.
public final class ProgressBar: @unchecked Sendable {
  /// How the bar is shown.
  public enum Mode: Sendable, Hashable {
    /// Redrawn in place on a terminal; `color` adds ANSI colour.
    case terminal(color: Bool)
    /// A plain line at each quarter of the work, for logs and pipes.
    case lines
    /// Nothing at all (`--quiet`).
    case silent
  }

  /// The mode for stderr: silent when `quiet`, the terminal bar when stderr is a terminal
  /// (coloured unless `NO_COLOR` is set to anything), plain lines otherwise.
  public static func mode(quiet: Bool, environment: [String: String], isTerminal: Bool) -> Mode {
    if quiet { return .silent }
    guard isTerminal else { return .lines }
    return .terminal(color: environment["NO_COLOR"] == nil)
  }

  /// The mode for this process's stderr.
  public static func standardMode(quiet: Bool) -> Mode {
    mode(
      quiet: quiet, environment: ProcessInfo.processInfo.environment,
      isTerminal: isatty(STDERR_FILENO) == 1)
  }

  /// What the bar counts, such as `"demo"`.
  public let label: String
  /// The unit counted, plural, such as `"tasks"`.
  public let unit: String
  /// How it is shown.
  public let mode: Mode
  private let write: @Sendable (String) -> Void
  private let clock: @Sendable () -> Double
  private let lock = NSLock()
  private let started: Double
  private var done = 0
  private var total = 0
  private var what = ""
  private var lastDraw = -1.0
  private var quartersShown = 0
  private var drawn = false

  /// A bar for `label`, counting `unit`, writing with `write` (stderr by default) and
  /// reading the time in seconds from `clock` (the system's monotonic clock by default).
  public init(
    label: String, unit: String = "tasks", mode: Mode,
    write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) },
    clock: @escaping @Sendable () -> Double = {
      Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }
  ) {
    self.label = label
    self.unit = unit
    self.mode = mode
    self.write = write
    self.clock = clock
    started = clock()
  }

  /// Sets the work done and in all, and what just ran; redraws (terminal) or writes a line
  /// when a new quarter is reached (plain lines).
  public func update(done: Int, total: Int, what: String) {
    lock.withLock {
      self.done = max(0, min(done, total))
      self.total = max(0, total)
      self.what = what
      switch mode {
      case .silent: return
      case .terminal:
        let now = clock()
        if now - lastDraw >= 0.1 || self.done == self.total { draw(at: now) }
      case .lines:
        let quarter = self.total > 0 ? self.done * 4 / self.total : 0
        if quarter > quartersShown {
          quartersShown = quarter
          write(Self.line(state(at: clock()), color: false) + "\n")
        }
      }
    }
  }

  /// Says what is running now without counting it done (terminal only).
  public func note(_ what: String) {
    lock.withLock {
      self.what = what
      if case .terminal = mode {
        let now = clock()
        if now - lastDraw >= 0.1 { draw(at: now) }
      }
    }
  }

  /// Writes `line` on a line of its own (above the bar on a terminal); nothing when silent.
  public func log(_ line: String) {
    lock.withLock {
      switch mode {
      case .silent: return
      case .lines: write(line + "\n")
      case .terminal:
        write("\r\u{1B}[2K" + line + "\n")
        if drawn { draw(at: clock()) }
      }
    }
  }

  /// Clears the bar from a terminal line, so that what follows starts on a clean line.
  public func finish() {
    lock.withLock {
      if case .terminal = mode, drawn {
        write("\r\u{1B}[2K")
        drawn = false
      }
    }
  }

  private func draw(at now: Double) {
    guard case .terminal(let color) = mode else { return }
    lastDraw = now
    drawn = true
    write("\r\u{1B}[2K" + Self.line(state(at: now), color: color))
  }

  private func state(at now: Double) -> State {
    State(
      label: label, unit: unit, done: done, total: total, elapsed: max(0, now - started),
      what: what)
  }

  /// What one drawing of the bar shows.
  public struct State: Sendable, Hashable {
    /// What the bar counts.
    public var label: String
    /// The unit, plural.
    public var unit: String
    /// Units done.
    public var done: Int
    /// Units in all.
    public var total: Int
    /// Seconds since the bar started.
    public var elapsed: Double
    /// What ran last.
    public var what: String

    /// A state.
    public init(label: String, unit: String, done: Int, total: Int, elapsed: Double, what: String) {
      self.label = label
      self.unit = unit
      self.done = done
      self.total = total
      self.elapsed = elapsed
      self.what = what
    }
  }

  /// The bar's text: `demo [████░░░░] 12/50 tasks · 0.3 tasks/s · ETA 2m 05s · what`, with
  /// the bar in green when `color`. The rate and ETA appear once a unit is done.
  public static func line(_ state: State, color: Bool, width: Int = 24) -> String {
    let fraction = state.total > 0 ? Double(state.done) / Double(state.total) : 0
    let filled = Int((fraction * Double(width)).rounded(.down))
    let bar =
      String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
    var parts = [
      "\(state.label) [" + (color ? "\u{1B}[32m" + bar + "\u{1B}[0m" : bar) + "]",
      "\(state.done)/\(state.total) \(state.unit)",
    ]
    if state.done > 0 && state.elapsed > 0 {
      let rate = Double(state.done) / state.elapsed
      parts.append(
        rate >= 1
          ? "\(NumberFormat.fixed(rate, decimals: 1)) \(state.unit)/s"
          : "\(NumberFormat.fixed(rate * 60, decimals: 1)) \(state.unit)/min")
      if state.done < state.total {
        parts.append("ETA " + duration(Double(state.total - state.done) / rate))
      } else {
        parts.append("done in " + duration(state.elapsed))
      }
    }
    if !state.what.isEmpty { parts.append(state.what) }
    return parts.joined(separator: " · ")
  }

  /// Seconds as `45s`, `2m 05s` or `1h 02m`.
  public static func duration(_ seconds: Double) -> String {
    let whole = Int(max(0, seconds).rounded())
    if whole < 60 { return "\(whole)s" }
    if whole < 3600 { return String(format: "%dm %02ds", whole / 60, whole % 60) }
    return String(format: "%dh %02dm", whole / 3600, whole / 60 % 60)
  }
}
