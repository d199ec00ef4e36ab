// Lesson 8 — The refusal direction: does the tiny transformer refuse along one direction of
// its residual stream, and what does refusal unlearning do to it?
//
// Run it with:  swift run -c release InsideTheTransformer        (about 10 s on 2 cores)
//
// Model: the tiny transformer (2 layers, 4 heads, d = 64), rigid, seed 0, before and after
// refusal unlearning. Prompts: the direction is found on training-template prompts (the mean
// state of forbidden prompts minus that of benign ones, as Arditi et al. 2024 do in real chat
// models); every number below is measured on the held-out prompts. Ablating the direction
// projects it out of every residual-stream write; adding it pushes every state along it.

import Foundation
import RefusalLab

let experiment = Experiment(
  families: [.transformerDefault], conditions: [.none, .refusalUnlearning], seeds: [0])
let world = try World()
print("Training the transformer and finding its refusal direction, before and after the attack…")
let study = try DirectionStudy.run(
  experiment: experiment, world: world, threads: ProcessInfo.processInfo.activeProcessorCount)
let percent = { (value: Double) in TextFormatting.percent(value) + "%" }
print("\nModel: \(FamilySettings.transformerDefault.title), rigid, seed 0.\n")
print(
  "model                      opens with a refusal → ablated   benign refusing → added   cosine to aligned   projection gap"
)
for row in study.rows {
  print(
    row.condition.padding(toLength: 27, withPad: " ", startingAt: 0)
      + "\(percent(row.refusal)) → \(percent(row.ablatedRefusal))".padding(
        toLength: 33, withPad: " ", startingAt: 0)
      + "\(percent(row.benignRefusal)) → \(percent(row.addedBenignRefusal))".padding(
        toLength: 26, withPad: " ", startingAt: 0)
      + String(
        format: "%.2f                %.2f", row.cosineToAligned,
        row.projectionGap / max(row.alignedProjectionGap, 1e-12)))
}

// The narration, from this run's numbers.
let aligned = study.rows.first { $0.condition == "none" }!
let attacked = study.rows.first { $0.condition == "refusal-unlearning" }!
print(
  "\nThe aligned model's direction was read at depth \(aligned.depth), at the \(aligned.position) position."
)
let halved = aligned.ablatedRefusal <= aligned.refusal / 2
let majority = aligned.addedBenignRefusal > 0.5
if halved && majority {
  print(
    "Ablating it cut refusal from \(percent(aligned.refusal)) to \(percent(aligned.ablatedRefusal)), and adding it made"
  )
  print(
    "\(percent(aligned.addedBenignRefusal)) of benign requests refuse: refusal lives in one direction, as in real models."
  )
} else {
  print(
    "Ablating it left \(percent(aligned.ablatedRefusal)) refusing (from \(percent(aligned.refusal)))"
      + "\(halved ? "" : " — not half"), and adding it made \(percent(aligned.addedBenignRefusal)) of"
  )
  print(
    "benign requests refuse\(majority ? "" : " — not a majority"). This tiny model does not hold refusal in one"
  )
  print(
    "direction: its forbidden topics are invented words learned one by one, with no shared meaning."
  )
}
let share = attacked.projectionGap / max(aligned.alignedProjectionGap, 1e-12)
print(
  """
  After refusal unlearning, safety is \(percent(attacked.safety)) while \(percent(attacked.refusal)) \
  of forbidden answers still open with a refusal.
  Its direction's cosine with the aligned one is \(String(format: "%.2f", attacked.cosineToAligned)), \
  and the forbidden–benign gap along the aligned
  direction keeps \(String(format: "%.0f", share * 100))% of its size: the attack \
  \(share >= 0.5
    ? "left most of the recognition in place\nand broke the pathway after the opener."
    : "removed much of the recognition itself.")
  """)
if attacked.benignRefusal >= 0.5 {
  print(
    """
    The attacked model opens \(percent(attacked.benignRefusal)) of benign answers with the apology even \
    unedited (its attack data
    began every answer with it), so adding the direction has nothing left to show there.
    """)
}
print("Try it live: refusal-lab chat --model transformer, then :ablate on or :steer 2.")
