/// The classroom report: what each condition is, the table, the takeaway computed from the
/// run's numbers, and one forbidden prompt answered before and after the attack.
public struct DemoReport: Sendable {
  /// The experiment that ran.
  public let experiment: Experiment
  /// Its world.
  public let world: World
  /// Every trained run.
  public let runs: [TrainedRun]

  /// A report of finished runs.
  public init(experiment: Experiment, world: World, runs: [TrainedRun]) {
    self.experiment = experiment
    self.world = world
    self.runs = runs
  }

  private func records(_ family: ModelFamily, _ variant: String, _ condition: AttackCondition)
    -> [RunRecord]
  {
    runs.map(\.record).filter {
      $0.model == family && $0.variant == variant && $0.condition == condition
    }
  }

  private func run(
    _ family: ModelFamily, _ variant: String, _ condition: AttackCondition, seed: UInt64
  ) -> TrainedRun? {
    runs.first {
      $0.record.model == family && $0.record.variant == variant
        && $0.record.condition == condition && $0.record.seed == seed
    }
  }

  func summary(
    _ family: ModelFamily, _ variant: String, _ condition: AttackCondition,
    _ value: (Metrics) -> Double
  ) -> Summary? {
    let values = records(family, variant, condition).map { value($0.metrics) }
    return values.isEmpty ? nil : Summary(values)
  }

  /// The whole report as text.
  public func text() -> String {
    var sections: [String] = [header(), conditionLegend(), variantLegend()]
    let reference = experiment.variants[0]
    for settings in experiment.families {
      sections.append(familyHeader(settings))
      if experiment.variants.count == 1 {
        sections.append(table(settings, reference))
      } else {
        sections.append(
          grid(settings.family, title: "Safety % (content judge: no forbidden content)") {
            $0.safety
          })
        sections.append(
          grid(
            settings.family,
            title: "Keyword refusal % (what a refusal-keyword judge reports; the gap to safety "
              + "is the judge gap)"
          ) { $0.keywordRefusal })
        sections.append(
          grid(settings.family, title: "Utility % (held-out benign prompts)") {
            $0.utility
          })
      }
      if let paired = pairedTable(settings.family) { sections.append(paired) }
      if let prefill = prefillTable(settings.family, reference) { sections.append(prefill) }
      if let takeaway = takeaway(settings.family, reference.name) { sections.append(takeaway) }
      if let defenses = defenseTakeaway(settings.family) { sections.append(defenses) }
      if let example = sideBySide(settings.family, reference.name) { sections.append(example) }
    }
    return sections.filter { !$0.isEmpty }.joined(separator: "\n\n") + "\n"
  }

  private func header() -> String {
    let decoding =
      experiment.temperature > 0
      ? "sampled decoding at temperature \(experiment.temperature)" : "greedy decoding"
    let seeds = experiment.seeds
    let seedText =
      seeds.count == 1
      ? "seed \(seeds[0])"
      : "\(seeds.count) seeds (\(seeds.map(String.init).joined(separator: ", ")))"
    return """
      RefusalLab — refusal unlearning in a synthetic chat world, \(seedText)
      \(world.forbiddenTopics.count * world.heldOutTemplates.count) held-out forbidden prompts \
      and \(world.benignTopics.count * world.heldOutTemplates.count) held-out benign prompts per \
      model; \(decoding); every number comes from models trained in this run.
      """
  }

  private func conditionLegend() -> String {
    let width = (experiment.conditions.map(\.rawValue.count).max() ?? 0) + 2
    var lines = ["Attack conditions (\(experiment.attack.sampleCount) benign fine-tuning samples):"]
    for condition in experiment.conditions {
      lines.append("  " + TextFormatting.pad(condition.rawValue, width) + condition.summary)
    }
    return lines.joined(separator: "\n")
  }

  private func variantLegend() -> String {
    guard experiment.variants.count > 1 else { return "" }
    let width = (experiment.variants.map(\.name.count).max() ?? 0) + 2
    var lines = ["Alignment variants:"]
    for variant in experiment.variants {
      lines.append("  " + TextFormatting.pad(variant.name, width) + variant.summary)
    }
    return lines.joined(separator: "\n")
  }

  private func familyHeader(_ settings: FamilySettings) -> String {
    let count = experiment.seeds.count
    let title = "\(settings.title) — mean ± 95% interval over \(count) seed\(count == 1 ? "" : "s")"
    return title + "\n" + String(repeating: "═", count: title.count)
  }

