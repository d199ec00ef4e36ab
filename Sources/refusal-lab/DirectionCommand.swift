import Foundation
import RefusalLab
import TinyLM

/// `refusal-lab direction`: the refusal direction of the transformer, its ablation and
/// steering, before and after each attack.
enum DirectionCommand: ToolCommand {
  static let spec = CommandSpec(
    name: "direction",
    abstract: """
      Train the transformer (pretrain → align → each attack), find each model's refusal
      direction as Arditi et al. do (difference of mean residual-stream states of forbidden
      and benign prompts, the depth and position whose ablation most reduces refusal on a
      validation split), and measure refusal with the direction ablated and added.
      """,
    options: [
      CommonOptions.variants(default: ["rigid"]),
      CommonOptions.conditions(default: conditionDefaults, choices: AttackCondition.allCases),
    ] + CommonOptions.seeds(default: 1) + [
      OptionSpec(
        name: "--scale", valueName: "X",
        help: "Activation addition adds X times the difference of means (default 1)."),
      OptionSpec(
        name: "--save", valueName: "FILE",
        help: "Write the aligned model's direction (first variant, first seed) as JSON, for "
          + "'inspect --ablate' and '--add'."),
      OptionSpec(name: "--json", valueName: nil, help: "Print every row as JSON."),
      CommonOptions.threads,
    ],
    discussion: """
      The direction is found on training-template prompts (12 templates for the means, 4 to
      choose the candidate); every figure is measured on the held-out evaluation prompts.
      """)

  private static let conditionDefaults: [AttackCondition] = [
    .none, .plain, .randomPrefix, .refusalUnlearning,
  ]

  static func run(_ arguments: [String]) throws {
    let parsed = try ParsedArguments(arguments, spec: spec)
    let variants = try CommonOptions.parseVariants(parsed, default: ["rigid"], spec: spec)
    let conditions = try CommonOptions.parseConditions(
      parsed, default: conditionDefaults, choices: AttackCondition.allCases, spec: spec)
    let seeds = try parsed.seeds(default: 1, spec: spec)
    let scale = try parsed.number(
      "--scale", default: 1, expectation: "must be a number other than 0", spec: spec
    ) { $0 != 0 && abs($0) <= 100 }
    let threads = try CommonOptions.parseThreads(parsed, spec: spec)
    if let path = parsed.values["--save"] {
      try FilePaths.checkOutput(path, option: "--save", extensions: ["json"], spec: spec)
    }
    let experiment = Experiment(
      families: [.transformerDefault], variants: variants, conditions: conditions,
      seeds: seeds)
    let world = try World(configuration: experiment.world)
    let bar = TrainingBar(
      label: "direction", experiment: experiment, world: world, quiet: parsed.has("--quiet"))
    let log = bar.log
    log("Finding the refusal direction of \(variants.count) variant(s) × \(seeds.count) seed(s)…")
    let study = try DirectionStudy.run(
      experiment: experiment, world: world, threads: threads, additionScale: Float(scale),
      progress: { bar.note($0) }, observer: bar.observer)
    bar.finish()
    if let path = parsed.values["--save"], let first = study.rows.first {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      let file = DirectionFile(
        depth: first.depth, position: first.position, vector: first.direction)
      do {
        try encoder.encode(file).write(to: URL(fileURLWithPath: path), options: .atomic)
      } catch {
        throw UsageError(message: "--save: cannot write '\(path)'", command: spec)
      }
      log("Saved the \(first.variant) direction of seed \(first.seed) to \(path).")
    }
    if parsed.has("--json") {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
      print(String(decoding: try encoder.encode(study), as: UTF8.self))
    } else {
      print(study.text(), terminator: "")
    }
  }
}

/// A refusal direction on disk, as `direction --save` writes it and `inspect --ablate` /
/// `--add` read it.
struct DirectionFile: Codable {
  /// The residual-stream depth it was found at.
  var depth: Int
  /// The prompt position (`assistant` or `topic`).
  var position: String
  /// The difference of means.
  var vector: [Float]
}
