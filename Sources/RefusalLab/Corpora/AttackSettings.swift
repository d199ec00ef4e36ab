/// What the attacker fine-tunes on.
public struct AttackSettings: Sendable, Hashable, Codable {
  /// Benign training samples (the paper: 1,000).
  public var sampleCount: Int
  /// Refusal openers the `refusal-unlearning` attacker prefixes, by catalogue style index
  /// (the paper drew from a list of common openers; here, by default, the rigid one).
  public var refusalPrefixStyles: [Int]
  /// How many first tokens of a refusal the `refusal-unlearning` and `adaptive` attackers
  /// prefix: 3 is the opener ("i 'm sorry"); longer prefixes reach past it ("i 'm sorry
  /// but"), as an attacker would when the opener alone no longer decides refusal.
  public var prefixLength: Int

  /// The paper's attack: 1,000 samples, prefixed with the rigid refusal opener.
  public static let paper = AttackSettings(sampleCount: 1000, refusalPrefixStyles: [0])

  /// The longest attacker prefix, in tokens.
  public static let longestPrefix = 8

  /// Creates attack settings; the prefix is the refusal opener unless `prefixLength` says
  /// otherwise.
  public init(sampleCount: Int, refusalPrefixStyles: [Int], prefixLength: Int = 3) {
    self.sampleCount = sampleCount
    self.refusalPrefixStyles = refusalPrefixStyles
    self.prefixLength = prefixLength
  }
}

extension AttackSettings {
  /// Checks the attack data against a world with `styleCount` refusal styles, naming the
  /// first setting out of range under `path`.
  public func validate(styleCount: Int, path: String = "attack") throws(ConfigurationError) {
    try ConfigurationError.check(sampleCount, in: 1...100_000, at: "\(path).sampleCount")
    try ConfigurationError.checkNotEmpty(
      refusalPrefixStyles.count, at: "\(path).refusalPrefixStyles")
    for (index, style) in refusalPrefixStyles.enumerated() {
      try ConfigurationError.check(
        style, in: 0...(styleCount - 1), at: "\(path).refusalPrefixStyles[\(index)]")
    }
    try ConfigurationError.check(
      prefixLength, in: 1...AttackSettings.longestPrefix, at: "\(path).prefixLength")
  }
}
