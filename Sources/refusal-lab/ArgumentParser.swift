import Foundation

/// A command-line option: a flag (`--json`) or an option with a value (`--seeds 5`).
struct OptionSpec: Sendable {
  /// The long name, with dashes (`--seeds`), or a short one (`-n`).
  var name: String
  /// The value's placeholder (`N`), or `nil` for a flag.
  var valueName: String?
  /// One line of help.
  var help: String
  /// Whether the option may be given more than once (see ``ParsedArguments/allValues``);
  /// any other option given twice is an error.
  var repeatable = false
}

/// A subcommand's name, purpose and options.
struct CommandSpec: Sendable {
  var name: String
  var abstract: String
  var arguments: String = ""
  var options: [OptionSpec]
  var discussion: String = ""

  static let help = OptionSpec(name: "--help", valueName: nil, help: "Show this help.")
  static let quiet = OptionSpec(
    name: "--quiet", valueName: nil, help: "No progress output on stderr.")

  var allOptions: [OptionSpec] { options + [CommandSpec.quiet, CommandSpec.help] }

  var usageLine: String {
    let optionText = allOptions.filter { $0.name != "--help" }.map { option in
      option.valueName.map { "[\(option.name) \($0)]" } ?? "[\(option.name)]"
    }.joined(separator: " ")
    return "usage: refusal-lab \(name)\(arguments.isEmpty ? "" : " " + arguments) \(optionText)"
  }

  var helpText: String {
    let width =
      allOptions.map { $0.name.count + ($0.valueName.map { $0.count + 1 } ?? 0) }.max() ?? 0
    let lines = allOptions.map { option in
      let left = option.name + (option.valueName.map { " " + $0 } ?? "")
      return "  " + left + String(repeating: " ", count: width - left.count + 2) + option.help
    }
    return """
      \(abstract)

      \(usageLine)

      OPTIONS:
      \(lines.joined(separator: "\n"))
      """ + (discussion.isEmpty ? "" : "\n\n" + discussion)
  }
}

/// A bad command line: a message naming the problem. Exit status 2.
struct UsageError: Error {
  var message: String
  var command: CommandSpec?
}

/// Parsed options of one command.
struct ParsedArguments {
  /// The last value of each option.
  var values: [String: String] = [:]
  /// Every value of each option, in order, for options that may repeat
  /// (`--checkpoint A --checkpoint B`).
  var allValues: [String: [String]] = [:]
  var flags: Set<String> = []
  var positionals: [String] = []

