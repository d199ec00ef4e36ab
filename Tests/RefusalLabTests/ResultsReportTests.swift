import Foundation
import RefusalLab
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// The report `--report` writes: well-formed, drawing the run's numbers, the same bytes for
/// the same seeds at any thread count, CSV that reads back to the JSON's records, and words
/// that say what happened.
@Suite("Results report")
struct ResultsReportTests {
  static let experiment = Experiment(
    families: [.defaults(for: .ngram)], variants: [.rigid, .diverse, .deep], seeds: [0, 1])

  /// The experiment run with probes attached, on `threads` threads.
  static func report(threads: Int) throws -> ResultsReport {
    var pipeline = try Pipeline(experiment: experiment)
    let probes = ReportProbes(experiment: experiment, world: pipeline.world)
    pipeline.observer = probes.observer
    let runs = try pipeline.runAll(threads: threads)
    return ResultsReport(
      experiment: experiment, world: pipeline.world, runs: runs, probes: probes.results,
      command: "test")
  }

  static func folder() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent(
      "results-report-\(UUID().uuidString)")
  }

  static func files(_ folder: URL) throws -> [String: Data] {
    var files: [String: Data] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
      files[name] = try Data(contentsOf: folder.appendingPathComponent(name))
    }
    return files
  }

  @Test(
    "Every file parses as XML; the report is byte-identical across runs and threads; the CSV reads back to the records"
  )
  func wholeReport() throws {
    let one = try Self.report(threads: 1)
    let first = Self.folder()
    let second = Self.folder()
    let third = Self.folder()
    defer {
      for folder in [first, second, third] { try? FileManager.default.removeItem(at: folder) }
    }
    try one.write(to: first)
    try one.write(to: second)
    try Self.report(threads: 2).write(to: third)
    let files = try Self.files(first)
    #expect(files == (try Self.files(second)))
    #expect(files == (try Self.files(third)), "the same bytes on 1 and 2 threads")
    for name in [
      "index.html", "headline.svg", "judge-gap.svg", "tree-ngram-rigid.svg",
      "tree-ngram-diverse.svg", "tree-ngram-deep.svg", "kl-ngram.svg", "prefill-ngram.svg",
      ResultsReport.csvName,
    ] {
      #expect(files[name] != nil, "\(name) is written")
    }
    for (name, data) in files where name.hasSuffix(".svg") || name.hasSuffix(".html") {
      let text = String(decoding: data, as: UTF8.self)
      #expect(XMLCollector.parse(text) != nil, "\(name) is well-formed XML")
      #expect(!text.contains("<script"), "\(name) has no script")
      #expect(!text.contains("http://") || name == "index.html" || text.contains("www.w3.org"))
    }
    let html = String(decoding: files["index.html"]!, as: UTF8.self)
    #expect(!html.contains("src=") && !html.contains("<link"), "self-contained")

    // The CSV holds the records the JSON holds.
    let csv = String(decoding: files[ResultsReport.csvName]!, as: UTF8.self)
    let records = one.runs.map(\.record)
    #expect(try ReportCSV.records(csv) == records)
    let json = try ResultsJSON.document(experiment: Self.experiment, runs: records)
    struct Document: Decodable { var runs: [RunRecord] }
    #expect(
      try JSONDecoder().decode(Document.self, from: Data(json.utf8)).runs
        == (try ReportCSV.records(csv)))
    let header = try CSVReader.table(csv).columns
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    let keys = Set(((object["runs"] as? [[String: Any]]) ?? []).flatMap(\.keys))
    #expect(Set(header) == keys, "the --json keys are the columns")
  }

  @Test("The headline draws each seed and each mean where the records put them")
  func headlineNumbers() throws {
    let report = try Self.report(threads: 2)
    let headline = try #require(report.page().figures.first { $0.name == "headline" })
    let svg = try #require(XMLCollector.parse(headline.standaloneSVG))
    let plot = try #require(svg.elements.first { $0.attributes["class"] == "plot-area" })
    let top = ReportKitTests.number(plot.attributes["y"])
    let height = ReportKitTests.number(plot.attributes["height"])
    func drawn(_ y: Double) -> Double { (top + height - y) / height }
    let records = report.runs.map(\.record)
    var checked = 0
    for (variant, condition) in [
      ("rigid", "refusal-unlearning"), ("deep", "refusal-unlearning"),
      ("diverse", "none"),
    ] {
      let values = records.filter {
        $0.variant == variant && $0.condition.rawValue == condition
      }.sorted { $0.seed < $1.seed }.map(\.metrics.safety)
      let mean = values.reduce(0, +) / Double(values.count)
      // The cell's bar, then its dots.
      let index = try #require(
        svg.elements.firstIndex {
          $0.attributes["class"] == "bar" && $0.attributes["data-group"] == variant
            && $0.attributes["data-category"] == condition
        })
      let bar = svg.elements[index]
      #expect(abs(drawn(ReportKitTests.number(bar.attributes["y"])) - mean) < 0.01)
      #expect(abs(ReportKitTests.number(bar.attributes["data-value"]) - mean) < 1e-6)
      let dots = svg.elements[index...].filter { $0.attributes["class"] == "seed-dot" }
        .prefix(values.count)
      #expect(dots.count == values.count)
      for (dot, value) in zip(dots, values) {
        #expect(abs(drawn(ReportKitTests.number(dot.attributes["cy"])) - value) < 0.01)
      }
      checked += 1
    }
    #expect(checked >= 2)
  }
}

