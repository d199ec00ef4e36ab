import RefusalLab
import Testing
import TinyLM

/// How the pipeline schedules its stages.
@Suite struct PipelineTests {
  @Test(arguments: [0, 3] as [UInt64])
  func anAdaptiveAttackWithOnlyTheRigidOpenerIsRefusalUnlearningTrainedOnce(seed: UInt64)
    throws
  {
    let experiment = Experiment(
      families: [.ngramDefault], variants: [.rigid, .diverse],
      conditions: [.none, .refusalUnlearning, .adaptive], seeds: [seed])
    let pipeline = try Pipeline(experiment: experiment)
    var stages: [String] = []
    let units = try pipeline.run(family: .ngramDefault, seed: seed, log: { stages.append($0) })
    let rigid = units[0].models
    let diverse = units[1].models
    // Rigid says one opener, so its adaptive attacker trains on refusal unlearning's data;
    // diverse says eight, so its adaptive attack is a different one.
    #expect(stages.filter { $0.hasPrefix("attack rigid") } == ["attack rigid refusal-unlearning"])
    #expect(stages.filter { $0.hasPrefix("attack diverse") }.count == 2)
    #expect(rigid[.refusalUnlearning]! === rigid[.adaptive]!)
    #expect(diverse[.refusalUnlearning]! !== diverse[.adaptive]!)
  }

  @Test func anAdaptiveAttackAloneTrainsUnderRefusalUnlearningsStage() throws {
    // Whichever condition comes first, or alone, the shared attack trains under one stage
    // name, so it draws from one stream and is one model in every command.
    for conditions in [[.none, .adaptive], [.adaptive, .refusalUnlearning]] as [[AttackCondition]] {
      let pipeline = try Pipeline(
        experiment: Experiment(
          families: [.ngramDefault], variants: [.rigid], conditions: conditions, seeds: [1]))
      var stages: [String] = []
      _ = try pipeline.run(family: .ngramDefault, seed: 1, log: { stages.append($0) })
      #expect(
        stages.filter { $0.hasPrefix("attack") } == ["attack rigid refusal-unlearning"],
        "\(conditions)")
    }
  }

  @Test func stageNamesAreTheStreamNames() {
    // The names seed every stage's random stream: changing one changes the results.
    #expect(Stage.pretrain.name == "pretrain")
    #expect(Stage.align(.spokenOpener).name == "align spoken-opener")
    #expect(Stage.attack(.rigid, .randomPrefix).name == "attack rigid random-prefix")
    #expect(
      Stage.dose(.deep, .refusalUnlearning, samples: 10, epochs: 3).name
        == "attack deep refusal-unlearning 10×3")
    #expect(Stage.prefixAttack(length: 2).name == "attack prefix 2")
  }
}
