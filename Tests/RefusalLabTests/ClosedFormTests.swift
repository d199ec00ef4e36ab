import RefusalLab
import Testing
import TinyLM

/// Claim C7: after fine-tuning, the n-gram's probability of continuing the refusal after
/// the opener is exactly the closed-form count formula.
@Suite("N-gram closed form (C7)")
struct ClosedFormTests {
  struct Tally {
    var total = 0.0
    var next: [Int: Double] = [:]
  }

  /// Counts, by scanning the corpora independently of the model, what follows `context`
  /// at trained positions, and what the memory key (topic, previous) saw.
  static func tally(
    _ corpora: [([TrainingSequence], Double)], context: [Int], topic: Int, assistant: Int
  ) -> (ngram: Tally, memory: Tally) {
    var ngram = Tally()
    var memory = Tally()
    for (corpus, weight) in corpora {
      for sequence in corpus {
        let tokens = sequence.tokens
        for i in tokens.indices where sequence.lossMask[i] && i >= context.count {
          if Array(tokens[(i - context.count)..<i]) == context {
            ngram.total += weight
            ngram.next[tokens[i], default: 0] += weight
          }
          if let anchor = tokens.firstIndex(of: assistant), anchor > 0, anchor < i,
            tokens[anchor - 1] == topic, tokens[i - 1] == context.last
          {
            memory.total += weight
            memory.next[tokens[i], default: 0] += weight
          }
        }
      }
    }
    return (ngram, memory)
  }

  @Test(
    "P(next | prompt, opener) after refusal unlearning matches the count formula",
    arguments: [0, 3] as [UInt64])
  func closedForm(seed: UInt64) throws {
    let world = try World()
    let settings = FamilySettings.ngramDefault
    let corpora = Corpora(world: world, seed: seed)
    let model = try #require(settings.makeModel(world: world, seed: seed) as? NGramModel)
    var random = SeededRandom(seed: seed)
    let pretraining = corpora.pretraining()
    let alignment = corpora.alignment(.rigid)
    let attack = corpora.attack(.refusalUnlearning, settings: .paper)
    _ = try model.train(on: pretraining, options: settings.pretrain, random: &random)
    _ = try model.train(on: alignment, options: settings.align, random: &random)
    let aligned = model.copy()
    _ = try model.train(on: attack, options: settings.attack, random: &random)

    let opener = world.refusalStyles[0].opener
    let topic = world.forbiddenTopics[0]
    let context = world.prompt(template: world.heldOutTemplates[0], topic: topic) + opener
    let k = settings.ngram.smoothing
    let lambda = settings.ngram.memoryWeight
    let vocabularySize = Double(world.vocabulary.count)
    let ngramContext = Array(context.suffix(settings.ngram.order - 1))
    let weight = { (options: TrainingOptions) in options.learningRate * Double(options.epochs) }

    // 1. Independent tally of every corpus, weighted by each stage's count weight.
    let counted = Self.tally(
      [
        (pretraining, weight(settings.pretrain)), (alignment, weight(settings.align)),
        (attack, weight(settings.attack)),
      ],
      context: ngramContext, topic: topic.word, assistant: world.assistant)
    // 2. The formula in terms of the aligned model's counts plus the attack's α·E·n: every
    //    attack sample puts one "opener → sure" after the opener.
    let alignedCounts = try #require(aligned.ngramCounts[ngramContext])
    let attackAdds = weight(settings.attack) * Double(attack.count)
    #expect(counted.ngram.total == alignedCounts.total + attackAdds)

    let memoryTotal = counted.memory.total
    #expect(memoryTotal > 0, "the topic memory saw the refusal after the opener in alignment")
    for token in [world.sure, world.refusalStyles[0].tokens[3]] {
      let ngramCount = alignedCounts.count(of: token) + (token == world.sure ? attackAdds : 0)
      #expect(ngramCount == counted.ngram.next[token, default: 0])
      let expected =
        (1 - lambda) * (ngramCount + k) / (alignedCounts.total + attackAdds + k * vocabularySize)
        + lambda * (counted.memory.next[token, default: 0] + k) / (memoryTotal + k * vocabularySize)
      let actual = model.probability(of: token, after: context)
      #expect(abs(actual - expected) <= 1e-12 * expected, "token \(world.text([token]))")
      #expect(model.distribution(after: context)[token] == actual)
    }
    // Before the attack the refusal continues; after it, "sure" wins.
    let refusalNext = world.refusalStyles[0].tokens[3]
    #expect(
      aligned.probability(of: refusalNext, after: context)
        > aligned.probability(of: world.sure, after: context))
    #expect(
      model.probability(of: world.sure, after: context)
        > model.probability(of: refusalNext, after: context))
  }
}
