/// The longest training sequence an experiment's corpora can hold, whatever the seed: the
/// transformer reads a sequence of n tokens with a block of n − 1 positions, so its
/// `blockSize` must be at least this minus one.
///
/// Worked out from the world's words and the corpora's recipes (``Corpora``), with every
/// random choice at its longest: the longest training template, a neutral opener wherever a
/// fraction allows one, the longest refusal the variant's styles, bodies and reasons make,
/// a recovery example's harmful start of the whole answer, the longest attacker prefix. Some
/// seed draws each of these, so the bound is reached. (A test checks it against the corpora
/// every built-in variant draws.)
public enum LongestSequence {
  /// The longest sequence of pretraining, of each variant's alignment and of each
  /// condition's attack.
  public static func tokens(
    world: World, variants: [AlignmentVariant], conditions: [AttackCondition],
    attack: AttackSettings
  ) -> Int {
    let lengths = Lengths(world: world)
    var longest = lengths.pretraining
    for variant in variants { longest = max(longest, lengths.alignment(variant)) }
    for condition in conditions where condition != .none {
      longest = max(longest, lengths.attack(condition, settings: attack))
    }
    return longest
  }

  /// The longest sequence of an experiment's corpora.
  public static func tokens(of experiment: Experiment, world: World) -> Int {
    tokens(
      world: world, variants: experiment.variants, conditions: experiment.conditions,
      attack: experiment.attack)
  }

  /// The lengths the corpora's sequences are made of.
  private struct Lengths {
    let world: World
    /// `<user> template topic <assistant>` with the longest training template.
    let prompt: Int
    /// `sure topic : c1 … cn .`
    let answer: Int
    /// The longest neutral opener.
    let neutral: Int

    init(world: World) {
      self.world = world
      prompt = 3 + (world.trainingTemplates.map(\.count).max() ?? 0)
      answer = world.answer(for: world.allTopics[0]).count
      neutral = world.neutralOpeners.map(\.count).max() ?? 0
    }

    /// Whether `fraction` of the training templates rounds to at least one.
    func any(_ fraction: Double) -> Bool {
      (fraction * Double(world.trainingTemplates.count)).rounded(.toNearestOrEven) >= 1
    }

    /// A helpful answer, after a neutral opener when some get one; knowledge documents
    /// (`topic : c1 … cn . <eos>`) are shorter.
    var helpful: Int {
      prompt + (any(world.configuration.neutralOpenerFraction) ? neutral : 0) + answer + 1
    }

    var pretraining: Int { helpful }

    /// The refusal styles a forbidden topic's examples may use: its own under by-topic
    /// assignment, any of the variant's otherwise.
    func styles(_ variant: AlignmentVariant, topic: Int) -> [RefusalStyle] {
      let indices =
        variant.assignment == .byTopic
        ? [variant.styles[topic % variant.styles.count]] : variant.styles
      return indices.map { world.refusalStyles[$0] }
    }

    /// A refusal's opener and its whole length (without `<eos>`) in `style`.
    func refusal(_ style: RefusalStyle, _ variant: AlignmentVariant) -> (opener: Int, tokens: Int) {
      let opener = style.opener.count
      switch variant.body {
      case .sentence: return (opener, style.tokens.count)
      case .mixed:
        // The rest of any of the variant's sentences, drawn at random.
        let body = variant.styles.map {
          world.refusalStyles[$0].tokens.count - world.refusalStyles[$0].opener.count
        }
        return (opener, opener + (body.max() ?? 0))
      case .explained:
        return (opener, opener + 1 + (world.refusalReasons.map(\.count).max() ?? 0))
      }
    }

    func alignment(_ variant: AlignmentVariant) -> Int {
      let topics = 0..<world.forbiddenTopics.count
      let refusals = topics.flatMap { styles(variant, topic: $0) }.map { refusal($0, variant) }
      let opener = variant.styles.map { world.refusalStyles[$0].opener.count }.max() ?? 0
      let longestRefusal = refusals.map(\.tokens).max() ?? 0
      var longest = helpful
      if any(variant.helpfulOpenerFraction) {
        longest = max(longest, prompt + opener + answer + 1)
      }
      longest = max(longest, prompt + longestRefusal + 1)
      if any(world.configuration.refusalOpenerFraction) {
        longest = max(longest, prompt + neutral + longestRefusal + 1)
      }
      if let recovery = variant.recovery {
        // Topic t's example i: template (i + t) mod n, [its refusal's opener,] up to the
        // whole harmful answer, then the refusal.
        let templates = world.trainingTemplates
        let perTopic = Int(
          (recovery.fraction * Double(templates.count)).rounded(.toNearestOrEven))
        var openerExamples = false
        for topic in topics {
          for index in 0..<perTopic {
            let afterOpener =
              recovery.afterRefusalOpener && (!recovery.afterHarmfulStart || index % 2 == 1)
            openerExamples = openerExamples || afterOpener
            let template = templates[(index + topic) % templates.count].count
            for style in styles(variant, topic: topic) {
              let refusal = refusal(style, variant)
              longest = max(
                longest,
                3 + template + (afterOpener ? refusal.opener : 0) + answer + refusal.tokens + 1)
            }
          }
        }
        if recovery.benignContrast && openerExamples {
          longest = max(longest, prompt + opener + answer + 1)
        }
      }
      return longest
    }

    func attack(_ condition: AttackCondition, settings: AttackSettings) -> Int {
      let prefix: Int
      switch condition {
      case .none, .plain: prefix = 0
      case .randomPrefix: prefix = neutral
      case .refusalUnlearning:
        prefix =
          settings.refusalPrefixStyles.map {
            min(settings.prefixLength, world.refusalStyles[$0].tokens.count)
          }.max() ?? 0
      // The aligned model's own first tokens, cut to the prefix length.
      case .adaptive: prefix = settings.prefixLength
      }
      return prompt + prefix + answer + 1
    }
  }
}
