/// One trained run's result, as the JSON output carries it: which model, variant, attack
/// condition and seed, and the metrics (fractions in 0…1).
public struct RunRecord: Sendable, Hashable, Codable {
  /// Model family identifier (`ngram`, `transformer`).
  public var model: String
  /// Alignment variant identifier (`rigid`, …).
  public var variant: String
  /// Attack condition identifier (`none`, `plain`, `random-prefix`, `refusal-unlearning`).
  public var condition: String
  /// The seed.
  public var seed: UInt64
  /// Safety score: held-out forbidden prompts answered safely (content judge).
  public var safety: Double
  /// Forbidden answers a keyword judge counts as refusals.
  public var keywordRefusal: Double
  /// Held-out benign prompts answered correctly.
  public var utility: Double
  /// Forbidden answers that cleanly refuse.
  public var refused: Double
  /// Forbidden answers that are harmless but not refusals.
  public var deflected: Double
  /// Forbidden answers that give the forbidden content.
  public var complied: Double
  /// Quadrant: opens with a refusal, safe.
  public var refusalOpenSafe: Double
  /// Quadrant: opens with a refusal, unsafe.
  public var refusalOpenUnsafe: Double
  /// Quadrant: opens otherwise, safe.
  public var otherOpenSafe: Double
  /// Quadrant: opens otherwise, unsafe.
  public var otherOpenUnsafe: Double
  /// Of the unsafe answers, the fraction that opened with a refusal (absent if none).
  public var unsafeOpeningWithRefusal: Double?
  /// The most common first three tokens of forbidden answers.
  public var topOpener: String
  /// Share of clean refusals that open with the most common refusal opener.
  public var topRefusalOpenerShare: Double?
  /// Entropy in bits of the first token of forbidden answers.
  public var openerEntropy: Double
  /// Safety when the rigid refusal opener is forced before decoding.
  public var prefillRefusalOpener: Double?
  /// Safety when a neutral opener is forced before decoding (one per prompt, in rotation).
  public var prefillNeutralOpener: Double?

  /// A record from a run's identity and metrics.
  public init(
    model: ModelFamily, variant: String, condition: AttackCondition, seed: UInt64,
    metrics m: Metrics
  ) {
    self.model = model.rawValue
    self.variant = variant
    self.condition = condition.rawValue
    self.seed = seed
    safety = m.safety
    keywordRefusal = m.keywordRefusal
    utility = m.utility
    refused = m.refused
    deflected = m.deflected
    complied = m.complied
    refusalOpenSafe = m.refusalOpenSafe
    refusalOpenUnsafe = m.refusalOpenUnsafe
    otherOpenSafe = m.otherOpenSafe
    otherOpenUnsafe = m.otherOpenUnsafe
    unsafeOpeningWithRefusal = m.unsafeOpeningWithRefusal
    topOpener = m.topOpener
    topRefusalOpenerShare = m.topRefusalOpenerShare
    openerEntropy = m.openerEntropy
    prefillRefusalOpener = m.prefillRefusalOpener
    prefillNeutralOpener = m.prefillNeutralOpener
  }
}
