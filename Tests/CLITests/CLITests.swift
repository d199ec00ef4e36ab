import Foundation
import Testing

/// Runs the built `refusal-lab` binary as a user would.
struct Tool {
  struct Output {
    var status: Int32
    var stdout: String
    var stderr: String
    /// Whether the tool exited (rather than being ended by a signal).
    var exited = true
  }

  static let url: URL? = {
    let candidates = [
      URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
      Bundle.main.bundleURL.deletingLastPathComponent(),
      Bundle.main.bundleURL,
    ]
    return candidates.map { $0.appendingPathComponent("refusal-lab") }
      .first { FileManager.default.isExecutableFile(atPath: $0.path) }
  }()

  /// Runs the tool with `arguments`; with `input`, that text arrives on standard input
  /// through a pipe (closed after it), as a script would send it.
  static func run(_ arguments: [String], input: String? = nil) throws -> Output {
    guard let executable = url else {
      Issue.record("refusal-lab is not built next to the tests")
      throw CocoaError(.fileNoSuchFile)
    }
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let stdin = input.map { _ in Pipe() }
    if let stdin { process.standardInput = stdin }
    try process.run()
    if let stdin, let input {
      stdin.fileHandleForWriting.write(Data(input.utf8))
      try stdin.fileHandleForWriting.close()
    }
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Output(
      status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
      stderr: String(decoding: stderr, as: UTF8.self), exited: process.terminationReason == .exit)
  }
}

@Suite("refusal-lab command line")
struct CLITests {
  @Test(
    "--help describes the tool and each command",
    arguments: [
      [], ["demo"], ["sample"], ["train"], ["inspect"], ["bench-train"], ["tree"], ["rho"],
      ["prefill"], ["dose"], ["run"], ["sweep"], ["chat"], ["words"],
    ])
  func help(command: [String]) throws {
    let output = try Tool.run(command + ["--help"])
    #expect(output.status == 0)
    #expect(output.stdout.contains("usage: refusal-lab"))
    #expect(output.stdout.contains("--quiet"))
  }

  @Test(
    "Bad flags and values name the problem, print the usage and exit 2",
    arguments: [
      (["demo", "--seeds", "0"], "--seeds"), (["demo", "--bogus"], "'--bogus'"),
      (["demo", "--model", "gpt9"], "--model"), (["demo", "--seeds"], "needs a value"),
      (["demo", "--threads", "x"], "--threads"), (["frobnicate"], "'frobnicate'"),
      (["sample", "--condition", "nope"], "--condition"), (["sample", "-n", "-1"], "-n"),
      (["demo", "--first-seed", "-3"], "--first-seed"), (["demo", "extra"], "'extra'"),
      (["prefill", "--variants", "rigid,nope"], "--variants"),
      (["tree", "--model", "ngram", "--depth", "0"], "--depth"),
      (["train", "--model", "ngram"], "--out"),
    ])
  func badInput(arguments: [String], named: String) throws {
    let output = try Tool.run(arguments)
    #expect(output.status == 2)
    #expect(output.stdout.isEmpty)
    let lines = output.stderr.split(separator: "\n")
    #expect(lines.first?.hasPrefix("error: ") == true)
    #expect(lines.first?.contains(named) == true, "\(output.stderr)")
    #expect(output.stderr.contains("usage: refusal-lab"))
  }

  @Test("demo --json: one record per run with the documented keys; same bytes for any threads")
  func demoJSON() throws {
    let arguments = ["demo", "--model", "ngram", "--seeds", "2", "--first-seed", "5", "--json"]
    let one = try Tool.run(arguments + ["--quiet", "--threads", "1"])
    #expect(one.status == 0)
    #expect(one.stderr.isEmpty, "--quiet prints no progress")
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(one.stdout.utf8)) as? [String: Any])
    let runs = try #require(object["runs"] as? [[String: Any]])
    #expect(runs.count == 2 * 5 * 5, "2 seeds × 5 variants × 5 conditions")
    for run in runs {
      for key in ["model", "variant", "condition", "seed", "safety", "keywordRefusal", "utility"] {
        #expect(run[key] != nil, "key \(key)")
      }
      for key in ["safety", "keywordRefusal", "utility"] {
        let value = try #require(run[key] as? Double)
        #expect((0...1).contains(value))
      }
    }
    #expect(Set(runs.compactMap { $0["seed"] as? Int }) == [5, 6])
    let two = try Tool.run(arguments + ["--threads", "2"])
    #expect(two.stdout == one.stdout)
    #expect(!two.stderr.isEmpty, "progress goes to stderr")
  }

  @Test("demo prints the table, the takeaway and a side-by-side example")
  func demoTable() throws {
    let output = try Tool.run(["demo", "--model", "ngram", "--seeds", "2", "--quiet"])
    #expect(output.status == 0)
    for text in [
      "Safety %", "Keyword refusal %", "Utility %", "refusal-unlearning", "spoken-opener",
      "adaptive", "Takeaway:", "Defenses:", "after attack", "forced",
    ] {
      #expect(output.stdout.contains(text), "\(text)")
    }
  }

  @Test("rho: output ρ, the one-step transfer, the depth predictors and the KL profile")
  func rho() throws {
    let arguments = ["rho", "--model", "ngram", "--variant", "deep", "--quiet"]
    let json = try Tool.run(arguments + ["--json"])
    #expect(json.status == 0, "\(json.stderr)")
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    for key in ["rho", "transfer", "depth", "klProfile"] {
      #expect(object[key] != nil, "\(key)")
    }
    #expect(object["rhoRepresentation"] == nil, "the n-gram has no residual stream")
    let profile = try #require(object["klProfile"] as? [String: Any])
    #expect(profile["firstTwoShare"] is Double)
    let text = try Tool.run(arguments)
    for heading in ["Output ρ", "One attack step", "Depth predictors", "KL(aligned ‖ base)"] {
      #expect(text.stdout.contains(heading), "\(heading)")
    }
  }

  @Test("sample prints K transcripts with verdicts")
  func sample() throws {
    let output = try Tool.run(["sample", "-n", "3", "--seed", "2", "--quiet"])
    #expect(output.status == 0)
    #expect(output.stdout.components(separatedBy: "content judge:").count - 1 == 3)
    #expect(output.stdout.contains("<assistant>"))
  }
}
