/// Causal multi-head self-attention: one query at a time (`attendQuery`, which incremental
/// decoding calls over its key–value cache), packed sequences forward and backward, and the
/// dot-product helpers they share.
extension TransformerLayers {
  /// Causal self-attention for one query: row `t` of one sequence's `qkv` (rows of 3C:
  /// q | k | v, head `h` at offset h·hs in each), attending to rows 0…t.
  /// Writes the softmax weights to `weights[0...t]` and the head's output to `out[0..<hs]`.
  @inline(__always)
  package static func attendQuery(
    qkv: UnsafePointer<Float>,  // (T, 3C) of one sequence
    t: Int, head: Int, headSize: Int, channels: Int,
    weights: UnsafeMutablePointer<Float>,  // (T)
    out: UnsafeMutablePointer<Float>  // (hs)
  ) {
    attentionWeights(
      qkv: qkv, t: t, head: head, headSize: headSize, channels: channels, weights: weights)
    // out = Σ_t2 weights[t2] · v[t2]: one row of the sums the packed forward pass makes.
    CausalRowSums(
      weights: weights, weightStride: 0, rows: qkv + 2 * channels + head * headSize,
      rowStride: 3 * channels, out: out, outStride: 0
    ).one(t, width: headSize)
  }

  /// The softmax attention weights of query `t` (the first half of ``attendQuery``), one
  /// key at a time. `softmaxRow` computes the same numbers 16 at a time.
  @inline(__always)
  static func attentionWeights(
    qkv: UnsafePointer<Float>,  // (T, 3C) of one sequence
    t: Int, head: Int, headSize: Int, channels: Int,
    weights: UnsafeMutablePointer<Float>  // (T)
  ) {
    let stride = 3 * channels
    let scale = 1 / Float(headSize).squareRoot()
    let q = qkv + t * stride + head * headSize
    var maximum = -Float.infinity
    for t2 in 0...t {
      let k = qkv + t2 * stride + channels + head * headSize
      let score = dot(q, k, headSize) * scale
      weights[t2] = score
      maximum = max(maximum, score)
    }
    let total = expInPlace(weights, count: t + 1, minus: maximum)
    let inverse = 1 / total
    for t2 in 0...t { weights[t2] *= inverse }
  }

  /// The softmax of `count` dot products held in `scores` (padded to a multiple of 16
  /// floats, which it overwrites), 16 at a time, into `weights[0..<count]`: each weight is
  /// the number `attentionWeights` computes, bit for bit. The scores are scaled, their
  /// maximum taken (an exact operation, whatever the order), then `expInPlace` as
  /// `attentionWeights` calls it.
  @inline(__always)
  static func softmaxRow(
    _ scores: UnsafeMutablePointer<Float>,  // (⌈count⌉₁₆)
    count: Int, scale: Float, into weights: UnsafeMutablePointer<Float>  // (count)
  ) {
    let full = count / 16 * 16
    let lanes = SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
    var maxima = SIMD16<Float>(repeating: -.infinity)
    var i = 0
    while i < count {
      let scaled = load16(scores + i) * scale
      store16(scaled, scores + i)
      // Lanes past `count` hold padding and take no part.
      let larger = i < full ? scaled .> maxima : (scaled .> maxima) .& (lanes .< Int32(count - i))
      maxima.replace(with: scaled, where: larger)
      i += 16
    }
    let total = expInPlace(scores, count: count, minus: largestLane(maxima), padded: true)
    let inverse = 1 / total
    i = 0
    while i < count {
      storePartialOrFull(load16(scores + i) * inverse, weights + i, min(16, count - i))
      i += 16
    }
  }

  /// The largest lane of `values` (halving the vector each step with compare-and-blend).
  @inline(__always)
  static func largestLane(_ values: SIMD16<Float>) -> Float {
    var eight = values.lowHalf
    eight.replace(with: values.highHalf, where: values.highHalf .> eight)
    var four = eight.lowHalf
    four.replace(with: eight.highHalf, where: eight.highHalf .> four)
    var two = four.lowHalf
    two.replace(with: four.highHalf, where: four.highHalf .> two)
    return two[1] > two[0] ? two[1] : two[0]
  }

  /// Where each packed sequence's attention weights start: sequence b (rows
  /// `starts[b]..<starts[b + 1]`, length T_b) owns H·T_b² floats after H·Σ_{b' < b} T_b'².
  static func attentionOffsets(starts: UnsafePointer<Int32>, sequences: Int, heads: Int)
    -> [Int]
  {
    var offsets = [0]
    offsets.reserveCapacity(sequences + 1)
    for b in 0..<sequences {
      let length = Int(starts[b + 1] - starts[b])
      offsets.append(offsets[b] + heads * length * length)
    }
    return offsets
  }

