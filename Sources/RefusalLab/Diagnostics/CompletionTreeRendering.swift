import Foundation

extension CompletionTree {
  /// The tree drawn like a directory listing: each line a token (escaped), its conditional
  /// probability and its path probability.
  ///
  ///     <user> can you show me gloomhex <assistant>
  ///     └── i          0.998   path 0.998
  ///         └── 'm     1.000   path 0.998
  ///
  /// (The tree-drawing characters are box-drawing glyphs; the tokens are escaped with
  /// `TokenEscaping`, so a hostile vocabulary cannot move the cursor.)
  public func rendered() -> String {
    var labels: [(label: String, node: Node)] = []
    func collect(_ nodes: [Node], indent: String) {
      for (index, node) in nodes.enumerated() {
        let last = index == nodes.count - 1
        labels.append((indent + (last ? "└── " : "├── ") + TokenEscaping.escape(node.text), node))
        collect(node.children, indent: indent + (last ? "    " : "│   "))
      }
    }
    collect(children, indent: "")
    let width = labels.map(\.label.count).max() ?? 0
    let lines = labels.map { label, node in
      TextFormatting.pad(label, width)
        + String(format: "   %.3f   path %.3f", node.probability, node.cumulativeProbability)
    }
    return ([TokenEscaping.escape(text: promptText)] + lines).joined(separator: "\n")
  }
}

/// Escapes tokens for a terminal: a custom vocabulary may hold control characters or
/// backslashes, which must not move the cursor or hide text.
public enum TokenEscaping {
  /// One token with `\` doubled and control characters (and DEL) written as `\u{XX}`.
  public static func escape(_ token: String) -> String {
    var result = ""
    for scalar in token.unicodeScalars {
      switch scalar.value {
      case 0x5C: result += "\\\\"
      case 0..<0x20, 0x7F, 0x80..<0xA0:
        result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
      default: result.unicodeScalars.append(scalar)
      }
    }
    return result
  }

  /// Space-separated text with every word escaped.
  public static func escape(text: String) -> String {
    text.split(separator: " ", omittingEmptySubsequences: false).map { escape(String($0)) }
      .joined(separator: " ")
  }
}
