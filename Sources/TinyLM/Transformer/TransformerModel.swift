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

  /// Runs the model on the packed sequences in `ws` (`ws.tokens`, `ws.positions`,
  /// `ws.starts`) and leaves the logits of the rows listed in `ws.headRows` in `ws.logits`
  /// (M, V).
  func forward(_ ws: Workspace, _ shape: BatchShape, workers: Workers) {
    let channels = configuration.embeddingSize
    let heads = configuration.headCount
    let vocab = configuration.vocabularySize
    let rows = shape.rows
    let scored = shape.scored
    let p = UnsafePointer(weights.baseAddress!)
    TransformerLayers.encoderForward(
      ws.encoded, tokens: ws.tokens, positions: ws.positions, wte: p + layout.wte,
      wpe: p + layout.wpe, rows: rows, channels: channels)
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
        a.atty, att: a.att, qkv: a.qkv, starts: ws.starts, sequences: shape.sequences,
        channels: channels, heads: heads, workers: workers)
      // The last block's rows feed only the head: past attention, it runs on the M scored
      // rows alone (gathered in head-row order).
      var r = rows
      var atty = UnsafePointer(a.atty)
      if l == configuration.layerCount - 1 {
        for m in 0..<scored {
          let row = Int(ws.headRows[m]) * channels
          (ws.attyScored + m * channels).update(from: a.atty + row, count: channels)
          (ws.residualScored + m * channels).update(from: residual + row, count: channels)
        }
        r = scored
        atty = UnsafePointer(ws.attyScored)
        residual = UnsafePointer(ws.residualScored)
      }
      TransformerLayers.linearForward(
        a.attproj, inp: atty, weight: p + w.attnProjWeight, bias: p + w.attnProjBias,
        rows: r, inputs: channels, outputs: channels, workers: workers)
      TransformerLayers.residualForward(
        a.residual2, residual, a.attproj, count: r * channels, workers: workers)
      TransformerLayers.layerNormForward(
        a.ln2, mean: a.ln2Mean, rstd: a.ln2Rstd, inp: a.residual2, weight: p + w.ln2Weight,
        bias: p + w.ln2Bias, rows: r, channels: channels, workers: workers)
      TransformerLayers.linearForward(
        a.fch, inp: a.ln2, weight: p + w.fcWeight, bias: p + w.fcBias, rows: r, inputs: channels,
        outputs: 4 * channels, workers: workers)
      TransformerLayers.geluForward(
        a.fchGelu, inp: a.fch, tanh: a.fchTanh, count: r * 4 * channels, workers: workers)
      TransformerLayers.linearForward(
        a.fcproj, inp: a.fchGelu, weight: p + w.mlpProjWeight, bias: p + w.mlpProjBias,
        rows: r, inputs: 4 * channels, outputs: channels, workers: workers)
      TransformerLayers.residualForward(
        a.residual3, a.residual2, a.fcproj, count: r * channels, workers: workers)
      residual = UnsafePointer(a.residual3)
    }
    // The last block's output rows are the scored rows, in order: ln_f and the head.
    ws.headResidual.update(from: residual, count: scored * channels)
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
    _ ws: Workspace, _ shape: BatchShape, gradients g: UnsafeMutablePointer<Float>,
    workers: Workers
  ) {
    let channels = configuration.embeddingSize
    let heads = configuration.headCount
    let vocab = configuration.vocabularySize
    let rows = shape.rows
    let scored = shape.scored
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
    for l in stride(from: configuration.layerCount - 1, through: 0, by: -1) {
      let w = layout.layers[l]
      let a = ws.layers[l]
      let residual = l == 0 ? ws.encoded : ws.layers[l - 1].residual3
      // The last block ran on the M scored rows past attention (see `forward`): its
      // gradients flow in (M, C) buffers until they are scattered back to the N rows.
      let last = l == configuration.layerCount - 1
      let r = last ? scored : rows
      let dresidual = last ? ws.dheadResidual : ws.dresidual
      let datty = last ? ws.dlnf : ws.datty
      // x = x + mlp(ln_2(x))
      TransformerLayers.linearBackward(
        dinp: ws.dfchGelu, dweight: g + w.mlpProjWeight, dbias: g + w.mlpProjBias,
        dout: dresidual, inp: a.fchGelu, weight: p + w.mlpProjWeight, rows: r,
        inputs: 4 * channels, outputs: channels, scratch: ws.scratch, workers: workers)
      TransformerLayers.geluBackward(
        dinp: ws.dfch, inp: a.fch, tanh: a.fchTanh, dout: ws.dfchGelu, count: r * 4 * channels,
        workers: workers)
      TransformerLayers.linearBackward(
        dinp: ws.dln, dweight: g + w.fcWeight, dbias: g + w.fcBias, dout: ws.dfch,
        inp: a.ln2, weight: p + w.fcWeight, rows: r, inputs: channels, outputs: 4 * channels,
        scratch: ws.scratch, workers: workers)
      TransformerLayers.layerNormBackward(
        dinp: dresidual, dweight: g + w.ln2Weight, dbias: g + w.ln2Bias, dout: ws.dln,
        inp: a.residual2, weight: p + w.ln2Weight, mean: a.ln2Mean, rstd: a.ln2Rstd, rows: r,
        channels: channels, workers: workers)
      // x = x + attn(ln_1(x))
      TransformerLayers.linearBackward(
        dinp: datty, dweight: g + w.attnProjWeight, dbias: g + w.attnProjBias,
        dout: dresidual, inp: last ? ws.attyScored : a.atty, weight: p + w.attnProjWeight,
        rows: r, inputs: channels, outputs: channels, scratch: ws.scratch, workers: workers)
      if last {
        ws.dresidual.update(repeating: 0, count: rows * channels)
        ws.datty.update(repeating: 0, count: rows * channels)
        for m in 0..<scored {
          let row = Int(ws.headRows[m]) * channels
          (ws.dresidual + row).update(from: ws.dheadResidual + m * channels, count: channels)
          (ws.datty + row).update(from: ws.dlnf + m * channels, count: channels)
        }
      }
      TransformerLayers.attentionBackward(
        dqkv: ws.dqkv, dout: ws.datty, qkv: a.qkv, att: a.att, starts: ws.starts,
        sequences: shape.sequences, channels: channels, heads: heads, workers: workers)
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
      positions: ws.positions, rows: rows, channels: channels)
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
    let ws = Workspace.ensure(&workspace, configuration, shape.capacity)
    for (t, token) in tokens.enumerated() {
      ws.tokens[t] = Int32(token)
      ws.positions[t] = Int32(t)
    }
    ws.starts[0] = 0
    ws.starts[1] = Int32(tokens.count)
    for (m, row) in rows.enumerated() { ws.headRows[m] = Int32(row) }
    forward(ws, shape, workers: Workers(threads: 1))
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
