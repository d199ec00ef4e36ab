import Foundation

/// The decoder's key–value cache: for every prompt slot and block, the q|k|v rows of the
/// positions fed so far; and, for this step, each row's slot and position.
struct KeyValueCache {
  let storage: UnsafeMutablePointer<Float>  // (R, L, block_size, 3C)
  let slots: UnsafePointer<Int32>  // (rows) each row's prompt slot
  let positions: UnsafePointer<Int32>  // (rows) each row's position in its prompt
  let configuration: TransformerConfiguration

  /// Stores each row's q|k|v (rows, 3C) of block `layer` in its slot at its position, then
  /// attends its query to the slot's rows 0…position, writing `output` (rows, C); `weights`
  /// (block_size) holds one query's softmax weights at a time.
  func attend(
    layer: Int, qkv: UnsafePointer<Float>, rows: Int, weights: UnsafeMutablePointer<Float>,
    output: UnsafeMutablePointer<Float>
  ) {
    let channels = configuration.embeddingSize
    let headSize = configuration.headSize
    let rowWidth = 3 * channels
    let blockStride = configuration.blockSize * rowWidth
    for r in 0..<rows {
      let slot = Int(slots[r])
      let position = Int(positions[r])
      let cache = storage + (slot * configuration.layerCount + layer) * blockStride  // (T, 3C)
      (cache + position * rowWidth).update(from: qkv + r * rowWidth, count: rowWidth)
      for head in 0..<configuration.headCount {
        TransformerLayers.attendQuery(
          qkv: cache, t: position, head: head, headSize: headSize, channels: channels,
          weights: weights, out: output + r * channels + head * headSize)
      }
    }
  }
}

/// Decodes a batch of prompts in lockstep with a key–value cache (every prompt's q|k|v rows
/// of every block so far), so each step costs one row per prompt and the active prompts'
/// rows go through every matrix product together. Each step runs the model's own `forward`
/// with the cache as its attention, so the log-probabilities equal the batched forward
/// pass bit for bit.
final class IncrementalDecoder {
  /// Prompts decoded together.
  let capacity: Int
  private let model: TransformerModel
  private let floats: UnsafeMutableBufferPointer<Float>
  private let integers: UnsafeMutableBufferPointer<Int32>
  private let cache: UnsafeMutablePointer<Float>  // (R, L, block_size, 3C)
  // This step's rows: one per active prompt.
  private let tokens, positions, slots: UnsafeMutablePointer<Int32>  // (R)
  private let scoredRows: UnsafeMutablePointer<Int32>  // (M) the rows that choose a token
  /// The forward pass's buffers, R rows. Decoding runs no backward pass, so every block
  /// writes the same set: a block reads its input (the previous block's `afterMLP`) before
  /// it overwrites it, and ln_1 and ln_2, like the two projections, share a buffer because
  /// each is dead before the other is written.
  private let activations: Activations
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
      capacity: cacheSize + rows * (20 * channels + 4 + configuration.vocabularySize)
        + configuration.blockSize)
    floats.initialize(repeating: 0)
    integers = .allocate(capacity: 4 * rows)
    integers.initialize(repeating: 0)
    var cursor = floats.baseAddress!
    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
      defer { cursor += count }
      return cursor
    }
    cache = take(cacheSize)
    tokens = integers.baseAddress!
    positions = tokens + rows
    slots = positions + rows
    scoredRows = slots + rows
    let normalized = take(rows * channels)
    let mean = take(rows)
    let rstd = take(rows)
    let projection = take(rows * channels)
    let block = BlockActivations(
      ln1: normalized, ln1Mean: mean, ln1Rstd: rstd, qkv: take(rows * 3 * channels),
      attentionWeights: take(configuration.blockSize), attentionOutput: take(rows * channels),
      attentionProjection: projection, afterAttention: take(rows * channels), ln2: normalized,
      ln2Mean: mean, ln2Rstd: rstd, mlpHidden: take(rows * 4 * channels),
      mlpActivation: take(rows * 4 * channels), geluTanh: nil, mlpProjection: projection,
      afterMLP: take(rows * channels))
    activations = Activations(
      embeddings: take(rows * channels),
      blocks: Array(repeating: block, count: configuration.layerCount),
      scoredInput: take(rows * channels), scoredAttentionOutput: take(rows * channels),
      lnf: take(rows * channels), lnfMean: take(rows), lnfRstd: take(rows),
      logits: take(rows * configuration.vocabularySize))
    precondition(cursor == floats.baseAddress! + floats.count, "decoder layout mismatch")
  }

  deinit {
    floats.deallocate()
    integers.deallocate()
  }

  /// Feeds row r the token `tokens[r]` at `positions[r]` of cache slot `slots[r]`, then
  /// leaves the next-token log-probabilities of the rows listed in `choosingRows` in
  /// `activations.logits` (row m for `choosingRows[m]`).
  private func step(tokens: [Int], positions: [Int], slots: [Int], choosingRows: [Int]) {
    for r in tokens.indices {
      self.tokens[r] = Int32(tokens[r])
      self.positions[r] = Int32(positions[r])
      self.slots[r] = Int32(slots[r])
    }
    for (m, r) in choosingRows.enumerated() { scoredRows[m] = Int32(r) }
    let cache = KeyValueCache(
      storage: cache, slots: self.slots, positions: self.positions,
      configuration: model.configuration)
    model.forward(
      tokens: self.tokens, positions: self.positions, rows: tokens.count,
      attention: .keyValueCache(cache), scoredRows: scoredRows, scoredCount: choosingRows.count,
      into: activations, workers: single)
    let vocab = model.vocabularySize
    for m in choosingRows.indices {
      TransformerLayers.logSoftmax(activations.logits + m * vocab, count: vocab)
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
      var choosingRows: [Int] = []
      for (s, slot) in slots.enumerated() where !slot.done {
        if slot.fed == slot.sequence.count - 1 { choosingRows.append(active.count) }
        tokens.append(slot.sequence[slot.fed])
        positions.append(slot.fed)
        active.append(s)
      }
      guard !active.isEmpty else { break }
      step(tokens: tokens, positions: positions, slots: active, choosingRows: choosingRows)
      for r in active { slots[r].fed += 1 }
      for (m, r) in choosingRows.enumerated() {
        let row = UnsafeBufferPointer(start: activations.logits + m * vocab, count: vocab)
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
