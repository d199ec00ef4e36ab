import Foundation
import RefusalLab

/// `refusal-lab run FILE.json`: runs the experiment a file (or a built-in preset) describes.
enum RunCommand: ToolCommand {
  static let spec = CommandSpec(
    name: "run",
    abstract: """
      Run the experiment an experiment file describes (or a built-in preset) and print the
      report, or with --json the same document as 'demo --json'.
      """,
    arguments: "FILE.json",
    options: [
      CommonOptions.threads,
      OptionSpec(
        name: "--json", valueName: nil,
        help: "Print one JSON document with a record per trained run instead of the report."),
      ReportOption.spec,
      TimingsOption.spec,
    ],
    discussion: """
      FILE.json may also name a built-in preset: 'preset:NAME' or just NAME when no such file
      exists (presets: \(ExperimentFile.presetNames.joined(separator: ", "))).
      The format is documented in the ExperimentFiles article of the documentation.
      """)

  static func run(_ arguments: [String]) throws {
    let parsed = try ParsedArguments(arguments, spec: spec, positionalLimit: 1)
    let file = try ExperimentSource.load(parsed, spec: spec)
    let threads = try CommonOptions.parseThreads(parsed, spec: spec)
    let report = try ReportOption.parse(parsed, spec: spec)
    let bar = ProgressBar(
      label: file.name, mode: ProgressBar.standardMode(quiet: parsed.has("--quiet")))
    let experiment = file.experiment
    let pipeline = try ExperimentSource.pipeline(file, spec: spec)
    bar.log(
      "Running \(file.name): \(experiment.families.count) famil"
        + "\(experiment.families.count == 1 ? "y" : "ies") × \(experiment.seeds.count) seed"
        + "\(experiment.seeds.count == 1 ? "" : "s") on \(threads) thread"
        + "\(threads == 1 ? "" : "s")…")
    if bar.mode != .silent {
      let estimate = TimeEstimate.runAll(experiment, world: pipeline.world, threads: threads)
      bar.log("Plan: \(experiment.plan); \(estimate)\(Self.diagnosticsNote(file)).")
    }
    try runAndReport(
      experiment, pipeline: pipeline, threads: threads, json: parsed.has("--json"), bar: bar,
      diagnostics: file.diagnostics, report: report, timings: parsed.has("--timings"))
  }

  /// After the time estimate: that it leaves out the diagnostics that train models of their
  /// own (all but `prefill`, which evaluation measures anyway).
  static func diagnosticsNote(_ file: ExperimentFile) -> String {
    Set(file.diagnostics).isSubset(of: [.prefill]) ? "" : " for the runs, before the diagnostics"
  }
}

/// Loads the experiment file a command names: a path, `preset:NAME`, or a bare preset name.
enum ExperimentSource {
  static func load(_ parsed: ParsedArguments, spec: CommandSpec) throws(UsageError)
    -> ExperimentFile
  {
    guard let argument = parsed.positionals.first else {
      throw UsageError(message: "missing FILE.json (an experiment file or preset)", command: spec)
    }
    return try load(argument, spec: spec)
  }

  /// The experiment file at `argument`, or the preset it names (`demo`, `preset:demo`).
  static func load(_ argument: String, spec: CommandSpec) throws(UsageError) -> ExperimentFile {
    do throws(ConfigurationError) {
      if argument.hasPrefix("preset:") {
        return try ExperimentFile.preset(named: String(argument.dropFirst("preset:".count)))
      }
      let isPath = argument.contains("/") || argument.hasSuffix(".json")
      if !isPath && !FileManager.default.fileExists(atPath: argument)
        && ExperimentFile.presetNames.contains(argument)
      {
        return try ExperimentFile.preset(named: argument)
      }
      if !isPath && !FileManager.default.fileExists(atPath: argument) {
        throw ConfigurationError(
          field: argument,
          message: "no such file, and no built-in preset of that name (presets: "
            + ExperimentFile.presetNames.joined(separator: ", ") + ")")
      }
      return try ExperimentFile(contentsOf: URL(fileURLWithPath: argument))
    } catch {
      throw UsageError(message: error.description, command: spec)
    }
  }

  static func pipeline(_ file: ExperimentFile, spec: CommandSpec) throws(UsageError) -> Pipeline {
    do {
      return try Pipeline(experiment: file.experiment)
    } catch {
      throw UsageError(message: error.description, command: spec)
    }
  }
}
