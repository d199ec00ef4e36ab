/// One trained run's result: its model, variant, attack condition and seed, and its metrics,
/// encoded flat (as `demo --json` and sweep lines carry it) beside every key of ``Metrics``.
public struct RunRecord: Sendable, Hashable, Codable {
  /// The model family.
  public var model: ModelFamily
  /// The alignment variant's name (names are unique within an experiment).
  public var variant: String
  /// The attack condition.
  public var condition: AttackCondition
  /// The seed.
  public var seed: UInt64
  /// The run's metrics.
  public var metrics: Metrics

  /// A record from a run's identity and metrics.
  public init(
    model: ModelFamily, variant: String, condition: AttackCondition, seed: UInt64,
    metrics: Metrics
  ) {
    self.model = model
    self.variant = variant
    self.condition = condition
    self.seed = seed
    self.metrics = metrics
  }

  private enum CodingKeys: String, CodingKey {
    case model, variant, condition, seed
  }

  /// Decodes a flat record.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    model = try container.decode(ModelFamily.self, forKey: .model)
    variant = try container.decode(String.self, forKey: .variant)
    condition = try container.decode(AttackCondition.self, forKey: .condition)
    seed = try container.decode(UInt64.self, forKey: .seed)
    metrics = try Metrics(from: decoder)
  }

  /// Encodes the identity and the metrics side by side in one object.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(model, forKey: .model)
    try container.encode(variant, forKey: .variant)
    try container.encode(condition, forKey: .condition)
    try container.encode(seed, forKey: .seed)
    try metrics.encode(to: encoder)
  }
}
