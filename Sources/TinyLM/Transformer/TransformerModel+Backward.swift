extension TransformerModel {
  /// The backward pass (llm.c's `gpt2_backward`): `forward` in reverse. Given ∂loss/∂logits
  /// in `workspace.activations.logits` (M, V), accumulates ∂loss/∂parameters into
  /// `gradients` (storage order), reading the activations `forward` saved.
  ///
  /// Residual connections make the gradient of the residual stream, `dResidual`, flow
  /// through each block unchanged: every branch (attention, MLP) adds its own share to it.
  func backward(
    _ workspace: Workspace, _ shape: BatchShape, gradients: UnsafeMutablePointer<Float>,
    workers: Workers
  ) {
    let parameters = flatParameters.baseAddress!
    let activations = workspace.activations
    let channels = configuration.embeddingSize
    let vocab = configuration.vocabularySize
    let scored = shape.scored
    let lastLayer = configuration.layerCount - 1
    // logits = ln_f(x) · wteᵀ: (M, V) = (M, C) · (C, V)
    Kernels.matmul(
      workspace.dLnf, activations.logits, parameters + layout.wte, bias: nil, rows: scored,
      inner: vocab, columns: channels, accumulate: false, workers: workers)
    Kernels.matmul(
      gradients + layout.wte, activations.logits, activations.lnf, bias: nil, rows: vocab,
      inner: scored, columns: channels, accumulate: true, transposedInput: true,
      workers: workers)
    workspace.dScoredResidual.update(repeating: 0, count: scored * channels)
    TransformerLayers.layerNormBackward(
      dinp: workspace.dScoredResidual, dweight: gradients + layout.lnfWeight,
      dbias: gradients + layout.lnfBias, dout: workspace.dLnf,
      inp: activations.blocks[lastLayer].afterMLP, weight: parameters + layout.lnfWeight,
      mean: activations.lnfMean, rstd: activations.lnfRstd, rows: scored, channels: channels,
      workers: workers)
    let scoredRows = ScoredRows(
      indices: workspace.scoredRows, count: scored, input: activations.scoredInput,
      attentionOutput: activations.scoredAttentionOutput)
    for layer in stride(from: lastLayer, through: 0, by: -1) {
      let input = layer == 0 ? activations.embeddings : activations.blocks[layer - 1].afterMLP
      blockBackward(
        layer, input: input, keptOnly: layer == lastLayer ? scoredRows : nil, workspace, shape,
        gradients: gradients, workers: workers)
    }
    // x = wte[token] + wpe[position]
    TransformerLayers.encoderBackward(
      dwte: gradients + layout.wte, dwpe: gradients + layout.wpe, dout: workspace.dResidual,
      tokens: workspace.tokens, positions: workspace.positions, rows: shape.rows,
      channels: channels)
  }

  /// `block` in reverse: given ∂loss/∂(the block's output) in `workspace.dResidual` (N, C),
  /// or for the last block (`scored`) in `workspace.dScoredResidual` (M, C), accumulates
  /// the block's parameter gradients and leaves ∂loss/∂(its input) in
  /// `workspace.dResidual`.
  func blockBackward(
    _ layer: Int, input: UnsafePointer<Float>, keptOnly scored: ScoredRows?,
    _ workspace: Workspace, _ shape: BatchShape, gradients: UnsafeMutablePointer<Float>,
    workers: Workers
  ) {
    let weights = layout.block(layer, in: flatParameters.baseAddress!)
    let weightGradients = layout.block(layer, in: gradients)
    let activations = workspace.activations.blocks[layer]
    let channels = configuration.embeddingSize
    let rows = shape.rows
    // Past attention the last block ran on the scored rows: its gradients stay (M, C) until
    // `scatterScoredRows`.
    let keptRows = scored?.count ?? rows
    let dx = scored == nil ? workspace.dResidual : workspace.dScoredResidual
    let dAttentionOutput =
      scored == nil ? workspace.dAttentionOutput : workspace.dScoredAttentionOutput
    let attentionOutput = scored?.attentionOutput ?? activations.attentionOutput
    // x = x + mlp(ln_2(x))
    TransformerLayers.linearBackward(
      dinp: workspace.dMLPActivation, dweight: weightGradients.mlpProjWeight,
      dbias: weightGradients.mlpProjBias, dout: dx, inp: activations.mlpActivation,
      weight: weights.mlpProjWeight, rows: keptRows, inputs: 4 * channels, outputs: channels,
      scratch: workspace.scratch, workers: workers)
    TransformerLayers.geluBackward(
      dinp: workspace.dMLPHidden, inp: activations.mlpHidden, tanh: activations.geluTanh,
      dout: workspace.dMLPActivation, count: keptRows * 4 * channels, workers: workers)
    TransformerLayers.linearBackward(
      dinp: workspace.dNormalized, dweight: weightGradients.fcWeight,
      dbias: weightGradients.fcBias, dout: workspace.dMLPHidden, inp: activations.ln2,
      weight: weights.fcWeight, rows: keptRows, inputs: channels, outputs: 4 * channels,
      scratch: workspace.scratch, workers: workers)
    TransformerLayers.layerNormBackward(
      dinp: dx, dweight: weightGradients.ln2Weight, dbias: weightGradients.ln2Bias,
      dout: workspace.dNormalized, inp: activations.afterAttention, weight: weights.ln2Weight,
      mean: activations.ln2Mean, rstd: activations.ln2Rstd, rows: keptRows, channels: channels,
      workers: workers)
    // x = x + attn(ln_1(x))
    TransformerLayers.linearBackward(
      dinp: dAttentionOutput, dweight: weightGradients.attnProjWeight,
      dbias: weightGradients.attnProjBias, dout: dx, inp: attentionOutput,
      weight: weights.attnProjWeight, rows: keptRows, inputs: channels, outputs: channels,
      scratch: workspace.scratch, workers: workers)
    if let scored { scatterScoredRows(scored, workspace, rows: rows) }
    TransformerLayers.attentionBackward(
      dqkv: workspace.dQKV, dout: workspace.dAttentionOutput, qkv: activations.qkv,
      att: activations.attentionWeights, starts: workspace.starts, sequences: shape.sequences,
      channels: channels, heads: configuration.headCount, workers: workers)
    TransformerLayers.linearBackward(
      dinp: workspace.dNormalized, dweight: weightGradients.qkvWeight,
      dbias: weightGradients.qkvBias, dout: workspace.dQKV, inp: activations.ln1,
      weight: weights.qkvWeight, rows: rows, inputs: channels, outputs: 3 * channels,
      scratch: workspace.scratch, workers: workers)
    TransformerLayers.layerNormBackward(
      dinp: workspace.dResidual, dweight: weightGradients.ln1Weight,
      dbias: weightGradients.ln1Bias, dout: workspace.dNormalized, inp: input,
      weight: weights.ln1Weight, mean: activations.ln1Mean, rstd: activations.ln1Rstd,
      rows: rows, channels: channels, workers: workers)
  }

  /// `gatherScoredRows` in reverse: the last block's gradients at the scored rows (M, C) go
  /// back to their places among the N rows of `dResidual` and `dAttentionOutput`; the
  /// other rows, which fed nothing past attention, get 0.
  func scatterScoredRows(_ scored: ScoredRows, _ workspace: Workspace, rows: Int) {
    let channels = configuration.embeddingSize
    workspace.dResidual.update(repeating: 0, count: rows * channels)
    workspace.dAttentionOutput.update(repeating: 0, count: rows * channels)
    for m in 0..<scored.count {
      let row = Int(scored.indices[m]) * channels
      (workspace.dResidual + row).update(
        from: workspace.dScoredResidual + m * channels, count: channels)
      (workspace.dAttentionOutput + row).update(
        from: workspace.dScoredAttentionOutput + m * channels, count: channels)
    }
  }
}
