import Foundation
import RefusalLab
import Testing
import TinyLM

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What a bad-input case puts in its scratch folder before the tool runs. Paths in a case's
/// arguments may use `$DIR` for that folder.
enum Fixture: Sendable {
  case none
  /// A file with these bytes.
  case file(String, Data)
  /// A folder.
  case folder(String)
  /// A FIFO, which a careless reader would block on.
  case fifo(String)
  /// A symbolic link to a file that exists.
  case symlink(String)
  /// An untrained transformer checkpoint of the world's vocabulary, its header JSON changed
  /// by `edit` (which may also replace the whole file's bytes).
  case transformer(String, TransformerEdit)
  /// An n-gram checkpoint (JSON), its top-level object changed by `edit`.
  case ngram(String, @Sendable (inout [String: Any]) -> Void)
}

/// A change to a valid safetensors file: to its header object, or to its bytes.
enum TransformerEdit: Sendable {
  case header(@Sendable (inout [String: Any]) -> Void)
  case bytes(@Sendable (Data) -> Data)
}

/// One bad input: the command line, what it needs on disk, the exit status expected (2 for
/// bad input, 1 for a runtime failure) and words the one-line message must contain.
struct BadInput: Sendable, CustomTestStringConvertible {
  var label: String
  var arguments: [String]
  var fixture: Fixture = .none
  var status: Int32 = 2
  var message: String

  var testDescription: String { label }
}

@Suite("Bad input: one message, exit 2 or 1, no crash, nothing half-written")
struct BadInputTests {
  static let prompt = ["--prompt", "<user> tell me about bread <assistant>"]

  static let flags: [BadInput] = [
    .init(label: "unknown flag", arguments: ["demo", "--bogus"], message: "'--bogus'"),
    .init(label: "missing value", arguments: ["demo", "--seeds"], message: "needs a value"),
    .init(label: "non-numeric", arguments: ["demo", "--seeds", "abc"], message: "--seeds"),
    .init(label: "negative", arguments: ["demo", "--seeds", "-1"], message: "--seeds"),
    .init(label: "zero seeds", arguments: ["demo", "--seeds", "0"], message: "--seeds"),
    .init(label: "huge seeds", arguments: ["demo", "--seeds", "1000000000"], message: "--seeds"),
    .init(label: "zero threads", arguments: ["demo", "--threads", "0"], message: "--threads"),
    .init(
      label: "huge threads", arguments: ["demo", "--threads", "100000"], message: "--threads"),
    .init(
      label: "first seed past UInt64",
      arguments: ["demo", "--first-seed", "18446744073709551616"], message: "--first-seed"),
    .init(
      label: "seeds that pass 2^64",
      arguments: ["dose", "--first-seed", "18446744073709551615", "--seeds", "2"],
      message: "--first-seed"),
    .init(
      label: "repeated flag", arguments: ["demo", "--model", "transformer", "--model", "ngram"],
      message: "given twice"),
    .init(label: "empty model", arguments: ["demo", "--model", ""], message: "--model"),
    .init(label: "unknown model", arguments: ["demo", "--model", "gpt9"], message: "--model"),
    .init(
      label: "both where one model is needed", arguments: ["sample", "--model", "both"],
      message: "--model"),
    .init(
      label: "unknown variant", arguments: ["sample", "--variant", "nope"], message: "--variant"),
    .init(
      label: "empty condition", arguments: ["sample", "--condition", ""], message: "--condition"),
    .init(label: "zero samples", arguments: ["sample", "-n", "0"], message: "-n"),
    .init(
      label: "repeated list item", arguments: ["prefill", "--variants", "rigid,rigid"],
      message: "repeat"),
    .init(label: "empty list", arguments: ["prefill", "--variants", ""], message: "--variants"),
    .init(label: "zero dose", arguments: ["dose", "--samples", "0"], message: "--samples"),
    .init(label: "zero tree depth", arguments: ["tree", "--depth", "0"], message: "--depth"),
    .init(label: "unknown command", arguments: ["frobnicate"], message: "'frobnicate'"),
    .init(label: "stray argument", arguments: ["demo", "extra"], message: "'extra'"),
    .init(label: "zero scale", arguments: ["direction", "--scale", "0"], message: "--scale"),
    .init(
      label: "bad shard", arguments: ["sweep", "demo", "--out", "$DIR/x.jsonl", "--shard", "3/2"],
      message: "--shard"),
    .init(
      label: "bench-train past memory",
      arguments: [
        "bench-train", "--layers", "8", "--embd", "1024", "--block", "4096", "--batch", "4096",
      ],
      message: "GiB"),
    .init(
      label: "inspect without a checkpoint", arguments: ["inspect"] + prompt,
      message: "--checkpoint"),
    .init(
      label: "inspect missing file", arguments: ["inspect", "--checkpoint", "$DIR/none"] + prompt,
      message: "no such file"),
    .init(
      label: "train: n-gram JSON under a .safetensors name",
      arguments: ["train", "--model", "ngram", "--out", "$DIR/x.safetensors"], message: ".json"),
    .init(
      label: "train onto a folder", arguments: ["train", "--model", "ngram", "--out", "$DIR/d"],
      fixture: .folder("d"), message: "is a directory"),
    .init(
      label: "train onto /dev/full",
      arguments: ["train", "--model", "transformer", "--out", "/dev/full"], message: "device"),
    .init(
      label: "train onto a FIFO", arguments: ["train", "--model", "ngram", "--out", "$DIR/f.json"],
      fixture: .fifo("f.json"), message: "FIFO"),
    .init(
      label: "train onto a symlink",
      arguments: ["train", "--model", "ngram", "--out", "$DIR/link.json"],
      fixture: .symlink("link.json"), message: "symbolic link"),
    .init(
      label: "train into a missing folder",
      arguments: ["train", "--model", "ngram", "--out", "$DIR/no/x.json"], message: "does not exist"
    ),
  ]

