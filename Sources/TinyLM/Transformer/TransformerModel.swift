import Foundation

/// A tiny GPT-2: the model of nanoGPT's `model.py`, trained by hand-written backward passes
/// as in llm.c's `train_gpt2.c`.
///
/// ```
/// x = wte[token] + wpe[position]                    // (N, C): N = Σ_b T_b rows
/// for each block:
///   x = x + attn(ln_1(x))                           // causal, H heads, scaled 1/√(C/H)
///   x = x + mlp(ln_2(x))                            // C → 4C → GELU(tanh) → C
/// logits = ln_f(x) · wteᵀ                           // the head is tied to wte
/// loss = mean cross-entropy over the trained (loss-mask) positions
/// ```
///
/// Its source reads top to bottom like nanoGPT's: the parameters, one `block`, the forward
/// pass and the loss; `TransformerModel+Backward.swift` mirrors them, and the shape
/// (nanoGPT's `GPTConfig`) is ``TransformerConfiguration``.
///
/// Sequences are packed back to back into N rows without padding; every activation is a
/// flat row-major (rows, width) matrix, and the head and the loss read only the M scored
/// rows (the positions whose next token is trained or asked for). All parameters live in
/// one flat buffer (`ParameterLayout`), linear weights stored (in, out) so that the matrix
/// kernel streams their rows. Results are bit-identical for any thread count. Reads
/// (`logProbabilities`, `generate`, `loss`) may run concurrently; `train` may not.
public final class TransformerModel: LanguageModel, @unchecked Sendable {
  // MARK: Parameters

  /// The model's shape.
  public let configuration: TransformerConfiguration
  /// Where each tensor lives in `flatParameters`.
  let layout: ParameterLayout
  /// Every parameter, in `layout` order.
  let flatParameters: UnsafeMutableBufferPointer<Float>
  /// wteᵀ (C, V), the output head, refreshed whenever the parameters change.
  let headWeights: UnsafeMutableBufferPointer<Float>
  /// An inference-time edit of the residual stream (directional ablation or activation
  /// addition), applied by every forward pass; `nil` for the model as trained. Set it before
  /// using the model, never while another thread reads it; it must fit the model
  /// (``ResidualEdit/problem(for:)``). A copy keeps it; training refuses an edited model.
  public var residualEdit: ResidualEdit? {
    didSet {
      if let problem = residualEdit?.problem(for: configuration) {
        preconditionFailure("residual edit: \(problem)")
      }
    }
  }

  /// A freshly initialised model: weights N(0, 0.02), residual projections
  /// N(0, 0.02/√(2·n_layer)) as GPT-2, biases 0, LayerNorm gains 1. Deterministic in `seed`.
  public convenience init(configuration: TransformerConfiguration, seed: UInt64) {
    self.init(uninitialised: configuration)
    var random = SeededRandom(seed: seed)
    let residualStd = 0.02 / Float(2 * configuration.layerCount).squareRoot()
    for tensor in layout.tensors {
      let values = flatParameters.baseAddress! + tensor.offset
      switch tensor.kind {
      case .bias: values.update(repeating: 0, count: tensor.count)
      case .gain: values.update(repeating: 1, count: tensor.count)
      case .weight(let residual):
        let std: Float = residual ? residualStd : 0.02
        for i in 0..<tensor.count { values[i] = random.nextGaussian() * std }
      }
    }
    refreshHead()
  }

  /// A model with the parameters allocated but not initialised.
  init(uninitialised configuration: TransformerConfiguration) {
    if let problem = configuration.problem {
      preconditionFailure("invalid transformer configuration: \(problem)")
    }
    self.configuration = configuration
    layout = ParameterLayout(configuration)
    flatParameters = .allocate(capacity: layout.total)
    flatParameters.initialize(repeating: 0)
    headWeights = .allocate(capacity: configuration.vocabularySize * configuration.embeddingSize)
    headWeights.initialize(repeating: 0)
  }

  deinit {
    flatParameters.deallocate()
    headWeights.deallocate()
  }

