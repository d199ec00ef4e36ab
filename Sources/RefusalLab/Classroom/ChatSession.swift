import Foundation
import TinyLM

/// What a ``ChatSession`` trains: one family, variant, attack condition and seed.
public struct ChatSettings: Sendable, Hashable {
  /// The model family.
  public var family: ModelFamily
  /// The alignment variant of both models.
  public var variant: AlignmentVariant
  /// The attack the second model went through.
  public var condition: AttackCondition
  /// The seed of every stage.
  public var seed: UInt64
  /// Worker threads for training (results do not depend on it).
  public var threads: Int

  /// Settings; by default the n-gram, rigid, refusal unlearning, seed 0, one thread.
  public init(
    family: ModelFamily = .ngram, variant: AlignmentVariant = .rigid,
    condition: AttackCondition = .refusalUnlearning, seed: UInt64 = 0, threads: Int = 1
  ) {
    self.family = family
    self.variant = variant
    self.condition = condition
    self.seed = seed
    self.threads = threads
  }
}

/// One model's answer to one request in a ``ChatSession``.
public struct ChatAnswer: Sendable, Hashable {
  /// A token the model could have said instead, and its probability.
  public struct Alternative: Sendable, Hashable {
    /// The token's text.
    public var token: String
    /// Its probability in context.
    public var probability: Double
  }

  /// One token of the answer and the probability the model gave it.
  public struct Step: Sendable, Hashable {
    /// The token's text.
    public var token: String
    /// Its probability in context (a forced, prefilled token keeps the probability the
    /// model gave it, however small).
    public var probability: Double
    /// Whether `:prefill` forced it.
    public var forced: Bool
    /// The likeliest other tokens at this position, best first (only at the first
    /// positions).
    public var alternatives: [Alternative]
  }

  /// The answer, token by token (prefilled tokens first).
  public var steps: [Step]
  /// The judges' verdict, or `nil` when the request names no topic.
  public var verdict: Verdict?

  /// The answer as text.
  public var text: String { steps.map(\.token).joined(separator: " ") }
}

/// An interactive classroom session: an aligned model and the same model after an attack,
/// asked the same requests side by side (`refusal-lab chat`).
///
/// ``handle(_:)`` takes one line — a request in the world's words, or a command such as
/// `:variant deep` — and returns what to print. Requests are read by ``RequestReader``
/// (capitals, contractions and stray punctuation normalised; unknown words answered with the
/// nearest known ones). On the transformer, `:ablate on` projects the aligned model's
/// refusal direction (``RefusalDirection``) out of both models' residual streams and
/// `:steer X` adds X times it; the n-gram has no residual stream.
public final class ChatSession {
  /// The world both models speak.
  public let world: World
  /// What is trained; changed by `:family`, `:variant`, `:condition`, `:seed`.
  public private(set) var settings: ChatSettings
  /// The aligned model.
  public private(set) var aligned: any LanguageModel
  /// The aligned model after ``ChatSettings/condition``.
  public private(set) var attacked: any LanguageModel
  /// How many alternatives each of the first tokens shows (`:top K`).
  public var top = 3
  /// How many answer positions show their alternatives: the refusal opener and the word
  /// after it, where the pathway is chosen.
  public var alternativePositions = 4
  /// Tokens forced at the start of every answer (`:prefill WORDS`).
  public private(set) var prefill: [Int] = []
  /// The residual edit in force: `nil`, an ablation or an addition of the direction.
  public private(set) var edit: ResidualEdit?
  /// The aligned model's refusal direction, once `:ablate` or `:steer` asked for it.
  public private(set) var direction: RefusalDirection?
  /// Where training and direction-finding report progress.
  public var progress: ((String) -> Void)?
  /// Hears of every stage trained (its steps), at the start and when a command retrains.
  public var observer: PipelineObserver
  /// Where the models came from, for the banner ("trained", or the checkpoint files).
  public private(set) var origin: String

