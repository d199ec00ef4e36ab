import Foundation
import Testing
import TinyLM

/// Finite-difference checks of every layer's backward pass (llm.c-style: the analytic
/// gradient against a numerical reference, reported as a relative error).
///
/// Each check uses L = Σ gᵢ·outᵢ for a random upstream gradient g, evaluated in Double, and
/// central differences with a step of 10⁻².
@Suite struct TransformerGradientTests {
  static let single = Workers(threads: 1)

  static func randomArray(_ count: Int, _ random: inout SeededRandom, std: Float = 1)
    -> [Float]
  {
    (0..<count).map { _ in random.nextGaussian() * std }
  }

  static func weightedSum(_ values: [Float], _ weights: [Float]) -> Double {
    zip(values, weights).reduce(0) { $0 + Double($1.0) * Double($1.1) }
  }

  /// ‖analytic − numeric‖ / (‖analytic‖ + ‖numeric‖), numeric by central differences.
  static func relativeError(
    _ analytic: [Float], at point: [Float], step: Float = 1e-2, loss: ([Float]) -> Double
  ) -> Double {
    var difference = 0.0
    var size = 0.0
    for i in point.indices {
      var plus = point
      plus[i] += step
      var minus = point
      minus[i] -= step
      let numeric = (loss(plus) - loss(minus)) / Double(2 * step)
      difference += (numeric - Double(analytic[i])) * (numeric - Double(analytic[i]))
      size += numeric * numeric + Double(analytic[i]) * Double(analytic[i])
    }
    return difference.squareRoot() / max(size.squareRoot(), 1e-12)
  }

  @Test(arguments: [1, 2, 3] as [UInt64])
  func layerNorm(seed: UInt64) {
    var random = SeededRandom(seed: seed)
    let (n, c) = (3, 21)
    let x = Self.randomArray(n * c, &random)
    let w = Self.randomArray(c, &random)
    let b = Self.randomArray(c, &random)
    let g = Self.randomArray(n * c, &random)
    func forward(_ x: [Float], _ w: [Float], _ b: [Float]) -> (
      loss: Double, mean: [Float], rstd: [Float]
    ) {
      var out = [Float](repeating: 0, count: n * c)
      var mean = [Float](repeating: 0, count: n)
      var rstd = [Float](repeating: 0, count: n)
      TransformerLayers.layerNormForward(
        &out, mean: &mean, rstd: &rstd, inp: x, weight: w, bias: b, rows: n, channels: c,
        workers: Self.single)
      return (Self.weightedSum(out, g), mean, rstd)
    }
    let (_, mean, rstd) = forward(x, w, b)
    var dx = [Float](repeating: 0, count: n * c)
    var dw = [Float](repeating: 0, count: c)
    var db = [Float](repeating: 0, count: c)
    TransformerLayers.layerNormBackward(
      dinp: &dx, dweight: &dw, dbias: &db, dout: g, inp: x, weight: w, mean: mean, rstd: rstd,
      rows: n, channels: c, workers: Self.single)
    #expect(Self.relativeError(dx, at: x) { forward($0, w, b).loss } < 1e-3)
    #expect(Self.relativeError(dw, at: w) { forward(x, $0, b).loss } < 1e-3)
    #expect(Self.relativeError(db, at: b) { forward(x, w, $0).loss } < 1e-3)
  }

  @Test(arguments: [(5, 7, 35), (6, 17, 48), (9, 3, 16), (1, 300, 5)])
  func linear(shape: (Int, Int, Int)) {
    let (n, inputs, outputs) = shape
    var random = SeededRandom(seed: UInt64(n * 1000 + inputs))
    let x = Self.randomArray(n * inputs, &random)
    let w = Self.randomArray(inputs * outputs, &random)
    let b = Self.randomArray(outputs, &random)
    let g = Self.randomArray(n * outputs, &random)
    func forward(_ x: [Float], _ w: [Float], _ b: [Float]) -> Double {
      var out = [Float](repeating: 0, count: n * outputs)
      TransformerLayers.linearForward(
        &out, inp: x, weight: w, bias: b, rows: n, inputs: inputs, outputs: outputs,
        workers: Self.single)
      return Self.weightedSum(out, g)
    }
    var dx = [Float](repeating: 0, count: n * inputs)
    var dw = [Float](repeating: 0, count: inputs * outputs)
    var db = [Float](repeating: 0, count: outputs)
    var scratch = [Float](repeating: 0, count: max(inputs * outputs, inputs * n))
    TransformerLayers.linearBackward(
      dinp: &dx, dweight: &dw, dbias: &db, dout: g, inp: x, weight: w, rows: n, inputs: inputs,
      outputs: outputs, scratch: &scratch, workers: Self.single)
    #expect(Self.relativeError(dx, at: x) { forward($0, w, b) } < 1e-3)
    #expect(Self.relativeError(dw, at: w) { forward(x, $0, b) } < 1e-3)
    #expect(Self.relativeError(db, at: b) { forward(x, w, $0) } < 1e-3)
  }

