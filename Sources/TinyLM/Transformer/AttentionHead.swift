/// Which lanes of a 16-float chunk hold data: all of them, or the first `count` at the end
/// of a head whose size is not a multiple of 16. Generic code over this is specialised for
/// each, so the full-width loops carry no per-load test.
protocol ChunkLanes {
  func load(_ pointer: UnsafePointer<Float>) -> SIMD16<Float>
  func store(_ value: SIMD16<Float>, _ pointer: UnsafeMutablePointer<Float>)
}

/// All 16 lanes.
struct AllLanes: ChunkLanes {
  @inline(__always) func load(_ pointer: UnsafePointer<Float>) -> SIMD16<Float> {
    load16(pointer)
  }
  @inline(__always) func store(_ value: SIMD16<Float>, _ pointer: UnsafeMutablePointer<Float>) {
    store16(value, pointer)
  }
}

/// The first `count` (< 16) lanes; the rest load as 0 and are not stored.
struct FirstLanes: ChunkLanes {
  let count: Int
  @inline(__always) func load(_ pointer: UnsafePointer<Float>) -> SIMD16<Float> {
    loadPartial(pointer, count)
  }
  @inline(__always) func store(_ value: SIMD16<Float>, _ pointer: UnsafeMutablePointer<Float>) {
    storePartial(value, pointer, count)
  }
}

/// out[t] = Σ_{t2 ≤ t} weights[t][t2] · rows[t2] for every t, 16 channels at a time: the
/// attention's output (softmax weights times values) and, in the backward pass, dq (∂L/∂score
/// times keys).
///
/// Each sum starts from +0 and adds its terms by fused multiply–add in order t2 = 0, 1, …,
/// so the result does not depend on how many rows are computed at once. Four rows at a time
/// keep four independent sums in flight (one alone waits on the FMA's latency).
struct CausalRowSums {
  let weights: UnsafePointer<Float>  // (T, weightStride), row t holding t + 1 weights
  let weightStride: Int
  let rows: UnsafePointer<Float>  // row t2 at rows + t2·rowStride
  let rowStride: Int
  let out: UnsafeMutablePointer<Float>  // row t at out + t·outStride
  let outStride: Int  // 0 (and weightStride 0) for a single row t

  /// Every row 0..<length, all `width` channels: 16 at a time, the last chunk partial.
  @inline(__always)
  func all(length: Int, width: Int) {
    var chunk = 0
    while chunk + 16 <= width {
      all(length: length, chunk: chunk, lanes: AllLanes())
      chunk += 16
    }
    if chunk < width { all(length: length, chunk: chunk, lanes: FirstLanes(count: width - chunk)) }
  }

  /// Row t alone, all `width` channels.
  @inline(__always)
  func one(_ t: Int, width: Int) {
    var chunk = 0
    while chunk + 16 <= width {
      one(t, chunk: chunk, lanes: AllLanes())
      chunk += 16
    }
    if chunk < width { one(t, chunk: chunk, lanes: FirstLanes(count: width - chunk)) }
  }

  /// Every row 0..<length, the 16 channels from `chunk`.
  @inline(__always)
  func all(length: Int, chunk: Int, lanes: some ChunkLanes) {
    var t = 0
    while t + 4 <= length {
      four(from: t, chunk: chunk, lanes: lanes)
      t += 4
    }
    while t < length {
      one(t, chunk: chunk, lanes: lanes)
      t += 1
    }
  }

  /// Row t alone, the 16 channels from `chunk`.
  @inline(__always)
  func one(_ t: Int, chunk: Int, lanes: some ChunkLanes) {
    let w = weights + t * weightStride
    var sum = SIMD16<Float>()
    var row = rows + chunk
    for t2 in 0...t {
      sum.addProduct(w[t2], lanes.load(row))
      row += rowStride
    }
    lanes.store(sum, out + t * outStride + chunk)
  }

  /// Rows t…t + 3: rows 0…t serve all four, then rows t + 1… add their own.
  @inline(__always)
  func four(from t: Int, chunk: Int, lanes: some ChunkLanes) {
    let w0 = weights + t * weightStride
    let w1 = w0 + weightStride
    let w2 = w1 + weightStride
    let w3 = w2 + weightStride
    var s0 = SIMD16<Float>()
    var s1 = s0
    var s2 = s0
    var s3 = s0
    var row = rows + chunk
    for t2 in 0...t {
      let r = lanes.load(row)
      s0.addProduct(w0[t2], r)
      s1.addProduct(w1[t2], r)
      s2.addProduct(w2[t2], r)
      s3.addProduct(w3[t2], r)
      row += rowStride
    }
    var r = lanes.load(row)  // row t + 1
    s1.addProduct(w1[t + 1], r)
    s2.addProduct(w2[t + 1], r)
    s3.addProduct(w3[t + 1], r)
    r = lanes.load(row + rowStride)  // row t + 2
    s2.addProduct(w2[t + 2], r)
    s3.addProduct(w3[t + 2], r)
    r = lanes.load(row + 2 * rowStride)  // row t + 3
    s3.addProduct(w3[t + 3], r)
    let o = out + t * outStride + chunk
    lanes.store(s0, o)
    lanes.store(s1, o + outStride)
    lanes.store(s2, o + 2 * outStride)
    lanes.store(s3, o + 3 * outStride)
  }
}