  /// Parses `arguments` against `spec`; throws on unknown options or missing values.
  init(_ arguments: [String], spec: CommandSpec, positionalLimit: Int = 0) throws(UsageError) {
    var index = 0
    while index < arguments.count {
      let argument = arguments[index]
      index += 1
      if argument.hasPrefix("-") && argument.count > 1 {
        var name = argument
        var inlineValue: String?
        if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
          name = String(argument[..<equals])
          inlineValue = String(argument[argument.index(after: equals)...])
        }
        guard let option = spec.allOptions.first(where: { $0.name == name }) else {
          throw UsageError(message: "unknown option '\(name)'", command: spec)
        }
        guard option.repeatable || (!flags.contains(name) && values[name] == nil) else {
          throw UsageError(message: "option '\(name)' is given twice", command: spec)
        }
        if option.valueName == nil {
          if inlineValue != nil {
            throw UsageError(message: "option '\(name)' takes no value", command: spec)
          }
          flags.insert(name)
        } else if let inlineValue {
          values[name] = inlineValue
          allValues[name, default: []].append(inlineValue)
        } else {
          guard index < arguments.count else {
            throw UsageError(message: "option '\(name)' needs a value", command: spec)
          }
          values[name] = arguments[index]
          allValues[name, default: []].append(arguments[index])
          index += 1
        }
      } else {
        guard positionals.count < positionalLimit else {
          throw UsageError(message: "unexpected argument '\(argument)'", command: spec)
        }
        positionals.append(argument)
      }
    }
  }

  func has(_ flag: String) -> Bool { flags.contains(flag) }

  /// An integer option within `range`, or `defaultValue` when absent.
  func integer(
    _ name: String, default defaultValue: Int, in range: ClosedRange<Int>, spec: CommandSpec
  ) throws(UsageError) -> Int {
    guard let text = values[name] else { return defaultValue }
    guard let value = Int(text) else {
      throw UsageError(message: "\(name): expected an integer, got '\(text)'", command: spec)
    }
    guard range.contains(value) else {
      throw UsageError(
        message: "\(name): must be in \(range.lowerBound)…\(range.upperBound), got \(value)",
        command: spec)
    }
    return value
  }

  /// A number option that passes `test` (described by `expectation`), or `defaultValue` when
  /// absent.
  func number(
    _ name: String, default defaultValue: Double, expectation: String, spec: CommandSpec,
    _ test: (Double) -> Bool
  ) throws(UsageError) -> Double {
    guard let text = values[name] else { return defaultValue }
    guard let value = Double(text), value.isFinite else {
      throw UsageError(message: "\(name): expected a number, got '\(text)'", command: spec)
    }
    guard test(value) else {
      throw UsageError(message: "\(name): \(expectation), got \(text)", command: spec)
    }
    return value
  }

  /// A seed option (a non-negative 64-bit integer), or `defaultValue` when absent.
  func seed(_ name: String, default defaultValue: UInt64, spec: CommandSpec) throws(UsageError)
    -> UInt64
  {
    guard let text = values[name] else { return defaultValue }
    guard let value = UInt64(text) else {
      throw UsageError(
        message: "\(name): expected a non-negative integer, got '\(text)'", command: spec)
    }
    return value
  }

  /// `--seeds N` consecutive seeds from `--first-seed S` (defaults `defaultCount` and 0),
  /// all of which must fit in 64 bits.
  func seeds(default defaultCount: Int, spec: CommandSpec) throws(UsageError) -> [UInt64] {
    let count = try integer("--seeds", default: defaultCount, in: 1...1000, spec: spec)
    let first = try seed("--first-seed", default: 0, spec: spec)
    guard first <= UInt64.max - UInt64(count - 1) else {
      throw UsageError(
        message: "--first-seed: \(count) seeds from \(first) pass 2^64 − 1", command: spec)
    }
    return (0..<UInt64(count)).map { first + $0 }
  }

  /// One of `choices`, or `defaultValue` when absent.
  func choice(
    _ name: String, default defaultValue: String, from choices: [String], spec: CommandSpec
  )
    throws(UsageError) -> String
  {
    guard let text = values[name] else { return defaultValue }
    guard choices.contains(text) else {
      throw UsageError(
        message: "\(name): expected one of \(choices.joined(separator: ", ")), got '\(text)'",
        command: spec)
    }
    return text
  }

  /// A comma-separated list option (`--variants rigid,deep`), each item parsed by `parse`;
  /// `defaultValue` when absent. An empty list, an item `parse` rejects (described as
  /// `expectation`) or a repeated item is an error naming the option.
  func list<Value>(
    _ name: String, default defaultValue: [String], expectation: String, spec: CommandSpec,
    parse: (String) -> Value?
  ) throws(UsageError) -> [Value] {
    let items =
      values[name].map {
        $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      } ?? defaultValue
    guard !items.isEmpty, items != [""] else {
      throw UsageError(message: "\(name): must not be empty", command: spec)
    }
    var parsedValues: [Value] = []
    for (index, item) in items.enumerated() {
      let trimmed = item.trimmingCharacters(in: .whitespaces)
      guard let value = parse(trimmed) else {
        throw UsageError(
          message: "\(name): item \(index + 1) is not \(expectation), got '\(trimmed)'",
          command: spec)
      }
      parsedValues.append(value)
    }
    guard Set(items).count == items.count else {
      throw UsageError(message: "\(name): must not repeat an item", command: spec)
    }
    return parsedValues
  }
}