  /// Packed sequences of the given lengths (zero-length ones included): attention against
  /// central differences, each sequence attending only to itself.
  @Test(arguments: [([5, 5], 8, 2), ([4], 40, 2), ([3, 3], 6, 1), ([2, 0, 6, 1], 8, 2)])
  func attention(shape: ([Int], Int, Int)) {
    let (lengths, channels, heads) = shape
    var random = SeededRandom(seed: UInt64(lengths.reduce(0, +) * channels))
    let n = lengths.reduce(0, +)
    var starts: [Int32] = [0]
    for length in lengths { starts.append(starts.last! + Int32(length)) }
    let attention = lengths.reduce(0) { $0 + heads * $1 * $1 }
    let qkv = Self.randomArray(n * 3 * channels, &random)
    let g = Self.randomArray(n * channels, &random)
    func run(_ qkv: [Float]) -> ([Float], [Float]) {
      var out = [Float](repeating: 0, count: n * channels)
      var att = [Float](repeating: 0, count: attention)
      TransformerLayers.attentionForward(
        &out, att: &att, qkv: qkv, starts: starts, sequences: lengths.count,
        channels: channels, heads: heads, workers: Self.single)
      return (out, att)
    }
    let (out, att) = run(qkv)
    var dqkv = [Float](repeating: 7, count: n * 3 * channels)
    TransformerLayers.attentionBackward(
      dqkv: &dqkv, dout: g, qkv: qkv, att: att, starts: starts, sequences: lengths.count,
      channels: channels, heads: heads, workers: Self.single)
    #expect(Self.relativeError(dqkv, at: qkv) { Self.weightedSum(run($0).0, g) } < 1e-3)
    // Packing never mixes sequences: each one alone gives the same rows bit for bit.
    for b in lengths.indices where lengths[b] > 0 {
      let first = Int(starts[b])
      let alone = Array(qkv[(first * 3 * channels)..<(Int(starts[b + 1]) * 3 * channels)])
      var single = [Float](repeating: 0, count: lengths[b] * channels)
      var singleAtt = [Float](repeating: 0, count: heads * lengths[b] * lengths[b])
      TransformerLayers.attentionForward(
        &single, att: &singleAtt, qkv: alone, starts: [0, Int32(lengths[b])], sequences: 1,
        channels: channels, heads: heads, workers: Self.single)
      #expect(Array(out[(first * channels)..<(first * channels + single.count)]) == single)
    }
  }

