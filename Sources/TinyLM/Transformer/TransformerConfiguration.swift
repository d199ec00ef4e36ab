import Foundation

/// The shape of a tiny GPT-2 style transformer (nanoGPT's `GPTConfig`, always with biases).
///
/// The comments give nanoGPT's name for each field; checkpoints store them under those
/// names.
public struct TransformerConfiguration: Sendable, Hashable, Codable {
  /// `n_layer`: the number of transformer blocks.
  public var layerCount: Int
  /// `n_head`: attention heads per block; must divide `embeddingSize`.
  public var headCount: Int
  /// `n_embd`: the width C of the residual stream.
  public var embeddingSize: Int
  /// `block_size`: the longest context the model reads (positions it has embeddings for).
  public var blockSize: Int
  /// `vocab_size`: the number of token ids.
  public var vocabularySize: Int

  /// Creates a configuration.
  public init(
    layerCount: Int, headCount: Int, embeddingSize: Int, blockSize: Int, vocabularySize: Int
  ) {
    self.layerCount = layerCount
    self.headCount = headCount
    self.embeddingSize = embeddingSize
    self.blockSize = blockSize
    self.vocabularySize = vocabularySize
  }

  /// The width of one attention head, `embeddingSize / headCount`.
  public var headSize: Int { embeddingSize / headCount }

  /// Why this configuration cannot build a model, or `nil` if it can.
  public var problem: String? {
    if layerCount < 1 { return "n_layer must be at least 1 (got \(layerCount))" }
    if headCount < 1 { return "n_head must be at least 1 (got \(headCount))" }
    if embeddingSize < 1 { return "n_embd must be at least 1 (got \(embeddingSize))" }
    if embeddingSize % headCount != 0 {
      return "n_embd (\(embeddingSize)) must be a multiple of n_head (\(headCount))"
    }
    if blockSize < 1 { return "block_size must be at least 1 (got \(blockSize))" }
    if vocabularySize < 1 { return "vocab_size must be at least 1 (got \(vocabularySize))" }
    // Each product stops at the limit, so that no size (a checkpoint's, say) can overflow.
    let limit = 1 << 28
    func exceedsLimit(_ factors: Int...) -> Bool {
      var product = 1
      for factor in factors {
        let (next, overflow) = product.multipliedReportingOverflow(by: factor)
        if overflow || next > limit { return true }
        product = next
      }
      return false
    }
    if exceedsLimit(layerCount, 12, embeddingSize, embeddingSize)
      || exceedsLimit(vocabularySize, embeddingSize) || exceedsLimit(blockSize, embeddingSize)
    {
      return "the model is too large for this engine"
    }
    return nil
  }

  /// The number of trained parameters (the output head is tied to the token embedding, so
  /// it adds none).
  public var parameterCount: Int {
    let c = embeddingSize
    let perLayer =
      2 * c + (3 * c * c + 3 * c) + (c * c + c) + 2 * c + (4 * c * c + 4 * c)
      + (4 * c * c + c)
    return vocabularySize * c + blockSize * c + layerCount * perLayer + 2 * c
  }

  /// About how many bytes training holds at `batchSize` full-length sequences: parameters,
  /// gradients and the optimiser's two moments (4 floats per parameter), then every block's
  /// activations (22 floats per row and channel, see `BlockActivations`, and the attention
  /// weights H·T² per sequence) and the logits, each with a gradient of the same size. An
  /// upper estimate to check before allocating, not an exact count.
  public func trainingMemoryBytes(batchSize: Int) -> Int {
    let rows = Double(batchSize) * Double(blockSize)
    let perBlock =
      22 * rows * Double(embeddingSize)
      + Double(batchSize) * Double(headCount) * Double(blockSize) * Double(blockSize)
    let activations =
      Double(layerCount) * perBlock + rows * Double(embeddingSize)
      + rows * Double(vocabularySize)
    let floats = 4 * Double(parameterCount) + 2 * activations
    return Int(min(floats * 4, Double(Int.max / 2)))
  }

  /// Why training at `batchSize` would not fit in `available` bytes (by default this
  /// machine's memory), with both sizes in GiB; `nil` when it fits.
  public func trainingMemoryProblem(
    batchSize: Int, available: UInt64 = ProcessInfo.processInfo.physicalMemory
  ) -> String? {
    let bytes = trainingMemoryBytes(batchSize: batchSize)
    guard UInt64(bytes) > available else { return nil }
    func gibibytes(_ value: Double) -> String {
      String(format: "%.1f GiB", value / Double(1 << 30))
    }
    return "training needs about \(gibibytes(Double(bytes))) of memory (parameters, optimiser "
      + "state, activations at the largest batch); this machine has "
      + gibibytes(Double(available))
  }

  /// nanoGPT's `get_num_params()`: every parameter except the position embedding (the
  /// token embedding counts, since it is also the output head). The MFU estimate uses it.
  public var nanoGPTParameterCount: Int {
    parameterCount - blockSize * embeddingSize
  }
}
