import Foundation
import RefusalLab
import Testing

/// The *Experiment File Reference* article against the decoder: every section's table lists
/// exactly the keys the decoder accepts there, so the two cannot drift apart.
@Suite("Experiment file reference")
struct ExperimentFileReferenceTests {
  /// The article's `### section` headings, each with the backticked keys in the first column
  /// of its table.
  static func documentedKeys() throws -> [String: [String]] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../../Docs/RefusalLab.docc/ExperimentFileReference.md")
    let text = try String(contentsOf: url, encoding: .utf8)
    var sections: [String: [String]] = [:]
    var current: String?
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("### ") {
        current = String(line.dropFirst(4))
        sections[current!] = []
      } else if let section = current, line.hasPrefix("| `") {
        let cell = line.dropFirst(3).prefix { $0 != "`" }
        sections[section]!.append(String(cell))
      }
    }
    return sections
  }

  @Test("The reference lists every key the decoder accepts, and no other")
  func keys() throws {
    let documented = try Self.documentedKeys()
    let known = ExperimentFile.knownKeys
    #expect(Set(documented.keys) == Set(known.map(\.section)))
    for (section, keys) in known {
      #expect(documented[section] == keys, "section \(section)")
    }
  }

  @Test("Every documented key is accepted by the decoder where the reference puts it")
  func accepted() throws {
    // A file using one key of each object section decodes (values at their defaults).
    let file = """
      {"name": "x", "world": {"answerLength": 4},
       "families": [{"family": "ngram", "ngram": {"order": 3}, "attack": {"epochs": 1}},
                    {"family": "transformer", "transformer": {"layers": 2}}],
       "variants": [{"name": "v", "recovery": {"fraction": 1}}],
       "attack": {"sampleCount": 10}, "decoding": {"mode": "greedy", "maxNewTokens": 24},
       "seeds": {"first": 0, "count": 1}}
      """
    #expect(throws: Never.self) { try ExperimentFile(json: Data(file.utf8)) }
  }
}
