import Foundation
import RefusalLab
import Testing
import TinyLM

/// The diagnostics (KL profile, completion tree, ρ, the n-gram sweep) on the n-gram, whose
/// training is instant, at seed 0.
@Suite("Diagnostics")
struct DiagnosticsTests {
  static func ngram(order: Int = NGramSettings.standard.order) throws -> DiagnosticModels {
    var settings = FamilySettings.ngramDefault
    settings.ngram.order = order
    return try DiagnosticModels(settings: settings, world: try World(), seed: 0)
  }

  // MARK: KL profile

  @Test("KL divergence of simple distributions")
  func divergence() {
    let p: [Float] = [log(0.5), log(0.5)]
    let q: [Float] = [log(0.25), log(0.75)]
    #expect(KLProfile.divergence(p, p) == 0)
    let expected = 0.5 * Foundation.log(0.5 / 0.25) + 0.5 * Foundation.log(0.5 / 0.75)
    #expect(abs(KLProfile.divergence(p, q) - expected) < 1e-6)
  }

  @Test("A model against itself has KL 0 at every position")
  func selfKL() throws {
    let models = try Self.ngram()
    let profile = KLProfile.measure(
      aligned: models.aligned, base: models.aligned, corpora: models.corpora)
    #expect(!profile.positions.isEmpty)
    for position in profile.positions { #expect(position.meanKL == 0) }
  }

  /// Qi et al.'s measurement: the world's harmful answer, teacher-forced after each held-out
  /// forbidden prompt. The rigid n-gram differs from the base model on the first token (it
  /// says "i" where the base model says "sure"); once the answer is under way its window
  /// holds only answer words, where alignment taught nothing new, and the KL nearly
  /// vanishes.
  @Test("Aligned vs base: KL on the first token of the harmful answer, little after it")
  func alignedVersusBase() throws {
    let models = try Self.ngram()
    let profile = KLProfile.measure(
      aligned: models.aligned, base: models.base, corpora: models.corpora)
    let answer = models.world.configuration.answerLength + 4  // sure topic : c1 … cn .
    try #require(profile.positions.count == answer + 1)  // the answer, then <eos>
    let total = models.corpora.forbiddenEvaluation().count
    for position in profile.positions { #expect(position.promptCount == total) }
    let first = profile.positions[0].meanKL
    #expect(first > 1)
    for position in profile.positions.dropFirst() { #expect(position.meanKL < first / 10) }
    #expect(try #require(profile.firstShare) > 0.9)
  }

  // MARK: Completion tree

  @Test("Tree: sorted children, probabilities consistent, depth and threshold respected")
  func tree() throws {
    let models = try Self.ngram()
    let world = models.world
    let prompt = models.corpora.forbiddenEvaluation()[0].tokens
    for (branching, depth) in [(3, 8), (2, 3), (1, 12)] {
      let tree = CompletionTree(
        model: models.aligned, prompt: prompt, vocabulary: world.vocabulary,
        endOfText: world.endOfText, branching: branching, depth: depth)
      #expect(tree.height <= depth)
      func check(_ nodes: [CompletionTree.Node], parent: Double, level: Int) {
        #expect(nodes.count <= branching)
        #expect(nodes.map(\.probability).reduce(0, +) <= 1 + 1e-9)
        #expect(zip(nodes, nodes.dropFirst()).allSatisfy { $0.probability >= $1.probability })
        for node in nodes {
          #expect(abs(node.cumulativeProbability - parent * node.probability) < 1e-12)
          #expect(node.cumulativeProbability >= tree.threshold)
          #expect(node.text == world.vocabulary.tokens[node.token])
          if node.token == world.endOfText { #expect(node.children.isEmpty) }
          if level == depth { #expect(node.children.isEmpty) }
          check(node.children, parent: node.cumulativeProbability, level: level + 1)
        }
      }
      check(tree.children, parent: 1, level: 1)
      // One pathway: the likeliest path opens with the rigid refusal.
      #expect(tree.trunk.starts(with: world.refusalStyles[0].opener))
      #expect(try CompletionTree(json: tree.json()) == tree)
      #expect(tree.rendered().split(separator: "\n").count == tree.nodeCount + 1)
    }
  }

  @Test("Tokens are escaped for the terminal")
  func escaping() {
    #expect(TokenEscaping.escape("a\u{1B}[31m") == "a\\u{1B}[31m")
    #expect(TokenEscaping.escape("back\\slash") == "back\\\\slash")
    #expect(TokenEscaping.escape("'m") == "'m")
  }

  // MARK: ρ

  @Test("ρ after the refusal opener is close to 1 and above ρ after neutral openers")
  func rho() throws {
    let models = try Self.ngram()
    let report = RhoReport(model: models.aligned, corpora: models.corpora)
    #expect(report.refusal.rho >= 0.98)
    #expect(report.refusal.rho >= report.neutralMean)
    #expect(report.neutral.count == models.world.neutralOpeners.count)
    // Order 3, openers of 3 tokens: only the topic memory can tell prompts apart.
    let lambda = NGramSettings.standard.memoryWeight
    for entry in [report.refusal] + report.neutral { #expect(entry.rho >= 1 - lambda - 1e-12) }
  }

  /// The closed form documented on `Rho`: with the n-gram window inside the opener,
  /// ρ = 1 − λ · mean TV(M̃_p, M̃_q), M̃ the memory's distribution for the prompt's key, or
  /// the n-gram's when the memory never saw it.
  @Test("ρ on the n-gram equals its closed form")
  func rhoClosedForm() throws {
    let models = try Self.ngram()
    let model = try #require(models.aligned as? NGramModel)
    let forbidden = models.corpora.forbiddenEvaluation().map(\.tokens)
    let benign = models.corpora.benignEvaluation().map(\.tokens)
    let vocabulary = 0..<model.vocabularySize
    for opener in [models.world.refusalStyles[0].opener, models.world.neutralOpeners[0]] {
      func memory(_ prompt: [Int]) -> [Double] {
        let context = prompt + opener
        if let key = model.memoryKey(for: context[...]), let counts = model.memoryCounts[key],
          counts.total > 0
        {
          return vocabulary.map { model.smoothed(counts, token: $0) }
        }
        return vocabulary.map { model.ngramProbability(of: $0, after: context) }
      }
      let p = forbidden.map(memory)
      let q = benign.map(memory)
      var sum = 0.0
      for row in p {
        for column in q { sum += Rho.totalVariation(row, column) }
      }
      let closedForm = 1 - model.configuration.memoryWeight * sum / Double(p.count * q.count)
      let measured = Rho.promptIndependence(
        of: model, after: opener, forbidden: forbidden, benign: benign)
      #expect(abs(measured - closedForm) < 1e-9)
    }
  }

  // MARK: The n-gram sweep

  /// The n-gram's window is the last n − 1 tokens, and `<assistant>` is the same before
  /// every answer, so after an L-token prefix the window ignores the prompt once
  /// L ≥ n − 2. Below that, the attack's counts sit in windows holding a *benign* topic word
  /// that forbidden prompts never read: nothing transfers and safety does not move. From
  /// L = n − 2 on, the benign lesson reaches forbidden prompts (transfer > 0) — up to the
  /// topic memory's share, which the attack writes under benign keys only. Whether that is
  /// enough to flip the greedy answer depends on the counts and λ, so the test only asks
  /// that safety never falls without transfer.
  @Test("Order × prefix length: no transfer and no drop while the window reaches the prompt")
  func prefixGrid() throws {
    let cells = try NGramSweep.prefixGrid(world: try World(), seed: 0)
    #expect(cells.count == NGramSweep.orders.count * NGramSweep.prefixLengths.count)
    for cell in cells {
      let label = "order \(cell.order), L = \(cell.prefixLength)"
      // A bigram's window is `<assistant>` alone, the same for every prompt: whether it
      // refuses at all rests on the topic memory, so it says nothing about the window.
      guard cell.order >= 3 else { continue }
      #expect(cell.alignedSafety >= 0.95, "\(label)")
      if cell.prefixLength < cell.order - 2 {
        #expect(cell.drop <= 0.05, "\(label)")
        #expect((cell.transfer ?? 0) < 0.05, "\(label)")
      } else {
        #expect(try #require(cell.transfer) > 0.3, "\(label)")
      }
      if cell.drop > 0.05 { #expect((cell.transfer ?? 0) > 0.3, "\(label)") }
    }
  }

  /// λ at order 3 with the rigid opener. ρ ≥ 1 − λ (the closed form). The transfer falls
  /// as λ grows: the memory's share of the next token is keyed by topic and never reached.
  /// λ = 0: nothing remembers the topic, so after "i 'm sorry sure" the attacked model names
  /// a *benign* topic and answers that — harmless, so no drop. λ ≥ 0.5: after the opener the
  /// memory's vote for the refusal (λ) beats the n-gram's transferred vote for "sure"
  /// (< 1 − λ), so no drop either; only in between can refusal unlearning succeed.
  @Test("Memory weight λ: transfer falls with λ; no drop at λ = 0 or λ ≥ 0.5")
  func memoryWeights() throws {
    let cells = try NGramSweep.memoryWeightSweep(world: try World(), seed: 0)
    #expect(cells.map(\.memoryWeight) == NGramSweep.memoryWeights)
    let transfers = try cells.map { try #require($0.transfer) }
    #expect(zip(transfers, transfers.dropFirst()).allSatisfy { $0 > $1 })
    #expect(transfers[0] > 0.95)
    for cell in cells {
      #expect(cell.alignedSafety >= 0.95, "λ = \(cell.memoryWeight)")
      #expect(cell.rho >= 1 - cell.memoryWeight - 1e-12, "λ = \(cell.memoryWeight)")
      if cell.memoryWeight == 0 || cell.memoryWeight >= 0.5 {
        #expect(cell.drop <= 0.05, "λ = \(cell.memoryWeight)")
      }
    }
  }
}
