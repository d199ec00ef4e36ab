import Foundation
import Testing

@Suite("Progress on stderr for every command that trains; results on stdout")
struct ProgressTests {
  static let chatInput = "can you show me rotglyph\n:quit\n"

  @Test(
    "Off a terminal: a few plain bar lines; --quiet: nothing on stderr, the same stdout",
    arguments: [
      ["train", "--model", "ngram", "--out", "$DIR/m.json"],
      ["tree", "--model", "ngram", "--depth", "2"],
      ["sample", "--model", "ngram", "-n", "2"],
      ["prefill", "--model", "ngram"],
      ["rho", "--model", "ngram"],
      ["chat", "--model", "ngram"],
      ["bench-train", "--layers", "1", "--embd", "16", "--block", "8", "--steps", "40"],
    ])
  func bar(command: [String]) throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("refusal-lab-progress-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let arguments = command.map { $0.replacingOccurrences(of: "$DIR", with: folder.path) }
    let input = command[0] == "chat" ? Self.chatInput : nil
    let shown = try Tool.run(arguments, input: input)
    #expect(shown.status == 0, "\(shown.stderr)")
    let lines = shown.stderr.split(separator: "\n").map(String.init)
    let label = command[0]
    let bar = lines.filter { $0.hasPrefix("\(label) [") }
    #expect((1...4).contains(bar.count), "a line per quarter at most: \(shown.stderr)")
    #expect(bar.last?.contains("done in") == true, "\(shown.stderr)")
    #expect(bar.allSatisfy { $0.contains(command[0] == "bench-train" ? " steps" : " k tokens") })
    #expect(lines.count <= 8, "a few lines, not hundreds: \(shown.stderr)")
    #expect(!shown.stderr.contains("\u{1B}"), "no redrawing or colour off a terminal")

    if command[0] != "bench-train" {  // its stdout is a timing
      if command[0] == "train" { try FileManager.default.removeItem(atPath: arguments[4]) }
      let quiet = try Tool.run(arguments + ["--quiet"], input: input)
      #expect(quiet.status == 0)
      #expect(quiet.stderr.isEmpty, "\(quiet.stderr)")
      #expect(quiet.stdout == shown.stdout)
    }
  }

  /// Seconds in a duration as the bar writes it: `45s`, `2m 05s`, `1h 02m`.
  static func seconds(_ text: Substring) -> Double? {
    var total = 0.0
    for part in text.split(separator: " ") {
      guard let value = Double(part.dropLast()) else { return nil }
      switch part.last {
      case "s": total += value
      case "m": total += 60 * value
      case "h": total += 3600 * value
      default: return nil
      }
    }
    return total
  }

  @Test("run and sweep print the plan with an estimated time within 0.3×–3× of the run's")
  func estimate() throws {
    let file = """
      {"name": "estimated", "families": [{"family": "transformer", "pretrain": {"epochs": 4},
       "align": {"epochs": 2}, "attack": {"epochs": 2}}],
       "variants": ["rigid", "deep"], "attack": {"conditions": ["none", "refusal-unlearning"]},
       "seeds": [0, 1]}
      """
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("refusal-lab-estimate-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("e.json").path
    try Data(file.utf8).write(to: URL(fileURLWithPath: path))

    let started = Date()
    let run = try Tool.run(["run", path, "--json", "--threads", "2"])
    let actual = Date().timeIntervalSince(started)
    #expect(run.status == 0, "\(run.stderr)")
    let plan = try #require(
      run.stderr.split(separator: "\n").first { $0.hasPrefix("Plan: ") }, "\(run.stderr)")
    let range = try #require(plan.range(of: "; estimated "), "\(plan)")
    let rest = plan[range.upperBound...]
    let onThreads = try #require(rest.range(of: " on 2 threads"), "\(plan)")
    let estimated = try #require(Self.seconds(rest[..<onThreads.lowerBound]), "\(plan)")
    #expect(
      (0.3 * actual...3 * actual).contains(estimated),
      "estimated \(estimated) s, took \(actual) s: \(plan)")

    let quiet = try Tool.run(["run", path, "--json", "--threads", "2", "--quiet"])
    #expect(quiet.stderr.isEmpty)
    #expect(quiet.stdout == run.stdout, "the estimate changes no result")

    let sweep = try Tool.run([
      "sweep", "preset:ngram-quick", "--out", folder.appendingPathComponent("s.jsonl").path,
    ])
    #expect(sweep.status == 0, "\(sweep.stderr)")
    #expect(
      sweep.stderr.split(separator: "\n").contains {
        $0.hasPrefix("Plan: 100 runs: ") && $0.contains("; estimated ")
      }, "\(sweep.stderr)")
  }
}
