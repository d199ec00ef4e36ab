import Foundation
import RefusalLab

/// The `refusal-lab` command-line tool.
@main
struct RefusalLabTool {
  static let commands: [String: any ToolCommand.Type] = [
    DemoCommand.spec.name: DemoCommand.self,
    SampleCommand.spec.name: SampleCommand.self,
    TrainCommand.spec.name: TrainCommand.self,
    PrefillCommand.spec.name: PrefillCommand.self,
    InspectCommand.spec.name: InspectCommand.self,
    BenchTrainCommand.spec.name: BenchTrainCommand.self,
    TreeCommand.spec.name: TreeCommand.self,
    RhoCommand.spec.name: RhoCommand.self,
    DoseCommand.spec.name: DoseCommand.self,
    RunCommand.spec.name: RunCommand.self,
    SweepCommand.spec.name: SweepCommand.self,
    WordsCommand.spec.name: WordsCommand.self,
    MergeCommand.spec.name: MergeCommand.self,
    DirectionCommand.spec.name: DirectionCommand.self,
    ChatCommand.spec.name: ChatCommand.self,
  ]

  static let overview = """
    refusal-lab — watch refusal unlearning happen in a synthetic chat world.

    Trains tiny language models from scratch, aligns them to refuse fictional forbidden
    requests, then fine-tunes them on 1,000 benign answers that begin with a refusal opener
    and measures what is left of their safety. Everything is synthetic and harmless.

    usage: refusal-lab <command> [options]

    COMMANDS:
      demo          The classroom run: every condition, several seeds, the table and a takeaway.
      sample        Read what a trained model answers, with the judges' verdicts.
      prefill       The prefilling attack: force the start of the harmful answer, per variant.
      train         Train one model through every stage and save it (safetensors / JSON).
      inspect       Print a saved model's next-token distribution after a prompt.
      bench-train   Time the transformer's training throughput.
      tree          Draw a trained model's completion tree after a prompt.
      rho           Measure ρ after the refusal opener and the KL profile; --sweep for the n-gram.
      dose          Dose-response: safety vs attack samples and epochs, for each variant.
      run           Run an experiment file (or a preset such as 'demo') and print the report.
      sweep         Run an experiment file into a JSON Lines file, one line per run; --resume,
                    --shard I/N.
      merge         Join the files of a sharded sweep; name any missing run.
      direction     The refusal direction: ablate it, add it, before and after each attack.
      words         List the world's words by kind, for writing prompts.
      chat          Talk to an aligned and an attacked model side by side; toggle the direction.

    OPTIONS:
      --help   Show this help. Every command takes --help and --quiet (no progress output).

    Run 'refusal-lab <command> --help' for a command's options.
    """

  static func main() {
    Interruption.install()
    var arguments = Array(CommandLine.arguments.dropFirst())
    guard let first = arguments.first else {
      FileHandle.standardError.write(Data((overview + "\n").utf8))
      exit(2)
    }
    if first == "--help" || first == "-h" || first == "help" {
      print(overview)
      exit(0)
    }
    guard let command = commands[first] else {
      fail(UsageError(message: "unknown command '\(first)'", command: nil))
    }
    arguments.removeFirst()
    if arguments.contains("--help") {
      print(command.spec.helpText)
      exit(0)
    }
    do {
      try command.run(arguments)
    } catch let error as UsageError {
      fail(error)
    } catch {
      FileHandle.standardError.write(Data("error: \(error)\n".utf8))
      exit(1)
    }
  }

  static func fail(_ error: UsageError) -> Never {
    let usage = error.command?.usageLine ?? "usage: refusal-lab <command> [options]  (see --help)"
    FileHandle.standardError.write(Data("error: \(error.message)\n\(usage)\n".utf8))
    exit(2)
  }
}

/// A subcommand.
protocol ToolCommand: Sendable {
  static var spec: CommandSpec { get }
  static func run(_ arguments: [String]) throws
}

