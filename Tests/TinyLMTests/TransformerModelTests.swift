import Foundation
import Testing
import TinyLM

/// Training, determinism, decoding and the `LanguageModel` contract of the transformer.
@Suite struct TransformerModelTests {
  static let tiny = TransformerConfiguration(
    layerCount: 2, headCount: 2, embeddingSize: 32, blockSize: 16, vocabularySize: 20)

  /// Counting sequences: after `start` comes start+1, start+2, … (mod 20), with a random
  /// prompt token in front that is not trained.
  static func countingCorpus(_ count: Int, seed: UInt64) -> [TrainingSequence] {
    var random = SeededRandom(seed: seed)
    return (0..<count).map { _ in
      let start = random.nextInt(below: 20)
      let length = 6 + random.nextInt(below: 10)
      let tokens = [random.nextInt(below: 20)] + (0..<length).map { (start + $0) % 20 }
      return TrainingSequence(tokens: tokens, trainedFrom: 2)
    }
  }

  @Test(arguments: [1, 2] as [UInt64])
  func lossFallsOnATinyTask(seed: UInt64) throws {
    let model = TransformerModel(configuration: Self.tiny, seed: seed)
    let corpus = Self.countingCorpus(64, seed: seed)
    let before = model.loss(on: corpus)
    var random = SeededRandom(seed: seed)
    let options = TrainingOptions(
      epochs: 30, batchSize: 16, learningRate: 3e-3, warmupFraction: 0.1, cosineDecay: true)
    let summary = try model.train(
      on: corpus, options: options, threads: 2, random: &random, progress: nil)
    let after = model.loss(on: corpus)
    #expect(summary.steps == 30 * 4)
    #expect(abs(before - Foundation.log(20.0)) < 0.3)
    #expect(after < 0.3)
    #expect(summary.lastLoss! < summary.firstLoss!)
  }

  /// The trained parameters and last losses of the same run on 1, 2 and 3 threads.
  static func trainWithOneTwoAndThreeThreads(
    _ configuration: TransformerConfiguration, _ corpus: [TrainingSequence],
    _ options: TrainingOptions, seed: UInt64
  ) throws -> (parameters: [[Float]], losses: [Double?]) {
    var results: [[Float]] = []
    var losses: [Double?] = []
    for threads in [1, 2, 3] {
      let model = TransformerModel(configuration: configuration, seed: seed)
      var random = SeededRandom(seed: seed)
      let summary = try model.train(
        on: corpus, options: options, threads: threads, random: &random, progress: nil)
      results.append(model.parameters)
      losses.append(summary.lastLoss)
    }
    return (results, losses)
  }

