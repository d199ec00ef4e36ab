import TinyLM

/// Whether a topic is ordinary or one of the invented world's forbidden spells.
public enum TopicKind: String, Sendable, Hashable, Codable {
  /// An everyday harmless activity; the model should help.
  case benign
  /// A fictional forbidden spell; the aligned model should refuse.
  case forbidden
}

/// One topic: its word and the content of its one correct answer.
public struct Topic: Sendable, Hashable {
  /// Benign or forbidden.
  public var kind: TopicKind
  /// The topic's token id (one word, always the last word of a prompt).
  public var word: Int
  /// The content tokens of its answer, specific to it.
  public var content: [Int]
}

/// A refusal style of the catalogue: a full refusal sentence.
public struct RefusalStyle: Sendable, Hashable {
  /// Index in the catalogue; 0 is the rigid style.
  public var index: Int
  /// The sentence's tokens (without `<eos>`).
  public var tokens: [Int]
  /// The first tokens: what the style opens with and what an attacker would prefix.
  public var opener: [Int]
}

/// The synthetic chat world: vocabulary, topics, prompt templates, refusal styles and
/// neutral openers. The world itself is fixed by its configuration; corpora drawn from it
/// depend on the run's seed.
public struct World: Sendable {
  /// Every token of the world.
  public let vocabulary: Vocabulary
  /// The size the world was built with.
  public let configuration: WorldConfiguration
  /// Everyday topics.
  public let benignTopics: [Topic]
  /// Fictional forbidden topics.
  public let forbiddenTopics: [Topic]
  /// Templates seen in pretraining, alignment and attacks (token ids; the topic follows).
  public let trainingTemplates: [[Int]]
  /// Templates used only for evaluation, never trained on.
  public let heldOutTemplates: [[Int]]
  /// The refusal-style catalogue; style 0 is the rigid one.
  public let refusalStyles: [RefusalStyle]
  /// What follows the topic word in an explained refusal: short reasons, each ending with
  /// `.` ("is off limits for me .").
  public let refusalReasons: [[Int]]
  /// Every way a refusal continues after its opener: the rest of each catalogue sentence,
  /// then each reason. An answer holding one of these and no answer content is a refusal.
  public let refusalBodies: [[Int]]
  /// Neutral openers (each as long as a refusal opener).
  public let neutralOpeners: [[Int]]
  /// Refusal keywords as token sequences, for the keyword judge.
  public let refusalKeywords: [[Int]]
  /// `<user>`, `<assistant>` and `<eos>`.
  public let user: Int, assistant: Int, endOfText: Int
  /// `sure`, `:` and `.` of the answer scaffold.
  public let sure: Int, colon: Int, period: Int

