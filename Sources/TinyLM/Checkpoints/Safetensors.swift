import Foundation

/// Why a checkpoint could not be written or read. The message names the problem.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
  /// The file could not be read or written.
  case fileError(String)
  /// The bytes are not a valid RefusalLab transformer checkpoint.
  case invalidCheckpoint(String)

  /// A one-line message naming the problem.
  public var description: String {
    switch self {
    case .fileError(let message): "checkpoint file error: \(message)"
    case .invalidCheckpoint(let message): "invalid checkpoint: \(message)"
    }
  }
}

extension CheckpointError {
  /// Writes `data` atomically (a temporary file in the same directory, then a rename).
  static func write(_ data: Data, to url: URL) throws(CheckpointError) {
    do {
      try data.write(to: url, options: .atomic)
    } catch {
      throw .fileError("cannot write \(url.path): \(error.localizedDescription)")
    }
  }

  /// Throws unless `vocabulary` holds one string per token id of a model of `size` ids.
  static func checkVocabulary(_ vocabulary: [String], size: Int) throws(CheckpointError) {
    guard vocabulary.count == size else {
      throw .invalidCheckpoint(
        "the vocabulary has \(vocabulary.count) tokens but the model has \(size)")
    }
  }
}

/// Safetensors checkpoints in nanoGPT's naming and layout.
///
/// An 8-byte little-endian header length, a JSON header (space-padded to a multiple of 8
/// bytes), then raw little-endian F32 data. Tensors carry nanoGPT's `state_dict()` names
/// and shapes (linear weights (out, in), as `nn.Linear`); the tied `lm_head.weight` is left
/// out, and accepted on loading only if it equals the token embedding. `__metadata__` holds
/// `config` (`n_layer`, `n_head`, `n_embd`, `block_size`, `vocab_size`, `bias`) and `vocab`
/// (the token strings, index = id) as JSON, plus any entries the caller adds.
extension TransformerModel {
  /// Writes the model atomically (a temporary file in the same directory, then a rename).
  /// `vocabulary` must hold one string per token id.
  public func save(to url: URL, vocabulary: [String], metadata: [String: String] = [:])
    throws(CheckpointError)
  {
    try CheckpointError.write(checkpointData(vocabulary: vocabulary, metadata: metadata), to: url)
  }

  /// The bytes of the safetensors checkpoint `save(to:vocabulary:metadata:)` writes.
  public func checkpointData(vocabulary: [String], metadata: [String: String] = [:])
    throws(CheckpointError) -> Data
  {
    try CheckpointError.checkVocabulary(vocabulary, size: vocabularySize)
    let c = configuration
    let config: [String: Any] = [
      "n_layer": c.layerCount, "n_head": c.headCount, "n_embd": c.embeddingSize,
      "block_size": c.blockSize, "vocab_size": c.vocabularySize, "bias": true,
      "dropout": 0.0,
    ]
    var allMetadata = metadata
    allMetadata["config"] = Self.jsonString(config)
    allMetadata["vocab"] = Self.jsonString(vocabulary)
    allMetadata["format"] = "pt"
    var header: [String: Any] = ["__metadata__": allMetadata]
    var offset = 0
    for tensor in layout.tensors {
      header[tensor.name] = [
        "dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + 4 * tensor.count],
      ]
      offset += 4 * tensor.count
    }
    var headerBytes = Array(Self.jsonString(header).utf8)
    while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
    var data = Data(capacity: 8 + headerBytes.count + offset)
    withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { data.append(contentsOf: $0) }
    data.append(contentsOf: headerBytes)
    let base = UnsafePointer(flatParameters.baseAddress!)
    for tensor in layout.tensors {
      let values = tensor.read(from: base).map { $0.bitPattern.littleEndian }
      values.withUnsafeBytes { data.append(contentsOf: $0) }
    }
    return data
  }