/// One head of one packed sequence in the attention backward pass: where its rows are, and
/// the sums that turn ∂L/∂score and ∂L/∂out into dq, dk and dv.
///
/// Every sum runs over the same terms in the same order as a plain loop would (ascending
/// t2 for dq, ascending t for dk and dv, fused multiply–adds from +0), so the gradients do
/// not depend on how many rows or columns are computed at once. dq is a ``CausalRowSums``;
/// dk and dv are its transpose, summed down columns four at a time.
struct AttentionHead {
  /// Row 0 of the head's q slice; k is `channels` further, v `2·channels`.  // (T, 3C)
  let qkv: UnsafePointer<Float>
  /// Row 0 of the head's dq slice, laid out like `qkv`.  // (T, 3C)
  let dqkv: UnsafeMutablePointer<Float>
  /// Row 0 of the head's slice of ∂L/∂out.  // (T, C)
  let dout: UnsafePointer<Float>
  /// The softmax weights, row t holding t + 1 of them.  // (T, T)
  let weights: UnsafePointer<Float>
  /// ∂L/∂score, row t holding t + 1 of them.  // (T, scoreStride)
  let dscores: UnsafePointer<Float>
  let length: Int
  let scoreStride: Int
  /// Floats between rows of `qkv` and `dqkv` (3C).
  let stride: Int
  let channels: Int

  /// dq, dk and dv of every row, all `width` channels of the head.
  @inline(__always)
  func gradients(width: Int) {
    CausalRowSums(
      weights: dscores, weightStride: scoreStride, rows: qkv + channels, rowStride: stride,
      out: dqkv, outStride: stride
    ).all(length: length, width: width)
    var chunk = 0
    while chunk + 16 <= width {
      keyValueGradients(chunk: chunk, lanes: AllLanes())
      chunk += 16
    }
    if chunk < width { keyValueGradients(chunk: chunk, lanes: FirstLanes(count: width - chunk)) }
  }

  /// dk and dv of every column, the 16 channels from `chunk`.
  @inline(__always)
  func keyValueGradients(chunk: Int, lanes: some ChunkLanes) {
    var t = 0
    while t + 4 <= length {
      keyValueGradients4(column: t, chunk: chunk, lanes: lanes)
      t += 4
    }
    while t < length {
      keyValueGradient(column: t, chunk: chunk, lanes: lanes)
      t += 1
    }
  }

  /// dk[t2] and dv[t2] for one column, the 16 channels from `chunk`.
  @inline(__always)
  func keyValueGradient(column t2: Int, chunk: Int, lanes: some ChunkLanes) {
    var keySum = SIMD16<Float>()
    var valueSum = SIMD16<Float>()
    for t in t2..<length {
      valueSum.addProduct(
        weights[t * length + t2], lanes.load(dout + t * channels + chunk))
      keySum.addProduct(
        dscores[t * scoreStride + t2], lanes.load(qkv + t * stride + chunk))
    }
    let dk = dqkv + t2 * stride + channels + chunk
    lanes.store(keySum, dk)
    lanes.store(valueSum, dk + channels)
  }

  /// dk and dv for columns c…c + 3: rows c, c + 1 and c + 2 reach only the first one, two
  /// and three of them; rows c + 3… reach all four.
  @inline(__always)
  func keyValueGradients4(column c: Int, chunk: Int, lanes: some ChunkLanes) {
    var k0 = SIMD16<Float>()
    var k1 = k0
    var k2 = k0
    var k3 = k0
    var v0 = k0
    var v1 = k0
    var v2 = k0
    var v3 = k0
    // Row t's weights and ∂L/∂scores from column c on, its ∂L/∂out and its query.
    @inline(__always)
    func row(_ t: Int) -> (UnsafePointer<Float>, UnsafePointer<Float>, SIMD16<Float>, SIMD16<Float>)
    {
      (
        weights + t * length + c, dscores + t * scoreStride + c,
        lanes.load(dout + t * channels + chunk), lanes.load(qkv + t * stride + chunk)
      )
    }
    for t in c..<(c + 3) {
      let (w, s, d, q) = row(t)
      v0.addProduct(w[0], d)
      k0.addProduct(s[0], q)
      if t >= c + 1 {
        v1.addProduct(w[1], d)
        k1.addProduct(s[1], q)
      }
      if t == c + 2 {
        v2.addProduct(w[2], d)
        k2.addProduct(s[2], q)
      }
    }
    for t in (c + 3)..<length {
      let (w, s, d, q) = row(t)
      v0.addProduct(w[0], d)
      k0.addProduct(s[0], q)
      v1.addProduct(w[1], d)
      k1.addProduct(s[1], q)
      v2.addProduct(w[2], d)
      k2.addProduct(s[2], q)
      v3.addProduct(w[3], d)
      k3.addProduct(s[3], q)
    }
    let dk = dqkv + c * stride + channels + chunk
    let dv = dk + channels
    lanes.store(k0, dk)
    lanes.store(v0, dv)
    lanes.store(k1, dk + stride)
    lanes.store(v1, dv + stride)
    lanes.store(k2, dk + 2 * stride)
    lanes.store(v2, dv + 2 * stride)
    lanes.store(k3, dk + 3 * stride)
    lanes.store(v3, dv + 3 * stride)
  }
}
