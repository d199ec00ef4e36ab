/// Completion trees drawn left to right: the prompt at the root, then one column per answer
/// token, each node a token with its conditional probability, each edge as thick as the
/// path probability of the node it leads to.
///
/// A rigidly aligned model shows one thick trunk ("i 'm sorry but …"); after refusal
/// unlearning the trunk still starts "i 'm sorry" and then turns into the answer. Several
/// trees are drawn as panels, stacked (the default) or side by side, each with its own
/// title. The figure grows taller (and, side by side, wider) to fit its trees.
public struct TreeFigure: Figure {
  /// One token of a continuation (the shape of ``CompletionTree/Node``).
  public struct Node: Sendable, Hashable {
    /// The token's text.
    public var text: String
    /// P(token | prompt and the path above it).
    public var probability: Double
    /// The path probability: the product of the probabilities from the root to this node.
    public var cumulativeProbability: Double
    /// The continuations, most likely first.
    public var children: [Node]

    /// A node.
    public init(
      text: String, probability: Double, cumulativeProbability: Double, children: [Node] = []
    ) {
      self.text = text
      self.probability = probability
      self.cumulativeProbability = cumulativeProbability
      self.children = children
    }

    /// The node of a ``CompletionTree``, with its subtree.
    public init(_ node: CompletionTree.Node) {
      self.init(
        text: node.text, probability: node.probability,
        cumulativeProbability: node.cumulativeProbability, children: node.children.map(Node.init))
    }
  }

  /// One tree: a title, the prompt at its root and the first answer tokens.
  public struct Panel: Sendable, Hashable {
    /// The title above the tree, such as `"aligned"` (empty for none).
    public var title: String
    /// The prompt, drawn (wrapped) at the root.
    public var prompt: String
    /// The first answer tokens, most likely first.
    public var children: [Node]

    /// A tree of `children` after `prompt`.
    public init(title: String, prompt: String, children: [Node]) {
      self.title = title
      self.prompt = prompt
      self.children = children
    }

    /// The tree of a ``CompletionTree``.
    public init(title: String, tree: CompletionTree) {
      self.init(title: title, prompt: tree.promptText, children: tree.children.map(Node.init))
    }
  }

  /// How the panels are placed.
  public enum Arrangement: Sendable, Hashable {
    /// One above the other, each the figure's full width.
    case stacked
    /// Next to each other, sharing the width.
    case sideBySide
  }

  /// The title drawn at the top.
  public var title: String
  /// The caption drawn below the figure or in the page's `<figcaption>`.
  public var caption: String
  /// The trees.
  public var panels: [Panel]
  /// Stacked or side by side.
  public var arrangement: Arrangement
  /// The figure's nominal size (its width is kept unless side-by-side trees need more).
  public var size: FigureSize

  /// A figure of one or more completion trees.
  public init(
    title: String, caption: String, panels: [Panel], arrangement: Arrangement = .stacked,
    size: FigureSize = .standard
  ) {
    self.title = title
    self.caption = caption
    self.panels = panels
    self.arrangement = arrangement
    self.size = size
  }

  /// The thickest edge, drawn for a path probability of 1.
  public static let maxEdgeWidth = 14.0

  /// The figure as an SVG drawing.
  public func document(drawsCaption: Bool) -> SVGDocument {
    let available = size.width - 2 * FigureStyle.margin
    let count = Double(max(1, panels.count))
    let panelWidth =
      arrangement == .stacked ? available : (available - TreeLayout.panelGap * (count - 1)) / count
    let layouts = panels.map { TreeLayout($0, width: panelWidth) }
    var figureSize = size
    if arrangement == .sideBySide {
      let needed = layouts.reduce(0) { $0 + $1.width } + TreeLayout.panelGap * (count - 1)
      figureSize.width = max(size.width, needed + 2 * FigureStyle.margin)
    } else {
      let needed = layouts.map(\.width).max() ?? 0
      figureSize.width = max(size.width, needed + 2 * FigureStyle.margin)
    }
    let legend = [
      LegendEntry(
        name: "path probability 100%", color: TreeLayout.edgeColor, mark: .stroke(Self.maxEdgeWidth)
      ),
      LegendEntry(name: "50%", color: TreeLayout.edgeColor, mark: .stroke(Self.maxEdgeWidth / 2)),
      LegendEntry(name: "10%", color: TreeLayout.edgeColor, mark: .stroke(Self.maxEdgeWidth / 10)),
      LegendEntry(
        name: "under each token: its probability, given the tokens before it", color: Palette.ink,
        mark: .none),
    ]
    return FigureFrame.compose(
      size: figureSize, title: title, caption: caption, drawsCaption: drawsCaption,
      legend: legend
    ) { box in
      var elements: [SVGElement] = []
      var x = box.x
      var y = box.y + 4
      var bottom = y
      for layout in layouts {
        elements.append(layout.elements(x: x, y: y))
        bottom = max(bottom, y + layout.height)
        if arrangement == .stacked {
          y += layout.height + TreeLayout.panelGap
        } else {
          x += layout.width + TreeLayout.panelGap
        }
      }
      return (elements, bottom - box.y)
    }
  }
}
