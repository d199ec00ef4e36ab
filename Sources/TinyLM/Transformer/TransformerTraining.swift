import Foundation

extension TransformerModel {
  // MARK: Batches

  /// Packs sequences into `workspace` back to back (sequence b's input is its tokens but the
  /// last, rows `starts[b]..<starts[b + 1]`) and lists the trained positions as scored rows,
  /// with their reference log-probabilities and β when `objective` is constrained.
  func load(
    _ batch: [TrainingSequence], into workspace: inout Workspace?,
    objective: TrainingObjective = .crossEntropy
  ) -> BatchShape {
    var shape = BatchShape(sequences: batch.count, rows: 0, scored: 0, attention: 0)
    for sequence in batch {
      let length = max(0, sequence.tokens.count - 1)
      shape.rows += length
      shape.attention += configuration.headCount * length * length
      for i in sequence.lossMask.indices.dropFirst() where sequence.lossMask[i] {
        shape.scored += 1
      }
    }
    let loaded = Workspace.ensure(&workspace, configuration, shape.capacity)
    var n = 0
    var m = 0
    for (b, sequence) in batch.enumerated() {
      loaded.starts[b] = Int32(n)
      var trained = 0
      for i in sequence.tokens.indices.dropLast() {
        loaded.tokens[n + i] = Int32(sequence.tokens[i])
        loaded.positions[n + i] = Int32(i)
      }
      for i in sequence.tokens.indices.dropFirst() where sequence.lossMask[i] {
        loaded.scoredRows[m] = Int32(n + i - 1)
        loaded.targets[m] = Int32(sequence.tokens[i])
        if case .tokenwiseConstrained = objective {
          loaded.betas[m] = Float(objective.beta(atTrainedToken: trained))
          loaded.referenceLogProbabilities[m] = sequence.referenceLogProbabilities?[i] ?? 0
        }
        trained += 1
        m += 1
      }
      n += max(0, sequence.tokens.count - 1)
    }
    loaded.starts[batch.count] = Int32(n)
    return shape
  }

  /// Why `sequence` cannot be trained on under `objective`, or `nil`.
  func problem(with sequence: TrainingSequence, objective: TrainingObjective) -> String? {
    let limit = configuration.blockSize + 1
    if sequence.tokens.count > limit {
      return "a sequence has \(sequence.tokens.count) tokens; block size \(limit - 1) "
        + "allows at most \(limit)"
    }
    if let bad = sequence.tokens.first(where: { $0 < 0 || $0 >= vocabularySize }) {
      return "token id \(bad) is outside the vocabulary (0..<\(vocabularySize))"
    }
    return objective.problem(with: sequence)
  }

  // MARK: Training

  /// Trains in place with a fresh optimiser state (AdamW or SGD per `options`); the
  /// learning-rate schedule (warm-up, cosine decay) spans this call.
  ///
  /// Batches of `options.batchSize` shuffled sequences are packed back to back (no padding;
  /// attention never crosses sequences). A sequence may hold up to `blockSize + 1` tokens:
  /// the model reads the first `blockSize` to predict the last. Steps = min(`maxSteps`,
  /// epochs·⌈n/B⌉). The loss is `options.objective` (mean over trained tokens); the
  /// constrained objective needs every sequence's `referenceLogProbabilities`.
  public func train(
    on sequences: [TrainingSequence], options: TrainingOptions, threads: Int,
    random: inout SeededRandom, progress: TrainingProgress?
  ) throws(TrainingError) -> TrainingSummary {
    try train(
      on: sequences, options: options, threads: threads, random: &random, progress: progress,
      afterStep: nil)
  }

