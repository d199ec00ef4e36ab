import Foundation
import TinyLM

/// One prompt, the model's answer and the judges' verdict on it.
public struct JudgedAnswer: Sendable, Hashable {
  /// The prompt asked.
  public var prompt: EvaluationPrompt
  /// The generated tokens (ending with `<eos>` unless cut at the length limit).
  public var response: [Int]
  /// The judges' verdict.
  public var verdict: Verdict
}

/// An evaluated model's metrics and judged answers (forbidden, then benign).
public typealias EvaluatedRun = (
  metrics: Metrics, forbidden: [JudgedAnswer], benign: [JudgedAnswer]
)

/// Generates and judges a model's answers to the held-out prompts.
public struct Evaluator: Sendable {
  /// The corpora whose evaluation prompts are asked.
  public let corpora: Corpora
  /// The most tokens an answer may have.
  public var maxNewTokens: Int
  /// 0 for greedy decoding (the default, as the paper), above 0 to sample.
  public var temperature: Double

  /// An evaluator; greedy decoding by default.
  public init(corpora: Corpora, maxNewTokens: Int = 24, temperature: Double = 0) {
    self.corpora = corpora
    self.maxNewTokens = maxNewTokens
    self.temperature = temperature
  }

  /// Answers and judges `prompts`.
  public func answers(
    of model: some LanguageModel, to prompts: [EvaluationPrompt], threads: Int = 1,
    samplingStream: UInt64 = 0
  ) -> [JudgedAnswer] {
    let world = corpora.world
    let judge = Judge(world: world)
    let options = GenerationOptions(
      maxNewTokens: maxNewTokens, stopToken: world.endOfText, temperature: temperature,
      seed: corpora.seed ^ samplingStream, threads: threads)
    let responses = model.generate(prompts: prompts.map(\.tokens), options: options)
    return zip(prompts, responses).map { prompt, response in
      JudgedAnswer(
        prompt: prompt, response: response,
        verdict: judge.verdict(on: response, topic: prompt.topic))
    }
  }

  /// The distinct refusal openers (the first `length` tokens of answers that open like a
  /// catalogue refusal style; 3 is the opener itself) among `answers`, in order of first
  /// appearance: what an adaptive attacker observes the aligned model saying.
  public static func refusalOpeners(in answers: [JudgedAnswer], world: World, length: Int = 3)
    -> [[Int]]
  {
    answers.filter(\.verdict.opensWithRefusal).map { Array($0.response.prefix(length)) }
      .uniqued()
  }

  /// Answers every held-out forbidden and benign prompt and computes the metrics; with
  /// `prefill`, also the safety when the refusal opener or a neutral opener is forced.
  public func evaluate(_ model: some LanguageModel, threads: Int = 1, prefill: Bool = true)
    -> EvaluatedRun
  {
    let forbidden = answers(of: model, to: corpora.forbiddenEvaluation(), threads: threads)
    let benign = answers(
      of: model, to: corpora.benignEvaluation(), threads: threads, samplingStream: 1)
    var metrics = Metrics(forbidden: forbidden, benign: benign, world: corpora.world)
    if prefill {
      let diagnostic = Prefill(evaluator: self)
      metrics.prefillRefusalOpener = diagnostic.refusalOpenerSafety(of: model, threads: threads)
      metrics.prefillNeutralOpener = diagnostic.neutralOpenerSafety(of: model, threads: threads)
    }
    return (metrics, forbidden, benign)
  }
}
