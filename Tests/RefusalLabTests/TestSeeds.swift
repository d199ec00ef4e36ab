import Foundation

/// The seeds a slow test trains on, fewer when `REFUSALLAB_TEST_SEED_COUNT` says so.
///
/// Under ThreadSanitizer (`Tests/sanitizers.sh`) the numeric kernels run an order of
/// magnitude slower, so the script sets the variable to run each seed-parametrised claim
/// test on the first seed(s) of its list only: every code path still runs and every claim is
/// still checked, on fewer seeds. Unset (the normal case), the lists are used whole.
enum TestSeeds {
  /// The first `REFUSALLAB_TEST_SEED_COUNT` of `seeds` (at least one), or all of them.
  static func limited(_ seeds: [UInt64]) -> [UInt64] {
    guard let text = ProcessInfo.processInfo.environment["REFUSALLAB_TEST_SEED_COUNT"],
      let count = Int(text), count >= 1
    else { return seeds }
    return Array(seeds.prefix(count))
  }
}
