import Dispatch
import Foundation
import Synchronization

/// A fixed number of worker threads that split loops into contiguous ranges.
///
/// Every kernel computes each output element on exactly one thread, in an order that does
/// not depend on how the work is split, so results are bit-identical for any thread count.
package struct Workers: Sendable {
  /// The number of threads (at least 1). With 1, work runs on the caller's thread.
  package let threads: Int

  /// Creates a pool description; `threads` is clamped to at least 1.
  package init(threads: Int) { self.threads = max(1, threads) }

  /// Calls `body` on disjoint contiguous sub-ranges covering `0..<count`, in parallel.
  ///
  /// `long` marks a loop whose every part runs for many milliseconds (a shard of a
  /// training step): it uses every thread even while the pool has benched its helpers
  /// (``ThreadPool``), because a helper that must share its core with another process
  /// still finishes a long part sooner than the caller could after its own.
  package func run(_ count: Int, long: Bool = false, _ body: (Range<Int>) -> Void) {
    let parts = min(threads, count)
    if parts <= 1 {
      if count > 0 { body(0..<count) }
      return
    }
    ThreadPool.shared.run(count, parts: parts, long: long, body)
  }

  /// Seconds the pool's helper threads have spent running parts of loops since the process
  /// started (the caller's own share is not counted: it is the caller's CPU time). What
  /// `--timings` adds to a phase's own thread time.
  package static var helperBusySeconds: Double {
    Double(ThreadPool.shared.helperBusyNanoseconds.load(ordering: .relaxed)) / 1e9
  }
}

/// Worker threads that spin briefly between parallel loops and then park, so that the many
/// small loops of one training step do not each pay for waking a sleeping thread, while a
/// machine busy with other work does not lose a core to a thread that only waits.
///
/// A loop is cut into `parts` fixed ranges; the caller and the workers claim parts from one
/// atomic word until none is left, so which thread computes a range never changes the
/// range, and results stay bit-identical for any thread count (every user of `Workers`
/// computes each element the same way whatever range it falls in, so a loop may even run
/// as one range on the caller). One loop runs at a time: a loop started while the pool is
/// busy (from another thread, or nested in a part) runs on Dispatch instead.
///
/// Waiting, on both sides, is a short spin and then a park:
/// - a worker spins for the next loop for at most `workerSpin`, and parks at once when it
///   notices that it was descheduled while spinning (another process wants the core);
/// - the caller, done with its own parts, spins for at most `callerSpin` for the others,
///   then parks until the last part's finisher wakes it. Its core then goes idle, and the
///   kernel can run the late worker there.
///
/// On a busy machine a worker that claims a part and is then descheduled makes the caller
/// wait for a whole time slice. When a loop waits for its helpers longer than the caller's
/// own share took (and more than `slowWait`), the pool benches its helpers: loops run on the
/// caller alone for a back-off period, then try the helpers again; a slow wait soon after a
/// back-off doubles the next one (up to `maxBackoff`), so a machine that stays busy is
/// probed rarely, and one that has become quiet gets its helpers back within milliseconds.
/// So `--threads 2` on a machine whose other core is taken costs about what `--threads 1`
/// does, instead of twice as much. Loops marked `long` (a training step's shards) use the
/// helpers even while they are benched: a back-off begun because a virtual machine's host
/// took a core for a moment would otherwise run a whole step on one thread.
final class ThreadPool: @unchecked Sendable {
  /// The process's pool: one worker fewer than the active cores (at least one).
  static let shared = ThreadPool(
    workers: max(1, ProcessInfo.processInfo.activeProcessorCount - 1))

  /// The loop being run: its body, cut into `parts` ranges of `0..<count`.
  private struct Loop {
    var body: (Range<Int>) -> Void
    var count: Int
    var parts: Int
  }

