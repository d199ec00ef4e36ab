/// Activation and gradient buffers, carved from a single allocation (llm.c's
/// `ActivationTensors`). Sequences are packed back to back without padding: sequence b holds
/// rows `starts[b]..<starts[b + 1]` of the N rows. Each buffer is sized for the capacities
/// and a smaller step uses its first rows. Reallocated only when a larger batch arrives.
final class Workspace {
  /// One block's saved activations.
  struct Layer {
    var ln1, ln1Mean, ln1Rstd: UnsafeMutablePointer<Float>  // (N, C), (N), (N)
    var qkv: UnsafeMutablePointer<Float>  // (N, 3C)
    var atty: UnsafeMutablePointer<Float>  // (N, C)
    var att: UnsafeMutablePointer<Float>  // Σ_b (H, T_b, T_b)
    var attproj, residual2: UnsafeMutablePointer<Float>  // (N, C)
    var ln2, ln2Mean, ln2Rstd: UnsafeMutablePointer<Float>  // (N, C), (N), (N)
    var fch, fchGelu, fchTanh: UnsafeMutablePointer<Float>  // (N, 4C); GELU's tanh term
    var fcproj, residual3: UnsafeMutablePointer<Float>  // (N, C)
  }

  /// What a workspace holds: rows N, attention floats Σ H·T_b², scored rows M, sequences B.
  struct Capacity {
    var rows: Int, attention: Int, headRows: Int, sequences: Int

    /// Whether a workspace of this capacity can hold `other`.
    func holds(_ other: Capacity) -> Bool {
      rows >= other.rows && attention >= other.attention && headRows >= other.headRows
        && sequences >= other.sequences
    }

    /// The larger of each capacity.
    func union(_ other: Capacity) -> Capacity {
      Capacity(
        rows: max(rows, other.rows), attention: max(attention, other.attention),
        headRows: max(headRows, other.headRows), sequences: max(sequences, other.sequences))
    }
  }

  let capacity: Capacity
  private let floats: UnsafeMutableBufferPointer<Float>
  private let integers: UnsafeMutableBufferPointer<Int32>
  let tokens: UnsafeMutablePointer<Int32>  // (N)
  let positions: UnsafeMutablePointer<Int32>  // (N) position of each row in its sequence
  let starts: UnsafeMutablePointer<Int32>  // (B + 1) first row of each sequence, then N
  let headRows: UnsafeMutablePointer<Int32>  // (M) rows of N that are scored
  let targets: UnsafeMutablePointer<Int32>  // (M)
  let referenceLogProbabilities: UnsafeMutablePointer<Float>  // (M) log π_ref(target)
  let betas: UnsafeMutablePointer<Float>  // (M) β of the constrained objective
  let encoded: UnsafeMutablePointer<Float>  // (N, C)
  let layers: [Layer]
  let headResidual, lnf: UnsafeMutablePointer<Float>  // (M, C)
  /// The last block's attention output and residual input at the scored rows.
  let attyScored, residualScored: UnsafeMutablePointer<Float>  // (M, C)
  let lnfMean, lnfRstd: UnsafeMutablePointer<Float>  // (M)
  let logits: UnsafeMutablePointer<Float>  // (M, V): logits, then probabilities, then ∂/∂logits
  let losses: UnsafeMutablePointer<Float>  // (M)
  // Gradients of activations, reused by every layer.
  let dresidual, dln, datty: UnsafeMutablePointer<Float>  // (N, C)
  let dqkv: UnsafeMutablePointer<Float>  // (N, 3C)
  let dfch, dfchGelu: UnsafeMutablePointer<Float>  // (N, 4C)
  let dlnf, dheadResidual: UnsafeMutablePointer<Float>  // (M, C)
  let scratch: UnsafeMutablePointer<Float>  // transposes: 4C·C

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
    let scored = max(1, capacity.headRows)
    let perLayer = 22 * rows * channels + 4 * rows + capacity.attention
    var need = rows * channels + configuration.layerCount * perLayer
    need += 4 * scored * channels + 4 * scored + scored * vocab + 3 * scored
    need += 14 * rows * channels + 2 * scored * channels + 4 * channels * channels
    floats = .allocate(capacity: need)
    floats.initialize(repeating: 0)
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
    headRows = starts + capacity.sequences + 1
    targets = headRows + scored
    encoded = take(rows * channels)
    var layers: [Layer] = []
    for _ in 0..<configuration.layerCount {
      layers.append(
        Layer(
          ln1: take(rows * channels), ln1Mean: take(rows), ln1Rstd: take(rows),
          qkv: take(3 * rows * channels),
          atty: take(rows * channels), att: take(capacity.attention),
          attproj: take(rows * channels),
          residual2: take(rows * channels), ln2: take(rows * channels), ln2Mean: take(rows),
          ln2Rstd: take(rows),
          fch: take(4 * rows * channels), fchGelu: take(4 * rows * channels),
          fchTanh: take(4 * rows * channels),
          fcproj: take(rows * channels),
          residual3: take(rows * channels)))
    }
    self.layers = layers
    headResidual = take(scored * channels)
    lnf = take(scored * channels)
    attyScored = take(scored * channels)
    residualScored = take(scored * channels)
    lnfMean = take(scored)
    lnfRstd = take(scored)
    logits = take(scored * vocab)
    losses = take(scored)
    referenceLogProbabilities = take(scored)
    betas = take(scored)
    dresidual = take(rows * channels)
    dln = take(rows * channels)
    datty = take(rows * channels)
    dqkv = take(3 * rows * channels)
    dfch = take(4 * rows * channels)
    dfchGelu = take(4 * rows * channels)
    dlnf = take(scored * channels)
    dheadResidual = take(scored * channels)
    scratch = take(4 * channels * channels)
    precondition(cursor <= floats.baseAddress! + need, "workspace layout overflow")
  }

  deinit {
    floats.deallocate()
    integers.deallocate()
  }
}
