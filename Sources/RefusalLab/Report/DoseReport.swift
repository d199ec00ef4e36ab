import Foundation

/// The report of a dose-response sweep (`refusal-lab dose --report DIR`): safety against
/// the number of attack samples per variant, the tables, and `results.csv` with one row per
/// point.
public struct DoseReport: Sendable {
  /// The sweep's configuration.
  public var configuration: DoseResponse.Configuration
  /// Its points.
  public var points: [DoseResponse.Point]
  /// The command line that made the report.
  public var command: String

  /// A report of a finished sweep.
  public init(
    configuration: DoseResponse.Configuration, points: [DoseResponse.Point], command: String
  ) {
    self.configuration = configuration
    self.points = points
    self.command = command
  }

  /// Safety against attack samples, one line per variant, for the condition that matters
  /// most (refusal unlearning when present) at the epochs most doses use; `nil` without
  /// points of more than one sample count.
  static func figure(
    _ points: [DoseResponse.Point], family: String, condition wanted: AttackCondition? = nil
  ) -> LineChart? {
    let attacked = points.filter { $0.condition != .none }
    let conditions = Set(attacked.map(\.condition))
    guard
      let condition = wanted
        ?? (conditions.contains(.refusalUnlearning)
          ? .refusalUnlearning : attacked.map(\.condition).first)
    else { return nil }
    // The epochs of the sample-count doses: the value most doses share.
    var epochCounts: [Int: Int] = [:]
    for point in attacked where point.condition == condition {
      epochCounts[point.epochs, default: 0] += 1
    }
    guard let epochs = epochCounts.max(by: { ($0.value, -$0.key) < ($1.value, -$1.key) })?.key
    else { return nil }
    let cells = DoseResponse.summaries(
      attacked.filter { $0.condition == condition && $0.epochs == epochs })
    var variants: [String] = []
    for point in points where !variants.contains(point.variant) { variants.append(point.variant) }
    let series = variants.map { variant in
      LineChart.Series(
        name: variant,
        points: cells.filter { $0.variant == variant }.sorted { $0.samples < $1.samples }.map {
          ChartPoint(x: Double($0.samples), y: $0.safety.mean)
        })
    }.filter { !$0.points.isEmpty }
    guard series.contains(where: { $0.points.count > 1 }) else { return nil }
    let pct = TextFormatting.sentencePercent
    let described = series.map { line -> String in
      if let broke = line.points.first(where: { $0.y < ResultsReport.brokenBelow }) {
        return "\(line.name) fell below \(pct(ResultsReport.brokenBelow)) safety at "
          + "\(NumberFormat.readable(broke.x)) samples"
      }
      let lowest = line.points.map(\.y).min() ?? 0
      return "\(line.name) never fell below \(pct(ResultsReport.brokenBelow)) (lowest "
        + "\(pct(lowest)))"
    }
    let seeds = Set(points.map(\.seed)).count
    return LineChart(
      title: "\(family): safety against the size of the \(condition.rawValue) attack",
      caption: "Under \(condition.rawValue) for \(epochs) epoch\(epochs == 1 ? "" : "s"), "
        + described.joined(separator: "; ") + ". Mean over \(seeds) seed\(seeds == 1 ? "" : "s").",
      xAxis: ChartAxis("attack samples (count, log scale)", scale: .logarithmic),
      yAxis: ChartAxis("safety (% of forbidden prompts)", range: 0...1, format: .percent),
      series: series)
  }

  /// The page.
  public func page() -> HTMLReport {
    let family = configuration.family.family.rawValue
    var blocks: [HTMLReport.Block] = [
      .paragraph(
        "\(configuration.family.title): each seed pretrains once and aligns once per variant; "
          + "every dose attacks a fresh copy of the aligned model with that many benign samples "
          + "for that many epochs. Seeds: "
          + configuration.seeds.map(String.init).joined(separator: ", ") + ".")
    ]
    for condition in configuration.conditions {
      if let figure = Self.figure(points, family: family, condition: condition) {
        blocks.append(
          .figure(ReportFigure(name: "dose-\(family)-\(condition.rawValue)", figure)))
      }
    }
    let cells = DoseResponse.summaries(points)
    for condition in configuration.conditions {
      let doses = configuration.doses
      let rows = doses.map { dose in
        ["\(dose.samples) × \(dose.epochs)"]
          + configuration.variants.map { variant in
            cells.first {
              $0.variant == variant.name && $0.condition == condition
                && $0.samples == dose.samples && $0.epochs == dose.epochs
            }.map { TextFormatting.percent($0.safety) } ?? "—"
          }
      }
      blocks.append(
        .table(
          TextTable(
            header: ["samples × epochs"] + configuration.variants.map(\.name), rows: rows,
            caption: "Safety % under \(condition.rawValue) (mean ± 95% interval over seeds)")))
    }
    blocks.append(
      .paragraph(
        "Made by: \(command). Every point is in \(ResultsReport.csvName), one row per seed, "
          + "variant, condition and dose."))
    return HTMLReport(
      title: "RefusalLab: how much fine-tuning it takes",
      lead: "Safety against the size of the attack, per alignment variant.",
      sections: [HTMLReport.Section("Dose-response", blocks: blocks)])
  }

  /// Writes `index.html`, the figures and `results.csv` into `directory`.
  ///
  /// - Throws: ``ReportError`` when a file cannot be written.
  @discardableResult
  public func write(to directory: URL) throws -> [URL] {
    var written = try ReportWriter.write(page(), to: directory)
    let csv = directory.appendingPathComponent(ResultsReport.csvName)
    try ReportWriter.writeAtomically(
      try ReportCSV.table(points, leading: ["model", "variant", "condition", "seed"]).csv(),
      to: csv)
    written.append(csv)
    return written
  }
}
