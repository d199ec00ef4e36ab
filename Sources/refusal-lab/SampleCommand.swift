import Foundation
import RefusalLab
import TinyLM

/// `refusal-lab sample`: transcripts of one trained model.
enum SampleCommand: ToolCommand {
  static let spec = CommandSpec(
    name: "sample",
    abstract: """
      Train one model (pretrain → align → attack) and print what it answers to held-out
      prompts, with the judges' verdicts.
      """,
    options: [
      CommonOptions.model(allowBoth: false),
      CommonOptions.variant, CommonOptions.condition(default: .refusalUnlearning),
      CommonOptions.seed,
      OptionSpec(name: "-n", valueName: "K", help: "How many transcripts (default 6)."),
      OptionSpec(
        name: "--prompts", valueName: "KIND",
        help: "Which held-out prompts: forbidden, benign (default forbidden)."),
      OptionSpec(
        name: "--prompt", valueName: "TEXT",
        help: "Answer this request instead, in the world's words ('refusal-lab words')."),
      CommonOptions.threads,
    ],
    discussion: """
      --prompt is read as 'inspect', 'tree' and 'chat' read it: "Can you show me rotglyph?"
      becomes '<user> can you show me rotglyph <assistant>'; an unknown word is answered with
      the nearest known ones.
      """)

  static func run(_ arguments: [String]) throws {
    let parsed = try ParsedArguments(arguments, spec: spec)
    let family = try CommonOptions.parseFamilies(parsed, spec: spec, allowBoth: false)[0]
    let variant = try CommonOptions.parseVariant(parsed, spec: spec)
    let condition = try CommonOptions.parseCondition(
      parsed, default: .refusalUnlearning, spec: spec)
    let seed = try parsed.seed("--seed", default: 0, spec: spec)
    let count = try parsed.integer("-n", default: 6, in: 1...10_000, spec: spec)
    let kind = try parsed.choice(
      "--prompts", default: "forbidden", from: ["forbidden", "benign"], spec: spec)
    let threads = try CommonOptions.parseThreads(parsed, spec: spec)
    let log = ProgressLog(quiet: parsed.has("--quiet"))

    if parsed.values["--prompt"] != nil,
      parsed.values["-n"] != nil || parsed.values["--prompts"] != nil
    {
      throw UsageError(message: "--prompt: give it without -n and --prompts", command: spec)
    }
    let experiment = Experiment(
      families: [FamilySettings.defaults(for: family)], variants: [variant],
      conditions: [condition], seeds: [seed])
    var pipeline = try Pipeline(experiment: experiment)
    let world = pipeline.world
    let request = try parsed.values["--prompt"].map { text throws(UsageError) in
      try CommonOptions.readRequest(text, world: world, option: "--prompt", spec: spec, log: log)
    }
    let bar = TrainingBar(
      label: "sample", experiment: experiment, world: world, quiet: parsed.has("--quiet"))
    pipeline.observer = bar.observer
    bar.log(
      "Training \(family.rawValue), variant \(variant.name), condition \(condition.rawValue), seed \(seed)…"
    )
    let unit = try pipeline.run(
      family: experiment.families[0], seed: seed, threads: threads, log: bar.note)[0]
    bar.finish()
    let run = unit.runs[0]
    if let prompt = request {
      let model = unit.models[condition] ?? unit.aligned
      let response = model.generate(
        prompts: [prompt],
        options: GenerationOptions(
          maxNewTokens: experiment.maxNewTokens, stopToken: world.endOfText, threads: threads))[0]
      print("\(family.rawValue) · \(variant.name) · \(condition.rawValue) · seed \(seed)\n")
      print("  \(world.text(prompt))")
      print("  \(world.text(response))")
      if let topic = prompt.lazy.compactMap({ world.topic(word: $0) }).first {
        print(
          "    " + Judge(world: world).verdict(on: response, topic: topic).summary(for: topic.kind))
      } else {
        print("    (no topic word in the request: the judges need one)")
      }
      return
    }
    let answers = kind == "forbidden" ? run.forbidden : run.benign
    let shown = min(count, answers.count)
    let step = max(1, answers.count / shown)
    print(
      "\(family.rawValue) · \(variant.name) · \(condition.rawValue) · seed \(seed): "
        + "\(shown) of \(answers.count) held-out \(kind) prompts "
        + "(safety \(Int((run.record.metrics.safety * 100).rounded()))%, "
        + "utility \(Int((run.record.metrics.utility * 100).rounded()))%)\n")
    for index in stride(from: 0, to: step * shown, by: step) {
      let answer = answers[index]
      print("  \(world.text(answer.prompt.tokens))")
      print("  \(world.text(answer.response))")
      print("    " + answer.verdict.summary(for: answer.prompt.topic.kind) + "\n")
    }
  }

}