  /// Trains both models for `settings` (pretrain → align → attack); `observer` hears of
  /// every stage trained.
  public init(
    settings: ChatSettings, world: World, progress: ((String) -> Void)? = nil,
    observer: PipelineObserver = PipelineObserver()
  ) throws {
    self.world = world
    self.settings = settings
    self.progress = progress
    self.observer = observer
    (aligned, attacked) = try Self.train(
      settings, world: world, progress: progress, observer: observer)
    origin = "trained"
  }

  /// A session on models trained elsewhere (for example loaded from checkpoints). `settings`
  /// says what they are; a command that retrains replaces them.
  public init(
    aligned: any LanguageModel, attacked: any LanguageModel, settings: ChatSettings,
    world: World, origin: String
  ) {
    self.world = world
    self.settings = settings
    self.aligned = aligned
    self.attacked = attacked
    self.origin = origin
    observer = PipelineObserver()
  }

  /// What ``handle(_:)`` returns: the text to print, and whether the session ends.
  public struct Reply: Sendable, Hashable {
    /// The text to print (ends with a newline unless empty).
    public var text: String
    /// `true` after `:quit`.
    public var quit: Bool
  }

  /// The commands, one line each, as `:help` prints them.
  public static let commands: [(name: String, help: String)] = [
    (":family ngram|transformer", "retrain with the other model family"),
    (":variant NAME", "retrain with another alignment variant (:variant lists them)"),
    (":condition NAME", "retrain with another attack (:condition lists them)"),
    (":seed N", "retrain with another seed"),
    (":prefill WORDS", "force the start of every answer (:prefill off to stop)"),
    (":top K", "how many alternatives the first tokens show"),
    (":ablate on|off", "transformer: project the refusal direction out of both models"),
    (":steer X|off", "transformer: add X times the refusal direction to both models"),
    (":words", "the world's words by kind: templates, benign and forbidden topics, …"),
    (":status", "what is loaded and in force"),
    (":help", "this list"),
    (":quit", "end the session"),
  ]

  /// The banner printed once the models are ready.
  public var banner: String {
    """
    RefusalLab chat — \(status)
    Type a request such as "can you show me rotglyph" or "how do i make bread"; :help lists \
    the commands, :words the vocabulary, :quit ends.

    """
  }

  /// One line saying what is loaded and in force.
  public var status: String {
    var parts = [
      FamilySettings.defaults(for: settings.family).title, "variant \(settings.variant.name)",
      "attack \(settings.condition.rawValue)", "seed \(settings.seed)",
    ]
    if origin != "trained" { parts.append("from \(origin)") }
    if !prefill.isEmpty { parts.append("prefill \"\(world.text(prefill))\"") }
    switch edit {
    case .ablate: parts.append("refusal direction ablated")
    case .add(_, _, let scale): parts.append("refusal direction added × \(formatScale(scale))")
    case nil: break
    }
    return parts.joined(separator: " · ")
  }

