import Foundation

/// A seeded pseudo-random generator whose sequence never changes between Swift releases.
///
/// xoshiro256** (Blackman and Vigna) seeded through SplitMix64. Every random choice in
/// RefusalLab goes through this type and its own integer-to-float conversions, so that a
/// seed fixes every byte a run prints.
public struct SeededRandom: Sendable, Hashable {
  private var state: (UInt64, UInt64, UInt64, UInt64)

  /// Creates a generator from a 64-bit seed.
  public init(seed: UInt64) {
    var splitMix = seed
    state = (
      SeededRandom.splitMix64(&splitMix), SeededRandom.splitMix64(&splitMix),
      SeededRandom.splitMix64(&splitMix), SeededRandom.splitMix64(&splitMix)
    )
  }

  /// Creates an independent generator for a named sub-stream of a seed, for example one
  /// stream per prompt, so that results do not depend on the order work is scheduled in.
  public init(seed: UInt64, stream: UInt64) {
    var mixer = seed ^ (stream &* 0x9E37_79B9_7F4A_7C15)
    self.init(seed: SeededRandom.splitMix64(&mixer))
  }

  /// Advances a SplitMix64 state and returns its next output.
  public static func splitMix64(_ x: inout UInt64) -> UInt64 {
    x &+= 0x9E37_79B9_7F4A_7C15
    var z = x
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  public static func == (lhs: SeededRandom, rhs: SeededRandom) -> Bool {
    lhs.state.0 == rhs.state.0 && lhs.state.1 == rhs.state.1 && lhs.state.2 == rhs.state.2
      && lhs.state.3 == rhs.state.3
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(state.0)
    hasher.combine(state.1)
    hasher.combine(state.2)
    hasher.combine(state.3)
  }

  /// The next 64 random bits.
  public mutating func next() -> UInt64 {
    let result = rotateLeft(state.1 &* 5, 7) &* 9
    let t = state.1 << 17
    state.2 ^= state.0
    state.3 ^= state.1
    state.1 ^= state.2
    state.0 ^= state.3
    state.2 ^= t
    state.3 = rotateLeft(state.3, 45)
    return result
  }

  private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 {
    (x << k) | (x >> (64 - k))
  }

  /// A uniform `Float` in [0, 1): the top 24 bits times 2⁻²⁴.
  public mutating func nextFloat() -> Float {
    Float(next() >> 40) * (1.0 / 16_777_216.0)
  }

  /// A uniform `Double` in [0, 1): the top 53 bits times 2⁻⁵³.
  public mutating func nextDouble() -> Double {
    Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
  }

  /// A uniform integer in `0..<bound` (Lemire's nearly-divisionless method, unbiased).
  public mutating func nextInt(below bound: Int) -> Int {
    precondition(bound > 0, "bound must be positive")
    let range = UInt64(bound)
    var product = next().multipliedFullWidth(by: range)
    if product.low < range {
      let threshold = (0 &- range) % range
      while product.low < threshold {
        product = next().multipliedFullWidth(by: range)
      }
    }
    return Int(product.high)
  }

  /// A standard normal sample (Box–Muller, using only this generator's own conversions).
  public mutating func nextGaussian() -> Float {
    let u1 = max(nextDouble(), 1e-300)
    let u2 = nextDouble()
    return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
  }

  /// Shuffles `array` in place (Fisher–Yates).
  public mutating func shuffle<T>(_ array: inout [T]) {
    guard array.count > 1 else { return }
    for i in stride(from: array.count - 1, to: 0, by: -1) {
      let j = nextInt(below: i + 1)
      if i != j { array.swapAt(i, j) }
    }
  }

  /// A uniformly chosen element of a non-empty collection.
  public mutating func element<C: RandomAccessCollection>(of collection: C) -> C.Element
  where C.Index == Int {
    collection[collection.startIndex + nextInt(below: collection.count)]
  }
}
