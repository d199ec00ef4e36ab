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
    var models: [String: NGramModel] = [:]
    try pipeline.run(
      family: .ngramDefault, seed: seed, log: { stages.append($0) },
      onModel: { variant, condition, model in
        models["\(variant.name) \(condition.rawValue)"] = model as? NGramModel
      },
      onRun: { _ in })
    // Rigid says one opener, so its adaptive attacker trains on refusal unlearning's data;
    // diverse says eight, so its adaptive attack is a different one.
    #expect(stages.filter { $0.hasPrefix("attack rigid") } == ["attack rigid refusal-unlearning"])
    #expect(stages.filter { $0.hasPrefix("attack diverse") }.count == 2)
    #expect(models["rigid refusal-unlearning"]! === models["rigid adaptive"]!)
    #expect(models["diverse refusal-unlearning"]! !== models["diverse adaptive"]!)
  }

  @Test func anAdaptiveAttackAloneTrainsUnderRefusalUnlearningsStage() throws {
    // Whichever condition comes first, or alone, the shared attack trains under one stage
    // name, so it draws from one stream and is one model in every command.
    for conditions in [[.none, .adaptive], [.adaptive, .refusalUnlearning]] as [[AttackCondition]] {
      let pipeline = try Pipeline(
        experiment: Experiment(
          families: [.ngramDefault], variants: [.rigid], conditions: conditions, seeds: [1]))
      var stages: [String] = []
      try pipeline.run(
        family: .ngramDefault, seed: 1, log: { stages.append($0) }, onRun: { _ in })
      #expect(
        stages.filter { $0.hasPrefix("attack") } == ["attack rigid refusal-unlearning"],
        "\(conditions)")
    }
  }
}
