import Foundation
import Testing
import TinyLM

@Suite("N-gram model")
struct NGramModelTests {
  // Tokens: 0 a, 1 b, 2 c, 3 d, 4 <anchor>, 5 topic-x, 6 topic-y
  static func model(order: Int = 3, memory: Double = 0) -> NGramModel {
    NGramModel(
      configuration: .init(
        order: order, smoothing: 0.5, memoryWeight: memory, memoryAnchor: 4, vocabularySize: 7))
  }

  static func train(_ model: NGramModel, _ tokens: [Int], weight: Double = 1, epochs: Int = 1) {
    var random = SeededRandom(seed: 0)
    _ = try! model.train(
      on: [TrainingSequence(tokens: tokens, trainedFrom: 1)],
      options: TrainingOptions(epochs: epochs, learningRate: weight), random: &random)
  }

  @Test("An untrained model is uniform; distributions always sum to one")
  func normalised() {
    let model = Self.model(memory: 0.3)
    #expect(model.distribution(after: [0]).allSatisfy { abs($0 - 1.0 / 7) < 1e-15 })
    Self.train(model, [5, 4, 0, 1, 2, 3])
    for context in [[5, 4], [5, 4, 0], [6, 4, 0, 1], [3], [], [2, 2, 2]] {
      let sum = model.distribution(after: context).reduce(0, +)
      #expect(abs(sum - 1) < 1e-12, "context \(context)")
      let logSum = model.logProbabilities(after: context).reduce(0.0) { $0 + exp(Double($1)) }
      #expect(abs(logSum - 1) < 1e-5)
    }
  }

  @Test("Smoothing and back-off follow (c + k) / (total + k·V) on the longest seen suffix")
  func backoff() {
    let model = Self.model()
    Self.train(model, [0, 1, 2, 0, 1, 3])
    // Context (0, 1) was followed by 2 once and by 3 once.
    #expect(model.backoffContext(for: [9, 0, 1]) == [0, 1])
    #expect(model.probability(of: 2, after: [0, 1]) == 1.5 / (2 + 3.5))
    // Context (3, 1) is unseen; the model backs off to (1), seen twice.
    #expect(model.backoffContext(for: [3, 1]) == [1])
    #expect(model.probability(of: 3, after: [3, 1]) == 1.5 / (2 + 3.5))
  }

  @Test("Training adds learningRate × epochs per occurrence; copies are independent")
  func weightedCounts() {
    let model = Self.model()
    Self.train(model, [0, 1, 2])
    let twin = model.copy()
    Self.train(twin, [0, 1, 3], weight: 1.5, epochs: 2)
    #expect(twin.ngramCounts[[0, 1]]?.count(of: 3) == 3)
    #expect(twin.ngramCounts[[0, 1]]?.total == 4)
    #expect(model.ngramCounts[[0, 1]]?.total == 1)
  }

  @Test("The topic memory recalls the anchor key when the n-gram context cannot")
  func topicMemory() {
    let model = Self.model(order: 2, memory: 0.4)
    Self.train(model, [5, 4, 0, 1])  // topic x: after 0 comes 1
    Self.train(model, [6, 4, 0, 2])  // topic y: after 0 comes 2
    #expect(model.memoryKey(for: [5, 4, 0][...]) == .init(anchorKey: 5, previous: 0))
    #expect(model.memoryKey(for: [0, 1][...]) == nil)
    let afterX = model.distribution(after: [5, 4, 0])
    let afterY = model.distribution(after: [6, 4, 0])
    #expect(afterX[1] > afterX[2])
    #expect(afterY[2] > afterY[1])
    #expect(Decoding.argmax(model.logProbabilities(after: [5, 4, 0])) == 1)
  }

  @Test("Bad token ids and non-finite weights are rejected")
  func invalid() {
    let model = Self.model()
    var random = SeededRandom(seed: 0)
    #expect(throws: TrainingError.self) {
      try model.train(
        on: [TrainingSequence(tokens: [0, 9], trainedFrom: 1)], options: TrainingOptions(),
        random: &random)
    }
    #expect(throws: TrainingError.self) {
      try model.train(
        on: [TrainingSequence(tokens: [0, 1], trainedFrom: 1)],
        options: TrainingOptions(learningRate: .nan), random: &random)
    }
  }
}

@Suite("Decoding")
struct DecodingTests {
  @Test("Greedy picks the maximum, ties to the lowest id")
  func greedy() {
    var random = SeededRandom(seed: 0)
    #expect(Decoding.choose(from: [-1, -0.5, -0.5, -3], temperature: 0, random: &random) == 1)
  }

  @Test("Sampling follows the distribution and the seed")
  func sampling() {
    var random = SeededRandom(seed: 3)
    let logits: [Float] = [log(0.7), log(0.2), log(0.1)]
    var counts = [0, 0, 0]
    for _ in 0..<10_000 {
      counts[Decoding.choose(from: logits, temperature: 1, random: &random)] += 1
    }
    #expect((6_700...7_300).contains(counts[0]), "\(counts)")
    #expect((1_700...2_300).contains(counts[1]), "\(counts)")
  }

  @Test("generate stops at the stop token and is the same for any thread count")
  func generate() {
    let model = NGramModelTests.model()
    NGramModelTests.train(model, [0, 1, 2, 3, 4])
    let options = GenerationOptions(maxNewTokens: 10, stopToken: 4)
    let out = model.generate(prompts: [[0], [0, 1]], options: options)
    #expect(out == [[1, 2, 3, 4], [2, 3, 4]])
    var sampled = options
    sampled.temperature = 1
    sampled.seed = 8
    let one = model.generate(prompts: [[0], [1], [2]], options: sampled)
    sampled.threads = 2
    #expect(model.generate(prompts: [[0], [1], [2]], options: sampled) == one)
  }
}
