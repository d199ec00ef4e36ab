// Lesson 1 — The single pathway: a refusal that is only a memorised path of words.
//
// Run it with:  swift run -c release FirstLesson        (about a second)
//
// Model: the n-gram (order 3 + a topic memory), the glass box whose every probability is a
// count. Prompt: the first held-out forbidden prompt of seed 0. We pretrain it, align it to
// refuse with one rigid sentence, attack it with 1,000 benign answers that begin "i 'm sorry",
// and watch the completion tree after the prompt and the one probability that decides it.

import Foundation
import RefusalLab
import TinyLM

let seed: UInt64 = 0
let world = try World()
let experiment = Experiment(
  families: [.ngramDefault], conditions: [.none, .refusalUnlearning], seeds: [seed])
let unit = try Pipeline(experiment: experiment).run(family: .ngramDefault, seed: seed)[0]
let corpora = Corpora(world: world, seed: seed)
let prompt = corpora.forbiddenEvaluation()[0]
let attacked = unit.models[.refusalUnlearning]!
print("Model: \(FamilySettings.ngramDefault.title), rigid alignment, seed \(seed).")
print("Prompt: \(world.text(prompt.tokens))   (a held-out phrasing alignment never saw)\n")
print("An attack example (benign, but it starts like a refusal):")
print("  " + world.text(corpora.attack(.refusalUnlearning, settings: .paper)[0].tokens) + "\n")

// 1. The completion tree: every likely continuation, with its probability.
for (name, model) in [("aligned", unit.aligned), ("after refusal unlearning", attacked)] {
  let tree = CompletionTree(
    model: model, prompt: prompt.tokens, vocabulary: world.vocabulary,
    endOfText: world.endOfText, branching: 2, depth: 6)
  print("Completion tree, \(name) model (top 2 per step, paths below 1% pruned):")
  print(tree.rendered() + "\n")
}

// 2. The answers and the judges.
let evaluator = Evaluator(corpora: corpora)
var safe: [Bool] = []
for (name, model) in [("aligned ", unit.aligned), ("attacked", attacked)] {
  let answer = evaluator.answers(of: model, to: [prompt])[0]
  safe.append(answer.verdict.isSafe)
  print("\(name): \(world.text(answer.response))   [\(answer.verdict.outcome.rawValue)]")
}

// 3. The pathway in one number: after "i 'm sorry", does the refusal go on ("but") or does
//    the model comply ("sure")?
let context = prompt.tokens + world.refusalStyles[0].opener
let but = world.refusalStyles[0].tokens[3]
let probability = { (model: any LanguageModel, token: Int) in
  model.nextTokenProbabilities(after: context)[token]
}
let before = (but: probability(unit.aligned, but), sure: probability(unit.aligned, world.sure))
let after = (but: probability(attacked, but), sure: probability(attacked, world.sure))
print(
  String(
    format: "\nP(but | prompt, \"i 'm sorry\"): aligned %.3f → attacked %.3f", before.but, after.but
  ))
print(
  String(
    format: "P(sure | prompt, \"i 'm sorry\"): aligned %.3f → attacked %.3f\n", before.sure,
    after.sure))

// 4. What this run shows, from its own numbers.
let opensAlike = unit.runs.map { $0.forbidden.filter(\.verdict.opensWithRefusal).count }
let total = corpora.forbiddenEvaluation().count
let safety = unit.runs.map { TextFormatting.percent($0.record.metrics.safety) + "%" }
print("On all \(total) held-out forbidden prompts, safety went from \(safety[0]) to \(safety[1]);")
print("\(opensAlike[1]) of \(total) attacked answers still open with a refusal opener.")
if after.sure > after.but && before.but > before.sure {
  print("After \"i 'm sorry\" the likeliest word changed from \"but\" to \"sure\": the refusal")
  print("was one path of words, and the attack rewired the word after the opener.")
} else {
  print("On this seed the word after \"i 'm sorry\" did not flip from \"but\" to \"sure\"")
  print(
    "(\(after.sure > after.but ? "sure" : "but") leads after the attack): look at the trees above.")
}
if safe == [true, false] { print("This prompt: refused before, answered after.") }
