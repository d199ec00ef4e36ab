import Testing
import TinyLM

/// The tiled matrix kernel against `Kernels.referenceMatmul`, the three-loop product.
@Suite struct KernelTests {
  /// (rows, inner, columns). Rows 1…13 reach the 6-, 4-, 2- and 1-row tiles and every
  /// remainder; columns 1…100 the 32- and 16-wide tiles and the partial last columns; inner
  /// 1…513 one, two and three blocks of `Kernels.innerBlock`. The last shape is large enough
  /// to be split across threads.
  static let shapes: [(Int, Int, Int)] = [
    (1, 1, 1), (2, 3, 5), (3, 16, 15), (4, 17, 16), (5, 31, 17), (6, 64, 32), (7, 255, 33),
    (8, 256, 48), (9, 257, 50), (10, 300, 31), (11, 513, 64), (13, 19, 100), (64, 64, 192),
  ]

  @Test(arguments: shapes)
  func matmulMatchesReference(shape: (Int, Int, Int)) {
    let (rows, inner, columns) = shape
    var random = SeededRandom(seed: UInt64(rows * 10_000 + inner * 100 + columns))
    func values(_ count: Int) -> [Float] { (0..<count).map { _ in random.nextGaussian() } }
    let left = values(rows * inner)  // (N, K), or (K, N) read transposed
    let weight = values(inner * columns)  // (K, M)
    let bias = values(columns)
    let start = values(rows * columns)  // what an accumulating product adds to
    for transposedInput in [false, true] {
      for accumulate in [false, true] {
        for withBias in [false, true] {
          var expected = start
          Kernels.referenceMatmul(
            &expected, left, weight, bias: withBias ? bias : nil, rows: rows, inner: inner,
            columns: columns, accumulate: accumulate, transposedInput: transposedInput)
          var results: [[Float]] = []
          for threads in [1, 2] {
            var out = start
            Kernels.matmul(
              &out, left, weight, bias: withBias ? bias : nil, rows: rows, inner: inner,
              columns: columns, accumulate: accumulate, transposedInput: transposedInput,
              workers: Workers(threads: threads))
            results.append(out)
          }
          #expect(results[0] == results[1], "the thread count changed a result")
          // A sum of K + 2 rounded terms is within 2·(K + 2)·ε of their magnitude.
          var worst = 0.0
          for n in 0..<rows {
            for j in 0..<columns {
              var magnitude = Double(
                abs(accumulate ? start[n * columns + j] : withBias ? bias[j] : 0))
              for k in 0..<inner {
                let a = transposedInput ? left[k * rows + n] : left[n * inner + k]
                magnitude += Double(abs(a * weight[k * columns + j]))
              }
              let error = abs(Double(results[0][n * columns + j] - expected[n * columns + j]))
              worst = max(worst, error / (Double(inner + 2) * Double(Float.ulpOfOne) * magnitude))
            }
          }
          #expect(
            worst <= 2,
            "transposed \(transposedInput), accumulate \(accumulate), bias \(withBias)")
        }
      }
    }
  }
}
