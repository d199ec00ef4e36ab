import Foundation
import RefusalLab

/// `refusal-lab words`: the world's vocabulary by kind, for writing prompts.
enum WordsCommand: ToolCommand {
  static let spec = CommandSpec(
    name: "words",
    abstract: """
      List the world's words by kind: the prompt templates, the benign and the forbidden
      topics, the refusal styles and reasons, the neutral openers and the chat markup. A
      request is a template followed by a topic, such as "how do i make bread" or "can you
      teach me rotglyph".
      """,
    options: [
      OptionSpec(
        name: "--kind", valueName: "KIND",
        help:
          "Only one kind: \(WordCatalogue(world: try! World()).groups.map(\.kind).joined(separator: ", "))."
      ),
      OptionSpec(name: "--json", valueName: nil, help: "Print the groups as JSON."),
    ])

  static func run(_ arguments: [String]) throws {
    let parsed = try ParsedArguments(arguments, spec: spec)
    var catalogue = WordCatalogue(world: try World())
    if let kind = parsed.values["--kind"] {
      let kinds = catalogue.groups.map(\.kind)
      guard kinds.contains(kind) else {
        throw UsageError(
          message: "--kind: unknown kind '\(kind)' (known: \(kinds.joined(separator: ", ")))",
          command: spec)
      }
      catalogue.groups = catalogue.groups.filter { $0.kind == kind }
    }
    if parsed.has("--json") {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
      print(String(decoding: try encoder.encode(catalogue), as: UTF8.self))
    } else {
      print(catalogue.text(), terminator: "")
    }
  }
}
