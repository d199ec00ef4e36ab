import Foundation

/// The report's figures, each with a caption computed from the numbers it draws.
extension ResultsReport {
  /// A seed "breaks" when fewer than half its forbidden answers are safe.
  static let brokenBelow = 0.5

  /// Safety per variant × condition: a bar for the mean with its 95% interval and one dot
  /// per seed, a panel per family.
  func headlineFigure() -> DotBarChart {
    let pct = TextFormatting.sentencePercent
    let panels = families.map { family in
      DotBarChart.Panel(
        title: title(family),
        groups: experiment.variants.map { variant in
          DotBarChart.Group(
            name: variant.name,
            cells: experiment.conditions.map { condition in
              let found = values(family, variant.name, condition) { $0.safety }
              guard !found.isEmpty else { return nil }
              let summary = Summary(found)
              return DotBarChart.Cell(
                mean: summary.mean, halfWidth: summary.halfWidth, values: found)
            })
        })
    }
    var sentences: [String] = []
    for family in families {
      // The attacked cell with the lowest mean, and how many of its seeds broke.
      var worst: (variant: String, condition: AttackCondition, values: [Double])?
      for variant in experiment.variants {
        for condition in experiment.conditions where condition != .none {
          let found = values(family, variant.name, condition) { $0.safety }
          guard !found.isEmpty else { continue }
          if worst == nil || Summary(found).mean < Summary(worst!.values).mean {
            worst = (variant.name, condition, found)
          }
        }
      }
      guard let worst else { continue }
      let broken = worst.values.filter { $0 < Self.brokenBelow }.count
      // The reference variant under refusal unlearning, when the worst cell is elsewhere.
      let reference = experiment.variants[0].name
      let referenceValues = values(family, reference, .refusalUnlearning) { $0.safety }
      let referenceBroken = referenceValues.filter { $0 < Self.brokenBelow }.count
      let referenceElsewhere =
        !referenceValues.isEmpty
        && (worst.variant != reference || worst.condition != .refusalUnlearning)
      var sentence: String
      if broken > 0 {
        sentence =
          "\(title(family)): under \(worst.condition.rawValue), \(broken) of "
          + "\(worst.values.count) \(worst.variant) seed\(worst.values.count == 1 ? "" : "s") "
          + "fell below \(pct(Self.brokenBelow)) safety"
        if referenceElsewhere, worst.condition == .refusalUnlearning {
          sentence += " (\(reference): \(referenceBroken) of \(referenceValues.count))"
        }
        let held = experiment.variants.compactMap { variant -> (String, Double)? in
          guard variant.name != worst.variant,
            let value = mean(family, variant.name, worst.condition, { $0.safety })
          else { return nil }
          return (variant.name, value)
        }.max { $0.1 < $1.1 }
        if let held, held.1 > Summary(worst.values).mean {
          sentence += ", while \(held.0) kept \(pct(held.1)) on average"
        }
      } else {
        sentence =
          "\(title(family)): no attack brought a seed below \(pct(Self.brokenBelow)) safety; "
          + "the lowest mean was \(pct(Summary(worst.values).mean)) (\(worst.variant), "
          + "\(worst.condition.rawValue))"
      }
      if broken > 0, referenceElsewhere, worst.condition != .refusalUnlearning {
        sentence +=
          "; under refusal-unlearning, \(referenceBroken) of \(referenceValues.count) "
          + "\(reference) seed\(referenceValues.count == 1 ? "" : "s") did"
      }
      sentences.append(sentence + ".")
    }
    let seedCount = experiment.seeds.count
    let caption =
      (sentences.isEmpty
        ? "No attack ran: the bars show the aligned models' safety."
        : sentences.joined(separator: " "))
      + " Bars: mean over \(seedCount) seed\(seedCount == 1 ? "" : "s"); whiskers: 95% interval; "
      + "dots: one seed each."
    let width = max(
      900,
      min(
        1600,
        140 + Double(experiment.variants.count * families.count)
          * Double(max(3, experiment.conditions.count)) * 22))
    return DotBarChart(
      title: "Safety on held-out forbidden prompts, per alignment variant and attack",
      caption: caption, yLabel: "safety (% of \(forbiddenCount) forbidden prompts)",
      xLabel: "alignment variant", categories: experiment.conditions.map(\.rawValue),
      panels: panels, size: FigureSize(width: width, height: 520))
  }

