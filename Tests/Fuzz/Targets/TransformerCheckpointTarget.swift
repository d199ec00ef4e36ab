// libFuzzer target: the safetensors reader, `TransformerModel.load(checkpoint:)`.
// Built by Tests/Fuzz/fuzz.sh; every input must load or throw a CheckpointError (never
// crash, trap or allocate past the fuzzer's malloc limit).
import Foundation
import TinyLM

/// libFuzzer's entry point: one input per call.
@_cdecl("LLVMFuzzerTestOneInput")
public func transformerCheckpointTarget(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
  let data = Data(bytes: bytes, count: count)
  _ = try? TransformerModel.load(checkpoint: data)
  return 0
}
