import Foundation

/// The glass-box model: an n-gram with back-off and add-k smoothing, mixed with a topic
/// memory.
///
/// **N-gram part.** For each trained position it counts the next token after every suffix
/// of the preceding `order − 1` tokens; it predicts from the longest suffix of the context
/// it has seen, smoothed: P(w | h) = (c(h, w) + k) / (c(h) + k·V).
///
/// **Topic memory.** An n-gram whose window no longer reaches the prompt forgets what it was
/// asked. The memory is a second table keyed by (*anchor key*, previous token), the anchor
/// key being the token before the first `memoryAnchor` in the context (in a chat, the last
/// prompt word). The model predicts (1 − λ)·P_ngram + λ·P_memory (λ = `memoryWeight`), or
/// P_ngram alone for a key the memory never saw.
///
/// **Training** adds `learningRate` to the counts of every trained position, once per
/// epoch, so the effect of fine-tuning has a closed form.
public final class NGramModel: LanguageModel, @unchecked Sendable {
  /// The model's fixed settings.
  public struct Configuration: Sendable, Hashable, Codable {
    /// Tokens of context plus one: order 3 predicts from the last two tokens.
    public var order: Int
    /// The add-k smoothing constant k.
    public var smoothing: Double
    /// λ, the weight of the topic memory in the mixture (0 = a plain n-gram).
    public var memoryWeight: Double
    /// The token that marks where the memory's key is read (the token before it), if any.
    public var memoryAnchor: Int?
    /// The number of token ids.
    public var vocabularySize: Int

    /// Creates a configuration.
    public init(
      order: Int, smoothing: Double, memoryWeight: Double, memoryAnchor: Int?,
      vocabularySize: Int
    ) {
      self.order = order
      self.smoothing = smoothing
      self.memoryWeight = memoryWeight
      self.memoryAnchor = memoryAnchor
      self.vocabularySize = vocabularySize
    }
  }

  /// Next-token counts after one context.
  public struct Counts: Sendable, Hashable {
    /// Sum of all counts after this context.
    public var total: Double = 0
    /// Count of each next token seen after this context.
    public var next: [Int: Double] = [:]

    /// The count of `token` after this context.
    public func count(of token: Int) -> Double { next[token] ?? 0 }
  }

  /// A topic-memory key: the anchor key token and the previous token.
  public struct MemoryKey: Sendable, Hashable {
    /// The token just before the anchor (the prompt's topic in a chat).
    public var anchorKey: Int
    /// The token just before the predicted one.
    public var previous: Int

    /// Creates a key.
    public init(anchorKey: Int, previous: Int) {
      self.anchorKey = anchorKey
      self.previous = previous
    }
  }

  /// The model's settings.
  public let configuration: Configuration
  /// N-gram counts by context (a suffix of 0…order−1 tokens).
  public private(set) var ngramCounts: [[Int]: Counts] = [:]
  /// Topic-memory counts by key.
  public private(set) var memoryCounts: [MemoryKey: Counts] = [:]

  /// Creates an untrained model (uniform predictions).
  public init(configuration: Configuration) {
    precondition(configuration.order >= 1, "order must be at least 1")
    precondition(configuration.smoothing > 0, "smoothing must be positive")
    precondition((0...1).contains(configuration.memoryWeight), "memoryWeight must be in 0…1")
    precondition(configuration.vocabularySize > 0, "vocabulary must not be empty")
    self.configuration = configuration
  }

  public var vocabularySize: Int { configuration.vocabularySize }

  public var contextLimit: Int? { nil }

  public func copy() -> NGramModel {
    let twin = NGramModel(configuration: configuration)
    twin.ngramCounts = ngramCounts
    twin.memoryCounts = memoryCounts
    return twin
  }

  /// Replaces every count (used by checkpoint loading).
  func restore(ngram: [[Int]: Counts], memory: [MemoryKey: Counts]) {
    ngramCounts = ngram
    memoryCounts = memory
  }

  // MARK: Training

  public func train(
    on sequences: [TrainingSequence], options: TrainingOptions, threads: Int = 1,
    random: inout SeededRandom, progress: TrainingProgress? = nil
  ) throws(TrainingError) -> TrainingSummary {
    if case .tokenwiseConstrained = options.objective {
      return try trainConstrained(on: sequences, options: options, progress: progress)
    }
    let weight = options.learningRate * Double(options.epochs)
    guard weight.isFinite, weight >= 0 else { throw .nonFiniteLoss(step: 1) }
    var trained = 0
    for sequence in sequences {
      for token in sequence.tokens where token < 0 || token >= vocabularySize {
        throw .invalidSequence("token id \(token) is outside the vocabulary")
      }
      for position in sequence.tokens.indices where sequence.lossMask[position] {
        add(weight, at: position, of: sequence.tokens)
        trained += 1
      }
    }
    progress?(options.epochs, options.epochs, nil)
    return TrainingSummary(steps: options.epochs, trainedTokens: trained * options.epochs)
  }