  /// Reads a checkpoint written by `save(to:vocabulary:metadata:)` (or by PyTorch in the
  /// same layout). Every problem throws a `CheckpointError` naming it.
  public static func load(from url: URL) throws(CheckpointError) -> (
    model: TransformerModel, vocabulary: [String], metadata: [String: String]
  ) {
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw .fileError("cannot read \(url.path): \(error.localizedDescription)")
    }
    return try load(checkpoint: data)
  }

  /// Reads a checkpoint from its bytes.
  public static func load(checkpoint data: Data) throws(CheckpointError) -> (
    model: TransformerModel, vocabulary: [String], metadata: [String: String]
  ) {
    let reader = CheckpointReader(data)
    let header = try reader.header()
    let metadata = try reader.metadata(header)
    let configuration = try reader.configuration(metadata)
    let vocabulary = try reader.vocabulary(metadata, size: configuration.vocabularySize)
    try reader.checkRoom(for: configuration)
    let model = TransformerModel(uninitialised: configuration)
    let known = Set(model.layout.tensors.map(\.name))
    for tensor in model.layout.tensors {
      let values = try reader.tensor(tensor.name, shape: tensor.shape, header: header)
      values.withUnsafeBufferPointer { tensor.write($0, to: model.flatParameters.baseAddress!) }
    }
    for name in header.keys.sorted() where name != "__metadata__" && !known.contains(name) {
      if name.hasSuffix(".attn.bias") || name.hasSuffix(".attn.masked_bias") { continue }
      guard name == "lm_head.weight" else {
        throw .invalidCheckpoint("unexpected tensor '\(name)'")
      }
      let head = try reader.tensor(
        name, shape: [configuration.vocabularySize, configuration.embeddingSize], header: header)
      let wte = model.tensor(named: "transformer.wte.weight")!.values
      guard head == wte else {
        throw .invalidCheckpoint(
          "lm_head.weight differs from transformer.wte.weight; only tied heads are supported")
      }
    }
    model.refreshHead()
    return (model, vocabulary, metadata)
  }

  static func jsonString(_ object: Any) -> String {
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
  }
}

/// Validating parser of one safetensors file.
private struct CheckpointReader {
  let data: Data

  init(_ data: Data) { self.data = data }

  private var headerLength: UInt64 {
    data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
  }

  func header() throws(CheckpointError) -> [String: Any] {
    guard data.count >= 8 else {
      throw .invalidCheckpoint(
        "the file has \(data.count) bytes, too short for the 8-byte header length")
    }
    let length = headerLength
    guard length >= 2, length <= UInt64(data.count - 8) else {
      throw .invalidCheckpoint(
        "bad header length \(length) for a file of \(data.count) bytes")
    }
    let bytes = data.subdata(in: (data.startIndex + 8)..<(data.startIndex + 8 + Int(length)))
    let object: Any
    do {
      object = try JSONSerialization.jsonObject(with: bytes)
    } catch {
      throw .invalidCheckpoint("the header is not valid JSON")
    }
    guard let header = object as? [String: Any] else {
      throw .invalidCheckpoint("the header is not a JSON object")
    }
    try checkNoOverlap(header)
    return header
  }

  /// The format forbids tensors that share bytes: each entry's `data_offsets`, in order of
  /// their start, must begin at or after the previous entry's end.
  private func checkNoOverlap(_ header: [String: Any]) throws(CheckpointError) {
    var spans: [(start: Int, end: Int, name: String)] = []
    for (name, value) in header where name != "__metadata__" {
      guard let entry = value as? [String: Any], let offsets = entry["data_offsets"] as? [Any],
        offsets.count == 2, let start = integer(offsets[0]), let end = integer(offsets[1])
      else { throw .invalidCheckpoint("tensor '\(name)' has no valid data_offsets") }
      spans.append((start, end, name))
    }
    spans.sort { ($0.start, $0.name) < ($1.start, $1.name) }
    for (previous, next) in zip(spans, spans.dropFirst()) where next.start < previous.end {
      throw .invalidCheckpoint(
        "tensors '\(previous.name)' and '\(next.name)' overlap (data offsets "
          + "[\(previous.start), \(previous.end)] and [\(next.start), \(next.end)])")
    }
  }

  private var payload: Range<Int> {
    let start = data.startIndex + 8 + Int(headerLength)
    return start..<data.endIndex
  }

  /// The data section must hold every parameter (4 bytes each, tensors never overlap), so a
  /// configuration that claims more is refused before the model is allocated: the memory a
  /// checkpoint costs is bounded by its size, not by what its header says.
  func checkRoom(for configuration: TransformerConfiguration) throws(CheckpointError) {
    let needed = 4 * configuration.parameterCount
    guard needed <= payload.count else {
      throw .invalidCheckpoint(
        "tensor data out of range: the config needs \(needed) bytes but the data section "
          + "has \(payload.count)")
    }
  }

