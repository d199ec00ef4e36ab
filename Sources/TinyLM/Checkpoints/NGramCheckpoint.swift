import Foundation

/// N-gram checkpoints: one JSON document holding the configuration, the vocabulary and
/// every count, so a saved model predicts exactly what the trained one did.
extension NGramModel {
  private struct Entry: Codable {
    var context: [Int]
    var total: Double
    var next: [[Double]]  // [token, count] pairs, sorted by token
  }

  private struct MemoryEntry: Codable {
    var anchorKey: Int
    var previous: Int
    var total: Double
    var next: [[Double]]
  }

  private struct Document: Codable {
    var format: String
    var configuration: Configuration
    var vocab: [String]
    var ngram: [Entry]
    var memory: [MemoryEntry]
  }

  private static let format = "refusallab-ngram-1"

  private static func pairs(_ counts: Counts) -> [[Double]] {
    counts.next.keys.sorted().map { [Double($0), counts.next[$0]!] }
  }

  /// The checkpoint's bytes (deterministic: keys and entries sorted).
  public func checkpointData(vocabulary: [String]) throws(CheckpointError) -> Data {
    try CheckpointError.checkVocabulary(vocabulary, size: vocabularySize)
    let ngram = ngramCounts.keys.sorted { $0.lexicographicallyPrecedes($1) }.map {
      Entry(context: $0, total: ngramCounts[$0]!.total, next: Self.pairs(ngramCounts[$0]!))
    }
    let memory = memoryCounts.keys.sorted {
      ($0.anchorKey, $0.previous) < ($1.anchorKey, $1.previous)
    }.map {
      MemoryEntry(
        anchorKey: $0.anchorKey, previous: $0.previous, total: memoryCounts[$0]!.total,
        next: Self.pairs(memoryCounts[$0]!))
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    do {
      return try encoder.encode(
        Document(
          format: Self.format, configuration: configuration, vocab: vocabulary, ngram: ngram,
          memory: memory))
    } catch {
      throw .invalidCheckpoint("cannot encode the n-gram: \(error)")
    }
  }

  /// Writes the checkpoint atomically (a temporary file, then a rename).
  public func save(to url: URL, vocabulary: [String]) throws(CheckpointError) {
    try CheckpointError.write(checkpointData(vocabulary: vocabulary), to: url)
  }

  /// Whether `data` looks like an n-gram checkpoint (a JSON object) rather than safetensors.
  public static func isCheckpoint(_ data: Data) -> Bool {
    data.first == UInt8(ascii: "{")
  }

  /// Reads a checkpoint written by `save(to:vocabulary:)`; every problem throws, naming it.
  public static func load(checkpoint data: Data) throws(CheckpointError) -> (
    model: NGramModel, vocabulary: [String]
  ) {
    let document: Document
    do {
      document = try JSONDecoder().decode(Document.self, from: data)
    } catch {
      throw .invalidCheckpoint("not a valid n-gram checkpoint: \(error)")
    }
    guard document.format == format else {
      throw .invalidCheckpoint("unknown n-gram format '\(document.format)'")
    }
    let config = document.configuration
    // NGramModel's preconditions, checked here so that no file can trap (an empty vocabulary
    // with vocabularySize 0 did).
    guard config.vocabularySize >= 1 else {
      throw .invalidCheckpoint("vocabularySize must be at least 1 (got \(config.vocabularySize))")
    }
    guard config.order >= 1, config.smoothing > 0, config.smoothing.isFinite,
      (0...1).contains(config.memoryWeight), config.vocabularySize == document.vocab.count
    else {
      throw .invalidCheckpoint("inconsistent n-gram configuration or vocabulary size")
    }
    let tokens = 0..<config.vocabularySize
    if let anchor = config.memoryAnchor, !tokens.contains(anchor) {
      throw .invalidCheckpoint(
        "memoryAnchor \(anchor) is not a token id (0…\(config.vocabularySize - 1))")
    }
    let model = NGramModel(configuration: config)
    func counts(_ pairs: [[Double]], total: Double, _ place: String) throws(CheckpointError)
      -> Counts
    {
      guard total.isFinite, total >= 0 else {
        throw .invalidCheckpoint("bad total \(total) in \(place)")
      }
      var counts = Counts()
      for pair in pairs {
        guard pair.count == 2, let token = Int(exactly: pair[0]),
          (0..<config.vocabularySize).contains(token), pair[1].isFinite, pair[1] >= 0
        else { throw .invalidCheckpoint("bad count entry \(pair) in \(place)") }
        counts.next[token] = pair[1]
      }
      // The stored total keeps the trained model's rounding, so predictions match exactly.
      counts.total = total
      return counts
    }
    var ngram: [[Int]: Counts] = [:]
    for entry in document.ngram {
      guard entry.context.count < config.order,
        entry.context.allSatisfy({ (0..<config.vocabularySize).contains($0) })
      else { throw .invalidCheckpoint("bad n-gram context \(entry.context)") }
      ngram[entry.context] = try counts(entry.next, total: entry.total, "context \(entry.context)")
    }
    var memory: [MemoryKey: Counts] = [:]
    for entry in document.memory {
      guard tokens.contains(entry.anchorKey), tokens.contains(entry.previous) else {
        throw .invalidCheckpoint(
          "bad memory key (\(entry.anchorKey), \(entry.previous)): not token ids")
      }
      memory[MemoryKey(anchorKey: entry.anchorKey, previous: entry.previous)] = try counts(
        entry.next, total: entry.total, "memory (\(entry.anchorKey), \(entry.previous))")
    }
    model.restore(ngram: ngram, memory: memory)
    return (model, document.vocab)
  }
}
