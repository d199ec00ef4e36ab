// libFuzzer target: the n-gram checkpoint reader, `NGramModel.load(checkpoint:)`.
// Built by Tests/Fuzz/fuzz.sh; every input must load or throw a CheckpointError.
import Foundation
import TinyLM

/// libFuzzer's entry point: one input per call.
@_cdecl("LLVMFuzzerTestOneInput")
public func ngramCheckpointTarget(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
  let data = Data(bytes: bytes, count: count)
  _ = try? NGramModel.load(checkpoint: data)
  return 0
}
