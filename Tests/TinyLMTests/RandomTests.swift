import Testing
import TinyLM

@Suite("Seeded random numbers")
struct RandomTests {
  @Test(
    "The same seed gives the same stream; streams and seeds differ",
    arguments: [0, 1, 42] as [UInt64])
  func reproducible(seed: UInt64) {
    var a = SeededRandom(seed: seed)
    var b = SeededRandom(seed: seed)
    var c = SeededRandom(seed: seed, stream: 1)
    var d = SeededRandom(seed: seed + 1)
    let first = (0..<16).map { _ in a.next() }
    #expect(first == (0..<16).map { _ in b.next() })
    #expect(first != (0..<16).map { _ in c.next() })
    #expect(first != (0..<16).map { _ in d.next() })
  }

  @Test("SplitMix64 matches its published reference output")
  func splitMixReference() {
    // Reference values of SplitMix64 seeded with 1234567 (Vigna's splitmix64.c).
    var state: UInt64 = 1_234_567
    let expected: [UInt64] = [
      6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423,
    ]
    #expect((0..<3).map { _ in SeededRandom.splitMix64(&state) } == expected)
  }

  @Test("xoshiro256** seeded through SplitMix64 matches an independent reference")
  func xoshiroReference() {
    // Computed with a separate Python transcription of xoshiro256** (Blackman & Vigna),
    // its state filled by four SplitMix64 outputs from seed 0. If this changes, every
    // seed's results change: that must never happen silently.
    var random = SeededRandom(seed: 0)
    let expected: [UInt64] = [
      11_091_344_671_253_066_420, 13_793_997_310_169_335_082, 1_900_383_378_846_508_768,
    ]
    #expect((0..<3).map { _ in random.next() } == expected)
  }

  @Test("Floats lie in [0, 1) and integers below their bound, roughly uniformly")
  func ranges() {
    var random = SeededRandom(seed: 9)
    var buckets = [Int](repeating: 0, count: 10)
    for _ in 0..<20_000 {
      let x = random.nextFloat()
      #expect(x >= 0 && x < 1)
      let d = random.nextDouble()
      #expect(d >= 0 && d < 1)
      let k = random.nextInt(below: 10)
      buckets[k] += 1
    }
    #expect(buckets.allSatisfy { (1_800...2_200).contains($0) }, "\(buckets)")
  }

  @Test("Shuffle is a permutation and depends on the seed")
  func shuffle() {
    var a = SeededRandom(seed: 1)
    var b = SeededRandom(seed: 2)
    var x = Array(0..<50)
    var y = Array(0..<50)
    a.shuffle(&x)
    b.shuffle(&y)
    #expect(x.sorted() == Array(0..<50))
    #expect(x != y)
  }

  @Test("Gaussian samples have mean 0 and variance 1")
  func gaussian() {
    var random = SeededRandom(seed: 5)
    let samples = (0..<20_000).map { _ in Double(random.nextGaussian()) }
    let mean = samples.reduce(0, +) / Double(samples.count)
    let variance = samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(samples.count)
    #expect(abs(mean) < 0.03)
    #expect(abs(variance - 1) < 0.05)
  }
}
