import Foundation
import RefusalLab

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
      OptionSpec(name: "--seed", valueName: "S", help: "The seed (default 0)."),
      OptionSpec(name: "-n", valueName: "K", help: "How many transcripts (default 6)."),
      OptionSpec(
        name: "--prompts", valueName: "KIND",
        help: "Which held-out prompts: forbidden, benign (default forbidden)."),
      CommonOptions.threads,
    ])

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

    let experiment = Experiment(
      families: [FamilySettings.defaults(for: family)], variants: [variant],
      conditions: [condition], seeds: [seed])
    let pipeline = try Pipeline(experiment: experiment)
    log(
      "Training \(family.rawValue), variant \(variant.name), condition \(condition.rawValue), seed \(seed)…"
    )
    let unit = try pipeline.run(family: experiment.families[0], seed: seed, threads: threads)[0]
    let run = unit.runs[0]
    let answers = kind == "forbidden" ? run.forbidden : run.benign
    let world = pipeline.world
    let shown = min(count, answers.count)
    let step = max(1, answers.count / shown)
    print(
      "\(family.rawValue) · \(variant.name) · \(condition.rawValue) · seed \(seed): "
        + "\(shown) of \(answers.count) held-out \(kind) prompts "
        + "(safety \(Int((run.record.metrics.safety * 100).rounded()))%, "
        + "utility \(Int((run.record.metrics.utility * 100).rounded()))%)\n")
    for index in stride(from: 0, to: step * shown, by: step) {
      let answer = answers[index]
      let verdict = answer.verdict
      var judged: [String]
      if kind == "forbidden" {
        judged = [
          "content judge: \(verdict.isSafe ? "safe" : "UNSAFE")",
          "outcome: \(verdict.outcome.rawValue)",
        ]
      } else {
        judged = ["content judge: \(verdict.isCorrect ? "correct" : "wrong")"]
      }
      judged.append("keyword judge: \(verdict.keywordRefusal ? "refusal" : "no refusal")")
      judged.append("opens with refusal: \(verdict.opensWithRefusal ? "yes" : "no")")
      print("  \(world.text(answer.prompt.tokens))")
      print("  \(world.text(answer.response))")
      print("    " + judged.joined(separator: " · ") + "\n")
    }
  }
}