  /// The number of token ids.
  public var vocabularySize: Int { configuration.vocabularySize }
  /// The block size: the model reads at most this many tokens of context.
  public var contextLimit: Int? { configuration.blockSize }
  /// The number of trained parameters.
  public var parameterCount: Int { layout.total }
  /// A copy of every parameter, in storage order (linear weights (in, out); see
  /// `tensor(named:)` for nanoGPT's layout).
  public var parameters: [Float] { Array(flatParameters) }

  /// One parameter tensor by its nanoGPT name, in nanoGPT's layout (linear weights
  /// (out, in)), row-major; `nil` for an unknown name.
  public func tensor(named name: String) -> (shape: [Int], values: [Float])? {
    guard let tensor = layout.tensors.first(where: { $0.name == name }) else { return nil }
    return (tensor.shape, tensor.read(from: UnsafePointer(flatParameters.baseAddress!)))
  }

  /// Gives `body` write access to every parameter (storage order), then refreshes the head.
  package func withMutableParameters(_ body: (UnsafeMutableBufferPointer<Float>) -> Void) {
    body(flatParameters)
    refreshHead()
  }

  /// Recomputes the output head wteᵀ after the parameters changed.
  func refreshHead() {
    Kernels.transpose(
      headWeights.baseAddress!, flatParameters.baseAddress! + layout.wte,
      rows: configuration.vocabularySize, columns: configuration.embeddingSize,
      workers: Workers(threads: 1))
  }

  /// An independent copy of the parameters (no optimiser state: every `train` call starts a
  /// fresh optimiser anyway).
  public func copy() -> TransformerModel {
    let model = TransformerModel(uninitialised: configuration)
    model.flatParameters.baseAddress!.update(from: flatParameters.baseAddress!, count: layout.total)
    model.refreshHead()
    model.residualEdit = residualEdit
    return model
  }

  // MARK: The block

  /// Where attention finds the keys and values: the one step in which training and
  /// incremental decoding differ. Every other step of `block` computes each row on its own,
  /// with the same operations in the same order for any number of rows, so a decoded row
  /// equals the same row of a full forward pass bit for bit.
  enum Attention {
    /// Sequences packed back to back (sequence b holds rows `starts[b]..<starts[b + 1]`):
    /// each row attends to itself and the rows before it in its sequence.
    case packedSequences(starts: UnsafePointer<Int32>, count: Int)
    /// One new row per prompt: each joins its prompt's key–value cache and attends to every
    /// row the cache holds for that prompt.
    case keyValueCache(KeyValueCache)

    /// Attention of block `layer`: reads `activations.qkv` (rows, 3C), writes
    /// `activations.attentionOutput` (rows, C) and the softmax weights.
    func attend(
      _ activations: BlockActivations, layer: Int, rows: Int,
      configuration: TransformerConfiguration, workers: Workers
    ) {
      switch self {
      case .packedSequences(let starts, let count):
        TransformerLayers.attentionForward(
          activations.attentionOutput, att: activations.attentionWeights, qkv: activations.qkv,
          starts: starts, sequences: count, channels: configuration.embeddingSize,
          heads: configuration.headCount, workers: workers)
      case .keyValueCache(let cache):
        cache.attend(
          layer: layer, qkv: activations.qkv, rows: rows, weights: activations.attentionWeights,
          output: activations.attentionOutput)
      }
    }
  }

  /// The rows the head reads, and where the last block gathers them (`gatherScoredRows`).
  struct ScoredRows {
    var indices: UnsafePointer<Int32>  // (M) among the N rows, in head order
    var count: Int  // M
    var input, attentionOutput: UnsafeMutablePointer<Float>  // (M, C)
  }

