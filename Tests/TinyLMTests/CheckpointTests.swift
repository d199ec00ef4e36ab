import Foundation
import Testing
import TinyLM

/// Safetensors round trips and corrupt files.
@Suite struct CheckpointTests {
  static let configuration = TransformerConfiguration(
    layerCount: 2, headCount: 2, embeddingSize: 16, blockSize: 8, vocabularySize: 9)
  static let vocabulary = ["<pad>", "a", "b", "c", "<user>", "\"quoted\"", "ünï", "/", "z"]

  static func temporaryURL(_ name: String) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent(
      "tinylm-\(ProcessInfo.processInfo.processIdentifier)-\(name).safetensors")
  }

  @Test(arguments: [1, 2] as [UInt64])
  func roundTripIsBitIdentical(seed: UInt64) throws {
    let model = TransformerModel(configuration: Self.configuration, seed: seed)
    var random = SeededRandom(seed: seed)
    let corpus = (0..<8).map { i in
      TrainingSequence(tokens: (0..<9).map { ($0 + i) % 9 }, trainedFrom: 1)
    }
    _ = try model.train(
      on: corpus, options: TrainingOptions(epochs: 3, batchSize: 4), threads: 1,
      random: &random, progress: nil)
    let url = Self.temporaryURL("roundtrip-\(seed)")
    defer { try? FileManager.default.removeItem(at: url) }
    try model.save(to: url, vocabulary: Self.vocabulary, metadata: ["stage": "aligned"])
    let (loaded, vocabulary, metadata) = try TransformerModel.load(from: url)
    #expect(vocabulary == Self.vocabulary)
    #expect(metadata["stage"] == "aligned")
    #expect(loaded.configuration == Self.configuration)
    #expect(loaded.parameters == model.parameters)
    let tokens = [4, 1, 2, 3, 5, 6, 7, 8]
    #expect(loaded.logits(for: tokens) == model.logits(for: tokens))
    let options = GenerationOptions(maxNewTokens: 5)
    #expect(
      loaded.generate(prompts: [[4, 1]], options: options)
        == model.generate(prompts: [[4, 1]], options: options))
    // nanoGPT layout: c_attn.weight is (3C, C) and row r is output channel r.
    let qkv = try #require(model.tensor(named: "transformer.h.0.attn.c_attn.weight"))
    #expect(qkv.shape == [48, 16])
    // Saving twice gives the same bytes.
    #expect(
      try model.checkpointData(vocabulary: Self.vocabulary)
        == model.checkpointData(vocabulary: Self.vocabulary))
  }

  /// Splits a checkpoint into its header object and data section.
  static func parts(_ data: Data) -> (header: [String: Any], payload: Data) {
    let length = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
    let header = try! JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length)))
    return (header as! [String: Any], data.subdata(in: (8 + length)..<data.count))
  }

  static func assemble(_ header: [String: Any], _ payload: Data) -> Data {
    let json = try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
    var data = Data()
    withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
    return data + json + payload
  }

  static func failure(_ data: Data) -> String? {
    do {
      _ = try TransformerModel.load(checkpoint: data)
      return nil
    } catch {
      return error.description
    }
  }

  @Test func corruptCheckpointsThrowClearErrors() throws {
    let model = TransformerModel(configuration: Self.configuration, seed: 3)
    let good = try model.checkpointData(vocabulary: Self.vocabulary)
    #expect(Self.failure(good) == nil)

    #expect(Self.failure(good.prefix(5))?.contains("too short") == true)
    #expect(Self.failure(good.prefix(good.count - 10))?.contains("out of range") == true)
    var badLength = good
    badLength.replaceSubrange(0..<8, with: [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0])
    #expect(Self.failure(badLength)?.contains("bad header length") == true)
    var badJSON = good
    badJSON[8] = UInt8(ascii: "[")
    #expect(Self.failure(badJSON)?.contains("JSON") == true)

    let (header, payload) = Self.parts(good)
    var missing = header
    missing["transformer.h.1.mlp.c_fc.bias"] = nil
    #expect(
      Self.failure(Self.assemble(missing, payload))?.contains(
        "missing tensor 'transformer.h.1.mlp.c_fc.bias'") == true)

    var wrongShape = header
    var entry = header["transformer.wpe.weight"] as! [String: Any]
    entry["shape"] = [16, 8]
    wrongShape["transformer.wpe.weight"] = entry
    #expect(
      Self.failure(Self.assemble(wrongShape, payload))?.contains(
        "wrong shape for 'transformer.wpe.weight': expected [8, 16], got [16, 8]") == true)

    var wrongType = header
    entry = header["transformer.ln_f.bias"] as! [String: Any]
    entry["dtype"] = "F16"
    wrongType["transformer.ln_f.bias"] = entry
    #expect(Self.failure(Self.assemble(wrongType, payload))?.contains("F16") == true)

    var noConfig = header
    noConfig["__metadata__"] = ["vocab": "[]"]
    #expect(Self.failure(Self.assemble(noConfig, payload))?.contains("config") == true)

    // An unknown tensor of its own bytes (an empty one at the end: the format forbids two
    // tensors sharing bytes).
    var unexpected = header
    unexpected["transformer.h.0.attn.extra"] = [
      "dtype": "F32", "shape": [0], "data_offsets": [payload.count, payload.count],
    ]
    #expect(Self.failure(Self.assemble(unexpected, payload))?.contains("unexpected") == true)

    // Two tensors sharing bytes.
    var overlapping = header
    var shared = header["transformer.wpe.weight"] as! [String: Any]
    shared["data_offsets"] = (header["transformer.wte.weight"] as! [String: Any])["data_offsets"]
    overlapping["transformer.wpe.weight"] = shared
    #expect(Self.failure(Self.assemble(overlapping, payload))?.contains("overlap") == true)

    // A NaN in the data.
    var poisoned = payload
    let nan = Float.nan.bitPattern.littleEndian
    withUnsafeBytes(of: nan) { poisoned.replaceSubrange(4..<8, with: $0) }
    #expect(Self.failure(Self.assemble(header, poisoned))?.contains("NaN") == true)

    // A tied lm_head, stored as a copy of wte's bytes after the others, is accepted; one
    // that differs from wte is not.
    let wte = header["transformer.wte.weight"] as! [String: Any]
    let wteRange = (wte["data_offsets"] as! [Int])
    let wteBytes = payload.subdata(in: wteRange[0]..<wteRange[1])
    var tied = header
    var head = wte
    head["data_offsets"] = [payload.count, payload.count + wteBytes.count]
    tied["lm_head.weight"] = head
    #expect(Self.failure(Self.assemble(tied, payload + wteBytes)) == nil)
    var changed = wteBytes
    changed[changed.startIndex] ^= 0x01
    #expect(
      Self.failure(Self.assemble(tied, payload + changed))?.contains("differs") == true)

    #expect(throws: CheckpointError.self) {
      try TransformerModel.load(from: Self.temporaryURL("does-not-exist"))
    }
  }

  /// Writes `model.safetensors` and `expected.json` (the next-token log-probabilities after
  /// a prompt) for `Benchmarks/compare_logprobs.py`; runs only when REFUSALLAB_EXPORT_DIR is
  /// set.
  @Test(.enabled(if: ProcessInfo.processInfo.environment["REFUSALLAB_EXPORT_DIR"] != nil))
  func exportForPyTorchComparison() throws {
    let directory = URL(
      fileURLWithPath: ProcessInfo.processInfo.environment["REFUSALLAB_EXPORT_DIR"]!)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let configuration = TransformerConfiguration(
      layerCount: 3, headCount: 4, embeddingSize: 64, blockSize: 32, vocabularySize: 101)
    let model = TransformerModel(configuration: configuration, seed: 2024)
    var random = SeededRandom(seed: 1)
    let corpus = (0..<64).map { i in
      TrainingSequence(tokens: (0..<30).map { ($0 * 3 + i) % 101 }, trainedFrom: 1)
    }
    _ = try model.train(
      on: corpus, options: TrainingOptions(epochs: 4, batchSize: 16, learningRate: 3e-3),
      threads: 2, random: &random, progress: nil)
    let vocabulary = (0..<101).map { "w\($0)" }
    try model.save(
      to: directory.appendingPathComponent("model.safetensors"), vocabulary: vocabulary)
    let tokens = [5, 8, 11, 14, 17, 20, 23]
    let expected: [String: Any] = [
      "tokens": tokens, "logprobs": model.logProbabilities(after: tokens).map(Double.init),
    ]
    try JSONSerialization.data(withJSONObject: expected).write(
      to: directory.appendingPathComponent("expected.json"))
  }
}
