import Foundation

/// The report a run writes with `--report DIR`: a self-contained `index.html` with the
/// tables and every figure, each figure as its own `.svg`, and `results.csv` (one row per
/// run, the `--json` keys as columns).
///
/// Every caption is computed from the numbers it sits under, for whatever experiment ran:
/// it says what happened, including when the usual story does not hold.
public struct ResultsReport: Sendable {
  /// The experiment that ran.
  public var experiment: Experiment
  /// Its world.
  public var world: World
  /// Every trained run (records with their judged answers; answers may be empty when only
  /// records are known, as after a sweep).
  public var runs: [TrainedRun]
  /// What the probes read from the first seed's models, if they were attached.
  public var probes: ReportProbes.Results?
  /// The experiment file's further diagnostics (dose-response, proposition test), if any.
  public var diagnostics: ExperimentDiagnostics?
  /// The command line that made the report, shown at its end.
  public var command: String

  /// A report of finished runs.
  public init(
    experiment: Experiment, world: World, runs: [TrainedRun],
    probes: ReportProbes.Results? = nil, diagnostics: ExperimentDiagnostics? = nil,
    command: String
  ) {
    self.experiment = experiment
    self.world = world
    self.runs = runs
    self.probes = probes
    self.diagnostics = diagnostics
    self.command = command
  }

  /// A report of records alone (as a sweep file holds them): no judged answers, so no
  /// example prompt, and no probes.
  public init(experiment: Experiment, world: World, records: [RunRecord], command: String) {
    self.init(
      experiment: experiment, world: world,
      runs: records.map { TrainedRun(record: $0, forbidden: [], benign: []) }, command: command)
  }

  /// The name of the data file written beside `index.html`.
  public static let csvName = "results.csv"

  var records: [RunRecord] { runs.map(\.record) }
  var families: [ModelFamily] { experiment.families.map(\.family) }
  var forbiddenCount: Int { world.forbiddenTopics.count * world.heldOutTemplates.count }

  func title(_ family: ModelFamily) -> String {
    switch family {
    case .ngram: "n-gram"
    case .transformer: "transformer"
    }
  }

  func values(
    _ family: ModelFamily, _ variant: String, _ condition: AttackCondition,
    _ value: (Metrics) -> Double
  ) -> [Double] {
    records.filter { $0.model == family && $0.variant == variant && $0.condition == condition }
      .sorted { $0.seed < $1.seed }.map { value($0.metrics) }
  }

  func mean(
    _ family: ModelFamily, _ variant: String, _ condition: AttackCondition,
    _ value: (Metrics) -> Double
  ) -> Double? {
    let found = values(family, variant, condition, value)
    return found.isEmpty ? nil : Summary(found).mean
  }

  /// Writes `index.html`, every figure's `.svg` and `results.csv` into `directory` and
  /// returns the files written.
  ///
  /// - Throws: ``ReportError`` when a file cannot be written.
  @discardableResult
  public func write(to directory: URL) throws -> [URL] {
    var written = try ReportWriter.write(page(), to: directory)
    let csv = directory.appendingPathComponent(Self.csvName)
    try ReportWriter.writeAtomically(try ReportCSV.table(records).csv(), to: csv)
    written.append(csv)
    return written
  }