/// Runs every unit of an experiment with a progress bar on stderr, and prints the demo
/// report (or, with `json`, the results document) on stdout; with `report`, also writes the
/// HTML report there and ends with its path. Shared by `demo` and `run`.
func runAndReport(
  _ experiment: Experiment, pipeline: Pipeline, threads: Int, json: Bool, bar: ProgressBar,
  diagnostics: [ExperimentDiagnostic] = [], report: String? = nil, timings: Bool = false
) throws {
  let started = Date()
  var pipeline = pipeline
  let probes = report == nil ? nil : ReportProbes(experiment: experiment, world: pipeline.world)
  let phaseTimings = timings ? PhaseTimings() : nil
  var observer = probes?.observer ?? PipelineObserver()
  observer.taskFinished = { done, total, what in bar.update(done: done, total: total, what: what) }
  observer.timings = phaseTimings
  pipeline.observer = observer
  let runs = try pipeline.runAll(threads: threads) { bar.note(trimmed($0)) }
  let extra =
    !Set(diagnostics).isSubset(of: [.prefill])
    ? try observer.timed(.diagnostics) {
      try ExperimentDiagnostics.run(
        diagnostics, experiment: experiment, world: pipeline.world, threads: threads,
        progress: { bar.note(trimmed($0)) })
    }
    : nil
  bar.finish()
  let wall = Date().timeIntervalSince(started)
  bar.log(String(format: "Done in %.1f s.", wall))
  if let phaseTimings {
    // Asked for explicitly, so printed even with --quiet; on stderr, beside the progress.
    let table = phaseTimings.table(wallSeconds: wall, processCPUSeconds: CPUClock.processSeconds())
    FileHandle.standardError.write(Data((table + "\n").utf8))
  }
  if json {
    print(
      try ResultsJSON.document(
        experiment: experiment, runs: runs.map(\.record), diagnostics: extra))
  } else {
    print(
      DemoReport(experiment: experiment, world: pipeline.world, runs: runs).text(), terminator: "")
    if let extra { print("\n" + extra.text(), terminator: "") }
  }
  if let report {
    let folder = URL(fileURLWithPath: report)
    let beforeWriting = CPUClock.processSeconds()
    try ResultsReport(
      experiment: experiment, world: pipeline.world, runs: runs, probes: probes?.results,
      diagnostics: extra, command: ReportOption.commandLine()
    ).write(to: folder)
    if let probes {
      // What the report (its probes of the models, and writing it) cost the run.
      let total = CPUClock.processSeconds()
      let cost = probes.cpuSeconds + total - beforeWriting
      bar.log(
        String(
          format: "The report took %.1f s of the run's %.1f s CPU time (%.1f%%).", cost, total,
          100 * cost / max(total, 1e-9)))
    }
    ReportOption.announce(folder, json: json, quiet: bar.mode == .silent)
  }
}

private func trimmed(_ line: String) -> String { line.trimmingCharacters(in: .whitespaces) }

/// Progress lines that count: `[k/n] rest`.
enum ProgressLines {
  /// The count and the rest of a line `[k/n] rest`, or `nil` for any other line.
  static func count(_ line: String) -> (done: Int, total: Int, rest: String)? {
    guard line.hasPrefix("["), let close = line.firstIndex(of: "]") else { return nil }
    let numbers = line[line.index(after: line.startIndex)..<close].split(separator: "/")
    guard numbers.count == 2, let done = Int(numbers[0]), let total = Int(numbers[1]) else {
      return nil
    }
    return (done, total, line[line.index(after: close)...].trimmingCharacters(in: .whitespaces))
  }
}

/// The `--timings` option of demo and run.
enum TimingsOption {
  static let spec = OptionSpec(
    name: "--timings", valueName: nil,
    help:
      "After the run, print the wall and CPU time of each phase (pretraining, alignment, each "
      + "attack, evaluation and decoding, diagnostics) on stderr.")
}