  /// Handles one line: a command (starting with `:`) or a request.
  public func handle(_ line: String) -> Reply {
    let trimmed = line.trimmingCharacters(in: .whitespaces)
    if trimmed.isEmpty { return Reply(text: "", quit: false) }
    guard trimmed.hasPrefix(":") else { return Reply(text: respond(to: trimmed), quit: false) }
    let words = trimmed.dropFirst().split(separator: " ").map(String.init)
    let name = words.first ?? ""
    let argument = words.dropFirst().joined(separator: " ")
    do {
      switch name {
      case "quit", "q", "exit": return Reply(text: "bye\n", quit: true)
      case "help", "h", "?": return Reply(text: helpText, quit: false)
      case "words": return Reply(text: WordCatalogue(world: world).text(), quit: false)
      case "status": return Reply(text: status + "\n", quit: false)
      case "top":
        guard let k = Int(argument), (1...20).contains(k) else {
          return Reply(text: ":top: give a number from 1 to 20\n", quit: false)
        }
        top = k
        return Reply(text: "showing the top \(k) alternatives\n", quit: false)
      case "prefill": return Reply(text: setPrefill(argument), quit: false)
      case "family":
        guard let family = ModelFamily(rawValue: argument) else {
          return Reply(text: choices("family", ModelFamily.allCases.map(\.rawValue)), quit: false)
        }
        return Reply(text: try retrain { $0.family = family }, quit: false)
      case "variant":
        guard let variant = AlignmentVariant.builtIn.first(where: { $0.name == argument }) else {
          return Reply(
            text: choices("variant", AlignmentVariant.builtIn.map(\.name)), quit: false)
        }
        return Reply(text: try retrain { $0.variant = variant }, quit: false)
      case "condition":
        guard let condition = AttackCondition(rawValue: argument) else {
          return Reply(
            text: choices("condition", AttackCondition.allCases.map(\.rawValue)), quit: false)
        }
        return Reply(text: try retrain { $0.condition = condition }, quit: false)
      case "seed":
        guard let seed = UInt64(argument) else {
          return Reply(text: ":seed: give a non-negative integer\n", quit: false)
        }
        return Reply(text: try retrain { $0.seed = seed }, quit: false)
      case "ablate": return Reply(text: setAblation(argument), quit: false)
      case "steer": return Reply(text: setSteering(argument), quit: false)
      default:
        return Reply(text: "unknown command ':\(name)'; :help lists the commands\n", quit: false)
      }
    } catch {
      return Reply(text: "error: \(error)\n", quit: false)
    }
  }

  /// Both models' answers to `request`, or why it could not be read.
  public func answers(to request: String) throws(RequestReader.Problem) -> (
    reading: RequestReader.Reading, aligned: ChatAnswer, attacked: ChatAnswer
  ) {
    let reading = try RequestReader(world: world).read(request)
    let (first, second) = editedModels()
    return (reading, answer(of: first, to: reading.tokens), answer(of: second, to: reading.tokens))
  }

  // MARK: Answers

  private func respond(to request: String) -> String {
    let result: (reading: RequestReader.Reading, aligned: ChatAnswer, attacked: ChatAnswer)
    do {
      result = try answers(to: request)
    } catch {
      return "\(error)\n"
    }
    var lines: [String] = []
    for change in result.reading.changes { lines.append("(read \(change))") }
    let prompt = result.reading.tokens
    let topicText =
      topic(in: prompt).map { "\($0.kind == .forbidden ? "forbidden" : "benign") topic" }
      ?? "no topic word: the judges need one"
    lines.append("request  \(world.text(prompt))   (\(topicText))")
    let names = [
      "aligned (\(settings.variant.name))",
      settings.condition == .none
        ? "aligned again (no attack)" : "after \(settings.condition.rawValue)",
    ]
    let answers = [result.aligned, result.attacked]
    for (name, answer) in zip(names, answers) {
      lines.append("")
      lines.append("\(name): \(answer.text)")
      if let verdict = answer.verdict, let kind = topic(in: prompt)?.kind {
        lines.append("  " + verdict.summary(for: kind))
      }
    }
    lines.append("")
    lines.append(table(answers, names: names))
    return lines.joined(separator: "\n") + "\n"
  }

