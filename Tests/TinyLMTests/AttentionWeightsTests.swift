import Foundation
import Testing
import TinyLM

/// `attentionWeights(of:)` against a plain recomputation from the residual stream and the
/// parameters: ln_1, the q and k rows of c_attn, scaled dot products and a causal softmax.
@Suite struct AttentionWeightsTests {
  @Test func weightsMatchARecomputationFromTheResidualStream() throws {
    let model = try HiddenStateTests.trained()
    let configuration = HiddenStateTests.tiny
    let tokens = [3, 4, 5, 6, 7, 1, 9]
    let weights = model.attentionWeights(of: tokens)  // (L, H, T, T)
    let stream = model.residualStream(of: tokens)  // (L + 1) × (T, C)
    let channels = configuration.embeddingSize
    let heads = configuration.headCount
    let headSize = channels / heads
    let length = tokens.count
    #expect(weights.count == configuration.layerCount)
    for layer in 0..<configuration.layerCount {
      let prefix = "transformer.h.\(layer)."
      let gain = try #require(model.tensor(named: prefix + "ln_1.weight")).values
      let bias = try #require(model.tensor(named: prefix + "ln_1.bias")).values
      let w = try #require(model.tensor(named: prefix + "attn.c_attn.weight")).values  // (3C, C)
      let b = try #require(model.tensor(named: prefix + "attn.c_attn.bias")).values  // (3C)
      // The block's input is the residual after the previous block.
      let x = stream[layer]
      var q = [[Double]](repeating: [Double](repeating: 0, count: channels), count: length)
      var k = q
      for t in 0..<length {
        let row = (0..<channels).map { Double(x[t * channels + $0]) }
        let mean = row.reduce(0, +) / Double(channels)
        let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(channels)
        let normalized = row.indices.map {
          (row[$0] - mean) / (variance + 1e-5).squareRoot() * Double(gain[$0]) + Double(bias[$0])
        }
        for o in 0..<channels {
          var sq = Double(b[o])
          var sk = Double(b[channels + o])
          for c in 0..<channels {
            sq += Double(w[o * channels + c]) * normalized[c]
            sk += Double(w[(channels + o) * channels + c]) * normalized[c]
          }
          q[t][o] = sq
          k[t][o] = sk
        }
      }
      #expect(weights[layer].count == heads)
      for head in 0..<heads {
        for query in 0..<length {
          let range = (head * headSize)..<((head + 1) * headSize)
          let scores = (0...query).map { key in
            range.reduce(0.0) { $0 + q[query][$1] * k[key][$1] } / Double(headSize).squareRoot()
          }
          let top = scores.max()!
          let exps = scores.map { Foundation.exp($0 - top) }
          let total = exps.reduce(0, +)
          let row = weights[layer][head][query]
          #expect(row.count == length)
          for key in 0..<length {
            let expected = key <= query ? exps[key] / total : 0
            #expect(abs(Double(row[key]) - expected) < 1e-4, "L\(layer) H\(head) \(query)→\(key)")
          }
          #expect(abs(row.reduce(0, +) - 1) < 1e-5)
        }
      }
    }
  }

  @Test func emptyInputGivesEmptyRows() {
    let model = TransformerModel(configuration: HiddenStateTests.tiny, seed: 1)
    let weights = model.attentionWeights(of: [])
    #expect(weights.count == HiddenStateTests.tiny.layerCount)
    #expect(weights.allSatisfy { $0.count == HiddenStateTests.tiny.headCount })
  }
}
