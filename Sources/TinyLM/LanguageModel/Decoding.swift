import Foundation

/// Choosing a token from a next-token distribution.
public enum Decoding {
  /// Greedy (temperature 0: the most likely id, ties to the lowest) or sampled at
  /// `temperature` from log-probabilities.
  public static func choose(
    from logProbabilities: [Float], temperature: Double, random: inout SeededRandom
  ) -> Int {
    if temperature <= 0 { return argmax(logProbabilities) }
    let scaled = logProbabilities.map { Double($0) / temperature }
    let top = scaled.max() ?? 0
    let weights = scaled.map { exp($0 - top) }
    let total = weights.reduce(0, +)
    var target = random.nextDouble() * total
    for (id, weight) in weights.enumerated() {
      target -= weight
      if target < 0 { return id }
    }
    return argmax(logProbabilities)
  }

  /// The index of the largest value; ties go to the lowest index.
  public static func argmax(_ values: [Float]) -> Int {
    var best = 0
    for index in values.indices where values[index] > values[best] { best = index }
    return best
  }
}
