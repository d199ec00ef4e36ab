import Foundation
import RefusalLab

/// `refusal-lab demo`: the classroom run.
enum DemoCommand: ToolCommand {
  static let spec = CommandSpec(
    name: "demo",
    abstract: """
      The classroom run: pretrain, align and attack every model family over several seeds,
      then print the table, the takeaway and one prompt answered before and after the attack.
      """,
    options: [
      CommonOptions.model(allowBoth: true)
    ] + CommonOptions.seeds(default: 5) + [
      CommonOptions.threads,
      OptionSpec(
        name: "--json", valueName: nil,
        help: "Print one JSON document with a record per trained run instead of the table."),
      ReportOption.spec,
      TimingsOption.spec,
    ],
    discussion: "Progress goes to stderr; the report (or JSON) to stdout.")

  static func run(_ arguments: [String]) throws {
    let parsed = try ParsedArguments(arguments, spec: spec)
    let families = try CommonOptions.parseFamilies(parsed, spec: spec, allowBoth: true)
    let seeds = try parsed.seeds(default: 5, spec: spec)
    let seedCount = seeds.count
    let threads = try CommonOptions.parseThreads(parsed, spec: spec)
    let report = try ReportOption.parse(parsed, spec: spec)
    let bar = ProgressBar(
      label: "demo", mode: ProgressBar.standardMode(quiet: parsed.has("--quiet")))

    let experiment = Experiment.demo(families: families, seeds: seeds)
    let pipeline = try Pipeline(experiment: experiment)
    bar.log(
      "Training \(families.map(\.rawValue).joined(separator: " and ")) models for "
        + "\(seedCount) seed\(seedCount == 1 ? "" : "s") on \(threads) thread\(threads == 1 ? "" : "s")…"
    )
    try runAndReport(
      experiment, pipeline: pipeline, threads: threads, json: parsed.has("--json"), bar: bar,
      report: report, timings: parsed.has("--timings"))
  }
}
