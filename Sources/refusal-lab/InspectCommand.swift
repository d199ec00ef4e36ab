import Foundation
import RefusalLab
import TinyLM

/// `refusal-lab inspect`: the next-token distribution of a saved model after a prompt.
enum InspectCommand: ToolCommand {
  static let spec = CommandSpec(
    name: "inspect",
    abstract: """
      Load a saved model and print its next-token distribution after a request. The request
      is read as 'tree', 'sample' and 'chat' read it: capitals, contractions and stray
      punctuation are normalised ("Can you show me rotglyph?"), '<user> … <assistant>' is put
      around a bare request, and words after '<assistant>' are kept ('<user> can you show me
      rotglyph <assistant> i 'm sorry'). --raw reads the text token by token as it is.
      """,
    options: [
      OptionSpec(name: "--checkpoint", valueName: "FILE", help: "A model saved by 'train'."),
      OptionSpec(
        name: "--prompt", valueName: "TEXT",
        help: "The request, in the world's words ('refusal-lab words' lists them; required)."),
      OptionSpec(
        name: "--raw", valueName: nil,
        help: "Read --prompt token by token, without the chat markup (any context)."),
      OptionSpec(name: "--top", valueName: "K", help: "How many top tokens (default 10)."),
      OptionSpec(
        name: "--ablate", valueName: "FILE",
        help: "Transformer: project the direction in FILE (from 'direction --save') out of "
          + "every residual-stream write."),
      OptionSpec(
        name: "--add", valueName: "FILE",
        help: "Transformer: add the direction in FILE at its depth (--scale times)."),
      OptionSpec(
        name: "--scale", valueName: "X", help: "The multiple --add adds (default 1)."),
      OptionSpec(
        name: "--json", valueName: nil,
        help: "Print {tokens, top, logprobs} as JSON (logprobs: one per vocabulary entry)."),
    ])

  private struct Top: Encodable {
    var token: String
    var id: Int
    var prob: Double
  }

  private struct Output: Encodable {
    var tokens: [Int]
    var top: [Top]
    var logprobs: [Double]
  }

  /// Sets the residual edit `--ablate` or `--add` asks for on a transformer.
  static func applyEdit(_ parsed: ParsedArguments, to transformer: TransformerModel?) throws {
    let ablate = parsed.values["--ablate"]
    let add = parsed.values["--add"]
    guard ablate != nil || add != nil else {
      if parsed.values["--scale"] != nil {
        throw UsageError(message: "--scale: only applies with --add", command: spec)
      }
      return
    }
    guard ablate == nil || add == nil else {
      throw UsageError(message: "--ablate and --add: give one of them", command: spec)
    }
    guard let transformer else {
      throw UsageError(
        message:
          "\(ablate != nil ? "--ablate" : "--add"): only a transformer has a residual stream",
        command: spec)
    }
    let name = ablate != nil ? "--ablate" : "--add"
    let path = ablate ?? add!
    let bytes = try FilePaths.read(path, option: name, spec: spec)
    let direction: DirectionFile
    do {
      direction = try JSONDecoder().decode(DirectionFile.self, from: bytes)
    } catch {
      throw UsageError(
        message: "\(name): '\(path)' is not a direction file written by 'direction --save'",
        command: spec)
    }
    let scale = try parsed.number(
      "--scale", default: 1, expectation: "must be a number other than 0", spec: spec
    ) { $0 != 0 && abs($0) <= 100 }
    let edit: ResidualEdit =
      ablate != nil
      ? .ablate(direction: direction.vector)
      : .add(direction: direction.vector, depth: direction.depth, scale: Float(scale))
    if let problem = edit.problem(for: transformer.configuration) {
      throw UsageError(message: "\(name): \(problem)", command: spec)
    }
    transformer.residualEdit = edit
  }

  /// Loads a checkpoint written by `train` (n-gram JSON or transformer safetensors): the
  /// model and its vocabulary's tokens. A file that cannot be read is a usage error naming
  /// `option`.
  static func load(_ path: String, option: String, spec: CommandSpec) throws(UsageError) -> (
    model: any LanguageModel, tokens: [String]
  ) {
    let data = try FilePaths.read(path, option: option, spec: spec)
    do {
      if NGramModel.isCheckpoint(data) {
        let (model, tokens) = try NGramModel.load(checkpoint: data)
        return (model, tokens)
      }
      let loaded = try TransformerModel.load(checkpoint: data)
      return (loaded.model, loaded.vocabulary)
    } catch {
      throw UsageError(message: "\(option): '\(path)': \(error)", command: spec)
    }
  }

  static func run(_ arguments: [String]) throws {
    let parsed = try ParsedArguments(arguments, spec: spec)
    guard let path = parsed.values["--checkpoint"] else {
      throw UsageError(message: "--checkpoint: a checkpoint file is required", command: spec)
    }
    guard let prompt = parsed.values["--prompt"] else {
      throw UsageError(message: "--prompt: a prompt is required", command: spec)
    }
    let topCount = try parsed.integer("--top", default: 10, in: 1...100_000, spec: spec)
    let (model, tokens) = try load(path, option: "--checkpoint", spec: spec)
    let transformer = model as? TransformerModel
    try applyEdit(parsed, to: transformer)
    let vocabulary: Vocabulary
    var ids: [Int]
    do {
      vocabulary = try Vocabulary(tokens: tokens)
    } catch {
      throw UsageError(message: "--checkpoint: \(error)", command: spec)
    }
    let world = try World()
    if !parsed.has("--raw"), tokens == world.vocabulary.tokens {
      ids = try CommonOptions.readRequest(
        prompt, world: world, option: "--prompt", spec: spec,
        log: ProgressLog(quiet: parsed.has("--quiet")))
    } else {
      do {
        ids = try vocabulary.encode(prompt)
      } catch {
        throw UsageError(message: "--prompt: \(error)", command: spec)
      }
    }
    guard !ids.isEmpty else { throw UsageError(message: "--prompt: is empty", command: spec) }
    if let limit = model.contextLimit, ids.count > limit {
      throw UsageError(
        message: "--prompt: \(ids.count) tokens, more than the model's context of \(limit)",
        command: spec)
    }
    let logProbabilities = model.logProbabilities(after: ids)
    let order = logProbabilities.indices.sorted {
      logProbabilities[$0] != logProbabilities[$1]
        ? logProbabilities[$0] > logProbabilities[$1] : $0 < $1
    }
    let top = order.prefix(topCount).map {
      Top(token: tokens[$0], id: $0, prob: exp(Double(logProbabilities[$0])))
    }
    if parsed.has("--json") {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      let output = Output(tokens: ids, top: top, logprobs: logProbabilities.map(Double.init))
      print(String(decoding: try encoder.encode(output), as: UTF8.self))
    } else {
      print("next token after: \(vocabulary.decode(ids))")
      let width = top.map(\.token.count).max() ?? 0
      for entry in top {
        let bar = String(repeating: "█", count: Int((entry.prob * 40).rounded()))
        print(
          "  " + entry.token.padding(toLength: max(width, 5), withPad: " ", startingAt: 0)
            + String(format: "  %.4f  ", entry.prob) + bar)
      }
    }
  }
}
