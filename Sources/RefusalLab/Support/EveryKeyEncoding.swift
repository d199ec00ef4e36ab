/// Encodes every stored property of `value` under its own name, a `nil` as `null` where the
/// synthesized encoding would leave the key out, so that every row of a table has the same
/// keys.
func encodeEveryKey(of value: Any, to encoder: any Encoder) throws {
  var container = encoder.container(keyedBy: PropertyKey.self)
  for case (let name?, let property as any Encodable) in Mirror(reflecting: value).children {
    try container.encode(property, forKey: PropertyKey(stringValue: name))
  }
}

private struct PropertyKey: CodingKey {
  var stringValue: String
  var intValue: Int? { nil }

  init(stringValue: String) { self.stringValue = stringValue }
  init?(intValue: Int) { nil }
}
