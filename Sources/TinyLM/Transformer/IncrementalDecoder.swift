import Foundation

/// Decodes a batch of prompts in lockstep with a key–value cache: for each prompt and layer
/// it keeps the q|k|v rows of every position so far, so each step costs one row of work per
/// prompt, and the rows of all active prompts go through every matrix product together.
///
/// Step s feeds each active prompt its next token (a prompt token, or the token it chose
/// last) at its own position. The layer functions compute every row on its own, with the
/// same operations in the same order whatever the number of rows, so the log-probabilities
/// equal the batched forward pass (and one-prompt decoding) bit for bit.
final class IncrementalDecoder {
  /// Prompts decoded together.
  let capacity: Int
  private let model: TransformerModel
  private let floats: UnsafeMutableBufferPointer<Float>
  private let caches: UnsafeMutablePointer<Float>  // (R, L, block_size, 3C)
  private let x, ln, atty, attproj, residual2: UnsafeMutablePointer<Float>  // (R, C)
  private let qkv: UnsafeMutablePointer<Float>  // (R, 3C)
  private let fch, fchGelu: UnsafeMutablePointer<Float>  // (R, 4C)
  private let mean, rstd: UnsafeMutablePointer<Float>  // (R)
  private let weights: UnsafeMutablePointer<Float>  // (block_size)
  private let logits: UnsafeMutablePointer<Float>  // (R, V)
  private let single = Workers(threads: 1)

  /// One prompt's progress.
  private struct Slot {
    var index: Int  // the prompt's index (its sampling stream)
    var sequence: [Int]  // prompt, then the chosen tokens
    var promptCount: Int
    var fed = 0  // tokens already in the cache
    var random: SeededRandom
    var done = false
    var output: [Int] { Array(sequence[promptCount...]) }
  }

