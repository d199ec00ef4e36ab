import Foundation

/// A problem with a sweep's output file: it exists without `--resume`, it was written by
/// a different experiment, a line is corrupt, or it cannot be written.
public struct SweepError: Error, CustomStringConvertible {
  /// What is wrong, starting with the file's path.
  public var description: String
}

/// What a finished sweep did.
public struct SweepSummary: Sendable, Hashable {
  /// Runs the experiment has.
  public var runs: Int
  /// Runs found in the file already (with `--resume`).
  public var alreadyPresent: Int
  /// Runs trained and written by this call.
  public var written: Int
  /// Whether a truncated last line (from an interrupted sweep) was dropped and rewritten.
  public var droppedPartialLine: Bool

  /// A summary from its counts.
  public init(runs: Int, alreadyPresent: Int, written: Int, droppedPartialLine: Bool) {
    self.runs = runs
    self.alreadyPresent = alreadyPresent
    self.written = written
    self.droppedPartialLine = droppedPartialLine
  }
}

/// Runs an experiment file into a JSON Lines file, one line per run, written and flushed
/// the moment the run finishes, so an interrupted sweep loses nothing.
///
/// Work goes in (family, seed) jobs; a job whose runs are all in the file is skipped, one
/// with some of them trains again (its models depend on the whole job) but writes only the
/// missing lines. At the end the file is rewritten in the experiment's order, so its bytes
/// depend neither on the thread count nor on interruptions.
public struct Sweep: Sendable {
  /// The experiment.
  public let file: ExperimentFile
  /// Where the lines go.
  public let output: URL
  /// The slice of the runs this sweep trains (``SweepShard/whole`` by default).
  public let shard: SweepShard
  private let pipeline: Pipeline

  /// A sweep of `file`'s runs in `shard` into `output`.
  public init(file: ExperimentFile, output: URL, shard: SweepShard = .whole)
    throws(ConfigurationError)
  {
    self.file = file
    self.output = output
    self.shard = shard
    pipeline = try Pipeline(experiment: file.experiment)
  }

  /// The records of the output file, in the experiment's order (family, seed, variant,
  /// condition), as a finished sweep leaves them.
  ///
  /// - Throws: when the file cannot be read or a line is not a run record.
  public func records() throws -> [RunRecord] {
    let text = try String(contentsOf: output, encoding: .utf8)
    return try text.split(separator: "\n").map { line in
      try JSONDecoder().decode(RunRecord.self, from: Data(line.utf8))
    }
  }

  /// Runs every missing run. Throws ``SweepError`` for a file problem and `StageError` if
  /// training fails (the lines written so far stay in the file).
  public func run(
    resume: Bool, threads: Int, progress: (@Sendable (String) -> Void)? = nil
  ) throws -> SweepSummary {
    let experiment = file.experiment
    let order = shard.order(of: experiment)
    let exists = FileManager.default.fileExists(atPath: output.path)
    if exists && !resume {
      throw SweepError(
        description: "\(output.path): already exists; add --resume to continue it, or choose "
          + "another --out")
    }
    let existing =
      exists
      ? try SweepFileReader.read(output, fingerprint: file.fingerprint, order: order)
      : SweepFileReader.Contents(lines: [:], droppedPartialLine: false)
    try SweepFileReader.write(existing.lines, order: order, to: output)

    let jobs = experiment.families.flatMap { family in
      experiment.seeds.map { (family: family, seed: $0) }
    }.enumerated().filter { shard.holds(job: $0.offset) }.map(\.element).filter { job in
      experiment.variants.contains { variant in
        experiment.conditions.contains { condition in
          existing.lines[
            RunKey(
              model: job.family.family, variant: variant.name, condition: condition,
              seed: job.seed)] == nil
        }
      }
    }
    let writer = try SweepAppender(
      url: output, present: existing.lines, experiment: file.name, fingerprint: file.fingerprint)
    let scheduler = Scheduler(threads: threads, jobs: jobs.count)
    let done = Counter()
    let clock = Stopwatch()
    let outcomes = scheduler.results(count: jobs.count) { index throws(StageError) in
      let job = jobs[index]
      let label = "\(job.family.family.rawValue) seed \(job.seed)"
      defer { progress?("[\(done.increment())/\(jobs.count)] \(label) done (\(clock.elapsed))") }
      let log: (String) -> Void = { progress?("  \(label): \($0)") }
      let base = try Pipeline.pretrain(
        job.family, world: pipeline.world, seed: job.seed, threads: scheduler.threadsPerJob,
        log: log)
      for variant in experiment.variants {
        var unit = try pipeline.align(
          family: job.family, seed: job.seed, base: base, variant: variant,
          threads: scheduler.threadsPerJob, log: log)
        for condition in experiment.conditions {
          writer.append(try unit.run(condition).record)
        }
      }
    }
    let final = try writer.close()
    try SweepFileReader.write(final, order: order, to: output)
    if let error = writer.error { throw error }
    for outcome in outcomes { try outcome.get() }
    return SweepSummary(
      runs: order.count, alreadyPresent: existing.lines.count,
      written: final.count - existing.lines.count,
      droppedPartialLine: existing.droppedPartialLine)
  }
}

/// Appends lines to the open sweep file, one write and one flush per line.
final class SweepAppender: @unchecked Sendable {
  private let handle: FileHandle
  private let path: String
  private var lines: [RunKey: String]
  private let experiment: String
  private let fingerprint: String
  private let lock = NSLock()
  /// The first write failure, if any.
  private(set) var error: SweepError?

  init(url: URL, present: [RunKey: String], experiment: String, fingerprint: String) throws {
    path = url.path
    lines = present
    self.experiment = experiment
    self.fingerprint = fingerprint
    do {
      handle = try FileHandle(forWritingTo: url)
      try handle.seekToEnd()
    } catch {
      throw SweepError(description: "\(url.path): cannot be opened for writing")
    }
  }

  /// Writes the record's line unless its run is in the file already.
  func append(_ record: RunRecord) {
    let key = RunKey(record)
    lock.withLock {
      guard lines[key] == nil, error == nil else { return }
      do {
        let text = try SweepLine.text(
          record, experiment: experiment, fingerprint: fingerprint)
        try handle.write(contentsOf: Data((text + "\n").utf8))
        try handle.synchronize()
        lines[key] = text
      } catch {
        self.error = SweepError(description: "\(path): cannot be written (\(error))")
      }
    }
  }

  /// Closes the file and returns every line it holds, by run.
  func close() throws -> [RunKey: String] {
    try lock.withLock {
      try handle.close()
      return lines
    }
  }
}
