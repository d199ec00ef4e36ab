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
