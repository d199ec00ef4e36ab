import Foundation

/// A map from data values to pixel positions along one axis, with its ticks.
struct AxisScale {
  var domain: ClosedRange<Double>
  var logarithmic: Bool
  /// The pixel positions of `domain`'s lower and upper bounds (the upper may be smaller,
  /// as on a y axis).
  var pixels: (Double, Double)
  var ticks: [Double]
  var format: ChartAxis.Format
  /// Decimals that tick labels need.
  var decimals: Int

  func position(_ value: Double) -> Double {
    let (a, b) =
      logarithmic
      ? (log10(domain.lowerBound), log10(domain.upperBound))
      : (domain.lowerBound, domain.upperBound)
    let v = logarithmic ? log10(max(value, Double.leastNormalMagnitude)) : value
    let t = b == a ? 0.5 : (v - a) / (b - a)
    return pixels.0 + t * (pixels.1 - pixels.0)
  }

  func label(_ value: Double) -> String {
    switch format {
    case .percent: return NumberFormat.readable(value * 100, decimals: decimals) + "%"
    case .integer: return NumberFormat.readable(value, decimals: 0)
    case .automatic: return NumberFormat.readable(value, decimals: decimals)
    }
  }

  /// A scale for `axis` over `values` whose ticks are about `spacing` pixels apart at
  /// least.
  static func make(
    axis: ChartAxis, values: [Double], pixels: (Double, Double), minimumSpacing: Double
  ) -> AxisScale {
    let logarithmic = axis.scale == .logarithmic
    // A range with an infinite end is ignored: the data decide.
    let range = axis.range.flatMap { $0.lowerBound.isFinite && $0.upperBound.isFinite ? $0 : nil }
    let usable = values.filter { $0.isFinite && (!logarithmic || $0 > 0) }
    let length = abs(pixels.1 - pixels.0)
    let target = max(2, Int(length / minimumSpacing))
    let integral =
      axis.format == .integer
      || (axis.format == .automatic && !usable.isEmpty && usable.allSatisfy { $0 == $0.rounded() })
    if logarithmic {
      var low = range?.lowerBound ?? usable.min() ?? 1
      var high = range?.upperBound ?? usable.max() ?? 10
      if low <= 0 { low = high > 0 ? high / 10 : 1 }
      if high <= low { high = low * 10 }
      let distinct = Array(Set(usable)).sorted()
      var ticks =
        axis.ticks
        ?? (distinct.count <= 12 && range == nil && distinct.count >= 2
          ? distinct : logTicks(low, high, target: target))
      ticks = ticks.filter { $0 >= low * (1 - 1e-9) && $0 <= high * (1 + 1e-9) }
      let decimals = ticks.map { decimalsNeeded($0, format: axis.format) }.max() ?? 0
      return AxisScale(
        domain: low...high, logarithmic: true, pixels: pixels, ticks: ticks,
        format: axis.format, decimals: decimals)
    }
    var low = range?.lowerBound ?? usable.min() ?? 0
    var high = range?.upperBound ?? usable.max() ?? 1
    if high <= low {
      let pad = low == 0 ? 1 : abs(low) * 0.5
      low -= pad
      high += pad
    }
    var step = niceStep((high - low) / Double(target))
    if axis.format == .percent { step = max(step, 0.01) }
    if integral { step = max(1, step.rounded(.up)) }
    if range == nil {
      low = (low / step).rounded(.down) * step
      high = (high / step).rounded(.up) * step
    }
    var ticks = axis.ticks ?? []
    if axis.ticks == nil {
      // Ticks by index (never by repeated addition, which stalls when the step is lost in
      // the rounding of large values), at most 200 of them.
      let first = (low / step).rounded(.up)
      let count = min(200, max(0, Int(((high / step) - first + 1e-9).rounded(.down)) + 1))
      ticks = (0..<count).map { index in
        let tick = (first + Double(index)) * step
        return abs(tick) < step * 1e-9 ? 0 : tick
      }
    }
    ticks = ticks.filter { $0 >= low - 1e-9 * step && $0 <= high + 1e-9 * step }
    let decimals: Int
    if axis.ticks != nil {
      decimals = ticks.map { decimalsNeeded($0, format: axis.format) }.max() ?? 0
    } else {
      decimals = decimalsNeeded(step, format: axis.format)
    }
    return AxisScale(
      domain: low...high, logarithmic: false, pixels: pixels, ticks: ticks, format: axis.format,
      decimals: decimals)
  }

  /// 1, 2 or 5 times a power of ten, the smallest at least `raw`.
  static func niceStep(_ raw: Double) -> Double {
    guard raw > 0, raw.isFinite else { return 1 }
    let power = pow(10, (log10(raw)).rounded(.down))
    for multiple in [1.0, 2, 2.5, 5, 10] where multiple * power >= raw * (1 - 1e-9) {
      return multiple * power
    }
    return 10 * power
  }

  /// Ticks at 1-2-5, 1-3 or 1 per decade, whichever gives no more than `target`.
  static func logTicks(_ low: Double, _ high: Double, target: Int) -> [Double] {
    let first = Int((log10(low)).rounded(.down))
    let last = Int((log10(high)).rounded(.up))
    for mantissas in [[1.0, 2, 5], [1.0, 3], [1.0]] {
      var ticks: [Double] = []
      for exponent in first...last {
        for mantissa in mantissas {
          let tick = mantissa * pow(10, Double(exponent))
          if tick >= low * (1 - 1e-9) && tick <= high * (1 + 1e-9) { ticks.append(tick) }
        }
      }
      if ticks.count <= target || mantissas == [1.0] { return ticks }
    }
    return []
  }

  /// The decimals that print `value` exactly to within a thousandth of itself.
  static func decimalsNeeded(_ value: Double, format: ChartAxis.Format) -> Int {
    if format == .integer { return 0 }
    let shown = format == .percent ? value * 100 : value
    for decimals in 0...6 {
      let scale = pow(10, Double(decimals))
      if abs((shown * scale).rounded() - shown * scale) < 1e-6 * max(1, scale) { return decimals }
    }
    return 6
  }
}
