/// A point of a ``LineChart`` series: an x and a y value.
public struct ChartPoint: Sendable, Hashable {
  /// The horizontal value.
  public var x: Double
  /// The vertical value.
  public var y: Double

  /// The point (x, y).
  public init(x: Double, y: Double) {
    self.x = x
    self.y = y
  }
}
