/// One block's activations, named after the step that writes them (nanoGPT's names where it
/// has them). Training keeps every block's for backward; incremental decoding points every
/// block at one shared set.
///
/// In the last block, the buffers from `attentionProjection` on hold only the M scored rows
/// (see `TransformerModel.gatherScoredRows`).
struct BlockActivations {
  var ln1, ln1Mean, ln1Rstd: UnsafeMutablePointer<Float>  // (N, C), (N), (N)
  var qkv: UnsafeMutablePointer<Float>  // (N, 3C): q | k | v, heads side by side in each
  /// The softmax weights: every query's, Σ_b (H, T_b, T_b), when training (backward reads
  /// them); one query's (block_size) when decoding.
  var attentionWeights: UnsafeMutablePointer<Float>
  var attentionOutput: UnsafeMutablePointer<Float>  // (N, C): the heads side by side
  var attentionProjection, afterAttention: UnsafeMutablePointer<Float>  // (N, C): c_proj, x + it
  var ln2, ln2Mean, ln2Rstd: UnsafeMutablePointer<Float>  // (N, C), (N), (N)
  var mlpHidden, mlpActivation: UnsafeMutablePointer<Float>  // (N, 4C): c_fc, then GELU
  /// GELU's tanh term, (N, 4C), which backward reuses; `nil` when nothing runs backward.
  var geluTanh: UnsafeMutablePointer<Float>?
  var mlpProjection, afterMLP: UnsafeMutablePointer<Float>  // (N, C): c_proj, x + it
}

/// Everything the forward pass writes: N rows in, the logits of M scored rows out.
struct Activations {
  var embeddings: UnsafeMutablePointer<Float>  // (N, C)
  var blocks: [BlockActivations]
  /// The last block's input and attention output at the scored rows.
  var scoredInput, scoredAttentionOutput: UnsafeMutablePointer<Float>  // (M, C)
  var lnf, lnfMean, lnfRstd: UnsafeMutablePointer<Float>  // (M, C), (M), (M)
  /// Logits; the loss then turns them into probabilities, or into ∂loss/∂logits.
  var logits: UnsafeMutablePointer<Float>  // (M, V)
}

/// The size of one loaded batch: B sequences packed back to back into N rows (no padding),
/// M of them scored, and the attention weights they need (Σ_b H·T_b²).
struct BatchShape {
  var sequences: Int
  var rows: Int
  var scored: Int
  var attention: Int

  /// The workspace capacity this batch needs.
  var capacity: Workspace.Capacity {
    .init(rows: rows, attention: attention, scoredRows: scored, sequences: sequences)
  }
}

/// A batch, its activations and their gradients, carved from a single allocation (llm.c's
/// `ActivationTensors`). Sequences are packed back to back without padding: sequence b holds
/// rows `starts[b]..<starts[b + 1]` of the N rows. Each buffer is sized for the capacities
/// and a smaller batch uses its first rows. Reallocated only when a larger batch arrives.
final class Workspace {
  /// What a workspace holds: rows N, attention floats Σ H·T_b², scored rows M, sequences B.
  struct Capacity {
    var rows: Int, attention: Int, scoredRows: Int, sequences: Int

    /// Whether a workspace of this capacity can hold `other`.
    func holds(_ other: Capacity) -> Bool {
      rows >= other.rows && attention >= other.attention && scoredRows >= other.scoredRows
        && sequences >= other.sequences
    }

    /// The larger of each capacity.
    func union(_ other: Capacity) -> Capacity {
      Capacity(
        rows: max(rows, other.rows), attention: max(attention, other.attention),
        scoredRows: max(scoredRows, other.scoredRows), sequences: max(sequences, other.sequences))
    }
  }

