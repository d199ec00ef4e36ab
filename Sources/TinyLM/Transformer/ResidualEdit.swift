/// An edit of the transformer's residual stream at inference, as Arditi et al. (2024,
/// *Refusal in Language Models Is Mediated by a Single Direction*) edit real chat models.
///
/// Set one with ``TransformerModel/residualEdit``; every forward pass of that model — scoring,
/// decoding, ``TransformerModel/residualStream(of:)`` — applies it. Training refuses an
/// edited model.
public enum ResidualEdit: Sendable, Hashable {
  /// Directional ablation: project `direction` out of every write to the residual stream —
  /// the embeddings, and each block's attention and MLP outputs — so that no state has a
  /// component along it. A zero direction changes nothing.
  case ablate(direction: [Float])
  /// Activation addition: add `scale · direction` to the residual stream at `depth`, at
  /// every position. Depth 0 is the embeddings (the input of the first block), depth l the
  /// output of block l (the input of the next; depth L is what `ln_f` reads), as
  /// ``TransformerModel/residualStream(of:)`` numbers them.
  case add(direction: [Float], depth: Int, scale: Float)

  /// The direction the edit uses.
  public var direction: [Float] {
    switch self {
    case .ablate(let direction), .add(let direction, _, _): direction
    }
  }

  /// Why the edit does not fit a model of `configuration`, or `nil` if it does.
  public func problem(for configuration: TransformerConfiguration) -> String? {
    guard direction.count == configuration.embeddingSize else {
      return "the direction has \(direction.count) values, the model's residual stream "
        + "\(configuration.embeddingSize)"
    }
    guard direction.allSatisfy(\.isFinite) else { return "the direction is not finite" }
    if case .add(_, let depth, let scale) = self {
      guard (0...configuration.layerCount).contains(depth) else {
        return "depth \(depth) is not in 0…\(configuration.layerCount)"
      }
      guard scale.isFinite else { return "the scale is not finite" }
    }
    return nil
  }
}

/// A ``ResidualEdit`` ready for the forward pass: the unit direction for an ablation, the
/// scaled direction for an addition.
struct AppliedResidualEdit {
  /// Ablation: the unit vector u (zero for a zero direction), removed as x ← x − (x·u)u.
  let unit: [Float]?
  /// Addition: the vector added, and where.
  let addition: (vector: [Float], depth: Int)?

  init(_ edit: ResidualEdit) {
    switch edit {
    case .ablate(let direction):
      var squared: Float = 0
      for value in direction { squared += value * value }
      let norm = squared.squareRoot()
      unit = direction.map { norm > 0 ? $0 / norm : 0 }
      addition = nil
    case .add(let direction, let depth, let scale):
      unit = nil
      addition = (direction.map { $0 * scale }, depth)
    }
  }

  /// Applies the edit to the `rows` rows of `x` (rows, C), the residual stream just after a
  /// write: at `depth` (0 the embeddings, l the output of block l), or `nil` for the write
  /// inside a block (after attention), where only an ablation acts.
  func apply(to x: UnsafeMutablePointer<Float>, rows: Int, channels: Int, depth: Int?) {
    if let unit {
      for row in 0..<rows {
        let state = x + row * channels
        var dot: Float = 0
        for c in 0..<channels { dot += state[c] * unit[c] }
        for c in 0..<channels { state[c] -= dot * unit[c] }
      }
    }
    if let addition, let depth, addition.depth == depth {
      for row in 0..<rows {
        let state = x + row * channels
        for c in 0..<channels { state[c] += addition.vector[c] }
      }
    }
  }
}