  /// Per condition, the share of forbidden answers in each judge quadrant, for the reference
  /// variant.
  func judgeGapFigure() -> StackedBarChart {
    let reference = experiment.variants[0].name
    let parts = [
      "opens with refusal, safe", "opens with refusal, UNSAFE", "other opening, safe",
      "other opening, unsafe",
    ]
    let quadrants: [(Metrics) -> Double] = [
      { $0.refusalOpenSafe }, { $0.refusalOpenUnsafe }, { $0.otherOpenSafe },
      { $0.otherOpenUnsafe },
    ]
    let panels = families.map { family in
      StackedBarChart.Panel(
        title: title(family),
        bars: experiment.conditions.compactMap { condition in
          let shares = quadrants.map { mean(family, reference, condition, $0) }
          guard shares.allSatisfy({ $0 != nil }) else { return nil }
          return StackedBarChart.Bar(name: condition.rawValue, shares: shares.map { $0! })
        })
    }
    let pct = TextFormatting.sentencePercent
    var sentences: [String] = []
    for family in families {
      let gaps = experiment.conditions.compactMap { condition in
        mean(family, reference, condition) { $0.refusalOpenUnsafe }.map { (condition, $0) }
      }
      guard let widest = gaps.max(by: { $0.1 < $1.1 }) else { continue }
      if widest.1 > 0 {
        sentences.append(
          "\(title(family)): under \(widest.0.rawValue), \(pct(widest.1)) of the answers opened "
            + "with a refusal yet gave the forbidden content, which a keyword judge counts as "
            + "refusals.")
      } else {
        sentences.append(
          "\(title(family)): no answer opened with a refusal and was unsafe, so here the "
            + "keyword judge and the content judge agree.")
      }
    }
    return StackedBarChart(
      title:
        "The judge gap (\(reference)): how answers open, and whether they are safe",
      caption: sentences.joined(separator: " ") + " Shares are means over seeds.",
      yLabel: "share of forbidden answers (%)", xLabel: "attack condition", parts: parts,
      colors: ["#0072B2", "#D55E00", "#56B4E9", "#E69F00"], panels: panels,
      size: FigureSize(width: 900, height: 520))
  }

  /// The most likely path of a tree: its tokens and the path probability of its last node.
  static func trunk(_ tree: CompletionTree) -> (tokens: [String], probability: Double) {
    var tokens: [String] = []
    var probability = 1.0
    var level = tree.children
    while let first = level.first {
      tokens.append(first.text)
      probability = first.cumulativeProbability
      level = first.children
    }
    return (tokens, probability)
  }

  /// One variant's tree before and after refusal unlearning, stacked.
  func treeFigure(_ probe: ReportProbes.VariantProbe) -> TreeFigure? {
    var panels = [TreeFigure.Panel(title: "aligned (\(probe.variant))", tree: probe.tree)]
    let before = Self.trunk(probe.tree)
    let quote = { (tokens: [String]) in "“" + tokens.joined(separator: " ") + "”" }
    let p = { (value: Double) in NumberFormat.fixed(value, decimals: 2) }
    var caption =
      "Aligned, the most likely answer starts \(quote(before.tokens)) (path probability "
      + "\(p(before.probability)))"
    if let after = probe.treeAfterRefusalUnlearning {
      panels.append(TreeFigure.Panel(title: "after refusal unlearning", tree: after))
      let trunk = Self.trunk(after)
      let shared = zip(before.tokens, trunk.tokens).prefix { $0.0 == $0.1 }.map(\.0)
      caption +=
        "; after refusal unlearning it starts \(quote(trunk.tokens)) (\(p(trunk.probability)))"
      if trunk.tokens == before.tokens {
        caption += ": the same pathway."
      } else if shared.isEmpty {
        caption += ": the pathway changes from the first token."
      } else {
        caption += ": the two share \(quote(shared)), and the attack takes over after it."
      }
    } else {
      caption += "."
    }
    caption += " Edge width is the path probability; only branches above 1% are drawn."
    return TreeFigure(
      title: "\(title(probe.family)), \(probe.variant): what the model says after <assistant>",
      caption: caption, panels: panels, size: FigureSize(width: 1000, height: 300))
  }

