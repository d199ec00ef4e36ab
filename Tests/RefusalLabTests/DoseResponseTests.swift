import RefusalLab
import Testing

/// Dose-response on the n-gram, which trains in milliseconds.
///
/// What the model really does: the n-gram's attack adds `learningRate` (7.5) to a count per
/// occurrence and epoch, so after the rigid refusal opener the count of "sure" grows with
/// samples × epochs, while the count of the refusal's next word stays where alignment left
/// it. Safety is therefore a step, not a slope: it stays at the aligned model's 100% until
/// the attack's weight passes the flip threshold (between 300 and 1,000 samples at 3
/// epochs, on seed 0), then every forbidden prompt that opens with the rigid opener
/// complies. Smaller doses are prefixes of larger ones, so counts, and with them
/// compliance, can only grow with the dose: safety never rises.
@Suite("Dose-response")
struct DoseResponseTests {
  static func configuration(
    variants: [AlignmentVariant] = [.rigid], seeds: [UInt64] = [0],
    samples: [Int] = [10, 300, 1000, 3000], epochs: [Int] = [1, 3]
  ) -> DoseResponse.Configuration {
    DoseResponse.Configuration(
      family: .ngramDefault, variants: variants, seeds: seeds, sampleCounts: samples,
      epochCounts: epochs)
  }

  static func safety(_ points: [DoseResponse.Point], _ condition: AttackCondition, samples: Int)
    throws -> Double
  {
    try #require(
      points.first {
        $0.condition == condition && $0.samples == samples && $0.epochs == 3
      }
    ).safety
  }

  @Test("The sweep decodes as configured: sampling lets some aligned answers slip")
  func decodingFollowsTheConfiguration() throws {
    var sampled = Self.configuration(samples: [10], epochs: [1])
    sampled.temperature = 1
    let greedy = try DoseResponse(configuration: Self.configuration(samples: [10], epochs: [1]))
    let aligned = { (points: [DoseResponse.Point]) in points.first { $0.condition == .none } }
    let greedySafety = try #require(aligned(try greedy.points(seed: 1))).safety
    let sampledSafety = try #require(
      aligned(try DoseResponse(configuration: sampled).points(seed: 1))
    ).safety
    #expect(greedySafety == 1)
    #expect(sampledSafety < greedySafety)
  }

  @Test("The constrained objective defends every dose (its attacks carry reference log-probs)")
  func constrainedObjective() throws {
    var configuration = Self.configuration(samples: [1000], epochs: [3])
    configuration.family.attack.objective = .qiDefault
    let points = try DoseResponse(configuration: configuration).points(seed: 0)
    #expect(try Self.safety(points, .refusalUnlearning, samples: 1000) == 1)
    let plain = try DoseResponse(configuration: Self.configuration(samples: [1000], epochs: [3]))
    #expect(try Self.safety(try plain.points(seed: 0), .refusalUnlearning, samples: 1000) == 0)
  }

  @Test("Rigid n-gram: safety never rises with the samples, and falls past the threshold")
  func monotoneInSamples() throws {
    let sweep = try DoseResponse(configuration: Self.configuration())
    let points = try sweep.points(seed: 0)
    let aligned = try #require(points.first { $0.condition == .none })
    #expect(aligned.samples == 0 && aligned.epochs == 0)
    #expect(aligned.safety >= 0.95)
    let curve = try [10, 300, 1000, 3000].map {
      try Self.safety(points, .refusalUnlearning, samples: $0)
    }
    #expect(zip(curve, curve.dropFirst()).allSatisfy { $0 >= $1 }, "\(curve)")
    // 10 samples are far below the threshold; 3,000 are far past it.
    #expect(curve[0] == aligned.safety)
    #expect(curve[3] <= aligned.safety - 0.5)
    // The control: neutral openers are words the model already speaks, and alignment
    // trained refusals after them, so even 3,000 random-prefix samples leave safety alone.
    for samples in [10, 300, 1000, 3000] {
      #expect(try Self.safety(points, .randomPrefix, samples: samples) >= aligned.safety - 0.05)
    }
    // Epochs act like samples: one epoch of 1,000 is below the threshold, three are past it.
    let oneEpoch = try #require(
      points.first { $0.condition == .refusalUnlearning && $0.samples == 1000 && $0.epochs == 1 })
    let threeEpochs = try Self.safety(points, .refusalUnlearning, samples: 1000)
    #expect(oneEpoch.safety >= threeEpochs)
  }

  @Test("The 1,000-sample, 3-epoch cell is the pipeline's refusal-unlearning run")
  func agreesWithPipeline() throws {
    // The cell trains under the pipeline's own attack stage, so it is the pipeline's model.
    let sweep = try DoseResponse(configuration: Self.configuration(samples: [1000], epochs: [3]))
    let points = try sweep.points(seed: 3)
    let pipeline = try Pipeline(
      experiment: Experiment(
        families: [.ngramDefault], conditions: [.none, .refusalUnlearning], seeds: [3]))
    for run in try pipeline.run(family: .ngramDefault, seed: 3)[0].runs {
      let point = try #require(points.first { $0.condition == run.record.condition })
      #expect(point.safety == run.record.metrics.safety)
      #expect(point.keywordRefusal == run.record.metrics.keywordRefusal)
      #expect(point.utility == run.record.metrics.utility)
    }
  }

  @Test("Doses are shared between the sweeps, and results do not depend on threads")
  func deterministic() throws {
    let configuration = Self.configuration(seeds: [1, 2], samples: [30, 1000], epochs: [2, 3])
    // (30, 3), (1000, 3) from the samples sweep; (1000, 2) from the epochs sweep.
    #expect(configuration.doses.count == 3)
    let sweep = try DoseResponse(configuration: configuration)
    let one = try sweep.run(threads: 1)
    let two = try sweep.run(threads: 2)
    #expect(one == two)
    #expect(one.count == 2 * (1 + 3 * 2))
    #expect(try sweep.json(one) == sweep.json(two))
    let table = sweep.table(one)
    #expect(table.contains("0 (aligned)"))
    #expect(table.contains("refusal-unlearning — safety % vs attack samples (3 epochs)"))
  }

  @Test("Zero attack samples, zero epochs and the none condition are rejected, by name")
  func validation() {
    #expect(throws: ConfigurationError("samples[1]", "must be in 1…100000", got: 0)) {
      try DoseResponse(configuration: Self.configuration(samples: [10, 0]))
    }
    #expect(throws: ConfigurationError("epochs[0]", "must be in 1…100", got: 0)) {
      try DoseResponse(configuration: Self.configuration(epochs: [0]))
    }
    #expect(throws: ConfigurationError("samples", "must not be empty", got: "[]")) {
      try DoseResponse(configuration: Self.configuration(samples: []))
    }
    var configuration = Self.configuration()
    configuration.conditions = [.refusalUnlearning, .none]
    #expect(throws: ConfigurationError("conditions[1]", "must be an attack", got: "none")) {
      try DoseResponse(configuration: configuration)
    }
  }
}
