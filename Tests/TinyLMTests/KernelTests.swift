import Testing
import TinyLM

/// The tiled matrix kernel against `Kernels.referenceMatmul`, the three-loop product.
@Suite struct KernelTests {
  /// (rows, inner, columns). Rows 1…13 reach the 6-, 4-, 2- and 1-row tiles and every
  /// remainder; columns 1…100 the 32- and 16-wide tiles and the partial last columns; inner
  /// 1…513 one, two and three blocks of `Kernels.innerBlock`. The last two shapes are large
  /// enough to be split across threads, and the last has enough rows per thread for the
  /// kernel to copy the weight's panels.
  static let shapes: [(Int, Int, Int)] = [
    (1, 1, 1), (2, 3, 5), (3, 16, 15), (4, 17, 16), (5, 31, 17), (6, 64, 32), (7, 255, 33),
    (8, 256, 48), (9, 257, 50), (10, 300, 31), (11, 513, 64), (13, 19, 100), (64, 64, 192),
    (200, 300, 100),
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

  /// Rows of a product do not depend on how many rows are computed with them: the first six
  /// rows of a 200-row product (whose weight panels the kernel copies) equal, bit for bit, a
  /// 6-row product (whose panels it reads in place).
  @Test(arguments: [false, true])
  func rowsDoNotDependOnTheirNeighbours(transposedInput: Bool) {
    let (rows, inner, columns, kept) = (200, 300, 100, 6)
    var random = SeededRandom(seed: 11)
    func values(_ count: Int) -> [Float] { (0..<count).map { _ in random.nextGaussian() } }
    let left = values(rows * inner)  // (N, K), or (K, N) read transposed
    let weight = values(inner * columns)  // (K, M)
    let bias = values(columns)
    var whole = [Float](repeating: 0, count: rows * columns)
    Kernels.matmul(
      &whole, left, weight, bias: bias, rows: rows, inner: inner, columns: columns,
      accumulate: false, transposedInput: transposedInput, workers: Workers(threads: 1))
    let firstRows =
      transposedInput
      ? (0..<inner).flatMap { k in left[(k * rows)..<(k * rows + kept)] }  // (K, 6)
      : Array(left[0..<(kept * inner)])  // (6, K)
    var part = [Float](repeating: 0, count: kept * columns)
    Kernels.matmul(
      &part, firstRows, weight, bias: bias, rows: kept, inner: inner, columns: columns,
      accumulate: false, transposedInput: transposedInput, workers: Workers(threads: 1))
    let differing = zip(part, whole).filter { $0.bitPattern != $1.bitPattern }.count
    #expect(differing == 0, "\(differing) of \(part.count) elements differ")
  }
}
