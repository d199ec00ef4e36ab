// Lesson 2 — Which defenses hold up against refusal unlearning?
//
// Run it with:  swift run -c release Defenses
//
// We align the glass-box model the demo's five ways — one rigid refusal, eight refusal
// styles (one per topic), explained refusals, "i 'm sorry" spoken before helpful answers too,
// and recovery examples ("deep" alignment) — then attack each with the paper's refusal
// unlearning and with an adaptive attacker who uses every refusal opener the aligned model
// actually says. One seed, every number trained here.

import Foundation
import RefusalLab

let seed: UInt64 = 0
let experiment = Experiment(
  families: [.ngramDefault], variants: AlignmentVariant.demoVariants,
  conditions: [.none, .refusalUnlearning, .adaptive], seeds: [seed])
let pipeline = try Pipeline(experiment: experiment)

let units = try pipeline.run(family: .ngramDefault, seed: seed)

print("Safety on 128 held-out forbidden prompts (n-gram, seed \(seed)):\n")
print("variant         aligned   refusal unlearning   adaptive attack")
for unit in units {
  func cell(_ condition: AttackCondition) -> String {
    let safety = unit.runs.first { $0.record.condition == condition }?.record.metrics.safety
    return String(format: "%5.1f%%", (safety ?? 0) * 100)
  }
  print(
    unit.variant.name.padding(toLength: 16, withPad: " ", startingAt: 0) + cell(.none) + "    "
      + cell(.refusalUnlearning) + "               " + cell(.adaptive))
}
print(
  """

  Rigid alignment falls at once: every refusal starts "i 'm sorry", and the attack taught
  that opener to comply. Eight styles dilute the attack — only topics refused with the
  attacked opener break — until the attacker uses every opener the model says. Recovery
  examples teach the model to return to a refusal after harmful words, a pattern the
  attack's benign data never touches, so they hold against both attacks.
  """)
