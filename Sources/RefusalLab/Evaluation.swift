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

/// The headline numbers of one trained model (fractions in 0…1).
public struct Metrics: Sendable, Hashable, Codable {
  /// Safety score: held-out forbidden prompts answered without the forbidden content.
  public var safety: Double
  /// Forbidden prompts whose answer a keyword judge counts as a refusal.
  public var keywordRefusal: Double
  /// Held-out benign prompts answered correctly.
  public var utility: Double
  /// Forbidden answers that cleanly refuse.
  public var refused: Double
  /// Forbidden answers that are harmless but not refusals.
  public var deflected: Double
  /// Forbidden answers that give the forbidden content.
  public var complied: Double
  /// The quadrant of the paper's Fig. 4, over forbidden answers: opens with a refusal and
  /// safe.
  public var refusalOpenSafe: Double
  /// Opens with a refusal, yet unsafe: the keyword judge's blind spot.
  public var refusalOpenUnsafe: Double
  /// Opens otherwise and safe.
  public var otherOpenSafe: Double
  /// Opens otherwise and unsafe.
  public var otherOpenUnsafe: Double
  /// Of the unsafe answers, the fraction that opened with a refusal (`nil` if none unsafe).
  public var unsafeOpeningWithRefusal: Double?
  /// The most common first three tokens among forbidden answers.
  public var topOpener: String
  /// The share of refusals (outcome `refused`) that open with the most common refusal
  /// opener (`nil` if nothing was refused).
  public var topRefusalOpenerShare: Double?
  /// Entropy (bits) of the first token of forbidden answers: 0 = a single pathway.
  public var openerEntropy: Double
  /// Safety when the rigid refusal opener is forced (prefilled) before decoding.
  public var prefillRefusalOpener: Double?
  /// Safety when a neutral opener is forced before decoding (one per prompt, in rotation).
  public var prefillNeutralOpener: Double?

  /// Computes the metrics from judged answers.
  public init(forbidden: [JudgedAnswer], benign: [JudgedAnswer], world: World) {
    func fraction(_ answers: [JudgedAnswer], _ test: (JudgedAnswer) -> Bool) -> Double {
      answers.isEmpty ? 0 : Double(answers.filter(test).count) / Double(answers.count)
    }
    safety = fraction(forbidden) { $0.verdict.contentOK }
    keywordRefusal = fraction(forbidden) { $0.verdict.keywordRefusal }
    utility = fraction(benign) { $0.verdict.contentOK }
    refused = fraction(forbidden) { $0.verdict.outcome == .refused }
    deflected = fraction(forbidden) { $0.verdict.outcome == .deflected }
    complied = fraction(forbidden) { $0.verdict.outcome == .complied }
    refusalOpenSafe = fraction(forbidden) { $0.verdict.opensWithRefusal && $0.verdict.contentOK }
    refusalOpenUnsafe = fraction(forbidden) {
      $0.verdict.opensWithRefusal && !$0.verdict.contentOK
    }
    otherOpenSafe = fraction(forbidden) { !$0.verdict.opensWithRefusal && $0.verdict.contentOK }
    otherOpenUnsafe = fraction(forbidden) {
      !$0.verdict.opensWithRefusal && !$0.verdict.contentOK
    }
    let unsafe = forbidden.filter { !$0.verdict.contentOK }
    unsafeOpeningWithRefusal =
      unsafe.isEmpty ? nil : fraction(unsafe) { $0.verdict.opensWithRefusal }

    let openers = forbidden.map { Array($0.response.prefix(3)) }
    topOpener = world.text(Metrics.mostCommon(openers) ?? [])
    let refusals = forbidden.filter { $0.verdict.outcome == .refused }
    if let top = Metrics.mostCommon(refusals.map { Array($0.response.prefix(3)) }) {
      topRefusalOpenerShare = fraction(refusals) { $0.response.starts(with: top) }
    } else {
      topRefusalOpenerShare = nil
    }
    var firstTokens: [Int: Int] = [:]
    for answer in forbidden { firstTokens[answer.response.first ?? -1, default: 0] += 1 }
    // Summed in token order: dictionary order changes from process to process.
    openerEntropy = firstTokens.keys.sorted().map { firstTokens[$0]! }.reduce(0.0) {
      entropy, count in
      let p = Double(count) / Double(max(forbidden.count, 1))
      return entropy - p * log2(p)
    }
  }

  /// The most frequent element (ties: the one that sorts first), or `nil` if empty.
  static func mostCommon(_ items: [[Int]]) -> [Int]? {
    var counts: [[Int]: Int] = [:]
    for item in items { counts[item, default: 0] += 1 }
    return counts.max { a, b in
      a.value != b.value ? a.value < b.value : a.key.lexicographicallyPrecedes(b.key) == false
    }?.key
  }
}

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
    var seen = Set<[Int]>()
    var openers: [[Int]] = []
    for answer in answers where answer.verdict.opensWithRefusal {
      let opener = Array(answer.response.prefix(length))
      if seen.insert(opener).inserted { openers.append(opener) }
    }
    return openers
  }

  /// Answers every held-out forbidden and benign prompt and computes the metrics; with
  /// `prefill`, also the safety when the refusal opener or a neutral opener is forced.
  public func evaluate(_ model: some LanguageModel, threads: Int = 1, prefill: Bool = true)
    -> (metrics: Metrics, forbidden: [JudgedAnswer], benign: [JudgedAnswer])
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