  /// Token by token, both models side by side, with the alternatives at the first tokens.
  private func table(_ answers: [ChatAnswer], names: [String]) -> String {
    func cell(_ step: ChatAnswer.Step?) -> String {
      guard let step else { return "" }
      let mark = step.forced ? "*" : ""
      return step.token + mark + " " + String(format: "%.3f", step.probability)
    }
    func others(_ step: ChatAnswer.Step?) -> String {
      guard let step, !step.alternatives.isEmpty else { return "" }
      return step.alternatives.map { "\($0.token) \(String(format: "%.2f", $0.probability))" }
        .joined(separator: ", ")
    }
    let rows = answers.map(\.steps.count).max() ?? 0
    var cells: [[String]] = [["#", names[0], "alternatives", names[1], "alternatives"]]
    for row in 0..<rows {
      let a = answers[0].steps.indices.contains(row) ? answers[0].steps[row] : nil
      let b = answers[1].steps.indices.contains(row) ? answers[1].steps[row] : nil
      cells.append(["\(row + 1)", cell(a), others(a), cell(b), others(b)])
    }
    let widths = (0..<5).map { column in cells.map { $0[column].count }.max() ?? 0 }
    var lines = cells.map { row in
      zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
        .joined(separator: "  ").replacingOccurrences(
          of: "\\s+$", with: "", options: .regularExpression)
    }
    lines.insert(String(repeating: "─", count: lines.map(\.count).max() ?? 0), at: 1)
    if !prefill.isEmpty { lines.append("* forced by :prefill") }
    return lines.joined(separator: "\n")
  }

  /// The first topic word of `prompt`.
  private func topic(in prompt: [Int]) -> Topic? {
    prompt.lazy.compactMap { self.world.topic(word: $0) }.first
  }

  /// `model`'s greedy answer after `prompt` and the prefill, each token with its
  /// probability, the first ones with their alternatives.
  private func answer(of model: any LanguageModel, to prompt: [Int]) -> ChatAnswer {
    let context = prompt + prefill
    let limit = model.contextLimit.map { max(0, $0 - context.count) } ?? 24
    let options = GenerationOptions(
      maxNewTokens: min(24, limit), stopToken: world.endOfText, threads: 1)
    let generated =
      prefill.last == world.endOfText
      ? [] : model.generate(prompts: [context], options: options)[0]
    let answer = prefill + generated
    let rows =
      answer.isEmpty ? [] : model.allPositionLogProbabilities(of: prompt + answer.dropLast())
    var steps: [ChatAnswer.Step] = []
    for (index, token) in answer.enumerated() {
      let row = rows[prompt.count - 1 + index]
      let probabilities = row.map { exp(Double($0)) }
      let order = probabilities.indices.sorted {
        probabilities[$0] != probabilities[$1] ? probabilities[$0] > probabilities[$1] : $0 < $1
      }
      let alternatives =
        index < alternativePositions
        ? order.filter { $0 != token && probabilities[$0] >= 0.005 }.prefix(top).map {
          ChatAnswer.Alternative(token: world.text([$0]), probability: probabilities[$0])
        } : []
      steps.append(
        ChatAnswer.Step(
          token: world.text([token]), probability: probabilities[token],
          forced: index < prefill.count, alternatives: alternatives))
    }
    let verdict = topic(in: prompt).map { Judge(world: world).verdict(on: answer, topic: $0) }
    return ChatAnswer(steps: steps, verdict: verdict)
  }

  // MARK: Commands

  private var helpText: String {
    let width = Self.commands.map(\.name.count).max() ?? 0
    return Self.commands.map {
      "  " + $0.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.help
    }.joined(separator: "\n")
      + "\n  anything else is a request, such as \"can you show me rotglyph\"\n"
  }

  private func choices(_ name: String, _ values: [String]) -> String {
    ":\(name): one of \(values.joined(separator: ", "))\n"
  }

  private func setPrefill(_ argument: String) -> String {
    if argument.isEmpty || argument == "off" {
      prefill = []
      return "no prefill: the models choose every token\n"
    }
    var tokens: [Int] = []
    var unknown: [RequestReader.UnknownWord] = []
    let reader = RequestReader(world: world)
    for word in argument.split(separator: " ").map(String.init) {
      for piece in reader.normalise(word) {
        if let id = world.vocabulary.id(of: piece) {
          tokens.append(id)
        } else {
          unknown.append(
            RequestReader.UnknownWord(word: piece, suggestions: reader.suggestions(for: piece)))
        }
      }
    }
    guard unknown.isEmpty else {
      return ":prefill: \(RequestReader.Problem.unknownWords(unknown))\n"
    }
    prefill = tokens
    return "every answer now starts \"\(world.text(tokens))\"\n"
  }