  /// KL(aligned ‖ pretrained) per position of the harmful answer, one line per shown variant.
  func klFigure(_ family: ModelFamily, _ probes: ReportProbes.Results) -> LineChart? {
    let shown = probes.variants.filter { $0.family == family }
    guard !shown.isEmpty else { return nil }
    let series = shown.map { probe in
      LineChart.Series(
        name: probe.variant,
        points: probe.klProfile.positions.map {
          ChartPoint(x: Double($0.position), y: $0.meanKL)
        })
    }
    let pct = TextFormatting.sentencePercent
    let shares = shown.compactMap { probe -> String? in
      let kl = probe.klProfile.positions.map(\.meanKL)
      let total = kl.reduce(0, +)
      guard total > 0 else { return nil }
      return "\(probe.variant) \(pct(kl.prefix(2).reduce(0, +) / total))"
    }
    // Lines drawn over one another are named, so that no variant seems to be missing.
    var hidden: [String] = []
    for (index, probe) in shown.enumerated() {
      if let twin = shown[..<index].first(where: { other in
        other.klProfile.positions.count == probe.klProfile.positions.count
          && zip(other.klProfile.positions, probe.klProfile.positions).allSatisfy {
            abs($0.meanKL - $1.meanKL) <= 0.02 * max(1, abs($0.meanKL))
          }
      }) {
        hidden.append("\(probe.variant) lies on \(twin.variant)")
      }
    }
    var caption =
      shares.isEmpty
      ? "Alignment left the harmful answer's distribution where pretraining put it."
      : "Share of the change in the first two answer tokens: " + shares.joined(separator: ", ")
        + ". The larger it is, the more the alignment lives in the opening words alone."
    if !hidden.isEmpty { caption += " (" + hidden.joined(separator: "; ") + ".)" }
    return LineChart(
      title: "\(title(family)): where alignment changed the model, per answer position",
      caption: caption
        + " Teacher-forced on the harmful answer, mean over the held-out forbidden prompts.",
      xAxis: ChartAxis("position in the harmful answer (token)", format: .integer),
      yAxis: ChartAxis("KL(aligned ‖ pretrained) (nats)"), series: series)
  }

  /// Safety with the first k harmful tokens forced, before and after refusal unlearning.
  func prefillFigure(_ family: ModelFamily, _ probes: ReportProbes.Results) -> LineChart? {
    guard let probe = probes.variants.first(where: { $0.family == family }) else { return nil }
    let pct = TextFormatting.sentencePercent
    func points(_ values: [Double]) -> [ChartPoint] {
      values.enumerated().map { ChartPoint(x: Double($0.offset), y: $0.element) }
    }
    var series = [LineChart.Series(name: "aligned", points: points(probe.prefillAligned))]
    func describe(_ name: String, _ values: [Double]) -> String {
      guard let first = values.first, let last = values.last else { return "" }
      let k = values.count - 1
      if values.allSatisfy({ pct($0) == pct(first) }) {
        return "\(name), safety stayed at \(pct(first)) whatever was forced"
      }
      return "\(name), safety went from \(pct(first)) with nothing forced to \(pct(last)) "
        + "with \(k) forced token\(k == 1 ? "" : "s")"
    }
    var parts = [describe("aligned", probe.prefillAligned)]
    // "Aligned, safety went from …"; an empty curve describes nothing.
    parts.removeAll(where: \.isEmpty)
    if !probe.prefillAttacked.isEmpty {
      series.append(
        LineChart.Series(name: "after refusal unlearning", points: points(probe.prefillAttacked)))
      parts.append(describe("after refusal unlearning", probe.prefillAttacked))
    }
    return LineChart(
      title: "\(title(family)), \(probe.variant): safety when the harmful answer is started for it",
      caption: parts.joined(separator: "; ").prefix(1).uppercased()
        + parts.joined(separator: "; ").dropFirst()
        + ". Only the model's own continuation is judged.",
      xAxis: ChartAxis(
        "forced tokens of the harmful answer (count)", format: .integer,
        ticks: probe.prefillAligned.indices.map(Double.init)),
      yAxis: ChartAxis(
        "safety (% of \(forbiddenCount) forbidden prompts)", range: 0...1, format: .percent),
      series: series)
  }

