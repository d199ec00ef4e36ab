import Foundation
import RefusalLab

/// `refusal-lab sweep FILE.json --out runs.jsonl [--resume]`: one JSON line per finished
/// run, written at once.
enum SweepCommand: ToolCommand {
  static let spec = CommandSpec(
    name: "sweep",
    abstract: """
      Run an experiment file (or a built-in preset) and write one JSON line per finished run
      to --out, flushed at once, so an interrupted sweep loses nothing and can --resume.
      """,
    arguments: "FILE.json",
    options: [
      OptionSpec(
        name: "--out", valueName: "FILE", help: "The JSON Lines file to write (required)."),
      OptionSpec(
        name: "--resume", valueName: nil,
        help: "Continue an existing file: skip the runs it already holds."),
      OptionSpec(
        name: "--shard", valueName: "I/N",
        help: "Run only the I-th of N disjoint slices of the runs (join them with 'merge')."),
      CommonOptions.threads,
      ReportOption.spec,
    ],
    discussion: """
      Without --resume an existing --out file is an error. With --resume, a file written by
      a different experiment (another fingerprint) is an error, and a last line cut short by
      an interruption is dropped and its run trained again. When the sweep ends, the file
      holds one line per run in the experiment's order (family, seed, variant, condition):
      the same bytes for any --threads and any number of interruptions.

      On a cluster, one sweep per shard, e.g. a Slurm job array (--array=1-8) running
        refusal-lab sweep FILE.json --shard $SLURM_ARRAY_TASK_ID/8 --out runs-$SLURM_ARRAY_TASK_ID.jsonl
      or GNU parallel:
        parallel refusal-lab sweep FILE.json --shard {}/8 --out runs-{}.jsonl ::: 1 2 3 4 5 6 7 8
      then: refusal-lab merge runs-*.jsonl --experiment FILE.json --out runs.jsonl
      The split depends on the file alone.
      """)

  static func run(_ arguments: [String]) throws {
    let parsed = try ParsedArguments(arguments, spec: spec, positionalLimit: 1)
    let file = try ExperimentSource.load(parsed, spec: spec)
    guard let out = parsed.values["--out"], !out.isEmpty else {
      throw UsageError(message: "--out: required (the JSON Lines file to write)", command: spec)
    }
    let threads = try CommonOptions.parseThreads(parsed, spec: spec)
    let report = try ReportOption.parse(parsed, spec: spec)
    let bar = ProgressBar(
      label: "sweep", unit: "jobs", mode: ProgressBar.standardMode(quiet: parsed.has("--quiet")))
    try FilePaths.checkOutput(out, option: "--out", spec: spec)
    var shard = SweepShard.whole
    if let text = parsed.values["--shard"] {
      guard let parsedShard = SweepShard(text) else {
        throw UsageError(
          message: "--shard: expected I/N with 1 ≤ I ≤ N (e.g. 2/8), got '\(text)'", command: spec)
      }
      shard = parsedShard
    }
    let sweep: Sweep
    do {
      sweep = try Sweep(file: file, output: URL(fileURLWithPath: out), shard: shard)
    } catch {
      throw UsageError(message: error.description, command: spec)
    }
    bar.log(
      "Sweeping \(file.name) (fingerprint \(file.fingerprint))"
        + (shard == .whole ? "" : ", shard \(shard),") + " into \(out)…")
    if bar.mode != .silent {
      let estimate = TimeEstimate.sweep(
        file.experiment, world: try ExperimentSource.pipeline(file, spec: spec).world,
        threads: threads, shard: shard)
      bar.log(
        "Plan: \(file.experiment.plan); \(estimate)"
          + (shard == .whole ? "" : " for this shard") + (parsed.has("--resume") ? " at most" : "")
          + ".")
    }
    let summary: SweepSummary
    do {
      summary = try sweep.run(resume: parsed.has("--resume"), threads: threads) { line in
        // "[k/n] family seed s done (…)" counts a job; other lines say what runs.
        if let count = ProgressLines.count(line) {
          bar.update(done: count.done, total: count.total, what: count.rest)
        } else {
          bar.note(line.trimmingCharacters(in: .whitespaces))
        }
      }
      bar.finish()
    } catch let error as SweepError {
      throw UsageError(message: error.description, command: spec)
    }
    if summary.droppedPartialLine {
      bar.log("Dropped a truncated last line from an interrupted sweep; its run was trained again.")
    }
    print(
      "\(out): \(summary.runs) runs (\(summary.written) written now, "
        + "\(summary.alreadyPresent) already present)")
    if let report {
      let folder = URL(fileURLWithPath: report)
      try ResultsReport(
        experiment: file.experiment, world: try ExperimentSource.pipeline(file, spec: spec).world,
        records: try sweep.records(), command: ReportOption.commandLine()
      ).write(to: folder)
      ReportOption.announce(folder, json: false)
    }
  }
}
