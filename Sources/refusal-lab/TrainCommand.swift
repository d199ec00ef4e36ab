import Foundation
import RefusalLab
import TinyLM

/// `refusal-lab train`: train one model through every stage and save it.
enum TrainCommand: ToolCommand {
  static let spec = CommandSpec(
    name: "train",
    abstract: """
      Train one model through pretrain → align → attack and save the final model: the
      transformer as a safetensors checkpoint in nanoGPT's layout, the n-gram as JSON.
      """,
    options: [
      OptionSpec(
        name: "--model", valueName: "FAMILY",
        help:
          "Model family: \(CommonOptions.families.joined(separator: ", ")) (default transformer)."),
      CommonOptions.variant, CommonOptions.condition(default: .none),
      CommonOptions.seed,
      OptionSpec(name: "--out", valueName: "FILE", help: "Where to write the model (required)."),
      CommonOptions.threads,
    ])

  static func run(_ arguments: [String]) throws {
    let parsed = try ParsedArguments(arguments, spec: spec)
    let familyName = try parsed.choice(
      "--model", default: ModelFamily.transformer.rawValue, from: CommonOptions.families,
      spec: spec)
    let family = ModelFamily(rawValue: familyName)!
    let variant = try CommonOptions.parseVariant(parsed, spec: spec)
    let condition = try CommonOptions.parseCondition(parsed, default: .none, spec: spec)
    let seed = try parsed.seed("--seed", default: 0, spec: spec)
    let threads = try CommonOptions.parseThreads(parsed, spec: spec)
    guard let out = parsed.values["--out"], !out.isEmpty else {
      throw UsageError(message: "--out: a file to write the model to is required", command: spec)
    }
    // An n-gram checkpoint is JSON, a transformer's safetensors.
    try FilePaths.checkOutput(
      out, option: "--out", extensions: [family == .ngram ? "json" : "safetensors"], spec: spec)
    let url = URL(fileURLWithPath: out)
    let settings = FamilySettings.defaults(for: family)
    let experiment = Experiment(
      families: [settings], variants: [variant], conditions: [condition], seeds: [seed])
    var pipeline = try Pipeline(experiment: experiment)
    let bar = TrainingBar(
      label: "train", experiment: experiment, world: pipeline.world, quiet: parsed.has("--quiet"))
    pipeline.observer = bar.observer
    let unit = try pipeline.run(family: settings, seed: seed, threads: threads, log: bar.note)[0]
    bar.finish()
    let vocabulary = pipeline.world.vocabulary.tokens
    let metadata = [
      "refusallab": "variant=\(variant.name) condition=\(condition.rawValue) seed=\(seed)"
    ]
    switch unit.models[condition] {
    case let model as TransformerModel:
      try model.save(to: url, vocabulary: vocabulary, metadata: metadata)
    case let model as NGramModel:
      try model.save(to: url, vocabulary: vocabulary)
    default:
      throw UsageError(message: "--model: this family cannot be saved", command: spec)
    }
    let metrics = unit.runs[0].record.metrics
    print(
      "\(family.rawValue) · \(variant.name) · \(condition.rawValue) · seed \(seed): "
        + "safety \(TextFormatting.percent(metrics.safety))%, "
        + "keyword refusal \(TextFormatting.percent(metrics.keywordRefusal))%, "
        + "utility \(TextFormatting.percent(metrics.utility))%")
    print("saved \(url.path)")
  }
}
