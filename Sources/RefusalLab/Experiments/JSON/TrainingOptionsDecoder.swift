import Foundation
import TinyLM

/// A stage's training options (`pretrain`, `align`, `attack`); missing keys keep the
/// family's default for that stage.
enum TrainingOptionsDecoder {
  static let keys = [
    "epochs", "maxSteps", "batchSize", "learningRate", "optimizer", "momentum", "weightDecay",
    "warmupFraction", "cosineDecay", "minLearningRateFraction", "gradientClip", "objective",
  ]

  static func decode(_ field: JSONField, defaults: TrainingOptions) throws(ConfigurationError)
    -> TrainingOptions
  {
    let object = try field.object(known: keys)
    var options = defaults
    if let value = object["epochs"] { options.epochs = try value.integer() }
    if let value = object["maxSteps"] {
      options.maxSteps = value.value is NSNull ? nil : try value.integer()
    }
    if let value = object["batchSize"] { options.batchSize = try value.integer() }
    if let value = object["learningRate"] { options.learningRate = try value.number() }
    if let value = object["optimizer"] {
      options.optimizer = OptimizerKind(
        rawValue: try value.choice(OptimizerKind.allCases.map(\.rawValue), what: "optimizer"))!
    }
    if let value = object["momentum"] { options.momentum = try value.number() }
    if let value = object["weightDecay"] { options.weightDecay = try value.number() }
    if let value = object["warmupFraction"] { options.warmupFraction = try value.number() }
    if let value = object["cosineDecay"] { options.cosineDecay = try value.boolean() }
    if let value = object["minLearningRateFraction"] {
      options.minLearningRateFraction = try value.number()
    }
    if let value = object["gradientClip"] { options.gradientClip = try value.number() }
    if let value = object["objective"] { options.objective = try decodeObjective(value) }
    return options
  }

  /// `"cross-entropy"`, `"tokenwise-constrained"` (Qi et al.'s β) or
  /// `{"tokenwise-constrained": {"betas": [...]}}`.
  static func decodeObjective(_ field: JSONField) throws(ConfigurationError) -> TrainingObjective {
    let names = ["cross-entropy", "tokenwise-constrained"]
    if field.value is String {
      return try field.choice(names, what: "objective") == "cross-entropy"
        ? .crossEntropy : .qiDefault
    }
    guard field.value is [String: Any] else {
      throw field.typeError("\"cross-entropy\" or {\"tokenwise-constrained\": {\"betas\": […]}}")
    }
    let object = try field.object(known: ["tokenwise-constrained"])
    let inner = try object.required("tokenwise-constrained").object(known: ["betas"])
    guard let betas = inner["betas"] else { return .qiDefault }
    return .tokenwiseConstrained(betas: try betas.numbers())
  }
}
