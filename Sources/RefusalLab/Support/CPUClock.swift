import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// CPU time, as the report's cost line and `--timings` measure it.
public enum CPUClock {
  /// The calling thread's CPU time in seconds.
  public static func threadSeconds() -> Double { seconds(CLOCK_THREAD_CPUTIME_ID) }

  /// This process's CPU time (user and system, every thread) in seconds.
  public static func processSeconds() -> Double { seconds(CLOCK_PROCESS_CPUTIME_ID) }

  private static func seconds(_ clock: clockid_t) -> Double {
    var time = timespec()
    clock_gettime(clock, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
  }
}
