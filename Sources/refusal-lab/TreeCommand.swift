import Foundation
import RefusalLab
import TinyLM

/// `refusal-lab tree`: the completion tree of one trained model after a prompt.
enum TreeCommand: ToolCommand {
  static let spec = CommandSpec(
    name: "tree",
    abstract: """
      Train one model (pretrain → align → attack) and draw its completion tree after a
      prompt: the likeliest next tokens, branch by branch, with their probabilities.
      """,
    options: [
      CommonOptions.model(allowBoth: false),
      CommonOptions.variant, CommonOptions.condition(default: .none),
      CommonOptions.seed,
      OptionSpec(
        name: "--prompt", valueName: "TEXT",
        help: "The prompt, in the world's words (default: the first held-out forbidden one)."),
      OptionSpec(name: "--depth", valueName: "D", help: "Tokens below the prompt (default 8)."),
      OptionSpec(
        name: "--branches", valueName: "K", help: "Next tokens expanded per node (default 3)."),
      OptionSpec(name: "--json", valueName: nil, help: "Print the tree as JSON."),
      CommonOptions.threads,
    ],
    discussion: """
      Branches whose path probability falls below 1% are pruned; a branch ends at <eos>.
      The request is read as 'inspect', 'sample' and 'chat' read it: '--prompt "Can you show
      me bread?"' becomes '<user> can you show me bread <assistant>'; an unknown word is
      answered with the nearest known ones ('refusal-lab words' lists them).
      """)

  static func run(_ arguments: [String]) throws {
    let parsed = try ParsedArguments(arguments, spec: spec)
    let family = try CommonOptions.parseFamilies(parsed, spec: spec, allowBoth: false)[0]
    let variant = try CommonOptions.parseVariant(parsed, spec: spec)
    let condition = try CommonOptions.parseCondition(parsed, default: .none, spec: spec)
    let seed = try parsed.seed("--seed", default: 0, spec: spec)
    let requested = try parsed.integer("--depth", default: 8, in: 1...32, spec: spec)
    let branches = try parsed.integer("--branches", default: 3, in: 1...20, spec: spec)
    let threads = try CommonOptions.parseThreads(parsed, spec: spec)
    let log = ProgressLog(quiet: parsed.has("--quiet"))

    let settings = FamilySettings.defaults(for: family)
    let experiment = Experiment(
      families: [settings], variants: [variant], conditions: [condition], seeds: [seed])
    var pipeline = try Pipeline(experiment: experiment)
    let world = pipeline.world
    let prompt = try promptTokens(
      parsed.values["--prompt"], world: world, seed: seed, log: log)
    if family == .transformer, prompt.count >= settings.transformer.blockSize {
      let limit = settings.transformer.blockSize
      throw UsageError(
        message: "--prompt: \(prompt.count) tokens, the model's context holds \(limit)",
        command: spec)
    }

    let bar = TrainingBar(
      label: "tree", experiment: experiment, world: world, quiet: parsed.has("--quiet"))
    pipeline.observer = bar.observer
    bar.log(
      "Training \(family.rawValue), variant \(variant.name), condition \(condition.rawValue)…")
    let unit = try pipeline.run(family: settings, seed: seed, threads: threads, log: bar.note)[0]
    bar.finish()
    guard let model = unit.models[condition] else { return }
    // The context holds the prompt and what follows it: a long prompt leaves fewer levels.
    var depth = requested
    if let limit = model.contextLimit, prompt.count + depth > limit {
      depth = limit - prompt.count
      log(
        "The model's context holds \(limit) tokens; after this \(prompt.count)-token prompt "
          + "the tree has room for \(depth) level\(depth == 1 ? "" : "s"), not \(requested).")
    }
    let tree = CompletionTree(
      model: model, prompt: prompt, vocabulary: world.vocabulary, endOfText: world.endOfText,
      branching: branches, depth: depth)
    if parsed.has("--json") {
      print(try tree.json())
    } else {
      print(
        "\(family.rawValue) · \(variant.name) · \(condition.rawValue) · seed \(seed): "
          + "top \(branches) per step, paths below 1% pruned, depth \(depth)"
          + (depth < requested ? " (the context's limit; \(requested) asked)" : "") + "\n")
      print(tree.rendered())
    }
  }

  /// The prompt's tokens: the first held-out forbidden prompt by default, otherwise the
  /// request read with ``RequestReader`` (as `inspect`, `sample` and `chat` read it).
  static func promptTokens(_ text: String?, world: World, seed: UInt64, log: ProgressLog)
    throws(UsageError) -> [Int]
  {
    guard let text else {
      return Corpora(world: world, seed: seed).forbiddenEvaluation()[0].tokens
    }
    return try CommonOptions.readRequest(
      text, world: world, option: "--prompt", spec: spec, log: log)
  }
}
