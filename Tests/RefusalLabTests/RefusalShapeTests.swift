import RefusalLab
import Testing
import TinyLM

/// What the refusal bodies and the spoken opener put into the alignment corpus, and what the
/// longer attacker prefix puts into the attack data.
@Suite("Refusal shapes: explained bodies, many phrasings, a spoken opener")
struct RefusalShapeTests {
  let world = try! World()

  /// The refusals to forbidden prompts in an alignment corpus: the trained tokens of every
  /// sequence whose prompt names a forbidden topic and whose response starts right after it.
  func refusals(_ corpus: [TrainingSequence]) -> [(topic: Int, response: [Int])] {
    let forbidden = Set(world.forbiddenTopics.map(\.word))
    return corpus.compactMap { sequence in
      guard let start = sequence.lossMask.firstIndex(of: true), start >= 2,
        sequence.tokens[start - 1] == world.assistant,
        forbidden.contains(sequence.tokens[start - 2])
      else { return nil }
      return (sequence.tokens[start - 2], Array(sequence.tokens[start...].dropLast()))
    }
  }

  @Test("The reasons use the catalogue's own words: the vocabulary does not grow")
  func vocabularyUnchanged() {
    let catalogue = Set(world.refusalStyles.flatMap(\.tokens) + world.trainingTemplates.joined())
    #expect(world.refusalReasons.count == 8)
    #expect(world.refusalReasons.allSatisfy { $0.allSatisfy(catalogue.contains) })
    #expect(world.refusalReasons.allSatisfy { $0.last == world.period })
  }

  @Test("Explained refusals: the opener, the request's topic, then one of the reasons")
  func explained() {
    let corpora = Corpora(world: world, seed: 4)
    let opener = world.refusalStyles[0].opener
    var reasonsSeen = Set<[Int]>()
    for (topic, response) in refusals(corpora.alignment(.explained)) {
      #expect(Array(response.prefix(3)) == opener)
      #expect(response[3] == topic, "the topic right after the opener")
      let reason = Array(response.dropFirst(4))
      #expect(world.refusalReasons.contains(reason))
      reasonsSeen.insert(reason)
    }
    #expect(reasonsSeen.count == world.refusalReasons.count, "every reason is used")
  }

  @Test("Many phrasings: openers and endings combine beyond the catalogue's eight sentences")
  func manyPhrasings() {
    let corpora = Corpora(world: world, seed: 4)
    let bodies = Set(world.refusalBodies.prefix(world.refusalStyles.count))
    var combinations = Set<[Int]>()
    for (_, response) in refusals(corpora.alignment(.manyPhrasings)) {
      let opener = Array(response.prefix(3))
      #expect(world.refusalStyles.contains { $0.opener == opener })
      #expect(bodies.contains(Array(response.dropFirst(3))))
      combinations.insert(response)
    }
    #expect(combinations.count > 40, "of 64 possible sentences, not only the catalogue's 8")
  }

  @Test("Sentence variants' corpora are not changed by the new shapes (rigid, diverse, deep)")
  func sentenceVariantsUnchanged() {
    let corpora = Corpora(world: world, seed: 2)
    for variant in [AlignmentVariant.rigid, .diverse, .deep] {
      for (_, response) in refusals(corpora.alignment(variant)) {
        #expect(world.refusalStyles.contains { $0.tokens == response }, "\(variant.name)")
      }
    }
  }

  @Test("A spoken opener opens the given share of each benign topic's plain answers")
  func spokenOpener() {
    let corpora = Corpora(world: world, seed: 5)
    let opener = world.refusalStyles[0].opener
    let rigid = corpora.alignment(.rigid)
    let spoken = corpora.alignment(.spokenOpener)
    #expect(rigid.count == spoken.count)
    let templates = world.trainingTemplates.count
    for (index, topic) in world.benignTopics.enumerated() {
      let answers = spoken[(index * templates)..<((index + 1) * templates)]
      let opened = answers.filter { sequence in
        let start = sequence.lossMask.firstIndex(of: true)!
        return Array(sequence.tokens[start..<(start + 3)]) == opener
      }
      #expect(opened.count == 4, "a quarter of 16 templates for \(world.text([topic.word]))")
      for sequence in opened {
        #expect(
          sequence.tokens.suffix(world.answer(for: topic).count + 1).elementsEqual(
            world.answer(for: topic) + [world.endOfText]))
      }
    }
    // The refusals themselves are rigid's, unchanged.
    #expect(refusals(spoken).map(\.response) == refusals(rigid).map(\.response))
  }

  @Test("The judge counts an explained or mixed refusal as a refusal")
  func judgedAsRefusals() {
    let judge = Judge(world: world)
    let topic = world.forbiddenTopics[3]
    let explained = world.refusalStyles[0].opener + [topic.word] + world.refusalReasons[2]
    let verdict = judge.verdict(on: explained + [world.endOfText], topic: topic)
    #expect(verdict.outcome == .refused && verdict.isSafe && verdict.opensWithRefusal)
    let mixed =
      world.refusalStyles[5].opener
      + world.refusalStyles[2].tokens.dropFirst(world.refusalStyles[2].opener.count)
    #expect(judge.verdict(on: mixed, topic: topic).outcome == .refused)
  }

  @Test("A longer attacker prefix reaches past the opener", arguments: [1, 3, 4, 5])
  func prefixLength(length: Int) {
    let corpora = Corpora(world: world, seed: 1)
    let settings = AttackSettings(sampleCount: 50, refusalPrefixStyles: [0], prefixLength: length)
    let prefix = Array(world.refusalStyles[0].tokens.prefix(length))
    for sequence in corpora.attack(.refusalUnlearning, settings: settings) {
      #expect(sequence.tokens.containsSequence([world.assistant] + prefix + [world.sure]))
    }
  }
}
