import Foundation

/// A tiny GPT-2: the model of nanoGPT's `model.py`, trained by hand-written backward passes
/// as in llm.c's `train_gpt2.c`.
///
/// ```
/// x = wte[token] + wpe[position]                    // (B, T, C)
/// for each block:
///   x = x + attn(ln_1(x))                           // causal, H heads, scaled 1/√(C/H)
///   x = x + mlp(ln_2(x))                            // C → 4C → GELU(tanh) → C
/// logits = ln_f(x) · wteᵀ                           // the head is tied to wte
/// loss = mean cross-entropy over the trained (loss-mask) positions
/// ```
///
/// All parameters live in one flat block addressed by offsets (`ParameterLayout`); linear
/// weights are stored (in, out) so that the matrix kernel streams their rows (checkpoints
/// transpose them to nanoGPT's (out, in)). Results are bit-identical for any thread count.
///
/// Concurrent reads (`logProbabilities`, `generate`, `loss`) are safe; `train` mutates the
/// parameters and must not run concurrently with anything else on the same model.
public final class TransformerModel: LanguageModel, @unchecked Sendable {
  /// The model's shape.
  public let configuration: TransformerConfiguration
  let layout: ParameterLayout
  /// Every parameter, in `layout` order.
  let weights: UnsafeMutableBufferPointer<Float>
  /// wteᵀ (C, V), the output head, refreshed whenever the parameters change.
  let headWeights: UnsafeMutableBufferPointer<Float>

  /// A freshly initialised model: weights N(0, 0.02), residual projections
  /// N(0, 0.02/√(2·n_layer)) as GPT-2, biases 0, LayerNorm gains 1. Deterministic in `seed`.
  public convenience init(configuration: TransformerConfiguration, seed: UInt64) {
    self.init(uninitialised: configuration)
    var random = SeededRandom(seed: seed)
    let residualStd = 0.02 / Float(2 * configuration.layerCount).squareRoot()
    for tensor in layout.tensors {
      let block = weights.baseAddress! + tensor.offset
      switch tensor.kind {
      case .bias: block.update(repeating: 0, count: tensor.count)
      case .gain: block.update(repeating: 1, count: tensor.count)
      case .weight(let residual):
        let std: Float = residual ? residualStd : 0.02
        for i in 0..<tensor.count { block[i] = random.nextGaussian() * std }
      }
    }
    refreshHead()
  }

  /// A model with the parameter block allocated but not initialised.
  init(uninitialised configuration: TransformerConfiguration) {
    if let problem = configuration.problem {
      preconditionFailure("invalid transformer configuration: \(problem)")
    }
    self.configuration = configuration
    layout = ParameterLayout(configuration)
    weights = .allocate(capacity: layout.total)
    weights.initialize(repeating: 0)
    headWeights = .allocate(capacity: configuration.vocabularySize * configuration.embeddingSize)
    headWeights.initialize(repeating: 0)
  }

  deinit {
    weights.deallocate()
    headWeights.deallocate()
  }

  // MARK: Public accessors

  /// The number of token ids.
  public var vocabularySize: Int { configuration.vocabularySize }
  /// The block size: the model reads at most this many tokens of context.
  public var contextLimit: Int? { configuration.blockSize }
  /// The number of trained parameters.
  public var parameterCount: Int { layout.total }
  /// A copy of the flat parameter block (linear weights stored (in, out); see
  /// `tensor(named:)` for nanoGPT's layout).
  public var parameters: [Float] { Array(weights) }
  /// The nanoGPT names of the parameter tensors, in storage order.
  public var tensorNames: [String] { layout.tensors.map(\.name) }

  /// One parameter tensor by its nanoGPT name, in nanoGPT's layout (linear weights
  /// (out, in)), row-major; `nil` for an unknown name.
  public func tensor(named name: String) -> (shape: [Int], values: [Float])? {
    guard let tensor = layout.tensors.first(where: { $0.name == name }) else { return nil }
    return (tensor.shape, tensor.read(from: UnsafePointer(weights.baseAddress!)))
  }

