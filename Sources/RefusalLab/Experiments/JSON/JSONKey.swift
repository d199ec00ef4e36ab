/// A setting an experiment file spells as one JSON value. Reading goes over the current
/// value, so that a key the file leaves out keeps it: a scalar is replaced, an object's keys
/// update their parts. Writing gives every key.
protocol JSONSetting: SendableMetatype {
  mutating func read(_ field: JSONField) throws(ConfigurationError)
  var json: JSONValue { get }
}

/// A setting read and written through a table of keys, in the order the file documents.
protocol JSONObjectSetting: JSONSetting {
  static var keys: [JSONKey<Self>] { get }
}

extension JSONObjectSetting {
  mutating func read(_ field: JSONField) throws(ConfigurationError) {
    try field.read(Self.keys, into: &self)
  }

  var json: JSONValue { Self.keys.json(self) }
}

/// One key of a JSON object: how its value reads into a part of `Root`, and how it is
/// written (`nil`: left out).
struct JSONKey<Root>: Sendable {
  typealias Reader = @Sendable (inout Root, JSONField) throws(ConfigurationError) -> Void
  typealias Writer = @Sendable (Root) -> JSONValue?

  let name: String
  let required: Bool
  let read: Reader
  let write: Writer

  init(_ name: String, required: Bool = false, read: @escaping Reader, write: @escaping Writer) {
    self.name = name
    self.required = required
    self.read = read
    self.write = write
  }

  /// The key of the setting at `path`.
  init<Value: JSONSetting>(_ name: String, _ path: WritableKeyPath<Root, Value> & Sendable) {
    self.init(name) { root, field throws(ConfigurationError) in
      try root[keyPath: path].read(field)
    } write: {
      $0[keyPath: path].json
    }
  }

  /// The key of a non-empty list at `path`; each element is read over `blank`, and a type
  /// error names the list as `an array of <what>`.
  static func list<Element: JSONSetting>(
    _ name: String, _ path: WritableKeyPath<Root, [Element]> & Sendable, of what: String,
    blank: Element
  ) -> JSONKey where Element: Sendable {
    JSONKey(name) { root, field throws(ConfigurationError) in
      root[keyPath: path] = try field.array(of: what, blank: blank)
    } write: {
      .array($0[keyPath: path].map(\.json))
    }
  }

  /// A nested object whose own `keys` read and write parts of the same root.
  static func object(_ name: String, _ keys: [JSONKey<Root>]) -> JSONKey {
    JSONKey(name) { root, field throws(ConfigurationError) in
      try field.read(keys, into: &root)
    } write: {
      keys.json($0)
    }
  }
}

extension Array {
  /// `root` as a JSON object, every key this table writes in its order.
  func json<Root>(_ root: Root) -> JSONValue where Element == JSONKey<Root> {
    .object(compactMap { key in key.write(root).map { (key.name, $0) } })
  }
}

extension JSONField {
  /// Reads an object over `root` through `keys`: an unknown key or a missing required one is
  /// an error; a key left out keeps its part of `root`.
  func read<Root>(_ keys: [JSONKey<Root>], into root: inout Root) throws(ConfigurationError) {
    let object = try object(known: keys.map(\.name))
    for key in keys {
      if let member = key.required ? try required(key.name, in: object) : object[key.name] {
        try key.read(&root, member)
      }
    }
  }

  /// The value as a non-empty array, each element read over `blank`.
  func array<Element: JSONSetting>(of what: String, blank: Element) throws(ConfigurationError)
    -> [Element]
  {
    try array(of: what).map { element throws(ConfigurationError) in
      var value = blank
      try value.read(element)
      return value
    }
  }
}
