/// A large batch cut into shards of whole sequences, each run forward and backward on its
/// own thread, workspace and gradient buffer, the buffers then summed in shard order: far
/// better scaling than splitting every small matrix product. The shard count depends only
/// on the batch's size (`TransformerModel.shardCount`), so results stay bit-identical.
final class ShardedBatch {
  /// One workspace per shard.
  var workspaces: [Workspace?]
  /// Shard s ≥ 1 accumulates into `extraGradients[s − 1]` (the first writes the result).
  let extraGradients: [UnsafeMutableBufferPointer<Float>]

  /// Buffers for `shards` shards of a batch that fits `capacity`.
  init(
    configuration: TransformerConfiguration, parameters: Int, shards: Int,
    capacity: Workspace.Capacity
  ) {
    let count = max(1, shards)
    var workspaces: [Workspace?] = Array(repeating: nil, count: count)
    // Every shard may receive up to ⌈B/S⌉ sequences; size them once, for the longest.
    let sequences = (capacity.sequences + count - 1) / count
    let perSequence = max(1, capacity.rows / max(1, capacity.sequences))
    let share = Workspace.Capacity(
      rows: sequences * perSequence,
      attention: capacity.attention / max(1, capacity.sequences) * sequences,
      scoredRows: sequences * perSequence, sequences: sequences)
    for s in 0..<count {
      _ = Workspace.ensure(&workspaces[s], configuration, count == 1 ? capacity : share)
    }
    self.workspaces = workspaces
    extraGradients = (1..<count).map { _ in
      .allocate(capacity: parameters)
    }
  }

  deinit {
    for buffer in extraGradients { buffer.deallocate() }
  }

  /// The number of shards.
  var count: Int { workspaces.count }
}

extension TransformerModel {
  /// Training cuts its batches into one shard per 1,024 rows of the largest batch it may
  /// meet (batch size × longest sequence), at least one. Below 2,048 rows a batch stays one
  /// pass (every batch of the demo does); the count never depends on the thread count.
  static func shardCount(rows: Int) -> Int { max(1, rows / 1024) }

  /// Loss and gradient of one batch: ∂(mean loss)/∂parameters overwrites `gradients`.
  /// Returns `nil` when the batch trains no token.
  func lossAndGradient(
    _ batch: [TrainingSequence], shards: ShardedBatch, objective: TrainingObjective,
    gradients: UnsafeMutableBufferPointer<Float>, workers: Workers
  ) -> (loss: Double, scored: Int)? {
    let count = min(shards.count, batch.count)
    if count <= 1 {
      let shape = load(batch, into: &shards.workspaces[0], objective: objective)
      guard shape.scored > 0, let workspace = shards.workspaces[0] else { return nil }
      let loss = forwardLossAndGradient(
        workspace, shape, objective: objective, workers: workers)
      gradients.update(repeating: 0)
      backward(workspace, shape, gradients: gradients.baseAddress!, workers: workers)
      return (loss, shape.scored)
    }
    // Shard s holds sequences b·s/S ..< b·(s+1)/S; every shard is loaded first, because
    // each scales its loss by the whole batch's count of trained tokens.
    let shapes = (0..<count).map { s in
      let range = (batch.count * s / count)..<(batch.count * (s + 1) / count)
      return load(Array(batch[range]), into: &shards.workspaces[s], objective: objective)
    }
    let scored = shapes.reduce(0) { $0 + $1.scored }
    guard scored > 0 else { return nil }
    let scale = 1 / Float(scored)
    var losses = [Double](repeating: 0, count: count)
    losses.withUnsafeMutableBufferPointer { losses in
      Workers(threads: min(workers.threads, count)).run(count, long: true) { range in
        for s in range {
          let target = s == 0 ? gradients : shards.extraGradients[s - 1]
          target.update(repeating: 0)
          guard shapes[s].scored > 0, let workspace = shards.workspaces[s] else { continue }
          let mean = forwardLossAndGradient(
            workspace, shapes[s], objective: objective, workers: Workers(threads: 1),
            scale: scale)
          losses[s] = mean * Double(shapes[s].scored)
          backward(
            workspace, shapes[s], gradients: target.baseAddress!, workers: Workers(threads: 1))
        }
      }
    }
    // Sum the shards' gradients in shard order, in chunks of 1,024 parameters per thread.
    let total = gradients.count
    let extra = shards.extraGradients.prefix(count - 1)
    workers.run((total + 1023) / 1024) { range in
      let lower = range.lowerBound * 1024
      let upper = min(total, range.upperBound * 1024)
      for buffer in extra {
        for i in lower..<upper { gradients[i] += buffer[i] }
      }
    }
    return (losses.reduce(0, +) / Double(scored), scored)
  }
}