  /// Multi-head causal attention over sequences of any lengths packed back to back
  /// (sequence b holds rows `starts[b]..<starts[b + 1]`; nothing attends across sequences).
  package static func attentionForward(
    _ out: UnsafeMutablePointer<Float>,  // (N, C)
    att: UnsafeMutablePointer<Float>,  // Σ_b (H, T_b, T_b)
    qkv: UnsafePointer<Float>,  // (N, 3C)
    starts: UnsafePointer<Int32>,  // (B + 1)
    sequences: Int, channels: Int, heads: Int, workers: Workers
  ) {
    let hs = channels / heads
    let offsets = attentionOffsets(starts: starts, sequences: sequences, heads: heads)
    let pool = offsets[sequences] * hs < 32_768 ? Workers(threads: 1) : workers
    let longest = longestSequence(starts: starts, sequences: sequences)
    let scale = 1 / Float(hs).squareRoot()
    pool.run(sequences * heads) { range in
      let keys = UnsafeMutablePointer<Float>.allocate(capacity: hs * paddedLength(longest))
      let scores = UnsafeMutablePointer<Float>.allocate(capacity: paddedLength(longest))
      defer {
        keys.deallocate()
        scores.deallocate()
      }
      for unit in range {
        let b = unit / heads
        let h = unit % heads
        let first = Int(starts[b])
        let length = Int(starts[b + 1]) - first
        let sequence = qkv + first * 3 * channels
        let weights = att + offsets[b] + h * length * length
        let keyStride = paddedLength(length)
        transposeHead(
          keys, from: sequence + channels + h * hs, rowStride: 3 * channels, length: length,
          headSize: hs, stride: keyStride)
        let queries = sequence + h * hs
        for t in 0..<length {
          dots(
            queries + t * 3 * channels, transposed: keys, stride: keyStride, headSize: hs,
            count: t + 1, into: scores, padded: true)
          softmaxRow(scores, count: t + 1, scale: scale, into: weights + t * length)
        }
        // out[t] = Σ_{t2 ≤ t} weights[t][t2] · v[t2], every row at once.
        CausalRowSums(
          weights: weights, weightStride: length, rows: sequence + 2 * channels + h * hs,
          rowStride: 3 * channels, out: out + first * channels + h * hs, outStride: channels
        ).all(length: length, width: hs)
      }
    }
  }

  /// Attention backward: `dqkv (N, 3C)` is overwritten with ∂L/∂qkv.
  package static func attentionBackward(
    dqkv: UnsafeMutablePointer<Float>,  // (N, 3C)
    dout: UnsafePointer<Float>,  // (N, C)
    qkv: UnsafePointer<Float>,  // (N, 3C)
    att: UnsafePointer<Float>,  // Σ_b (H, T_b, T_b)
    starts: UnsafePointer<Int32>,  // (B + 1)
    sequences: Int, channels: Int, heads: Int, workers: Workers
  ) {
    let hs = channels / heads
    let stride = 3 * channels
    let scale = 1 / Float(hs).squareRoot()
    let offsets = attentionOffsets(starts: starts, sequences: sequences, heads: heads)
    let pool = offsets[sequences] * hs < 32_768 ? Workers(threads: 1) : workers
    let longest = longestSequence(starts: starts, sequences: sequences)
    pool.run(sequences * heads) { range in
      // Row t holds ∂L/∂score[t][0...t] of one head.
      let dscores = UnsafeMutablePointer<Float>.allocate(
        capacity: longest * paddedLength(longest))  // (T, ⌈T⌉₁₆)
      let values = UnsafeMutablePointer<Float>.allocate(capacity: hs * paddedLength(longest))
      defer {
        dscores.deallocate()
        values.deallocate()
      }
      for unit in range {
        let b = unit / heads
        let h = unit % heads
        let first = Int(starts[b])
        let length = Int(starts[b + 1]) - first
        let base = first * stride + h * hs
        let weights = att + offsets[b] + h * length * length  // (T, T)
        let valueStride = paddedLength(length)
        transposeHead(
          values, from: qkv + base + 2 * channels, rowStride: stride, length: length,
          headSize: hs, stride: valueStride)
        // ∂L/∂score (the softmax backward, then the scale) into dscores, four rows at a
        // time: row t's Σ weights · ∂L/∂weights is a chain of dependent additions, and the
        // four rows' chains overlap.
        var t = 0
        while t < length {
          let rows = min(4, length - t)
          for r in t..<(t + rows) {
            dots(
              dout + (first + r) * channels + h * hs, transposed: values, stride: valueStride,
              headSize: hs, count: r + 1, into: dscores + r * valueStride, padded: true)
          }
          let weighted = weightedSums(
            weights + t * length, length, dscores + t * valueStride, valueStride, t, rows)
          for r in 0..<rows {
            softmaxBackwardRow(
              dscores + (t + r) * valueStride, weights: weights + (t + r) * length,
              count: t + r + 1, weighted: weighted[r], scale: scale)
          }
          t += rows
        }
        // dq[t] = Σ_{t2 ≤ t} dscore[t][t2] · k[t2], dk[t2] = Σ_{t ≥ t2} dscore[t][t2] · q[t]
        // and dv[t2] = Σ_{t ≥ t2} weights[t][t2] · dout[t], 16 channels at a time. Each sum
        // is held in a register and adds its terms in order; four rows (or columns) at once
        // give the FMA units independent sums to overlap.
        AttentionHead(
          qkv: qkv + base, dqkv: dqkv + base, dout: dout + first * channels + h * hs,
          weights: weights, dscores: dscores, length: length, scoreStride: valueStride,
          stride: stride, channels: channels
        ).gradients(width: hs)
      }
    }
  }

