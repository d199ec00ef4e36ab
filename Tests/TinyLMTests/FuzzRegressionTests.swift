import Foundation
import Testing
import TinyLM

/// Checkpoints that once crashed a reader or made it allocate far more than the file holds,
/// kept in `Tests/Fuzz/regressions/TARGET/` (the corpus of the libFuzzer targets of
/// `Tests/Fuzz/fuzz.sh`; no `.safetensors` extension, which `.gitignore` excludes): each must
/// now be refused with a `CheckpointError`.
@Suite struct FuzzRegressionTests {
  /// `Tests/Fuzz/regressions`.
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fuzz/regressions")

  /// Safetensors inputs of the `transformer-checkpoint` target.
  static let transformerInputs = [
    // n_layer · 12 · n_embd² overflowed Int (a trap) while checking the model's size.
    "config-size-overflows",
    // A 2.8 KB file whose config claims a million layers: about 1 GB was allocated before
    // the first missing tensor was noticed.
    "config-claims-a-gigabyte",
  ]

  /// N-gram JSON inputs of the `ngram-checkpoint` target.
  static let ngramInputs = [
    // vocabularySize 0 and an empty vocab agreed, and NGramModel's precondition trapped.
    "empty-vocabulary.json"
  ]

  static func input(_ target: String, _ name: String) throws -> Data {
    try Data(contentsOf: folder.appendingPathComponent(target).appendingPathComponent(name))
  }

  @Test("A kept transformer checkpoint is refused", arguments: transformerInputs)
  func transformerCheckpoint(name: String) throws {
    let data = try Self.input("transformer-checkpoint", name)
    #expect(throws: CheckpointError.self) { try TransformerModel.load(checkpoint: data) }
  }

  @Test("A kept n-gram checkpoint is refused", arguments: ngramInputs)
  func ngramCheckpoint(name: String) throws {
    let data = try Self.input("ngram-checkpoint", name)
    #expect(throws: CheckpointError.self) { try NGramModel.load(checkpoint: data) }
  }

  @Test("A config larger than the file's data is refused before allocating")
  func sizeIsCheckedAgainstTheData() throws {
    let data = try Self.input("transformer-checkpoint", "config-claims-a-gigabyte")
    let error = #expect(throws: CheckpointError.self) {
      try TransformerModel.load(checkpoint: data)
    }
    #expect(error?.description.contains("bytes but the data section has") == true)
  }

  @Test("Every kept input is listed here")
  func everyInputIsListed() throws {
    for (target, listed) in [
      ("transformer-checkpoint", Self.transformerInputs), ("ngram-checkpoint", Self.ngramInputs),
    ] {
      let kept = try FileManager.default.contentsOfDirectory(
        atPath: Self.folder.appendingPathComponent(target).path
      ).filter { !$0.hasPrefix(".") }
      #expect(Set(kept) == Set(listed), "\(target)")
    }
  }
}
