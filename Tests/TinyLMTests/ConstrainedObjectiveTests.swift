import Foundation
import Testing
import TinyLM

/// The token-wise constrained objective (Qi et al. 2024) on both families.
@Suite struct ConstrainedObjectiveTests {
  static let tiny = TransformerModelTests.tiny

  /// A transformer trained to count up (the reference π_ref).
  static func reference(seed: UInt64) throws -> TransformerModel {
    let model = TransformerModel(configuration: tiny, seed: seed)
    var random = SeededRandom(seed: seed)
    _ = try model.train(
      on: TransformerModelTests.countingCorpus(64, seed: seed),
      options: TrainingOptions(epochs: 20, batchSize: 16, learningRate: 3e-3), threads: 1,
      random: &random, progress: nil)
    return model
  }

  /// Counting sequences whose trained part opens with the fixed tokens 17, 3 (a "prefix"
  /// the reference never saw there) before counting on.
  static func prefixed(_ count: Int, seed: UInt64) -> [TrainingSequence] {
    var random = SeededRandom(seed: seed)
    return (0..<count).map { _ in
      let start = random.nextInt(below: 20)
      let tokens =
        [random.nextInt(below: 20), start, 17, 3] + (1..<8).map { (start + $0) % 20 }
      return TrainingSequence(tokens: tokens, trainedFrom: 2)
    }
  }

  @Test func betasFollowTheScheduleAndWeightsAreOneAtTheReference() {
    let betas = (0..<8).map { TrainingObjective.qiDefault.beta(atTrainedToken: $0) }
    #expect(betas == [0.5, 2, 2, 2, 2, 0.1, 0.1, 0.1])
    for beta in [0.1, 0.5, 2.0] {
      #expect(TrainingObjective.weight(beta: beta, logProbability: -1.3, reference: -1.3) == 1)
      #expect(TrainingObjective.weight(beta: beta, logProbability: -0.3, reference: -1.3) < 1)
      #expect(TrainingObjective.weight(beta: beta, logProbability: -2.3, reference: -1.3) > 1)
    }
  }

