/// Reads a request typed by a person into the world's tokens, the same way for every command
/// that takes one (`inspect`, `tree`, `sample`, `chat`).
///
/// The world writes lower-case words separated by spaces, with the contraction split off
/// ("i 'm sorry") and no punctuation in prompts. So the reader lower-cases, splits "I'm"
/// into "i 'm", drops punctuation attached to a word ("soup?" → "soup") unless the word
/// with it is itself a token, keeps chat markup (`<user>`, `<assistant>`, `<eos>`) as typed,
/// and wraps a bare request as `<user> … <assistant>`. An unknown word is an error that
/// names it with the nearest known words.
public struct RequestReader: Sendable {
  /// The world whose vocabulary the request is read with.
  public let world: World

  /// A reader for `world`.
  public init(world: World) {
    self.world = world
  }

  /// A request as tokens, with what the reader changed on the way.
  public struct Reading: Sendable, Hashable {
    /// `<user> … <assistant>` (and whatever followed `<assistant>` in the text).
    public var tokens: [Int]
    /// One note per change, such as `"I'm" → "i 'm"`, for the user to see.
    public var changes: [String]
  }

  /// Why a request could not be read.
  public enum Problem: Error, Hashable, CustomStringConvertible {
    /// Nothing but spaces and punctuation.
    case empty
    /// Words the world does not know, each with its nearest known words.
    case unknownWords([UnknownWord])

    public var description: String {
      switch self {
      case .empty:
        return "the request is empty"
      case .unknownWords(let words):
        let parts = words.map { word in
          word.suggestions.isEmpty
            ? "'\(word.word)'"
            : "'\(word.word)' (did you mean "
              + word.suggestions.map { "'\($0)'" }.joined(separator: ", ") + "?)"
        }
        return (words.count == 1 ? "unknown word " : "unknown words ")
          + parts.joined(separator: ", ") + "; 'refusal-lab words' lists every word"
      }
    }
  }

  /// A word the world does not know and the nearest words it does.
  public struct UnknownWord: Sendable, Hashable {
    /// The word as the reader saw it (lower-cased, punctuation dropped).
    public var word: String
    /// Up to three known words, nearest first.
    public var suggestions: [String]
  }

  /// Characters dropped when they stick to a word and the word with them is not a token.
  static let punctuation = Set("?!.,;:\"()[]{}")

  /// Reads `text`: normalised words, then `<user>` before and `<assistant>` after a bare
  /// request.
  public func read(_ text: String) throws(Problem) -> Reading {
    var changes: [String] = []
    var words: [String] = []
    for raw in text.split(whereSeparator: \.isWhitespace).map(String.init) {
      let normalised = normalise(raw)
      if normalised.joined(separator: " ") != raw {
        changes.append(
          "\"\(raw)\" → "
            + (normalised.isEmpty ? "(dropped)" : "\"\(normalised.joined(separator: " "))\""))
      }
      words += normalised
    }
    guard !words.isEmpty else { throw .empty }
    let unknown = words.filter { world.vocabulary.id(of: $0) == nil }
    guard unknown.isEmpty else {
      throw .unknownWords(
        unknown.uniqued().map {
          UnknownWord(word: $0, suggestions: suggestions(for: $0))
        })
    }
    var tokens = world.vocabulary.ids(words)
    if tokens.first != world.user { tokens.insert(world.user, at: 0) }
    if !tokens.contains(world.assistant) { tokens.append(world.assistant) }
    return Reading(tokens: tokens, changes: changes)
  }

  /// One typed word as the world's words: markup as it is; otherwise lower-cased, with a
  /// contraction split off and stray punctuation dropped (a known token is kept whole, so
  /// "." and "'m" stay).
  func normalise(_ raw: String) -> [String] {
    if world.vocabulary.id(of: raw) != nil { return [raw] }
    var word = raw.lowercased()
    if world.vocabulary.id(of: word) != nil { return [word] }
    while let last = word.last, Self.punctuation.contains(last) { word.removeLast() }
    while let first = word.first, Self.punctuation.contains(first) { word.removeFirst() }
    guard !word.isEmpty else { return [] }
    if world.vocabulary.id(of: word) == nil, let apostrophe = word.firstIndex(of: "'"),
      apostrophe != word.startIndex
    {
      let head = String(word[..<apostrophe])
      let tail = String(word[apostrophe...])
      if world.vocabulary.id(of: tail) != nil { return normalise(head) + [tail] }
    }
    return [word]
  }

  /// Up to three known words nearest to `word` by edit distance (at most half its length,
  /// and at most 3), nearest first, ties in vocabulary order; markup is never suggested.
  public func suggestions(for word: String) -> [String] {
    let limit = min(3, max(1, word.count / 2))
    var scored: [(distance: Int, index: Int, token: String)] = []
    for (index, token) in world.vocabulary.tokens.enumerated() where !token.hasPrefix("<") {
      let distance = Self.editDistance(word, token, limit: limit)
      if distance <= limit { scored.append((distance, index, token)) }
    }
    return scored.sorted { ($0.distance, $0.index) < ($1.distance, $1.index) }.prefix(3).map(
      \.token)
  }

  /// Levenshtein distance of `a` and `b`, or `limit + 1` once it must exceed `limit`.
  static func editDistance(_ a: String, _ b: String, limit: Int) -> Int {
    let a = Array(a)
    let b = Array(b)
    if abs(a.count - b.count) > limit { return limit + 1 }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...max(a.count, 1) where !a.isEmpty {
      current[0] = i
      var rowMinimum = current[0]
      for j in 1...max(b.count, 1) where !b.isEmpty {
        let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
        current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
        rowMinimum = min(rowMinimum, current[j])
      }
      if rowMinimum > limit { return limit + 1 }
      swap(&previous, &current)
    }
    return a.isEmpty ? b.count : previous[b.count]
  }
}