  /// Gives `body` write access to the flat parameter block, then refreshes derived state.
  package func withMutableParameters(_ body: (UnsafeMutableBufferPointer<Float>) -> Void) {
    body(weights)
    refreshHead()
  }

  /// Recomputes the output head wteᵀ after the parameters changed.
  func refreshHead() {
    Kernels.transpose(
      headWeights.baseAddress!, weights.baseAddress! + layout.wte,
      rows: configuration.vocabularySize, columns: configuration.embeddingSize,
      workers: Workers(threads: 1))
  }

  // MARK: Forward

  /// Runs the model on `ws.tokens` (B, T) and leaves the logits of the rows listed in
  /// `ws.headRows` in `ws.logits` (M, V).
  func forward(
    _ ws: Workspace, batch batchCount: Int, length: Int, headRows scored: Int, workers: Workers
  ) {
    let channels = configuration.embeddingSize
    let heads = configuration.headCount
    let vocab = configuration.vocabularySize
    let rows = batchCount * length
    let p = UnsafePointer(weights.baseAddress!)
    TransformerLayers.encoderForward(
      ws.encoded, tokens: ws.tokens, wte: p + layout.wte, wpe: p + layout.wpe, rows: rows,
      sequenceLength: length, positionOffset: 0, channels: channels)
    var residual = UnsafePointer(ws.encoded)
    for l in 0..<configuration.layerCount {
      let w = layout.layers[l]
      let a = ws.layers[l]
      TransformerLayers.layerNormForward(
        a.ln1, mean: a.ln1Mean, rstd: a.ln1Rstd, inp: residual, weight: p + w.ln1Weight,
        bias: p + w.ln1Bias, rows: rows, channels: channels, workers: workers)
      TransformerLayers.linearForward(
        a.qkv, inp: a.ln1, weight: p + w.qkvWeight, bias: p + w.qkvBias, rows: rows,
        inputs: channels,
        outputs: 3 * channels, workers: workers)
      TransformerLayers.attentionForward(
        a.atty, att: a.att, qkv: a.qkv, batch: batchCount, sequenceLength: length,
        channels: channels, heads: heads,
        workers: workers)
      TransformerLayers.linearForward(
        a.attproj, inp: a.atty, weight: p + w.attnProjWeight, bias: p + w.attnProjBias,
        rows: rows, inputs: channels, outputs: channels, workers: workers)
      TransformerLayers.residualForward(
        a.residual2, residual, a.attproj, count: rows * channels, workers: workers)
      TransformerLayers.layerNormForward(
        a.ln2, mean: a.ln2Mean, rstd: a.ln2Rstd, inp: a.residual2, weight: p + w.ln2Weight,
        bias: p + w.ln2Bias, rows: rows, channels: channels, workers: workers)
      TransformerLayers.linearForward(
        a.fch, inp: a.ln2, weight: p + w.fcWeight, bias: p + w.fcBias, rows: rows, inputs: channels,
        outputs: 4 * channels, workers: workers)
      TransformerLayers.geluForward(
        a.fchGelu, inp: a.fch, count: rows * 4 * channels, workers: workers)
      TransformerLayers.linearForward(
        a.fcproj, inp: a.fchGelu, weight: p + w.mlpProjWeight, bias: p + w.mlpProjBias,
        rows: rows, inputs: 4 * channels, outputs: channels, workers: workers)
      TransformerLayers.residualForward(
        a.residual3, a.residual2, a.fcproj, count: rows * channels, workers: workers)
      residual = UnsafePointer(a.residual3)
    }
    // Only the rows that are scored go through ln_f and the head.
    for m in 0..<scored {
      (ws.headResidual + m * channels).update(
        from: residual + Int(ws.headRows[m]) * channels, count: channels)
    }
    TransformerLayers.layerNormForward(
      ws.lnf, mean: ws.lnfMean, rstd: ws.lnfRstd, inp: ws.headResidual,
      weight: p + layout.lnfWeight, bias: p + layout.lnfBias, rows: scored, channels: channels,
      workers: workers)
    TransformerLayers.linearForward(
      ws.logits, inp: ws.lnf, weight: headWeights.baseAddress!, bias: nil, rows: scored,
      inputs: channels,
      outputs: vocab, workers: workers)
  }