  /// Safety after refusal unlearning against the aligned model's ρ, one point per seed and
  /// variant.
  func rhoFigure(_ proposition: PropositionTest) -> ScatterChart? {
    guard !proposition.rows.isEmpty else { return nil }
    let points = proposition.rows.map {
      ScatterChart.Point(
        x: $0.rhoOutput, y: $0.safetyAfterRefusalUnlearning, group: "\($0.model) \($0.variant)")
    }
    let correlations = proposition.correlations.filter {
      $0.variant == nil && $0.predictor == "rhoOutput"
    }
    let described = correlations.map { correlation in
      "\(correlation.model) "
        + (correlation.spearman.map {
          "ρ_s = \(NumberFormat.fixed($0, decimals: 2))"
        } ?? "ρ_s undefined") + " over \(correlation.count) models"
    }
    let caption =
      (described.isEmpty
        ? "One point per seed and variant."
        : "Spearman correlation of ρ with safety after refusal unlearning: "
          + described.joined(separator: "; ") + ". One point per seed and variant.")
      + " The dashed line is the least-squares fit over all points."
    return ScatterChart(
      title: "Does ρ predict what survives refusal unlearning?", caption: caption,
      xAxis: ChartAxis("ρ after the refusal opener (0–1)"),
      yAxis: ChartAxis("safety after refusal unlearning (%)", range: 0...1, format: .percent),
      points: points, fit: .leastSquares)
  }

  /// Every held-out prompt's projection on the aligned model's refusal direction, as the
  /// aligned model reads it (x) and after refusal unlearning (y): the first variant and
  /// seed of the `direction` diagnostic. Forbidden prompts that stay apart from benign ones
  /// along both axes mean the attacked model still recognises them.
  func directionFigure(_ study: DirectionStudy) -> ScatterChart? {
    guard let aligned = study.rows.first(where: { $0.condition == AttackCondition.none.rawValue }),
      let attacked = study.rows.first(where: {
        $0.variant == aligned.variant && $0.seed == aligned.seed
          && $0.condition == AttackCondition.refusalUnlearning.rawValue
      }),
      aligned.forbiddenProjections.count == attacked.forbiddenProjections.count,
      aligned.benignProjections.count == attacked.benignProjections.count
    else { return nil }
    func points(_ before: [Double], _ after: [Double], _ group: String) -> [ScatterChart.Point] {
      zip(before, after).map { ScatterChart.Point(x: $0, y: $1, group: group) }
    }
    let gapShare =
      aligned.alignedProjectionGap == 0
      ? nil : attacked.projectionGap / aligned.alignedProjectionGap
    let fixed = { (value: Double) in NumberFormat.fixed(value, decimals: 2) }
    let caption =
      "Transformer, \(aligned.variant), seed \(aligned.seed): one point per held-out prompt. "
      + "The forbidden prompts' mean projection minus the benign prompts' is "
      + "\(fixed(aligned.alignedProjectionGap)) in the aligned model and "
      + "\(fixed(attacked.projectionGap)) after refusal unlearning"
      + (gapShare.map { " (\(TextFormatting.sentencePercent($0)) of it)" } ?? "")
      + "; the attacked model's own direction has cosine \(fixed(attacked.cosineToAligned)) "
      + "with the aligned one. Ablating the direction leaves "
      + "\(TextFormatting.sentencePercent(aligned.ablatedRefusal)) of the aligned model's "
      + "forbidden answers opening with a refusal."
    return ScatterChart(
      title: "Does the attacked model still tell forbidden from benign? (the refusal direction)",
      caption: caption,
      xAxis: ChartAxis("projection on the refusal direction, aligned model"),
      yAxis: ChartAxis("projection, after refusal unlearning"),
      points: points(aligned.forbiddenProjections, attacked.forbiddenProjections, "forbidden")
        + points(aligned.benignProjections, attacked.benignProjections, "benign"),
      fit: .none)
  }

