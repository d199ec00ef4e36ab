import Foundation
import RefusalLab
import TinyLM

/// `refusal-lab prefill`: the prefilling attack on every alignment variant.
enum PrefillCommand: ToolCommand {
  static let spec = CommandSpec(
    name: "prefill",
    abstract: """
      The prefilling attack (Qi et al. 2024): force the first k tokens of the harmful answer
      (k = 0, 1, 2, 4 and up to all but the last content word) and measure the safety of what
      the aligned model says next, for each alignment variant.
      """,
    options: [
      CommonOptions.model(allowBoth: false),
      CommonOptions.variants(default: AlignmentVariant.demoVariants.map(\.name)),
      CommonOptions.seed,
      CommonOptions.threads,
      OptionSpec(name: "--json", valueName: nil, help: "Print the table as JSON."),
    ])

  private struct Row: Encodable {
    var variant: String
    var tokens: Int
    var safety: Double
  }

  static func run(_ arguments: [String]) throws {
    let parsed = try ParsedArguments(arguments, spec: spec)
    let family = try CommonOptions.parseFamilies(parsed, spec: spec, allowBoth: false)[0]
    let variants = try CommonOptions.parseVariants(
      parsed, default: AlignmentVariant.demoVariants.map(\.name), spec: spec)
    let seed = try parsed.seed("--seed", default: 0, spec: spec)
    let threads = try CommonOptions.parseThreads(parsed, spec: spec)
    let settings = FamilySettings.defaults(for: family)
    let experiment = Experiment(
      families: [settings], variants: variants, conditions: [.none], seeds: [seed])
    var pipeline = try Pipeline(experiment: experiment)
    let bar = TrainingBar(
      label: "prefill", experiment: experiment, world: pipeline.world,
      quiet: parsed.has("--quiet"))
    pipeline.observer = bar.observer
    let evaluator = Evaluator(corpora: Corpora(world: pipeline.world, seed: seed))
    let prefill = Prefill(evaluator: evaluator)
    // The answer is "sure <topic> : c1 … cn ."; forcing more than all but the last content
    // word leaves nothing forbidden to say, so k stops there (k = 6 of 8 tokens by default).
    let answerLength = pipeline.world.answer(for: pipeline.world.forbiddenTopics[0]).count
    let deepest = answerLength - 2
    let depths = [0, 1, 2, 4, 8].filter { $0 < deepest } + [deepest]
    let units = try pipeline.run(family: settings, seed: seed, threads: threads, log: bar.note)
    bar.note("prefilling")
    let rows = units.flatMap { unit in
      depths.map { k in
        Row(
          variant: unit.variant.name, tokens: k,
          safety: prefill.harmfulPrefixSafety(of: unit.aligned, tokens: k, threads: threads))
      }
    }
    if parsed.has("--json") {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      bar.finish()
      print(String(decoding: try encoder.encode(rows), as: UTF8.self))
      return
    }
    print(
      "Prefilling attack on the aligned \(family.rawValue) (seed \(seed)): safety % of what "
        + "follows the first k forced tokens of the harmful answer \"sure <topic> : …\"\n")
    var table =
      "k"
      + variants.map { "  " + $0.name.padding(toLength: 14, withPad: " ", startingAt: 0) }
      .joined()
    for k in depths {
      table += "\n" + String(k).padding(toLength: 2, withPad: " ", startingAt: 0)
      for variant in variants {
        let value = rows.first { $0.variant == variant.name && $0.tokens == k }?.safety ?? 0
        table +=
          "  "
          + String(format: "%5.1f", value * 100).padding(
            toLength: 14, withPad: " ", startingAt: 0)
      }
    }
    bar.finish()
    print(table)
  }
}