  /// Σ_{t2 ≤ t + r} weights[t + r][t2] · grads[t + r][t2] for the `rows` (1…4) rows from
  /// t, each added term by term in ascending t2 (product, then add), as one row alone
  /// would add it; four rows run their chains side by side.
  @inline(__always)
  static func weightedSums(
    _ weights: UnsafePointer<Float>, _ weightStride: Int,  // row t + r at + r·weightStride
    _ grads: UnsafePointer<Float>, _ gradStride: Int, _ t: Int, _ rows: Int
  ) -> SIMD4<Float> {
    var sums = SIMD4<Float>()
    guard rows == 4 else {
      for r in 0..<rows {
        let (w, g) = (weights + r * weightStride, grads + r * gradStride)
        for t2 in 0...(t + r) { sums[r] += w[t2] * g[t2] }
      }
      return sums
    }
    let (w0, g0) = (weights, grads)
    let (w1, g1) = (w0 + weightStride, g0 + gradStride)
    let (w2, g2) = (w1 + weightStride, g1 + gradStride)
    let (w3, g3) = (w2 + weightStride, g2 + gradStride)
    var (s0, s1, s2, s3): (Float, Float, Float, Float) = (0, 0, 0, 0)
    for t2 in 0...t {
      s0 += w0[t2] * g0[t2]
      s1 += w1[t2] * g1[t2]
      s2 += w2[t2] * g2[t2]
      s3 += w3[t2] * g3[t2]
    }
    s1 += w1[t + 1] * g1[t + 1]
    s2 += w2[t + 1] * g2[t + 1]
    s3 += w3[t + 1] * g3[t + 1]
    s2 += w2[t + 2] * g2[t + 2]
    s3 += w3[t + 2] * g3[t + 2]
    s3 += w3[t + 3] * g3[t + 3]
    return SIMD4(s0, s1, s2, s3)
  }

  /// `grads[t2] = weights[t2] · (grads[t2] − weighted) · scale` for t2 < `count`, 16 at a
  /// time (`grads` padded to a multiple of 16; the lanes past `count` are left undefined).
  @inline(__always)
  static func softmaxBackwardRow(
    _ grads: UnsafeMutablePointer<Float>,  // (⌈count⌉₁₆)
    weights: UnsafePointer<Float>,  // (count)
    count: Int, weighted: Float, scale: Float
  ) {
    var i = 0
    while i < count {
      let w = loadPartialOrFull(weights + i, min(16, count - i))
      store16(w * (load16(grads + i) - weighted) * scale, grads + i)
      i += 16
    }
  }

  /// The longest of the packed sequences.
  static func longestSequence(starts: UnsafePointer<Int32>, sequences: Int) -> Int {
    var longest = 0
    for b in 0..<sequences { longest = max(longest, Int(starts[b + 1] - starts[b])) }
    return longest
  }

  /// `length` rounded up to a multiple of 16 (at least 16).
  @inline(__always)
  static func paddedLength(_ length: Int) -> Int { max(16, (length + 15) / 16 * 16) }

  /// Copies one head's slice (`headSize` channels) of `length` rows, `rowStride` floats
  /// apart, into `dst (headSize, stride)` transposed, zero past `length`.
  @inline(__always)
  package static func transposeHead(
    _ dst: UnsafeMutablePointer<Float>, from rows: UnsafePointer<Float>, rowStride: Int,
    length: Int, headSize: Int, stride: Int
  ) {
    // Row by row: one contiguous read, then a store into each column (pointer steps, no
    // index arithmetic to check in the inner loop).
    var row = rows
    for t in 0..<length {
      var target = dst + t
      for i in 0..<headSize {
        target.pointee = row[i]
        target += stride
      }
      row += rowStride
    }
    for i in 0..<headSize {
      (dst + i * stride + length).update(repeating: 0, count: stride - length)
    }
  }

