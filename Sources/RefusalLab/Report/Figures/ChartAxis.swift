/// How a numeric axis of a ``LineChart`` or ``ScatterChart`` is drawn.
public struct ChartAxis: Sendable, Hashable {
  /// How values map to positions.
  public enum Scale: Sendable, Hashable {
    /// Equal differences take equal room.
    case linear
    /// Equal ratios take equal room (base 10); values ≤ 0 are left out of the chart.
    case logarithmic
  }

  /// How tick values are written.
  public enum Format: Sendable, Hashable {
    /// As many decimals as the tick spacing needs, thousands grouped (`1,000`).
    case automatic
    /// Whole numbers only: ticks are at least 1 apart.
    case integer
    /// Values are fractions and ticks read as percentages (`0.25` → `25%`).
    case percent
  }

  /// The axis title, with its unit: `"attack samples (count, log scale)"`.
  public var label: String
  /// Linear or logarithmic.
  public var scale: Scale
  /// The range shown; `nil` fits the data (rounded out to tick values on a linear axis).
  public var range: ClosedRange<Double>?
  /// How tick labels are written.
  public var format: Format
  /// Tick positions; `nil` chooses them (on a logarithmic axis with at most 12 distinct
  /// data values, the data values themselves).
  public var ticks: [Double]?

  /// An axis titled `label`.
  public init(
    _ label: String, scale: Scale = .linear, range: ClosedRange<Double>? = nil,
    format: Format = .automatic, ticks: [Double]? = nil
  ) {
    self.label = label
    self.scale = scale
    self.range = range
    self.format = format
    self.ticks = ticks
  }
}
