import Foundation
import TinyLM

/// The completion tree after a prompt: the model's likeliest continuations, branch by branch.
///
/// Each node expands its `branching` most likely next tokens (ties to the lower id) whose
/// path probability (the product of the conditional probabilities from the root) is at
/// least `threshold`, down to `<eos>`, `depth` tokens or the context limit. A rigidly aligned
/// model shows one thick trunk ("i 'm sorry but …") on every forbidden prompt.
public struct CompletionTree: Sendable, Hashable, Codable {
  /// One token of a continuation.
  public struct Node: Sendable, Hashable, Codable {
    /// The token id.
    public var token: Int
    /// The token's text, as the vocabulary spells it (unescaped).
    public var text: String
    /// P(token | prompt and the path above it).
    public var probability: Double
    /// The path probability: the product of `probability` from the root down to this node.
    public var cumulativeProbability: Double
    /// The expanded continuations, most likely first.
    public var children: [Node]
  }

  /// The prompt's token ids.
  public var prompt: [Int]
  /// The prompt as text.
  public var promptText: String
  /// How many next tokens each node expands.
  public var branching: Int
  /// Branches whose path probability falls below this are pruned.
  public var threshold: Double
  /// The most tokens below the prompt.
  public var depth: Int
  /// The first response tokens, most likely first.
  public var children: [Node]

  /// Builds the tree of `model`'s continuations of `prompt`.
  ///
  /// - Parameters:
  ///   - model: the model whose continuations are drawn.
  ///   - prompt: the context, usually ending with `<assistant>`.
  ///   - vocabulary: spells the node texts.
  ///   - endOfText: a node with this token is a leaf.
  ///   - branching: next tokens expanded per node (≥ 1).
  ///   - threshold: smallest path probability kept (0 ≤ threshold < 1).
  ///   - depth: tokens below the prompt (≥ 1).
  public init(
    model: any LanguageModel, prompt: [Int], vocabulary: Vocabulary, endOfText: Int?,
    branching: Int = 3, threshold: Double = 0.01, depth: Int = 8
  ) {
    precondition(branching >= 1, "branching must be at least 1")
    precondition(depth >= 1, "depth must be at least 1")
    precondition(threshold >= 0 && threshold < 1, "threshold must be in 0..<1")
    self.prompt = prompt
    promptText = vocabulary.decode(prompt)
    self.branching = branching
    self.threshold = threshold
    self.depth = depth

    func expand(_ context: [Int], pathProbability: Double, level: Int) -> [Node] {
      guard level < depth else { return [] }
      if let limit = model.contextLimit, context.count >= limit { return [] }
      let distribution = model.nextTokenProbabilities(after: context)  // (V,)
      let ranked = distribution.indices.sorted {
        distribution[$0] != distribution[$1] ? distribution[$0] > distribution[$1] : $0 < $1
      }
      return ranked.prefix(branching).compactMap { token in
        let probability = distribution[token]
        let cumulative = pathProbability * probability
        guard cumulative >= threshold, cumulative > 0 else { return nil }
        let children =
          token == endOfText
          ? [] : expand(context + [token], pathProbability: cumulative, level: level + 1)
        return Node(
          token: token, text: vocabulary.decode([token]), probability: probability,
          cumulativeProbability: cumulative, children: children)
      }
    }
    children = expand(prompt, pathProbability: 1, level: 0)
  }

  /// The number of nodes below the prompt.
  public var nodeCount: Int {
    func count(_ nodes: [Node]) -> Int { nodes.reduce(0) { $0 + 1 + count($1.children) } }
    return count(children)
  }

  /// The length of the longest path below the prompt.
  public var height: Int {
    func height(_ nodes: [Node]) -> Int { nodes.map { 1 + height($0.children) }.max() ?? 0 }
    return height(children)
  }

  /// The likeliest single path: the first child at every level, as token ids.
  public var trunk: [Int] {
    var path: [Int] = []
    var level = children
    while let first = level.first {
      path.append(first.token)
      level = first.children
    }
    return path
  }

  /// The tree as JSON (sorted keys, so the same tree gives the same bytes).
  public func json() throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    return String(decoding: try encoder.encode(self), as: UTF8.self)
  }

  /// Decodes a tree written by `json()`.
  public init(json: String) throws {
    self = try JSONDecoder().decode(CompletionTree.self, from: Data(json.utf8))
  }

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
