import Foundation
import RefusalLab

/// `refusal-lab merge SHARD.jsonl… --experiment FILE.json --out runs.jsonl`: joins the files
/// of a sweep run in shards into the file one unsharded sweep writes.
enum MergeCommand: ToolCommand {
  static let spec = CommandSpec(
    name: "merge",
    abstract: """
      Join the JSON Lines files of a sweep run in shards (sweep --shard I/N) into one file,
      byte for byte the file an unsharded sweep writes; check that every run of the
      experiment is there, that runs found twice agree, and name the missing ones.
      """,
    arguments: "SHARD.jsonl…",
    options: [
      OptionSpec(
        name: "--experiment", valueName: "FILE",
        help: "The experiment file (or preset) the shards ran (required: it names every run)."),
      OptionSpec(name: "--out", valueName: "FILE", help: "The merged file to write (required)."),
    ])

  static func run(_ arguments: [String]) throws {
    let parsed = try ParsedArguments(arguments, spec: spec, positionalLimit: 100_000)
    guard !parsed.positionals.isEmpty else {
      throw UsageError(message: "SHARD.jsonl: at least one shard file is required", command: spec)
    }
    guard let source = parsed.values["--experiment"] else {
      throw UsageError(message: "--experiment: the experiment file is required", command: spec)
    }
    guard let out = parsed.values["--out"] else {
      throw UsageError(message: "--out: the merged file to write is required", command: spec)
    }
    let file = try ExperimentSource.load(source, spec: spec)
    var shards: [URL] = []
    for path in parsed.positionals {
      _ = try FilePaths.read(path, option: "SHARD.jsonl", spec: spec)
      let url = URL(fileURLWithPath: path)
      guard url.standardizedFileURL != URL(fileURLWithPath: out).standardizedFileURL else {
        throw UsageError(message: "--out: '\(out)' is also a shard to read", command: spec)
      }
      shards.append(url)
    }
    try FilePaths.checkOutput(out, option: "--out", spec: spec)
    // A missing or disagreeing run is a SweepError: exit 1, the message names it.
    let summary = try SweepMerge.merge(
      shards: shards, file: file, output: URL(fileURLWithPath: out))
    print(
      "\(out): \(summary.runs) runs from \(shards.count) file\(shards.count == 1 ? "" : "s")"
        + (summary.duplicates > 0 ? " (\(summary.duplicates) found twice, identical)" : ""))
  }
}
