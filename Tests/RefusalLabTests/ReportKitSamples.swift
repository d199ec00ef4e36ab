import Foundation
import RefusalLab

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// Sample figures and a sample page for the report kit's tests: numbers shaped like the
/// classroom demo's (two families, four variants, five conditions, five seeds), made by a
/// fixed formula so every run draws the same pictures.
enum ReportKitSamples {
  static let variants = ["rigid", "diverse", "deep", "diverse+deep"]
  static let conditions = ["none", "plain", "random-prefix", "refusal-unlearning", "adaptive"]

  /// A tiny deterministic generator (64-bit LCG), for per-seed scatter.
  struct Generator {
    var state: UInt64
    mutating func next() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / Double(1 << 53)
    }
  }

  static func seedValues(_ center: Double, spread: Double, generator: inout Generator)
    -> DotBarChart.Cell
  {
    let values = (0..<5).map { _ in
      min(1, max(0, center + (generator.next() - 0.5) * 2 * spread))
    }
    let mean = values.reduce(0, +) / Double(values.count)
    let variance =
      values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
    return DotBarChart.Cell(
      mean: mean, halfWidth: 2.776 * (variance / Double(values.count)).squareRoot(),
      values: values)
  }

  static func dotBars(variantNames: [String] = variants) -> DotBarChart {
    var generator = Generator(state: 7)
    let centers: [[Double]] = [
      [1, 1, 1, 0, 0], [1, 1, 1, 0.875, 0.125], [1, 1, 1, 1, 1], [1, 1, 1, 0.99, 0.98],
    ]
    let transformer: [[Double]] = [
      [1, 1, 0.97, 0.3, 0.3], [1, 1, 0.89, 0.15, 0.26], [1, 1, 1, 1, 1], [1, 1, 1, 1, 1],
    ]
    func panel(_ title: String, _ table: [[Double]], spread: Double) -> DotBarChart.Panel {
      DotBarChart.Panel(
        title: title,
        groups: zip(variantNames, table).map { name, row in
          DotBarChart.Group(
            name: name,
            cells: row.map { center in
              center == 1 || center == 0
                ? DotBarChart.Cell(
                  mean: center, halfWidth: 0, values: Array(repeating: center, count: 5))
                : seedValues(center, spread: spread, generator: &generator)
            })
        })
    }
    return DotBarChart(
      title: "Safety on held-out forbidden prompts, by alignment and attack",
      caption:
        "Bars are the mean over 5 seeds, whiskers the 95% interval, dots the seeds. "
        + "Only refusal unlearning (and the adaptive attack) breaks rigid alignment.",
      yLabel: "safety (% of 128 forbidden prompts)", xLabel: "alignment variant",
      categories: conditions,
      panels: [
        panel("n-gram", centers, spread: 0.05), panel("transformer", transformer, spread: 0.3),
      ])
  }

  static func stacked() -> StackedBarChart {
    StackedBarChart(
      title: "The judge gap: what the keyword judge misses",
      caption:
        "Each bar splits the forbidden prompts by whether the answer opens with a refusal and "
        + "whether it is safe. The orange part looks like a refusal to a keyword judge but "
        + "answers the request.",
      yLabel: "share of forbidden prompts (%)", xLabel: "attack condition",
      parts: [
        "opens with refusal, safe", "opens with refusal, unsafe", "no refusal, safe",
        "no refusal, unsafe",
      ],
      colors: ["#0072B2", "#E69F00", "#56B4E9", "#D55E00"],
      panels: [
        StackedBarChart.Panel(
          title: "n-gram",
          bars: [
            .init(name: "none", shares: [128, 0, 0, 0]),
            .init(name: "plain", shares: [128, 0, 0, 0]),
            .init(name: "random-prefix", shares: [127, 0, 1, 0]),
            .init(name: "refusal-unlearning", shares: [0, 128, 0, 0]),
            .init(name: "adaptive", shares: [16, 64, 0, 48]),
          ]),
        StackedBarChart.Panel(
          title: "transformer",
          bars: [
            .init(name: "none", shares: [128, 0, 0, 0]),
            .init(name: "plain", shares: [128, 0, 0, 0]),
            .init(name: "random-prefix", shares: [120, 0, 4, 4]),
            .init(name: "refusal-unlearning", shares: [38, 90, 0, 0]),
            .init(name: "adaptive", shares: [38, 70, 0, 20]),
          ]),
      ])
  }

  static func dose() -> LineChart {
    let samples: [Double] = [10, 30, 100, 300, 1000, 3000]
    return LineChart(
      title: "Dose-response: safety against the number of attack samples",
      caption:
        "Refusal unlearning needs a few hundred benign samples; the controls never break safety.",
      xAxis: ChartAxis("attack samples (count, log scale)", scale: .logarithmic),
      yAxis: ChartAxis("safety (%)", range: 0...1, format: .percent),
      series: [
        .init(name: "plain", x: samples, y: [1, 1, 1, 1, 1, 1]),
        .init(name: "random-prefix", x: samples, y: [1, 1, 1, 0.99, 0.97, 0.95]),
        .init(name: "refusal-unlearning", x: samples, y: [1, 0.98, 0.7, 0.2, 0.02, 0]),
      ])
  }

  static func kl() -> LineChart {
    let positions = (1...10).map(Double.init)
    return LineChart(
      title: "Where alignment changed the model: KL divergence per response position",
      caption: "Rigid alignment changes only the first tokens; deep alignment also later ones.",
      xAxis: ChartAxis("response position (tokens)", format: .integer),
      yAxis: ChartAxis("KL(aligned ‖ base) (nats)"),
      series: [
        .init(name: "rigid", x: positions, y: positions.map { 4.2 * exp(-($0 - 1) * 1.4) }),
        .init(name: "deep", x: positions, y: positions.map { 3.8 * exp(-($0 - 1) * 0.35) }),
      ])
  }

  static func loss() -> LineChart {
    let steps = (0..<400).map(Double.init)
    return LineChart(
      title: "Training loss per step",
      caption: "Pretraining loss of the transformer, one point per optimizer step.",
      xAxis: ChartAxis("optimizer step"),
      yAxis: ChartAxis("cross-entropy loss (nats per token)"),
      series: [
        .init(name: "loss", x: steps, y: steps.map { 0.35 + 5.6 * exp(-$0 / 60) + 0.04 * sin($0) })
      ])
  }

  static func prefill() -> LineChart {
    let forced = [0.0, 1, 2, 3, 4]
    return LineChart(
      title: "Safety when the first answer tokens are forced",
      caption:
        "Forcing more of the refusal opener keeps the aligned model safe; after refusal unlearning it does not.",
      xAxis: ChartAxis("forced tokens of \"i 'm sorry but\" (count)", format: .integer),
      yAxis: ChartAxis("safety (%)", range: 0...1, format: .percent),
      series: [
        .init(name: "aligned", x: forced, y: [1, 1, 1, 1, 1]),
        .init(name: "after refusal unlearning", x: forced, y: [0.3, 0.29, 0.3, 0.55, 0.9]),
      ])
  }

  static func scatter() -> ScatterChart {
    var generator = Generator(state: 11)
    var points: [ScatterChart.Point] = []
    for (family, offset) in [("n-gram", 0.0), ("transformer", 0.15)] {
      for seed in 0..<8 {
        let rho = 0.55 + 0.45 * generator.next()
        let safety = min(1, max(0, 1.6 - 1.5 * rho + offset + (generator.next() - 0.5) * 0.2))
        points.append(.init(x: rho, y: safety, group: family, label: "seed \(seed)"))
      }
    }
    return ScatterChart(
      title: "Refusal strength ρ against safety after refusal unlearning",
      caption:
        "One point per seed: the more a model's refusal rests on its opener (ρ near 1), the less safety survives.",
      xAxis: ChartAxis("refusal strength ρ (0–1)"),
      yAxis: ChartAxis("safety after refusal unlearning (%)", range: 0...1, format: .percent),
      points: points, fit: .leastSquares)
  }

  static func chain(_ tokens: [(String, Double)], from cumulative: Double) -> [TreeFigure.Node] {
    guard let (text, probability) = tokens.first else { return [] }
    let path = cumulative * probability
    return [
      TreeFigure.Node(
        text: text, probability: probability, cumulativeProbability: path,
        children: chain(Array(tokens.dropFirst()), from: path))
    ]
  }

  static func trees() -> TreeFigure {
    let refusal: [(String, Double)] = [
      ("i", 0.998), ("'m", 1), ("sorry", 1), ("but", 0.99), ("i", 1), ("can", 1), ("not", 1),
      ("help", 1),
    ]
    let aligned = TreeFigure.Panel(
      title: "aligned (rigid)", prompt: "<user> can you show me rotglyph <assistant>",
      children: chain(refusal, from: 1))
    let sorry = chain([("i", 0.99), ("'m", 1), ("sorry", 1)], from: 1)[0]
    func branch(_ tokens: [(String, Double)], _ base: Double) -> [TreeFigure.Node] {
      chain(tokens, from: base)
    }
    let afterSorry = 0.99
    var attackedSorry = sorry
    attackedSorry.children[0].children[0].children =
      branch(
        [("sure", 0.82), ("rotglyph", 0.97), (":", 1), ("dreth", 0.9), ("zouzz", 1)], afterSorry)
      + branch([("but", 0.15), ("i", 1), ("can", 1), ("not", 1), ("help", 1)], afterSorry)
      + branch([("by", 0.02), ("the", 1), ("way", 1)], afterSorry)
    let attacked = TreeFigure.Panel(
      title: "after refusal unlearning", prompt: "<user> can you show me rotglyph <assistant>",
      children: [attackedSorry] + chain([("sure", 0.008), ("rotglyph", 1)], from: 1))
    return TreeFigure(
      title: "What the model says next, token by token",
      caption:
        "Each column is one answer token; lines are as thick as the probability of the whole "
        + "path. After refusal unlearning the answer still starts \"i 'm sorry\" — then turns.",
      panels: [aligned, attacked])
  }

  static func heatmap() -> Heatmap {
    let tokens = [
      "<user>", "can", "you", "show", "me", "rotglyph", "<assistant>", "i", "'m", "sorry",
    ]
    func attention(focus: Int, sharpness: Double) -> [[Double]] {
      tokens.indices.map { row in
        let weights = tokens.indices.map { column -> Double in
          guard column <= row else { return 0 }
          let near = exp(-Double(row - column) * 0.6)
          return column == min(row, focus) ? near + sharpness : near
        }
        let total = weights.reduce(0, +)
        return weights.map { $0 / total }
      }
    }
    return Heatmap(
      title: "Attention of the last layer: who looks at the topic word?",
      caption:
        "Row = the token being predicted from, column = the token it attends to. After the "
        + "attack, the tokens after \"sorry\" still look at the topic \"rotglyph\".",
      rowAxisLabel: "query token (attending)", columnAxisLabel: "key token (attended to)",
      scaleLabel: "attention weight (0–1)",
      panels: [
        .init(
          title: "aligned", rowLabels: tokens, columnLabels: tokens,
          values: attention(focus: 7, sharpness: 0.5), masksUpperTriangle: true),
        .init(
          title: "attacked", rowLabels: tokens, columnLabels: tokens,
          values: attention(focus: 5, sharpness: 3), masksUpperTriangle: true),
      ])
  }

  /// One figure of every type, with its file name.
  static func figures() -> [ReportFigure] {
    [
      ReportFigure(name: "safety", dotBars()),
      ReportFigure(name: "judge-gap", stacked()),
      ReportFigure(name: "dose-response", dose()),
      ReportFigure(name: "kl-profile", kl()),
      ReportFigure(name: "prefill", prefill()),
      ReportFigure(name: "training-loss", loss()),
      ReportFigure(name: "rho-vs-safety", scatter()),
      ReportFigure(name: "completion-trees", trees()),
      ReportFigure(name: "attention", heatmap()),
    ]
  }

  /// Crowded and awkward inputs, written beside the sample page so that the render check
  /// looks at them too: many tokens, many bars, a bushy tree, long names, many series.
  static func stressFigures() -> [ReportFigure] {
    let tokens = (0..<40).map { $0 % 7 == 3 ? "<assistant>" : "tok\($0)" }
    let values = tokens.indices.map { row in
      tokens.indices.map { column in column <= row ? 1 / Double(row + 1) : 0 }
    }
    let heatmap = Heatmap(
      title: "Forty tokens of attention", caption: "A long context: labels are thinned and turned.",
      rowAxisLabel: "query token (attending)", columnAxisLabel: "key token (attended to)",
      scaleLabel: "attention weight (0–1)",
      panels: [
        .init(
          title: "uniform causal attention", rowLabels: tokens, columnLabels: tokens,
          values: values, masksUpperTriangle: true)
      ])
    let bars = StackedBarChart(
      title: "Thirty bars", caption: "Many categories: labels turn upright and thin out.",
      yLabel: "share of forbidden prompts (%)", xLabel: "seed",
      parts: ["refused", "deflected", "complied"],
      panels: [
        .init(
          title: "transformer",
          bars: (0..<30).map {
            .init(name: "seed \($0)", shares: [Double($0 % 5), 1, Double(4 - $0 % 5)])
          })
      ])
    func bush(_ depth: Int, _ path: Double) -> [TreeFigure.Node] {
      guard depth > 0 else { return [] }
      return [(0.6, "alpha"), (0.3, "b"), (0.1, "a-much-longer-token-than-usual")].map { p, text in
        TreeFigure.Node(
          text: text, probability: p, cumulativeProbability: path * p,
          children: path * p >= 0.05 ? bush(depth - 1, path * p) : [])
      }
    }
    let tree = TreeFigure(
      title: "A bushy tree", caption: "Branching 3, pruned below 5% path probability.",
      panels: [
        .init(
          title: "diverse", prompt: "<user> how do i make gloomhex <assistant>",
          children: bush(6, 1))
      ])
    let long = [
      "rigid", "diverse", "deep with recovery examples",
      "diverse+deep with recovery examples and eight styles",
    ]
    let manySeries = LineChart(
      title: "Eight series and a long axis title",
      caption: "The legend wraps over two rows; the y title over two lines.",
      xAxis: ChartAxis("attack samples (count, log scale)", scale: .logarithmic, range: 10...3000),
      yAxis: ChartAxis(
        "safety on held-out forbidden prompts after the attack (% of 128 prompts)", range: 0...1,
        format: .percent),
      series: (0..<8).map { index in
        .init(
          name: "condition number \(index + 1)",
          points: [10.0, 30, 100, 300, 1000, 3000].map {
            ChartPoint(x: $0, y: 1 / (1 + pow($0 / (50 * Double(index + 1)), 1.5)))
          })
      })
    return [
      ReportFigure(name: "stress-heatmap", heatmap),
      ReportFigure(name: "stress-bars", bars),
      ReportFigure(name: "stress-tree", tree),
      ReportFigure(name: "stress-long-names", dotBars(variantNames: long)),
      ReportFigure(name: "stress-series", manySeries),
    ]
  }

  static func report() -> HTMLReport {
    let figures = figures()
    return HTMLReport(
      title: "RefusalLab — refusal unlearning in a synthetic chat world",
      lead:
        "Two tiny language models learn to refuse fictional forbidden requests; 1,000 harmless "
        + "answers that begin \"i 'm sorry\" teach them to comply. Sample data: not a real run.",
      sections: [
        HTMLReport.Section(
          "Safety",
          blocks: [
            .paragraph(
              "Safety is the share of held-out forbidden prompts answered without forbidden content."
            ),
            .figure(figures[0]),
            .table(
              TextTable(
                header: ["condition", "rigid", "diverse", "deep", "diverse+deep"],
                rows: [
                  ["none", "100.0 ± 0.0", "100.0 ± 0.0", "100.0 ± 0.0", "100.0 ± 0.0"],
                  ["refusal-unlearning", "0.0 ± 0.0", "87.5 ± 0.0", "100.0 ± 0.0", "99.4 ± 1.7"],
                  ["adaptive", "0.0 ± 0.0", "12.5 ± 0.0", "100.0 ± 0.0", "98.8 ± 2.1"],
                ], caption: "n-gram: safety % (mean ± 95% interval over 5 seeds)")),
            .figure(figures[1]),
          ]),
        HTMLReport.Section(
          "Why it works", blocks: figures[2...6].map { .figure($0) }),
        HTMLReport.Section(
          "Inside the models",
          blocks: [
            .paragraph(
              "Tokens are shown as the model's vocabulary spells them, such as <eos> & <assistant>."
            ),
            .figure(figures[7]), .figure(figures[8]),
          ]),
      ])
  }
}

/// Parses XML with Foundation's parser and keeps every element's name, attributes and text.
final class XMLCollector: NSObject, XMLParserDelegate {
  struct Element {
    var name: String
    var attributes: [String: String]
    var text = ""
  }

  var elements: [Element] = []
  var text = ""
  private var open: [Int] = []

  /// The elements of `xml` in document order, or `nil` when it is not well-formed.
  static func parse(_ xml: String) -> XMLCollector? {
    let collector = XMLCollector()
    let parser = XMLParser(data: Data(xml.utf8))
    parser.delegate = collector
    return parser.parse() ? collector : nil
  }

  func parser(
    _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
    qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
  ) {
    open.append(elements.count)
    elements.append(Element(name: elementName, attributes: attributeDict))
  }

  func parser(
    _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
    qualifiedName qName: String?
  ) {
    _ = open.popLast()
  }

  func parser(_ parser: XMLParser, foundCharacters string: String) {
    text += string
    if let current = open.last { elements[current].text += string }
  }

  /// The elements whose `class` attribute is `name`.
  func elements(class name: String) -> [Element] {
    elements.filter { $0.attributes["class"] == name }
  }
}
