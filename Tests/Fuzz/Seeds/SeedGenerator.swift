// Writes the seed checkpoints of the fuzz corpus: a tiny transformer (safetensors) and a
// tiny trained n-gram (JSON). Built and run by Tests/Fuzz/fuzz.sh, linked against TinyLM.
import Foundation
import TinyLM

/// The generator's entry point: `seed-generator OUTPUT-DIRECTORY`.
@main
enum SeedGenerator {
  static func main() throws {
    let folder = URL(fileURLWithPath: CommandLine.arguments[1], isDirectory: true)
    let vocabulary = ["<bos>", "<user>", "<assistant>", "a", "b", "c", "<eos>", "x"]
    let configuration = TransformerConfiguration(
      layerCount: 1, headCount: 2, embeddingSize: 4, blockSize: 4,
      vocabularySize: vocabulary.count)
    let transformer = TransformerModel(configuration: configuration, seed: 1)
    try transformer.checkpointData(vocabulary: vocabulary, metadata: ["note": "fuzz seed"])
      .write(to: folder.appendingPathComponent("tiny.safetensors"))

    let ngram = NGramModel(
      configuration: .init(
        order: 3, smoothing: 0.5, memoryWeight: 0.25, memoryAnchor: 2,
        vocabularySize: vocabulary.count))
    let tokens = [0, 1, 3, 4, 2, 5, 6]
    let sequence = TrainingSequence(
      tokens: tokens, lossMask: [false] + Array(repeating: true, count: tokens.count - 1))
    var random = SeededRandom(seed: 1)
    _ = try ngram.train(
      on: [sequence], options: TrainingOptions(epochs: 1, learningRate: 1), random: &random)
    try ngram.checkpointData(vocabulary: vocabulary)
      .write(to: folder.appendingPathComponent("tiny-ngram.json"))
  }
}
