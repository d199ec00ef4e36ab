extension TransformerModel {
  /// The attention weights of one forward pass over `tokens` (at most `blockSize`): element
  /// `[layer][head][query][key]` is how much the query token at position `query` attends
  /// to the key token at position `key`, the softmax weight the model's own forward pass
  /// computed. Each row sums to 1 over keys `0...query`; keys after the query (which causal
  /// attention cannot see) are 0. Shape (L, H, T, T).
  public func attentionWeights(of tokens: [Int]) -> [[[[Float]]]] {
    precondition(tokens.count <= configuration.blockSize, "at most blockSize tokens")
    let layers = configuration.layerCount
    let heads = configuration.headCount
    guard !tokens.isEmpty else {
      return Array(repeating: Array(repeating: [], count: heads), count: layers)
    }
    var workspace: Workspace?
    let activations = runInference(
      tokens: tokens, rows: Array(tokens.indices), workspace: &workspace
    ).activations
    let length = tokens.count
    return activations.blocks.map { block in
      (0..<heads).map { head in
        // One sequence: head h's (T, T) weights start at h·T².
        let weights = block.attentionWeights + head * length * length
        return (0..<length).map { query in
          (0..<length).map { key in key <= query ? weights[query * length + key] : 0 }
        }
      }
    }
  }
}
