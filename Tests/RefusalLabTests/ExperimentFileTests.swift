import Foundation
import RefusalLab
import Testing
import TinyLM

/// Experiment files: presets, round trips, shorthands, the validation messages, and sweeps
/// into JSON Lines files (on the n-gram, whose training takes milliseconds).
@Suite("Experiment files")
struct ExperimentFileTests {
  static func decode(_ text: String) throws(ConfigurationError) -> ExperimentFile {
    try ExperimentFile(json: Data(text.utf8))
  }

  /// The message a malformed file gets, or `nil` if it decodes.
  static func message(_ text: String) -> String? {
    do {
      _ = try decode(text)
      return nil
    } catch {
      return error.description
    }
  }

  static let codeDemo = Experiment(
    families: ModelFamily.allCases.map(FamilySettings.defaults(for:)),
    variants: AlignmentVariant.demoVariants,
    conditions: AttackCondition.allCases, attack: .paper, seeds: [0, 1, 2, 3, 4])

  // MARK: Presets

  @Test("The presets ship with the package")
  func presetNames() {
    #expect(ExperimentFile.presetNames == ["defense-sweep", "demo", "ngram-quick"])
  }

  @Test("Every preset survives a round trip", arguments: ["demo", "ngram-quick", "defense-sweep"])
  func roundTrip(name: String) throws {
    let preset = try ExperimentFile.preset(named: name)
    #expect(preset.name == name)
    let again = try Self.decode(preset.json())
    #expect(again == preset)
    #expect(again.fingerprint == preset.fingerprint)
  }

