import TinyLM

/// FNV-1a (64 bits) of a name's UTF-8 bytes: how a name becomes a random stream, and how an
/// experiment file becomes its fingerprint.
func fnv1a(_ name: String) -> UInt64 {
  var hash: UInt64 = 0xCBF2_9CE4_8422_2325
  for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
  return hash
}

extension SeededRandom {
  /// The stream named `name` of `seed`. Every stage and every corpus draws from a stream
  /// named after itself, so what it draws depends on its name and the seed alone, not on
  /// what else ran before it or beside it.
  init(seed: UInt64, streamNamed name: String) {
    self.init(seed: seed, stream: fnv1a(name))
  }
}
