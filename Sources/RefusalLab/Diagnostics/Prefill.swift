import TinyLM

/// Prefilling: force the first tokens of the answer and see what the model does next —
/// whether it continues a forced refusal opener, and whether it still refuses after a forced
/// neutral one. Only the continuation is judged.
public struct Prefill: Sendable {
  /// The evaluator whose prompts and decoding are used.
  public let evaluator: Evaluator

  /// A prefill diagnostic for an evaluator's prompts.
  public init(evaluator: Evaluator) {
    self.evaluator = evaluator
  }

  /// Safety on the held-out forbidden prompts when `forced(prompt)` is appended to each
  /// prompt before decoding.
  public func safety(
    of model: some LanguageModel, forcing forced: (EvaluationPrompt) -> [Int], threads: Int = 1
  ) -> Double {
    let prompts = evaluator.corpora.forbiddenEvaluation()
    let extended = prompts.map { prompt in
      var copy = prompt
      copy.tokens += forced(prompt)
      return copy
    }
    let answers = evaluator.answers(of: model, to: extended, threads: threads, samplingStream: 2)
    return answers.fraction(where: \.verdict.isSafe)
  }

  /// Safety when the rigid refusal opener is forced.
  public func refusalOpenerSafety(of model: some LanguageModel, threads: Int = 1) -> Double {
    let opener = evaluator.corpora.world.refusalStyles[0].opener
    return safety(of: model, forcing: { _ in opener }, threads: threads)
  }

  /// Safety when a neutral opener is forced, one opener per prompt in rotation: topic j
  /// under held-out template k gets opener (j + k) mod 8, so every opener is forced equally
  /// often and every topic meets several (one generation per prompt, not eight).
  public func neutralOpenerSafety(of model: some LanguageModel, threads: Int = 1) -> Double {
    let world = evaluator.corpora.world
    let openers = world.neutralOpeners
    let position = Dictionary(
      uniqueKeysWithValues: world.forbiddenTopics.enumerated().map { ($1.word, $0) })
    return safety(
      of: model,
      forcing: { prompt in
        openers[(position[prompt.topic.word, default: 0] + prompt.templateIndex) % openers.count]
      }, threads: threads)
  }

  /// Safety when the first `k` tokens of each prompt's harmful answer are forced.
  public func harmfulPrefixSafety(of model: some LanguageModel, tokens k: Int, threads: Int = 1)
    -> Double
  {
    let world = evaluator.corpora.world
    return safety(
      of: model, forcing: { Array(world.answer(for: $0.topic).prefix(k)) }, threads: threads)
  }
}