  @Test(arguments: [7, 8] as [UInt64])
  func trainingIsBitIdenticalForAnyThreadCount(seed: UInt64) throws {
    // Large enough that every layer takes its multi-threaded path.
    let configuration = TransformerConfiguration(
      layerCount: 2, headCount: 4, embeddingSize: 64, blockSize: 48, vocabularySize: 37)
    let corpus = (0..<32).map { i in
      TrainingSequence(
        tokens: (0..<(10 + i % 32)).map { ($0 * 7 + i) % 37 }, trainedFrom: 1 + i % 5)
    }
    let (results, losses) = try Self.trainWithOneTwoAndThreeThreads(
      configuration, corpus, TrainingOptions(epochs: 2, batchSize: 16, weightDecay: 0.1),
      seed: seed)
    #expect(results[0] == results[1])
    #expect(results[0] == results[2])
    #expect(losses[0] == losses[1])
    #expect(
      TransformerModel(configuration: configuration, seed: seed).parameters
        == TransformerModel(configuration: configuration, seed: seed).parameters)
  }

  @Test(arguments: [5, 6] as [UInt64])
  func shardedBatchesAreBitIdenticalForAnyThreadCount(seed: UInt64) throws {
    // Batches of 64 sequences of up to 39 rows (2,496): two shards, one per thread at most.
    let configuration = TransformerConfiguration(
      layerCount: 1, headCount: 2, embeddingSize: 32, blockSize: 48, vocabularySize: 29)
    let corpus = (0..<128).map { i in
      TrainingSequence(
        tokens: (0..<(20 + i % 21)).map { ($0 * 5 + i) % 29 }, trainedFrom: 1 + i % 4)
    }
    let (results, _) = try Self.trainWithOneTwoAndThreeThreads(
      configuration, corpus, TrainingOptions(epochs: 1, batchSize: 64), seed: seed)
    #expect(results[0] == results[1])
    #expect(results[0] == results[2])
    #expect(results[0] != TransformerModel(configuration: configuration, seed: seed).parameters)
  }

  @Test(arguments: [2, 3, 5] as [Int])
  func shardsSumToTheWholeBatchGradient(shards: Int) {
    let model = TransformerModel(configuration: Self.tiny, seed: 11)
    let batch = Self.countingCorpus(9, seed: 11)
    let whole = model.lossAndGradients(on: batch)
    let cut = model.lossAndGradients(on: batch, threads: 2, shards: shards)
    #expect(abs(whole.loss - cut.loss) < 1e-6)
    let scale = whole.gradients.map(abs).max()!
    let worst = zip(whole.gradients, cut.gradients).map { abs($0 - $1) }.max()!
    #expect(scale > 1e-3)
    #expect(worst < 1e-5 * scale)
  }

  @Test func sgdTrainsAndProgressIsReportedAtMostFiftyTimes() throws {
    let model = TransformerModel(configuration: Self.tiny, seed: 3)
    let corpus = Self.countingCorpus(40, seed: 3)
    let calls = Counter()
    var random = SeededRandom(seed: 3)
    let summary = try model.train(
      on: corpus,
      options: TrainingOptions(
        epochs: 200, maxSteps: 120, batchSize: 4, learningRate: 0.1, optimizer: .sgd),
      threads: 1, random: &random
    ) { done, total, loss in
      calls.add(done, total, loss)
    }
    #expect(summary.steps == 120)
    #expect(calls.count <= 50 && calls.count >= 10)
    #expect(calls.last == 120)
    #expect(summary.lastLoss! < summary.firstLoss!)
  }

  @Test func invalidSequencesAndNonFiniteLossesThrow() {
    let model = TransformerModel(configuration: Self.tiny, seed: 1)
    var random = SeededRandom(seed: 1)
    let tooLong = TrainingSequence(tokens: Array(repeating: 1, count: 18), trainedFrom: 1)
    #expect(throws: TrainingError.self) {
      try model.train(
        on: [tooLong], options: TrainingOptions(), threads: 1, random: &random, progress: nil)
    }
    let badToken = TrainingSequence(tokens: [1, 20], trainedFrom: 1)
    #expect(throws: TrainingError.self) {
      try model.train(
        on: [badToken], options: TrainingOptions(), threads: 1, random: &random, progress: nil)
    }
    // A block-size + 1 sequence is fine.
    let full = TrainingSequence(tokens: Array(repeating: 1, count: 17), trainedFrom: 1)
    #expect(throws: Never.self) {
      try model.train(
        on: [full], options: TrainingOptions(), threads: 1, random: &random, progress: nil)
    }
    let exploding = TrainingOptions(
      epochs: 20, batchSize: 4, learningRate: 1e30, optimizer: .sgd, gradientClip: 0)
    #expect {
      try model.train(
        on: Self.countingCorpus(8, seed: 2), options: exploding, threads: 1, random: &random,
        progress: nil)
    } throws: { error in
      guard case .nonFiniteLoss(let step) = error as? TrainingError else { return false }
      return step > 1
    }
  }

  @Test func copiesAreIndependent() throws {
    let model = TransformerModel(configuration: Self.tiny, seed: 5)
    let copy = model.copy()
    #expect(copy.parameters == model.parameters)
    var random = SeededRandom(seed: 5)
    _ = try copy.train(
      on: Self.countingCorpus(8, seed: 5), options: TrainingOptions(batchSize: 8),
      threads: 1, random: &random, progress: nil)
    #expect(copy.parameters != model.parameters)
    #expect(model.parameters == TransformerModel(configuration: Self.tiny, seed: 5).parameters)
  }

  /// The KV-cache decoder gives the same tokens as decoding with `logProbabilities(after:)`,
  /// greedy and sampled, for any thread count.
  @Test(arguments: [0.0, 1.0])
  func cachedGenerationMatchesNaiveDecoding(temperature: Double) throws {
    let model = TransformerModel(configuration: Self.tiny, seed: 11)
    var random = SeededRandom(seed: 11)
    _ = try model.train(
      on: Self.countingCorpus(64, seed: 11), options: TrainingOptions(epochs: 5, batchSize: 16),
      threads: 2, random: &random, progress: nil)
    let prompts = [[3], [5, 6, 7], [], Array(0..<15), Array(0..<16), [19, 0, 1, 2]]
    let options = GenerationOptions(
      maxNewTokens: 12, stopToken: 9, temperature: temperature, seed: 4, threads: 1)
    let cached = model.generate(prompts: prompts, options: options)
    var parallel = options
    parallel.threads = 3
    #expect(model.generate(prompts: prompts, options: parallel) == cached)
    for (index, prompt) in prompts.enumerated() {
      var stream = SeededRandom(seed: options.seed, stream: UInt64(index))
      var context = prompt
      var naive: [Int] = []
      while naive.count < options.maxNewTokens, context.count < 16 {
        let next = Decoding.choose(
          from: model.logProbabilities(after: context), temperature: temperature,
          random: &stream)
        naive.append(next)
        context.append(next)
        if next == options.stopToken { break }
      }
      #expect(cached[index] == naive, "prompt \(prompt)")
    }
    // Every prefix's distribution from one batched pass equals the single-context call.
    let tokens = [1, 2, 3, 4, 5, 6]
    let all = model.logProbabilities(forAllPositionsOf: tokens)
    for i in tokens.indices {
      #expect(all[i] == model.logProbabilities(after: Array(tokens[...i])))
      let total = all[i].reduce(0.0) { $0 + Foundation.exp(Double($1)) }
      #expect(abs(total - 1) < 1e-4)
    }
  }

  /// Many prompts of mixed lengths (several lockstep chunks): each answer equals decoding
  /// that prompt alone, for any thread count.
  @Test func batchedGenerationMatchesOnePromptAtATime() {
    let model = TransformerModel(configuration: Self.tiny, seed: 12)
    var random = SeededRandom(seed: 12)
    let prompts = (0..<150).map { _ in
      (0..<random.nextInt(below: 15)).map { _ in random.nextInt(below: 20) }
    }
    let options = GenerationOptions(maxNewTokens: 9, stopToken: 4, seed: 2, threads: 1)
    let batched = model.generate(prompts: prompts, options: options)
    var parallel = options
    parallel.threads = 2
    #expect(model.generate(prompts: prompts, options: parallel) == batched)
    for (index, prompt) in prompts.enumerated() where index % 7 == 0 {
      #expect(model.generate(prompts: [prompt], options: options)[0] == batched[index])
    }
  }

  @Test func configurationAndAccessors() {
    let model = TransformerModel(configuration: Self.tiny, seed: 1)
    #expect(model.parameterCount == Self.tiny.parameterCount)
    #expect(model.parameters.count == model.parameterCount)
    #expect(model.contextLimit == 16)
    let qkv = model.tensor(named: "transformer.h.1.attn.c_attn.weight")
    #expect(qkv?.shape == [96, 32])
    #expect(model.tensor(named: "lm_head.weight") == nil)
    #expect(model.logits(for: [1, 2, 3]).count == 3 * 20)
    #expect(
      TransformerConfiguration(
        layerCount: 1, headCount: 3, embeddingSize: 8, blockSize: 4, vocabularySize: 5
      ).problem != nil)
  }
}

/// A thread-safe record of progress calls.
final class Counter: @unchecked Sendable {
  private let lock = NSLock()
  private var calls: [Int] = []

  func add(_ done: Int, _ total: Int, _ loss: Double?) {
    lock.lock()
    calls.append(done)
    lock.unlock()
  }

  var count: Int {
    lock.lock()
    defer { lock.unlock() }
    return calls.count
  }

  var last: Int? {
    lock.lock()
    defer { lock.unlock() }
    return calls.last
  }
}
