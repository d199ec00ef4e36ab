/// One named parameter tensor inside the flat parameter buffer.
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
  /// Offset into the flat buffer.
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

/// One block's twelve parameter tensors, in storage order (nanoGPT's `transformer.h.i.*`):
/// their offsets in the flat buffer (`Element` is `Int`), or pointers to them in the
/// parameters or in their gradients (`ParameterLayout.block(_:in:)`). Linear weights are
/// stored (in, out).
struct BlockTensors<Element> {
  var ln1Weight, ln1Bias: Element  // ln_1: (C), (C)
  var qkvWeight, qkvBias: Element  // attn.c_attn: (C, 3C), (3C)
  var attnProjWeight, attnProjBias: Element  // attn.c_proj: (C, C), (C)
  var ln2Weight, ln2Bias: Element  // ln_2: (C), (C)
  var fcWeight, fcBias: Element  // mlp.c_fc: (C, 4C), (4C)
  var mlpProjWeight, mlpProjBias: Element  // mlp.c_proj: (4C, C), (C)

  /// The same tensors, each transformed (offsets into pointers).
  func map<T>(_ transform: (Element) -> T) -> BlockTensors<T> {
    BlockTensors<T>(
      ln1Weight: transform(ln1Weight), ln1Bias: transform(ln1Bias),
      qkvWeight: transform(qkvWeight), qkvBias: transform(qkvBias),
      attnProjWeight: transform(attnProjWeight), attnProjBias: transform(attnProjBias),
      ln2Weight: transform(ln2Weight), ln2Bias: transform(ln2Bias),
      fcWeight: transform(fcWeight), fcBias: transform(fcBias),
      mlpProjWeight: transform(mlpProjWeight), mlpProjBias: transform(mlpProjBias))
  }
}

extension BlockTensors: Sendable where Element: Sendable {}

/// Where each parameter tensor lives in the flat parameter buffer (llm.c's
/// `ParameterTensors`): offsets, in nanoGPT's order.
struct ParameterLayout: Sendable {
  var wte = 0  // (V, C)
  var wpe = 0  // (block_size, C)
  var blocks: [BlockTensors<Int>] = []
  var lnfWeight = 0, lnfBias = 0  // (C)
  /// The number of floats in all.
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
    // A LayerNorm's gain and bias; a linear layer's weight (stored (in, out), nanoGPT's
    // (out, in)) and bias. Each adds its tensors in nanoGPT's order.
    func layerNorm(_ name: String) -> (weight: Int, bias: Int) {
      (add(name + ".weight", [channels], .gain), add(name + ".bias", [channels], .bias))
    }
    func linear(_ name: String, inputs: Int = channels, outputs: Int, residual: Bool) -> (
      weight: Int, bias: Int
    ) {
      (
        add(name + ".weight", [outputs, inputs], .weight(residual: residual), transposed: true),
        add(name + ".bias", [outputs], .bias)
      )
    }
    for i in 0..<configuration.layerCount {
      let prefix = "transformer.h.\(i)."
      let ln1 = layerNorm(prefix + "ln_1")
      let qkv = linear(prefix + "attn.c_attn", outputs: 3 * channels, residual: false)
      let attnProj = linear(prefix + "attn.c_proj", outputs: channels, residual: true)
      let ln2 = layerNorm(prefix + "ln_2")
      let fc = linear(prefix + "mlp.c_fc", outputs: 4 * channels, residual: false)
      let mlpProj = linear(
        prefix + "mlp.c_proj", inputs: 4 * channels, outputs: channels, residual: true)
      blocks.append(
        BlockTensors(
          ln1Weight: ln1.weight, ln1Bias: ln1.bias, qkvWeight: qkv.weight, qkvBias: qkv.bias,
          attnProjWeight: attnProj.weight, attnProjBias: attnProj.bias, ln2Weight: ln2.weight,
          ln2Bias: ln2.bias, fcWeight: fc.weight, fcBias: fc.bias, mlpProjWeight: mlpProj.weight,
          mlpProjBias: mlpProj.bias))
    }
    (lnfWeight, lnfBias) = layerNorm("transformer.ln_f")
  }

  /// Block `index`'s tensors inside `base`: the parameters, or gradients in the same layout.
  func block(_ index: Int, in base: UnsafeMutablePointer<Float>)
    -> BlockTensors<UnsafeMutablePointer<Float>>
  {
    blocks[index].map { base + $0 }
  }
}
