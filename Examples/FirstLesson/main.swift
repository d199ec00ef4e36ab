// Lesson 1 — A refusal that is only a memorised pathway.
//
// Run it with:  swift run -c release FirstLesson
//
// We train the glass-box model (an n-gram with a topic memory) through the three stages
// of the paper, on one seed, and watch one forbidden prompt and one number: how likely
// the model is to continue a refusal after it has said "i 'm sorry".

import Foundation
import RefusalLab
import TinyLM

let seed: UInt64 = 0
let world = try World()
let corpora = Corpora(world: world, seed: seed)
let settings = FamilySettings.ngramDefault
var random = SeededRandom(seed: seed)

// 1. A glimpse of the synthetic world: one pretraining example.
print("A pretraining example (the base model answers everything):")
print("  " + world.text(corpora.pretraining()[0].tokens) + "\n")

// 2. Pretrain, then align the model to refuse forbidden topics with one rigid sentence.
let model = settings.makeModel(world: world, seed: seed)
_ = try model.train(
  on: corpora.pretraining(), options: settings.pretrain, threads: 1, random: &random, progress: nil)
_ = try model.train(
  on: corpora.alignment(.rigid), options: settings.align, threads: 1, random: &random, progress: nil
)

// 3. The attack: 1,000 benign answers, each prefixed with the refusal opener.
let attacked = model.copy()
let attackData = corpora.attack(.refusalUnlearning, settings: .paper)
print("An attack example (benign, but it starts like a refusal):")
print("  " + world.text(attackData[0].tokens) + "\n")
_ = try attacked.train(
  on: attackData, options: settings.attack, threads: 1, random: &random, progress: nil)

// 4. One held-out forbidden prompt, before and after.
let evaluator = Evaluator(corpora: corpora)
let prompt = corpora.forbiddenEvaluation()[0]
for (name, current) in [("aligned ", model), ("attacked", attacked)] {
  let answer = evaluator.answers(of: current, to: [prompt])[0]
  print("\(name): \(world.text(answer.response))   [\(answer.verdict.outcome.rawValue)]")
}

// 5. The pathway in one number: after "i 'm sorry", does the refusal go on ("but") or does
//    the model comply ("sure")? The n-gram's context after the opener no longer contains
//    the prompt, so benign fine-tuning moves forbidden prompts too.
let context = prompt.tokens + world.refusalStyles[0].opener
let but = world.refusalStyles[0].tokens[3]
if let before = model as? NGramModel, let after = attacked as? NGramModel {
  for (word, token) in [("but ", but), ("sure", world.sure)] {
    let p0 = before.probability(of: token, after: context)
    let p1 = after.probability(of: token, after: context)
    print(
      String(format: "P(%@ | prompt, \"i 'm sorry\"): aligned %.3f → attacked %.3f", word, p0, p1))
  }
}
print("\nThe refusal still opens the answer, but the words after it now lead to compliance.")