/// The `--report DIR` option shared by demo, run, sweep and dose.
enum ReportOption {
  static let spec = OptionSpec(
    name: "--report", valueName: "DIR",
    help: "Also write an HTML report with SVG figures and results.csv into DIR.")

  /// The folder named by `--report`, if given; an empty value is an error.
  static func parse(_ parsed: ParsedArguments, spec: CommandSpec) throws(UsageError) -> String? {
    guard let value = parsed.values["--report"] else { return nil }
    guard !value.isEmpty else {
      throw UsageError(message: "--report: needs a folder name", command: spec)
    }
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: value, isDirectory: &isDirectory),
      !isDirectory.boolValue
    {
      throw UsageError(message: "--report: \(value) is a file, not a folder", command: spec)
    }
    return value
  }

  /// The command line as the report shows it: without `--threads`, `--quiet` and the report
  /// folder (none changes a result), so the same experiment gives the same report bytes.
  static func commandLine() -> String {
    var words = ["refusal-lab"]
    var arguments = Array(CommandLine.arguments.dropFirst())
    while !arguments.isEmpty {
      let word = arguments.removeFirst()
      if word == "--threads" || word == "--report" {
        if !arguments.isEmpty { arguments.removeFirst() }
        continue
      }
      if word == "--quiet" || word.hasPrefix("--threads=") || word.hasPrefix("--report=") {
        continue
      }
      words.append(word)
    }
    return (words + ["--report", "DIR"]).joined(separator: " ")
  }

  /// Ends the output with the report's path: on stdout, or on stderr when stdout carries JSON
  /// (and then not with `--quiet`).
  static func announce(_ folder: URL, json: Bool, quiet: Bool = false) {
    let line = "Report: \(folder.appendingPathComponent("index.html").path)"
    if json {
      if !quiet { FileHandle.standardError.write(Data((line + "\n").utf8)) }
    } else {
      print(line)
    }
  }
}

/// Progress lines on stderr, unless `--quiet`.
struct ProgressLog: Sendable {
  var quiet: Bool

  func callAsFunction(_ line: String) {
    guard !quiet else { return }
    FileHandle.standardError.write(Data((line + "\n").utf8))
  }
}

/// Shared option definitions.
enum CommonOptions {
  static let families = ModelFamily.allCases.map(\.rawValue)

  /// The `--model` option; its help lists exactly what ``parseFamilies(_:spec:allowBoth:)``
  /// accepts.
  static func model(allowBoth: Bool) -> OptionSpec {
    OptionSpec(
      name: "--model", valueName: "FAMILY",
      help:
        "Model family: \(familyChoices(allowBoth: allowBoth).joined(separator: ", ")) "
        + "(default \(allowBoth ? "both" : families[0])).")
  }

  static func familyChoices(allowBoth: Bool) -> [String] {
    families + (allowBoth ? ["both"] : [])
  }
  static let variant = OptionSpec(
    name: "--variant", valueName: "V",
    help:
      "Alignment variant: \(AlignmentVariant.builtIn.map(\.name).joined(separator: ", ")) (default rigid)."
  )

  /// `--seed` for a command that trains one seed (default 0).
  static let seed = OptionSpec(name: "--seed", valueName: "S", help: "The seed (default 0).")

  /// `--seeds` and `--first-seed`, read together by `ParsedArguments.seeds(default:spec:)`.
  static func seeds(default count: Int) -> [OptionSpec] {
    [
      OptionSpec(name: "--seeds", valueName: "N", help: "How many seeds (default \(count))."),
      OptionSpec(name: "--first-seed", valueName: "S", help: "The first seed (default 0)."),
    ]
  }

  /// `--variants`, a comma-separated list of built-in alignment variants.
  static func variants(default names: [String]) -> OptionSpec {
    let builtIn = AlignmentVariant.builtIn.map(\.name)
    let defaults = names == builtIn ? "all" : names.joined(separator: ",")
    return OptionSpec(
      name: "--variants", valueName: "V,V",
      help: "Alignment variants (default \(defaults)): \(builtIn.joined(separator: ", ")).")
  }

