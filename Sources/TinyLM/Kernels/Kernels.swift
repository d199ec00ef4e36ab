/// The matrix kernels: one matrix product (with or without bias, overwriting or
/// accumulating), a transpose and column sums. Layers build forward and backward from them.
package enum Kernels {
  /// The inner dimension is summed in blocks of this many terms (a panel of the right
  /// matrix then stays in the L1 cache). The blocks depend only on the shapes, never on the
  /// thread count.
  package static let innerBlock = 256

  /// `out (N, M) = inp (N, K) · weight (K, M) + bias (M)`, or `out += inp · weight` when
  /// `accumulate` is set (the bias is then ignored). Split across threads by rows.
  ///
  /// With `transposedInput`, `inp` is stored (K, N) and the product is `inpᵀ · weight`
  /// (weight gradients read activations this way, without a transpose).
  ///
  /// Each element is the bias (or 0) plus its products in ascending `k`, fused
  /// multiply-adds, one block of `innerBlock` terms at a time.
  package static func matmul(
    _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
    _ weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, rows: Int, inner: Int,
    columns: Int, accumulate: Bool, transposedInput: Bool = false, workers: Workers
  ) {
    // Element (n, k) of the left matrix is inp[n · rowStride + k · innerStride].
    let rowStride = transposedInput ? 1 : inner
    let innerStride = transposedInput ? rows : 1
    let tiles = (rows + 5) / 6
    let work = rows * inner * columns
    let pool = work < 32_768 ? Workers(threads: 1) : workers
    pool.run(tiles) { range in
      let firstRow = range.lowerBound * 6
      let endRow = min(rows, range.upperBound * 6)
      // A panel of `weight` (a block of its rows, 16 or 32 columns) serves every row tile of
      // this thread. Read in place, its rows lie `columns` floats apart, and at the wide
      // layers' power-of-two strides they fall into a few L1 sets and evict each other; a
      // contiguous copy stays in the cache. The copy holds the same numbers, so the results
      // do not depend on whether it is made.
      let packed: UnsafeMutablePointer<Float>? =
        endRow - firstRow >= packingRows
        ? UnsafeMutableRawPointer.allocate(
          byteCount: innerBlock * panelWidth * MemoryLayout<Float>.stride, alignment: 64
        ).bindMemory(to: Float.self, capacity: innerBlock * panelWidth) : nil
      defer { packed?.deallocate() }
      var k0 = 0
      while k0 < inner {
        let k1 = min(inner, k0 + innerBlock)
        let first = k0 == 0 && !accumulate
        // The bias starts the sums of the first block only.
        let blockBias = first ? bias : nil
        var j = 0
        #if TINYLM_WIDE_TILES
          while j + 32 <= columns {
            let (panelStart, panelStride) = panel(weight, k0, k1, j, 32, columns, packed)
            var n = firstRow
            while n + 6 <= endRow {
              tile6x32(
                out, inp, panelStart, blockBias, n, j, k0, k1, rowStride, innerStride, columns,
                panelStride, first)
              n += 6
            }
            if n + 4 <= endRow {
              tile4x32(
                out, inp, panelStart, blockBias, n, j, k0, k1, rowStride, innerStride, columns,
                panelStride, first)
              n += 4
            }
            if n + 2 <= endRow {
              tile2x32(
                out, inp, panelStart, blockBias, n, j, k0, k1, rowStride, innerStride, columns,
                panelStride, first)
              n += 2
            }
            if n < endRow {
              tile1x16(
                out, inp, panelStart, blockBias, n, j, k0, k1, rowStride, innerStride, columns,
                panelStride, first)
              tile1x16(
                out, inp, panelStart + 16, blockBias, n, j + 16, k0, k1, rowStride, innerStride,
                columns, panelStride, first)
            }
            j += 32
          }
        #endif
        while j + 16 <= columns {
          let (panelStart, panelStride) = panel(weight, k0, k1, j, 16, columns, packed)
          var n = firstRow
          while n + 6 <= endRow {
            tile6x16(
              out, inp, panelStart, blockBias, n, j, k0, k1, rowStride, innerStride, columns,
              panelStride, first)
            n += 6
          }
          if n + 4 <= endRow {
            tile4x16(
              out, inp, panelStart, blockBias, n, j, k0, k1, rowStride, innerStride, columns,
              panelStride, first)
            n += 4
          }
          while n < endRow {
            tile1x16(
              out, inp, panelStart, blockBias, n, j, k0, k1, rowStride, innerStride, columns,
              panelStride, first)
            n += 1
          }
          j += 16
        }
        if j < columns {
          // The last columns (fewer than 16): vector lanes past the edge are computed from
          // the next row's values (or zeros on the last row) and never stored.
          var n = firstRow
          while n + 6 <= endRow {
            tile6xPartial(
              out, inp, weight, blockBias, n, j, k0, k1, inner, rowStride, innerStride, columns,
              first)
            n += 6
          }
          while n < endRow {
            tile1xPartial(
              out, inp, weight, blockBias, n, j, k0, k1, inner, rowStride, innerStride, columns,
              first)
            n += 1
          }
        }
        k0 = k1
      }
    }
  }

  /// The widest panel of `weight` a tile reads: 32 columns with wide tiles, else 16.
  #if TINYLM_WIDE_TILES
    private static let panelWidth = 32
  #else
    private static let panelWidth = 16
  #endif

  /// A thread copies the panels of `weight` when it has at least this many rows to reuse
  /// them over; below that the copy costs more than the cache misses it saves.
  private static let packingRows = 96

  /// Rows `k0..<k1`, columns `j..<j + width` of `weight (K, M)`: copied into `packed`
  /// (stride `width`) when there is a buffer, else read in place (stride M). Returns the
  /// panel's first float and its row stride.
  @inline(__always)
  private static func panel(
    _ weight: UnsafePointer<Float>, _ k0: Int, _ k1: Int, _ j: Int, _ width: Int,
    _ columns: Int, _ packed: UnsafeMutablePointer<Float>?
  ) -> (UnsafePointer<Float>, Int) {
    let start = weight + k0 * columns + j
    guard let packed else { return (start, columns) }
    var source = start
    var target = packed
    for _ in k0..<k1 {
      for lane in stride(from: 0, to: width, by: 16) {
        store16(load16(source + lane), target + lane)
      }
      source += columns
      target += width
    }
    return (UnsafePointer(packed), width)
  }

  /// The product `matmul` computes, written as plainly as possible: three loops, each sum
  /// in Double, starting from the bias (or 0, or the old value when `accumulate` is set).
  /// The tests use it as the oracle for the tiled kernels, whose Float sums agree with it to
  /// rounding (not bit for bit). Never used by the model: it is a thousand times slower.
  package static func referenceMatmul(
    _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
    _ weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, rows: Int, inner: Int,
    columns: Int, accumulate: Bool, transposedInput: Bool = false
  ) {
    for n in 0..<rows {
      for j in 0..<columns {
        var sum = 0.0
        for k in 0..<inner {
          let left = transposedInput ? inp[k * rows + n] : inp[n * inner + k]  // (N, K) or (K, N)
          sum += Double(left) * Double(weight[k * columns + j])
        }
        let start = accumulate ? out[n * columns + j] : (bias?[j] ?? 0)
        out[n * columns + j] = Float(Double(start) + sum)
      }
    }
  }

  /// Six rows × 16 columns: 6 vector accumulators, one row of `weight` loaded per step.
  @inline(__always)
  private static func tile6x16(
    _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
    _ panel: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?, _ n: Int, _ j: Int,
    _ k0: Int, _ k1: Int, _ rowStride: Int, _ innerStride: Int, _ columns: Int,
    _ panelStride: Int,
    _ first: Bool
  ) {
    var c0 = SIMD16<Float>()
    if let bias { c0 = load16(bias + j) }
    var c1 = c0
    var c2 = c0
    var c3 = c0
    var c4 = c0
    var c5 = c0
    var a = inp + n * rowStride + k0 * innerStride
    var w = panel
    for _ in k0..<k1 {
      let b = load16(w)
      c0.addProduct(a[0], b)
      c1.addProduct(a[rowStride], b)
      c2.addProduct(a[2 * rowStride], b)
      c3.addProduct(a[3 * rowStride], b)
      c4.addProduct(a[4 * rowStride], b)
      c5.addProduct(a[5 * rowStride], b)
      a += innerStride
      w += panelStride
    }
    let o0 = out + n * columns + j
    let o1 = o0 + columns
    let o2 = o1 + columns
    let o3 = o2 + columns
    let o4 = o3 + columns
    let o5 = o4 + columns
    if first {
      store16(c0, o0)
      store16(c1, o1)
      store16(c2, o2)
      store16(c3, o3)
      store16(c4, o4)
      store16(c5, o5)
    } else {
      store16(load16(o0) + c0, o0)
      store16(load16(o1) + c1, o1)
      store16(load16(o2) + c2, o2)
      store16(load16(o3) + c3, o3)
      store16(load16(o4) + c4, o4)
      store16(load16(o5) + c5, o5)
    }
  }

  #if TINYLM_WIDE_TILES
    /// Six rows × 32 columns: 12 vector accumulators, for CPUs with 32 vector registers
    /// (AVX-512); build with `-D TINYLM_WIDE_TILES`.
    @inline(__always)
    private static func tile6x32(
      _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
      _ panel: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?, _ n: Int, _ j: Int,
      _ k0: Int, _ k1: Int, _ rowStride: Int, _ innerStride: Int, _ columns: Int,
      _ panelStride: Int,
      _ first: Bool
    ) {
      var c00 = SIMD16<Float>()
      var c01 = SIMD16<Float>()
      if let bias {
        c00 = load16(bias + j)
        c01 = load16(bias + j + 16)
      }
      var (c10, c11, c20, c21, c30, c31) = (c00, c01, c00, c01, c00, c01)
      var (c40, c41, c50, c51) = (c00, c01, c00, c01)
      var a = inp + n * rowStride + k0 * innerStride
      var w = panel
      for _ in k0..<k1 {
        let b0 = load16(w)
        let b1 = load16(w + 16)
        var x = a[0]
        c00.addProduct(x, b0)
        c01.addProduct(x, b1)
        x = a[rowStride]
        c10.addProduct(x, b0)
        c11.addProduct(x, b1)
        x = a[2 * rowStride]
        c20.addProduct(x, b0)
        c21.addProduct(x, b1)
        x = a[3 * rowStride]
        c30.addProduct(x, b0)
        c31.addProduct(x, b1)
        x = a[4 * rowStride]
        c40.addProduct(x, b0)
        c41.addProduct(x, b1)
        x = a[5 * rowStride]
        c50.addProduct(x, b0)
        c51.addProduct(x, b1)
        a += innerStride
        w += panelStride
      }
      let o = out + n * columns + j
      put(c00, c01, o, first)
      put(c10, c11, o + columns, first)
      put(c20, c21, o + 2 * columns, first)
      put(c30, c31, o + 3 * columns, first)
      put(c40, c41, o + 4 * columns, first)
      put(c50, c51, o + 5 * columns, first)
    }

    /// Four rows × 32 columns (8 accumulators), for the rows 6-row tiles leave over.
    @inline(__always)
    private static func tile4x32(
      _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
      _ panel: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?, _ n: Int, _ j: Int,
      _ k0: Int, _ k1: Int, _ rowStride: Int, _ innerStride: Int, _ columns: Int,
      _ panelStride: Int,
      _ first: Bool
    ) {
      var c00 = SIMD16<Float>()
      var c01 = SIMD16<Float>()
      if let bias {
        c00 = load16(bias + j)
        c01 = load16(bias + j + 16)
      }
      var (c10, c11, c20, c21, c30, c31) = (c00, c01, c00, c01, c00, c01)
      var a = inp + n * rowStride + k0 * innerStride
      var w = panel
      for _ in k0..<k1 {
        let b0 = load16(w)
        let b1 = load16(w + 16)
        var x = a[0]
        c00.addProduct(x, b0)
        c01.addProduct(x, b1)
        x = a[rowStride]
        c10.addProduct(x, b0)
        c11.addProduct(x, b1)
        x = a[2 * rowStride]
        c20.addProduct(x, b0)
        c21.addProduct(x, b1)
        x = a[3 * rowStride]
        c30.addProduct(x, b0)
        c31.addProduct(x, b1)
        a += innerStride
        w += panelStride
      }
      let o = out + n * columns + j
      put(c00, c01, o, first)
      put(c10, c11, o + columns, first)
      put(c20, c21, o + 2 * columns, first)
      put(c30, c31, o + 3 * columns, first)
    }

    /// Two rows × 32 columns (4 accumulators).
    @inline(__always)
    private static func tile2x32(
      _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
      _ panel: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?, _ n: Int, _ j: Int,
      _ k0: Int, _ k1: Int, _ rowStride: Int, _ innerStride: Int, _ columns: Int,
      _ panelStride: Int,
      _ first: Bool
    ) {
      var c00 = SIMD16<Float>()
      var c01 = SIMD16<Float>()
      if let bias {
        c00 = load16(bias + j)
        c01 = load16(bias + j + 16)
      }
      var (c10, c11) = (c00, c01)
      var a = inp + n * rowStride + k0 * innerStride
      var w = panel
      for _ in k0..<k1 {
        let b0 = load16(w)
        let b1 = load16(w + 16)
        var x = a[0]
        c00.addProduct(x, b0)
        c01.addProduct(x, b1)
        x = a[rowStride]
        c10.addProduct(x, b0)
        c11.addProduct(x, b1)
        a += innerStride
        w += panelStride
      }
      let o = out + n * columns + j
      put(c00, c01, o, first)
      put(c10, c11, o + columns, first)
    }

    @inline(__always)
    private static func put(
      _ left: SIMD16<Float>, _ right: SIMD16<Float>, _ o: UnsafeMutablePointer<Float>,
      _ first: Bool
    ) {
      if first {
        store16(left, o)
        store16(right, o + 16)
      } else {
        store16(load16(o) + left, o)
        store16(load16(o + 16) + right, o + 16)
      }
    }
  #endif

  /// Four rows × 16 columns, for the rows a 6-row tile leaves over.
  @inline(__always)
  private static func tile4x16(
    _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
    _ panel: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?, _ n: Int, _ j: Int,
    _ k0: Int, _ k1: Int, _ rowStride: Int, _ innerStride: Int, _ columns: Int,
    _ panelStride: Int,
    _ first: Bool
  ) {
    var c0 = SIMD16<Float>()
    if let bias { c0 = load16(bias + j) }
    var c1 = c0
    var c2 = c0
    var c3 = c0
    var a = inp + n * rowStride + k0 * innerStride
    var w = panel
    for _ in k0..<k1 {
      let b = load16(w)
      c0.addProduct(a[0], b)
      c1.addProduct(a[rowStride], b)
      c2.addProduct(a[2 * rowStride], b)
      c3.addProduct(a[3 * rowStride], b)
      a += innerStride
      w += panelStride
    }
    let o0 = out + n * columns + j
    let o1 = o0 + columns
    let o2 = o1 + columns
    let o3 = o2 + columns
    if first {
      store16(c0, o0)
      store16(c1, o1)
      store16(c2, o2)
      store16(c3, o3)
    } else {
      store16(load16(o0) + c0, o0)
      store16(load16(o1) + c1, o1)
      store16(load16(o2) + c2, o2)
      store16(load16(o3) + c3, o3)
    }
  }

  @inline(__always)
  private static func tile1x16(
    _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
    _ panel: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?, _ n: Int, _ j: Int,
    _ k0: Int, _ k1: Int, _ rowStride: Int, _ innerStride: Int, _ columns: Int,
    _ panelStride: Int,
    _ first: Bool
  ) {
    var c = SIMD16<Float>()
    if let bias { c = load16(bias + j) }
    var a = inp + n * rowStride + k0 * innerStride
    var w = panel
    for _ in k0..<k1 {
      c.addProduct(a[0], load16(w))
      a += innerStride
      w += panelStride
    }
    let o = out + n * columns + j
    if first { store16(c, o) } else { store16(load16(o) + c, o) }
  }

  /// Row k of `weight` (K, M) from column j on, `M − j` (< 16) lanes wide: a full load while
  /// 16 floats of the matrix remain from there, else a partial one.
  @inline(__always)
  private static func edge(
    _ w: UnsafePointer<Float>, _ k: Int, _ j: Int, _ inner: Int, _ columns: Int
  ) -> SIMD16<Float> {
    (inner - k) * columns - j >= 16 ? load16(w) : loadPartial(w, columns - j)
  }

  /// Six rows × the last `columns − j` (< 16) columns.
  @inline(__always)
  private static func tile6xPartial(
    _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
    _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?, _ n: Int, _ j: Int,
    _ k0: Int, _ k1: Int, _ inner: Int, _ rowStride: Int, _ innerStride: Int, _ columns: Int,
    _ first: Bool
  ) {
    let width = columns - j
    var c0 = SIMD16<Float>()
    if let bias { c0 = loadPartial(bias + j, width) }
    var (c1, c2, c3, c4, c5) = (c0, c0, c0, c0, c0)
    var a = inp + n * rowStride + k0 * innerStride
    var w = weight + k0 * columns + j
    for k in k0..<k1 {
      let b = edge(w, k, j, inner, columns)
      c0.addProduct(a[0], b)
      c1.addProduct(a[rowStride], b)
      c2.addProduct(a[2 * rowStride], b)
      c3.addProduct(a[3 * rowStride], b)
      c4.addProduct(a[4 * rowStride], b)
      c5.addProduct(a[5 * rowStride], b)
      a += innerStride
      w += columns
    }
    let o = out + n * columns + j
    for (r, c) in [c0, c1, c2, c3, c4, c5].enumerated() {
      let row = o + r * columns
      storePartial(first ? c : loadPartial(row, width) + c, row, width)
    }
  }

  /// One row × the last `columns − j` (< 16) columns.
  @inline(__always)
  private static func tile1xPartial(
    _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
    _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?, _ n: Int, _ j: Int,
    _ k0: Int, _ k1: Int, _ inner: Int, _ rowStride: Int, _ innerStride: Int, _ columns: Int,
    _ first: Bool
  ) {
    let width = columns - j
    var c = SIMD16<Float>()
    if let bias { c = loadPartial(bias + j, width) }
    var a = inp + n * rowStride + k0 * innerStride
    var w = weight + k0 * columns + j
    for k in k0..<k1 {
      c.addProduct(a[0], edge(w, k, j, inner, columns))
      a += innerStride
      w += columns
    }
    let o = out + n * columns + j
    storePartial(first ? c : loadPartial(o, width) + c, o, width)
  }

  /// `dst (cols, rows) = srcᵀ` for `src (rows, cols)`, in 16 × 16 blocks.
  package static func transpose(
    _ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, rows: Int, columns: Int,
    workers: Workers
  ) {
    let blocks = (columns + 15) / 16
    let pool = rows * columns < 65_536 ? Workers(threads: 1) : workers
    pool.run(blocks) { range in
      for block in range {
        let c0 = block * 16
        let c1 = min(columns, c0 + 16)
        var r0 = 0
        while r0 < rows {
          let r1 = min(rows, r0 + 16)
          // Each column of the block is gathered into one vector and stored at once.
          for c in c0..<c1 {
            let column = src + r0 * columns + c
            let d = dst + c * rows + r0
            if r1 - r0 == 16 {
              var values = SIMD16<Float>()
              for lane in 0..<16 { values[lane] = column[lane &* columns] }
              store16(values, d)
            } else {
              for r in 0..<(r1 - r0) { d[r] = column[r &* columns] }
            }
          }
          r0 = r1
        }
      }
    }
  }

  /// `sums (M) += Σₙ matrix (N, M)[n]`, rows added in ascending order (bias gradients).
  package static func addColumnSums(
    _ sums: UnsafeMutablePointer<Float>, _ matrix: UnsafePointer<Float>, rows: Int,
    columns: Int, workers: Workers
  ) {
    let strips = (columns + 15) / 16
    let pool = rows * columns < 65_536 ? Workers(threads: 1) : workers
    pool.run(strips) { range in
      for strip in range {
        let j = strip * 16
        let width = min(16, columns - j)
        var acc = SIMD16<Float>()
        if width == 16 {
          for n in 0..<rows { acc += load16(matrix + n * columns + j) }
          store16(load16(sums + j) + acc, sums + j)
        } else {
          for n in 0..<rows { acc += loadPartial(matrix + n * columns + j, width) }
          storePartial(loadPartial(sums + j, width) + acc, sums + j, width)
        }
      }
    }
  }

  /// eˣ for each lane: range reduction to r ∈ [−ln2/2, ln2/2], a degree-6 polynomial, and a
  /// power of two built from exponent bits. Inputs are clamped to [−87, 88] (relative error
  /// about 2 × 10⁻⁷); the same arithmetic on every platform and thread count.
  @inline(__always)
  package static func exp(_ x: SIMD16<Float>) -> SIMD16<Float> {
    let low = SIMD16<Float>(repeating: -87)
    let high = SIMD16<Float>(repeating: 88)
    let clamped = x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
    // Adding 1.5·2²³ rounds to the nearest integer, which then sits in the low mantissa bits.
    let magic = SIMD16<Float>(repeating: 12_582_912)
    let shifted = clamped * 1.442_695_04 + magic
    let n = shifted - magic
    var r = clamped
    r.addProduct(n, SIMD16(repeating: -0.693_145_751_953_125))
    r.addProduct(n, SIMD16(repeating: -1.428_606_765_330_187e-6))
    var p = SIMD16<Float>(repeating: 1.0 / 720)
    p = SIMD16(repeating: 1.0 / 120).addingProduct(p, r)
    p = SIMD16(repeating: 1.0 / 24).addingProduct(p, r)
    p = SIMD16(repeating: 1.0 / 6).addingProduct(p, r)
    p = SIMD16(repeating: 0.5).addingProduct(p, r)
    p = SIMD16(repeating: 1).addingProduct(p, r)
    p = SIMD16(repeating: 1).addingProduct(p, r)
    let integer =
      unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- unsafeBitCast(magic, to: SIMD16<Int32>.self)
    let bits = (integer &+ 127) &<< 23
    return p * unsafeBitCast(bits, to: SIMD16<Float>.self)
  }

  /// tanh for each lane, as 1 − 2 / (e²ˣ + 1) with `exp` above (absolute error ~2 × 10⁻⁷).
  @inline(__always)
  package static func tanh(_ x: SIMD16<Float>) -> SIMD16<Float> {
    let e = exp(x + x)
    return SIMD16(repeating: 1) - SIMD16(repeating: 2) / (e + SIMD16(repeating: 1))
  }
}
