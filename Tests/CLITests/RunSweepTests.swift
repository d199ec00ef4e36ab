import Foundation
import Testing

/// `refusal-lab run` and `sweep` as a user runs them: exit codes, messages, outputs. Every
/// experiment here is the n-gram, one or two seeds, so each run takes a moment.
@Suite("run and sweep commands")
struct RunSweepTests {
  static let tiny = """
    {"name": "tiny", "families": ["ngram"], "variants": ["rigid"],
     "attack": {"conditions": ["none", "refusal-unlearning"]}, "seeds": [1, 2]}
    """

  /// A fresh folder holding `files` (name → contents).
  static func folder(_ files: [String: String]) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "refusal-lab-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    for (name, text) in files {
      try Data(text.utf8).write(to: folder.appendingPathComponent(name))
    }
    return folder
  }

  @Test(
    "Bad experiment files: one line naming the field, the usage, exit 2",
    arguments: [
      (
        #"{"variants": [{"name": "v", "stlyes": [1]}]}"#,
        "error: variants[0].stlyes: unknown key (known: name, base, summary, styles, "
          + "styleWeights, assignment, body, helpfulOpenerFraction, refusalCopies, recovery)"
      ),
      (
        #"{"seeds": "five"}"#,
        #"error: seeds: expected an array of non-negative integers or {"first", "count"}, "#
          + #"got "five""#
      ),
      (
        #"{"families": ["ngram", {"family": "transformer", "attack": {"epochs": 0}}]}"#,
        "error: families[1].attack.epochs: must be in 1…1000, got 0"
      ),
      (
        "{\n  \"seeds\": [1,\n  2,, 3]}",
        #"error: line 3, column 5: not valid JSON: unexpected ", 3]}""#
      ),
      (
        #"{"attack": {"sampleCount": 1e999}}"#,
        "error: line 1, column 28: 1e999 is not a finite number"
      ),
    ])
  func badFile(text: String, expected: String) throws {
    let folder = try Self.folder(["bad.json": text])
    defer { try? FileManager.default.removeItem(at: folder) }
    for command in ["run", "sweep"] {
      var arguments = [command, folder.appendingPathComponent("bad.json").path]
      if command == "sweep" {
        arguments += ["--out", folder.appendingPathComponent("o.jsonl").path]
      }
      let output = try Tool.run(arguments)
      #expect(output.status == 2)
      #expect(output.stdout.isEmpty)
      let lines = output.stderr.split(separator: "\n").map(String.init)
      #expect(lines.first == expected)
      #expect(lines.count == 2 && lines[1].hasPrefix("usage: refusal-lab \(command) FILE.json"))
    }
  }

  @Test(
    "Missing files, directories, unknown presets and missing arguments exit 2",
    arguments: [
      (["run", "/nonexistent/x.json"], "error: /nonexistent/x.json: no such file"),
      (["run", "/"], "error: /: is a directory, not an experiment file"),
      (["run", "preset:nope"], "error: preset:nope: no built-in preset of that name"),
      (["run", "nope"], "error: nope: no such file, and no built-in preset of that name"),
      (["run"], "error: missing FILE.json"),
      (["sweep", "preset:ngram-quick"], "error: --out: required"),
      (["run", "a.json", "b.json"], "error: unexpected argument 'b.json'"),
    ])
  func badArguments(arguments: [String], prefix: String) throws {
    let output = try Tool.run(arguments)
    #expect(output.status == 2)
    #expect(output.stderr.hasPrefix(prefix), "\(output.stderr)")
    #expect(output.stderr.contains("usage: refusal-lab"))
  }

  @Test("run --json prints the demo's document; the report names the conditions")
  func run() throws {
    let folder = try Self.folder(["tiny.json": Self.tiny])
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("tiny.json").path
    let json = try Tool.run(["run", path, "--json", "--quiet", "--threads", "2"])
    #expect(json.status == 0)
    #expect(json.stderr.isEmpty)
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    #expect((object["runs"] as? [Any])?.count == 2 * 1 * 2)
    #expect(object["seeds"] as? [Int] == [1, 2])
    let report = try Tool.run(["run", path, "--quiet"])
    #expect(report.status == 0)
    #expect(report.stdout.contains("refusal-unlearning"))
  }

  @Test("run executes the file's kl, rho, tree and dose diagnostics: report and JSON")
  func runDiagnostics() throws {
    let file = """
      {"name": "diagnosed", "families": ["ngram"], "variants": ["rigid"],
       "attack": {"conditions": ["none", "refusal-unlearning"]}, "seeds": [1],
       "diagnostics": ["prefill", "kl", "rho", "tree", "dose"]}
      """
    let folder = try Self.folder(["d.json": file])
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("d.json").path
    let json = try Tool.run(["run", path, "--json", "--quiet"])
    #expect(json.status == 0, "\(json.stderr)")
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    let diagnostics = try #require(object["diagnostics"] as? [String: Any])
    let variant = try #require((diagnostics["variants"] as? [[String: Any]])?.first)
    #expect(variant["variant"] as? String == "rigid")
    #expect(((variant["klProfile"] as? [String: Any])?["positions"] as? [Any])?.isEmpty == false)
    let rho = try #require((variant["rho"] as? [String: Any])?["refusal"] as? [String: Any])
    #expect((rho["rho"] as? Double ?? 0) > 0.9, "the n-gram forgets the prompt after the opener")
    #expect(variant["tree"] != nil && variant["treeAfterRefusalUnlearning"] != nil)
    // Six sample counts and five epoch counts share the 1,000 × 3 cell: 10 doses + aligned.
    #expect((diagnostics["dose"] as? [Any])?.count == 11)

    let report = try Tool.run(["run", path, "--quiet"])
    #expect(report.status == 0)
    for heading in [
      "KL(aligned ‖ base)", "ρ (prompt-independence", "Completion tree",
      "after refusal unlearning", "Dose-response",
    ] {
      #expect(report.stdout.contains(heading), "\(heading)")
    }
    // Without further diagnostics the document has no such key.
    let plain = try Tool.run(["run", "preset:ngram-quick", "--json", "--quiet"])
    #expect(plain.stdout.contains("\"diagnostics\"") == false)
  }

  @Test(
    "sweep writes a line per run, refuses to overwrite, resumes, and refuses another experiment")
  func sweep() throws {
    let other = Self.tiny.replacingOccurrences(of: "[1, 2]", with: "[1, 3]")
    let folder = try Self.folder(["tiny.json": Self.tiny, "other.json": other])
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("tiny.json").path
    let out = folder.appendingPathComponent("runs.jsonl").path
    let first = try Tool.run(["sweep", path, "--out", out, "--quiet", "--threads", "2"])
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stdout == "\(out): 4 runs (4 written now, 0 already present)\n")
    let bytes = try Data(contentsOf: URL(fileURLWithPath: out))
    #expect(String(decoding: bytes, as: UTF8.self).split(separator: "\n").count == 4)

    let again = try Tool.run(["sweep", path, "--out", out, "--quiet"])
    #expect(again.status == 2)
    #expect(again.stderr.contains("already exists; add --resume"))

    // Cut the file mid-line, as a crash would, and resume.
    try bytes.prefix(bytes.count - 40).write(to: URL(fileURLWithPath: out))
    let resumed = try Tool.run(["sweep", path, "--out", out, "--resume", "--threads", "1"])
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(resumed.stdout == "\(out): 4 runs (1 written now, 3 already present)\n")
    #expect(resumed.stderr.contains("truncated last line"))
    #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == bytes)

    let otherPath = folder.appendingPathComponent("other.json").path
    let mismatch = try Tool.run(["sweep", otherPath, "--out", out, "--resume", "--quiet"])
    #expect(mismatch.status == 2)
    #expect(mismatch.stderr.contains("comes from a different experiment"))
    #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == bytes, "left untouched")
  }
}
