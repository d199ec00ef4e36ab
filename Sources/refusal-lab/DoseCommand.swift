import Foundation
import RefusalLab

/// `refusal-lab dose`: safety vs the attack's size (samples and epochs), per variant.
enum DoseCommand: ToolCommand {
  static let spec = CommandSpec(
    name: "dose",
    abstract: """
      Dose-response: pretrain and align each variant once per seed, then attack copies of the
      aligned model with more or fewer samples and epochs, and print safety per dose.
      """,
    options: [
      CommonOptions.model(allowBoth: false),
      CommonOptions.variants(default: AlignmentVariant.builtIn.map(\.name)),
      CommonOptions.conditions(default: conditionDefaults, choices: conditionChoices),
    ] + CommonOptions.seeds(default: 5) + [
      OptionSpec(
        name: "--samples", valueName: "N,N",
        help:
          "Attack sample counts, at the family's attack epochs (default 10,30,100,300,1000,3000)."),
      OptionSpec(
        name: "--epochs", valueName: "E,E",
        help: "Attack epochs, at 1,000 samples (default 1,2,3,5,8)."),
      OptionSpec(
        name: "--json", valueName: nil, help: "Print one JSON document instead of tables."),
      CommonOptions.threads,
      ReportOption.spec,
    ],
    discussion: """
      Rows are doses, columns variants; each cell is safety % (mean ± 95% t-interval over
      seeds). The first row is the aligned model before any attack. Each seed pretrains once
      and aligns once per variant; every dose attacks a fresh copy of the aligned model. The
      n-gram runs in seconds; the transformer takes about a minute per seed for two variants
      (try --model transformer --variants rigid,deep --seeds 1).
      """)

  private static let conditionDefaults: [AttackCondition] = [.refusalUnlearning, .randomPrefix]
  /// Every condition but `none`: a dose is an attack.
  private static let conditionChoices = AttackCondition.allCases.filter { $0 != .none }

  static func run(_ arguments: [String]) throws {
    let parsed = try ParsedArguments(arguments, spec: spec)
    let family = try CommonOptions.parseFamilies(parsed, spec: spec, allowBoth: false)[0]
    let variants = try CommonOptions.parseVariants(
      parsed, default: AlignmentVariant.builtIn.map(\.name), spec: spec)
    let conditions = try CommonOptions.parseConditions(
      parsed, default: conditionDefaults, choices: conditionChoices, spec: spec)
    let seeds = try parsed.seeds(default: 5, spec: spec)
    let samples = try parsed.list(
      "--samples", default: DoseResponse.Configuration.standardSampleCounts.map(String.init),
      expectation: "an integer in 1…100000", spec: spec
    ) { Int($0).flatMap { (1...100_000).contains($0) ? $0 : nil } }
    let epochs = try parsed.list(
      "--epochs", default: DoseResponse.Configuration.standardEpochCounts.map(String.init),
      expectation: "an integer in 1…100", spec: spec
    ) { Int($0).flatMap { (1...100).contains($0) ? $0 : nil } }
    let threads = try CommonOptions.parseThreads(parsed, spec: spec)
    let report = try ReportOption.parse(parsed, spec: spec)
    let bar = ProgressBar(
      label: "dose", unit: "attacks", mode: ProgressBar.standardMode(quiet: parsed.has("--quiet")))

    let configuration = DoseResponse.Configuration(
      family: .defaults(for: family), variants: variants, conditions: conditions,
      seeds: seeds, sampleCounts: samples,
      epochCounts: epochs)
    let sweep: DoseResponse
    do {
      sweep = try DoseResponse(configuration: configuration)
    } catch {
      throw UsageError(message: error.description, command: spec)
    }
    bar.log(
      "Dose-response: \(family.rawValue), \(variants.count) variant(s) × "
        + "\(configuration.doses.count) doses × \(conditions.count) condition(s), "
        + "\(seeds.count) seed\(seeds.count == 1 ? "" : "s") on \(threads) thread\(threads == 1 ? "" : "s")…"
    )
    // Each seed trains one attack per variant, dose and condition; its log names each.
    let attacks =
      configuration.seeds.count * variants.count * configuration.doses.count
      * conditions.count
    let done = Counter()
    let points = try sweep.run(threads: threads) { line in
      let what = line.trimmingCharacters(in: .whitespaces)
      if line.contains(": attack ") {
        bar.update(done: done.increment(), total: attacks, what: what)
      } else {
        bar.note(what)
      }
    }
    bar.finish()
    print(parsed.has("--json") ? try sweep.json(points) : sweep.table(points))
    if let report {
      let folder = URL(fileURLWithPath: report)
      try DoseReport(
        configuration: configuration, points: points, command: ReportOption.commandLine()
      ).write(to: folder)
      ReportOption.announce(folder, json: parsed.has("--json"), quiet: parsed.has("--quiet"))
    }
  }
}
