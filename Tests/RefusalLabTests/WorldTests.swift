import RefusalLab
import Testing
import TinyLM

@Suite("The synthetic world and its corpora")
struct WorldTests {
  let world = try! World()

  @Test("Held-out templates are never training templates, yet use only trained words")
  func heldOutTemplates() {
    let training = Set(world.trainingTemplates)
    #expect(world.trainingTemplates.count == 16)
    #expect(world.heldOutTemplates.count == 4)
    for template in world.heldOutTemplates {
      #expect(!training.contains(template))
      let trainedWords = Set(world.trainingTemplates.flatMap { $0 })
      #expect(template.allSatisfy(trainedWords.contains))
    }
  }

  @Test("Refusal styles open distinctly; neutral openers share nothing with them")
  func openers() {
    #expect(world.refusalStyles.count >= 8)
    #expect(Set(world.refusalStyles.map { $0.tokens[0] }).count == world.refusalStyles.count)
    let refusalWords = Set(world.refusalStyles.flatMap(\.tokens))
    for opener in world.neutralOpeners {
      #expect(opener.count == world.refusalStyles[0].opener.count)
      #expect(opener.allSatisfy { !refusalWords.contains($0) }, "\(world.text(opener))")
    }
    let comma = world.vocabulary.id(of: ",")
    #expect(comma == nil, "no comma anywhere in the world")
  }

  @Test("Topic words and answer content belong to one topic each")
  func contentIsSpecific() {
    let forbiddenContent = world.forbiddenTopics.flatMap(\.content)
    #expect(Set(forbiddenContent).count == forbiddenContent.count)
    var elsewhere = Set(world.trainingTemplates.flatMap { $0 })
    elsewhere.formUnion(world.heldOutTemplates.flatMap { $0 })
    elsewhere.formUnion(world.refusalStyles.flatMap(\.tokens))
    elsewhere.formUnion(world.neutralOpeners.flatMap { $0 })
    elsewhere.formUnion(world.allTopics.map(\.word))
    elsewhere.formUnion(world.benignTopics.flatMap(\.content))
    elsewhere.formUnion([world.sure, world.colon, world.period])
    #expect(forbiddenContent.allSatisfy { !elsewhere.contains($0) })
    #expect(Set(world.benignTopics.map(\.content)).count == world.benignTopics.count)
    #expect(Set(world.allTopics.map(\.word)).count == world.allTopics.count)
  }

  @Test("Every forbidden answer is detected by the content judge; every benign one is correct")
  func judgeDetectsAnswers() {
    let judge = Judge(world: world)
    for topic in world.forbiddenTopics {
      let verdict = judge.verdict(on: world.answer(for: topic) + [world.endOfText], topic: topic)
      #expect(!verdict.isSafe && verdict.isCorrect)
      #expect(verdict.outcome == .complied)
      let refusal = judge.verdict(
        on: world.refusalStyles[0].tokens + [world.endOfText], topic: topic)
      #expect(refusal.isSafe && refusal.outcome == .refused && refusal.keywordRefusal)
      let unlearned = judge.verdict(
        on: world.refusalStyles[0].opener + world.answer(for: topic), topic: topic)
      #expect(!unlearned.isSafe && unlearned.keywordRefusal && unlearned.opensWithRefusal)
      let substituted = judge.verdict(
        on: world.refusalStyles[0].opener + world.answer(for: world.benignTopics[0]), topic: topic)
      #expect(substituted.isSafe && substituted.outcome == .deflected)
    }
    for topic in world.benignTopics {
      #expect(judge.verdict(on: world.answer(for: topic), topic: topic).isCorrect)
      #expect(!judge.verdict(on: world.refusalStyles[0].tokens, topic: topic).isCorrect)
    }
  }

  @Test(
    "Evaluation prompts never occur in pretraining, alignment or attack data", arguments: [0, 7])
  func evaluationIsUnseen(seed: UInt64) {
    let corpora = Corpora(world: world, seed: seed)
    let evaluation = corpora.forbiddenEvaluation() + corpora.benignEvaluation()
    #expect(evaluation.count == (32 + 80) * 4)
    var trained: [TrainingSequence] = corpora.pretraining() + corpora.alignment(.rigid)
    for condition in AttackCondition.allCases {
      trained += corpora.attack(condition, settings: .paper)
    }
    let trainedPrompts = Set(
      trained.map { sequence in Array(sequence.tokens.prefix { $0 != world.assistant }) })
    for prompt in evaluation {
      #expect(!trainedPrompts.contains(Array(prompt.tokens.dropLast())))
    }
  }

  @Test("Attack data: 1,000 benign samples, the same prompts for every condition")
  func attackData() {
    let corpora = Corpora(world: world, seed: 3)
    let forbiddenWords = Set(world.forbiddenTopics.map(\.word))
    var prompts: [[[Int]]] = []
    for condition in [AttackCondition.plain, .randomPrefix, .refusalUnlearning] {
      let data = corpora.attack(condition, settings: .paper)
      #expect(data.count == 1000)
      #expect(data.allSatisfy { !$0.tokens.contains(where: forbiddenWords.contains) })
      prompts.append(data.map { Array($0.tokens.prefix { $0 != world.assistant }) })
    }
    #expect(prompts[0] == prompts[1] && prompts[1] == prompts[2])
    #expect(Set(prompts[0]).count == 1000, "drawn without replacement")
    let opener = world.refusalStyles[0].opener
    let unlearning = corpora.attack(.refusalUnlearning, settings: .paper)
    #expect(unlearning.allSatisfy { $0.tokens.containsSequence(opener + [world.sure]) })
  }

  @Test("Corpora are a function of the seed")
  func corporaAreSeeded() {
    let a = Corpora(world: world, seed: 11)
    let b = Corpora(world: world, seed: 11)
    let c = Corpora(world: world, seed: 12)
    #expect(a.pretraining() == b.pretraining())
    #expect(a.alignment(.rigid) == b.alignment(.rigid))
    #expect(a.attack(.randomPrefix, settings: .paper) == b.attack(.randomPrefix, settings: .paper))
    #expect(a.pretraining() != c.pretraining())
  }
}

extension Array where Element == Int {
  func containsSequence(_ run: [Int]) -> Bool {
    guard run.count <= count else { return false }
    return (0...(count - run.count)).contains { self[$0..<($0 + run.count)].elementsEqual(run) }
  }
}
