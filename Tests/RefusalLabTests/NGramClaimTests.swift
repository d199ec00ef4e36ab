import RefusalLab
import Testing
import TinyLM

/// Claims C1–C4 and C8 (see *The Claims*) on the n-gram, from real training at fixed seeds.
@Suite("N-gram reproduces the paper")
struct NGramClaimTests {
  static let seeds = TestSeeds.limited([0, 1, 2, 3, 4, 41, 977])

  @Test("C1, C2, C3, C4, C8 hold", arguments: seeds)
  func claims(seed: UInt64) throws {
    try ClaimChecks.expectPaperClaims(ClaimChecks.records(.ngramDefault, seed: seed))
  }

  @Test("The same seed gives the same records, whatever the thread count")
  func reproducible() throws {
    let experiment = Experiment(families: [.ngramDefault], seeds: [5, 6, 7])
    let pipeline = try Pipeline(experiment: experiment)
    let one = try pipeline.runAll(threads: 1).map(\.record)
    let two = try pipeline.runAll(threads: 2).map(\.record)
    #expect(one == two)
    #expect(
      try ResultsJSON.document(experiment: experiment, runs: one)
        == ResultsJSON.document(experiment: experiment, runs: two))
  }
}
