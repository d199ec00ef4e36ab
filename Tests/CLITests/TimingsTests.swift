import Foundation
import Testing

@Suite("--timings: where a run's time went")
struct TimingsTests {
  @Test("demo --timings: a line per phase on stderr, shares that add up, the same stdout")
  func phases() throws {
    let arguments = ["demo", "--model", "ngram", "--seeds", "1", "--json", "--quiet"]
    let timed = try Tool.run(arguments + ["--timings"])
    #expect(timed.status == 0, "\(timed.stderr)")
    let lines = timed.stderr.split(separator: "\n").map(String.init)
    #expect(lines.first == "Timings (seconds, summed over units):", "\(timed.stderr)")
    let phases = [
      "pretraining", "alignment", "attack plain", "attack random-prefix",
      "attack refusal-unlearning", "attack adaptive", "evaluation and decoding",
    ]
    var shares: [Double] = []
    for phase in phases {
      let line = try #require(lines.first { $0.hasPrefix("  \(phase) ") }, "\(phase)")
      // phase, wall, CPU, share %, runs
      let fields = line.dropFirst(2 + phase.count).split(separator: " ")
      #expect(fields.count == 4, "\(line)")
      let wall = try #require(Double(fields[0]))
      let cpu = try #require(Double(fields[1]))
      #expect(wall >= 0 && cpu >= 0)
      shares.append(try #require(Double(fields[2].dropLast())))
      #expect(Int(fields[3]) ?? 0 >= 1)
    }
    // The n-gram demo has no adaptive attack of its own on rigid (it is refusal
    // unlearning's), but the diverse variant trains one: every phase ran at least once.
    #expect(abs(shares.reduce(0, +) - 100) < 0.5, "\(shares)")
    #expect(lines.contains { $0.hasPrefix("  the run: ") })
    // Measuring changes nothing in the results (it is printed even with --quiet, which the
    // run above used); without --timings nothing of it appears.
    let plain = try Tool.run(arguments)
    #expect(plain.stdout == timed.stdout)
    #expect(plain.stderr.isEmpty)
  }
}
