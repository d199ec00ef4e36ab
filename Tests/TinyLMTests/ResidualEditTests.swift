import Foundation
import Testing
import TinyLM

/// Inference-time edits of the residual stream: directional ablation and activation addition.
@Suite struct ResidualEditTests {
  static let tiny = TransformerModelTests.tiny
  static let tokens = [3, 4, 5, 6, 7, 1, 9]

  /// A direction with no special relation to the model.
  static func direction(seed: UInt64) -> [Float] {
    var random = SeededRandom(seed: seed)
    return (0..<tiny.embeddingSize).map { _ in random.nextGaussian() }
  }

  static func dot(_ a: ArraySlice<Float>, _ b: [Float]) -> Float {
    zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
  }

  @Test func ablatingAZeroDirectionChangesNothing() throws {
    let model = try HiddenStateTests.trained()
    let plain = model.logits(for: Self.tokens)
    let edited = model.copy()
    edited.residualEdit = .ablate(direction: [Float](repeating: 0, count: Self.tiny.embeddingSize))
    #expect(edited.logits(for: Self.tokens) == plain, "bit-identical logits")
    #expect(
      edited.generate(prompts: [[3, 4]], options: GenerationOptions(maxNewTokens: 6))
        == model.generate(prompts: [[3, 4]], options: GenerationOptions(maxNewTokens: 6)))
  }

  @Test(arguments: [1, 2, 3] as [UInt64])
  func ablationLeavesNoComponentAlongTheDirection(seed: UInt64) throws {
    let model = try HiddenStateTests.trained()
    let direction = Self.direction(seed: seed)
    let norm = direction.map { $0 * $0 }.reduce(0, +).squareRoot()
    let unit = direction.map { $0 / norm }
    let plain = model.residualStream(of: Self.tokens)
    let plainLogits = model.logits(for: Self.tokens)
    model.residualEdit = .ablate(direction: direction)
    let ablated = model.residualStream(of: Self.tokens)
    let channels = Self.tiny.embeddingSize
    var before: Float = 0
    for (depth, states) in ablated.enumerated() {
      for t in Self.tokens.indices {
        let row = states[(t * channels)..<((t + 1) * channels)]
        let size = row.map { $0 * $0 }.reduce(0, +).squareRoot()
        #expect(abs(Self.dot(row, unit)) <= 1e-5 * max(size, 1), "depth \(depth), token \(t)")
        before = max(
          before, abs(Self.dot(plain[depth][(t * channels)..<((t + 1) * channels)], unit)))
      }
    }
    #expect(before > 1e-3, "the unedited states do have a component to remove")
    #expect(model.logits(for: Self.tokens) != plainLogits, "the edit changes what the model says")
  }

  @Test(arguments: [0, 1, 2] as [Int])
  func additionShiftsTheStreamAtItsDepthByTheScaledDirection(depth: Int) throws {
    let model = try HiddenStateTests.trained()
    let direction = Self.direction(seed: 7)
    let plain = model.residualStream(of: Self.tokens)
    model.residualEdit = .add(direction: direction, depth: depth, scale: 0.5)
    let added = model.residualStream(of: Self.tokens)
    let channels = Self.tiny.embeddingSize
    for d in 0..<depth {
      #expect(added[d] == plain[d], "states before depth \(depth) are untouched")
    }
    for t in Self.tokens.indices {
      for c in 0..<channels {
        let shift = added[depth][t * channels + c] - plain[depth][t * channels + c]
        #expect(abs(shift - 0.5 * direction[c]) < 1e-5)
      }
    }
  }

  @Test func editedDecodingEqualsEditedScoringAndCopiesKeepTheEdit() throws {
    let model = try HiddenStateTests.trained()
    model.residualEdit = .add(direction: Self.direction(seed: 11), depth: 1, scale: 2)
    let copy = model.copy()
    #expect(copy.residualEdit == model.residualEdit)
    let prompt = [3, 4, 5]
    let decoded = copy.generate(prompts: [prompt], options: GenerationOptions(maxNewTokens: 5))[0]
    var context = prompt
    for token in decoded {
      let scores = model.logProbabilities(after: context)
      let best = scores.indices.max { scores[$0] != scores[$1] ? scores[$0] < scores[$1] : $0 > $1 }
      #expect(token == best)
      context.append(token)
    }
  }

  @Test func trainingRefusesAnEditedModel() throws {
    let model = TransformerModel(configuration: Self.tiny, seed: 1)
    model.residualEdit = .ablate(direction: Self.direction(seed: 1))
    var random = SeededRandom(seed: 1)
    #expect(throws: TrainingError.self) {
      _ = try model.train(
        on: TransformerModelTests.countingCorpus(4, seed: 1), options: TrainingOptions(),
        threads: 1, random: &random, progress: nil)
    }
  }

  @Test func problemsAreNamed() {
    #expect(ResidualEdit.ablate(direction: [1, 2]).problem(for: Self.tiny) != nil)
    let direction = Self.direction(seed: 2)
    #expect(
      ResidualEdit.add(direction: direction, depth: 9, scale: 1).problem(for: Self.tiny) != nil)
    #expect(
      ResidualEdit.add(direction: direction, depth: 1, scale: 1).problem(for: Self.tiny) == nil)
  }
}
