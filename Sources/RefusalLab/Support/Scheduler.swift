import Dispatch
import Foundation

/// Runs numbered jobs on worker threads: an idle worker takes the next job, and each job's
/// result comes back at its index, so the results never depend on the schedule.
///
/// The thread budget is shared: at most one worker per job, and each job gets
/// ``threadsPerJob`` threads for its model.
struct Scheduler: Sendable {
  /// Worker threads.
  let workers: Int
  /// The threads each job's model may use.
  let threadsPerJob: Int

  /// A scheduler for `jobs` jobs within a budget of `threads` threads.
  init(threads: Int, jobs: Int) {
    workers = max(1, min(threads, jobs))
    threadsPerJob = Self.threadsPerJob(threads: threads, jobs: jobs)
  }

  /// The threads each of `jobs` concurrent jobs gets from a budget of `threads` (a lone job
  /// gets them all).
  static func threadsPerJob(threads: Int, jobs: Int) -> Int {
    max(1, threads / max(1, min(threads, jobs)))
  }

  /// Runs `body` for every job `0..<count`, starting them in `order` (by default in index
  /// order), and returns each job's outcome at its index.
  func results<Value, Failure: Error>(
    count: Int, order: [Int]? = nil, _ body: @Sendable (Int) throws(Failure) -> Value
  ) -> [Result<Value, Failure>] {
    let order = order ?? Array(0..<count)
    let outcomes = Slots<Result<Value, Failure>>(count: count)
    let next = Counter()
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
      while true {
        let position = next.increment() - 1
        guard position < order.count else { return }
        let job = order[position]
        do throws(Failure) {
          outcomes[job] = .success(try body(job))
        } catch {
          outcomes[job] = .failure(error)
        }
      }
    }
    return (0..<count).map { outcomes[$0]! }
  }

  /// Runs `body` for every job `0..<count` (see ``results(count:order:_:)``) and returns the
  /// results in index order, or throws the failure of the first job, in index order, that
  /// failed.
  func map<Value, Failure: Error>(
    count: Int, order: [Int]? = nil, _ body: @Sendable (Int) throws(Failure) -> Value
  ) throws(Failure) -> [Value] {
    var values: [Value] = []
    for outcome in results(count: count, order: order, body) { values.append(try outcome.get()) }
    return values
  }
}

/// Fixed slots that concurrent workers fill, one index each.
final class Slots<Value>: @unchecked Sendable {
  private var values: [Value?]
  private let condition = NSCondition()

  init(count: Int) { values = Array(repeating: nil, count: count) }

  /// The value of slot `index`, or `nil` while it is empty.
  subscript(index: Int) -> Value? {
    get { condition.withLock { values[index] } }
    set {
      condition.withLock {
        values[index] = newValue
        condition.broadcast()
      }
    }
  }

  /// The value of slot `index`, once a worker has filled it.
  func wait(for index: Int) -> Value {
    condition.withLock {
      while values[index] == nil { condition.wait() }
      return values[index]!
    }
  }
}

/// A thread-safe counter.
public final class Counter: @unchecked Sendable {
  private var value = 0
  private let lock = NSLock()

  /// A counter at 0.
  public init() {}

  /// Adds one and returns the new value.
  public func increment() -> Int {
    lock.withLock {
      value += 1
      return value
    }
  }
}

/// Seconds since it was created, for progress lines.
struct Stopwatch: Sendable {
  private let started = DispatchTime.now()

  /// The elapsed time as `12.3 s`.
  var elapsed: String {
    String(
      format: "%.1f s",
      Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
    )
  }
}