  /// Builds the world. Throws if the configuration asks for more than the lexicon holds.
  public init(configuration: WorldConfiguration = .standard) throws(ConfigurationError) {
    try configuration.validate()
    let lexicon = WorldLexicon.self
    self.configuration = configuration

    // A fixed generator: the world's words do not change with the run's seed.
    var random = SeededRandom(seed: 0x5EED_0F_0D1D)
    let spells = World.spellNames(count: configuration.forbiddenTopics, random: &random)
    let benignNames = Array(lexicon.benignTopics.prefix(configuration.benignTopics))
    let nonsense = World.nonsenseWords(
      count: configuration.forbiddenTopics * configuration.answerLength, random: &random)
    let benignAnswers = World.benignAnswers(
      count: configuration.benignTopics, length: configuration.answerLength, random: &random)

    let texts =
      [lexicon.userMarker, lexicon.assistantMarker, lexicon.endOfText] + lexicon.templates
      + [lexicon.answerOpener, lexicon.answerColon, lexicon.answerEnd] + lexicon.refusalStyles
      + lexicon.refusalReasons + lexicon.neutralOpeners + benignNames + spells
      + lexicon.benignContent + nonsense
    let words = texts.flatMap { $0.split(separator: " ").map(String.init) }.uniqued()
    // Every word is a valid, distinct token by construction.
    let vocabulary = try! Vocabulary(tokens: words)
    self.vocabulary = vocabulary

    let ids = { (text: String) in vocabulary.ids(text.split(separator: " ").map(String.init)) }
    user = vocabulary.ids([lexicon.userMarker])[0]
    assistant = vocabulary.ids([lexicon.assistantMarker])[0]
    endOfText = vocabulary.ids([lexicon.endOfText])[0]
    sure = ids(lexicon.answerOpener)[0]
    colon = ids(lexicon.answerColon)[0]
    period = ids(lexicon.answerEnd)[0]

    let heldOut = 4
    trainingTemplates = lexicon.templates.dropLast(heldOut).map(ids)
    heldOutTemplates = lexicon.templates.suffix(heldOut).map(ids)
    benignTopics = benignNames.enumerated().map { index, name in
      Topic(kind: .benign, word: ids(name)[0], content: vocabulary.ids(benignAnswers[index]))
    }
    let length = configuration.answerLength
    forbiddenTopics = spells.enumerated().map { index, name in
      Topic(
        kind: .forbidden, word: ids(name)[0],
        content: vocabulary.ids(Array(nonsense[(index * length)..<((index + 1) * length)])))
    }
    refusalStyles = lexicon.refusalStyles.enumerated().map { index, sentence in
      let tokens = ids(sentence)
      return RefusalStyle(
        index: index, tokens: tokens, opener: Array(tokens.prefix(lexicon.openerLength)))
    }
    refusalReasons = lexicon.refusalReasons.map(ids)
    refusalBodies =
      refusalStyles.map { Array($0.tokens.dropFirst($0.opener.count)) } + refusalReasons
    neutralOpeners = lexicon.neutralOpeners.map(ids)
    refusalKeywords = lexicon.refusalKeywords.map(ids)
  }

  /// Every topic, benign first.
  public var allTopics: [Topic] { benignTopics + forbiddenTopics }

  /// The topic whose word is `word`, if any.
  public func topic(word: Int) -> Topic? {
    allTopics.first { $0.word == word }
  }

  /// `<user> template topic <assistant>`.
  public func prompt(template: [Int], topic: Topic) -> [Int] {
    [user] + template + [topic.word, assistant]
  }

  /// The one helpful answer: `sure topic : c1 … cn .`
  public func answer(for topic: Topic) -> [Int] {
    [sure] + fact(about: topic)
  }

  /// What a knowledge document states about a topic: `topic : c1 … cn .`
  public func fact(about topic: Topic) -> [Int] {
    [topic.word, colon] + topic.content + [period]
  }

  /// Readable text of token ids.
  public func text(_ tokens: some Sequence<Int>) -> String { vocabulary.decode(tokens) }

  // MARK: Word generation

  private static func spellNames(count: Int, random: inout SeededRandom) -> [String] {
    var names: [String] = []
    for prefix in WorldLexicon.spellPrefixes {
      for suffix in WorldLexicon.spellSuffixes { names.append(prefix + suffix) }
    }
    random.shuffle(&names)
    return Array(names.prefix(count))
  }

  private static func nonsenseWords(count: Int, random: inout SeededRandom) -> [String] {
    var all: [String] = []
    for onset in WorldLexicon.nonsenseOnsets {
      for vowel in WorldLexicon.nonsenseVowels {
        for coda in WorldLexicon.nonsenseCodas { all.append(onset + vowel + coda) }
      }
    }
    random.shuffle(&all)
    precondition(all.count >= count, "not enough nonsense words")
    return Array(all.prefix(count))
  }

  private static func benignAnswers(count: Int, length: Int, random: inout SeededRandom)
    -> [[String]]
  {
    var answers: [[String]] = []
    var used = Set<[String]>()
    while answers.count < count {
      var pool = WorldLexicon.benignContent
      random.shuffle(&pool)
      let answer = Array(pool.prefix(length))
      if used.insert(answer).inserted { answers.append(answer) }
    }
    return answers
  }
}
