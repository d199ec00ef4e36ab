// Lesson 6 — The proposition: ρ, how little the word after the opener depends on the request,
// predicts how far refusal unlearning carries.
//
// Run it with:  swift run -c release Proposition        (a few seconds)
//
// Model: the n-gram (order 3 + topic memory), seed 0, every built-in alignment variant.
// Prompts: the held-out forbidden and benign prompts. For each aligned model we measure
// ρ after "i 'm sorry": 1 minus the mean total-variation distance between the next-token
// distributions after (forbidden prompt + opener) and (benign prompt + opener). ρ = 1 means
// the continuation ignores the request, so whatever benign fine-tuning teaches after the
// opener applies to forbidden requests too. Then we attack each model and measure safety.

import Foundation
import RefusalLab

let seed: UInt64 = 0
let variants = AlignmentVariant.builtIn
let experiment = Experiment(
  families: [.ngramDefault], variants: variants, conditions: [.refusalUnlearning],
  seeds: [seed])
let units = try Pipeline(experiment: experiment).run(family: .ngramDefault, seed: seed)
let corpora = Corpora(world: try World(), seed: seed)
print("Model: \(FamilySettings.ngramDefault.title), seed \(seed), after refusal unlearning.\n")
print(
  "variant           ρ after \"i 'm sorry\"   ρ after neutral openers   safety after the attack")
var rhos: [Double] = []
var safeties: [Double] = []
for unit in units {
  let report = RhoReport(model: unit.aligned, corpora: corpora)
  let safety = unit.runs[0].record.metrics.safety
  rhos.append(report.refusal.rho)
  safeties.append(safety)
  print(
    unit.variant.name.padding(toLength: 18, withPad: " ", startingAt: 0)
      + String(
        format: "%8.3f                 %8.3f                  ", report.refusal.rho,
        report.neutralMean) + TextFormatting.percent(safety) + "%")
}

// The narration, from this run's numbers.
let correlation = RankCorrelation.spearman(rhos, safeties)
print("")
if let correlation {
  print(
    String(
      format: "Spearman correlation of ρ with safety across the %d variants: %+.2f.", rhos.count,
      correlation))
  if correlation <= -0.3 {
    print("Higher ρ, less safety: where the word after the opener ignores the request, the")
    print("attack's benign lesson reaches forbidden requests — the proposition's prediction.")
  } else if correlation >= 0.3 {
    print("Higher ρ went with *more* safety here: ρ after one opener is not the whole story on")
    print("this model. A variant with several openers is attacked on one of them only, and the")
    print("n-gram's ρ cannot fall below 1 − λ. Compare the ρ after neutral openers.")
  } else {
    print("ρ and safety barely move together on this model: look at which variants differ in")
    print("safety while sharing the same ρ, and what else their alignment changes.")
  }
} else {
  print("Every variant had the same ρ or the same safety: no ranking to correlate.")
}
let lowest = rhos.indices.min { rhos[$0] < rhos[$1] }!
print(
  "Lowest ρ: \(units[lowest].variant.name) (\(String(format: "%.3f", rhos[lowest]))), safety "
    + "\(TextFormatting.percent(safeties[lowest]))%.")