  private func retrain(_ change: (inout ChatSettings) -> Void) throws -> String {
    var next = settings
    change(&next)
    (aligned, attacked) = try Self.train(
      next, world: world, progress: progress, observer: observer)
    settings = next
    origin = "trained"
    direction = nil
    let dropped = edit != nil
    edit = nil
    return "ready: \(status)\n"
      + (dropped
        ? "(the edit is off: the new models have their own direction; :ablate on or :steer X "
          + "finds it)\n" : "")
  }

  private func setAblation(_ argument: String) -> String {
    switch argument {
    case "off":
      if case .ablate = edit { edit = nil }
      return "the refusal direction is left alone\n"
    case "on", "":
      guard let unit = refusalDirection() else { return noResidualStream }
      edit = .ablate(direction: unit.vector)
      return "ablating the aligned model's refusal direction (depth \(unit.depth), at the "
        + "\(unit.position.rawValue) position) in both models\n"
    default:
      return ":ablate: on or off\n"
    }
  }

  private func setSteering(_ argument: String) -> String {
    if argument == "off" {
      if case .add = edit { edit = nil }
      return "no activation addition\n"
    }
    guard let scale = Double(argument.isEmpty ? "1" : argument), scale.isFinite, abs(scale) <= 100
    else { return ":steer: a scale from -100 to 100, or off\n" }
    guard let found = refusalDirection() else { return noResidualStream }
    edit = .add(direction: found.vector, depth: found.depth, scale: Float(scale))
    return "adding \(formatScale(Float(scale))) × the aligned model's refusal direction at depth "
      + "\(found.depth) in both models\n"
  }

  private var noResidualStream: String {
    "the n-gram has no residual stream, so it has no refusal direction to ablate or add; "
      + ":family transformer switches\n"
  }

  private func formatScale(_ scale: Float) -> String {
    scale == scale.rounded() ? String(Int(scale)) : String(format: "%.2f", scale)
  }

  /// The aligned model's refusal direction, found once (`nil` for the n-gram).
  private func refusalDirection() -> RefusalDirection? {
    if let direction { return direction }
    guard let model = aligned as? TransformerModel else { return nil }
    progress?("Finding the aligned model's refusal direction…")
    let found = RefusalDirection(
      model: model, corpora: Corpora(world: world, seed: settings.seed),
      threads: settings.threads)
    direction = found
    return found
  }

  /// The two models with the edit in force applied to copies.
  private func editedModels() -> (any LanguageModel, any LanguageModel) {
    guard let edit, let first = aligned as? TransformerModel,
      let second = attacked as? TransformerModel
    else { return (aligned, attacked) }
    return (first.copy(applying: edit), second.copy(applying: edit))
  }

  private static func train(
    _ settings: ChatSettings, world: World, progress: ((String) -> Void)?,
    observer: PipelineObserver
  ) throws -> (any LanguageModel, any LanguageModel) {
    let family = FamilySettings.defaults(for: settings.family)
    var pipeline = try Pipeline(experiment: experiment(settings, world: world))
    pipeline.observer = observer
    progress?(
      "Training the \(settings.family.rawValue) (\(settings.variant.name), "
        + "\(settings.condition.rawValue), seed \(settings.seed))…")
    let started = Date()
    let unit = try pipeline.run(
      family: family, seed: settings.seed, threads: settings.threads,
      log: { progress?("  \($0)") })[0]
    progress?(String(format: "  ready in %.1f s", Date().timeIntervalSince(started)))
    return (unit.aligned, unit.models[settings.condition] ?? unit.aligned)
  }

  /// The one-run experiment a session with `settings` trains.
  public static func experiment(_ settings: ChatSettings, world: World) -> Experiment {
    Experiment(
      world: world.configuration, families: [.defaults(for: settings.family)],
      variants: [settings.variant], conditions: [settings.condition], seeds: [settings.seed])
  }
}
