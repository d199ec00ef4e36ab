/// Activation and gradient buffers, carved from a single allocation (llm.c's
/// `ActivationTensors`). Each buffer is sized for the capacity (batch × length rows) and a
/// step with a smaller (B, T) uses its first B·T rows. Reallocated only when a larger batch
/// arrives.
final class Workspace {
  /// One block's saved activations.
  struct Layer {
    var ln1, ln1Mean, ln1Rstd: UnsafeMutablePointer<Float>  // (N, C), (N), (N)
    var qkv: UnsafeMutablePointer<Float>  // (N, 3C)
    var atty: UnsafeMutablePointer<Float>  // (N, C)
    var att: UnsafeMutablePointer<Float>  // (B, H, T, T)
    var attproj, residual2: UnsafeMutablePointer<Float>  // (N, C)
    var ln2, ln2Mean, ln2Rstd: UnsafeMutablePointer<Float>  // (N, C), (N), (N)
    var fch, fchGelu: UnsafeMutablePointer<Float>  // (N, 4C)
    var fcproj, residual3: UnsafeMutablePointer<Float>  // (N, C)
  }

  let batch: Int, length: Int, headRowCapacity: Int
  private let floats: UnsafeMutableBufferPointer<Float>
  private let integers: UnsafeMutableBufferPointer<Int32>
  let tokens: UnsafeMutablePointer<Int32>  // (N)
  let headRows: UnsafeMutablePointer<Int32>  // (M) rows of (B·T) that are scored
  let targets: UnsafeMutablePointer<Int32>  // (M)
  let encoded: UnsafeMutablePointer<Float>  // (N, C)
  let layers: [Layer]
  let headResidual, lnf: UnsafeMutablePointer<Float>  // (M, C)
  let lnfMean, lnfRstd: UnsafeMutablePointer<Float>  // (M)
  let logits: UnsafeMutablePointer<Float>  // (M, V): logits, then probabilities, then ∂/∂logits
  let losses: UnsafeMutablePointer<Float>  // (M)
  // Gradients of activations, reused by every layer.
  let dresidual, dln, datty: UnsafeMutablePointer<Float>  // (N, C)
  let dqkv: UnsafeMutablePointer<Float>  // (N, 3C)
  let dfch, dfchGelu: UnsafeMutablePointer<Float>  // (N, 4C)
  let dlnf, dheadResidual: UnsafeMutablePointer<Float>  // (M, C)
  let scratch: UnsafeMutablePointer<Float>  // transposes: max(4C·C, 4C·N, V·M)

  /// Returns `existing` if it can hold (B, T, M), else a larger one stored in `existing`.
  static func ensure(
    _ existing: inout Workspace?, _ configuration: TransformerConfiguration, batch: Int,
    length: Int, headRows: Int
  ) -> Workspace {
    if let workspace = existing, workspace.batch >= batch, workspace.length >= length,
      workspace.headRowCapacity >= headRows
    {
      return workspace
    }
    let grownBatch = max(batch, existing?.batch ?? 0)
    let grownLength = max(length, existing?.length ?? 0)
    let workspace = Workspace(
      configuration, batch: grownBatch, length: grownLength,
      headRows: max(headRows, existing?.headRowCapacity ?? 0))
    existing = workspace
    return workspace
  }

  private init(_ configuration: TransformerConfiguration, batch: Int, length: Int, headRows: Int) {
    self.batch = batch
    self.length = length
    headRowCapacity = headRows
    let channels = configuration.embeddingSize
    let vocab = configuration.vocabularySize
    let heads = configuration.headCount
    let rows = batch * length
    let scored = max(1, headRows)
    let perLayer = 18 * rows * channels + 4 * rows + batch * heads * length * length
    var need = rows * channels + configuration.layerCount * (perLayer + 16)
    need += 2 * scored * channels + 2 * scored + scored * vocab + scored
    need += 3 * rows * channels + 3 * rows * channels + 8 * rows * channels + 2 * scored * channels
    need += max(4 * channels * channels, 4 * channels * rows, vocab * scored) + 64
    floats = .allocate(capacity: need)
    floats.initialize(repeating: 0)
    integers = .allocate(capacity: rows + 2 * scored)
    integers.initialize(repeating: 0)
    var cursor = floats.baseAddress!
    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
      defer { cursor += count }
      return cursor
    }
    tokens = integers.baseAddress!
    self.headRows = integers.baseAddress! + rows
    targets = integers.baseAddress! + rows + scored
    encoded = take(rows * channels)
    var layers: [Layer] = []
    for _ in 0..<configuration.layerCount {
      layers.append(
        Layer(
          ln1: take(rows * channels), ln1Mean: take(rows), ln1Rstd: take(rows),
          qkv: take(3 * rows * channels),
          atty: take(rows * channels), att: take(batch * heads * length * length),
          attproj: take(rows * channels),
          residual2: take(rows * channels), ln2: take(rows * channels), ln2Mean: take(rows),
          ln2Rstd: take(rows),
          fch: take(4 * rows * channels), fchGelu: take(4 * rows * channels),
          fcproj: take(rows * channels),
          residual3: take(rows * channels)))
    }
    self.layers = layers
    headResidual = take(scored * channels)
    lnf = take(scored * channels)
    lnfMean = take(scored)
    lnfRstd = take(scored)
    logits = take(scored * vocab)
    losses = take(scored)
    dresidual = take(rows * channels)
    dln = take(rows * channels)
    datty = take(rows * channels)
    dqkv = take(3 * rows * channels)
    dfch = take(4 * rows * channels)
    dfchGelu = take(4 * rows * channels)
    dlnf = take(scored * channels)
    dheadResidual = take(scored * channels)
    scratch = take(max(4 * channels * channels, 4 * channels * rows, vocab * scored))
    precondition(cursor <= floats.baseAddress! + need, "workspace layout overflow")
  }

  deinit {
    floats.deallocate()
    integers.deallocate()
  }
}
