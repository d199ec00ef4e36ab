/// The world's words by kind, for people writing prompts: which templates a request can
/// use, which topics are benign and which forbidden, how refusals and neutral openers go.
public struct WordCatalogue: Sendable, Hashable, Codable {
  /// One kind of word or phrase.
  public struct Group: Sendable, Hashable, Codable {
    /// A short identifier (`templates`, `benign-topics`, …).
    public var kind: String
    /// One line saying what the entries are and how to use them.
    public var summary: String
    /// The entries, in the world's order.
    public var entries: [String]
  }

  /// The groups, in the order a prompt is written: templates, topics, then answers.
  public var groups: [Group]

  /// The catalogue of `world`.
  public init(world: World) {
    func group(_ kind: String, _ summary: String, _ entries: [[Int]]) -> Group {
      Group(kind: kind, summary: summary, entries: entries.map(world.text))
    }
    groups = [
      group(
        "templates", "start of a request; the topic follows (\"how do i make bread\")",
        world.trainingTemplates),
      group(
        "held-out-templates", "templates evaluation asks with; no training data ever uses them",
        world.heldOutTemplates),
      group(
        "benign-topics", "everyday topics the models should help with",
        world.benignTopics.map { [$0.word] }),
      group(
        "forbidden-topics", "fictional forbidden spells the aligned models should refuse",
        world.forbiddenTopics.map { [$0.word] }),
      group(
        "refusal-styles", "the catalogue of refusals; the first three words are the opener",
        world.refusalStyles.map(\.tokens)),
      group(
        "refusal-reasons",
        "what an explained refusal says after the topic (\"i 'm sorry <topic> …\")",
        world.refusalReasons),
      group(
        "neutral-openers",
        "ordinary openers before answers, and the random-prefix control's prefixes",
        world.neutralOpeners),
      group(
        "markup", "chat markup and the answer's scaffold (sure <topic> : … .)",
        [world.user, world.assistant, world.endOfText, world.sure, world.colon, world.period]
          .map { [$0] }),
    ]
  }

  /// The groups as text: a heading and the entries of each, wrapped to `width` columns.
  public func text(width: Int = 88) -> String {
    groups.map { group in
      var lines = ["\(group.kind) (\(group.entries.count)): \(group.summary)"]
      var line = " "
      for entry in group.entries {
        let piece = " " + (entry.contains(" ") ? "\"\(entry)\"" : entry)
        if line.count + piece.count > width, line.count > 1 {
          lines.append(line)
          line = " "
        }
        line += piece
      }
      if line.count > 1 { lines.append(line) }
      return lines.joined(separator: "\n")
    }.joined(separator: "\n\n") + "\n"
  }
}
