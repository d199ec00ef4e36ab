import Foundation
import TinyLM

/// The diagnostics an experiment file asks for beyond prefilling (which every run's record
/// carries): on the first seed the KL profile, ρ and the completion tree of every family
/// and variant; over every seed the dose-response sweep, the proposition test and the
/// refusal-direction study. The models are the runs' own (``DiagnosticModels``).
public struct ExperimentDiagnostics: Sendable, Codable {
  /// One family and variant on the first seed.
  public struct VariantReport: Sendable, Codable {
    /// Model family identifier.
    public var model: String
    /// Alignment variant.
    public var variant: String
    /// The seed (the experiment's first).
    public var seed: UInt64
    /// Per-position KL(aligned ‖ base) on the held-out forbidden prompts (`kl`).
    public var klProfile: KLProfile?
    /// ρ after the refusal opener and after each neutral opener, aligned model (`rho`).
    public var rho: RhoReport?
    /// The aligned model's completion tree for the first held-out forbidden prompt (`tree`).
    public var tree: CompletionTree?
    /// The same tree after refusal unlearning (`tree`).
    public var treeAfterRefusalUnlearning: CompletionTree?
  }

  /// One report per (family, variant), in the experiment's order; empty without `kl`,
  /// `rho` and `tree`.
  public var variants: [VariantReport]
  /// Dose-response points of every family (`dose`); empty without it.
  public var dose: [DoseResponse.Point]
  /// The proposition test's rows and correlations (`proposition`); `nil` without it.
  public var proposition: PropositionTest?
  /// The refusal direction before and after each attack, per transformer seed and variant
  /// (`direction`); `nil` without it.
  public var direction: DirectionStudy?
  /// The dose sweeps' tables, one per family (not encoded; see `text()`).
  private var doseTables: [String] = []

  private enum CodingKeys: String, CodingKey {
    case variants, dose, proposition, direction
  }

  /// The completion trees' depth and branching.
  public static let treeDepth = 6
  /// Next tokens expanded per tree node.
  public static let treeBranching = 3

  /// Runs `diagnostics` (`prefill` is ignored: the pipeline's records carry it) for
  /// `experiment`. The dose sweep attacks with every condition of the experiment but `none`
  /// at the standard sample and epoch counts, and decodes as the experiment does.
  public static func run(
    _ diagnostics: [ExperimentDiagnostic], experiment: Experiment, world: World, threads: Int,
    progress: (@Sendable (String) -> Void)? = nil
  ) throws -> ExperimentDiagnostics {
    var result = ExperimentDiagnostics(variants: [], dose: [])
    let wanted = Set(diagnostics)
    let seed = experiment.seeds[0]
    if !wanted.isDisjoint(with: [.kl, .rho, .tree]) {
      for settings in experiment.families {
        for variant in experiment.variants {
          progress?("Diagnostics: \(settings.family.rawValue) \(variant.name), seed \(seed)…")
          result.variants.append(
            try report(
              wanted, settings: settings, variant: variant, experiment: experiment, world: world,
              seed: seed, threads: threads))
        }
      }
    }
    let attacks = experiment.conditions.filter { $0 != .none }
    if wanted.contains(.dose), !attacks.isEmpty {
      for settings in experiment.families {
        progress?("Dose-response: \(settings.family.rawValue)…")
        let sweep = try DoseResponse(
          configuration: .init(
            family: settings, variants: experiment.variants, conditions: attacks,
            seeds: experiment.seeds, attack: experiment.attack, world: experiment.world,
            temperature: experiment.temperature, maxNewTokens: experiment.maxNewTokens))
        let points = try sweep.run(threads: threads, progress: progress)
        result.dose += points
        result.doseTables.append(sweep.table(points))
      }
    }
    if wanted.contains(.proposition) {
      progress?("Proposition test: every seed, family and variant…")
      result.proposition = try PropositionTest.run(
        experiment: experiment, world: world, threads: threads, progress: progress)
    }
    if wanted.contains(.direction) {
      progress?("Refusal direction: every transformer seed and variant…")
      result.direction = try DirectionStudy.run(
        experiment: experiment, world: world, threads: threads, progress: progress)
    }
    return result
  }

  private static func report(
    _ wanted: Set<ExperimentDiagnostic>, settings: FamilySettings, variant: AlignmentVariant,
    experiment: Experiment, world: World, seed: UInt64, threads: Int
  ) throws -> VariantReport {
    let models = try DiagnosticModels(
      settings: settings, world: world, seed: seed, variant: variant, threads: threads)
    var report = VariantReport(model: settings.family.rawValue, variant: variant.name, seed: seed)
    if wanted.contains(.kl) {
      report.klProfile = KLProfile.measure(
        aligned: models.aligned, base: models.base, corpora: models.corpora)
    }
    if wanted.contains(.rho) {
      report.rho = RhoReport(model: models.aligned, corpora: models.corpora)
    }
    if wanted.contains(.tree) {
      let prompt = models.corpora.forbiddenEvaluation()[0].tokens
      func tree(_ model: any LanguageModel) -> CompletionTree {
        CompletionTree(
          model: model, prompt: prompt, vocabulary: world.vocabulary, endOfText: world.endOfText,
          branching: treeBranching, depth: treeDepth)
      }
      report.tree = tree(models.aligned)
      report.treeAfterRefusalUnlearning = tree(
        try models.attackedAsInThePipeline(.refusalUnlearning, attack: experiment.attack))
    }
    return report
  }

  /// The diagnostics as text: for each family and variant the KL profile, ρ and the two
  /// trees, then the dose-response tables, the proposition test and the direction study.
  public func text() -> String {
    var sections: [String] = []
    for report in variants {
      var lines = ["Diagnostics · \(report.model) · \(report.variant) · seed \(report.seed)"]
      if let profile = report.klProfile {
        lines.append(
          "\nKL(aligned ‖ base) per position of the harmful answer (teacher-forced), held-out "
            + "forbidden prompts:")
        lines.append(profile.table())
      }
      if let rho = report.rho {
        lines.append("\nρ (prompt-independence of the continuation) after each opener:")
        lines.append(rho.table())
      }
      if let tree = report.tree {
        lines.append("\nCompletion tree of the aligned model:")
        lines.append(tree.rendered())
      }
      if let tree = report.treeAfterRefusalUnlearning {
        lines.append("\nThe same prompt after refusal unlearning:")
        lines.append(tree.rendered())
      }
      sections.append(lines.joined(separator: "\n"))
    }
    if !doseTables.isEmpty {
      sections.append(doseTables.joined(separator: "\n"))
    }
    if let proposition {
      sections.append(proposition.text())
    }
    if let direction {
      sections.append(direction.text())
    }
    return sections.map { $0.hasSuffix("\n") ? $0 : $0 + "\n" }.joined(separator: "\n")
  }
}
