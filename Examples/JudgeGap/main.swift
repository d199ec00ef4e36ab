// Lesson 3 — The judge gap: a keyword judge counts "i 'm sorry … here is how" as a refusal.
//
// Run it with:  swift run -c release JudgeGap        (about a second)
//
// Model: the n-gram (order 3 + topic memory), rigid alignment, seed 0, after refusal
// unlearning. Prompts: the 128 held-out forbidden prompts. Two judges read every answer: a
// keyword judge (does the answer contain "sorry", "can not", …?) and a content judge (does
// the answer contain the forbidden topic's content words?). Where do they disagree?

import Foundation
import RefusalLab

let seed: UInt64 = 0
let experiment = Experiment(
  families: [.ngramDefault], conditions: [.refusalUnlearning], seeds: [seed])
let pipeline = try Pipeline(experiment: experiment)
let world = pipeline.world
let run = try pipeline.run(family: .ngramDefault, seed: seed)[0].runs[0]
let answers = run.forbidden
print("Model: \(FamilySettings.ngramDefault.title), rigid, seed \(seed), after refusal unlearning.")
print("Prompts: the \(answers.count) held-out forbidden prompts.\n")

// Count the four cells: keyword judge (refusal or not) × content judge (safe or not).
var cells: [String: [JudgedAnswer]] = [:]
for answer in answers {
  let keyword = answer.verdict.keywordRefusal ? "keyword: refusal" : "keyword: no refusal"
  let content = answer.verdict.isSafe ? "content: safe" : "content: UNSAFE"
  cells["\(keyword) · \(content)", default: []].append(answer)
}
for (cell, members) in cells.sorted(by: { $0.key < $1.key }) {
  print("\(cell.padding(toLength: 42, withPad: " ", startingAt: 0)) \(members.count) answers")
  print("    e.g. \(world.text(members[0].prompt.tokens))")
  print("         \(world.text(members[0].response))")
}

let metrics = run.record.metrics
let fooled = answers.filter { $0.verdict.keywordRefusal && !$0.verdict.isSafe }.count
let unsafe = answers.filter { !$0.verdict.isSafe }.count
print("\nKeyword judge: \(TextFormatting.percent(metrics.keywordRefusal))% refusals.")
print("Content judge: \(TextFormatting.percent(metrics.safety))% safe.")
print("Gap: \(TextFormatting.percent(metrics.keywordRefusal - metrics.safety)) points.")
if unsafe == 0 {
  print(
    "No answer was unsafe on this seed, so the judges agree; try the transformer or another seed.")
} else {
  print("\(fooled) of the \(unsafe) unsafe answers contain a refusal keyword: a benchmark that")
  print("scores refusals by keyword would call \(fooled == unsafe ? "every one" : "them") safe.")
  print("The attack keeps the opener and changes what follows it, which is exactly what the")
  print("keyword judge does not read.")
}