  /// Loop number (high 32 bits) | parts (16 bits) | parts claimed so far (low 16 bits). A
  /// part is claimed by a compare-and-exchange that keeps the loop number, so a late worker
  /// can never take a part of the next loop, and reads the loop's body only after a claim.
  private let ticket = Atomic<UInt64>(0)
  /// Parts finished in the current loop.
  private let finished = Atomic<Int>(0)
  /// Nanoseconds the workers have spent in loops' parts, for ``Workers/helperBusySeconds``.
  let helperBusyNanoseconds = Atomic<UInt64>(0)
  /// Set while a loop runs.
  private let busy = Atomic<Bool>(false)
  /// 1 while the caller is parked (or about to park) waiting for the last part.
  private let callerParked = Atomic<Int>(0)
  /// Signalled by the finisher of a loop's last part when the caller is parked.
  private let callerWakeUp = DispatchSemaphore(value: 0)
  /// One per worker thread.
  private let workers: [WorkerState]
  /// Written by the caller before the loop number is published (release), read by workers
  /// after they claim a part of that loop (acquire).
  private var loop: Loop?
  /// Back-off state, read and written only by the thread that holds `busy`: loops run on
  /// the caller alone until `benchedUntil` (uptime nanoseconds); `backoff` is the length of
  /// the last back-off.
  private var benchedUntil: UInt64 = 0
  private var backoff: UInt64 = 0

  /// How long a worker spins for the next loop before it parks (nanoseconds).
  private static let workerSpin: UInt64 = 200_000
  /// How long the caller spins for the other parts before it parks.
  private static let callerSpin: UInt64 = 50_000
  /// A gap this long between two looks at the clock means the spinning thread was
  /// descheduled.
  private static let descheduled: UInt64 = 50_000
  /// A wait for the helpers longer than this (and than the caller's own share) is slow.
  private static let slowWait: UInt64 = 100_000
  /// The first and the longest back-off.
  private static let minBackoff: UInt64 = 2_000_000
  private static let maxBackoff: UInt64 = 128_000_000

  private init(workers: Int) {
    self.workers = (0..<workers).map { _ in WorkerState() }
    for index in 0..<workers {
      let thread = Thread { [unowned self] in self.work(index) }
      thread.name = "TinyLM worker \(index)"
      thread.start()
    }
  }

  @inline(__always)
  private static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

  /// Calls `body` once for each of the `parts` ranges that cut `0..<count` evenly, on the
  /// calling thread and the workers (or on the caller alone while the helpers are benched,
  /// unless the loop is `long`); returns when every range is done.
  func run(_ count: Int, parts: Int, long: Bool, _ body: (Range<Int>) -> Void) {
    guard parts <= 0xFFFF,
      busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
    else {
      Self.runOnDispatch(count, parts: parts, body)
      return
    }
    defer { busy.store(false, ordering: .releasing) }
    let start = Self.now()
    if start < benchedUntil && !long {
      body(0..<count)
      return
    }
    withoutActuallyEscaping(body) { escapable in
      loop = Loop(body: escapable, count: count, parts: parts)
      finished.store(0, ordering: .relaxed)
      let number = ((ticket.load(ordering: .relaxed) >> 32) &+ 1) & 0xFFFF_FFFF
      ticket.store(number << 32 | UInt64(parts) << 16, ordering: .sequentiallyConsistent)
      // Only the first parts − 1 workers help with this loop; only they are woken.
      for worker in workers.prefix(parts - 1)
      where worker.parked.exchange(0, ordering: .sequentiallyConsistent) == 1 {
        worker.wakeUp.signal()
      }
      takeParts(of: number)
      let ownDone = Self.now()
      waitForOtherParts(parts, since: ownDone)
      loop = nil
      let end = Self.now()
      let waited = end - ownDone
      if waited > Self.slowWait && waited > ownDone - start {
        // A slow wait soon after the last back-off ended means the machine is still busy:
        // back off twice as long. After a quiet spell, start again from the shortest.
        let sinceBackoff = end > benchedUntil ? end - benchedUntil : 0
        backoff =
          sinceBackoff < 4 * backoff ? min(Self.maxBackoff, 2 * backoff) : Self.minBackoff
        benchedUntil = end + backoff
      }
    }
  }

  /// Spins until every part of the loop is finished, or parks once `callerSpin` has passed.
  private func waitForOtherParts(_ parts: Int, since start: UInt64) {
    while finished.load(ordering: .acquiring) < parts {
      if Self.now() - start > Self.callerSpin {
        callerParked.store(1, ordering: .sequentiallyConsistent)
        if finished.load(ordering: .sequentiallyConsistent) >= parts {
          // Done meanwhile. If the finisher already cleared the flag, it also signalled:
          // take that signal so that the next park really parks.
          if callerParked.exchange(0, ordering: .sequentiallyConsistent) == 0 {
            callerWakeUp.wait()
          }
          return
        }
        callerWakeUp.wait()
        return
      }
    }
  }

