import Foundation
import Testing
import TinyLM

/// The residual-stream API and the all-position scoring requirements of `LanguageModel`.
@Suite struct HiddenStateTests {
  static let tiny = TransformerModelTests.tiny

  /// A lightly trained model, so that every layer does something.
  static func trained() throws -> TransformerModel {
    let model = TransformerModel(configuration: tiny, seed: 3)
    var random = SeededRandom(seed: 3)
    _ = try model.train(
      on: TransformerModelTests.countingCorpus(32, seed: 3),
      options: TrainingOptions(epochs: 3, batchSize: 8, learningRate: 3e-3), threads: 1,
      random: &random, progress: nil)
    return model
  }

  @Test func residualStreamHasEveryLayerAndFeedsTheHead() throws {
    let model = try Self.trained()
    let tokens = [3, 4, 5, 6, 7, 1, 9]
    let channels = Self.tiny.embeddingSize
    let stream = model.residualStream(of: tokens)
    #expect(stream.count == Self.tiny.layerCount + 1)
    for layer in stream { #expect(layer.count == tokens.count * channels) }
    // x₀ = wte[token] + wpe[position].
    let wte = try #require(model.tensor(named: "transformer.wte.weight")).values
    let wpe = try #require(model.tensor(named: "transformer.wpe.weight")).values
    for (t, token) in tokens.enumerated() {
      for c in 0..<channels {
        #expect(stream[0][t * channels + c] == wte[token * channels + c] + wpe[t * channels + c])
      }
    }
    // ln_f(last state) · wteᵀ gives the model's logits at every position.
    let gain = try #require(model.tensor(named: "transformer.ln_f.weight")).values
    let bias = try #require(model.tensor(named: "transformer.ln_f.bias")).values
    let logits = model.logits(for: tokens)  // (T, V)
    let last = stream[Self.tiny.layerCount]
    for t in tokens.indices {
      let row = Array(last[(t * channels)..<((t + 1) * channels)])
      let mean = row.reduce(0, +) / Float(channels)
      let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(channels)
      let rstd = 1 / (variance + 1e-5).squareRoot()
      let normed = (0..<channels).map { (row[$0] - mean) * rstd * gain[$0] + bias[$0] }
      for v in 0..<Self.tiny.vocabularySize {
        var logit: Float = 0
        for c in 0..<channels { logit += normed[c] * wte[v * channels + c] }
        #expect(abs(logit - logits[t * Self.tiny.vocabularySize + v]) < 1e-3)
      }
    }
    // Causal: a prefix's states are the first rows of the whole sequence's states.
    let prefix = model.residualStream(of: Array(tokens.prefix(4)))
    for (short, long) in zip(prefix, stream) {
      for i in short.indices { #expect(abs(short[i] - long[i]) < 1e-4) }
    }
  }

  @Test func allPositionScoresAgreeWithOnePositionAtATime() throws {
    let model = try Self.trained()
    // Longer than the block size: later rows read the last `blockSize` tokens.
    let tokens = (0..<(Self.tiny.blockSize + 3)).map { ($0 * 7) % Self.tiny.vocabularySize }
    let rows = model.allPositionLogProbabilities(of: tokens)
    #expect(rows.count == tokens.count)
    for (t, row) in rows.enumerated() {
      let single = model.logProbabilities(after: Array(tokens[...t]))
      for v in row.indices { #expect(abs(row[v] - single[v]) < 1e-4) }
    }
    // The transformer's one-pass token scores against the protocol's default definition.
    let sequence = Array(tokens.prefix(Self.tiny.blockSize + 1))
    let fast = model.tokenLogProbabilities(of: sequence)
    #expect(fast[0] == 0)
    for i in sequence.indices.dropFirst() {
      let expected = model.logProbabilities(after: Array(sequence[..<i]))[sequence[i]]
      #expect(abs(fast[i] - expected) < 1e-4)
    }
    let probabilities = model.nextTokenProbabilities(after: [1, 2, 3])
    #expect(abs(probabilities.reduce(0, +) - 1) < 1e-5)
  }

  @Test func theNGramUsesTheDefaultsExactly() throws {
    let model = NGramModel(
      configuration: .init(
        order: 3, smoothing: 0.1, memoryWeight: 0.3, memoryAnchor: 2, vocabularySize: 12))
    var random = SeededRandom(seed: 1)
    _ = try model.train(
      on: [
        TrainingSequence(tokens: [5, 2, 7, 8, 9, 11], trainedFrom: 2),
        TrainingSequence(tokens: [6, 2, 7, 8, 10, 11], trainedFrom: 2),
      ], options: TrainingOptions(), threads: 1, random: &random, progress: nil)
    let tokens = [5, 2, 7, 8, 9]
    let rows = model.allPositionLogProbabilities(of: tokens)
    for t in tokens.indices {
      #expect(rows[t] == model.logProbabilities(after: Array(tokens[...t])))
    }
    let scores = model.tokenLogProbabilities(of: tokens)
    for i in tokens.indices.dropFirst() {
      #expect(scores[i] == model.logProbabilities(after: Array(tokens[..<i]))[tokens[i]])
    }
    #expect(
      model.nextTokenProbabilities(after: [5, 2, 7]) == model.distribution(after: [5, 2, 7]))
  }
}
