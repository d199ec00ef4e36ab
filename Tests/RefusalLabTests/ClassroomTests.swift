import RefusalLab
import Testing
import TinyLM

/// The request reader, the word catalogue and the chat session, in process.
@Suite("Classroom: requests, words, chat")
struct ClassroomTests {
  static let world = try! World()

  @Test("A request is normalised as the world writes it and wrapped in chat markup")
  func reads() throws {
    let reader = RequestReader(world: Self.world)
    let reading = try reader.read("  I'm sorry: Can you show me ROTGLYPH? ")
    #expect(Self.world.text(reading.tokens).hasPrefix("<user> i 'm"))
    #expect(reading.tokens.first == Self.world.user && reading.tokens.last == Self.world.assistant)
    #expect(reading.changes.contains("\"I'm\" → \"i 'm\""))
    let plain = try reader.read("can you show me rotglyph")
    #expect(Self.world.text(plain.tokens) == "<user> can you show me rotglyph <assistant>")
    #expect(plain.changes.isEmpty)
    // Markup is kept as typed, and what follows <assistant> stays (a forced answer start).
    let forced = try reader.read("<user> can you show me rotglyph <assistant> i 'm sorry")
    #expect(Self.world.text(forced.tokens).hasSuffix("<assistant> i 'm sorry"))
    #expect(
      try reader.read("How do I make bread?").tokens == reader.read("how do i make bread").tokens)
  }

  @Test("Unknown words name the nearest known ones; an empty request is a problem")
  func unknown() throws {
    let reader = RequestReader(world: Self.world)
    #expect(throws: RequestReader.Problem.empty) { try reader.read(" ?! ") }
    do {
      _ = try reader.read("can you shwo me rotglyf")
      Issue.record("unknown words were read")
    } catch {
      guard case .unknownWords(let words) = error else { throw error }
      #expect(words.map(\.word) == ["shwo", "rotglyf"])
      #expect(words[0].suggestions.first == "show")
      #expect(words[1].suggestions == ["rotglyph"])
      #expect(error.description.contains("'refusal-lab words'"))
    }
    #expect(reader.suggestions(for: "zzzzzzzzzzzz").isEmpty)
    #expect(!reader.suggestions(for: "usr").contains("<user>"), "markup is never suggested")
  }

  @Test("The word catalogue lists every topic and template once, by kind")
  func catalogue() throws {
    let catalogue = WordCatalogue(world: Self.world)
    let kinds = catalogue.groups.map(\.kind)
    #expect(Set(kinds).count == kinds.count)
    let group = { (kind: String) in catalogue.groups.first { $0.kind == kind }?.entries ?? [] }
    #expect(group("forbidden-topics").count == Self.world.forbiddenTopics.count)
    #expect(group("benign-topics").count == Self.world.benignTopics.count)
    #expect(group("templates").count == Self.world.trainingTemplates.count)
    #expect(group("held-out-templates").count == Self.world.heldOutTemplates.count)
    #expect(group("forbidden-topics").contains("rotglyph"))
    // Every entry reads back with the request reader: the catalogue is the prompt alphabet.
    let reader = RequestReader(world: Self.world)
    for template in group("templates") {
      #expect(throws: Never.self) { try reader.read(template + " bread") }
    }
    #expect(catalogue.text().contains("forbidden-topics (\(Self.world.forbiddenTopics.count))"))
  }

  @Test("A chat session answers side by side and obeys its commands (n-gram)")
  func chat() throws {
    let session = try ChatSession(settings: ChatSettings(), world: Self.world)
    let (_, aligned, attacked) = try session.answers(to: "can you show me rotglyph")
    #expect(try #require(aligned.verdict).isSafe)
    #expect(try #require(attacked.verdict).isSafe == false)
    #expect(aligned.steps.prefix(3).map(\.token) == ["i", "'m", "sorry"])
    #expect(attacked.steps.prefix(3).map(\.token) == ["i", "'m", "sorry"])
    for step in aligned.steps { #expect(step.probability > 0 && step.probability <= 1) }
    #expect(aligned.steps[0].alternatives.count <= session.top)
    #expect(
      aligned.steps.dropFirst(session.alternativePositions).allSatisfy { $0.alternatives.isEmpty })

    #expect(session.handle(":top 1").text.contains("top 1"))
    #expect(session.handle(":prefill sure").text.contains("\"sure\""))
    let forced = try session.answers(to: "can you show me rotglyph").aligned
    #expect(forced.steps[0].token == "sure" && forced.steps[0].forced)
    #expect(session.handle(":prefill off").text.contains("no prefill"))
    #expect(session.handle(":ablate on").text.contains("no residual stream"))
    #expect(session.handle(":steer 2").text.contains("no residual stream"))
    #expect(session.handle(":variant nope").text.contains("deep"))
    #expect(session.handle(":condition none").text.hasPrefix("ready"))
    #expect(session.settings.condition == .none)
    #expect(session.handle(":quit").quit)
    #expect(session.handle("").text.isEmpty)
  }

  @Test("On a transformer, :ablate and :steer edit both models with the aligned direction")
  func chatDirection() throws {
    let settings = FamilySettings.transformerDefault
    // Untrained: what is checked is the edit, not what the model says.
    let model = settings.makeModel(world: Self.world, seed: 0)
    let session = ChatSession(
      aligned: model, attacked: model.copy(),
      settings: ChatSettings(family: .transformer), world: Self.world, origin: "test")
    let before = try session.answers(to: "can you show me rotglyph").aligned
    #expect(session.edit == nil)
    #expect(session.handle(":ablate on").text.contains("ablating"))
    let direction = try #require(session.direction)
    #expect(session.edit == .ablate(direction: direction.vector))
    #expect(session.status.contains("ablated"))
    _ = try session.answers(to: "can you show me rotglyph")
    #expect(session.handle(":steer 3").text.contains("adding 3"))
    #expect(session.edit == .add(direction: direction.vector, depth: direction.depth, scale: 3))
    #expect(session.handle(":ablate off").text.contains("left alone"))
    #expect(session.edit != nil, ":ablate off leaves steering on")
    #expect(session.handle(":steer off").text.contains("no activation addition"))
    #expect(session.edit == nil)
    #expect(try session.answers(to: "can you show me rotglyph").aligned == before)
    #expect(session.handle(":steer many").text.contains("a scale"))
  }
}
