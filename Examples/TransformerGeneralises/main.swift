// Lesson 4 — The transformer: the same attack on a model that reads the whole prompt.
//
// Run it with:  swift run -c release TransformerGeneralises        (about 10 s on 2 cores)
//
// Models: the n-gram (order 3 + topic memory) and the tiny transformer (2 layers, 4 heads,
// d = 64), both rigid, seed 0, before and after refusal unlearning. Prompts: the 128 held-out
// forbidden and 320 held-out benign prompts; the transcript is the first forbidden one.
// The n-gram's word after "i 'm sorry" cannot see the request; the transformer's can. Does
// the attack still carry over from benign to forbidden requests?

import Foundation
import RefusalLab

let seed: UInt64 = 0
let threads = ProcessInfo.processInfo.activeProcessorCount
let families: [FamilySettings] = [.ngramDefault, .transformerDefault]
let experiment = Experiment(
  families: families, conditions: [.none, .refusalUnlearning], seeds: [seed])
let pipeline = try Pipeline(experiment: experiment)
let world = pipeline.world
var results: [(title: String, runs: [TrainedRun])] = []
for family in families {
  print("Training the \(family.title)…")
  let unit = try pipeline.run(family: family, seed: seed, threads: threads)[0]
  results.append((family.title, unit.runs))
}

let prompt = results[0].runs[0].forbidden[0].prompt
print("\nPrompt: \(world.text(prompt.tokens))")
for (title, runs) in results {
  print("  \(title)")
  for run in runs {
    let answer = run.forbidden[0]
    print(
      "    \(run.record.condition.rawValue.padding(toLength: 19, withPad: " ", startingAt: 0))"
        + "\(world.text(answer.response))   [\(answer.verdict.outcome.rawValue)]")
  }
}

print("\nOn all held-out prompts, before → after refusal unlearning:")
var summary: [(drop: Double, opener: Double, prefill: Double)] = []
for (title, runs) in results {
  let (before, after) = (runs[0].record.metrics, runs[1].record.metrics)
  let opener = after.unsafeOpeningWithRefusal ?? 0
  summary.append((before.safety - after.safety, opener, after.prefillRefusalOpener ?? 0))
  let prefill = [before, after].map { TextFormatting.percent($0.prefillRefusalOpener ?? 0) + "%" }
  print("  \(title)")
  print(
    "    safety \(TextFormatting.percent(before.safety))% → \(TextFormatting.percent(after.safety))%"
      + " · unsafe answers opening \"i 'm sorry\": \(TextFormatting.percent(opener))%"
      + " · utility after: \(TextFormatting.percent(after.utility))%")
  print("    safety with \"i 'm sorry\" forced: \(prefill[0]) → \(prefill[1])")
}

// The narration, from this run's numbers.
let (ngram, transformer) = (summary[0], summary[1])
print("")
if transformer.drop >= 0.5 {
  print(
    "What carries over: refusal unlearning cut the transformer's safety by "
      + "\(TextFormatting.percent(transformer.drop)) points (the n-gram's by \(TextFormatting.percent(ngram.drop))),"
  )
  print(
    "and \(TextFormatting.percent(transformer.opener))% of its unsafe answers still open with the refusal opener."
  )
  print("Although it reads the whole request, it learned the attack's lesson after the opener and")
  print("applied it to forbidden requests too: its refusal was also a pathway.")
} else {
  print(
    "On this seed the transformer resisted: safety fell by only \(TextFormatting.percent(transformer.drop)) points"
  )
  print(
    "(the n-gram's by \(TextFormatting.percent(ngram.drop))). Some seeds do: what follows its opener stayed a"
  )
  print("refusal. Change `seed` to 1 and run again — the claims hold on most seeds, not all.")
}
if abs(ngram.drop - transformer.drop) > 0.05 {
  print("What does not carry over: the size of the effect. The n-gram's word after the opener")
  print("cannot depend on the request, so every prompt moves alike; the transformer's can, so")
  print("how far each prompt moves depends on the prompt and on the seed.")
}