  // MARK: Backward

  /// Accumulates ∂loss/∂parameters into `gradients`, given ∂loss/∂logits in `ws.logits`.
  func backward(
    _ ws: Workspace, gradients g: UnsafeMutablePointer<Float>, batch batchCount: Int, length: Int,
    headRows scored: Int, workers: Workers
  ) {
    let channels = configuration.embeddingSize
    let heads = configuration.headCount
    let vocab = configuration.vocabularySize
    let rows = batchCount * length
    let p = UnsafePointer(weights.baseAddress!)
    // Head: logits (M, V) = lnf (M, C) · wteᵀ.
    Kernels.matmul(
      ws.dlnf, ws.logits, p + layout.wte, bias: nil, rows: scored, inner: vocab, columns: channels,
      accumulate: false, workers: workers)
    Kernels.matmul(
      g + layout.wte, ws.logits, ws.lnf, bias: nil, rows: vocab, inner: scored,
      columns: channels, accumulate: true, transposedInput: true, workers: workers)
    ws.dheadResidual.update(repeating: 0, count: scored * channels)
    TransformerLayers.layerNormBackward(
      dinp: ws.dheadResidual, dweight: g + layout.lnfWeight, dbias: g + layout.lnfBias,
      dout: ws.dlnf, inp: ws.headResidual, weight: p + layout.lnfWeight, mean: ws.lnfMean,
      rstd: ws.lnfRstd, rows: scored, channels: channels, workers: workers)
    ws.dresidual.update(repeating: 0, count: rows * channels)
    for m in 0..<scored {
      (ws.dresidual + Int(ws.headRows[m]) * channels).update(
        from: ws.dheadResidual + m * channels, count: channels)
    }
    for l in stride(from: configuration.layerCount - 1, through: 0, by: -1) {
      let w = layout.layers[l]
      let a = ws.layers[l]
      let residual = l == 0 ? ws.encoded : ws.layers[l - 1].residual3
      // x = x + mlp(ln_2(x))
      TransformerLayers.linearBackward(
        dinp: ws.dfchGelu, dweight: g + w.mlpProjWeight, dbias: g + w.mlpProjBias,
        dout: ws.dresidual, inp: a.fchGelu, weight: p + w.mlpProjWeight, rows: rows,
        inputs: 4 * channels, outputs: channels, scratch: ws.scratch, workers: workers)
      TransformerLayers.geluBackward(
        dinp: ws.dfch, inp: a.fch, dout: ws.dfchGelu, count: rows * 4 * channels, workers: workers)
      TransformerLayers.linearBackward(
        dinp: ws.dln, dweight: g + w.fcWeight, dbias: g + w.fcBias, dout: ws.dfch,
        inp: a.ln2, weight: p + w.fcWeight, rows: rows, inputs: channels, outputs: 4 * channels,
        scratch: ws.scratch, workers: workers)
      TransformerLayers.layerNormBackward(
        dinp: ws.dresidual, dweight: g + w.ln2Weight, dbias: g + w.ln2Bias, dout: ws.dln,
        inp: a.residual2, weight: p + w.ln2Weight, mean: a.ln2Mean, rstd: a.ln2Rstd, rows: rows,
        channels: channels, workers: workers)
      // x = x + attn(ln_1(x))
      TransformerLayers.linearBackward(
        dinp: ws.datty, dweight: g + w.attnProjWeight, dbias: g + w.attnProjBias,
        dout: ws.dresidual, inp: a.atty, weight: p + w.attnProjWeight, rows: rows, inputs: channels,
        outputs: channels, scratch: ws.scratch, workers: workers)
      TransformerLayers.attentionBackward(
        dqkv: ws.dqkv, dout: ws.datty, qkv: a.qkv, att: a.att, batch: batchCount,
        sequenceLength: length,
        channels: channels, heads: heads, workers: workers)
      TransformerLayers.linearBackward(
        dinp: ws.dln, dweight: g + w.qkvWeight, dbias: g + w.qkvBias, dout: ws.dqkv,
        inp: a.ln1, weight: p + w.qkvWeight, rows: rows, inputs: channels, outputs: 3 * channels,
        scratch: ws.scratch, workers: workers)
      TransformerLayers.layerNormBackward(
        dinp: ws.dresidual, dweight: g + w.ln1Weight, dbias: g + w.ln1Bias, dout: ws.dln,
        inp: residual, weight: p + w.ln1Weight, mean: a.ln1Mean, rstd: a.ln1Rstd, rows: rows,
        channels: channels, workers: workers)
    }
    TransformerLayers.encoderBackward(
      dwte: g + layout.wte, dwpe: g + layout.wpe, dout: ws.dresidual, tokens: ws.tokens,
      rows: rows, sequenceLength: length, channels: channels)
  }

