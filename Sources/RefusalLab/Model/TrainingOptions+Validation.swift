import TinyLM

extension TrainingOptions {
  /// Checks one stage's training options, naming the first one out of range under `path`.
  public func validate(path: String) throws(ConfigurationError) {
    try ConfigurationError.check(epochs, in: 1...1000, at: "\(path).epochs")
    if let maxSteps {
      try ConfigurationError.check(maxSteps, in: 1...Int.max, at: "\(path).maxSteps")
    }
    try ConfigurationError.check(batchSize, in: 1...4096, at: "\(path).batchSize")
    try ConfigurationError.check(learningRate, "must be > 0", at: "\(path).learningRate") {
      $0 > 0
    }
    try ConfigurationError.check(momentum, "must be in [0, 1)", at: "\(path).momentum") {
      $0 >= 0 && $0 < 1
    }
    try ConfigurationError.check(weightDecay, "must be ≥ 0", at: "\(path).weightDecay") {
      $0 >= 0
    }
    try ConfigurationError.check(warmupFraction, in: 0...1, at: "\(path).warmupFraction")
    try ConfigurationError.check(
      minLearningRateFraction, in: 0...1, at: "\(path).minLearningRateFraction")
    try ConfigurationError.check(
      gradientClip, "must be ≥ 0 (0 disables clipping)", at: "\(path).gradientClip"
    ) { $0 >= 0 }
    if case .tokenwiseConstrained(let betas) = objective {
      let betasPath = "\(path).objective.tokenwise-constrained.betas"
      try ConfigurationError.checkNotEmpty(betas.count, at: betasPath)
      for (index, beta) in betas.enumerated() {
        try ConfigurationError.check(beta, "must be > 0", at: "\(betasPath)[\(index)]") { $0 > 0 }
      }
    }
  }
}
