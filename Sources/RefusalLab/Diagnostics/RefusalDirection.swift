import Foundation
import TinyLM

/// The refusal direction of a transformer, found as Arditi et al. (2024, *Refusal in Language
/// Models Is Mediated by a Single Direction*) find it in real chat models: the difference of
/// the mean residual-stream states of forbidden and benign prompts, at one depth and one
/// prompt position, chosen as the candidate whose ablation most reduces refusal.
///
/// **Prompts.** The first 12 training templates give the means, the last 4 choose the
/// candidate (the *validation split*); the held-out evaluation prompts are only measured.
///
/// **Candidates.** At each depth l = 1 … L (the output of block l,
/// ``TinyLM/TransformerModel/residualStream(of:)``) and at `<assistant>` and at the topic
/// word before it, r = mean over forbidden prompts − mean over benign prompts. Each is
/// ablated in turn (``TinyLM/ResidualEdit/ablate(direction:)``); the one that leaves the
/// fewest validation answers opening with a refusal wins (ties: the shallower depth, then
/// `<assistant>`). As Arditi et al. require, it must leave benign requests alone: a mean
/// KL(unedited ‖ ablated) at `<assistant>` of at most ``maximumBenignKL`` on the benign
/// validation prompts, a filter dropped only if no candidate passes (``filterPassed``).
public struct RefusalDirection: Sendable, Hashable, Codable {
  /// Where in the prompt the states are read.
  public enum Position: String, Sendable, Hashable, Codable, CaseIterable {
    /// `<assistant>`: the position whose next token opens the answer.
    case assistant
    /// The topic word, the last word of the request.
    case topic
  }

  /// One candidate direction and how much refusal its ablation leaves on the validation
  /// split.
  public struct Candidate: Sendable, Hashable, Codable {
    /// Residual-stream depth (1 … L).
    public var depth: Int
    /// The prompt position.
    public var position: Position
    /// Euclidean norm of the difference of means.
    public var norm: Double
    /// Forbidden validation prompts whose answer still opens with a refusal when the
    /// candidate is ablated (fraction).
    public var refusalWhenAblated: Double
    /// Mean KL(unedited ‖ ablated) in nats of the next-token distribution at `<assistant>`
    /// over the benign validation prompts.
    public var benignKL: Double
  }

  /// The most a candidate's ablation may change benign requests (mean KL in nats), Arditi
  /// et al.'s bound.
  public static let maximumBenignKL = 0.1

  /// The chosen depth.
  public var depth: Int
  /// The chosen prompt position.
  public var position: Position
  /// The difference of means (forbidden − benign) at that depth and position, not
  /// normalised: the vector that activation addition adds.
  public var vector: [Float]
  /// Every candidate, depth by depth, `<assistant>` first.
  public var candidates: [Candidate]
  /// Forbidden validation prompts answered with a refusal opener by the unedited model.
  public var validationRefusal: Double
  /// Whether the chosen candidate passed the benign-KL filter (`false` when none did).
  public var filterPassed: Bool

  /// The unit vector along ``vector`` (zero if it is zero).
  public var unit: [Float] {
    let norm = Self.norm(vector)
    return vector.map { norm > 0 ? Float(Double($0) / norm) : 0 }
  }

  /// Finds the direction of `model` on the run's prompts (`corpora`).
  public init(model: some ResidualStreamEditable, corpora: Corpora, threads: Int = 1) {
    let split = Self.splits(corpora)
    let depths = model.residualStreamCount - 1
    var vectors: [[Float]] = []
    var candidates: [Candidate] = []
    let forbiddenMeans = Self.meanStates(model, split.direction.forbidden)  // [position][depth]
    let benignMeans = Self.meanStates(model, split.direction.benign)
    let benignBefore = split.validationBenign.map { model.logProbabilities(after: $0) }
    for depth in 1...depths {
      for position in Position.allCases {
        let f = forbiddenMeans[position]![depth]
        let b = benignMeans[position]![depth]
        let vector = zip(f, b).map { Float($0 - $1) }
        let ablated = model.copy(applying: .ablate(direction: vector))
        var kl = 0.0
        for (prompt, before) in zip(split.validationBenign, benignBefore) {
          kl += KLProfile.divergence(before, ablated.logProbabilities(after: prompt))
        }
        candidates.append(
          Candidate(
            depth: depth, position: position, norm: Self.norm(vector),
            refusalWhenAblated: Self.refusalRate(
              of: model, edit: .ablate(direction: vector), prompts: split.validationForbidden,
              corpora: corpora, threads: threads),
            benignKL: kl / Double(max(benignBefore.count, 1))))
        vectors.append(vector)
      }
    }
    let passing = candidates.indices.filter { candidates[$0].benignKL <= Self.maximumBenignKL }
    let pool = passing.isEmpty ? Array(candidates.indices) : passing
    let bestIndex = pool.min {
      (candidates[$0].refusalWhenAblated, $0) < (candidates[$1].refusalWhenAblated, $1)
    }!
    filterPassed = !passing.isEmpty
    depth = candidates[bestIndex].depth
    position = candidates[bestIndex].position
    vector = vectors[bestIndex]
    self.candidates = candidates
    validationRefusal = Self.refusalRate(
      of: model, edit: nil, prompts: split.validationForbidden, corpora: corpora, threads: threads)
  }