  init(model: TransformerModel, capacity: Int) {
    self.model = model
    self.capacity = max(1, capacity)
    let configuration = model.configuration
    let channels = configuration.embeddingSize
    let rows = self.capacity
    let cacheSize = rows * configuration.layerCount * configuration.blockSize * 3 * channels
    floats = .allocate(
      capacity: cacheSize + rows * (16 * channels + 2 + configuration.vocabularySize)
        + configuration.blockSize)
    floats.initialize(repeating: 0)
    var cursor = floats.baseAddress!
    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
      defer { cursor += count }
      return cursor
    }
    caches = take(cacheSize)
    x = take(rows * channels)
    ln = take(rows * channels)
    atty = take(rows * channels)
    attproj = take(rows * channels)
    residual2 = take(rows * channels)
    qkv = take(rows * 3 * channels)
    fch = take(rows * 4 * channels)
    fchGelu = take(rows * 4 * channels)
    mean = take(rows)
    rstd = take(rows)
    weights = take(configuration.blockSize)
    logits = take(rows * configuration.vocabularySize)
  }

  deinit { floats.deallocate() }

  /// Feeds row r the token `tokens[r]` at `positions[r]` of cache slot `slots[r]`, then
  /// leaves the next-token log-probabilities of the rows listed in `headRows` in `logits`
  /// (row m of `logits` for `headRows[m]`).
  private func step(tokens: [Int], positions: [Int], slots: [Int], headRows: [Int]) {
    let configuration = model.configuration
    let channels = configuration.embeddingSize
    let hs = configuration.headSize
    let layout = model.layout
    let rows = tokens.count
    let cacheStride = configuration.layerCount * configuration.blockSize * 3 * channels
    let p = UnsafePointer(model.weights.baseAddress!)
    for r in 0..<rows {
      let e = p + layout.wte + tokens[r] * channels
      let position = p + layout.wpe + positions[r] * channels
      let o = x + r * channels
      for c in 0..<channels { o[c] = e[c] + position[c] }
    }
    for l in 0..<configuration.layerCount {
      let w = layout.layers[l]
      TransformerLayers.layerNormForward(
        ln, mean: mean, rstd: rstd, inp: x, weight: p + w.ln1Weight, bias: p + w.ln1Bias,
        rows: rows, channels: channels, workers: single)
      TransformerLayers.linearForward(
        qkv, inp: ln, weight: p + w.qkvWeight, bias: p + w.qkvBias, rows: rows,
        inputs: channels, outputs: 3 * channels, workers: single)
      for r in 0..<rows {
        let cache = caches + slots[r] * cacheStride + l * configuration.blockSize * 3 * channels
        (cache + positions[r] * 3 * channels).update(
          from: qkv + r * 3 * channels, count: 3 * channels)
        for h in 0..<configuration.headCount {
          TransformerLayers.attendQuery(
            qkv: cache, t: positions[r], head: h, headSize: hs, channels: channels,
            weights: weights, out: atty + r * channels + h * hs)
        }
      }
      TransformerLayers.linearForward(
        attproj, inp: atty, weight: p + w.attnProjWeight, bias: p + w.attnProjBias, rows: rows,
        inputs: channels, outputs: channels, workers: single)
      TransformerLayers.residualForward(
        residual2, x, attproj, count: rows * channels, workers: single)
      TransformerLayers.layerNormForward(
        ln, mean: mean, rstd: rstd, inp: residual2, weight: p + w.ln2Weight, bias: p + w.ln2Bias,
        rows: rows, channels: channels, workers: single)
      TransformerLayers.linearForward(
        fch, inp: ln, weight: p + w.fcWeight, bias: p + w.fcBias, rows: rows, inputs: channels,
        outputs: 4 * channels, workers: single)
      TransformerLayers.geluForward(fchGelu, inp: fch, count: rows * 4 * channels, workers: single)
      TransformerLayers.linearForward(
        attproj, inp: fchGelu, weight: p + w.mlpProjWeight, bias: p + w.mlpProjBias, rows: rows,
        inputs: 4 * channels, outputs: channels, workers: single)
      TransformerLayers.residualForward(
        x, residual2, attproj, count: rows * channels, workers: single)
    }
    guard !headRows.isEmpty else { return }
    // Only the rows that choose a token go through ln_f and the head.
    for (m, r) in headRows.enumerated() {
      (residual2 + m * channels).update(from: x + r * channels, count: channels)
    }
    TransformerLayers.layerNormForward(
      ln, mean: mean, rstd: rstd, inp: residual2, weight: p + layout.lnfWeight,
      bias: p + layout.lnfBias, rows: headRows.count, channels: channels, workers: single)
    TransformerLayers.linearForward(
      logits, inp: ln, weight: model.headWeights.baseAddress!, bias: nil, rows: headRows.count,
      inputs: channels, outputs: configuration.vocabularySize, workers: single)
    for m in headRows.indices {
      TransformerLayers.logSoftmax(
        logits + m * configuration.vocabularySize, count: configuration.vocabularySize)
    }
  }

  /// The new tokens after each prompt (at most `capacity` of them; `indices[i]` is prompt
  /// i's sampling stream), following the protocol's default decoding loop exactly.
  func continuations(of prompts: [[Int]], indices: Range<Int>, options: GenerationOptions)
    -> [[Int]]
  {
    precondition(prompts.count <= capacity, "more prompts than the decoder holds")
    let vocab = model.vocabularySize
    let limit = model.configuration.blockSize
    var slots: [Slot] = []
    for (prompt, index) in zip(prompts, indices) {
      for token in prompt {
        precondition(token >= 0 && token < vocab, "token id \(token) is outside the vocabulary")
      }
      var slot = Slot(
        index: index, sequence: prompt, promptCount: prompt.count,
        random: SeededRandom(seed: options.seed, stream: UInt64(index)))
      if options.maxNewTokens <= 0 || prompt.count >= limit {
        slot.done = true
      } else if prompt.isEmpty {
        let uniform = [Float](repeating: -Foundation.log(Float(vocab)), count: vocab)
        choose(from: uniform, for: &slot, options: options)
      }
      slots.append(slot)
    }
    while true {
      var tokens: [Int] = []
      var positions: [Int] = []
      var active: [Int] = []
      var headRows: [Int] = []
      for (s, slot) in slots.enumerated() where !slot.done {
        if slot.fed == slot.sequence.count - 1 { headRows.append(active.count) }
        tokens.append(slot.sequence[slot.fed])
        positions.append(slot.fed)
        active.append(s)
      }
      guard !active.isEmpty else { break }
      step(tokens: tokens, positions: positions, slots: active, headRows: headRows)
      for r in active { slots[r].fed += 1 }
      for (m, r) in headRows.enumerated() {
        let row = UnsafeBufferPointer(start: logits + m * vocab, count: vocab)
        if options.temperature <= 0 {
          // Decoding.argmax without copying the row.
          var best = 0
          for id in 1..<vocab where row[id] > row[best] { best = id }
          append(best, to: &slots[active[r]], options: options)
        } else {
          choose(from: Array(row), for: &slots[active[r]], options: options)
        }
      }
    }
    return slots.map(\.output)
  }

  private func choose(from distribution: [Float], for slot: inout Slot, options: GenerationOptions)
  {
    let next = Decoding.choose(
      from: distribution, temperature: options.temperature, random: &slot.random)
    append(next, to: &slot, options: options)
  }

  private func append(_ next: Int, to slot: inout Slot, options: GenerationOptions) {
    slot.sequence.append(next)
    if next == options.stopToken || slot.sequence.count - slot.promptCount >= options.maxNewTokens
      || slot.sequence.count >= model.configuration.blockSize
    {
      slot.done = true
    }
  }
}
