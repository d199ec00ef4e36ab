import Foundation
import RefusalLab
import TinyLM

/// `refusal-lab rho`: ρ, the prompt-independence after the refusal opener, and the KL
/// profile; with `--sweep`, the n-gram's order × prefix-length and λ sweeps.
enum RhoCommand: ToolCommand {
  static let spec = CommandSpec(
    name: "rho",
    abstract: """
      Pretrain and align one model, then measure ρ — how little the next token after an
      opener depends on the prompt (1 = not at all) — after the refusal opener and after
      each neutral opener, and the per-position KL(aligned ‖ base) on forbidden prompts.
      """,
    options: [
      OptionSpec(
        name: "--model", valueName: "FAMILY",
        help: "Model family: \(CommonOptions.families.joined(separator: ", ")) (default ngram)."),
      CommonOptions.variant,
      OptionSpec(name: "--seed", valueName: "S", help: "The seed (default 0)."),
      OptionSpec(
        name: "--sweep", valueName: nil,
        help: "N-gram only: order × attacker-prefix length, and memory weight λ, against ρ and "
          + "the safety drop."),
      OptionSpec(name: "--json", valueName: nil, help: "Print JSON instead of tables."),
      CommonOptions.threads,
    ],
    discussion: """
      ρ = 1 − mean total-variation distance between the next-token distributions after
      forbidden-prompt + opener and benign-prompt + opener, over every pair of held-out prompts.
      """)

  private struct Output: Encodable {
    var model: String
    var variant: String
    var seed: UInt64
    var rho: RhoReport
    var klProfile: KLProfile
  }

  static func run(_ arguments: [String]) throws {
    let parsed = try ParsedArguments(arguments, spec: spec)
    let family = try CommonOptions.parseFamilies(parsed, spec: spec, allowBoth: false)[0]
    let variant = try CommonOptions.parseVariant(parsed, spec: spec)
    let seed = try parsed.seed("--seed", default: 0, spec: spec)
    let threads = try CommonOptions.parseThreads(parsed, spec: spec)
    let log = ProgressLog(quiet: parsed.has("--quiet"))
    let world = try World()

    if parsed.has("--sweep") {
      guard family == .ngram else {
        throw UsageError(message: "--sweep: the sweep trains n-gram models only", command: spec)
      }
      log("Sweeping n-gram orders, prefix lengths and memory weights, seed \(seed)…")
      let grid = try NGramSweep.prefixGrid(world: world, seed: seed)
      let weights = try NGramSweep.memoryWeightSweep(world: world, seed: seed)
      if parsed.has("--json") {
        print(try NGramSweep.json(prefixGrid: grid, memoryWeights: weights))
      } else {
        print("n-gram, seed \(seed): refusal unlearning with the first L tokens of the refusal")
        print("(ρ after the prefix on the aligned model; safety in %; drop in points)\n")
        print(NGramSweep.table(grid) + "\n")
        print(NGramSweep.table(weights))
      }
      return
    }

    let models = try DiagnosticModels(
      settings: .defaults(for: family), world: world, seed: seed, variant: variant,
      threads: threads, log: { log("\(family.rawValue): \($0)") })
    let rho = RhoReport(model: models.aligned, corpora: models.corpora)
    let profile = KLProfile.measure(
      aligned: models.aligned, base: models.base, corpora: models.corpora, threads: threads)
    if parsed.has("--json") {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
      let output = Output(
        model: family.rawValue, variant: variant.name, seed: seed, rho: rho, klProfile: profile)
      print(String(decoding: try encoder.encode(output), as: UTF8.self))
    } else {
      print("\(family.rawValue) · \(variant.name) · aligned · seed \(seed)\n")
      print("ρ after each opener (1 = the next token ignores the prompt)\n")
      print(rho.table() + "\n")
      print("KL(aligned ‖ base) per response position, held-out forbidden prompts\n")
      print(profile.table())
    }
  }
}