  func add(_ weight: Double, at position: Int, of tokens: [Int]) {
    let next = tokens[position]
    let longest = min(configuration.order - 1, position)
    for length in 0...longest {
      let context = Array(tokens[(position - length)..<position])
      ngramCounts[context, default: Counts()].total += weight
      ngramCounts[context, default: Counts()].next[next, default: 0] += weight
    }
    if let key = memoryKey(for: tokens[..<position]) {
      memoryCounts[key, default: Counts()].total += weight
      memoryCounts[key, default: Counts()].next[next, default: 0] += weight
    }
  }

  // MARK: Prediction

  /// The topic-memory key of a context, or `nil` when it has no anchor.
  public func memoryKey(for context: ArraySlice<Int>) -> MemoryKey? {
    guard let anchor = configuration.memoryAnchor, let last = context.last,
      let anchorIndex = context.firstIndex(of: anchor), anchorIndex > context.startIndex
    else { return nil }
    return MemoryKey(anchorKey: context[anchorIndex - 1], previous: last)
  }

  /// The context the n-gram part backs off to: the longest seen suffix of `context`.
  public func backoffContext(for context: [Int]) -> [Int] {
    let longest = min(configuration.order - 1, context.count)
    for length in stride(from: longest, through: 0, by: -1) {
      let suffix = Array(context.suffix(length))
      if let counts = ngramCounts[suffix], counts.total > 0 { return suffix }
    }
    return []
  }

  /// Smoothed probability of `token` under `counts`: (c + k) / (total + k·V).
  public func smoothed(_ counts: Counts?, token: Int) -> Double {
    let k = configuration.smoothing
    return ((counts?.count(of: token) ?? 0) + k)
      / ((counts?.total ?? 0) + k * Double(vocabularySize))
  }

  /// The n-gram part's probability of `token` after `context`.
  public func ngramProbability(of token: Int, after context: [Int]) -> Double {
    smoothed(ngramCounts[backoffContext(for: context)], token: token)
  }

  /// The mixture's probability of `token` after `context`, in double precision.
  public func probability(of token: Int, after context: [Int]) -> Double {
    let ngram = ngramProbability(of: token, after: context)
    let lambda = configuration.memoryWeight
    guard lambda > 0, let key = memoryKey(for: context[...]), let memory = memoryCounts[key],
      memory.total > 0
    else { return ngram }
    return (1 - lambda) * ngram + lambda * smoothed(memory, token: token)
  }

  /// The mixture's full next-token distribution, in double precision.
  public func distribution(after context: [Int]) -> [Double] {
    let k = configuration.smoothing
    let vocabulary = Double(vocabularySize)
    let ngram = ngramCounts[backoffContext(for: context)]
    let ngramDenominator = (ngram?.total ?? 0) + k * vocabulary
    var result = [Double](repeating: k / ngramDenominator, count: vocabularySize)
    for (token, count) in ngram?.next ?? [:] { result[token] = (count + k) / ngramDenominator }
    let lambda = configuration.memoryWeight
    guard lambda > 0, let key = memoryKey(for: context[...]), let memory = memoryCounts[key],
      memory.total > 0
    else { return result }
    // Same arithmetic as `probability(of:after:)`, so both agree to the last bit: a token
    // the memory never saw has c = 0, and (0 + k) is exactly k.
    let memoryDenominator = memory.total + k * vocabulary
    let unseen = k / memoryDenominator
    for token in result.indices {
      result[token] = (1 - lambda) * result[token] + lambda * unseen
    }
    for (token, count) in memory.next {
      let ngramPart = ngram?.next[token].map { ($0 + k) / ngramDenominator } ?? k / ngramDenominator
      result[token] = (1 - lambda) * ngramPart + lambda * ((count + k) / memoryDenominator)
    }
    return result
  }

  public func logProbabilities(after context: [Int]) -> [Float] {
    distribution(after: context).map { Float(log($0)) }
  }

  /// The exact mixture, `distribution(after:)`.
  public func nextTokenProbabilities(after context: [Int]) -> [Double] {
    distribution(after: context)
  }
}