  // MARK: Batches

  /// Loads sequences into `ws` padded to the longest (input length = longest − 1); lists
  /// the trained positions as head rows. Returns (B, T, M).
  func load(_ batch: [TrainingSequence], into ws: inout Workspace?) -> (Int, Int, Int) {
    let batchCount = batch.count
    let length = max(1, (batch.map(\.tokens.count).max() ?? 1) - 1)
    let scored = batch.reduce(0) { total, sequence in
      total + sequence.lossMask.dropFirst().reduce(0) { $0 + ($1 ? 1 : 0) }
    }
    let workspace = Workspace.ensure(
      &ws, configuration, batch: batchCount, length: length, headRows: scored)
    var m = 0
    for (b, sequence) in batch.enumerated() {
      for t in 0..<length {
        workspace.tokens[b * length + t] = t < sequence.tokens.count ? Int32(sequence.tokens[t]) : 0
      }
      for i in sequence.tokens.indices.dropFirst() where sequence.lossMask[i] {
        workspace.headRows[m] = Int32(b * length + i - 1)
        workspace.targets[m] = Int32(sequence.tokens[i])
        m += 1
      }
    }
    return (batchCount, length, scored)
  }

  /// Why `sequence` cannot be trained on, or `nil`.
  func problem(with sequence: TrainingSequence) -> String? {
    let limit = configuration.blockSize + 1
    if sequence.tokens.count > limit {
      return "a sequence has \(sequence.tokens.count) tokens; block size \(limit - 1) "
        + "allows at most \(limit)"
    }
    if let bad = sequence.tokens.first(where: { $0 < 0 || $0 >= vocabularySize }) {
      return "token id \(bad) is outside the vocabulary (0..<\(vocabularySize))"
    }
    return nil
  }

  // MARK: Training