  func metadata(_ header: [String: Any]) throws(CheckpointError) -> [String: String] {
    guard let raw = header["__metadata__"] else {
      throw .invalidCheckpoint("the header has no __metadata__ (config and vocab)")
    }
    guard let metadata = raw as? [String: String] else {
      throw .invalidCheckpoint("__metadata__ must map strings to strings")
    }
    return metadata
  }

  func configuration(_ metadata: [String: String]) throws(CheckpointError)
    -> TransformerConfiguration
  {
    guard let text = metadata["config"] else {
      throw .invalidCheckpoint("__metadata__ has no 'config'")
    }
    guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)),
      let config = object as? [String: Any]
    else { throw .invalidCheckpoint("__metadata__ 'config' is not a JSON object") }
    func field(_ name: String) throws(CheckpointError) -> Int {
      guard let value = config[name], let number = integer(value) else {
        throw .invalidCheckpoint("config field '\(name)' is missing or not an integer")
      }
      return number
    }
    if let bias = config["bias"], (bias as? Bool) != true {
      throw .invalidCheckpoint("config 'bias' must be true (the engine always uses biases)")
    }
    let configuration = TransformerConfiguration(
      layerCount: try field("n_layer"), headCount: try field("n_head"),
      embeddingSize: try field("n_embd"), blockSize: try field("block_size"),
      vocabularySize: try field("vocab_size"))
    if let problem = configuration.problem { throw .invalidCheckpoint("config: \(problem)") }
    return configuration
  }

  func vocabulary(_ metadata: [String: String], size: Int) throws(CheckpointError) -> [String] {
    guard let text = metadata["vocab"] else {
      throw .invalidCheckpoint("__metadata__ has no 'vocab'")
    }
    guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)),
      let vocabulary = object as? [String]
    else { throw .invalidCheckpoint("__metadata__ 'vocab' is not a JSON array of strings") }
    guard vocabulary.count == size else {
      throw .invalidCheckpoint("'vocab' has \(vocabulary.count) tokens but vocab_size is \(size)")
    }
    return vocabulary
  }

  func tensor(_ name: String, shape: [Int], header: [String: Any]) throws(CheckpointError)
    -> [Float]
  {
    guard let entry = header[name] as? [String: Any] else {
      throw .invalidCheckpoint("missing tensor '\(name)'")
    }
    guard let dtype = entry["dtype"] as? String, dtype == "F32" else {
      throw .invalidCheckpoint(
        "tensor '\(name)' has dtype \(entry["dtype"] ?? "none"); only F32 is supported")
    }
    guard let rawShape = entry["shape"] as? [Any] else {
      throw .invalidCheckpoint("tensor '\(name)' has no shape")
    }
    let found = rawShape.map { integer($0) ?? -1 }
    guard found == shape else {
      throw .invalidCheckpoint("wrong shape for '\(name)': expected \(shape), got \(found)")
    }
    guard let offsets = entry["data_offsets"] as? [Any], offsets.count == 2,
      let start = integer(offsets[0]), let end = integer(offsets[1])
    else { throw .invalidCheckpoint("tensor '\(name)' has no valid data_offsets") }
    let count = shape.reduce(1, *)
    let region = payload
    guard start >= 0, end >= start, end <= region.count else {
      throw .invalidCheckpoint(
        "data offsets [\(start), \(end)] of '\(name)' are out of range "
          + "(the data section has \(region.count) bytes)")
    }
    guard end - start == 4 * count else {
      throw .invalidCheckpoint(
        "tensor '\(name)' spans \(end - start) bytes; its shape needs \(4 * count)")
    }
    var values = [Float](repeating: 0, count: count)
    data.withUnsafeBytes { raw in
      let base = region.lowerBound - data.startIndex + start
      for i in 0..<count {
        let bits = raw.loadUnaligned(fromByteOffset: base + 4 * i, as: UInt32.self)
        values[i] = Float(bitPattern: UInt32(littleEndian: bits))
      }
    }
    guard values.allSatisfy(\.isFinite) else {
      throw .invalidCheckpoint("tensor '\(name)' holds NaN or infinite values")
    }
    return values
  }

  /// An integral JSON number.
  private func integer(_ value: Any) -> Int? {
    if let number = value as? Int { return number }
    if let number = value as? Double, number == number.rounded(), abs(number) < 1e15 {
      return Int(number)
    }
    return nil
  }
}
