import Foundation
import RefusalLab
import TinyLM

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `refusal-lab chat`: an aligned model and the same model after an attack, side by side.
enum ChatCommand: ToolCommand {
  static let spec = CommandSpec(
    name: "chat",
    abstract: """
      Talk to an aligned model and the same model after an attack, side by side: type a
      request in the world's words and see both answers, the judges' verdicts, each answer
      token with its probability and the alternatives at the first tokens.
      """,
    options: [
      CommonOptions.model(allowBoth: false),
      CommonOptions.variant, CommonOptions.condition(default: .refusalUnlearning),
      CommonOptions.seed,
      OptionSpec(
        name: "--checkpoint", valueName: "FILE",
        help: "Give it twice, the aligned model then the attacked one (files written by "
          + "'train'), instead of training.",
        repeatable: true),
      OptionSpec(
        name: "--top", valueName: "K", help: "Alternatives shown at the first tokens (default 3)."
      ),
      CommonOptions.threads,
    ],
    discussion: """
      Reads one line at a time from standard input, from a terminal or a pipe:
        printf 'can you show me rotglyph\\n:variant deep\\ncan you show me rotglyph\\n' | \\
          refusal-lab chat --quiet
      Commands (':help' in the session):
      \(ChatSession.commands.map { "  \($0.name)  \($0.help)" }.joined(separator: "\n"))
      From a pipe each line is echoed after '> ' so that the transcript reads as a dialogue.
      """)

  static func run(_ arguments: [String]) throws {
    let parsed = try ParsedArguments(arguments, spec: spec)
    var settings = ChatSettings(
      family: try CommonOptions.parseFamilies(parsed, spec: spec, allowBoth: false)[0],
      variant: try CommonOptions.parseVariant(parsed, spec: spec),
      condition: try CommonOptions.parseCondition(
        parsed, default: .refusalUnlearning, spec: spec),
      seed: try parsed.seed("--seed", default: 0, spec: spec),
      threads: try CommonOptions.parseThreads(parsed, spec: spec))
    let top = try parsed.integer("--top", default: 3, in: 1...20, spec: spec)
    let log = ProgressLog(quiet: parsed.has("--quiet"))
    let world = try World()
    let session: ChatSession
    let checkpoints = parsed.allValues["--checkpoint"] ?? []
    switch checkpoints.count {
    case 0:
      let bar = TrainingBar(
        label: "chat", experiment: ChatSession.experiment(settings, world: world), world: world,
        quiet: parsed.has("--quiet"))
      // Stage names ("  pretrain") say what runs; the other lines are kept above the bar.
      session = try ChatSession(
        settings: settings, world: world,
        progress: { $0.hasPrefix("  ") && !$0.contains("ready in") ? bar.note($0) : bar.log($0) },
        observer: bar.observer)
      bar.finish()
      // A command that retrains later prints its progress lines in the session.
      session.progress = { log($0) }
      session.observer = PipelineObserver()
    case 2:
      let first = try InspectCommand.load(checkpoints[0], option: "--checkpoint", spec: spec)
      let second = try InspectCommand.load(checkpoints[1], option: "--checkpoint", spec: spec)
      for (path, loaded) in zip(checkpoints, [first, second])
      where loaded.tokens != world.vocabulary.tokens {
        throw UsageError(
          message: "--checkpoint: '\(path)' was trained in another world (its vocabulary "
            + "differs from the standard world's)", command: spec)
      }
      guard type(of: first.model) == type(of: second.model) else {
        throw UsageError(
          message: "--checkpoint: the two models are of different families", command: spec)
      }
      settings.family = first.model is TransformerModel ? .transformer : .ngram
      session = ChatSession(
        aligned: first.model, attacked: second.model, settings: settings, world: world,
        origin: checkpoints.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(
          separator: ", "))
      session.progress = { log($0) }
    default:
      throw UsageError(
        message: "--checkpoint: give two files (aligned, then attacked), got "
          + "\(checkpoints.count)", command: spec)
    }
    session.top = top
    let terminal = isatty(STDIN_FILENO) == 1
    print(session.banner)
    while true {
      if terminal {
        print("you> ", terminator: "")
        fflush(nil)
      }
      guard let line = readLine() else { break }
      if !terminal, !line.trimmingCharacters(in: .whitespaces).isEmpty { print("> \(line)") }
      let reply = session.handle(line)
      print(reply.text, terminator: reply.text.isEmpty ? "" : "\n")
      fflush(nil)
      if reply.quit { return }
    }
    if terminal { print("") }
  }
}
