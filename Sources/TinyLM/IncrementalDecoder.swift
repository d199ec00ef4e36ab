/// Decodes one prompt at a time with a key–value cache: for each layer it keeps the q|k|v
/// rows of every position so far, so each new token costs one row of work.
///
/// Every step calls the same layer functions as `TransformerModel.forward` on a single row,
/// so its log-probabilities equal the batched forward pass bit for bit.
final class IncrementalDecoder {
  private let model: TransformerModel
  private let floats: UnsafeMutableBufferPointer<Float>
  private let caches: UnsafeMutablePointer<Float>  // (L, block_size, 3C)
  private let x, ln, atty, attproj, residual2: UnsafeMutablePointer<Float>  // (C)
  private let fch, fchGelu: UnsafeMutablePointer<Float>  // (4C)
  private let weights: UnsafeMutablePointer<Float>  // (block_size)
  private let statistics: UnsafeMutablePointer<Float>  // mean, rstd
  /// Log-probabilities of the next token after the last step.
  let logProbabilities: UnsafeMutablePointer<Float>  // (V)
  private let token = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
  private let single = Workers(threads: 1)

  init(model: TransformerModel) {
    self.model = model
    let configuration = model.configuration
    let channels = configuration.embeddingSize
    let cacheSize = configuration.layerCount * configuration.blockSize * 3 * channels
    floats = .allocate(
      capacity: cacheSize + 5 * channels + 8 * channels + configuration.blockSize + 2
        + configuration.vocabularySize)
    floats.initialize(repeating: 0)
    var cursor = floats.baseAddress!
    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
      defer { cursor += count }
      return cursor
    }
    caches = take(cacheSize)
    x = take(channels)
    ln = take(channels)
    atty = take(channels)
    attproj = take(channels)
    residual2 = take(channels)
    fch = take(4 * channels)
    fchGelu = take(4 * channels)
    weights = take(configuration.blockSize)
    statistics = take(2)
    logProbabilities = take(configuration.vocabularySize)
  }

  deinit {
    floats.deallocate()
    token.deallocate()
  }

  /// Feeds `tokenID` at `position`; with `head`, leaves the next-token log-probabilities in
  /// `logProbabilities`.
  func step(_ tokenID: Int, position: Int, head: Bool) {
    let configuration = model.configuration
    let channels = configuration.embeddingSize
    let hs = configuration.headSize
    let layout = model.layout
    let p = UnsafePointer(model.weights.baseAddress!)
    token.pointee = Int32(tokenID)
    TransformerLayers.encoderForward(
      x, tokens: token, wte: p + layout.wte, wpe: p + layout.wpe, rows: 1, sequenceLength: 1,
      positionOffset: position, channels: channels)
    for l in 0..<configuration.layerCount {
      let w = layout.layers[l]
      let cache = caches + l * configuration.blockSize * 3 * channels
      TransformerLayers.layerNormForward(
        ln, mean: statistics, rstd: statistics + 1, inp: x, weight: p + w.ln1Weight,
        bias: p + w.ln1Bias, rows: 1, channels: channels, workers: single)
      TransformerLayers.linearForward(
        cache + position * 3 * channels, inp: ln, weight: p + w.qkvWeight, bias: p + w.qkvBias,
        rows: 1, inputs: channels, outputs: 3 * channels, workers: single)
      for h in 0..<configuration.headCount {
        TransformerLayers.attendQuery(
          qkv: cache, t: position, head: h, headSize: hs, channels: channels, weights: weights,
          out: atty + h * hs)
      }
      TransformerLayers.linearForward(
        attproj, inp: atty, weight: p + w.attnProjWeight, bias: p + w.attnProjBias, rows: 1,
        inputs: channels, outputs: channels, workers: single)
      TransformerLayers.residualForward(residual2, x, attproj, count: channels, workers: single)
      TransformerLayers.layerNormForward(
        ln, mean: statistics, rstd: statistics + 1, inp: residual2, weight: p + w.ln2Weight,
        bias: p + w.ln2Bias, rows: 1, channels: channels, workers: single)
      TransformerLayers.linearForward(
        fch, inp: ln, weight: p + w.fcWeight, bias: p + w.fcBias, rows: 1, inputs: channels,
        outputs: 4 * channels, workers: single)
      TransformerLayers.geluForward(fchGelu, inp: fch, count: 4 * channels, workers: single)
      TransformerLayers.linearForward(
        attproj, inp: fchGelu, weight: p + w.mlpProjWeight, bias: p + w.mlpProjBias, rows: 1,
        inputs: 4 * channels, outputs: channels, workers: single)
      TransformerLayers.residualForward(x, residual2, attproj, count: channels, workers: single)
    }
    guard head else { return }
    TransformerLayers.layerNormForward(
      ln, mean: statistics, rstd: statistics + 1, inp: x, weight: p + layout.lnfWeight,
      bias: p + layout.lnfBias, rows: 1, channels: channels, workers: single)
    TransformerLayers.linearForward(
      logProbabilities, inp: ln, weight: model.headWeights.baseAddress!, bias: nil, rows: 1,
      inputs: channels, outputs: configuration.vocabularySize, workers: single)
    TransformerLayers.logSoftmax(logProbabilities, count: configuration.vocabularySize)
  }

  /// The new tokens after `prompt`, following the protocol's default decoding loop exactly.
  func continuation(of prompt: [Int], index: Int, options: GenerationOptions) -> [Int] {
    let vocab = model.vocabularySize
    let limit = model.configuration.blockSize
    for token in prompt {
      precondition(token >= 0 && token < vocab, "token id \(token) is outside the vocabulary")
    }
    guard options.maxNewTokens > 0, prompt.count < limit else { return [] }
    var random = SeededRandom(seed: options.seed, stream: UInt64(index))
    var distribution: [Float]
    if prompt.isEmpty {
      distribution = model.logProbabilities(after: [])
    } else {
      for (t, token) in prompt.enumerated() {
        step(token, position: t, head: t == prompt.count - 1)
      }
      distribution = Array(UnsafeBufferPointer(start: logProbabilities, count: vocab))
    }
    var length = prompt.count
    var output: [Int] = []
    while true {
      let next = Decoding.choose(
        from: distribution, temperature: options.temperature, random: &random)
      output.append(next)
      length += 1
      if next == options.stopToken || output.count >= options.maxNewTokens || length >= limit {
        break
      }
      step(next, position: length - 1, head: true)
      distribution = Array(UnsafeBufferPointer(start: logProbabilities, count: vocab))
    }
    return output
  }
}