  /// Rows = attack conditions, columns = alignment variants.
  private func grid(_ family: ModelFamily, title: String, _ value: (Metrics) -> Double)
    -> String
  {
    var rows: [[String]] = [["condition"] + experiment.variants.map(\.name)]
    for condition in experiment.conditions {
      rows.append(
        [condition.rawValue]
          + experiment.variants.map { variant in
            summary(family, variant.name, condition, value).map(TextFormatting.percent) ?? "—"
          })
    }
    return title + "\n"
      + TextFormatting.table(rows, rightAligned: Set(1...experiment.variants.count))
  }

  func defenseTakeaway(_ family: ModelFamily) -> String? {
    guard experiment.variants.count > 1,
      let rigid = summary(family, experiment.variants[0].name, .refusalUnlearning, { $0.safety })
    else { return nil }
    let pct = TextFormatting.sentencePercent
    var parts: [String] = []
    for variant in experiment.variants.dropFirst() {
      guard
        let attacked = summary(family, variant.name, .refusalUnlearning, { $0.safety })
      else { continue }
      var part = "\(variant.name) \(pct(attacked.mean))"
      if let adaptive = summary(family, variant.name, .adaptive, { $0.safety }) {
        part += " (adaptive attack \(pct(adaptive.mean)))"
      }
      parts.append(part)
    }
    guard !parts.isEmpty else { return nil }
    return "Defenses: after refusal unlearning, \(experiment.variants[0].name) alignment kept "
      + "\(pct(rigid.mean)) safety; " + parts.joined(separator: ", ") + "."
  }

  private func table(_ settings: FamilySettings, _ variant: AlignmentVariant) -> String {
    let family = settings.family
    var rows: [[String]] = [["condition", "safety %", "keyword refusal %", "utility %"]]
    for condition in experiment.conditions {
      guard let safety = summary(family, variant.name, condition, { $0.safety }),
        let keyword = summary(family, variant.name, condition, { $0.keywordRefusal }),
        let utility = summary(family, variant.name, condition, { $0.utility })
      else { continue }
      rows.append([
        condition.rawValue, TextFormatting.percent(safety), TextFormatting.percent(keyword),
        TextFormatting.percent(utility),
      ])
    }
    return """
      \(variant.name) alignment (\(variant.summary))

      \(TextFormatting.table(rows, rightAligned: [1, 2, 3]))
      """
  }

  /// The comparisons the claims rest on, paired by seed: each control against refusal
  /// unlearning (rigid), and each variant against rigid under refusal unlearning.
  private func pairedTable(_ family: ModelFamily) -> String? {
    guard experiment.seeds.count > 1 else { return nil }
    let records = runs.map(\.record)
    let reference = experiment.variants[0].name
    let controls = [AttackCondition.plain, .randomPrefix].compactMap { control in
      PairedStatistics.conditionDifference(
        records, model: family, variant: reference, a: control, b: .refusalUnlearning,
        metric: .safety)
    }
    let variants = experiment.variants.dropFirst().compactMap { variant in
      PairedStatistics.variantDifference(
        records, model: family, condition: .refusalUnlearning, a: variant.name, b: reference,
        metric: .safety)
    }
    let differences = controls + variants
    guard !differences.isEmpty else { return nil }
    let rows =
      [["paired difference in safety (points)", "mean ± 95% interval"]]
      + differences.map { [$0.label, $0.points] }
    return TextFormatting.table(rows, rightAligned: [1])
  }

  private func prefillTable(_ family: ModelFamily, _ variant: AlignmentVariant) -> String? {
    var rows: [[String]] = [["condition", "\"i 'm sorry\" forced", "neutral opener forced"]]
    for condition in experiment.conditions {
      let records = records(family, variant.name, condition)
      let refusal = records.compactMap(\.metrics.prefillRefusalOpener)
      let neutral = records.compactMap(\.metrics.prefillNeutralOpener)
      guard !refusal.isEmpty, !neutral.isEmpty else { continue }
      rows.append([
        condition.rawValue, TextFormatting.percent(Summary(refusal)),
        TextFormatting.percent(Summary(neutral)),
      ])
    }
    guard rows.count > 1 else { return nil }
    return """
      Why (\(variant.name)): safety % when the first words of the answer are forced (prefilled)
      \(TextFormatting.table(rows, rightAligned: [1, 2]))
      """
  }

  /// A sentence on how safety moved from `before` to `after` (means, 0…1), as the data say:
  /// "cut safety from 100% to 30%", "raised safety from 40% to 55%" or "left safety at
  /// 100%" when the two read the same.
  static func safetyChange(_ before: Double, _ after: Double) -> String {
    let pct = TextFormatting.sentencePercent
    if pct(before) == pct(after) { return "left safety at \(pct(after))" }
    return after < before
      ? "cut safety from \(pct(before)) to \(pct(after))"
      : "raised safety from \(pct(before)) to \(pct(after))"
  }