  @Test("demo.json is exactly the code's defaults, written out in full")
  func demoPreset() throws {
    let preset = try ExperimentFile.preset(named: "demo")
    #expect(preset.experiment == Self.codeDemo)
    #expect(
      preset.experiment == Experiment.demo(families: ModelFamily.allCases, seeds: [0, 1, 2, 3, 4]))
    #expect(preset.diagnostics == [.prefill])
    let text = try String(contentsOf: Self.presetSource("demo"), encoding: .utf8)
    if text != preset.json() {
      let expected = FileManager.default.temporaryDirectory
        .appendingPathComponent("refusal-lab-demo.expected.json")
      try preset.json().write(to: expected, atomically: true, encoding: .utf8)
      Issue.record("demo.json is not in canonical form; the expected text is in \(expected.path)")
    }
  }

  /// A preset's source file in the repository.
  static func presetSource(_ name: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("Sources/RefusalLab/Presets/\(name).json")
  }

  @Test("demo(families:seeds:) keeps the preset's settings but takes the families and seeds")
  func demoOverrides() {
    let demo = Experiment.demo(families: [.ngram], seeds: [7, 9])
    #expect(demo.families == [.ngramDefault])
    #expect(demo.seeds == [7, 9])
    #expect(demo.variants == AlignmentVariant.demoVariants)
  }

  @Test("An empty object is the demo; an unknown preset is named")
  func emptyIsDemo() throws {
    let file = try Self.decode("{}")
    #expect(file.experiment == Self.codeDemo)
    #expect(file.name == "experiment")
    #expect(throws: ConfigurationError.self) { try ExperimentFile.preset(named: "nope") }
  }

  // MARK: Shorthands and defaults

  @Test("Shorthands: family and variant names, seed ranges, decoding modes, objectives, bases")
  func shorthands() throws {
    let file = try Self.decode(
      """
      {"name": "x", "families": [{"family": "transformer",
         "attack": {"epochs": 2, "objective": {"tokenwise-constrained": {"betas": [1, 0.5]}}}}],
       "variants": ["diverse", {"name": "mine", "base": "deep", "assignment": "by-topic",
         "recovery": {"benignContrast": false}}],
       "attack": {"conditions": ["none", "adaptive"], "sampleCount": 1e2},
       "decoding": {"mode": "sampled", "temperature": 0.7, "maxNewTokens": 12},
       "seeds": {"first": 18446744073709551614, "count": 2}, "diagnostics": ["kl", "prefill"]}
      """)
    let e = file.experiment
    var attack = FamilySettings.transformerDefault.attack
    attack.epochs = 2
    attack.objective = .tokenwiseConstrained(betas: [1, 0.5])
    #expect(e.families.count == 1)
    #expect(e.families[0].attack == attack)
    #expect(e.families[0].pretrain == FamilySettings.transformerDefault.pretrain)
    #expect(e.variants[0] == .diverse)
    #expect(e.variants[1].styles == [0])
    #expect(e.variants[1].assignment == .byTopic)
    #expect(e.variants[1].recovery?.benignContrast == false)
    #expect(e.variants[1].recovery?.afterHarmfulStart == true)
    #expect(e.conditions == [.none, .adaptive])
    #expect(e.attack.sampleCount == 100)
    #expect(e.temperature == 0.7)
    #expect(e.maxNewTokens == 12)
    #expect(e.seeds == [UInt64.max - 1, UInt64.max])
    #expect(file.diagnostics == [.kl, .prefill])
    #expect(try Self.decode(file.json()) == file)
    #expect(try Self.decode(#"{"decoding": "sampled"}"#).experiment.temperature == 1)
    let shapes = try Self.decode(
      """
      {"variants": [{"name": "told", "body": "explained", "helpfulOpenerFraction": 0.125},
        "spoken-opener"], "attack": {"prefixLength": 4}}
      """)
    #expect(shapes.experiment.variants[0].body == .explained)
    #expect(shapes.experiment.variants[0].helpfulOpenerFraction == 0.125)
    #expect(shapes.experiment.variants[1] == .spokenOpener)
    #expect(shapes.experiment.attack.prefixLength == 4)
    #expect(try Self.decode(shapes.json()) == shapes)
    let qi = try Self.decode(
      #"{"families": [{"family": "ngram", "attack": {"objective": "tokenwise-constrained"}}]}"#)
    #expect(qi.experiment.families[0].attack.objective == .qiDefault)
  }

  @Test("The fingerprint ignores the name and description, not the settings")
  func fingerprint() throws {
    let a = try Self.decode(#"{"name": "a", "seeds": [1, 2]}"#)
    let b = try Self.decode(#"{"name": "b", "description": "other", "seeds": [1, 2]}"#)
    let c = try Self.decode(#"{"name": "a", "seeds": [1, 3]}"#)
    #expect(a.fingerprint == b.fingerprint)
    #expect(a.fingerprint != c.fingerprint)
    #expect(a.fingerprint.count == 16)
  }

  // MARK: Validation

  /// Malformed files and their exact messages.
  static let malformedCases: [(String, String)] = [
    ("", "(file): not valid JSON: the file is empty"),
    ("{\n  \"seeds\": [1,\n  2,, 3]}", "line 3, column 5: not valid JSON: unexpected \", 3]}\""),
    (
      "{\"seeds\": [1, 2",
      "line 1, column 16: not valid JSON: the file ends in the middle of a value"
    ),
    ("[1, 2]", "(file): expected an object, got an array"),
    (
      "{\"sedes\": [1]}",
      "sedes: unknown key (known: name, description, world, families, variants, attack, "
        + "decoding, seeds, diagnostics)"
    ),
    (
      "{\"variants\": [{\"name\": \"v\", \"stlyes\": [1]}]}",
      "variants[0].stlyes: unknown key (known: name, base, summary, styles, styleWeights, "
        + "assignment, body, helpfulOpenerFraction, refusalCopies, recovery)"
    ),
    (
      "{\"seeds\": \"five\"}",
      "seeds: expected an array of non-negative integers or {\"first\", \"count\"}, got \"five\""
    ),
    ("{\"seeds\": [1, -2]}", "seeds[1]: must be an integer in 0…18446744073709551615, got -2"),
    ("{\"seeds\": [1, 1]}", "seeds[1]: seed 1 is listed twice"),
    ("{\"seeds\": []}", "seeds: must not be empty, got []"),
    ("{\"seeds\": {\"first\": 3}}", "seeds.count: missing (required)"),
    (
      "{\"families\": [{\"family\": \"ngram\", \"attack\": {\"epochs\": 0}}]}",
      "families[0].attack.epochs: must be in 1…1000, got 0"
    ),
    (
      "{\"families\": [\"ngram\", {\"family\": \"transformer\", \"align\": {\"epochs\": true}}]}",
      "families[1].align.epochs: expected an integer, got true"
    ),
    (
      "{\"families\": [{\"family\": \"ngram\", \"attack\": {\"epochs\": 2.5}}]}",
      "families[0].attack.epochs: must be an integer, got 2.5"
    ),
    (
      "{\"families\": [{\"family\": \"ngram\", \"attack\": {\"learningRate\": 1e999}}]}",
      "line 1, column 62: 1e999 is not a finite number"
    ),
    (
      "{\"families\": [{\"family\": \"ngram\", \"attack\": {\"learningRate\": -1}}]}",
      "families[0].attack.learningRate: must be > 0, got -1"
    ),
    (
      "{\"families\": [{\"family\": \"ngram\", \"attack\": {\"optimizer\": \"adam\"}}]}",
      "families[0].attack.optimizer: unknown optimizer \"adam\" (known: adamw, sgd)"
    ),
    (
      "{\"families\": [{\"family\": \"ngram\", \"transformer\": {\"layers\": 1}}]}",
      "families[0].transformer: only applies to the transformer family"
    ),
    (
      "{\"families\": [{\"family\": \"transformer\", \"transformer\": {\"heads\": 3}}]}",
      "families[0].transformer.heads: embedding (64) must be a multiple of heads (3)"
    ),
    (
      "{\"families\": [\"gpt\"]}",
      "families[0]: unknown family \"gpt\" (known: ngram, transformer)"
    ),
    (
      "{\"families\": [\"ngram\", \"ngram\"]}",
      "families[1]: ngram is listed twice (runs are identified by family)"
    ),
    ("{\"families\": [{\"ngram\": {}}]}", "families[0].family: missing (required)"),
    (
      "{\"variants\": [\"rigid\", \"shallow\"]}",
      "variants[1]: unknown variant \"shallow\" (known: "
        + AlignmentVariant.builtIn.map(\.name).joined(separator: ", ") + ")"
    ),
    (
      "{\"variants\": [\"rigid\", {\"name\": \"rigid\", \"refusalCopies\": 2}]}",
      "variants[1].name: \"rigid\" is a built-in variant; give a changed one another name"
    ),
    (
      "{\"variants\": [{\"name\": \"a\"}, {\"name\": \"a\"}]}",
      "variants[1]: duplicate variant name \"a\""
    ),
    (
      "{\"variants\": [{\"name\": \"a\", \"styles\": [0, 8]}]}",
      "variants[0].styles[1]: must be in 0…7, got 8"
    ),
    (
      "{\"variants\": [{\"name\": \"a\", \"styles\": [0, 1], \"styleWeights\": [1]}]}",
      "variants[0].styleWeights: must have one weight per style (2), got 1 weight"
    ),
    (
      "{\"variants\": [{\"name\": \"a\", \"recovery\": {\"fraction\": 5}}]}",
      "variants[0].recovery.fraction: must be in 0…4, got 5"
    ),
    (
      "{\"variants\": [{\"name\": \"a\", \"recovery\": {\"afterHarmfulStart\": false, "
        + "\"afterRefusalOpener\": false}}]}",
      "variants[0].recovery: needs afterHarmfulStart or afterRefusalOpener, got neither"
    ),
    (
      "{\"variants\": [{\"name\": \"a\", \"assignment\": \"round-robin\"}]}",
      "variants[0].assignment: unknown style assignment \"round-robin\" (known: random, by-topic)"
    ),
    (
      "{\"variants\": [{\"name\": \"a\", \"body\": \"poem\"}]}",
      "variants[0].body: unknown refusal body \"poem\" (known: sentence, mixed, explained)"
    ),
    (
      "{\"variants\": [{\"name\": \"a\", \"helpfulOpenerFraction\": 1.5}]}",
      "variants[0].helpfulOpenerFraction: must be in 0…1, got 1.5"
    ),
    ("{\"attack\": {\"prefixLength\": 0}}", "attack.prefixLength: must be in 1…8, got 0"),
    ("{\"attack\": {\"prefixLength\": 9}}", "attack.prefixLength: must be in 1…8, got 9"),
    ("{\"variants\": []}", "variants: must not be empty, got []"),
    (
      "{\"attack\": {\"conditions\": [\"none\", \"jailbreak\"]}}",
      "attack.conditions[1]: unknown condition \"jailbreak\" (known: none, plain, "
        + "random-prefix, refusal-unlearning, adaptive)"
    ),
    ("{\"attack\": {\"sampleCount\": 0}}", "attack.sampleCount: must be in 1…100000, got 0"),
    (
      "{\"decoding\": {\"temperature\": 0.5}}",
      "decoding.temperature: only applies when mode is \"sampled\""
    ),
    (
      "{\"decoding\": {\"mode\": \"sampled\", \"temperature\": 0}}",
      "decoding.temperature: must be in (0, 100], got 0"
    ),
    ("{\"world\": {\"benignTopics\": 81}}", "world.benignTopics: must be in 1…80, got 81"),
    (
      "{\"world\": {\"neutralOpenerFraction\": \"half\"}}",
      "world.neutralOpenerFraction: expected a number, got \"half\""
    ),
    (
      "{\"diagnostics\": [\"prefill\", \"xray\"]}",
      "diagnostics[1]: unknown diagnostic \"xray\" (known: prefill, kl, tree, rho, dose, proposition, direction)"
    ),
    ("{\"name\": 3}", "name: expected a string, got 3"),
  ]

  @Test("Malformed files get one message naming the field", arguments: malformedCases)
  func malformed(text: String, expected: String) {
    #expect(Self.message(text) == expected)
  }

  // MARK: Sweeps

  static let sweepJSON = """
    {"name": "tiny", "families": ["ngram"], "variants": ["rigid", "deep"],
     "attack": {"conditions": ["none", "refusal-unlearning"]}, "seeds": [3, 4]}
    """

  static func temporaryFile(_ name: String) -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "refusal-lab-sweep-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder.appendingPathComponent(name)
  }

  @Test("A sweep writes one sorted-key line per run; resume after a crash gives the same bytes")
  func sweepAndResume() throws {
    let file = try Self.decode(Self.sweepJSON)
    let one = Self.temporaryFile("one.jsonl")
    defer { try? FileManager.default.removeItem(at: one.deletingLastPathComponent()) }
    let summary = try Sweep(file: file, output: one).run(resume: false, threads: 1)
    #expect(
      summary == SweepSummary(runs: 8, alreadyPresent: 0, written: 8, droppedPartialLine: false))
    let bytes = try Data(contentsOf: one)
    let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
    #expect(lines.count == 2 * 2 * 2)
    for line in lines {
      let object = try #require(
        try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
      #expect(object["fingerprint"] as? String == file.fingerprint)
      #expect(object["experiment"] as? String == "tiny")
      #expect(object["safety"] is NSNumber)
    }
    #expect(lines[0].hasPrefix(#"{"complied":"#), "sorted keys")
    #expect(lines[0].contains(#""seed":3"#) && lines[0].contains(#""variant":"rigid""#))

    // Two threads: the same final bytes.
    let two = Self.temporaryFile("two.jsonl")
    defer { try? FileManager.default.removeItem(at: two.deletingLastPathComponent()) }
    _ = try Sweep(file: file, output: two).run(resume: false, threads: 2)
    #expect(try Data(contentsOf: two) == bytes)

    // An interrupted sweep: the last job's runs lost, the line before cut in half.
    let text = String(decoding: bytes, as: UTF8.self)
    let kept = lines.prefix(5).joined(separator: "\n") + "\n" + lines[5].prefix(30)
    #expect(text.hasPrefix(kept))
    try Data(kept.utf8).write(to: two)
    let resumed = try Sweep(file: file, output: two).run(resume: true, threads: 2)
    #expect(
      resumed == SweepSummary(runs: 8, alreadyPresent: 5, written: 3, droppedPartialLine: true))
    #expect(try Data(contentsOf: two) == bytes)

    // Nothing left to do: every job is skipped.
    let again = try Sweep(file: file, output: two).run(resume: true, threads: 1)
    #expect(again.written == 0 && again.alreadyPresent == 8)
    #expect(try Data(contentsOf: two) == bytes)
  }

  @Test("A sweep refuses an existing file without --resume and another experiment's file")
  func sweepRefusals() throws {
    let file = try Self.decode(Self.sweepJSON)
    let url = Self.temporaryFile("runs.jsonl")
    defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
    _ = try Sweep(file: file, output: url).run(resume: false, threads: 1)
    #expect(throws: SweepError.self) {
      try Sweep(file: file, output: url).run(resume: false, threads: 1)
    }
    let other = try Self.decode(Self.sweepJSON.replacingOccurrences(of: "[3, 4]", with: "[3, 5]"))
    let error = try #require(throws: SweepError.self) {
      try Sweep(file: other, output: url).run(resume: true, threads: 1)
    }
    #expect(error.description.contains("line 1 comes from a different experiment"))
    try Data("not json\n{}\n".utf8).write(to: url)
    #expect(throws: SweepError.self) {
      try Sweep(file: file, output: url).run(resume: true, threads: 1)
    }
  }
}
