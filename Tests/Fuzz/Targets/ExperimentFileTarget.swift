// libFuzzer target: the experiment-file decoder, `ExperimentFile(json:)`, then the
// experiment's own validation. Built by Tests/Fuzz/fuzz.sh (compiled into the RefusalLab
// module); every input must decode or throw a ConfigurationError.
import Foundation

/// libFuzzer's entry point: one input per call.
@_cdecl("LLVMFuzzerTestOneInput")
public func experimentFileTarget(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
  let data = Data(bytes: bytes, count: count)
  if let file = try? ExperimentFile(json: data) {
    _ = try? file.experiment.validate()
  }
  return 0
}
