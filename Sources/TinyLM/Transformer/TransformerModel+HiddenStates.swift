extension TransformerModel {
  /// The residual stream at every position and every depth, read-only: element 0 is the
  /// embedding output x₀ = wte[token] + wpe[position], element l (1…L) the residual after
  /// block l (after its MLP residual add; the last one is what `ln_f` reads). Each element
  /// is one (T, C) matrix, row-major: row t is the state at token t. Shape (L + 1) × (T, C).
  ///
  /// The states come from the model's own forward pass with every position scored, so the
  /// last block's rows are all present and in order. At most `blockSize` tokens.
  public func residualStream(of tokens: [Int]) -> [[Float]] {
    precondition(tokens.count <= configuration.blockSize, "at most blockSize tokens")
    guard !tokens.isEmpty else {
      return Array(repeating: [], count: configuration.layerCount + 1)
    }
    var workspace: Workspace?
    let activations = runInference(
      tokens: tokens, rows: Array(tokens.indices), workspace: &workspace
    ).activations
    let count = tokens.count * configuration.embeddingSize
    var states = [Array(UnsafeBufferPointer(start: activations.embeddings, count: count))]
    for block in activations.blocks {
      states.append(Array(UnsafeBufferPointer(start: block.afterMLP, count: count)))  // (T, C)
    }
    return states
  }
}
