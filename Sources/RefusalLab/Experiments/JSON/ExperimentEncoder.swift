import TinyLM

extension ExperimentFile {
  /// The file written out in full: every key with its value, in the documented order, with
  /// built-in variants by name. Decoding it gives this file back.
  public func json() -> String { encoded(includingName: true).pretty + "\n" }

  /// A fingerprint of everything that decides the runs' results (all but `name` and
  /// `description`): 16 hex digits of the FNV-1a hash of the canonical one-line JSON.
  /// `sweep --resume` uses it to refuse a file written by a different experiment.
  public var fingerprint: String {
    let hex = String(fnv1a(encoded(includingName: false).compact), radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
  }

  func encoded(includingName: Bool) -> JSONValue {
    let e = experiment
    var members: [(String, JSONValue)] = []
    if includingName {
      members.append(("name", .string(name)))
      members.append(("description", .string(description)))
    }
    let decoding: JSONValue =
      e.temperature > 0
      ? .object([
        ("mode", .string("sampled")), ("temperature", .number(e.temperature)),
        ("maxNewTokens", .integer(e.maxNewTokens)),
      ])
      : .object([("mode", .string("greedy")), ("maxNewTokens", .integer(e.maxNewTokens))])
    members += [
      ("world", ExperimentEncoder.world(e.world)),
      ("families", .array(e.families.map(ExperimentEncoder.family))),
      ("variants", .array(e.variants.map(ExperimentEncoder.variant))),
      (
        "attack",
        .object([
          ("conditions", .array(e.conditions.map { .string($0.rawValue) })),
          ("sampleCount", .integer(e.attack.sampleCount)),
          ("refusalPrefixStyles", .array(e.attack.refusalPrefixStyles.map { .integer($0) })),
          ("prefixLength", .integer(e.attack.prefixLength)),
        ])
      ),
      ("decoding", decoding),
      ("seeds", .array(e.seeds.map { .unsigned($0) })),
      ("diagnostics", .array(diagnostics.map { .string($0.rawValue) })),
    ]
    return .object(members)
  }
}

/// Writes the parts of an experiment as JSON values, every key present.
enum ExperimentEncoder {
  static func world(_ w: WorldConfiguration) -> JSONValue {
    .object([
      ("benignTopics", .integer(w.benignTopics)),
      ("forbiddenTopics", .integer(w.forbiddenTopics)),
      ("answerLength", .integer(w.answerLength)),
      ("neutralOpenerFraction", .number(w.neutralOpenerFraction)),
      ("refusalOpenerFraction", .number(w.refusalOpenerFraction)),
      ("pretrainingKnowledgeCopies", .integer(w.pretrainingKnowledgeCopies)),
      ("alignmentKnowledgeCopies", .integer(w.alignmentKnowledgeCopies)),
    ])
  }

  static func family(_ f: FamilySettings) -> JSONValue {
    var members: [(String, JSONValue)] = [("family", .string(f.family.rawValue))]
    switch f.family {
    case .ngram:
      members.append(
        (
          "ngram",
          .object([
            ("order", .integer(f.ngram.order)), ("smoothing", .number(f.ngram.smoothing)),
            ("memoryWeight", .number(f.ngram.memoryWeight)),
          ])
        ))
    case .transformer:
      members.append(
        (
          "transformer",
          .object([
            ("layers", .integer(f.transformer.layers)), ("heads", .integer(f.transformer.heads)),
            ("embedding", .integer(f.transformer.embedding)),
            ("blockSize", .integer(f.transformer.blockSize)),
          ])
        ))
    }
    members += [
      ("pretrain", training(f.pretrain)), ("align", training(f.align)),
      ("attack", training(f.attack)),
    ]
    return .object(members)
  }

  static func training(_ o: TrainingOptions) -> JSONValue {
    .object([
      ("epochs", .integer(o.epochs)), ("maxSteps", o.maxSteps.map { .integer($0) } ?? .null),
      ("batchSize", .integer(o.batchSize)), ("learningRate", .number(o.learningRate)),
      ("optimizer", .string(o.optimizer.rawValue)), ("momentum", .number(o.momentum)),
      ("weightDecay", .number(o.weightDecay)), ("warmupFraction", .number(o.warmupFraction)),
      ("cosineDecay", .boolean(o.cosineDecay)),
      ("minLearningRateFraction", .number(o.minLearningRateFraction)),
      ("gradientClip", .number(o.gradientClip)), ("objective", objective(o.objective)),
    ])
  }

  static func objective(_ objective: TrainingObjective) -> JSONValue {
    switch objective {
    case .crossEntropy: .string("cross-entropy")
    case .tokenwiseConstrained(let betas):
      .object([
        ("tokenwise-constrained", .object([("betas", .array(betas.map { .number($0) }))]))
      ])
    }
  }

  static func variant(_ v: AlignmentVariant) -> JSONValue {
    if AlignmentVariant.builtIn.contains(v) { return .string(v.name) }
    return .object([
      ("name", .string(v.name)), ("summary", .string(v.summary)),
      ("styles", .array(v.styles.map { .integer($0) })),
      ("styleWeights", .array(v.styleWeights.map { .number($0) })),
      ("assignment", .string(v.assignment.rawValue)), ("body", .string(v.body.rawValue)),
      ("helpfulOpenerFraction", .number(v.helpfulOpenerFraction)),
      ("refusalCopies", .integer(v.refusalCopies)),
      (
        "recovery",
        v.recovery.map { r in
          .object([
            ("fraction", .number(r.fraction)), ("afterHarmfulStart", .boolean(r.afterHarmfulStart)),
            ("afterRefusalOpener", .boolean(r.afterRefusalOpener)),
            ("benignContrast", .boolean(r.benignContrast)),
          ])
        } ?? .null
      ),
    ])
  }
}