  /// Trains in place with a fresh optimiser state (AdamW or SGD per `options`); the
  /// learning-rate schedule (warm-up, cosine decay) spans this call.
  ///
  /// Batches of `options.batchSize` shuffled sequences are padded to the longest (padding is
  /// never trained). A sequence may hold up to `blockSize + 1` tokens: the model reads the
  /// first `blockSize` to predict the last. Steps = min(`maxSteps`, epochs·⌈n/B⌉).
  public func train(
    on sequences: [TrainingSequence], options: TrainingOptions, threads: Int,
    random: inout SeededRandom, progress: TrainingProgress?
  ) throws(TrainingError) -> TrainingSummary {
    for sequence in sequences {
      if let problem = problem(with: sequence) { throw .invalidSequence(problem) }
    }
    guard !sequences.isEmpty, options.epochs > 0 else {
      return TrainingSummary(steps: 0, trainedTokens: 0)
    }
    let batchSize = max(1, min(options.batchSize, sequences.count))
    let stepsPerEpoch = (sequences.count + batchSize - 1) / batchSize
    var totalSteps = options.epochs * stepsPerEpoch
    if let cap = options.maxSteps { totalSteps = min(totalSteps, max(0, cap)) }
    let workers = Workers(threads: threads)
    let optimizer = Optimizer(layout: layout, options: options, totalSteps: totalSteps)
    let gradients = UnsafeMutableBufferPointer<Float>.allocate(capacity: layout.total)
    defer { gradients.deallocate() }
    var workspace: Workspace?
    let longest = max(1, (sequences.map(\.tokens.count).max() ?? 1) - 1)
    _ = Workspace.ensure(
      &workspace, configuration, batch: batchSize, length: longest,
      headRows: batchSize * longest)
    var order = Array(sequences.indices)
    var cursor = order.count
    var summary = TrainingSummary(steps: 0, trainedTokens: 0)
    let reportEvery = max(1, (totalSteps + 49) / 50)
    for step in 0..<totalSteps {
      if cursor >= order.count {
        random.shuffle(&order)
        cursor = 0
      }
      let end = min(order.count, cursor + batchSize)
      let batch = order[cursor..<end].map { sequences[$0] }
      cursor = end
      let (batchCount, length, scored) = load(batch, into: &workspace)
      summary.steps = step + 1
      guard scored > 0, let ws = workspace else { continue }
      let loss = forwardLossAndGradient(
        ws, batch: batchCount, length: length, headRows: scored, workers: workers)
      guard loss.isFinite else { throw .nonFiniteLoss(step: step + 1) }
      gradients.update(repeating: 0)
      backward(
        ws, gradients: gradients.baseAddress!, batch: batchCount, length: length, headRows: scored,
        workers: workers)
      optimizer.update(
        parameters: weights, gradients: gradients, step: step, workers: workers)
      refreshHead()
      summary.trainedTokens += scored
      if summary.firstLoss == nil { summary.firstLoss = loss }
      summary.lastLoss = loss
      if let progress, (step + 1) % reportEvery == 0 || step + 1 == totalSteps {
        progress(step + 1, totalSteps, loss)
      }
    }
    return summary
  }

  /// Forward pass plus softmax cross-entropy; returns the mean loss over the M rows and
  /// leaves the probabilities in `ws.logits`.
  func forwardLoss(
    _ ws: Workspace, batch batchCount: Int, length: Int, headRows scored: Int, workers: Workers
  )
    -> Double
  {
    forward(ws, batch: batchCount, length: length, headRows: scored, workers: workers)
    TransformerLayers.crossEntropyForward(
      losses: ws.losses, probs: ws.logits, logits: ws.logits, targets: ws.targets, rows: scored,
      vocabulary: vocabularySize, workers: workers)
    var total = 0.0
    for m in 0..<scored { total += Double(ws.losses[m]) }
    return total / Double(scored)
  }

  /// Forward pass and fused cross-entropy; returns the mean loss and leaves ∂loss/∂logits
  /// in `ws.logits`, ready for `backward`.
  func forwardLossAndGradient(
    _ ws: Workspace, batch batchCount: Int, length: Int, headRows scored: Int,
    workers: Workers
  ) -> Double {
    forward(ws, batch: batchCount, length: length, headRows: scored, workers: workers)
    TransformerLayers.crossEntropyForwardBackward(
      losses: ws.losses, logits: ws.logits, targets: ws.targets, scale: 1 / Float(scored),
      rows: scored, vocabulary: vocabularySize, workers: workers)
    var total = 0.0
    for m in 0..<scored { total += Double(ws.losses[m]) }
    return total / Double(scored)
  }