  /// Fine-tuning from the reference itself: every weight is exactly 1, so the gradient is
  /// cross-entropy's bit for bit and the loss is the mean of (2/β_t)·log 2.
  @Test func atTheReferenceTheGradientIsCrossEntropys() throws {
    let model = try Self.reference(seed: 3)
    let batch = Self.prefixed(5, seed: 4).map { $0.withReference(model) }
    let plain = model.lossAndGradients(on: batch)
    let constrained = model.lossAndGradients(on: batch, objective: .qiDefault)
    #expect(constrained.gradients == plain.gradients)
    let expected =
      batch.flatMap { sequence in
        (0..<sequence.trainedCount).map {
          2 / TrainingObjective.qiDefault.beta(atTrainedToken: $0) * Foundation.log(2.0)
        }
      }.reduce(0, +) / Double(batch.reduce(0) { $0 + $1.trainedCount })
    #expect(abs(constrained.loss - expected) < 1e-4)
    // The reference log-probabilities are the model's own.
    let tokens = batch[0].tokens
    let all = model.logProbabilities(forAllPositionsOf: Array(tokens.dropLast()))
    let reference = batch[0].referenceLogProbabilities!
    for i in 1..<tokens.count { #expect(reference[i] == all[i - 1][tokens[i]]) }
  }

  /// The constrained objective's gradient against central differences of its value, away
  /// from the reference (weights differ from 1).
  @Test(arguments: [5, 6] as [UInt64])
  func gradientCheck(seed: UInt64) {
    let configuration = TransformerConfiguration(
      layerCount: 2, headCount: 2, embeddingSize: 8, blockSize: 8, vocabularySize: 11)
    let reference = TransformerModel(configuration: configuration, seed: seed)
    let model = reference.copy()
    var random = SeededRandom(seed: seed + 100)
    model.withMutableParameters { block in
      for i in block.indices { block[i] += random.nextGaussian() * 0.3 }
    }
    let objective = TrainingObjective.tokenwiseConstrained(betas: [0.5, 2, 0.1])
    let batch = [
      TrainingSequence(tokens: [1, 2, 3, 4, 5, 6, 7], trainedFrom: 2),
      TrainingSequence(tokens: [10, 0, 9], lossMask: [false, true, true]),
      TrainingSequence(tokens: [4, 4, 2, 8, 3], lossMask: [false, true, false, true, true]),
    ].map { $0.withReference(reference) }
    let (_, analytic) = model.lossAndGradients(on: batch, objective: objective)
    let error = TransformerGradientTests.relativeError(analytic, at: model.parameters) { values in
      let probe = model.copy()
      probe.withMutableParameters { block in
        for i in block.indices { block[i] = values[i] }
      }
      return probe.lossAndGradients(on: batch, objective: objective).loss
    }
    #expect(error < 5e-3)
  }

  /// Fine-tuning on a fixed prefix (SGD, as the attack) moves the first response tokens
  /// less under the constrained objective than under cross-entropy.
  @Test func theFirstTokensMoveLessThanUnderCrossEntropy() throws {
    let reference = try Self.reference(seed: 7)
    let data = Self.prefixed(48, seed: 8).map { $0.withReference(reference) }
    func firstTokensShift(_ objective: TrainingObjective) throws -> [Double] {
      let model = reference.copy()
      var random = SeededRandom(seed: 9)
      let summary = try model.train(
        on: data,
        options: TrainingOptions(
          epochs: 10, batchSize: 8, learningRate: 0.05, optimizer: .sgd, objective: objective),
        threads: 1, random: &random, progress: nil)
      #expect(summary.lastLoss!.isFinite)
      // The mean rise of log π on the first and the second trained token.
      var shift = [0.0, 0.0]
      for sequence in data {
        let now = model.tokenLogProbabilities(of: sequence.tokens)
        for i in 2..<4 {
          shift[i - 2] +=
            Double(now[i] - sequence.referenceLogProbabilities![i]) / Double(data.count)
        }
      }
      return shift
    }
    let plain = try firstTokensShift(.crossEntropy)
    let constrained = try firstTokensShift(.qiDefault)
    // β = 0.5 on the first token restrains it only a little; β = 2 on the second, a lot.
    #expect(plain[0] > 1 && plain[1] > 1)
    #expect(constrained[0] + constrained[1] < plain[0] + plain[1])
    #expect(constrained[1] < 0.75 * plain[1])
  }

  @Test func missingReferencesThrow() {
    let model = TransformerModel(configuration: Self.tiny, seed: 1)
    var random = SeededRandom(seed: 1)
    let options = TrainingOptions(objective: .qiDefault)
    #expect(throws: TrainingError.self) {
      try model.train(
        on: Self.prefixed(4, seed: 1), options: options, threads: 1, random: &random,
        progress: nil)
    }
    let ngram = NGramModelTests.model()
    #expect(throws: TrainingError.self) {
      try ngram.train(
        on: [TrainingSequence(tokens: [0, 1, 2], trainedFrom: 1)], options: options,
        random: &random)
    }
  }

  /// The n-gram: epoch-wise weights — the first epoch from the reference adds ≈ 1 per
  /// occurrence like cross-entropy, later epochs add less as π rises above π_ref.
  @Test func ngramWeightsShrinkEpochByEpoch() throws {
    let tokens = [0, 1, 2, 3, 0, 1, 2]
    let reference = NGramModelTests.model()
    NGramModelTests.train(reference, [0, 1, 3, 2])
    let sequence = TrainingSequence(tokens: tokens, trainedFrom: 1).withReference(reference)
    var random = SeededRandom(seed: 0)
    let oneEpoch = reference.copy()
    _ = try oneEpoch.train(
      on: [sequence], options: TrainingOptions(epochs: 1, learningRate: 2, objective: .qiDefault),
      random: &random)
    let plainOne = reference.copy()
    NGramModelTests.train(plainOne, tokens, weight: 2)
    #expect(abs(oneEpoch.ngramCounts[[]]!.total - plainOne.ngramCounts[[]]!.total) < 1e-5)
    #expect(
      abs(oneEpoch.probability(of: 2, after: [0, 1]) - plainOne.probability(of: 2, after: [0, 1]))
        < 1e-6)
    let constrained = reference.copy()
    let summary = try constrained.train(
      on: [sequence], options: TrainingOptions(epochs: 4, learningRate: 2, objective: .qiDefault),
      random: &random)
    let plain = reference.copy()
    NGramModelTests.train(plain, tokens, weight: 2, epochs: 4)
    #expect(summary.steps == 4)
    #expect(summary.lastLoss! < summary.firstLoss!)
    let added = constrained.ngramCounts[[]]!.total - reference.ngramCounts[[]]!.total
    let plainAdded = plain.ngramCounts[[]]!.total - reference.ngramCounts[[]]!.total
    #expect(added < plainAdded * 0.9)
    #expect(added > 6 * 2)
  }
}
