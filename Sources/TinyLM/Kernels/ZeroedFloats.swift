#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A buffer of floats that starts at zero, from `calloc`: a large one comes straight from
/// the operating system's zero pages, each cleared when first touched, so capacity a run
/// never uses costs nothing and no page is cleared twice. The same zeros as `allocate`
/// followed by `initialize(repeating: 0)`, which for a training run's workspace (over
/// 100 MB at the larger benchmark size) took longer than a training step.
func zeroedFloats(_ count: Int) -> UnsafeMutableBufferPointer<Float> {
  guard count > 0 else { return UnsafeMutableBufferPointer(start: nil, count: 0) }
  guard let raw = calloc(count, MemoryLayout<Float>.stride) else {
    fatalError("out of memory: \(count) floats")
  }
  return UnsafeMutableBufferPointer(
    start: raw.bindMemory(to: Float.self, capacity: count), count: count)
}

/// Returns a buffer from `zeroedFloats` to the allocator.
func freeZeroedFloats(_ buffer: UnsafeMutableBufferPointer<Float>) {
  free(buffer.baseAddress)
}