  /// `out[j] = dot(x, row j, headSize)` for j in 0..<count, with the rows transposed into
  /// `transposed (headSize, stride)`: each sum in the order `dot` adds it, so the results
  /// equal `dot`'s bit for bit. Blocks of 16 rows are summed four (or two) at a time: each
  /// block's sum is a chain of dependent additions, and independent chains overlap.
  /// With `padded`, `out` has room for `count` rounded up to a multiple of 16 and every
  /// block is stored whole (the lanes past `count` hold dots with the zero padding).
  @inline(__always)
  package static func dots(
    _ x: UnsafePointer<Float>, transposed: UnsafePointer<Float>, stride: Int, headSize: Int,
    count: Int, into out: UnsafeMutablePointer<Float>, padded: Bool = false
  ) {
    var j = 0
    while j < count {
      let remaining = count - j
      let blocks = remaining > 48 ? 4 : remaining > 16 ? 2 : 1
      // A literal count at each call, so that each inlined copy of `blockDots` has its
      // `blocks > 1` tests decided at compile time, outside the hot loop.
      let sums =
        blocks == 4
        ? blockDots(x, transposed + j, stride: stride, headSize: headSize, blocks: 4)
        : blocks == 2
          ? blockDots(x, transposed + j, stride: stride, headSize: headSize, blocks: 2)
          : blockDots(x, transposed + j, stride: stride, headSize: headSize, blocks: 1)
      // The floats these blocks may write: up to `count`, or the whole blocks when padded.
      let room = padded ? 16 * blocks : remaining
      storePartialOrFull(sums.0, out + j, min(16, room))
      if blocks > 1 { storePartialOrFull(sums.1, out + j + 16, min(16, room - 16)) }
      if blocks > 2 {
        store16(sums.2, out + j + 32)
        storePartialOrFull(sums.3, out + j + 48, min(16, room - 48))
      }
      j += 16 * blocks
    }
  }

  /// `dot(x, row, headSize)` for the 16·`blocks` rows (`blocks` 1, 2 or 4) of
  /// `transposed (headSize, stride)` from its first column: block b's sums in lane vector b
  /// (the others are zero).
  @inline(__always)
  private static func blockDots(
    _ x: UnsafePointer<Float>, _ transposed: UnsafePointer<Float>, stride: Int, headSize: Int,
    blocks: Int
  ) -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
    var sums = (SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>())
    if headSize == 16 {
      // `dot` sums the 16 products one after the other (product, then add: no fusing).
      var row = transposed
      sums.0 = x[0] * load16(row)
      if blocks > 1 { sums.1 = x[0] * load16(row + 16) }
      if blocks > 2 {
        sums.2 = x[0] * load16(row + 32)
        sums.3 = x[0] * load16(row + 48)
      }
      for i in 1..<16 {
        row += stride
        let xi = x[i]
        sums.0 = sums.0 + xi * load16(row)
        if blocks > 1 { sums.1 = sums.1 + xi * load16(row + 16) }
        if blocks > 2 {
          sums.2 = sums.2 + xi * load16(row + 32)
          sums.3 = sums.3 + xi * load16(row + 48)
        }
      }
      return sums
    }
    // `dot` fuses products into 16 lane sums (lane l takes channels l, l + 16, …; its
    // zero-padded last chunk adds 0·0 to the lanes past the end), then adds the lanes one
    // after the other.
    let chunks = (headSize + 15) / 16
    sums = (
      SIMD16(repeating: -0.0), SIMD16(repeating: -0.0), SIMD16(repeating: -0.0),
      SIMD16(repeating: -0.0)
    )
    for lane in 0..<16 {
      var partials = (SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>())
      var i = lane
      var terms = 0
      while i < headSize {
        let row = transposed + i * stride
        let xi = x[i]
        partials.0.addProduct(xi, load16(row))
        if blocks > 1 { partials.1.addProduct(xi, load16(row + 16)) }
        if blocks > 2 {
          partials.2.addProduct(xi, load16(row + 32))
          partials.3.addProduct(xi, load16(row + 48))
        }
        i += 16
        terms += 1
      }
      if terms < chunks {
        let zero = SIMD16<Float>(repeating: 0)
        partials = (partials.0 + zero, partials.1 + zero, partials.2 + zero, partials.3 + zero)
      }
      sums = (
        sums.0 + partials.0, sums.1 + partials.1, sums.2 + partials.2, sums.3 + partials.3
      )
    }
    return sums
  }

  /// Σ a[i]·b[i] with 16-lane partial sums.
  @inline(__always)
  package static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int)
    -> Float
  {
    if count == 16 { return (load16(a) * load16(b)).sum() }
    var acc = SIMD16<Float>()
    var i = 0
    while i + 16 <= count {
      acc.addProduct(load16(a + i), load16(b + i))
      i += 16
    }
    if i < count {
      acc.addProduct(loadPartial(a + i, count - i), loadPartial(b + i, count - i))
    }
    return acc.sum()
  }
}
