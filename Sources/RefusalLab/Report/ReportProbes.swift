import Foundation
import TinyLM

/// What the report reads from a pipeline's models while they are alive, on the first seed:
/// the training loss of every stage, each shown variant's completion trees, its KL profile
/// against the pretrained model, the prefilling curve, and the transformer's attention.
///
/// Attach ``observer`` to a ``Pipeline`` before ``Pipeline/runAll(threads:progress:)``; the
/// probes run on the worker that finished the unit, on its own models, so nothing is trained
/// twice and nothing a run reports changes. ``results`` orders what was collected by family
/// and variant, whatever order the workers finished in.
public final class ReportProbes: @unchecked Sendable {
  /// A training stage's loss per step.
  public struct LossCurve: Sendable, Hashable {
    /// The model family.
    public var family: ModelFamily
    /// The stage's name (`pretrain`, `align rigid`, …).
    public var stage: String
    /// The loss of every step, in order (nats per trained token).
    public var losses: [Double]
  }

  /// One variant's probes on the first seed.
  public struct VariantProbe: Sendable, Hashable {
    /// The model family.
    public var family: ModelFamily
    /// The alignment variant.
    public var variant: String
    /// The aligned model's completion tree for the first held-out forbidden prompt.
    public var tree: CompletionTree
    /// The same tree after refusal unlearning (`nil` when the experiment does not run it).
    public var treeAfterRefusalUnlearning: CompletionTree?
    /// KL(aligned ‖ pretrained) per position of the harmful answer.
    public var klProfile: KLProfile
    /// Safety (0…1) with the first k tokens of the harmful answer forced, k = 0, 1, …; for
    /// the aligned model.
    public var prefillAligned: [Double]
    /// The same after refusal unlearning (empty when the experiment does not run it).
    public var prefillAttacked: [Double]
    /// The transformer's attention on the attention prompt (`nil` for other families).
    public var attention: AttentionProbe?
  }

  /// The attention weights of every layer and head of the aligned and the attacked
  /// transformer, reading the same tokens: a held-out forbidden prompt and the rigid
  /// refusal opener.
  public struct AttentionProbe: Sendable, Hashable {
    /// The token texts, in order.
    public var tokens: [String]
    /// The position of the forbidden topic's word among `tokens`.
    public var topicPosition: Int
    /// The aligned model's weights, (L, H, T, T).
    public var aligned: [[[[Float]]]]
    /// The weights after refusal unlearning, (L, H, T, T).
    public var attacked: [[[[Float]]]]
  }

  /// What was collected, ordered.
  public struct Results: Sendable, Hashable {
    /// The seed the probes ran on (the experiment's first).
    public var seed: UInt64
    /// Every stage's loss curve on that seed, by family then stage order.
    public var lossCurves: [LossCurve]
    /// The probes of each shown variant, by family then the experiment's variant order.
    public var variants: [VariantProbe]
  }

  /// The experiment whose pipeline is observed.
  public let experiment: Experiment
  /// Its world.
  public let world: World
  /// The variants whose models are probed: the reference (first), a diverse variant and the
  /// deep one when the experiment has them (see ``shownVariants(of:)``).
  public let variants: [String]
  private let lock = NSLock()
  private var probeSeconds = 0.0
  private var curves: [LossCurve] = []
  private var probes: [VariantProbe] = []

  /// Probes for `experiment`, run in `world` (the pipeline's).
  public init(experiment: Experiment, world: World) {
    self.experiment = experiment
    self.world = world
    variants = Self.shownVariants(of: experiment)
  }

  /// The variants a report shows side by side: the first (the reference), then `diverse`
  /// (or the second variant), then `deep` (or the last), without repeats.
  public static func shownVariants(of experiment: Experiment) -> [String] {
    let names = experiment.variants.map(\.name)
    guard let first = names.first else { return [] }
    var shown = [first]
    let diverse = names.contains("diverse") ? "diverse" : names.dropFirst().first
    let deep = names.contains("deep") ? "deep" : names.last
    for name in [diverse, deep].compactMap({ $0 }) where !shown.contains(name) {
      shown.append(name)
    }
    return shown
  }

  /// The observer to attach to the pipeline.
  public var observer: PipelineObserver {
    PipelineObserver(
      stageTrained: { [self] training in record(training) },
      unitFinished: { [self] unit, base in probe(unit, base: base) })
  }

  private var seed: UInt64 { experiment.seeds[0] }

