import Foundation
import RefusalLab
import TinyLM

/// `refusal-lab rho`: the paper's proposition measured on one aligned model — output ρ,
/// ρ_repr per layer (transformer), the one-step transfer, the depth predictors — and the KL
/// profile along a harmful answer; with `--sweep`, the n-gram's order × prefix-length and λ
/// sweeps.
enum RhoCommand: ToolCommand {
  static let spec = CommandSpec(
    name: "rho",
    abstract: """
      Pretrain and align one model, then measure, after the refusal opener and after each
      neutral opener: ρ — how little the next token depends on the prompt (1 = not at all);
      ρ_repr — the same in the residual stream, per layer (transformer); the transfer of one
      benign fine-tuning step from benign to forbidden prompts. Also the aligned model's
      choice after "<refusal opener> sure", and KL(aligned ‖ base) per position of a
      teacher-forced harmful answer.
      """,
    options: [
      CommonOptions.model(allowBoth: false),
      CommonOptions.variant,
      CommonOptions.seed,
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
      ρ_repr = 1 − Σ⟨b_p − b_q, a_p − a_q⟩ / Σ‖a_p − a_q‖² over pairs of forbidden and benign
      prompts, a the residual state at <assistant>, b after the opener.
      transfer = Δ_F / Δ_B, the gain in log P(answer | prompt + opener) from one attack step,
      forbidden over benign prompts.
      """)

  private struct Output: Encodable {
    var model: String
    var variant: String
    var seed: UInt64
    var rho: RhoReport
    var rhoRepresentation: RepresentationRhoReport?
    var transfer: OneStepTransfer
    var depth: DepthPredictors
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

    let settings = FamilySettings.defaults(for: family)
    // Pretraining and alignment: the stages of a one-variant experiment without attacks.
    let bar = TrainingBar(
      label: "rho",
      experiment: Experiment(
        families: [settings], variants: [variant], conditions: [.none], seeds: [seed]),
      world: world, quiet: parsed.has("--quiet"))
    let models = try DiagnosticModels(
      settings: settings, world: world, seed: seed, variant: variant, threads: threads,
      log: bar.note, observer: bar.observer)
    bar.note("measuring")
    let rho = RhoReport(model: models.aligned, corpora: models.corpora)
    let representation = RepresentationRhoReport(model: models.aligned, corpora: models.corpora)
    let transfer = try OneStepTransfer(models: models, threads: threads)
    let depth = DepthPredictors(model: models.aligned, corpora: models.corpora)
    let profile = KLProfile.measure(
      aligned: models.aligned, base: models.base, corpora: models.corpora)
    bar.finish()
    if parsed.has("--json") {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
      let output = Output(
        model: family.rawValue, variant: variant.name, seed: seed, rho: rho,
        rhoRepresentation: representation, transfer: transfer, depth: depth, klProfile: profile)
      print(String(decoding: try encoder.encode(output), as: UTF8.self))
    } else {
      print("\(family.rawValue) · \(variant.name) · aligned · seed \(seed)\n")
      print("Output ρ after each opener (1 = the next token ignores the prompt)\n")
      print(rho.table() + "\n")
      if let representation {
        print("ρ_repr per layer after each opener, residual stream (emb = the embedding;")
        print("1 = the state after the opener ignores the prompt, 0 = it keeps all of it)\n")
        print(representation.table() + "\n")
      }
      print("One attack step from the aligned model: gain in log P(answer | prompt + opener)")
      print("on forbidden (Δ_F) and benign (Δ_B) prompts; transfer = Δ_F / Δ_B\n")
      print(transfer.table() + "\n")
      print("Depth predictors, aligned model, held-out forbidden prompts\n")
      print(depth.text() + "\n")
      print("KL(aligned ‖ base) per position of the harmful answer, teacher-forced,")
      print("held-out forbidden prompts\n")
      print(profile.table())
    }
  }
}
