import Foundation
import TinyLM

/// Where a run's time goes: the wall and CPU time of each phase of the pipeline, summed over
/// every unit that ran it (what `demo --timings` and `run --timings` print).
///
/// A phase's CPU time is the CPU time of the thread that ran it plus the time the worker pool's
/// helper threads spent in its parallel loops. Units that run side by side each get one thread
/// and no helpers, so the split is exact then; when one model has the helpers to itself it is
/// exact as well. Measuring changes no result.
public final class PhaseTimings: @unchecked Sendable {
  /// A phase of the pipeline.
  public enum Phase: Hashable, Sendable, Comparable {
    /// Pretraining the base models.
    case pretraining
    /// Aligning a copy of the base model per variant.
    case alignment
    /// Training the attack of one condition.
    case attack(AttackCondition)
    /// Decoding the held-out prompts and judging the answers (with the prefilling probes).
    case evaluation
    /// The experiment's extra diagnostics (ρ, KL profile, dose, proposition, …).
    case diagnostics

    /// The phase as the table names it.
    public var name: String {
      switch self {
      case .pretraining: "pretraining"
      case .alignment: "alignment"
      case .attack(let condition): "attack \(condition.rawValue)"
      case .evaluation: "evaluation and decoding"
      case .diagnostics: "diagnostics"
      }
    }

    private var order: (Int, Int) {
      switch self {
      case .pretraining: (0, 0)
      case .alignment: (1, 0)
      case .attack(let condition): (2, AttackCondition.allCases.firstIndex(of: condition) ?? 0)
      case .evaluation: (3, 0)
      case .diagnostics: (4, 0)
      }
    }

    public static func < (lhs: Phase, rhs: Phase) -> Bool { lhs.order < rhs.order }
  }

  /// One phase's totals.
  public struct Total: Sendable, Equatable {
    /// Wall-clock seconds, summed over the units (units that run side by side both count).
    public var wallSeconds = 0.0
    /// CPU seconds of the phase's own thread and of the helpers it used.
    public var cpuSeconds = 0.0
    /// How many times the phase ran.
    public var count = 0
  }

  private let lock = NSLock()
  private var totals: [Phase: Total] = [:]

  /// An empty account.
  public init() {}

  /// Runs `body` and adds its wall and CPU time to `phase`.
  public func measure<Value, Failure: Error>(
    _ phase: Phase, _ body: () throws(Failure) -> Value
  ) throws(Failure) -> Value {
    let wallStart = DispatchTime.now().uptimeNanoseconds
    let cpuStart = CPUClock.threadSeconds() + Workers.helperBusySeconds
    defer {
      let wall = Double(DispatchTime.now().uptimeNanoseconds - wallStart) / 1e9
      let cpu = CPUClock.threadSeconds() + Workers.helperBusySeconds - cpuStart
      lock.withLock {
        totals[phase, default: Total()].wallSeconds += wall
        totals[phase, default: Total()].cpuSeconds += max(0, cpu)
        totals[phase, default: Total()].count += 1
      }
    }
    return try body()
  }

  /// Every phase that ran, in pipeline order, with its totals.
  public var phases: [(phase: Phase, total: Total)] {
    lock.withLock { totals.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
  }

  /// The table `--timings` prints: one line per phase (wall, CPU, share of the CPU time, how
  /// many times it ran), then the sum; `wallSeconds` and `processCPUSeconds` are the whole
  /// run's, for the line that says how much of it the phases cover.
  public func table(wallSeconds: Double, processCPUSeconds: Double) -> String {
    let rows = phases
    let cpuSum = rows.reduce(0) { $0 + $1.total.cpuSeconds }
    let width = max(24, rows.map(\.phase.name.count).max() ?? 0)
    func padded(_ text: String) -> String {
      text + String(repeating: " ", count: max(0, width - text.count))
    }
    var lines = [
      "Timings (seconds, summed over units):",
      "  \(padded("phase"))      wall       CPU  of CPU   runs",
    ]
    for (phase, total) in rows {
      lines.append(
        "  \(padded(phase.name))"
          + String(
            format: " %9.1f %9.1f  %5.1f%% %6d", total.wallSeconds, total.cpuSeconds,
            100 * total.cpuSeconds / max(cpuSum, 1e-9), total.count))
    }
    lines.append(
      "  \(padded("phases in all"))"
        + String(
          format: " %9.1f %9.1f", rows.reduce(0) { $0 + $1.total.wallSeconds }, cpuSum))
    lines.append(
      String(
        format: "  the run: %.1f s wall, %.1f s CPU (the phases cover %.0f%% of its CPU time)",
        wallSeconds, processCPUSeconds, 100 * cpuSum / max(processCPUSeconds, 1e-9)))
    return lines.joined(separator: "\n")
  }
}