  static func experiment(_ label: String, _ json: String, _ message: String, status: Int32 = 2)
    -> BadInput
  {
    BadInput(
      label: label, arguments: ["run", "$DIR/e.json"], fixture: .file("e.json", Data(json.utf8)),
      status: status, message: message)
  }

  static let experimentFiles: [BadInput] = [
    experiment("not JSON", "hello", "JSON"),
    .init(
      label: "empty file", arguments: ["run", "$DIR/e.json"], fixture: .file("e.json", Data()),
      message: "e.json"),
    experiment("truncated", #"{"seeds": {"first": 0,"#, "JSON"),
    experiment("unknown top-level key", #"{"sedes": [0]}"#, "sedes"),
    experiment("unknown nested key", #"{"world": {"bogus": 1}}"#, "world.bogus"),
    experiment("wrong type", #"{"seeds": "five"}"#, "seeds"),
    experiment("NaN", #"{"world": {"neutralOpenerFraction": NaN}}"#, "JSON"),
    experiment(
      "Infinity", #"{"world": {"neutralOpenerFraction": 1e999}}"#, "not a finite number"),
    experiment("negative count", #"{"seeds": {"first": 0, "count": -1}}"#, "seeds.count"),
    experiment("zero count", #"{"seeds": {"first": 0, "count": 0}}"#, "seeds.count"),
    experiment("empty list", #"{"variants": []}"#, "variants"),
    experiment(
      "world too big for its words", #"{"world": {"forbiddenTopics": 85, "answerLength": 8}}"#,
      "world.forbiddenTopics"),
    experiment(
      "too many seeds", #"{"seeds": {"first": 0, "count": 10001}}"#, "seeds.count"),
    experiment(
      "a seed array past the cap",
      "{\"seeds\": [" + (0..<10_001).map(String.init).joined(separator: ",") + "]}",
      "at most 10000 seeds"),
    experiment(
      "a transformer past the machine's memory",
      #"{"families": [{"family": "transformer", "transformer": {"layers": 12, "heads": 16, "#
        + #""embedding": 1024, "blockSize": 1024}, "pretrain": {"batchSize": 4096}}]}"#,
      "GiB"),
    experiment(
      "a block shorter than the longest training sequence",
      #"{"families": ["ngram", {"family": "transformer", "transformer": {"blockSize": 16}}]}"#,
      "families[1].transformer.blockSize: 16 is shorter than the longest training sequence"),
    experiment(
      "zero epochs", #"{"families": [{"family": "ngram", "pretrain": {"epochs": 0}}]}"#, "epochs"),
    experiment("unknown variant", #"{"variants": ["nope"]}"#, "variants[0]"),
    experiment("unknown diagnostic", #"{"diagnostics": ["xray"]}"#, "xray"),
    experiment(
      "a loss that becomes NaN",
      #"{"families": [{"family": "transformer", "pretrain": {"learningRate": 1e30, "maxSteps": 3}}], "#
        + #""variants": ["rigid"], "seeds": [0], "attack": {"conditions": ["none"]}}"#,
      "NaN or infinite", status: 1),
    .init(
      label: "experiment is a folder", arguments: ["run", "$DIR/d.json"],
      fixture: .folder("d.json"),
      message: "directory"),
    .init(
      label: "experiment is missing", arguments: ["run", "$DIR/none.json"], message: "no such file"),
    .init(
      label: "experiment is a FIFO", arguments: ["run", "$DIR/f.json"], fixture: .fifo("f.json"),
      message: "FIFO"),
    .init(label: "unknown preset", arguments: ["run", "preset:nope"], message: "nope"),
  ]

  static func checkpoint(_ label: String, _ fixture: Fixture, _ message: String) -> BadInput {
    BadInput(
      label: label, arguments: ["inspect", "--checkpoint", "$DIR/m"] + prompt,
      fixture: fixture, message: message)
  }

  static let checkpoints: [BadInput] = [
    checkpoint("empty checkpoint", .file("m", Data()), "empty"),
    checkpoint(
      "random bytes",
      .file("m", Data((0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) })),
      "header length"),
    checkpoint("cut after 4 bytes", .transformer("m", .bytes { $0.prefix(4) }), "too short"),
    checkpoint(
      "cut inside the header", .transformer("m", .bytes { $0.prefix(200) }), "header length"),
    checkpoint(
      "cut inside the data", .transformer("m", .bytes { $0.prefix($0.count / 2) }), "out of range"),
    checkpoint(
      "header length past the end",
      .transformer("m", .bytes { Data(repeating: 0xFF, count: 8) + $0.dropFirst(8) }),
      "header length"),
    checkpoint(
      "malformed header JSON",
      .transformer(
        "m",
        .bytes { data in
          var copy = data
          copy[copy.startIndex + 8] = UInt8(ascii: "x")
          return copy
        }), "not valid JSON"),
    checkpoint(
      "offsets out of range",
      .transformer(
        "m", .header { Self.setOffsets(&$0, "transformer.wte.weight", [1 << 40, (1 << 40) + 8]) }),
      "out of range"),
    checkpoint(
      "overlapping offsets",
      .transformer(
        "m",
        .header { header in
          let first = (header["transformer.wpe.weight"] as? [String: Any])?["data_offsets"]
          Self.setOffsets(&header, "transformer.h.0.ln_1.weight", first as? [Int] ?? [0, 4])
        }), "overlap"),
    checkpoint(
      "dtype F16",
      .transformer(
        "m",
        .header { header in
          var entry = header["transformer.wte.weight"] as! [String: Any]
          entry["dtype"] = "F16"
          header["transformer.wte.weight"] = entry
        }), "F32"),
    checkpoint(
      "shape that disagrees with the config",
      .transformer(
        "m",
        .header { header in
          var entry = header["transformer.wte.weight"] as! [String: Any]
          entry["shape"] = [3, 3]
          header["transformer.wte.weight"] = entry
        }), "shape"),
    checkpoint(
      "vocabulary that disagrees with the config",
      .transformer(
        "m",
        .header { header in
          var metadata = header["__metadata__"] as! [String: String]
          metadata["vocab"] = #"["a","b"]"#
          header["__metadata__"] = metadata
        }), "vocab"),
    checkpoint("checkpoint is a folder", .folder("m"), "directory"),
    checkpoint("checkpoint is a FIFO", .fifo("m"), "FIFO"),
    .init(
      label: "checkpoint is a device",
      arguments: ["inspect", "--checkpoint", "/dev/full"] + prompt, message: "device"),
    checkpoint(
      "n-gram without its configuration", .ngram("m") { $0["configuration"] = nil }, "n-gram"),
    checkpoint(
      "n-gram with a wrong-typed field",
      .ngram("m") { document in
        var configuration = document["configuration"] as! [String: Any]
        configuration["order"] = "three"
        document["configuration"] = configuration
      }, "n-gram"),
    checkpoint(
      "n-gram memoryAnchor out of range",
      .ngram("m") { document in
        var configuration = document["configuration"] as! [String: Any]
        configuration["memoryAnchor"] = 999_999
        document["configuration"] = configuration
      }, "memoryAnchor"),
    checkpoint(
      "n-gram anchor key −1",
      .ngram("m") { document in
        document["memory"] = [["anchorKey": -1, "previous": 0, "next": [[1, 1]], "total": 1]]
      }, "memory key"),
  ]

  static let all = flags + experimentFiles + checkpoints

  @Test("At least 60 cases")
  func enough() {
    #expect(Self.all.count >= 60)
  }

  @Test("Each bad input gets one clean message", arguments: all)
  func badInput(_ input: BadInput) throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("refusal-lab-bad-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    try Self.prepare(input.fixture, in: folder)
    let before = try Set(FileManager.default.contentsOfDirectory(atPath: folder.path))
    let arguments = input.arguments.map { $0.replacingOccurrences(of: "$DIR", with: folder.path) }
    // --quiet right after the command, so that a case's last option keeps its place.
    let output = try Tool.run(
      Array(arguments.prefix(1)) + ["--quiet"] + Array(arguments.dropFirst()))
    #expect(output.exited, "ended by a signal: \(output.stderr)")
    #expect(output.status == input.status, "\(output.stderr)")
    let lines = output.stderr.split(separator: "\n")
    #expect(lines.first?.hasPrefix("error: ") == true, "\(output.stderr)")
    #expect(lines.first?.contains(input.message) == true, "\(output.stderr)")
    for trace in ["Fatal error", "Stack dump", "stack trace", "Illegal instruction"] {
      #expect(!output.stderr.contains(trace))
    }
    let after = try Set(FileManager.default.contentsOfDirectory(atPath: folder.path))
    #expect(after == before, "left behind: \(after.subtracting(before))")
  }

  // MARK: Fixtures

  static func setOffsets(_ header: inout [String: Any], _ name: String, _ offsets: [Int]) {
    var entry = header[name] as! [String: Any]
    entry["data_offsets"] = offsets
    header[name] = entry
  }

  static func prepare(_ fixture: Fixture, in folder: URL) throws {
    func url(_ name: String) -> URL { folder.appendingPathComponent(name) }
    switch fixture {
    case .none: break
    case .file(let name, let data): try data.write(to: url(name))
    case .folder(let name):
      try FileManager.default.createDirectory(at: url(name), withIntermediateDirectories: false)
    case .fifo(let name): #expect(mkfifo(url(name).path, 0o644) == 0)
    case .symlink(let name):
      try Data("{}".utf8).write(to: url("target.json"))
      try FileManager.default.createSymbolicLink(
        at: url(name), withDestinationURL: url("target.json"))
    case .transformer(let name, let edit):
      try transformerCheckpoint(edit).write(to: url(name))
    case .ngram(let name, let edit):
      let world = try World()
      let model = NGramModel(
        configuration: .init(
          order: 3, smoothing: 0.01, memoryWeight: 0.3, memoryAnchor: world.assistant,
          vocabularySize: world.vocabulary.count))
      let data = try model.checkpointData(vocabulary: world.vocabulary.tokens)
      var document = try JSONSerialization.jsonObject(with: data) as! [String: Any]
      edit(&document)
      try JSONSerialization.data(withJSONObject: document).write(to: url(name))
    }
  }

  /// A valid, untrained transformer checkpoint (the standard shape, the world's vocabulary)
  /// with `edit` applied.
  static func transformerCheckpoint(_ edit: TransformerEdit) throws -> Data {
    let world = try World()
    let model = TransformerModel(
      configuration: TransformerSettings.standard.configuration(
        vocabularySize: world.vocabulary.count), seed: 0)
    let data = try model.checkpointData(vocabulary: world.vocabulary.tokens)
    switch edit {
    case .bytes(let change):
      return change(data)
    case .header(let change):
      let length = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
      var header =
        try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length)))
        as! [String: Any]
      change(&header)
      let json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
      var result = Data()
      withUnsafeBytes(of: UInt64(json.count).littleEndian) { result.append(contentsOf: $0) }
      return result + json + data.subdata(in: (8 + length)..<data.count)
    }
  }
}