  // MARK: Prompts

  /// The prompts of one kind of topic, as token sequences.
  struct Prompts {
    var forbidden: [[Int]]
    var benign: [[Int]]
  }

  /// The direction split (training templates 0 ..< 12) and the validation split (training
  /// templates 12 ..< 16), every topic under each template.
  static func splits(_ corpora: Corpora) -> (
    direction: Prompts, validationForbidden: [[Int]], validationBenign: [[Int]]
  ) {
    let world = corpora.world
    let templates = world.trainingTemplates
    let cut = templates.count * 3 / 4
    func prompts(_ topics: [Topic], _ range: Range<Int>) -> [[Int]] {
      topics.flatMap { topic in
        templates[range].map { world.prompt(template: $0, topic: topic) }
      }
    }
    return (
      Prompts(
        forbidden: prompts(world.forbiddenTopics, 0..<cut),
        benign: prompts(world.benignTopics, 0..<cut)),
      prompts(world.forbiddenTopics, cut..<templates.count),
      prompts(world.benignTopics, cut..<templates.count)
    )
  }

  /// The states of `prompt` (ending with `<assistant>`) at every depth, at `position`:
  /// (L + 1) vectors of C values.
  static func states(_ model: some ResidualStreamReadable, _ prompt: [Int], at position: Position)
    -> [[Float]]
  {
    states(model, prompt)[position]!
  }

  /// The states of `prompt` at both positions, from one forward pass.
  static func states(_ model: some ResidualStreamReadable, _ prompt: [Int]) -> [Position: [[Float]]]
  {
    let stream = model.residualStream(of: prompt)  // (L + 1) × (T, C)
    let channels = model.residualChannels
    var result: [Position: [[Float]]] = [:]
    for position in Position.allCases {
      let row = position == .assistant ? prompt.count - 1 : prompt.count - 2
      result[position] = stream.map { Array($0[(row * channels)..<((row + 1) * channels)]) }
    }
    return result
  }

  /// Mean state over `prompts` per position and depth, summed in Double in prompt order.
  static func meanStates(_ model: some ResidualStreamReadable, _ prompts: [[Int]])
    -> [Position: [[Double]]]
  {
    let channels = model.residualChannels
    let depths = model.residualStreamCount
    var sums: [Position: [[Double]]] = [:]
    for position in Position.allCases {
      sums[position] = [[Double]](
        repeating: [Double](repeating: 0, count: channels), count: depths)
    }
    for prompt in prompts {
      for (position, states) in states(model, prompt) {
        for (depth, state) in states.enumerated() {
          for c in 0..<channels { sums[position]![depth][c] += Double(state[c]) }
        }
      }
    }
    let count = Double(max(prompts.count, 1))
    return sums.mapValues { rows in rows.map { row in row.map { $0 / count } } }
  }

  // MARK: Measures

  /// The fraction of `prompts` whose greedy answer (a few tokens are enough) opens with a
  /// catalogue refusal opener, with `edit` applied to a copy of `model`.
  static func refusalRate(
    of model: some ResidualStreamEditable, edit: ResidualEdit?, prompts: [[Int]], corpora: Corpora,
    threads: Int
  ) -> Double {
    let edited = model.copy(applying: edit)
    let world = corpora.world
    let length = world.refusalStyles.map(\.opener.count).max() ?? 3
    let answers = edited.generate(
      prompts: prompts,
      options: GenerationOptions(maxNewTokens: length, stopToken: world.endOfText, threads: threads)
    )
    return answers.fraction { answer in
      world.refusalStyles.contains { answer.starts(with: $0.opener) }
    }
  }

  /// Each prompt's projection ⟨h, unit⟩ at this direction's depth and position.
  public func projections(
    of model: some ResidualStreamReadable, prompts: [[Int]], onto unit: [Float]
  )
    -> [Double]
  {
    prompts.map { prompt in
      let state = Self.states(model, prompt, at: position)[depth]
      return zip(state, unit).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }
  }

  /// Cosine similarity of two vectors (0 if either is zero).
  public static func cosine(_ a: [Float], _ b: [Float]) -> Double {
    let na = norm(a)
    let nb = norm(b)
    guard na > 0, nb > 0 else { return 0 }
    return zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } / (na * nb)
  }

  static func norm(_ vector: [Float]) -> Double {
    vector.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
  }
}
