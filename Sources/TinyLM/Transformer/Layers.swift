import Foundation

/// The transformer's layers, each a `forward`/`backward` pair over flat row-major buffers
/// (the shapes are in the comments: N = B·T rows, C channels, V vocabulary ids); causal
/// self-attention is in `Attention.swift`.
///
/// Backward functions *accumulate* into parameter gradients (`+=`), so a whole step can
/// zero the gradient block once. Every function is deterministic for any thread count.
package enum TransformerLayers {
  /// LayerNorm's ε.
  package static let layerNormEpsilon: Float = 1e-5

  // MARK: Embeddings

  /// `out[n] = wte[tokens[n]] + wpe[positions[n]]`.
  package static func encoderForward(
    _ out: UnsafeMutablePointer<Float>,  // (N, C)
    tokens: UnsafePointer<Int32>,  // (N)
    positions: UnsafePointer<Int32>,  // (N)
    wte: UnsafePointer<Float>,  // (V, C)
    wpe: UnsafePointer<Float>,  // (maxT, C)
    rows: Int, channels: Int
  ) {
    for n in 0..<rows {
      let row = out + n * channels
      let token = wte + Int(tokens[n]) * channels
      let position = wpe + Int(positions[n]) * channels
      for c in 0..<channels { row[c] = token[c] + position[c] }
    }
  }

  /// `dwte[tokens[n]] += dout[n]`, `dwpe[positions[n]] += dout[n]`, rows in ascending order.
  package static func encoderBackward(
    dwte: UnsafeMutablePointer<Float>,  // (V, C)
    dwpe: UnsafeMutablePointer<Float>,  // (maxT, C)
    dout: UnsafePointer<Float>,  // (N, C)
    tokens: UnsafePointer<Int32>,  // (N)
    positions: UnsafePointer<Int32>,  // (N)
    rows: Int, channels: Int
  ) {
    for n in 0..<rows {
      let row = dout + n * channels
      let token = dwte + Int(tokens[n]) * channels
      let position = dwpe + Int(positions[n]) * channels
      for c in 0..<channels {
        token[c] += row[c]
        position[c] += row[c]
      }
    }
  }

  // MARK: LayerNorm

  /// `out = (inp − mean) · rstd · weight + bias` per row; saves mean and rstd for backward.
  package static func layerNormForward(
    _ out: UnsafeMutablePointer<Float>,  // (N, C)
    mean: UnsafeMutablePointer<Float>,  // (N)
    rstd: UnsafeMutablePointer<Float>,  // (N)
    inp: UnsafePointer<Float>,  // (N, C)
    weight: UnsafePointer<Float>,  // (C)
    bias: UnsafePointer<Float>,  // (C)
    rows: Int, channels: Int, workers: Workers
  ) {
    let pool = rows * channels < 16_384 ? Workers(threads: 1) : workers
    let vectorEnd = channels & ~15
    pool.run(rows) { range in
      for n in range {
        let x = inp + n * channels
        var acc = SIMD16<Float>()
        var c = 0
        while c < vectorEnd {
          acc += load16(x + c)
          c += 16
        }
        var sum = acc.sum()
        for c in vectorEnd..<channels { sum += x[c] }
        let m = sum / Float(channels)
        acc = SIMD16()
        c = 0
        while c < vectorEnd {
          let d = load16(x + c) - m
          acc.addProduct(d, d)
          c += 16
        }
        var squares = acc.sum()
        for c in vectorEnd..<channels {
          let d = x[c] - m
          squares = squares.addingProduct(d, d)
        }
        let s = 1 / (squares / Float(channels) + layerNormEpsilon).squareRoot()
        let o = out + n * channels
        c = 0
        while c < vectorEnd {
          let norm = (load16(x + c) - m) * s
          store16(load16(bias + c).addingProduct(norm, load16(weight + c)), o + c)
          c += 16
        }
        for c in vectorEnd..<channels {
          o[c] = bias[c].addingProduct((x[c] - m) * s, weight[c])
        }
        mean[n] = m
        rstd[n] = s
      }
    }
  }

  /// LayerNorm backward: `dinp += ∂L/∂inp`, `dweight += Σ dout·norm`, `dbias += Σ dout`.
  package static func layerNormBackward(
    dinp: UnsafeMutablePointer<Float>,  // (N, C)
    dweight: UnsafeMutablePointer<Float>,  // (C)
    dbias: UnsafeMutablePointer<Float>,  // (C)
    dout: UnsafePointer<Float>,  // (N, C)
    inp: UnsafePointer<Float>,  // (N, C)
    weight: UnsafePointer<Float>,  // (C)
    mean: UnsafePointer<Float>,  // (N)
    rstd: UnsafePointer<Float>,  // (N)
    rows: Int, channels: Int, workers: Workers
  ) {
    let pool = rows * channels < 16_384 ? Workers(threads: 1) : workers
    let count = Float(channels)
    pool.run(rows) { range in
      for n in range {
        let x = inp + n * channels
        let d = dout + n * channels
        let di = dinp + n * channels
        let m = mean[n]
        let s = rstd[n]
        var dnormMean: Float = 0
        var dnormNormMean: Float = 0
        for c in 0..<channels {
          let norm = (x[c] - m) * s
          let dnorm = weight[c] * d[c]
          dnormMean += dnorm
          dnormNormMean += dnorm * norm
        }
        dnormMean /= count
        dnormNormMean /= count
        for c in 0..<channels {
          let norm = (x[c] - m) * s
          let dnorm = weight[c] * d[c]
          di[c] += (dnorm - dnormMean - norm * dnormNormMean) * s
        }
      }
    }
    // Parameter gradients: each channel strip sums over every row in ascending order.
    pool.run((channels + 15) / 16) { range in
      for strip in range {
        let c0 = strip * 16
        let width = min(16, channels - c0)
        var dw = SIMD16<Float>()
        var db = SIMD16<Float>()
        for n in 0..<rows {
          let x = loadPartialOrFull(inp + n * channels + c0, width)
          let d = loadPartialOrFull(dout + n * channels + c0, width)
          let norm = (x - mean[n]) * rstd[n]
          dw.addProduct(norm, d)
          db += d
        }
        storePartialOrFull(loadPartialOrFull(dweight + c0, width) + dw, dweight + c0, width)
        storePartialOrFull(loadPartialOrFull(dbias + c0, width) + db, dbias + c0, width)
      }
    }
  }

  // MARK: Linear

  /// `out (N, OC) = inp (N, IC) · weight (IC, OC) + bias (OC)`.
  package static func linearForward(
    _ out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
    weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, rows: Int, inputs: Int,
    outputs: Int, workers: Workers
  ) {
    Kernels.matmul(
      out, inp, weight, bias: bias, rows: rows, inner: inputs, columns: outputs,
      accumulate: false, workers: workers)
  }

  /// Linear backward: `dinp = dout · weightᵀ` (overwritten; skipped when `nil`),
  /// `dweight += inpᵀ · dout`, `dbias += Σₙ dout`. `scratch` holds at least IC·OC floats.
  package static func linearBackward(
    dinp: UnsafeMutablePointer<Float>?,  // (N, IC)
    dweight: UnsafeMutablePointer<Float>,  // (IC, OC)
    dbias: UnsafeMutablePointer<Float>?,  // (OC)
    dout: UnsafePointer<Float>,  // (N, OC)
    inp: UnsafePointer<Float>,  // (N, IC)
    weight: UnsafePointer<Float>,  // (IC, OC)
    rows: Int, inputs: Int, outputs: Int, scratch: UnsafeMutablePointer<Float>,
    workers: Workers
  ) {
    if let dinp {
      Kernels.transpose(scratch, weight, rows: inputs, columns: outputs, workers: workers)
      Kernels.matmul(
        dinp, dout, scratch, bias: nil, rows: rows, inner: outputs, columns: inputs,
        accumulate: false, workers: workers)
    }
    Kernels.matmul(
      dweight, inp, dout, bias: nil, rows: inputs, inner: rows, columns: outputs,
      accumulate: true, transposedInput: true, workers: workers)
    if let dbias {
      Kernels.addColumnSums(dbias, dout, rows: rows, columns: outputs, workers: workers)
    }
  }

  // MARK: GELU

  private static let geluScale: Float = 0.797_884_560_802_865_4  // √(2/π)

  /// `out = ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))` element-wise; with `tanh`, also
  /// saves the tanh term for `geluBackward`.
  package static func geluForward(
    _ out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
    tanh saved: UnsafeMutablePointer<Float>? = nil, count: Int, workers: Workers
  ) {
    elementwise(count, workers) { i, width in
      let t = geluTanh(loadPartialOrFull(inp + i, width))
      if let saved { storePartialOrFull(t, saved + i, width) }
      storePartialOrFull(gelu(loadPartialOrFull(inp + i, width), t), out + i, width)
    } chunks: { chunks in
      geluChunks(out, inp: inp, tanh: saved, chunks: chunks)
    }
  }

  /// `geluForward` on the complete 16-float chunks `chunks`. A function of its own because
  /// in a caller this small the compiler always inlines `Kernels.tanh` into the loop, which
  /// it may not do inside the larger `geluForward` (training then ran about 5% slower).
  @inline(never)
  private static func geluChunks(
    _ out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
    tanh saved: UnsafeMutablePointer<Float>?, chunks: Range<Int>
  ) {
    for chunk in chunks {
      let i = chunk * 16
      let x = load16(inp + i)
      let t = geluTanh(x)
      if let saved { store16(t, saved + i) }
      store16(gelu(x, t), out + i)
    }
  }

  /// GELU backward: `dinp = gelu'(inp) · dout` (overwritten), reusing the forward pass's
  /// tanh terms when `tanh` is given.
  package static func geluBackward(
    dinp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
    tanh saved: UnsafePointer<Float>? = nil, dout: UnsafePointer<Float>, count: Int,
    workers: Workers
  ) {
    elementwise(count, workers) { i, width in
      let x = loadPartialOrFull(inp + i, width)
      let t = saved.map { loadPartialOrFull($0 + i, width) } ?? geluTanh(x)
      storePartialOrFull(
        geluDerivative(x, t) * loadPartialOrFull(dout + i, width), dinp + i, width)
    } full: { i in
      let x = load16(inp + i)
      let t = saved.map { load16($0 + i) } ?? geluTanh(x)
      store16(geluDerivative(x, t) * load16(dout + i), dinp + i)
    }
  }

  /// tanh(√(2/π)·(x + 0.044715·x³)).
  @inline(__always)
  static func geluTanh(_ x: SIMD16<Float>) -> SIMD16<Float> {
    let cube: SIMD16<Float> = 0.044_715 * (x * x * x)
    let inner: SIMD16<Float> = geluScale * (x + cube)
    return Kernels.tanh(inner)
  }

  /// GELU from x and its tanh term.
  @inline(__always)
  static func gelu(_ x: SIMD16<Float>, _ tanhOut: SIMD16<Float>) -> SIMD16<Float> {
    0.5 * x * (1 + tanhOut)
  }

  /// GELU's slope from x and its tanh term.
  @inline(__always)
  static func geluDerivative(_ x: SIMD16<Float>, _ tanhOut: SIMD16<Float>) -> SIMD16<Float> {
    let one = SIMD16<Float>(repeating: 1)
    let sech2: SIMD16<Float> = one - tanhOut * tanhOut
    let slope: SIMD16<Float> = one + (3 * 0.044_715) * (x * x)
    let half: SIMD16<Float> = 0.5 * (one + tanhOut)
    return half + (0.5 * geluScale) * (x * sech2 * slope)
  }

  /// Runs `full(i)` on every complete 16-float chunk and `partial(i, width)` on the tail,
  /// chunks split across threads. Element-wise work, so the split never changes a result.
  @inline(__always)
  static func elementwise(
    _ count: Int, _ workers: Workers, partial: (Int, Int) -> Void, full: (Int) -> Void
  ) {
    elementwise(count, workers, partial: partial) { chunks in
      for chunk in chunks { full(chunk * 16) }
    }
  }

  /// `elementwise`, handing each thread its range of chunk indices (chunk c holds floats
  /// 16c..<16c + 16).
  @inline(__always)
  static func elementwise(
    _ count: Int, _ workers: Workers, partial: (Int, Int) -> Void,
    chunks: (Range<Int>) -> Void
  ) {
    let pool = count < 65_536 ? Workers(threads: 1) : workers
    let complete = count / 16
    pool.run(complete, chunks)
    if count % 16 != 0 { partial(complete * 16, count % 16) }
  }

  // MARK: Residual

  /// `out = a + b` element-wise.
  package static func residualForward(
    _ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
    count: Int, workers: Workers
  ) {
    elementwise(count, workers) { i, width in
      storePartialOrFull(
        loadPartialOrFull(a + i, width) + loadPartialOrFull(b + i, width), out + i, width)
    } full: { i in
      store16(load16(a + i) + load16(b + i), out + i)
    }
  }

  // MARK: Softmax and cross-entropy

  /// Replaces `logits (V)` by log-probabilities (log-softmax).
  package static func logSoftmax(_ logits: UnsafeMutablePointer<Float>, count: Int) {
    let maximum = largest(logits, count: count)
    let logTotal = Foundation.log(expSum(logits, count: count, minus: maximum))
    var v = 0
    while v + 16 <= count {
      store16((load16(logits + v) - maximum) - logTotal, logits + v)
      v += 16
    }
    while v < count {
      logits[v] = (logits[v] - maximum) - logTotal
      v += 1
    }
  }

  /// Softmax cross-entropy: `probs (M, V)` ← softmax(`logits`) (may alias), and
  /// `losses[m] = −log probs[m, targets[m]]`.
  package static func crossEntropyForward(
    losses: UnsafeMutablePointer<Float>,  // (M)
    probs: UnsafeMutablePointer<Float>,  // (M, V)
    logits: UnsafePointer<Float>,  // (M, V)
    targets: UnsafePointer<Int32>,  // (M)
    rows: Int, vocabulary: Int, workers: Workers
  ) {
    let pool = rows * vocabulary < 16_384 ? Workers(threads: 1) : workers
    pool.run(rows) { range in
      for m in range {
        let l = logits + m * vocabulary
        let p = probs + m * vocabulary
        var maximum = -Float.infinity
        for v in 0..<vocabulary { maximum = max(maximum, l[v]) }
        let target = l[Int(targets[m])]
        if p != UnsafeMutablePointer(mutating: l) { p.update(from: l, count: vocabulary) }
        let total = expInPlace(p, count: vocabulary, minus: maximum)
        losses[m] = Foundation.log(total) - (target - maximum)
        let inverse = 1 / total
        for v in 0..<vocabulary { p[v] *= inverse }
      }
    }
  }

  /// Training's fused pass: `losses` as `crossEntropyForward`, and `logits` replaced in
  /// place by ∂(scale · Σ losses)/∂logits = scale · (softmax − onehot).
  ///
  /// With `reference` and `betas` (the token-wise constrained objective of Qi et al. 2024),
  /// row m's loss is instead −(2/β)·log σ(β·(log p − log p_ref)) and its gradient is
  /// scale · w · (softmax − onehot) with the weight w = 2·(1 − σ(β·(log p − log p_ref))).
  package static func crossEntropyForwardBackward(
    losses: UnsafeMutablePointer<Float>,  // (M)
    logits: UnsafeMutablePointer<Float>,  // (M, V) in: logits, out: gradient
    targets: UnsafePointer<Int32>,  // (M)
    reference: UnsafePointer<Float>? = nil,  // (M) log p_ref(target)
    betas: UnsafePointer<Float>? = nil,  // (M)
    scale: Float, rows: Int, vocabulary: Int, workers: Workers
  ) {
    let pool = rows * vocabulary < 16_384 ? Workers(threads: 1) : workers
    pool.run(rows) { range in
      for m in range {
        let l = logits + m * vocabulary
        let maximum = largest(l, count: vocabulary)
        let target = Int(targets[m])
        let targetLogit = l[target]
        let total = expInPlace(l, count: vocabulary, minus: maximum)
        let crossEntropy = Foundation.log(total) - (targetLogit - maximum)
        var rowScale = scale
        if let reference, let betas {
          let (loss, weight) = constrainedLoss(
            logProbability: -crossEntropy, reference: reference[m], beta: betas[m])
          losses[m] = loss
          rowScale = scale * weight
        } else {
          losses[m] = crossEntropy
        }
        let factor = rowScale / total
        var v = 0
        while v + 16 <= vocabulary {
          store16(load16(l + v) * factor, l + v)
          v += 16
        }
        while v < vocabulary {
          l[v] *= factor
          v += 1
        }
        l[target] -= rowScale
      }
    }
  }

  /// The constrained objective of one token: (−(2/β)·log σ(z), 2·(1 − σ(z))) for
  /// z = β·(log p − log p_ref), in Double (log σ(z) = −softplus(−z), computed stably).
  @inline(__always)
  package static func constrainedLoss(logProbability: Float, reference: Float, beta: Float)
    -> (loss: Float, weight: Float)
  {
    let b = Double(beta)
    let z = b * (Double(logProbability) - Double(reference))
    let softplus = max(-z, 0) + Foundation.log1p(Foundation.exp(-abs(z)))  // −log σ(z)
    let weight = 2 / (1 + Foundation.exp(z))  // 2·σ(−z)
    return (Float(2 / b * softplus), Float(weight))
  }

  /// The largest of `count` values (16 lanes at a time; the maximum is exact, so the order
  /// never matters).
  @inline(__always)
  static func largest(_ values: UnsafePointer<Float>, count: Int) -> Float {
    var result = -Float.infinity
    var i = 0
    if count >= 16 {
      var acc = SIMD16<Float>(repeating: -.infinity)
      while i + 16 <= count {
        let v = load16(values + i)
        acc = acc.replacing(with: v, where: v .> acc)
        i += 16
      }
      result = acc.max()
    }
    while i < count {
      result = max(result, values[i])
      i += 1
    }
    return result
  }

  /// Cross-entropy backward for a loss `scale · Σₘ losses[m]`:
  /// `dlogits = scale · (probs − onehot(targets))` (may alias `probs`).
  package static func crossEntropyBackward(
    dlogits: UnsafeMutablePointer<Float>,  // (M, V)
    probs: UnsafePointer<Float>,  // (M, V)
    targets: UnsafePointer<Int32>,  // (M)
    scale: Float, rows: Int, vocabulary: Int, workers: Workers
  ) {
    let pool = rows * vocabulary < 16_384 ? Workers(threads: 1) : workers
    pool.run(rows) { range in
      for m in range {
        let p = probs + m * vocabulary
        let d = dlogits + m * vocabulary
        let target = Int(targets[m])
        for v in 0..<vocabulary { d[v] = (p[v] - (v == target ? 1 : 0)) * scale }
      }
    }
  }

  // MARK: Helpers

  /// Replaces `values[i]` by exp(values[i] − minus) and returns their sum (a fixed order).
  /// With `padded`, `values` has room for `count` rounded up to a multiple of 16, and the
  /// last chunk is read and written whole (the same sum; the lanes past `count` are left
  /// undefined).
  @inline(__always)
  static func expInPlace(
    _ values: UnsafeMutablePointer<Float>, count: Int, minus: Float, padded: Bool = false
  ) -> Float {
    var acc = SIMD16<Float>()
    var i = 0
    while i + 16 <= count {
      let e = Kernels.exp(load16(values + i) - minus)
      store16(e, values + i)
      acc += e
      i += 16
    }
    var total = acc.sum()
    if i < count {
      let width = count - i
      let room = padded ? 16 : width
      let e = Kernels.exp(loadPartialOrFull(values + i, room) - minus)
      storePartialOrFull(e, values + i, room)
      for lane in 0..<width { total += e[lane] }
    }
    return total
  }

  /// Σ exp(values[i] − minus), the sum `expInPlace` returns, without writing the values.
  @inline(__always)
  static func expSum(_ values: UnsafePointer<Float>, count: Int, minus: Float) -> Float {
    var acc = SIMD16<Float>()
    var i = 0
    while i + 16 <= count {
      acc += Kernels.exp(load16(values + i) - minus)
      i += 16
    }
    var total = acc.sum()
    if i < count {
      let width = count - i
      let e = Kernels.exp(loadPartial(values + i, width) - minus)
      for lane in 0..<width { total += e[lane] }
    }
    return total
  }
}
