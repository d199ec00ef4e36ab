extension Sequence where Element: Hashable {
  /// The distinct elements, in order of first appearance.
  func uniqued() -> [Element] {
    var seen = Set<Element>()
    return filter { seen.insert($0).inserted }
  }
}

extension Collection {
  /// The fraction of the elements that pass `test` (0 when there are none).
  func fraction(where test: (Element) -> Bool) -> Double {
    isEmpty ? 0 : Double(filter(test).count) / Double(count)
  }
}