/// Words computed for any results: the takeaway and captions say what happened.
@Suite("Report words")
struct ReportWordsTests {
  /// A record with the given safety and utility (every other metric consistent enough).
  static func record(
    _ variant: String, _ condition: AttackCondition, seed: UInt64, safety: Double,
    utility: Double
  ) throws -> RunRecord {
    let json = """
      {"model":"ngram","variant":"\(variant)","condition":"\(condition.rawValue)",\
      "seed":\(seed),"safety":\(safety),"keywordRefusal":\(safety),"utility":\(utility),\
      "refused":\(safety),"deflected":0,"complied":\(1 - safety),"refusalOpenSafe":\(safety),\
      "refusalOpenUnsafe":0,"otherOpenSafe":0,"otherOpenUnsafe":\(1 - safety),\
      "topOpener":"i 'm sorry","openerEntropy":0}
      """
    return try JSONDecoder().decode(RunRecord.self, from: Data(json.utf8))
  }

  static let custom = AlignmentVariant(name: "custom", summary: "a custom variant", styles: [0])

  /// Refusal unlearning breaks nothing; the custom variant's utility falls to 45%.
  static func records(referenceUtility: Double = 1) throws -> [RunRecord] {
    var records: [RunRecord] = []
    for seed: UInt64 in [0, 1] {
      for condition in [AttackCondition.none, .refusalUnlearning] {
        records.append(
          try record("rigid", condition, seed: seed, safety: 1, utility: referenceUtility))
        records.append(
          try record(
            "custom", condition, seed: seed, safety: 1,
            utility: condition == .none ? 1 : (seed == 0 ? 0.2 : 0.7)))
      }
    }
    return records
  }

  static func experiment() -> Experiment {
    Experiment(
      families: [.defaults(for: .ngram)], variants: [.rigid, custom],
      conditions: [.none, .refusalUnlearning], seeds: [0, 1])
  }

  @Test("No 'cut safety from 100% to 100%', no utility claim that a variant contradicts")
  func takeawaySaysWhatHappened() throws {
    let experiment = Self.experiment()
    let world = try World(configuration: experiment.world)
    let report = ResultsReport(
      experiment: experiment, world: world, records: try Self.records(), command: "test")
    let demo = DemoReport(experiment: experiment, world: world, runs: report.runs)
    let text = demo.text()
    #expect(!text.contains("from 100% to 100%"), "\(text)")
    #expect(text.contains("left safety at 100%"), "\(text)")
    #expect(!text.contains("Utility stayed at 45%"), "\(text)")
    #expect(text.contains("Utility (rigid) stayed at 100% in every condition"), "\(text)")
    #expect(!text.contains("100% or above"), "\(text)")
    #expect(text.contains("Elsewhere utility fell to 45% (custom, refusal-unlearning)."), "\(text)")
    let page = report.page().html()
    #expect(!page.contains("from 100% to 100%"))
    #expect(page.contains("no attack brought a seed below 50% safety"))
  }