  /// `train`, calling `afterStep(step, loss)` after every optimiser step (1-based; the
  /// loss of that step's batch), on the calling thread.
  package func train(
    on sequences: [TrainingSequence], options: TrainingOptions, threads: Int,
    random: inout SeededRandom, progress: TrainingProgress?,
    afterStep: ((Int, Double) -> Void)?
  ) throws(TrainingError) -> TrainingSummary {
    guard residualEdit == nil else {
      throw .invalidSequence("the model carries a residual edit; train the unedited model")
    }
    for sequence in sequences {
      if let problem = problem(with: sequence, objective: options.objective) {
        throw .invalidSequence(problem)
      }
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
    // Sized once for the longest sequences, so that no step reallocates.
    let longest = max(1, (sequences.map(\.tokens.count).max() ?? 1) - 1)
    let shards = ShardedBatch(
      configuration: configuration, parameters: layout.total,
      shards: TransformerModel.shardCount(rows: batchSize * longest),
      capacity: .init(
        rows: batchSize * longest,
        attention: batchSize * configuration.headCount * longest * longest,
        scoredRows: batchSize * longest, sequences: batchSize))
    var order = Array(sequences.indices)
    var cursor = order.count
    var summary = TrainingSummary(steps: 0, trainedTokens: 0)
    summary.losses.reserveCapacity(totalSteps)
    let reportEvery = max(1, (totalSteps + 49) / 50)
    for step in 0..<totalSteps {
      if cursor >= order.count {
        random.shuffle(&order)
        cursor = 0
      }
      let end = min(order.count, cursor + batchSize)
      let batch = order[cursor..<end].map { sequences[$0] }
      cursor = end
      summary.steps = step + 1
      guard
        let result = lossAndGradient(
          batch, shards: shards, objective: options.objective, gradients: gradients,
          workers: workers)
      else { continue }
      guard result.loss.isFinite else { throw .nonFiniteLoss(step: summary.steps) }
      optimizer.update(
        parameters: flatParameters, gradients: gradients, step: summary.steps - 1, workers: workers)
      refreshHead()
      summary.trainedTokens += result.scored
      if summary.firstLoss == nil { summary.firstLoss = result.loss }
      summary.lastLoss = result.loss
      summary.losses.append(result.loss)
      if let progress, summary.steps % reportEvery == 0 || summary.steps == totalSteps {
        progress(summary.steps, totalSteps, result.loss)
      }
      afterStep?(summary.steps, result.loss)
    }
    return summary
  }

  /// The loss under `objective` and its gradient (in storage order) on one batch, cut into
  /// `shards` shards of whole sequences as training cuts large batches; for gradient checks.
  package func lossAndGradients(
    on batch: [TrainingSequence], objective: TrainingObjective = .crossEntropy, threads: Int = 1,
    shards: Int = 1
  ) -> (loss: Double, gradients: [Float]) {
    let sharded = ShardedBatch(
      configuration: configuration, parameters: layout.total, shards: shards,
      capacity: .init(rows: 1, attention: 1, scoredRows: 1, sequences: max(1, batch.count)))
    var gradients = [Float](repeating: 0, count: layout.total)
    let result = gradients.withUnsafeMutableBufferPointer {
      lossAndGradient(
        batch, shards: sharded, objective: objective, gradients: $0,
        workers: Workers(threads: threads))
    }
    return (result?.loss ?? 0, gradients)
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
      let shape = load(batch, into: &workspace)
      guard shape.scored > 0, let loaded = workspace else { continue }
      _ = forwardLoss(loaded, shape, workers: Workers(threads: threads))
      for m in 0..<shape.scored { total += Double(loaded.losses[m]) }
      count += shape.scored
    }
    return count == 0 ? 0 : total / Double(count)
  }

  /// log π(tokens[i] | tokens[<i]) for every i ≥ 1 (entry 0 is 0), from one forward pass
  /// of the loss over the inputs (at most `blockSize + 1` tokens).
  public func tokenLogProbabilities(of tokens: [Int]) -> [Float] {
    var result = [Float](repeating: 0, count: tokens.count)
    guard tokens.count >= 2 else { return result }
    precondition(tokens.count <= configuration.blockSize + 1, "at most blockSize + 1 tokens")
    let sequence = TrainingSequence(tokens: tokens, trainedFrom: 1)
    var workspace: Workspace?
    let shape = load([sequence], into: &workspace)
    guard let loaded = workspace else { return result }
    _ = forwardLoss(loaded, shape, workers: Workers(threads: 1))
    for m in 0..<shape.scored { result[m + 1] = -loaded.losses[m] }
    return result
  }
}