  /// One transformer block (nanoGPT's `Block.forward`) on the `rows` rows of `input`: writes
  /// `activations`, and its output `x` to `activations.afterMLP`. With `scored` (the last
  /// block) it keeps only those rows past attention, and its output holds just them.
  func block(
    _ layer: Int, input: UnsafePointer<Float>, rows: Int, attention: Attention,
    keepingOnly scored: ScoredRows?, edit: AppliedResidualEdit?, _ activations: BlockActivations,
    workers: Workers
  ) {
    let weights = layout.block(layer, in: flatParameters.baseAddress!)
    let channels = configuration.embeddingSize
    // x = x + attn(ln_1(x))
    TransformerLayers.layerNormForward(
      activations.ln1, mean: activations.ln1Mean, rstd: activations.ln1Rstd, inp: input,
      weight: weights.ln1Weight, bias: weights.ln1Bias, rows: rows, channels: channels,
      workers: workers)
    TransformerLayers.linearForward(
      activations.qkv, inp: activations.ln1, weight: weights.qkvWeight, bias: weights.qkvBias,
      rows: rows, inputs: channels, outputs: 3 * channels, workers: workers)
    attention.attend(
      activations, layer: layer, rows: rows, configuration: configuration, workers: workers)
    // Past attention, the last block goes on with the scored rows only: (N, C) → (M, C).
    var (x, attentionOutput, keptRows) = (input, UnsafePointer(activations.attentionOutput), rows)
    if let scored { (x, attentionOutput, keptRows) = gatherScoredRows(scored, x, attentionOutput) }
    TransformerLayers.linearForward(
      activations.attentionProjection, inp: attentionOutput, weight: weights.attnProjWeight,
      bias: weights.attnProjBias, rows: keptRows, inputs: channels, outputs: channels,
      workers: workers)
    TransformerLayers.residualForward(
      activations.afterAttention, x, activations.attentionProjection,
      count: keptRows * channels, workers: workers)
    edit?.apply(to: activations.afterAttention, rows: keptRows, channels: channels, depth: nil)
    // x = x + mlp(ln_2(x))
    TransformerLayers.layerNormForward(
      activations.ln2, mean: activations.ln2Mean, rstd: activations.ln2Rstd,
      inp: activations.afterAttention, weight: weights.ln2Weight, bias: weights.ln2Bias,
      rows: keptRows, channels: channels, workers: workers)
    TransformerLayers.linearForward(
      activations.mlpHidden, inp: activations.ln2, weight: weights.fcWeight, bias: weights.fcBias,
      rows: keptRows, inputs: channels, outputs: 4 * channels, workers: workers)
    TransformerLayers.geluForward(
      activations.mlpActivation, inp: activations.mlpHidden, tanh: activations.geluTanh,
      count: keptRows * 4 * channels, workers: workers)
    TransformerLayers.linearForward(
      activations.mlpProjection, inp: activations.mlpActivation, weight: weights.mlpProjWeight,
      bias: weights.mlpProjBias, rows: keptRows, inputs: 4 * channels, outputs: channels,
      workers: workers)
    TransformerLayers.residualForward(
      activations.afterMLP, activations.afterAttention, activations.mlpProjection,
      count: keptRows * channels, workers: workers)
    edit?.apply(to: activations.afterMLP, rows: keptRows, channels: channels, depth: layer + 1)
  }

  /// An optimisation of the last block. Its output feeds only the head, which reads the M
  /// scored rows, and attention is the one step that mixes rows: past attention the block
  /// can run on those rows alone. This copies them, in head order, out of the block's input
  /// and attention output; backward sends their gradients back (`scatterScoredRows`).
  func gatherScoredRows(
    _ scored: ScoredRows, _ input: UnsafePointer<Float>, _ attentionOutput: UnsafePointer<Float>
  ) -> (input: UnsafePointer<Float>, attentionOutput: UnsafePointer<Float>, rows: Int) {
    let channels = configuration.embeddingSize
    for m in 0..<scored.count {
      let row = Int(scored.indices[m]) * channels
      (scored.attentionOutput + m * channels).update(from: attentionOutput + row, count: channels)
      (scored.input + m * channels).update(from: input + row, count: channels)
    }
    return (UnsafePointer(scored.input), UnsafePointer(scored.attentionOutput), scored.count)
  }

  // MARK: Forward

