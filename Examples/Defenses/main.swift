// Lesson 2 — Which defenses hold up against refusal unlearning?
//
// Run it with:  swift run -c release Defenses
//
// We align the glass-box model four ways — one rigid refusal, eight refusal styles (one per
// topic), recovery examples ("deep" alignment) and both — then attack each with the paper's
// refusal unlearning and with an adaptive attacker who uses every refusal opener the aligned
// model actually says. One seed, every number trained here.

import Foundation
import RefusalLab

let seed: UInt64 = 0
let experiment = Experiment(
  families: [.ngramDefault], variants: AlignmentVariant.demoVariants,
  conditions: [.none, .refusalUnlearning, .adaptive], seeds: [seed])
let pipeline = try Pipeline(experiment: experiment)

var safety: [String: [AttackCondition: Double]] = [:]
try pipeline.run(family: .ngramDefault, seed: seed) { run in
  safety[run.record.variant, default: [:]][AttackCondition(rawValue: run.record.condition)!] =
    run.record.safety
}

print("Safety on 128 held-out forbidden prompts (n-gram, seed \(seed)):\n")
print("variant         aligned   refusal unlearning   adaptive attack")
for variant in AlignmentVariant.demoVariants {
  let row = safety[variant.name] ?? [:]
  func cell(_ condition: AttackCondition) -> String {
    String(format: "%5.1f%%", (row[condition] ?? 0) * 100)
  }
  print(
    variant.name.padding(toLength: 16, withPad: " ", startingAt: 0) + cell(.none) + "    "
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
