import TinyLM

/// Spearman's rank correlation with a bootstrap interval.
///
/// ρ_s is Pearson's correlation of the ranks, tied values sharing their average rank; it is
/// `nil` (not NaN) for a constant column. The 95% interval is a percentile bootstrap over
/// *clusters* (seeds): each resample draws as many clusters as there are, with replacement,
/// from a fixed-seed `SeededRandom`, keeps every observation of each, and computes ρ_s; the
/// interval runs between the 2.5% and 97.5% quantiles (interpolated). Resamples with a
/// constant column are left out, and the interval is `nil` when fewer than half remain.
public enum RankCorrelation {
  /// Resamples of the bootstrap interval.
  public static let defaultResamples = 2000

  /// The ranks 1 … n of `values`, ties sharing their average rank. Shape (n,).
  public static func ranks(_ values: [Double]) -> [Double] {
    let order = values.indices.sorted { (values[$0], $0) < (values[$1], $1) }
    var ranks = [Double](repeating: 0, count: values.count)  // (n,)
    var start = 0
    while start < order.count {
      var end = start + 1
      while end < order.count && values[order[end]] == values[order[start]] { end += 1 }
      let average = Double(start + 1 + end) / 2  // mean of the ranks start + 1 … end
      for k in start..<end { ranks[order[k]] = average }
      start = end
    }
    return ranks
  }

  /// Spearman's ρ_s of paired samples; `nil` with fewer than two pairs or a constant column.
  public static func spearman(_ x: [Double], _ y: [Double]) -> Double? {
    precondition(x.count == y.count, "paired samples")
    guard x.count >= 2 else { return nil }
    return pearson(ranks(x), ranks(y))
  }

  /// Pearson's correlation; `nil` when a column is constant.
  static func pearson(_ x: [Double], _ y: [Double]) -> Double? {
    let n = Double(x.count)
    let xMean = x.reduce(0, +) / n
    let yMean = y.reduce(0, +) / n
    var xy = 0.0
    var xx = 0.0
    var yy = 0.0
    for (a, b) in zip(x, y) {
      xy += (a - xMean) * (b - yMean)
      xx += (a - xMean) * (a - xMean)
      yy += (b - yMean) * (b - yMean)
    }
    guard xx > 0, yy > 0 else { return nil }
    return max(-1, min(1, xy / (xx * yy).squareRoot()))
  }

  /// The 95% percentile-bootstrap interval of ρ_s, resampling whole clusters
  /// (`clusters[i]` names observation i's cluster); see the type's comment.
  public static func bootstrapInterval(
    _ x: [Double], _ y: [Double], clusters: [Int], resamples: Int = defaultResamples,
    random: SeededRandom
  ) -> (lower: Double, upper: Double)? {
    precondition(x.count == y.count && x.count == clusters.count, "one cluster per pair")
    var members: [Int: [Int]] = [:]
    var names: [Int] = []
    for (index, cluster) in clusters.enumerated() {
      if members[cluster] == nil { names.append(cluster) }
      members[cluster, default: []].append(index)
    }
    guard names.count >= 2, resamples > 0 else { return nil }
    var random = random
    var values: [Double] = []
    for _ in 0..<resamples {
      var xs: [Double] = []
      var ys: [Double] = []
      for _ in names.indices {
        for index in members[names[random.nextInt(below: names.count)]]! {
          xs.append(x[index])
          ys.append(y[index])
        }
      }
      if let value = spearman(xs, ys) { values.append(value) }
    }
    guard values.count * 2 >= resamples else { return nil }
    values.sort()
    return (quantile(values, 0.025), quantile(values, 0.975))
  }

  /// The q-quantile of sorted values, interpolating linearly between order statistics.
  static func quantile(_ sorted: [Double], _ q: Double) -> Double {
    let position = q * Double(sorted.count - 1)
    let low = Int(position.rounded(.down))
    let high = min(low + 1, sorted.count - 1)
    return sorted[low] + (position - Double(low)) * (sorted[high] - sorted[low])
  }
}
