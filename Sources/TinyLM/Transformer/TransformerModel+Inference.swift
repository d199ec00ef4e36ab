import Foundation

/// Scoring and decoding: one sequence through `forward` on one thread, or many prompts
/// through `IncrementalDecoder`.
extension TransformerModel {
  /// Log-probabilities of the next token after `context` (its last `blockSize` tokens).
  /// An empty context gives the uniform distribution.
  public func logProbabilities(after context: [Int]) -> [Float] {
    let tokens = Array(context.suffix(configuration.blockSize))
    guard !tokens.isEmpty else {
      return [Float](repeating: -Foundation.log(Float(vocabularySize)), count: vocabularySize)
    }
    return logProbabilities(tokens: tokens, rows: [tokens.count - 1])[0]
  }

  /// Next-token log-probabilities after every prefix of `tokens` (at most `blockSize`
  /// tokens): row i is the distribution of token i + 1 given tokens 0…i.
  public func logProbabilities(forAllPositionsOf tokens: [Int]) -> [[Float]] {
    precondition(tokens.count <= configuration.blockSize, "at most blockSize tokens")
    return logProbabilities(tokens: tokens, rows: Array(tokens.indices))
  }

  /// Next-token log-probabilities after every prefix of `tokens`: one forward pass over the
  /// first `blockSize` tokens; each later row reads its last `blockSize` tokens, as
  /// `logProbabilities(after:)` does. Shape (T, V).
  public func allPositionLogProbabilities(of tokens: [Int]) -> [[Float]] {
    let block = configuration.blockSize
    let head = Array(tokens.prefix(block))
    var rows = logProbabilities(tokens: head, rows: Array(head.indices))  // (min(T, block), V)
    for end in tokens.indices.dropFirst(block) {
      rows.append(logProbabilities(after: Array(tokens[...end])))
    }
    return rows
  }

  /// Raw logits (T × V, row-major) after every prefix of `tokens` (at most `blockSize`).
  public func logits(for tokens: [Int]) -> [Float] {
    precondition(tokens.count <= configuration.blockSize, "at most blockSize tokens")
    guard !tokens.isEmpty else { return [] }
    var workspace: Workspace?
    let logits = runInference(tokens: tokens, rows: Array(tokens.indices), workspace: &workspace)
      .activations.logits  // (T, V)
    return Array(UnsafeBufferPointer(start: logits, count: tokens.count * vocabularySize))
  }

  private func logProbabilities(tokens: [Int], rows: [Int]) -> [[Float]] {
    guard !tokens.isEmpty else { return [] }
    var workspace: Workspace?
    let logits = runInference(tokens: tokens, rows: rows, workspace: &workspace)
      .activations.logits  // (M, V)
    return rows.indices.map { m in
      let row = logits + m * vocabularySize
      TransformerLayers.logSoftmax(row, count: vocabularySize)
      return Array(UnsafeBufferPointer(start: row, count: vocabularySize))
    }
  }

  /// Runs one sequence through `forward`, scoring `rows` (positions, in order), on one
  /// thread; the activations stay in the returned workspace.
  func runInference(tokens: [Int], rows: [Int], workspace: inout Workspace?)
    -> Workspace
  {
    for token in tokens {
      precondition(token >= 0 && token < vocabularySize, "token id \(token) out of range")
    }
    let shape = BatchShape(
      sequences: 1, rows: tokens.count, scored: rows.count,
      attention: configuration.headCount * tokens.count * tokens.count)
    let loaded = Workspace.ensure(&workspace, configuration, shape.capacity)
    for (t, token) in tokens.enumerated() {
      loaded.tokens[t] = Int32(token)
      loaded.positions[t] = Int32(t)
    }
    loaded.starts[0] = 0
    loaded.starts[1] = Int32(tokens.count)
    for (m, row) in rows.enumerated() { loaded.scoredRows[m] = Int32(row) }
    forward(loaded, shape, workers: Workers(threads: 1))
    return loaded
  }

  /// Continuations with a key–value cache: prompts are decoded in lockstep, in chunks of up
  /// to 64 (fewer when that gives every thread a chunk), keeping every block's q|k|v rows,
  /// so a step costs one row of work per prompt and the rows of a chunk share each matrix
  /// product. Chunks run in parallel; prompt `i` samples from stream `i`, so the output
  /// does not depend on `threads`. The results equal decoding with
  /// `logProbabilities(after:)` bit for bit.
  public func generate(prompts: [[Int]], options: GenerationOptions) -> [[Int]] {
    let threads = max(1, options.threads)
    let chunk = max(1, min(64, (prompts.count + threads - 1) / threads))
    let chunks = (prompts.count + chunk - 1) / chunk
    var results = [[Int]](repeating: [], count: prompts.count)
    results.withUnsafeMutableBufferPointer { output in
      Workers(threads: options.threads).run(chunks) { range in
        let decoder = IncrementalDecoder(
          model: self, capacity: min(chunk, prompts.count - range.lowerBound * chunk))
        for c in range {
          let indices = (c * chunk)..<min(prompts.count, (c + 1) * chunk)
          let answers = decoder.continuations(
            of: Array(prompts[indices]), indices: indices, options: options)
          for (index, answer) in zip(indices, answers) { output[index] = answer }
        }
      }
    }
    return results
  }
}