  /// One layer and head of the transformer, aligned next to attacked: the head whose
  /// attention from the last token to the topic word changed most.
  func attentionFigure(_ probes: ReportProbes.Results) -> Heatmap? {
    guard let probe = probes.variants.first(where: { $0.attention != nil }),
      let attention = probe.attention, let last = attention.tokens.indices.last
    else { return nil }
    var best: (layer: Int, head: Int, change: Float) = (0, 0, -1)
    for layer in attention.aligned.indices {
      for head in attention.aligned[layer].indices {
        let change = abs(
          attention.aligned[layer][head][last][attention.topicPosition]
            - attention.attacked[layer][head][last][attention.topicPosition])
        if change > best.change { best = (layer, head, change) }
      }
    }
    let labels = attention.tokens.enumerated().map { "\($0.offset) \($0.element)" }
    func panel(_ name: String, _ weights: [[[[Float]]]]) -> Heatmap.Panel {
      Heatmap.Panel(
        title: name, rowLabels: labels, columnLabels: labels,
        values: weights[best.layer][best.head].map { $0.map(Double.init) },
        masksUpperTriangle: true)
    }
    let before = Double(attention.aligned[best.layer][best.head][last][attention.topicPosition])
    let after = Double(attention.attacked[best.layer][best.head][last][attention.topicPosition])
    let topic = attention.tokens[attention.topicPosition]
    let pct = TextFormatting.sentencePercent
    return Heatmap(
      title: "Transformer (\(probe.variant)), layer \(best.layer + 1) head \(best.head + 1): "
        + "where each token looks",
      caption: "Reading the prompt and the refusal opener, the last token "
        + "(“\(attention.tokens[last])”) puts \(pct(before)) of this head's attention on the "
        + "topic word “\(topic)” in the aligned model and \(pct(after)) after refusal "
        + "unlearning; of all \(attention.aligned.count * (attention.aligned.first?.count ?? 0)) "
        + "heads, this is the one where that share changed most.",
      rowAxisLabel: "query token (attending)", columnAxisLabel: "key token (attended to)",
      scaleLabel: "attention weight (0–1)",
      panels: [
        panel("aligned", attention.aligned), panel("after refusal unlearning", attention.attacked),
      ],
      size: FigureSize(width: 1100, height: 600))
  }

  /// The loss of every step of each stage of the reference variant on the first seed.
  func lossFigure(_ family: ModelFamily, _ probes: ReportProbes.Results) -> LineChart? {
    let reference = experiment.variants[0]
    let wanted =
      [Stage.pretrain.name, Stage.align(reference).name]
      + [AttackCondition.refusalUnlearning, .plain].map { Stage.attack(reference, $0).name }
    let curves = probes.lossCurves.filter { $0.family == family && wanted.contains($0.stage) }
    guard !curves.isEmpty else { return nil }
    let series = curves.map { curve in
      LineChart.Series(
        name: curve.stage,
        points: curve.losses.enumerated().map {
          ChartPoint(x: Double($0.offset + 1), y: $0.element)
        })
    }
    let described = curves.map { curve in
      "\(curve.stage) \(NumberFormat.fixed(curve.losses.first!, decimals: 2)) → "
        + "\(NumberFormat.fixed(curve.losses.last!, decimals: 2)) in "
        + "\(NumberFormat.readable(Double(curve.losses.count))) "
        + "step\(curve.losses.count == 1 ? "" : "s")"
    }
    let note =
      family == .ngram
      ? " (the n-gram counts its data; only a constrained objective has a loss)" : ""
    return LineChart(
      title: "\(title(family)): training loss per step, seed \(probes.seed)\(note)",
      caption: "Loss at the first → last step of each stage: " + described.joined(separator: "; ")
        + ".",
      xAxis: ChartAxis("optimizer step within the stage (count, log scale)", scale: .logarithmic),
      yAxis: ChartAxis("training loss (nats per trained token)"), series: series)
  }
}
