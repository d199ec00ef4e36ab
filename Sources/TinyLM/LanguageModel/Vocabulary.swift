/// Token strings and their integer ids. Text is split on whitespace: one word, one token.
public struct Vocabulary: Sendable, Hashable {
  /// The token strings, indexed by id.
  public let tokens: [String]
  private let ids: [String: Int]

  /// Creates a vocabulary from distinct token strings; the index of a string is its id.
  public init(tokens: [String]) throws(VocabularyError) {
    var ids: [String: Int] = [:]
    for (index, token) in tokens.enumerated() {
      if token.isEmpty || token.contains(where: \.isWhitespace) {
        throw .invalidToken(token)
      }
      if ids.updateValue(index, forKey: token) != nil {
        throw .duplicateToken(token)
      }
    }
    self.tokens = tokens
    self.ids = ids
  }

  /// The number of tokens.
  public var count: Int { tokens.count }

  /// The id of a token string, or `nil` if the vocabulary does not hold it.
  public func id(of token: String) -> Int? { ids[token] }

  /// The ids of whitespace-separated words; throws naming the first unknown word.
  public func encode(_ text: String) throws(VocabularyError) -> [Int] {
    try text.split(whereSeparator: \.isWhitespace).map { word throws(VocabularyError) in
      guard let id = ids[String(word)] else { throw .unknownWord(String(word)) }
      return id
    }
  }

  /// The ids of an array of words that are known to be in the vocabulary.
  public func ids(_ words: [String]) -> [Int] {
    words.map { word in
      guard let id = ids[word] else {
        preconditionFailure("word '\(word)' is not in the vocabulary")
      }
      return id
    }
  }

  /// The text of token ids, joined by single spaces.
  public func decode(_ ids: some Sequence<Int>) -> String {
    ids.map { $0 >= 0 && $0 < tokens.count ? tokens[$0] : "<\($0)?>" }.joined(separator: " ")
  }
}

/// A problem with a vocabulary or with text encoded by it.
public enum VocabularyError: Error, Equatable, CustomStringConvertible {
  /// A word of the text is not a token of the vocabulary.
  case unknownWord(String)
  /// A token string appears twice.
  case duplicateToken(String)
  /// A token string is empty or contains whitespace.
  case invalidToken(String)

  public var description: String {
    switch self {
    case .unknownWord(let word): "unknown word '\(word)' (not in the model's vocabulary)"
    case .duplicateToken(let token): "token '\(token)' appears twice in the vocabulary"
    case .invalidToken(let token): "token '\(token)' is empty or contains whitespace"
    }
  }
}
