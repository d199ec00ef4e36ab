/// Identifies one run of an experiment: model family, variant, condition and seed.
struct RunKey: Sendable, Hashable {
  /// The model family.
  var model: ModelFamily
  /// The alignment variant's name.
  var variant: String
  /// The attack condition.
  var condition: AttackCondition
  /// The seed.
  var seed: UInt64

  /// Every run of `experiment`, in the order `runAll` returns them (family, seed, variant,
  /// condition), mapped to its position.
  static func order(of experiment: Experiment) -> [RunKey: Int] {
    var order: [RunKey: Int] = [:]
    for family in experiment.families {
      for seed in experiment.seeds {
        for variant in experiment.variants {
          for condition in experiment.conditions {
            order[
              RunKey(
                model: family.family, variant: variant.name, condition: condition, seed: seed)] =
              order.count
          }
        }
      }
    }
    return order
  }
}

extension RunKey {
  /// The key of a record.
  init(_ record: RunRecord) {
    self.init(
      model: record.model, variant: record.variant, condition: record.condition, seed: record.seed)
  }
}

extension RunKey: CustomStringConvertible {
  /// `transformer seed 3 rigid refusal-unlearning`.
  var description: String {
    "\(model.rawValue) seed \(seed) \(variant) \(condition.rawValue)"
  }
}