  /// The attention backward pass computes several rows and columns at once; every gradient
  /// must still equal, bit for bit, a plain loop that adds each sum's terms one at a time in
  /// order (fused multiply–adds from +0): dq over t2 = 0…t, dk and dv over t = t2…T − 1.
  @Test(arguments: [(9, 64, 4), (7, 40, 2), (5, 96, 3), (12, 32, 1)])
  func attentionBackwardAddsInOrder(shape: (Int, Int, Int)) {
    let (length, channels, heads) = shape
    let hs = channels / heads
    var random = SeededRandom(seed: UInt64(length * channels + heads))
    let qkv = Self.randomArray(length * 3 * channels, &random)
    let dout = Self.randomArray(length * channels, &random)
    var out = [Float](repeating: 0, count: length * channels)
    var att = [Float](repeating: 0, count: heads * length * length)
    let starts: [Int32] = [0, Int32(length)]
    TransformerLayers.attentionForward(
      &out, att: &att, qkv: qkv, starts: starts, sequences: 1, channels: channels,
      heads: heads, workers: Self.single)
    var dqkv = [Float](repeating: 7, count: length * 3 * channels)
    TransformerLayers.attentionBackward(
      dqkv: &dqkv, dout: dout, qkv: qkv, att: att, starts: starts, sequences: 1,
      channels: channels, heads: heads, workers: Self.single)

    var expected = [Float](repeating: 0, count: length * 3 * channels)
    let stride = 3 * channels
    let scale = 1 / Float(hs).squareRoot()
    for h in 0..<heads {
      var dscore = [[Float]](repeating: [], count: length)
      for t in 0..<length {
        let weights = (0...t).map { att[(h * length + t) * length + $0] }
        let datt = (0...t).map { t2 in
          dout.withUnsafeBufferPointer { d in
            qkv.withUnsafeBufferPointer { q in
              TransformerLayers.dot(
                d.baseAddress! + t * channels + h * hs,
                q.baseAddress! + t2 * stride + 2 * channels + h * hs, hs)
            }
          }
        }
        var weighted: Float = 0
        for t2 in 0...t { weighted += weights[t2] * datt[t2] }
        dscore[t] = (0...t).map { weights[$0] * (datt[$0] - weighted) * scale }
      }
      for c in 0..<hs {
        let column = h * hs + c
        for t in 0..<length {
          var dq: Float = 0
          for t2 in 0...t {
            dq = dq.addingProduct(dscore[t][t2], qkv[t2 * stride + channels + column])
          }
          expected[t * stride + column] = dq
        }
        for t2 in 0..<length {
          var dk: Float = 0
          var dv: Float = 0
          for t in t2..<length {
            dk = dk.addingProduct(dscore[t][t2], qkv[t * stride + column])
            dv = dv.addingProduct(att[(h * length + t) * length + t2], dout[t * channels + column])
          }
          expected[t2 * stride + channels + column] = dk
          expected[t2 * stride + 2 * channels + column] = dv
        }
      }
    }
    #expect(dqkv.map(\.bitPattern) == expected.map(\.bitPattern))
  }

  @Test func gelu() {
    var random = SeededRandom(seed: 5)
    let x = Self.randomArray(37, &random, std: 2)
    let g = Self.randomArray(37, &random)
    func forward(_ x: [Float]) -> Double {
      var out = [Float](repeating: 0, count: x.count)
      TransformerLayers.geluForward(&out, inp: x, count: x.count, workers: Self.single)
      return Self.weightedSum(out, g)
    }
    var dx = [Float](repeating: 0, count: x.count)
    TransformerLayers.geluBackward(
      dinp: &dx, inp: x, dout: g, count: x.count, workers: Self.single)
    #expect(Self.relativeError(dx, at: x, loss: forward) < 1e-3)
    // The tanh approximation itself, against Foundation's tanh.
    var out = [Float](repeating: 0, count: x.count)
    TransformerLayers.geluForward(&out, inp: x, count: x.count, workers: Self.single)
    for (xi, yi) in zip(x, out) {
      let inner = 0.797_884_560_802_865_4 * (Double(xi) + 0.044_715 * Double(xi * xi * xi))
      let expected = 0.5 * Double(xi) * (1 + Foundation.tanh(inner))
      #expect(abs(expected - Double(yi)) < 1e-5)
    }
  }