  private func record(_ training: PipelineObserver.StageTraining) {
    guard training.seed == seed, !training.summary.losses.isEmpty else { return }
    let curve = LossCurve(
      family: training.family, stage: training.stage.name, losses: training.summary.losses)
    lock.withLock { curves.append(curve) }
  }

  private func probe(_ unit: PipelineUnit, base: any LanguageModel) {
    guard unit.seed == seed, variants.contains(unit.variant.name) else { return }
    let started = CPUClock.threadSeconds()
    let probe = Self.probe(
      unit, base: base, corpora: Corpora(world: world, seed: unit.seed), experiment: experiment)
    let spent = CPUClock.threadSeconds() - started
    lock.withLock {
      probes.append(probe)
      probeSeconds += spent
    }
  }

  static func probe(
    _ unit: PipelineUnit, base: any LanguageModel, corpora: Corpora, experiment: Experiment
  ) -> VariantProbe {
    let world = corpora.world
    let prompt = corpora.forbiddenEvaluation()[0]
    func tree(_ model: any LanguageModel) -> CompletionTree {
      CompletionTree(
        model: model, prompt: prompt.tokens, vocabulary: world.vocabulary,
        endOfText: world.endOfText, branching: ExperimentDiagnostics.treeBranching,
        depth: ExperimentDiagnostics.treeDepth)
    }
    let attacked = unit.models[.refusalUnlearning]
    let prefill = Prefill(
      evaluator: Evaluator(
        corpora: corpora, maxNewTokens: experiment.maxNewTokens,
        temperature: experiment.temperature))
    let forced = 0...world.configuration.answerLength
    func curve(_ model: any LanguageModel) -> [Double] {
      forced.map { prefill.harmfulPrefixSafety(of: model, tokens: $0) }
    }
    var attention: AttentionProbe?
    if let aligned = unit.aligned as? TransformerModel,
      let attackedModel = attacked as? TransformerModel
    {
      let tokens = Array(
        (prompt.tokens + world.refusalStyles[0].opener).suffix(aligned.configuration.blockSize))
      attention = AttentionProbe(
        tokens: tokens.map { world.text([$0]) },
        topicPosition: tokens.lastIndex(of: prompt.topic.word) ?? 0,
        aligned: aligned.attentionWeights(of: tokens),
        attacked: attackedModel.attentionWeights(of: tokens))
    }
    return VariantProbe(
      family: unit.settings.family, variant: unit.variant.name, tree: tree(unit.aligned),
      treeAfterRefusalUnlearning: attacked.map(tree),
      klProfile: KLProfile.measure(aligned: unit.aligned, base: base, corpora: corpora),
      prefillAligned: curve(unit.aligned), prefillAttacked: attacked.map(curve) ?? [],
      attention: attention)
  }

  /// The CPU time the probes took so far, in seconds, summed over the threads that ran
  /// them: what `--report` adds to a run's training and evaluation.
  public var cpuSeconds: Double { lock.withLock { probeSeconds } }

  /// Everything collected, in a fixed order.
  public var results: Results {
    lock.withLock {
      let families = experiment.families.map(\.family)
      let stageOrder = Self.stageOrder(experiment)
      let sortedCurves = curves.sorted {
        let a = (families.firstIndex(of: $0.family) ?? 0, stageOrder[$0.stage] ?? Int.max, $0.stage)
        let b = (families.firstIndex(of: $1.family) ?? 0, stageOrder[$1.stage] ?? Int.max, $1.stage)
        return a < b
      }
      let sortedProbes = probes.sorted {
        (families.firstIndex(of: $0.family) ?? 0, variants.firstIndex(of: $0.variant) ?? 0)
          < (families.firstIndex(of: $1.family) ?? 0, variants.firstIndex(of: $1.variant) ?? 0)
      }
      return Results(seed: seed, lossCurves: sortedCurves, variants: sortedProbes)
    }
  }

  /// Stage names in the order the pipeline trains them: pretrain, then per variant its
  /// alignment and its attacks.
  static func stageOrder(_ experiment: Experiment) -> [String: Int] {
    var names = [Stage.pretrain.name]
    for variant in experiment.variants {
      names.append(Stage.align(variant).name)
      for condition in experiment.conditions where condition != .none {
        names.append(Stage.attack(variant, condition).name)
      }
    }
    var order: [String: Int] = [:]
    for (index, name) in names.enumerated() where order[name] == nil { order[name] = index }
    return order
  }
}