  static func parseVariants(_ parsed: ParsedArguments, default names: [String], spec: CommandSpec)
    throws(UsageError) -> [AlignmentVariant]
  {
    try parsed.list(
      "--variants", default: names,
      expectation: "one of " + AlignmentVariant.builtIn.map(\.name).joined(separator: ", "),
      spec: spec
    ) { name in AlignmentVariant.builtIn.first { $0.name == name } }
  }

  /// `--conditions`, a comma-separated list of attack conditions from `choices`.
  static func conditions(default values: [AttackCondition], choices: [AttackCondition])
    -> OptionSpec
  {
    OptionSpec(
      name: "--conditions", valueName: "C,C",
      help: "Attack conditions (default \(values.map(\.rawValue).joined(separator: ","))): "
        + choices.map(\.rawValue).joined(separator: ", ") + ".")
  }

  static func parseConditions(
    _ parsed: ParsedArguments, default values: [AttackCondition], choices: [AttackCondition],
    spec: CommandSpec
  ) throws(UsageError) -> [AttackCondition] {
    try parsed.list(
      "--conditions", default: values.map(\.rawValue),
      expectation: "one of " + choices.map(\.rawValue).joined(separator: ", "), spec: spec
    ) { name in choices.first { $0.rawValue == name } }
  }

  static func condition(default value: AttackCondition) -> OptionSpec {
    OptionSpec(
      name: "--condition", valueName: "C",
      help:
        "Attack condition: \(AttackCondition.allCases.map(\.rawValue).joined(separator: ", ")) (default \(value.rawValue))."
    )
  }

  static func parseVariant(_ parsed: ParsedArguments, spec: CommandSpec) throws(UsageError)
    -> AlignmentVariant
  {
    let name = try parsed.choice(
      "--variant", default: "rigid", from: AlignmentVariant.builtIn.map(\.name), spec: spec)
    return AlignmentVariant.builtIn.first { $0.name == name }!
  }

  static func parseCondition(
    _ parsed: ParsedArguments, default value: AttackCondition, spec: CommandSpec
  ) throws(UsageError) -> AttackCondition {
    AttackCondition(
      rawValue: try parsed.choice(
        "--condition", default: value.rawValue,
        from: AttackCondition.allCases.map(\.rawValue), spec: spec))!
  }

  /// Reads a request typed on the command line with ``RequestReader`` (the same way for
  /// `inspect`, `tree`, `sample` and `chat`): what the reader changed goes to `log`, an
  /// unknown word is a usage error naming `option` with the nearest known words.
  static func readRequest(
    _ text: String, world: World, option: String, spec: CommandSpec, log: ProgressLog
  ) throws(UsageError) -> [Int] {
    do {
      let reading = try RequestReader(world: world).read(text)
      for change in reading.changes { log("(read \(change))") }
      return reading.tokens
    } catch {
      throw UsageError(message: "\(option): \(error)", command: spec)
    }
  }

  static let threads = OptionSpec(
    name: "--threads", valueName: "N",
    help: "Worker threads (default: all cores). Results do not depend on it.")

  static func parseFamilies(_ parsed: ParsedArguments, spec: CommandSpec, allowBoth: Bool)
    throws(UsageError) -> [ModelFamily]
  {
    let text = try parsed.choice(
      "--model", default: allowBoth ? "both" : families[0],
      from: familyChoices(allowBoth: allowBoth), spec: spec)
    return text == "both" ? ModelFamily.allCases : [ModelFamily(rawValue: text)!]
  }

  static func parseThreads(_ parsed: ParsedArguments, spec: CommandSpec) throws(UsageError) -> Int {
    try parsed.integer(
      "--threads", default: ProcessInfo.processInfo.activeProcessorCount, in: 1...256, spec: spec)
  }
}
