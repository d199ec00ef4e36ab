import Foundation

extension NGramModel {
  /// Count training under the token-wise constrained objective, the n-gram's analogue of the
  /// transformer's weighted gradient.
  ///
  /// Training becomes epoch-wise: before each epoch adds its counts, every trained token's
  /// weight 2·(1 − σ(β_t·(log π − log π_ref))) is computed from the current model's
  /// probability π and the sequence's reference log-probability, then the epoch adds
  /// `learningRate × weight` per occurrence instead of `learningRate`. Where the model has
  /// not moved from the reference the weight is 1, as plain training; as the counts pull π
  /// above π_ref the weight shrinks, fastest where β is large. (Cross-entropy training stays
  /// one pass adding `learningRate × epochs`.) Reports the objective's mean value per epoch
  /// (nats per trained token) before that epoch's counts.
  func trainConstrained(
    on sequences: [TrainingSequence], options: TrainingOptions, progress: TrainingProgress?
  ) throws(TrainingError) -> TrainingSummary {
    guard options.learningRate.isFinite, options.learningRate >= 0 else {
      throw .nonFiniteLoss(step: 1)
    }
    for sequence in sequences {
      for token in sequence.tokens where token < 0 || token >= vocabularySize {
        throw .invalidSequence("token id \(token) is outside the vocabulary")
      }
      if let problem = options.objective.problem(with: sequence) {
        throw .invalidSequence(problem)
      }
    }
    var summary = TrainingSummary(steps: 0, trainedTokens: 0)
    for epoch in 0..<max(0, options.epochs) {
      // (sequence, position, weight) of every trained token, from the model before this epoch.
      var additions: [(sequence: Int, position: Int, weight: Double)] = []
      var objective = 0.0
      for (s, sequence) in sequences.enumerated() {
        let reference = sequence.referenceLogProbabilities ?? []
        var trained = 0
        for position in sequence.tokens.indices where sequence.lossMask[position] {
          let beta = options.objective.beta(atTrainedToken: trained)
          let probability = probability(
            of: sequence.tokens[position], after: Array(sequence.tokens[..<position]))
          let logProbability = Foundation.log(max(probability, .leastNormalMagnitude))
          let z = beta * (logProbability - Double(reference[position]))
          objective += 2 / beta * (max(-z, 0) + Foundation.log1p(Foundation.exp(-abs(z))))
          additions.append(
            (
              s, position,
              TrainingObjective.weight(
                beta: beta, logProbability: logProbability,
                reference: Double(reference[position]))
            ))
          trained += 1
        }
      }
      for addition in additions {
        add(
          options.learningRate * addition.weight, at: addition.position,
          of: sequences[addition.sequence].tokens)
      }
      let loss = additions.isEmpty ? nil : objective / Double(additions.count)
      summary.steps = epoch + 1
      summary.trainedTokens += additions.count
      if epoch == 0 { summary.firstLoss = loss }
      summary.lastLoss = loss
      if let loss { summary.losses.append(loss) }
      progress?(epoch + 1, options.epochs, loss)
    }
    return summary
  }
}
