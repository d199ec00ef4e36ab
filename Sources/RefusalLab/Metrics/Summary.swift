/// Mean and 95% confidence interval of a sample (Student's t).
public struct Summary: Sendable, Hashable, Codable {
  /// The number of values.
  public var count: Int
  /// Their mean.
  public var mean: Double
  /// Half-width of the 95% t-interval (0 for a single value).
  public var halfWidth: Double

  /// Summarises `values` (at least one).
  public init(_ values: [Double]) {
    precondition(!values.isEmpty, "nothing to summarise")
    count = values.count
    mean = values.reduce(0, +) / Double(values.count)
    guard values.count > 1 else {
      halfWidth = 0
      return
    }
    let m = mean
    let variance = values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)
    halfWidth =
      Summary.tQuantile975(degreesOfFreedom: values.count - 1)
      * (variance / Double(values.count)).squareRoot()
  }

  /// The 97.5% quantile of Student's t distribution.
  public static func tQuantile975(degreesOfFreedom df: Int) -> Double {
    let table: [Double] = [
      12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
      2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
      2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ]
    precondition(df >= 1, "degrees of freedom must be positive")
    if df <= table.count { return table[df - 1] }
    if df <= 40 { return 2.021 }
    if df <= 60 { return 2.000 }
    if df <= 120 { return 1.980 }
    return 1.960
  }
}