  let capacity: Capacity
  private let floats: UnsafeMutableBufferPointer<Float>
  private let integers: UnsafeMutableBufferPointer<Int32>
  // The batch.
  let tokens: UnsafeMutablePointer<Int32>  // (N)
  let positions: UnsafeMutablePointer<Int32>  // (N) position of each row in its sequence
  let starts: UnsafeMutablePointer<Int32>  // (B + 1) first row of each sequence, then N
  let scoredRows: UnsafeMutablePointer<Int32>  // (M) the rows whose next token is scored
  let targets: UnsafeMutablePointer<Int32>  // (M) those next tokens
  let referenceLogProbabilities: UnsafeMutablePointer<Float>  // (M) log π_ref(target)
  let betas: UnsafeMutablePointer<Float>  // (M) β of the constrained objective
  // The forward pass and the loss.
  let activations: Activations
  let losses: UnsafeMutablePointer<Float>  // (M)
  // Gradients of the activations, reused by every block.
  let dResidual, dNormalized, dAttentionOutput: UnsafeMutablePointer<Float>  // (N, C)
  let dQKV: UnsafeMutablePointer<Float>  // (N, 3C)
  let dMLPHidden, dMLPActivation: UnsafeMutablePointer<Float>  // (N, 4C)
  /// The scored rows' gradients: ln_f's output and input, and the last block's attention
  /// output.
  let dLnf, dScoredResidual, dScoredAttentionOutput: UnsafeMutablePointer<Float>  // (M, C)
  let scratch: UnsafeMutablePointer<Float>  // (4C·C) for the transposes of linear backward

  /// Returns `existing` if it can hold `needed`, else a larger one stored in `existing`.
  static func ensure(
    _ existing: inout Workspace?, _ configuration: TransformerConfiguration, _ needed: Capacity
  ) -> Workspace {
    if let workspace = existing, workspace.capacity.holds(needed) { return workspace }
    let workspace = Workspace(configuration, existing.map { $0.capacity.union(needed) } ?? needed)
    existing = workspace
    return workspace
  }

  private init(_ configuration: TransformerConfiguration, _ capacity: Capacity) {
    self.capacity = capacity
    let channels = configuration.embeddingSize
    let vocab = configuration.vocabularySize
    let rows = max(1, capacity.rows)
    let scored = max(1, capacity.scoredRows)
    let perBlock = 22 * rows * channels + 4 * rows + capacity.attention
    let need =
      rows * channels + configuration.layerCount * perBlock
      + 6 * scored * channels + 2 * scored + scored * vocab + 3 * scored
      + 14 * rows * channels + 4 * channels * channels
    floats = zeroedFloats(need)
    integers = .allocate(capacity: 2 * rows + capacity.sequences + 1 + 2 * scored)
    integers.initialize(repeating: 0)
    var cursor = floats.baseAddress!
    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
      defer { cursor += count }
      return cursor
    }
    tokens = integers.baseAddress!
    positions = tokens + rows
    starts = positions + rows
    scoredRows = starts + capacity.sequences + 1
    targets = scoredRows + scored
    let embeddings = take(rows * channels)
    var blocks: [BlockActivations] = []
    for _ in 0..<configuration.layerCount {
      blocks.append(
        BlockActivations(
          ln1: take(rows * channels), ln1Mean: take(rows), ln1Rstd: take(rows),
          qkv: take(3 * rows * channels), attentionWeights: take(capacity.attention),
          attentionOutput: take(rows * channels), attentionProjection: take(rows * channels),
          afterAttention: take(rows * channels), ln2: take(rows * channels),
          ln2Mean: take(rows), ln2Rstd: take(rows), mlpHidden: take(4 * rows * channels),
          mlpActivation: take(4 * rows * channels), geluTanh: take(4 * rows * channels),
          mlpProjection: take(rows * channels), afterMLP: take(rows * channels)))
    }
    activations = Activations(
      embeddings: embeddings, blocks: blocks, scoredInput: take(scored * channels),
      scoredAttentionOutput: take(scored * channels), lnf: take(scored * channels),
      lnfMean: take(scored), lnfRstd: take(scored), logits: take(scored * vocab))
    losses = take(scored)
    referenceLogProbabilities = take(scored)
    betas = take(scored)
    dResidual = take(rows * channels)
    dNormalized = take(rows * channels)
    dAttentionOutput = take(rows * channels)
    dQKV = take(3 * rows * channels)
    dMLPHidden = take(4 * rows * channels)
    dMLPActivation = take(4 * rows * channels)
    dLnf = take(scored * channels)
    dScoredResidual = take(scored * channels)
    dScoredAttentionOutput = take(scored * channels)
    scratch = take(4 * channels * channels)
    precondition(cursor == floats.baseAddress! + need, "workspace layout mismatch")
  }

  deinit {
    freeZeroedFloats(floats)
    integers.deallocate()
  }
}