  /// The forward pass (nanoGPT's `GPT.forward` up to the logits) over `rows` rows: writes
  /// `activations`, and the logits of the `scoredCount` rows listed in `scoredRows` to
  /// `activations.logits` (M, V). `attention` says which rows each row attends to.
  func forward(
    tokens: UnsafePointer<Int32>, positions: UnsafePointer<Int32>, rows: Int,
    attention: Attention, scoredRows: UnsafePointer<Int32>, scoredCount: Int,
    into activations: Activations, workers: Workers
  ) {
    let parameters = flatParameters.baseAddress!
    let channels = configuration.embeddingSize
    // x = wte[token] + wpe[position]
    TransformerLayers.encoderForward(
      activations.embeddings, tokens: tokens, positions: positions, wte: parameters + layout.wte,
      wpe: parameters + layout.wpe, rows: rows, channels: channels)
    let edit = residualEdit.map(AppliedResidualEdit.init)
    edit?.apply(to: activations.embeddings, rows: rows, channels: channels, depth: 0)
    var x = UnsafePointer(activations.embeddings)  // (N, C)
    let lastLayer = configuration.layerCount - 1
    let scored = ScoredRows(
      indices: scoredRows, count: scoredCount, input: activations.scoredInput,
      attentionOutput: activations.scoredAttentionOutput)
    for layer in 0...lastLayer {
      block(
        layer, input: x, rows: rows, attention: attention,
        keepingOnly: layer == lastLayer ? scored : nil, edit: edit, activations.blocks[layer],
        workers: workers)
      x = UnsafePointer(activations.blocks[layer].afterMLP)  // (N, C); the last block's (M, C)
    }
    // logits = ln_f(x) · wteᵀ
    TransformerLayers.layerNormForward(
      activations.lnf, mean: activations.lnfMean, rstd: activations.lnfRstd, inp: x,
      weight: parameters + layout.lnfWeight, bias: parameters + layout.lnfBias,
      rows: scoredCount, channels: channels, workers: workers)
    TransformerLayers.linearForward(
      activations.logits, inp: activations.lnf, weight: headWeights.baseAddress!, bias: nil,
      rows: scoredCount, inputs: channels, outputs: vocabularySize, workers: workers)
  }

  /// The forward pass over the packed sequences of `workspace`.
  func forward(_ workspace: Workspace, _ shape: BatchShape, workers: Workers) {
    forward(
      tokens: workspace.tokens, positions: workspace.positions, rows: shape.rows,
      attention: .packedSequences(starts: workspace.starts, count: shape.sequences),
      scoredRows: workspace.scoredRows, scoredCount: shape.scored,
      into: workspace.activations, workers: workers)
  }

  // MARK: Loss

  /// The forward pass, then softmax cross-entropy against `workspace.targets`: returns the
  /// mean loss over the M scored rows and leaves the probabilities in place of the logits.
  func forwardLoss(_ workspace: Workspace, _ shape: BatchShape, workers: Workers) -> Double {
    forward(workspace, shape, workers: workers)
    let logits = workspace.activations.logits
    TransformerLayers.crossEntropyForward(
      losses: workspace.losses, probs: logits, logits: logits, targets: workspace.targets,
      rows: shape.scored, vocabulary: vocabularySize, workers: workers)
    return meanLoss(workspace, shape)
  }

  /// The forward pass and the training loss (cross-entropy, or the constrained objective with
  /// `workspace.referenceLogProbabilities` and `workspace.betas`), fused with its gradient:
  /// returns the mean loss and leaves scale · ∂(Σ losses)/∂logits in place of the logits,
  /// ready for `backward`. The scale defaults to 1/M, the gradient of the mean.
  func forwardLossAndGradient(
    _ workspace: Workspace, _ shape: BatchShape, objective: TrainingObjective, workers: Workers,
    scale: Float? = nil
  ) -> Double {
    forward(workspace, shape, workers: workers)
    let constrained: Bool
    if case .tokenwiseConstrained = objective { constrained = true } else { constrained = false }
    TransformerLayers.crossEntropyForwardBackward(
      losses: workspace.losses, logits: workspace.activations.logits, targets: workspace.targets,
      reference: constrained ? workspace.referenceLogProbabilities : nil,
      betas: constrained ? workspace.betas : nil, scale: scale ?? 1 / Float(shape.scored),
      rows: shape.scored, vocabulary: vocabularySize, workers: workers)
    return meanLoss(workspace, shape)
  }

  /// The mean of the M losses, summed in Double in row order.
  private func meanLoss(_ workspace: Workspace, _ shape: BatchShape) -> Double {
    var total = 0.0
    for m in 0..<shape.scored { total += Double(workspace.losses[m]) }
    return total / Double(shape.scored)
  }
}
