import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Interruption, sharded sweeps and determinism, with the real binary.
@Suite("Interruption, shards and determinism")
struct ReliabilityTests {
  /// Twelve n-gram seeds: long enough to interrupt, quick enough to run whole.
  static let twelveSeeds = """
    {"name": "twelve", "families": ["ngram"], "variants": ["rigid", "deep"],
     "attack": {"conditions": ["none", "refusal-unlearning"]}, "seeds": {"first": 0, "count": 12}}
    """

  static func folder() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "refusal-lab-reliability-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try Data(twelveSeeds.utf8).write(to: folder.appendingPathComponent("twelve.json"))
    return folder
  }

  /// Starts the tool without waiting; its output goes nowhere.
  static func start(_ arguments: [String]) throws -> Process {
    let executable: URL = try #require(Tool.url)
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
  }

  static func lines(_ url: URL) throws -> [Substring] {
    String(decoding: try Data(contentsOf: url), as: UTF8.self).split(separator: "\n")
  }

  @Test(
    "SIGINT or SIGTERM mid-sweep keeps whole lines; --resume writes the uninterrupted bytes",
    arguments: [SIGINT, SIGTERM])
  func interruptedSweep(signal: Int32) throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let experiment = folder.appendingPathComponent("twelve.json").path
    let whole = folder.appendingPathComponent("whole.jsonl")
    let reference = try Tool.run(["sweep", experiment, "--out", whole.path, "--quiet"])
    #expect(reference.status == 0, "\(reference.stderr)")

    let cut = folder.appendingPathComponent("cut.jsonl")
    let sweep = try Self.start(["sweep", experiment, "--out", cut.path, "--threads", "1"])
    // Wait for the first finished runs, then interrupt.
    let deadline = Date().addingTimeInterval(60)
    while Date() < deadline, ((try? Self.lines(cut))?.count ?? 0) < 3 {
      usleep(10_000)
    }
    kill(sweep.processIdentifier, signal)
    sweep.waitUntilExit()
    #expect(sweep.terminationReason == .exit)
    #expect(sweep.terminationStatus == 128 + signal)
    let kept = try Self.lines(cut)
    #expect(kept.count >= 3 && kept.count < 48, "interrupted after some runs, before the end")
    for line in kept.dropLast() {
      #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "whole lines")
    }
    let resumed = try Tool.run(["sweep", experiment, "--out", cut.path, "--resume", "--quiet"])
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(try Data(contentsOf: cut) == Data(contentsOf: whole))
  }

  @Test("demo stops on SIGINT with status 130 and prints no report")
  func interruptedDemo() throws {
    let executable: URL = try #require(Tool.url)
    let demo = Process()
    demo.executableURL = executable
    demo.arguments = ["demo", "--model", "ngram", "--seeds", "5"]
    let out = Pipe()
    demo.standardOutput = out
    demo.standardError = FileHandle.nullDevice
    try demo.run()
    usleep(300_000)
    kill(demo.processIdentifier, SIGINT)
    let printed = out.fileHandleForReading.readDataToEndOfFile()
    demo.waitUntilExit()
    #expect(demo.terminationReason == .exit)
    #expect(demo.terminationStatus == 130)
    #expect(printed.isEmpty, "the report is printed only when every run is done")
  }

  @Test("Three shards merged are the unsharded sweep, byte for byte; a missing shard is named")
  func shards() throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let experiment = folder.appendingPathComponent("twelve.json").path
    let whole = folder.appendingPathComponent("whole.jsonl")
    #expect(try Tool.run(["sweep", experiment, "--out", whole.path, "--quiet"]).status == 0)
    var shardPaths: [String] = []
    var counts: [Int] = []
    for index in 1...3 {
      let path = folder.appendingPathComponent("runs-\(index).jsonl").path
      let shard = try Tool.run(
        ["sweep", experiment, "--shard", "\(index)/3", "--out", path, "--quiet", "--threads", "1"])
      #expect(shard.status == 0, "\(shard.stderr)")
      shardPaths.append(path)
      counts.append(try Self.lines(URL(fileURLWithPath: path)).count)
    }
    #expect(counts == [16, 16, 16], "12 seeds × 4 runs, split by seed")
    let merged = folder.appendingPathComponent("merged.jsonl")
    let merge = try Tool.run(
      ["merge"] + shardPaths + [shardPaths[0], "--experiment", experiment, "--out", merged.path])
    #expect(merge.status == 0, "\(merge.stderr)")
    #expect(merge.stdout.contains("48 runs"))
    #expect(try Data(contentsOf: merged) == Data(contentsOf: whole))

    let incomplete = try Tool.run(
      [
        "merge", shardPaths[0], shardPaths[2], "--experiment", experiment, "--out",
        folder.appendingPathComponent("partial.jsonl").path,
      ])
    #expect(incomplete.status == 1)
    #expect(incomplete.stderr.contains("16 of 48 runs are missing: ngram seed 1 rigid none"))
    #expect(
      !FileManager.default.fileExists(atPath: folder.appendingPathComponent("partial.jsonl").path))
  }

  @Test("demo --json with both families: the same bytes on 1 and on 2 threads")
  func determinism() throws {
    let arguments = ["demo", "--seeds", "1", "--first-seed", "3", "--json", "--quiet"]
    let one = try Tool.run(arguments + ["--threads", "1"])
    let two = try Tool.run(arguments + ["--threads", "2"])
    #expect(one.status == 0 && two.status == 0)
    #expect(one.stdout.contains("\"transformer\""))
    #expect(one.stdout == two.stdout)
  }
}