  @Test func softmaxCrossEntropy() {
    var random = SeededRandom(seed: 9)
    let (rows, vocabulary) = (3, 19)
    let logits = Self.randomArray(rows * vocabulary, &random, std: 3)
    let targets: [Int32] = [0, 18, 7]
    let scale: Float = 1.0 / 3
    func forward(_ logits: [Float]) -> Double {
      var losses = [Float](repeating: 0, count: rows)
      var probs = [Float](repeating: 0, count: rows * vocabulary)
      TransformerLayers.crossEntropyForward(
        losses: &losses, probs: &probs, logits: logits, targets: targets, rows: rows,
        vocabulary: vocabulary, workers: Self.single)
      return losses.reduce(0) { $0 + Double($1) } * Double(scale)
    }
    var losses = [Float](repeating: 0, count: rows)
    var probs = [Float](repeating: 0, count: rows * vocabulary)
    TransformerLayers.crossEntropyForward(
      losses: &losses, probs: &probs, logits: logits, targets: targets, rows: rows,
      vocabulary: vocabulary, workers: Self.single)
    var dlogits = [Float](repeating: 0, count: rows * vocabulary)
    TransformerLayers.crossEntropyBackward(
      dlogits: &dlogits, probs: probs, targets: targets, scale: scale, rows: rows,
      vocabulary: vocabulary, workers: Self.single)
    #expect(Self.relativeError(dlogits, at: logits, loss: forward) < 1e-3)
    // Training's fused pass agrees with the two separate passes.
    var fused = logits
    var fusedLosses = [Float](repeating: 0, count: rows)
    TransformerLayers.crossEntropyForwardBackward(
      losses: &fusedLosses, logits: &fused, targets: targets, scale: scale, rows: rows,
      vocabulary: vocabulary, workers: Self.single)
    #expect(fusedLosses == losses)
    #expect(zip(fused, dlogits).allSatisfy { abs($0 - $1) < 1e-7 })
    // The loss against a Double reference.
    for m in 0..<rows {
      let row = logits[(m * vocabulary)..<((m + 1) * vocabulary)].map(Double.init)
      let top = row.max()!
      let logTotal = Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - top) }) + top
      #expect(abs((logTotal - row[Int(targets[m])]) - Double(losses[m])) < 1e-5)
    }
  }

  @Test func embeddings() {
    var random = SeededRandom(seed: 11)
    let (vocabulary, block, channels, batch, length) = (6, 4, 5, 2, 3)
    let wte = Self.randomArray(vocabulary * channels, &random)
    let wpe = Self.randomArray(block * channels, &random)
    let tokens: [Int32] = [1, 5, 1, 0, 3, 3]
    let positions: [Int32] = [0, 1, 2, 0, 1, 2]
    let g = Self.randomArray(batch * length * channels, &random)
    func forward(_ wte: [Float], _ wpe: [Float]) -> Double {
      var out = [Float](repeating: 0, count: batch * length * channels)
      TransformerLayers.encoderForward(
        &out, tokens: tokens, positions: positions, wte: wte, wpe: wpe, rows: batch * length,
        channels: channels)
      return Self.weightedSum(out, g)
    }
    var dwte = [Float](repeating: 0, count: wte.count)
    var dwpe = [Float](repeating: 0, count: wpe.count)
    TransformerLayers.encoderBackward(
      dwte: &dwte, dwpe: &dwpe, dout: g, tokens: tokens, positions: positions,
      rows: batch * length, channels: channels)
    #expect(Self.relativeError(dwte, at: wte) { forward($0, wpe) } < 1e-4)
    #expect(Self.relativeError(dwpe, at: wpe) { forward(wte, $0) } < 1e-4)
  }

  /// The whole model: every parameter's gradient against central differences of the loss.
  @Test(arguments: [3, 4] as [UInt64])
  func wholeModel(seed: UInt64) {
    let configuration = TransformerConfiguration(
      layerCount: 2, headCount: 2, embeddingSize: 8, blockSize: 6, vocabularySize: 11)
    let model = TransformerModel(configuration: configuration, seed: seed)
    var random = SeededRandom(seed: seed + 100)
    model.withMutableParameters { block in
      for i in block.indices { block[i] += random.nextGaussian() * 0.3 }
    }
    let batch = [
      TrainingSequence(tokens: [1, 2, 3, 4, 5, 6, 7], trainedFrom: 3),
      TrainingSequence(tokens: [10, 0, 9], lossMask: [false, true, true]),
      TrainingSequence(tokens: [4, 4, 2, 8], lossMask: [false, true, false, true]),
    ]
    let (_, analytic) = model.lossAndGradients(on: batch)
    let point = model.parameters
    let error = Self.relativeError(analytic, at: point) { values in
      let probe = model.copy()
      probe.withMutableParameters { block in
        for i in block.indices { block[i] = values[i] }
      }
      return probe.loss(on: batch)
    }
    #expect(error < 5e-3)
  }

  /// The packed forward pass (scores 16 keys at a time, the softmax 16 lanes at a time,
  /// four query rows at a time for the outputs) gives every attention weight and output
  /// bit for bit as `attendQuery` does one query at a time, as incremental decoding calls
  /// it: lengths that end on, just past and well inside a block of 16, head sizes with and
  /// without a partial chunk. It fails if the softmax's sum or order changes on one side.
  @Test(arguments: [(16, 4), (32, 4), (20, 2)] as [(Int, Int)])
  func packedAttentionEqualsOneQueryAtATime(shape: (Int, Int)) {
    let (headSize, heads) = shape
    let channels = headSize * heads
    var random = SeededRandom(seed: UInt64(headSize * heads))
    let lengths = [1, 5, 16, 17, 31, 33, 64, 65]
    var starts: [Int32] = [0]
    for length in lengths { starts.append(starts.last! + Int32(length)) }
    let rows = Int(starts.last!)
    let qkv = Self.randomArray(rows * 3 * channels, &random, std: 3)
    var out = [Float](repeating: .nan, count: rows * channels)
    var att = [Float](
      repeating: .nan, count: lengths.reduce(0) { $0 + heads * $1 * $1 })
    TransformerLayers.attentionForward(
      &out, att: &att, qkv: qkv, starts: starts, sequences: lengths.count, channels: channels,
      heads: heads, workers: Self.single)
    var offset = 0
    for (b, length) in lengths.enumerated() {
      let first = Int(starts[b])
      for h in 0..<heads {
        for t in 0..<length {
          var weights = [Float](repeating: .nan, count: length)
          var one = [Float](repeating: .nan, count: headSize)
          qkv.withUnsafeBufferPointer { qkv in
            TransformerLayers.attendQuery(
              qkv: qkv.baseAddress! + first * 3 * channels, t: t, head: h, headSize: headSize,
              channels: channels, weights: &weights, out: &one)
          }
          let row = offset + (h * length + t) * length
          #expect(
            att[row...(row + t)].map(\.bitPattern) == weights[0...t].map(\.bitPattern),
            "length \(length), head \(h), query \(t)")
          let packed = out[((first + t) * channels + h * headSize)...].prefix(headSize)
          #expect(packed.map(\.bitPattern) == one.map(\.bitPattern), "length \(length), query \(t)")
        }
      }
      offset += heads * length * length
    }
  }

  /// Attention scores 16 keys at a time from transposed keys equal the one-by-one dot
  /// products bit for bit, so the faster kernel changes no result (lengths that take the
  /// one-, two- and four-block paths).
  @Test(arguments: [8, 16, 24, 32, 48] as [Int])
  func transposedDotsEqualDotsBitForBit(headSize: Int) {
    var random = SeededRandom(seed: UInt64(headSize))
    for length in [1, 5, 16, 17, 40, 49, 64, 65, 100] {
      let rowStride = headSize + 3
      let rows = Self.randomArray(length * rowStride, &random)
      let query = Self.randomArray(headSize, &random)
      let stride = max(16, (length + 15) / 16 * 16)
      var transposed = [Float](repeating: .nan, count: headSize * stride)
      var fast = [Float](repeating: .nan, count: length)
      var padded = [Float](repeating: .nan, count: stride)
      rows.withUnsafeBufferPointer { rows in
        query.withUnsafeBufferPointer { query in
          transposed.withUnsafeMutableBufferPointer { transposed in
            TransformerLayers.transposeHead(
              transposed.baseAddress!, from: rows.baseAddress!, rowStride: rowStride,
              length: length, headSize: headSize, stride: stride)
            fast.withUnsafeMutableBufferPointer { fast in
              TransformerLayers.dots(
                query.baseAddress!, transposed: transposed.baseAddress!, stride: stride,
                headSize: headSize, count: length, into: fast.baseAddress!)
            }
            padded.withUnsafeMutableBufferPointer { padded in
              TransformerLayers.dots(
                query.baseAddress!, transposed: transposed.baseAddress!, stride: stride,
                headSize: headSize, count: length, into: padded.baseAddress!, padded: true)
            }
          }
          for t in 0..<length {
            let slow = TransformerLayers.dot(
              query.baseAddress!, rows.baseAddress! + t * rowStride, headSize)
            #expect(fast[t].bitPattern == slow.bitPattern, "length \(length), key \(t)")
            #expect(padded[t].bitPattern == slow.bitPattern, "padded, length \(length), key \(t)")
          }
        }
      }
    }
  }
}
