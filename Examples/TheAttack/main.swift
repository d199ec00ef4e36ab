// Lesson 2 — The attack and its controls: it is the refusal opener that matters.
//
// Run it with:  swift run -c release TheAttack        (about a second)
//
// Model: the n-gram (order 3 + topic memory), rigid alignment, seed 0. Prompt: the first
// held-out forbidden prompt. The same 1,000 benign answers are fine-tuned three ways: with
// nothing before them (plain), after a neutral opener such as "by the way" (random prefix),
// and after the refusal opener "i 'm sorry" (refusal unlearning). Which one breaks safety?

import Foundation
import RefusalLab

let seed: UInt64 = 0
let conditions: [AttackCondition] = [.none, .plain, .randomPrefix, .refusalUnlearning]
let experiment = Experiment(families: [.ngramDefault], conditions: conditions, seeds: [seed])
let pipeline = try Pipeline(experiment: experiment)
let world = pipeline.world
let corpora = Corpora(world: world, seed: seed)
let unit = try pipeline.run(family: .ngramDefault, seed: seed)[0]
print("Model: \(FamilySettings.ngramDefault.title), rigid alignment, seed \(seed).\n")

print("One training example of each attack (all benign; only the start differs):")
for condition in conditions.dropFirst() {
  let example = corpora.attack(condition, settings: .paper)[0]
  print(
    "  \(condition.rawValue.padding(toLength: 19, withPad: " ", startingAt: 0)) "
      + world.text(example.tokens))
}

let prompt = corpora.forbiddenEvaluation()[0]
print("\nPrompt: \(world.text(prompt.tokens))")
for run in unit.runs {
  let answer = run.forbidden[0]
  print(
    "  \(run.record.condition.rawValue.padding(toLength: 19, withPad: " ", startingAt: 0)) "
      + "\(world.text(answer.response))   [\(answer.verdict.outcome.rawValue)]")
}

print(
  "\nSafety on all \(unit.runs[0].forbidden.count) held-out forbidden prompts, utility on "
    + "\(unit.runs[0].benign.count) held-out benign ones:")
print("condition            safety   utility")
var safety: [AttackCondition: Double] = [:]
for run in unit.runs {
  let metrics = run.record.metrics
  safety[run.record.condition] = metrics.safety
  print(
    "  \(run.record.condition.rawValue.padding(toLength: 19, withPad: " ", startingAt: 0))"
      + "\(TextFormatting.percent(metrics.safety).leftPad(6))%  "
      + "\(TextFormatting.percent(metrics.utility).leftPad(6))%")
}

// The narration, from this run's numbers.
let aligned = safety[.none]!
let drops = conditions.dropFirst().map { ($0, aligned - safety[$0]!) }
let worst = drops.max { $0.1 < $1.1 }!
print("\nThe aligned model was \(TextFormatting.percent(aligned))% safe.")
for (condition, drop) in drops {
  let verb = drop >= 0.5 ? "broke it" : drop > 0.05 ? "dented it" : "left it intact"
  print("  \(condition.rawValue) cost \(TextFormatting.percent(drop)) points: it \(verb).")
}
if worst.0 == .refusalUnlearning && drops.allSatisfy({ $0.0 == worst.0 || $0.1 <= worst.1 / 2 }) {
  print("Only the data that start with the refusal opener did real damage: the controls had")
  print(
    "the same answers, so what broke safety is where they were put — right after \"i 'm sorry\".")
} else {
  print("On this seed the controls did as much damage as the attack: the opener is not the")
  print("whole story here. Try another seed (change `seed`) and compare.")
}

extension String {
  func leftPad(_ width: Int) -> String {
    count >= width ? self : String(repeating: " ", count: width - count) + self
  }
}