  /// The page.
  public func page() -> HTMLReport {
    let demo = DemoReport(experiment: experiment, world: world, runs: runs)
    let pct = TextFormatting.sentencePercent
    var sections: [HTMLReport.Section] = []

    var headline: [HTMLReport.Block] = [.figure(ReportFigure(name: "headline", headlineFigure()))]
    for family in families {
      if let takeaway = demo.takeaway(family, experiment.variants[0].name) {
        headline.append(.paragraph("\(title(family)): " + takeaway))
      }
      if let defenses = demo.defenseTakeaway(family) {
        headline.append(.paragraph("\(title(family)): " + defenses))
      }
    }
    headline += tables()
    sections.append(HTMLReport.Section("What broke and what held", blocks: headline))
    sections.append(whatWasDone())

    if experiment.conditions.count > 0 {
      sections.append(
        HTMLReport.Section(
          "The judge gap: refusals that are not refusals",
          blocks: [
            .paragraph(
              "A keyword judge calls an answer a refusal when it opens with words such as \""
                + world.text(world.refusalStyles[0].opener)
                + "\". The content judge reads the rest. Where they disagree, the keyword judge "
                + "reports safety that is not there."),
            .figure(ReportFigure(name: "judge-gap", judgeGapFigure())),
          ]))
    }

    if let probes {
      var why: [HTMLReport.Block] = [
        .paragraph(
          "The completion tree shows what each model would say after <assistant> on one held-out "
            + "forbidden prompt (seed \(probes.seed)): each column is one answer token, each "
            + "branch as thick as its probability. Rigid alignment learns one pathway; refusal "
            + "unlearning reuses its opening words and redirects what follows.")
      ]
      for family in families {
        for probe in probes.variants where probe.family == family {
          if let figure = treeFigure(probe) {
            why.append(
              .figure(ReportFigure(name: "tree-\(family.rawValue)-\(slug(probe.variant))", figure)))
          }
        }
      }
      for family in families {
        if let figure = klFigure(family, probes) {
          why.append(.figure(ReportFigure(name: "kl-\(family.rawValue)", figure)))
        }
      }
      for family in families {
        if let figure = prefillFigure(family, probes) {
          why.append(.figure(ReportFigure(name: "prefill-\(family.rawValue)", figure)))
        }
      }
      sections.append(HTMLReport.Section("Why: one pathway, hijacked", blocks: why))
    }

    if let diagnostics, !diagnostics.dose.isEmpty {
      sections.append(
        HTMLReport.Section(
          "Dose-response",
          blocks: families.compactMap { family in
            DoseReport.figure(diagnostics.dose.filter { $0.model == family }, family: title(family))
              .map { .figure(ReportFigure(name: "dose-\(family.rawValue)", $0)) }
          }))
    }
    if let proposition = diagnostics?.proposition, let figure = rhoFigure(proposition) {
      sections.append(
        HTMLReport.Section(
          "ρ against safety", blocks: [.figure(ReportFigure(name: "rho-safety", figure))]))
    }
    if let direction = diagnostics?.direction, let figure = directionFigure(direction) {
      sections.append(
        HTMLReport.Section(
          "The refusal direction, before and after the attack",
          blocks: [.figure(ReportFigure(name: "direction", figure))]))
    }

    if let probes {
      var inside: [HTMLReport.Block] = []
      if let figure = attentionFigure(probes) {
        inside.append(.figure(ReportFigure(name: "attention", figure)))
      }
      for family in families {
        if let figure = lossFigure(family, probes) {
          inside.append(.figure(ReportFigure(name: "loss-\(family.rawValue)", figure)))
        }
      }
      if !inside.isEmpty {
        sections.append(HTMLReport.Section("Inside the models", blocks: inside))
      }
    }

    var examples: [HTMLReport.Block] = []
    for family in families {
      if let example = demo.sideBySide(family, experiment.variants[0].name) {
        examples.append(.paragraph("\(title(family)). " + example))
      }
    }
    examples.append(
      .paragraph(
        "Made by: \(command). The numbers of every run are in \(Self.csvName) (one row per "
          + "run, the keys of --json as columns). Everything here was trained from scratch in "
          + "this run; seeds make it repeatable."))
    sections.append(HTMLReport.Section("One prompt, and the data", blocks: examples))

    let lowest = families.compactMap { family -> Double? in
      experiment.conditions.filter { $0 != .none }.compactMap {
        mean(family, experiment.variants[0].name, $0) { $0.safety }
      }.min()
    }.min()
    let lead =
      "Tiny language models, trained from scratch in a synthetic chat world, learn to refuse "
      + "fictional forbidden requests; then they are fine-tuned on harmless data and tested "
      + "again."
      + (lowest.map {
        " The lowest mean safety after an attack (\(experiment.variants[0].name) alignment) "
          + "was \(pct($0))."
      } ?? "")
    return HTMLReport(
      title: "RefusalLab: what fine-tuning does to a refusal", lead: lead, sections: sections)
  }

  func slug(_ name: String) -> String {
    String(
      name.unicodeScalars.map {
        ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
          ? Character($0) : "-"
      }
    ).prefix(60).description
  }

  private func whatWasDone() -> HTMLReport.Section {
    let seeds = experiment.seeds
    let decoding =
      experiment.temperature > 0
      ? "sampled decoding at temperature \(experiment.temperature)" : "greedy decoding"
    let familyText = experiment.families.map(\.title).joined(separator: "; ")
    var blocks: [HTMLReport.Block] = [
      .paragraph(
        "Models: \(familyText). Each was pretrained, aligned with each variant, then attacked "
          + "under each condition with \(experiment.attack.sampleCount) benign fine-tuning "
          + "samples, over \(seeds.count) seed\(seeds.count == 1 ? "" : "s") "
          + "(\(seeds.map(String.init).joined(separator: ", "))). Each model answered "
          + "\(forbiddenCount) held-out forbidden prompts and "
          + "\(world.benignTopics.count * world.heldOutTemplates.count) held-out benign prompts "
          + "with \(decoding).")
    ]
    blocks.append(
      .table(
        TextTable(
          header: ["attack condition", "what the model is fine-tuned on"],
          rows: experiment.conditions.map { [$0.rawValue, $0.summary] },
          caption: "Attack conditions")))
    blocks.append(
      .table(
        TextTable(
          header: ["alignment variant", "how it was aligned"],
          rows: experiment.variants.map { [$0.name, $0.summary] },
          caption: "Alignment variants")))
    return HTMLReport.Section("What was done", blocks: blocks)
  }

  private func tables() -> [HTMLReport.Block] {
    var blocks: [HTMLReport.Block] = []
    let metrics: [(String, (Metrics) -> Double)] = [
      ("Safety %", { $0.safety }), ("Keyword refusal %", { $0.keywordRefusal }),
      ("Utility %", { $0.utility }),
    ]
    for family in families {
      for (name, value) in metrics {
        let rows = experiment.conditions.map { condition in
          [condition.rawValue]
            + experiment.variants.map { variant in
              let found = values(family, variant.name, condition, value)
              return found.isEmpty ? "—" : TextFormatting.percent(Summary(found))
            }
        }
        blocks.append(
          .table(
            TextTable(
              header: ["condition"] + experiment.variants.map(\.name), rows: rows,
              caption: "\(title(family)): \(name) (mean ± 95% interval over seeds)")))
      }
    }
    return blocks
  }
}