  /// Claims and runs parts of loop `number` until none is left.
  private func takeParts(of number: UInt64) {
    var current = ticket.load(ordering: .acquiring)
    while current >> 32 == number && current & 0xFFFF < (current >> 16) & 0xFFFF {
      let (exchanged, original) = ticket.compareExchange(
        expected: current, desired: current &+ 1, ordering: .acquiringAndReleasing)
      if exchanged {
        runPart(Int(current & 0xFFFF))
        let parts = Int((current >> 16) & 0xFFFF)
        if finished.add(1, ordering: .sequentiallyConsistent).newValue == parts,
          callerParked.exchange(0, ordering: .sequentiallyConsistent) == 1
        {
          callerWakeUp.signal()
        }
        current = ticket.load(ordering: .acquiring)
      } else {
        current = original
      }
    }
  }

  /// Runs one claimed part. Not inlined, so that the copy of the body it holds is released
  /// before the part counts as finished (the caller's `withoutActuallyEscaping` checks that
  /// no copy outlives the loop).
  @inline(never)
  private func runPart(_ part: Int) {
    let loop = self.loop!
    loop.body((loop.count * part / loop.parts)..<(loop.count * (part + 1) / loop.parts))
  }

  /// A worker's life: wait for a new loop number, help with it if the loop has parts for
  /// this worker (worker i helps loops of more than i + 1 parts, so a loop of `--threads N`
  /// parts keeps N threads busy, never more), repeat. It parks after spinning `workerSpin`
  /// without helping, or as soon as it finds it was descheduled while spinning.
  private func work(_ index: Int) {
    var seen: UInt64 = 0
    var spinStart = Self.now()
    var last = spinStart
    while true {
      let current = ticket.load(ordering: .acquiring)
      let number = current >> 32
      if number != seen {
        seen = number
        if Int((current >> 16) & 0xFFFF) > index + 1 {
          let helpStart = Self.now()
          takeParts(of: number)
          spinStart = Self.now()
          last = spinStart
          helperBusyNanoseconds.add(spinStart - helpStart, ordering: .relaxed)
          continue
        }
      }
      let now = Self.now()
      if now - spinStart > Self.workerSpin || now - last > Self.descheduled {
        park(index, seen: seen)
        spinStart = Self.now()
        last = spinStart
      } else {
        last = now
      }
    }
  }

  /// Parks until a caller wakes this worker, unless a loop newer than `seen` has started.
  private func park(_ index: Int, seen: UInt64) {
    let worker = workers[index]
    worker.parked.store(1, ordering: .sequentiallyConsistent)
    if ticket.load(ordering: .sequentiallyConsistent) >> 32 != seen {
      // A loop started meanwhile. If its caller already cleared the flag, it also signalled:
      // take that signal so that the next park really parks.
      if worker.parked.exchange(0, ordering: .sequentiallyConsistent) == 0 {
        worker.wakeUp.wait()
      }
      return
    }
    worker.wakeUp.wait()
  }

  /// The fallback when the pool is busy.
  private static func runOnDispatch(_ count: Int, parts: Int, _ body: (Range<Int>) -> Void) {
    withoutActuallyEscaping(body) { escapable in
      let box = UncheckedSendableBox(value: escapable)
      DispatchQueue.concurrentPerform(iterations: parts) { part in
        box.value((count * part / parts)..<(count * (part + 1) / parts))
      }
    }
  }
}

/// A worker thread's flag and alarm clock.
private final class WorkerState: Sendable {
  /// 1 while the worker is parked (or about to park), 0 while it spins or works.
  let parked = Atomic<Int>(0)
  /// Signalled by the caller that clears `parked`.
  let wakeUp = DispatchSemaphore(value: 0)
}

/// Carries a value into a `@Sendable` closure; the callers guarantee disjoint writes.
struct UncheckedSendableBox<Value>: @unchecked Sendable {
  let value: Value
}
