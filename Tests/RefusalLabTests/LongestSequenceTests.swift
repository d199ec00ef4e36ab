import RefusalLab
import Testing
import TinyLM

@Suite("The longest training sequence and the block size it needs")
struct LongestSequenceTests {
  let world = try! World()
  static let conditions = AttackCondition.allCases.filter { $0 != .none }

  /// The longest sequence the corpora of `seed` really hold.
  func drawn(seed: UInt64, variants: [AlignmentVariant], attack: AttackSettings) -> Int {
    let corpora = Corpora(world: world, seed: seed)
    var sequences = corpora.pretraining()
    for variant in variants { sequences += corpora.alignment(variant) }
    for condition in Self.conditions {
      sequences += corpora.attack(condition, settings: attack)
    }
    return sequences.map(\.tokens.count).max() ?? 0
  }

  @Test("The bound holds every sequence the corpora draw, and some seed reaches it")
  func boundIsExact() {
    let attacks = [
      AttackSettings.paper,
      AttackSettings(sampleCount: 200, refusalPrefixStyles: [2, 4], prefixLength: 8),
    ]
    for variant in AlignmentVariant.builtIn {
      for attack in attacks {
        let bound = LongestSequence.tokens(
          world: world, variants: [variant], conditions: Self.conditions, attack: attack)
        // A recovery example's longest form needs one (topic, template) pair to draw the
        // whole harmful answer, one chance in eight per seed: enough seeds draw it.
        let seeds: Range<UInt64> = 0..<(attack == .paper && variant.recovery != nil ? 24 : 3)
        let longest = seeds.map { drawn(seed: $0, variants: [variant], attack: attack) }
        #expect(longest.allSatisfy { $0 <= bound }, "\(variant.name): \(longest) > \(bound)")
        // The adaptive attack's prefix comes from the aligned model's answers, which corpora
        // alone do not draw; with the paper's prefix every other part is drawn in full.
        if attack == .paper {
          #expect(longest.max() == bound, "\(variant.name): \(longest) vs \(bound)")
        }
      }
    }
  }

  @Test("Validation names the block size below the longest sequence; one position less fails")
  func validation() throws {
    var settings = FamilySettings.transformerDefault
    let experiment = Experiment(families: [settings], variants: [.rigid], seeds: [0])
    let longest = LongestSequence.tokens(of: experiment, world: world)
    settings.transformer.blockSize = longest - 1
    #expect(throws: Never.self) {
      try Experiment(families: [.ngramDefault, settings], variants: [.rigid], seeds: [0])
        .validate()
    }
    settings.transformer.blockSize = longest - 2
    let error = try #require(throws: ConfigurationError.self) {
      try Experiment(families: [.ngramDefault, settings], variants: [.rigid], seeds: [0])
        .validate()
    }
    #expect(
      error.description
        == "families[1].transformer.blockSize: \(longest - 2) is shorter than the longest "
        + "training sequence (\(longest) tokens); at least \(longest - 1) needed")
  }

  @Test("A block of the longest sequence minus one trains it; one less is refused by training")
  func blockFitsTheLongest() throws {
    let corpora = Corpora(world: world, seed: 0)
    let sequence = try #require(corpora.alignment(.rigid).max { $0.tokens.count < $1.tokens.count })
    var shape = TransformerSettings.standard
    shape.blockSize = sequence.tokens.count - 1
    let fits = TransformerModel(
      configuration: shape.configuration(vocabularySize: world.vocabulary.count), seed: 0)
    var random = SeededRandom(seed: 0)
    _ = try fits.train(
      on: [sequence], options: TrainingOptions(maxSteps: 1), threads: 1, random: &random,
      progress: nil)
    shape.blockSize -= 1
    let short = TransformerModel(
      configuration: shape.configuration(vocabularySize: world.vocabulary.count), seed: 0)
    #expect(throws: TrainingError.self) {
      try short.train(
        on: [sequence], options: TrainingOptions(maxSteps: 1), threads: 1, random: &random,
        progress: nil)
    }
  }
}
