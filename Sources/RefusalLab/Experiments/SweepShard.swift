import Foundation

/// One of N disjoint slices of a sweep's runs, so that a cluster's job runner (a Slurm job
/// array, GNU `parallel`) can spread a sweep over machines; ``SweepMerge`` joins the slices.
///
/// The runs go in (family, seed) jobs in the experiment's order; job j belongs to shard
/// `j mod N + 1`. The split depends on the experiment file alone, never on the machine.
public struct SweepShard: Sendable, Hashable, CustomStringConvertible {
  /// Which slice, 1…``count``.
  public var index: Int
  /// How many slices.
  public var count: Int

  /// The whole sweep: shard 1 of 1.
  public static let whole = SweepShard(checkedIndex: 1, count: 1)

  private init(checkedIndex: Int, count: Int) {
    index = checkedIndex
    self.count = count
  }

  /// Shard `index` of `count`, or `nil` unless 1 ≤ index ≤ count.
  public init?(index: Int, count: Int) {
    guard count >= 1, (1...count).contains(index) else { return nil }
    self.init(checkedIndex: index, count: count)
  }

  /// Reads `I/N` (`2/8`), or `nil`.
  public init?(_ text: String) {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
      return nil
    }
    self.init(index: index, count: count)
  }

  /// `I/N`.
  public var description: String { "\(index)/\(count)" }

  /// Whether the shard holds job `job`: the (family, seed) pair at that index of the
  /// experiment's family-major order.
  func holds(job: Int) -> Bool {
    job % count == index - 1
  }

  /// The experiment's run order restricted to this shard's runs. ``RunKey/order(of:)``
  /// numbers the runs family, seed, variant, condition, so a run's job is its number
  /// divided by the runs per job.
  func order(of experiment: Experiment) -> [RunKey: Int] {
    let runsPerJob = experiment.variants.count * experiment.conditions.count
    return RunKey.order(of: experiment).filter { holds(job: $0.value / runsPerJob) }
  }
}

/// Joins the files of a sharded sweep into the file one unsharded sweep writes.
public enum SweepMerge {
  /// What a merge found.
  public struct Summary: Sendable, Hashable {
    /// Runs the experiment has (all written).
    public var runs: Int
    /// Runs found in more than one file, with identical lines.
    public var duplicates: Int
  }

  /// Reads every shard file of `file`'s sweep, checks that each run is there, that runs in
  /// two files agree byte for byte and that no line comes from another experiment, then
  /// writes the runs to `output` in the experiment's order. Throws ``SweepError`` naming the
  /// problem (and up to ten missing runs) without writing anything.
  public static func merge(shards: [URL], file: ExperimentFile, output: URL) throws -> Summary {
    let order = RunKey.order(of: file.experiment)
    var lines: [RunKey: (line: String, source: String)] = [:]
    var duplicates = 0
    for url in shards {
      let contents = try SweepFileReader.read(url, fingerprint: file.fingerprint, order: order)
      for (key, line) in contents.lines {
        if let earlier = lines[key] {
          guard earlier.line == line else {
            throw SweepError(
              description: "\(url.path): the run \(key) differs from its line in "
                + "\(earlier.source); the shards were not made by one build of one experiment")
          }
          duplicates += 1
        } else {
          lines[key] = (line, url.path)
        }
      }
    }
    let missing = order.keys.filter { lines[$0] == nil }.sorted { order[$0]! < order[$1]! }
    guard missing.isEmpty else {
      let listed = missing.prefix(10).map(\.description).joined(separator: "; ")
      throw SweepError(
        description: "\(missing.count) of \(order.count) runs are missing: \(listed)"
          + (missing.count > 10 ? "; …" : "") + " (run the shards that hold them, or --resume "
          + "the interrupted ones)")
    }
    try SweepFileReader.write(lines.mapValues(\.line), order: order, to: output)
    return Summary(runs: order.count, duplicates: duplicates)
  }
}