  /// The headline's caption when another variant or condition is worse than the reference
  /// variant under refusal unlearning: the reference's count is still given, once, and reads
  /// as part of the sentence it belongs to.
  @Test(
    "The headline caption names the worst cell and the reference variant's count",
    arguments: [AttackCondition.refusalUnlearning, .plain])
  func headlineCaptionNamesTheReference(worstCondition: AttackCondition) throws {
    var records: [RunRecord] = []
    for seed: UInt64 in [0, 1] {
      for condition in [AttackCondition.none, .plain, .refusalUnlearning] {
        records.append(
          try Self.record(
            "rigid", condition, seed: seed,
            safety: condition == .refusalUnlearning ? (seed == 0 ? 0.2 : 0.9) : 1, utility: 1))
        records.append(
          try Self.record(
            "custom", condition, seed: seed,
            safety: condition == worstCondition ? 0.1 : 1, utility: 1))
      }
    }
    let experiment = Experiment(
      families: [.defaults(for: .ngram)], variants: [.rigid, Self.custom],
      conditions: [.none, .plain, .refusalUnlearning], seeds: [0, 1])
    let report = ResultsReport(
      experiment: experiment, world: try World(configuration: experiment.world),
      records: records, command: "test")
    let headline = try #require(report.page().figures.first { $0.name == "headline" })
    let worst =
      "under \(worstCondition.rawValue), 2 of 2 custom seeds fell below 50% safety"
    #expect(headline.caption.contains(worst), "\(headline.caption)")
    if worstCondition == .refusalUnlearning {
      #expect(
        headline.caption.contains(worst + " (rigid: 1 of 2), while rigid kept 55% on average."),
        "\(headline.caption)")
      #expect(!headline.caption.contains("; under refusal-unlearning"), "\(headline.caption)")
    } else {
      #expect(
        headline.caption.contains("; under refusal-unlearning, 1 of 2 rigid seeds did."),
        "\(headline.caption)")
      #expect(!headline.caption.contains("(rigid:"), "\(headline.caption)")
    }
  }

  /// A `direction` diagnostic's row, as its JSON holds it.
  static func directionRow(
    _ condition: String, gap: Double, alignedGap: Double, cosine: Double,
    forbidden: [Double], benign: [Double]
  ) -> [String: Any] {
    [
      "variant": "rigid", "seed": 0, "condition": condition, "depth": 2, "position": "topic",
      "norm": 1.0, "filterPassed": true, "validationRefusal": 1.0, "candidateRefusals": [1.0],
      "candidateBenignKL": [0.01], "refusal": 1.0, "safety": 0.5, "benignRefusal": 0.0,
      "utility": 1.0, "ablatedRefusal": 0.96, "ablatedSafety": 0.5, "ablatedUtility": 0.9,
      "addedBenignRefusal": 0.03, "addedUtility": 0.9, "cosineToAligned": cosine,
      "projectionGap": gap, "alignedProjectionGap": alignedGap, "direction": [1.0, 0.0],
      "forbiddenProjections": forbidden, "benignProjections": benign,
    ]
  }

  @Test("The direction figure draws one point per held-out prompt and says how far the gap moved")
  func directionFigure() throws {
    let document: [String: Any] = [
      "variants": [], "dose": [],
      "direction": [
        "rows": [
          Self.directionRow(
            "none", gap: 4, alignedGap: 4, cosine: 1, forbidden: [5, 6, 7], benign: [1, 2]),
          Self.directionRow(
            "refusal-unlearning", gap: 3, alignedGap: 4, cosine: 0.5, forbidden: [4, 5, 6],
            benign: [1.5, 2]),
        ]
      ],
    ]
    let diagnostics = try JSONDecoder().decode(
      ExperimentDiagnostics.self, from: JSONSerialization.data(withJSONObject: document))
    let experiment = Self.experiment()
    let world = try World(configuration: experiment.world)
    var report = ResultsReport(
      experiment: experiment, world: world, records: try Self.records(), command: "test")
    report.diagnostics = diagnostics
    let folder = ResultsReportTests.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    try report.write(to: folder)
    let svg = try String(
      contentsOf: folder.appendingPathComponent("direction.svg"), encoding: .utf8)
    let parsed = try #require(XMLCollector.parse(svg))
    #expect(
      parsed.elements.filter { $0.name == "circle" }.count >= 3, "the three forbidden prompts")
    #expect(svg.contains("4.00 in the aligned model and 3.00 after refusal unlearning (75% of it)"))
    #expect(svg.contains("cosine 0.50"))
    #expect(
      try String(contentsOf: folder.appendingPathComponent("index.html"), encoding: .utf8)
        .contains("The refusal direction, before and after the attack"))
  }

  @Test("99.9% never reads as 100%, and 0.04% never as 0%")
  func nearlyAll() throws {
    #expect(TextFormatting.sentencePercent(0.999) == "99.9%")
    #expect(TextFormatting.sentencePercent(0.9996) == "99.9%")
    #expect(TextFormatting.sentencePercent(1) == "100%")
    #expect(TextFormatting.sentencePercent(0.0004) == "0.1%")
    #expect(TextFormatting.sentencePercent(0) == "0%")
    #expect(TextFormatting.sentencePercent(0.875) == "88%")
    #expect(TextFormatting.lowerBoundPercent(0.965) == "96.5%")
    #expect(TextFormatting.lowerBoundPercent(0.99875) == "99.8%")
    #expect(TextFormatting.lowerBoundPercent(1) == "100%")
    #expect(TextFormatting.lowerBoundPercent(0.97) == "97%")
    let experiment = Self.experiment()
    let world = try World(configuration: experiment.world)
    let records = try Self.records(referenceUtility: 0.999).filter { $0.variant == "rigid" }
    var single = experiment
    single.variants = [.rigid]
    let text = DemoReport(
      experiment: single, world: world,
      runs: ResultsReport(experiment: single, world: world, records: records, command: "")
        .runs
    ).text()
    #expect(text.contains("Utility stayed at 99.9% or above in every condition"), "\(text)")
    // The reference itself losing utility is said as such.
    let falling = try Self.records().map { record -> RunRecord in
      var copy = record
      copy.variant = record.variant == "rigid" ? "custom" : "rigid"
      return copy
    }
    let swapped = DemoReport(
      experiment: experiment, world: world,
      runs: ResultsReport(experiment: experiment, world: world, records: falling, command: "")
        .runs
    ).text()
    #expect(
      swapped.contains(
        "Utility (rigid) did not hold: it fell to 45% under refusal-unlearning, against 100% "
          + "under none."), "\(swapped)")
  }

  @Test("A variant named with markup shows as text in every file")
  func hostileNames() throws {
    var experiment = Self.experiment()
    let hostile = AlignmentVariant(
      name: "<script>alert(1)</script> & \"q\"", summary: "<b>bold</b> & co", styles: [0])
    experiment.variants = [.rigid, hostile]
    let world = try World(configuration: experiment.world)
    let records = try Self.records().map { record -> RunRecord in
      var copy = record
      if copy.variant == "custom" { copy.variant = hostile.name }
      return copy
    }
    let report = ResultsReport(
      experiment: experiment, world: world, records: records, command: "test <&>")
    let html = report.page().html()
    let parsed = try #require(XMLCollector.parse(html))
    #expect(!html.contains("<script>"))
    #expect(parsed.text.contains(hostile.name), "the name reads back as text")
    for figure in report.page().figures {
      let svg = figure.standaloneSVG
      #expect(XMLCollector.parse(svg) != nil, "\(figure.name)")
      #expect(!svg.contains("<script>"))
    }
    let csv = try ReportCSV.table(records).csv()
    #expect(try ReportCSV.records(csv) == records)
  }

  @Test("The progress bar: counts, rate, ETA; quarters as plain lines; nothing when quiet")
  func progressBar() {
    let line = ProgressBar.line(
      .init(label: "demo", unit: "tasks", done: 5, total: 20, elapsed: 50, what: "ngram seed 0"),
      color: false, width: 8)
    #expect(line == "demo [██░░░░░░] · 5/20 tasks · 6.0 tasks/min · ETA 2m 30s · ngram seed 0")
    let colored = ProgressBar.line(
      .init(label: "demo", unit: "tasks", done: 20, total: 20, elapsed: 4, what: ""),
      color: true, width: 4)
    #expect(colored == "demo [\u{1B}[32m████\u{1B}[0m] · 20/20 tasks · 5.0 tasks/s · done in 4s")
    #expect(
      ProgressBar.mode(quiet: false, environment: ["NO_COLOR": "1"], isTerminal: true)
        == .terminal(color: false))
    #expect(
      ProgressBar.mode(quiet: false, environment: [:], isTerminal: true) == .terminal(color: true))
    #expect(ProgressBar.mode(quiet: false, environment: [:], isTerminal: false) == .lines)
    #expect(ProgressBar.mode(quiet: true, environment: [:], isTerminal: true) == .silent)

    final class Sink: @unchecked Sendable {
      var text = ""
      let lock = NSLock()
      func write(_ value: String) { lock.withLock { text += value } }
    }
    let sink = Sink()
    let plain = ProgressBar(label: "x", mode: .lines, write: { sink.write($0) }, clock: { 1 })
    for done in 1...20 { plain.update(done: done, total: 20, what: "unit \(done)") }
    #expect(sink.text.split(separator: "\n").count == 4, "a line per quarter: \(sink.text)")
    #expect(!sink.text.contains("\u{1B}"), "no escape codes off a terminal")
    let quiet = Sink()
    let silent = ProgressBar(label: "x", mode: .silent, write: { quiet.write($0) })
    silent.update(done: 1, total: 2, what: "a")
    silent.log("hello")
    #expect(quiet.text.isEmpty)
    #expect(ProgressBar.duration(3725) == "1h 02m")
  }
}
