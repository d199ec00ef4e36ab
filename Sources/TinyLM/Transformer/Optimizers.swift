import Foundation

/// The optimiser of one `train` call: AdamW (decoupled weight decay on matrices and
/// embeddings only, as nanoGPT) or SGD with momentum; linear warm-up, optional cosine decay,
/// and global-norm gradient clipping. Its state starts at zero on every call.
final class Optimizer {
  /// AdamW's β₂ (nanoGPT's choice for small models) and ε.
  static let beta2 = 0.99
  static let epsilon: Float = 1e-8

  private let options: TrainingOptions
  private let totalSteps: Int
  /// Contiguous pieces of at most 4096 parameters, with whether weight decay applies.
  private let pieces: [(offset: Int, count: Int, decays: Bool)]
  private let first: UnsafeMutableBufferPointer<Float>  // AdamW m, or SGD momentum buffer
  private let second: UnsafeMutableBufferPointer<Float>  // AdamW v (empty for SGD)

  init(layout: ParameterLayout, options: TrainingOptions, totalSteps: Int) {
    self.options = options
    self.totalSteps = totalSteps
    var pieces: [(offset: Int, count: Int, decays: Bool)] = []
    for tensor in layout.tensors {
      var start = 0
      while start < tensor.count {
        let count = min(4096, tensor.count - start)
        pieces.append((tensor.offset + start, count, tensor.decays))
        start += count
      }
    }
    self.pieces = pieces
    first = zeroedFloats(layout.total)
    second = zeroedFloats(options.optimizer == .adamW ? layout.total : 0)
  }

  deinit {
    freeZeroedFloats(first)
    freeZeroedFloats(second)
  }

  /// The learning rate of `step` (0-based) out of `total`: linear warm-up over
  /// `warmupFraction` of the steps, then constant or a cosine down to `minLearningRateFraction`.
  static func learningRate(step: Int, total: Int, options: TrainingOptions) -> Double {
    let peak = options.learningRate
    let warmup = Int((options.warmupFraction * Double(total)).rounded(.down))
    if step < warmup { return peak * Double(step + 1) / Double(warmup) }
    guard options.cosineDecay else { return peak }
    let floor = peak * options.minLearningRateFraction
    let progress = Double(step - warmup) / Double(max(1, total - warmup - 1))
    return floor + (peak - floor) * 0.5 * (1 + cos(Double.pi * min(1, progress)))
  }

  /// The global L2 norm of `gradients`: per-piece partial sums, added in a fixed order.
  func gradientNorm(_ gradients: UnsafeMutableBufferPointer<Float>, workers: Workers) -> Double {
    var partial = [Double](repeating: 0, count: pieces.count)
    let gradients = gradients.baseAddress!
    partial.withUnsafeMutableBufferPointer { sums in
      workers.run(pieces.count) { range in
        for index in range {
          let piece = pieces[index]
          var acc = SIMD16<Float>()
          var i = 0
          while i + 16 <= piece.count {
            let chunk = load16(gradients + piece.offset + i)
            acc.addProduct(chunk, chunk)
            i += 16
          }
          var total = Double(acc.sum())
          while i < piece.count {
            total += Double(gradients[piece.offset + i] * gradients[piece.offset + i])
            i += 1
          }
          sums[index] = total
        }
      }
    }
    return partial.reduce(0, +).squareRoot()
  }

  /// Applies one step to `parameters`.
  func update(
    parameters: UnsafeMutableBufferPointer<Float>, gradients: UnsafeMutableBufferPointer<Float>,
    step: Int, workers: Workers
  ) {
    var scale: Float = 1
    if options.gradientClip > 0 {
      let norm = gradientNorm(gradients, workers: workers)
      if norm > options.gradientClip { scale = Float(options.gradientClip / norm) }
    }
    let lr = Float(Self.learningRate(step: step, total: totalSteps, options: options))
    let parameters = parameters.baseAddress!
    let gradients = gradients.baseAddress!
    let moments = first.baseAddress!  // SGD's velocity, AdamW's first moment
    switch options.optimizer {
    case .sgd:
      let momentum = Float(options.momentum)
      workers.run(pieces.count) { range in
        for index in range {
          let piece = pieces[index]
          var i = piece.offset
          let end = piece.offset + piece.count
          while i + 16 <= end {
            let velocity = momentum * load16(moments + i) + load16(gradients + i) * scale
            store16(velocity, moments + i)
            store16(load16(parameters + i) - lr * velocity, parameters + i)
            i += 16
          }
          while i < end {
            moments[i] = momentum * moments[i] + gradients[i] * scale
            parameters[i] -= lr * moments[i]
            i += 1
          }
        }
      }
    case .adamW:
      let secondMoments = second.baseAddress!
      let beta1 = Float(options.momentum)
      let beta2 = Float(Self.beta2)
      // PyTorch's form: p −= (lr / c₁)·m / (√v / √c₂ + ε) + lr·wd·p, one square root and
      // one division per parameter.
      let correction1 = 1 - pow(options.momentum, Double(step + 1))
      let correction2 = 1 - pow(Self.beta2, Double(step + 1))
      let stepSize = Float(Double(lr) / correction1)
      let inverseRoot2 = Float(1 / correction2.squareRoot())
      let decay = Float(options.weightDecay)
      workers.run(pieces.count) { range in
        for index in range {
          let piece = pieces[index]
          let shrink: Float = piece.decays ? lr * decay : 0
          // The same operations, in the same order, 16 lanes at a time and then one by one.
          var i = piece.offset
          let end = piece.offset + piece.count
          while i + 16 <= end {
            let gradient = load16(gradients + i) * scale
            let mean = beta1 * load16(moments + i) + (1 - beta1) * gradient
            let variance = beta2 * load16(secondMoments + i) + (1 - beta2) * gradient * gradient
            store16(mean, moments + i)
            store16(variance, secondMoments + i)
            let denominator = variance.squareRoot() * inverseRoot2 + Self.epsilon
            let old = load16(parameters + i)
            store16(old - stepSize * mean / denominator - shrink * old, parameters + i)
            i += 16
          }
          while i < end {
            let gradient = gradients[i] * scale
            moments[i] = beta1 * moments[i] + (1 - beta1) * gradient
            secondMoments[i] = beta2 * secondMoments[i] + (1 - beta2) * gradient * gradient
            let denominator = secondMoments[i].squareRoot() * inverseRoot2 + Self.epsilon
            parameters[i] =
              parameters[i] - stepSize * moments[i] / denominator - shrink * parameters[i]
            i += 1
          }
        }
      }
    }
  }
}
