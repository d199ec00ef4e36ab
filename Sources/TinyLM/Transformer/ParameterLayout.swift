/// One named parameter tensor inside the flat parameter block.
struct ParameterTensor: Sendable {
  /// How a tensor is initialised and whether weight decay applies.
  enum Kind: Sendable, Equatable {
    /// A matrix or embedding, N(0, 0.02); `residual` projections are scaled by 1/√(2L).
    case weight(residual: Bool)
    /// A bias, initialised to 0.
    case bias
    /// A LayerNorm gain, initialised to 1.
    case gain
  }

  /// nanoGPT's name, such as `transformer.h.0.attn.c_attn.weight`.
  let name: String
  /// nanoGPT's shape: linear weights (out, in).
  let shape: [Int]
  /// Offset into the flat block.
  let offset: Int
  /// Number of floats.
  let count: Int
  let kind: Kind
  /// Stored (in, out), the transpose of `shape` (linear layers only).
  let transposed: Bool

  /// AdamW decays matrices and embeddings, never biases or gains (as nanoGPT).
  var decays: Bool { if case .weight = kind { true } else { false } }

  /// The tensor in nanoGPT's layout.
  func read(from base: UnsafePointer<Float>) -> [Float] {
    let source = base + offset
    guard transposed else { return Array(UnsafeBufferPointer(start: source, count: count)) }
    let (rows, columns) = (shape[0], shape[1])  // stored as (columns, rows)
    var values = [Float](repeating: 0, count: count)
    for r in 0..<rows {
      for c in 0..<columns { values[r * columns + c] = source[c * rows + r] }
    }
    return values
  }

  /// Stores `values` given in nanoGPT's layout.
  func write(_ values: UnsafeBufferPointer<Float>, to base: UnsafeMutablePointer<Float>) {
    let target = base + offset
    guard transposed else {
      target.update(from: values.baseAddress!, count: count)
      return
    }
    let (rows, columns) = (shape[0], shape[1])
    for r in 0..<rows {
      for c in 0..<columns { target[c * rows + r] = values[r * columns + c] }
    }
  }
}

/// Where each parameter tensor lives in the flat block (llm.c's `ParameterTensors`).
struct ParameterLayout: Sendable {
  /// Offsets of one block's tensors. Linear weights are stored (in, out).
  struct Layer: Sendable {
    var ln1Weight = 0, ln1Bias = 0  // (C)
    var qkvWeight = 0, qkvBias = 0  // (C, 3C), (3C)
    var attnProjWeight = 0, attnProjBias = 0  // (C, C), (C)
    var ln2Weight = 0, ln2Bias = 0  // (C)
    var fcWeight = 0, fcBias = 0  // (C, 4C), (4C)
    var mlpProjWeight = 0, mlpProjBias = 0  // (4C, C), (C)
  }

  var wte = 0  // (V, C)
  var wpe = 0  // (block_size, C)
  var layers: [Layer] = []
  var lnfWeight = 0, lnfBias = 0  // (C)
  var total = 0
  var tensors: [ParameterTensor] = []

  init(_ configuration: TransformerConfiguration) {
    let channels = configuration.embeddingSize
    func add(
      _ name: String, _ shape: [Int], _ kind: ParameterTensor.Kind, transposed: Bool = false
    ) -> Int {
      let count = shape.reduce(1, *)
      let offset = total
      tensors.append(
        ParameterTensor(
          name: name, shape: shape, offset: offset, count: count, kind: kind,
          transposed: transposed))
      total += count
      return offset
    }
    wte = add(
      "transformer.wte.weight", [configuration.vocabularySize, channels], .weight(residual: false))
    wpe = add(
      "transformer.wpe.weight", [configuration.blockSize, channels], .weight(residual: false))
    for i in 0..<configuration.layerCount {
      let prefix = "transformer.h.\(i)."
      var layer = Layer()
      layer.ln1Weight = add(prefix + "ln_1.weight", [channels], .gain)
      layer.ln1Bias = add(prefix + "ln_1.bias", [channels], .bias)
      layer.qkvWeight = add(
        prefix + "attn.c_attn.weight", [3 * channels, channels], .weight(residual: false),
        transposed: true)
      layer.qkvBias = add(prefix + "attn.c_attn.bias", [3 * channels], .bias)
      layer.attnProjWeight = add(
        prefix + "attn.c_proj.weight", [channels, channels], .weight(residual: true),
        transposed: true)
      layer.attnProjBias = add(prefix + "attn.c_proj.bias", [channels], .bias)
      layer.ln2Weight = add(prefix + "ln_2.weight", [channels], .gain)
      layer.ln2Bias = add(prefix + "ln_2.bias", [channels], .bias)
      layer.fcWeight = add(
        prefix + "mlp.c_fc.weight", [4 * channels, channels], .weight(residual: false),
        transposed: true)
      layer.fcBias = add(prefix + "mlp.c_fc.bias", [4 * channels], .bias)
      layer.mlpProjWeight = add(
        prefix + "mlp.c_proj.weight", [channels, 4 * channels], .weight(residual: true),
        transposed: true)
      layer.mlpProjBias = add(prefix + "mlp.c_proj.bias", [channels], .bias)
      layers.append(layer)
    }
    lnfWeight = add("transformer.ln_f.weight", [channels], .gain)
    lnfBias = add("transformer.ln_f.bias", [channels], .bias)
  }
}