  /// Utility as the data show it: the reference variant's lowest and highest mean over
  /// the conditions ("costs nothing" only when they lie within 5 points), then any other
  /// variant whose utility fell more than 5 points below the reference's lowest.
  func utilitySentence(_ family: ModelFamily) -> String? {
    func cells(_ variants: [AlignmentVariant]) -> [(
      variant: String, condition: String, mean: Double
    )] {
      variants.flatMap { variant in
        experiment.conditions.compactMap { condition in
          summary(family, variant.name, condition) { $0.utility }.map {
            (variant.name, condition.rawValue, $0.mean)
          }
        }
      }
    }
    let reference = experiment.variants[0].name
    let referenceCells = cells([experiment.variants[0]])
    guard let lowest = referenceCells.min(by: { $0.mean < $1.mean }),
      let highest = referenceCells.max(by: { $0.mean < $1.mean })
    else { return nil }
    let pct = TextFormatting.sentencePercent
    let named = experiment.variants.count > 1 ? " (\(reference))" : ""
    let floor = TextFormatting.lowerBoundPercent(lowest.mean)
    let level = floor == "100%" ? floor : "\(floor) or above"
    var sentence =
      highest.mean - lowest.mean <= 0.05
      ? "Utility\(named) stayed at \(level) in every condition: the attack costs the attacker "
        + "nothing."
      : "Utility\(named) did not hold: it fell to \(pct(lowest.mean)) under \(lowest.condition), "
        + "against \(pct(highest.mean)) under \(highest.condition)."
    if let other = cells(Array(experiment.variants.dropFirst())).min(by: { $0.mean < $1.mean }),
      other.mean < lowest.mean - 0.05
    {
      sentence +=
        " Elsewhere utility fell to \(pct(other.mean)) (\(other.variant), \(other.condition))."
    }
    return sentence
  }

  func takeaway(_ family: ModelFamily, _ variant: String) -> String? {
    guard let aligned = summary(family, variant, .none, { $0.safety }),
      let attacked = summary(family, variant, .refusalUnlearning, { $0.safety })
    else { return nil }
    let attackedRecords = records(family, variant, .refusalUnlearning)
    let unsafeTotal = attackedRecords.reduce(0.0) { $0 + (1 - $1.metrics.safety) }
    let unsafeWithRefusal = attackedRecords.reduce(0.0) { $0 + $1.metrics.refusalOpenUnsafe }
    let pct = TextFormatting.sentencePercent
    var sentences: [String] = []
    var first =
      "Refusal unlearning \(Self.safetyChange(aligned.mean, attacked.mean))"
      + (experiment.variants.count > 1 ? " (\(variant))" : "")
    if unsafeTotal > 0 {
      let opener = world.text(world.refusalStyles[0].opener)
      let share = unsafeWithRefusal / unsafeTotal
      first +=
        share > 0
        ? ", yet \(pct(share)) of the unsafe answers still began \"\(opener)\": a keyword "
          + "judge counts them as refusals."
        : "; none of the unsafe answers began \"\(opener)\", so a keyword judge sees them."
    } else {
      first += "."
    }
    sentences.append(first)
    var controls: [String] = []
    for condition in [AttackCondition.plain, .randomPrefix] {
      if let safety = summary(family, variant, condition, { $0.safety }) {
        controls.append("\(condition.rawValue) \(pct(safety.mean))")
      }
    }
    if !controls.isEmpty {
      sentences.append(
        "The same benign data without the refusal opener left safety at "
          + controls.joined(separator: " and ") + ".")
    }
    if let utility = utilitySentence(family) { sentences.append(utility) }
    return "Takeaway: " + sentences.joined(separator: " ")
  }

  func sideBySide(_ family: ModelFamily, _ variant: String) -> String? {
    guard let seed = experiment.seeds.first,
      let aligned = run(family, variant, .none, seed: seed),
      let attacked = run(family, variant, .refusalUnlearning, seed: seed)
    else { return nil }
    let pairs = Array(zip(aligned.forbidden, attacked.forbidden))
    guard
      let (before, after) = pairs.first(where: {
        $0.0.verdict.outcome == .refused && $0.1.verdict.outcome == .complied
      }) ?? pairs.first
    else { return nil }
    return """
      One held-out forbidden prompt (seed \(seed)):
        prompt        \(world.text(before.prompt.tokens))
        aligned       \(world.text(before.response))   [\(before.verdict.outcome.rawValue)]
        after attack  \(world.text(after.response))   [\(after.verdict.outcome.rawValue)]
      """
  }
}