  /// The loss and its gradient (in storage order) on one batch; for gradient checks.
  package func lossAndGradients(on batch: [TrainingSequence], threads: Int = 1)
    -> (loss: Double, gradients: [Float])
  {
    var workspace: Workspace?
    let (batchCount, length, scored) = load(batch, into: &workspace)
    var gradients = [Float](repeating: 0, count: layout.total)
    guard scored > 0, let ws = workspace else { return (0, gradients) }
    let workers = Workers(threads: threads)
    let loss = forwardLossAndGradient(
      ws, batch: batchCount, length: length, headRows: scored, workers: workers)
    gradients.withUnsafeMutableBufferPointer {
      backward(
        ws, gradients: $0.baseAddress!, batch: batchCount, length: length, headRows: scored,
        workers: workers)
    }
    return (loss, gradients)
  }

  /// Mean cross-entropy (nats per trained token) over every trained position of
  /// `sequences`; 0 if none is trained. Independent of `threads` and of batching.
  public func loss(on sequences: [TrainingSequence], threads: Int = 1) -> Double {
    var workspace: Workspace?
    var total = 0.0
    var count = 0
    var start = 0
    while start < sequences.count {
      let batch = Array(sequences[start..<min(sequences.count, start + 32)])
      start += 32
      let (batchCount, length, scored) = load(batch, into: &workspace)
      guard scored > 0, let ws = workspace else { continue }
      _ = forwardLoss(
        ws, batch: batchCount, length: length, headRows: scored, workers: Workers(threads: threads))
      for m in 0..<scored { total += Double(ws.losses[m]) }
      count += scored
    }
    return count == 0 ? 0 : total / Double(count)
  }

  // MARK: Inference

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

  /// Raw logits (T × V, row-major) after every prefix of `tokens` (at most `blockSize`).
  public func logits(for tokens: [Int]) -> [Float] {
    precondition(tokens.count <= configuration.blockSize, "at most blockSize tokens")
    guard !tokens.isEmpty else { return [] }
    var workspace: Workspace?
    let ws = runInference(tokens: tokens, rows: Array(tokens.indices), workspace: &workspace)
    return Array(UnsafeBufferPointer(start: ws.logits, count: tokens.count * vocabularySize))
  }

  private func logProbabilities(tokens: [Int], rows: [Int]) -> [[Float]] {
    guard !tokens.isEmpty else { return [] }
    var workspace: Workspace?
    let ws = runInference(tokens: tokens, rows: rows, workspace: &workspace)
    return rows.indices.map { m in
      let row = ws.logits + m * vocabularySize
      TransformerLayers.logSoftmax(row, count: vocabularySize)
      return Array(UnsafeBufferPointer(start: row, count: vocabularySize))
    }
  }

  private func runInference(tokens: [Int], rows: [Int], workspace: inout Workspace?)
    -> Workspace
  {
    for token in tokens {
      precondition(token >= 0 && token < vocabularySize, "token id \(token) out of range")
    }
    let ws = Workspace.ensure(
      &workspace, configuration, batch: 1, length: tokens.count, headRows: rows.count)
    for (t, token) in tokens.enumerated() { ws.tokens[t] = Int32(token) }
    for (m, row) in rows.enumerated() { ws.headRows[m] = Int32(row) }
    forward(
      ws, batch: 1, length: tokens.count, headRows: rows.count, workers: Workers(threads: 1))
    return ws
  }

  /// An independent copy of the parameters (no optimiser state: every `train` call starts a
  /// fresh optimiser anyway).
  public func copy() -> TransformerModel {
    let model = TransformerModel(uninitialised: configuration)
    model.weights.baseAddress!.update(from: weights.baseAddress!, count: layout.total)
    model.refreshHead()
    return model
  }

  /// Continuations with a key–value cache: prompts are decoded in lockstep, in chunks of up
  /// to 64 (fewer when that gives every thread a chunk), keeping every layer's q|k|v rows, so a step costs one row of work per
  /// prompt and the rows of a chunk share each matrix product. Chunks run in parallel;
  /// prompt `i` samples from stream `i`, so the output does not depend on `threads`. The
  /// results equal decoding with `logProbabilities(after:)` bit for bit.
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
